import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { Config } from '../platform/config.js';
import type { GraphQLFormattedError, ValidationRule } from 'graphql';
import { AppError, formatError, toGraphQLError, unauthenticated } from '../platform/errors.js';
import { apolloHandler, listen, metricsRoute, sendJson, sendReadiness, type RunningServer } from '../platform/http/http-server.js';
import { ANONYMOUS, IDENTITY_HEADER, identitySigner, type Identity } from '../platform/identity.js';
import type { Logger } from '../platform/logger.js';
import { currentRequestId, REQUEST_ID_HEADER, requestScopePlugin, withRequestScope } from '../platform/request-context.js';
import { consoleRoutes } from './console.js';
import { inputGuard } from './input-guard.js';
import { clientOperationNames, countErrors, operationMetricsPlugin } from './operation-metrics.js';
import { playgroundHtml } from './playground.js';
import { loadOperationManifest, operationSafelist, safelistMode, type SafelistMode } from './safelist.js';
import { QUERY_TOO_LARGE_MESSAGE, shapeProtection } from './shape-limits.js';
import { createRateLimits, oneMoneyMutationPlugin, type RateLimitSettings } from './rate-limits.js';
import { installResultShaping } from './result-shaping.js';
import { createEntityCache, type EntityCache } from './entity-cache.js';
import { DEADLINE_HEADER, subgraphFetcher, type Fetcher } from './subgraph-fetch.js';

export interface GatewayContext {
  readonly identity: Identity;
  /** When the request must be answered by (epoch ms): no subgraph call runs past it. */
  readonly deadline: number;
  /** The signed identity header, made once per request and sent with every subgraph call. */
  signedIdentity?: Promise<string>;
  /** The caller's address as the rate limits key it (set when they are on). */
  readonly clientAddress?: string;
}

export interface GatewayOptions {
  readonly supergraphSdl: string;
  /** Subgraph name → URL; overrides the URLs baked into the supergraph. */
  readonly subgraphUrls: Readonly<Record<string, string>>;
  readonly verifyToken: (token: string) => Promise<Identity>;
  readonly identitySecret: string;
  /** Overrides the profile's introspection (bench gateways). */
  readonly introspection?: boolean;
  /**
   * Introspection, the playground at `/` and `/metrics` on the GraphQL port: for development and
   * tests only (`gatewayProfile`). Off unless set, so an entry that forgets it serves production's.
   */
  readonly development?: boolean;
  /** A listener of its own for `/metrics` (METRICS_PORT, on the same host), out of callers' reach. */
  readonly metricsPort?: number | undefined;
  /** Customers and anonymous callers run only the clients' operations (`gateway/safelist.ts`); when absent, `enforce` in production (NODE_ENV). */
  readonly safelist?: SafelistMode;
  readonly logger?: Logger;
  /** The most one subgraph call may take (GATEWAY_SUBGRAPH_TIMEOUT_MS, 10 s). */
  readonly subgraphTimeoutMs?: number;
  /** The most one request may take in all (GATEWAY_REQUEST_DEADLINE_MS, 20 s). */
  readonly requestDeadlineMs?: number;
  /** Limits per caller (`rateLimitSettings(config)`); none when absent. */
  readonly rateLimits?: RateLimitSettings | undefined;
  /** How long synced entity fields are answered from memory (GATEWAY_ENTITY_CACHE_SECONDS, `entity-cache.ts`); none when absent or 0. */
  readonly entityCacheSeconds?: number | undefined;
}

type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

class IdentityForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly sign: (identity: Identity) => Promise<string>,
    fetcher: Fetcher,
    private readonly subgraph: string,
    private readonly entities: EntityCache | undefined,
  ) {
    super({ url, fetcher });
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const { query, variables } = options.request;
    // A client's operation's fetches only: health checks and schema loads go as they are.
    if (!this.entities || !('incomingRequestContext' in options) || !query) return super.process(options);
    return (await this.entities.fetch(this.subgraph, query, variables, () => super.process(options))) as SubgraphResponse;
  }

  override async willSendRequest({ request, context }: Parameters<RemoteGraphQLDataSource<GatewayContext>['willSendRequest'] & {}>[0]) {
    // Health checks and the like run without a request context: they go as anonymous.
    const ctx = context as Partial<GatewayContext>;
    const identity = ctx.identity ?? ANONYMOUS;
    const signed = (ctx.signedIdentity ??= this.sign(identity));
    request.http?.headers.set(IDENTITY_HEADER, await signed);
    if (ctx.deadline !== undefined) request.http?.headers.set(DEADLINE_HEADER, String(ctx.deadline));
    const requestId = currentRequestId();
    if (requestId) request.http?.headers.set(REQUEST_ID_HEADER, requestId);
  }
}

const UNAVAILABLE = /error while fetching subquery|subgraph unavailable|ECONNREFUSED|socket hang up|fetch failed/i;

/** Gateway error shape: our codes pass, a subgraph that cannot be reached is UPSTREAM_UNAVAILABLE, the rest is masked. */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const { serviceName: _service, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
  const code = extensions.code;
  if ((code === undefined || code === 'INTERNAL_SERVER_ERROR') && UNAVAILABLE.test(formatted.message)) {
    return { message: 'A part of the graph is unavailable', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'UPSTREAM_UNAVAILABLE' } };
  }
  // graphql-js's token limit names the limit ("more than 500 tokens"); Apollo Server recodes the
  // shape rules' refusals as validation failures: both become the one fixed refusal.
  if ((code === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT.test(formatted.message)) || formatted.message === QUERY_TOO_LARGE_MESSAGE) {
    return { message: QUERY_TOO_LARGE_MESSAGE, extensions: { code: 'QUERY_TOO_LARGE' } };
  }
  return formatError({ ...formatted, extensions }, error);
}

const TOKEN_LIMIT = /Document contains more th\w+ \d+ tokens/;

/** The one profile every entry (gateway/main.ts, `npm start`) starts the gateway with. */
export const gatewayProfile = (config: Config): Pick<GatewayOptions, 'development' | 'metricsPort' | 'safelist' | 'entityCacheSeconds'> => ({
  development: config.NODE_ENV !== 'production',
  metricsPort: config.METRICS_PORT,
  // From the configuration, not the process's environment: `startGraph` may run a production graph in a test process.
  safelist: safelistMode(config.NODE_ENV),
  entityCacheSeconds: config.GATEWAY_ENTITY_CACHE_SECONDS,
});

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) throw unauthenticated('Authorization must be a Bearer token');
  return match[1];
}

/**
 * The gateway: composes nothing at run time (it serves the committed supergraph file), verifies
 * the caller's JWT, and forwards a signed identity to every subgraph call (through
 * `subgraph-fetch.ts`: undici, identical reads in flight sent once). Query size is bounded by
 * graphql-armor (depth, aliases, tokens, cost).
 */
/**
 * @apollo/gateway sends usage telemetry to Apollo and first probes the cloud metadata addresses
 * (169.254.169.254 and the like) to describe the host, unless APOLLO_TELEMETRY_DISABLED is set. A
 * retailer's gateway talks to its subgraphs only: off unless an operator sets it to `false`.
 */
process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';

export function createGateway(options: GatewayOptions) {
  if (!installResultShaping()) options.logger?.warn('@apollo/gateway is not the release gateway/result-shaping.ts was written for: its own result shaping runs');
  const sign = identitySigner(options.identitySecret);
  const subgraphs = subgraphFetcher({ timeoutMs: options.subgraphTimeoutMs ?? 10_000 });
  const requestDeadlineMs = options.requestDeadlineMs ?? 20_000;
  const safelist = (options.safelist ?? safelistMode()) === 'enforce' ? operationSafelist<GatewayContext>(loadOperationManifest()) : undefined;
  const limits = options.rateLimits ? createRateLimits(options.rateLimits, options.logger) : undefined;
  const entities = createEntityCache(options.entityCacheSeconds ?? 0);
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) => new IdentityForwardingDataSource(subgraphs.named(options.subgraphUrls[name] ?? url!, name), sign, subgraphs.fetch, name, entities),
  });
  // Only the suggestion mask: the shape limits are `shapeProtection`'s, silent and HTTP 400.
  const armor = new ApolloArmor({
    maxDepth: { enabled: false },
    maxAliases: { enabled: false },
    maxTokens: { enabled: false },
    maxDirectives: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: true },
  }).protect();
  const shape = shapeProtection();
  const server = new ApolloServer<GatewayContext>({
    gateway,
    // The process's shutdown owns signals (platform/service-main.ts); Apollo's would stop mid-request and re-send them.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => {
      const shown = formatGatewayError(formatted, error);
      if (shown.extensions?.code === 'INTERNAL_SERVER_ERROR') options.logger?.error({ error: formatted.message, path: formatted.path }, 'unexpected gateway error');
      return shown;
    },
    includeStacktraceInErrorResponses: false,
    // With the safelist, persisted queries serve the manifest's ids and never register a text.
    ...(safelist ? { persistedQueries: safelist.persistedQueries } : {}),
    introspection: options.introspection ?? options.development === true,
    // graphql-armor's types point at Apollo's CJS build; the plugins are the same objects.
    plugins: [requestScopePlugin<GatewayContext>(), operationMetricsPlugin<GatewayContext>(knownOperations()), ...(safelist ? [safelist.plugin] : []), ...(armor.plugins as unknown as ApolloServerPlugin<GatewayContext>[]), inputGuard<GatewayContext>(), oneMoneyMutationPlugin<GatewayContext>(), ...(limits ? [limits.plugin] : []), ApolloServerPluginLandingPageDisabled()],
    validationRules: [...(armor.validationRules as ValidationRule[]), ...shape.validationRules],
    parseOptions: shape.parseOptions,
  });
  const context = async ({ req }: { req: IncomingMessage }): Promise<GatewayContext> => {
    try {
      const token = bearerToken(req);
      const deadline = Date.now() + requestDeadlineMs;
      return { identity: token ? await options.verifyToken(token) : ANONYMOUS, deadline, ...(limits ? { clientAddress: limits.clientAddress(req) } : {}) };
    } catch (error) {
      throw error instanceof AppError ? toGraphQLError(error) : error;
    }
  };
  return { server, context, subgraphs, limits };
}

/** The clients' operation names, the labels `gateway_operation_seconds` may carry (none when the manifest cannot be read). */
function knownOperations(): Set<string> {
  try {
    return clientOperationNames(loadOperationManifest());
  } catch {
    return new Set();
  }
}

export interface StartGatewayOptions extends GatewayOptions {
  readonly port: number;
  readonly host?: string;
}

/**
 * Starts the gateway with `/graphql`, `/health` and `/ready`; in development also the offline
 * playground at `/` and `/metrics`, which otherwise is served only on `metricsPort`.
 */
export async function startGateway(options: StartGatewayOptions): Promise<RunningServer & { readonly metricsUrl?: string }> {
  const { server, context, subgraphs, limits } = createGateway(options);
  await server.start();
  await limits?.ready();
  const verifyCaller = async (req: IncomingMessage) => {
    const token = bearerToken(req);
    return token ? options.verifyToken(token) : ANONYMOUS;
  };
  const graphql = apolloHandler(server, context);
  const subgraphHealthUrls = Object.values(options.subgraphUrls).map((u) => u.replace(/\/graphql$/, '/health'));
  const running = await listen(
    {
      // The request id is made here, before the limits, so a refusal carries one too.
      '/graphql': withRequestScope({ source: 'edge', logger: options.logger }, async (req, res) => {
        if (options.development && req.method === 'GET' && !new URL(req.url ?? '/', 'http://x').searchParams.has('query') && req.headers.accept?.includes('text/html')) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(await playgroundHtml());
          return;
        }
        const refused = await limits?.admit(req, () => verifyCaller(req));
        if (refused) {
          countErrors(refused.body.errors);
          return sendJson(res, refused.status, refused.body, refused.headers);
        }
        return graphql(req, res);
      }),
      // The playground and the process's figures are for whoever runs the graph, not its callers.
      ...(options.development
        ? {
            '/': async (_req: IncomingMessage, res: ServerResponse) => {
              res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(await playgroundHtml());
            },
            '/metrics': metricsRoute(),
          }
        : {}),
      // The staff console holds no data (it needs a staff token for any), so production serves it too.
      ...consoleRoutes(),
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
      '/ready': async (_req, res) => {
        const checks = await Promise.all(
          subgraphHealthUrls.map(async (url) => {
            try {
              return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
            } catch {
              return false;
            }
          }),
        );
        sendReadiness(res, checks.every(Boolean), { subgraphs: checks.filter(Boolean).length, of: checks.length });
      },
    },
    options.port,
    options.host,
  );
  const metrics = options.metricsPort === undefined ? undefined : await listen({ '/metrics': metricsRoute() }, options.metricsPort, options.host);
  return {
    ...running,
    ...(metrics ? { metricsUrl: `${metrics.url}/metrics` } : {}),
    close: async () => {
      await metrics?.close();
      await running.close();
      await server.stop();
      await subgraphs.close();
      await limits?.close();
    },
  };
}
