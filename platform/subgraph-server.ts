import type { IncomingMessage } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { readFileSync } from 'node:fs';
import { parse, type DocumentNode } from 'graphql';
import { formatError, toGraphQLError, AppError } from './errors.js';
import { IDENTITY_HEADER, internalIdentityVerifier, type Identity } from './identity.js';
import type { Logger } from './logger.js';
import { apolloHandler, listen, metricsRoute, sendJson, sendReadiness, type RunningServer } from './http/http-server.js';
import { auditPlugin, type AuditSettings } from './audit.js';
import { currentRequestId, requestScopePlugin, withRequestScope } from './request-context.js';
import { countStatementsAs } from './db/statement-counter.js';

/** A subgraph's SDL from `schema/<name>.graphql`, parsed. */
export function subgraphTypeDefs(name: string): DocumentNode {
  return parse(readFileSync(new URL(`../schema/${name}.graphql`, import.meta.url), 'utf8'));
}

/** What every subgraph resolver sees: the caller's identity plus the subgraph's own per-request state. */
export interface BaseSubgraphContext {
  readonly identity: Identity;
  /** The request's id (`x-request-id`), set by the server; every log line of the request carries it. */
  readonly requestId?: string;
}

/** A subgraph as data: schema and resolvers, no process concerns (see STYLE.md, rule 2). */
export interface SubgraphDefinition<TContext extends BaseSubgraphContext> {
  readonly name: string;
  readonly typeDefs: DocumentNode;
  readonly resolvers: unknown;
  /** Builds the per-request context (loaders and the like) once the identity is known. */
  readonly createContext: (identity: Identity) => TContext;
  /** Where staff actions are recorded (`platform/audit.ts`); a subgraph with no staff action has none. */
  readonly audit?: AuditSettings;
}

export interface SubgraphServerOptions {
  readonly identitySecret: string;
  /** Where unexpected errors are logged in full before the client gets a masked one. */
  readonly logger?: Logger;
  /** Production keeps introspection off; the gateway does not need it (it reads the supergraph file). */
  readonly introspection?: boolean;
}

/**
 * Builds the Apollo Server of a subgraph. Every request, `_entities` and `_service` included,
 * must carry the gateway-signed identity; anything else is refused with 401 before execution.
 */
export function createSubgraphServer<TContext extends BaseSubgraphContext>(
  definition: SubgraphDefinition<TContext>,
  options: SubgraphServerOptions,
): { server: ApolloServer<TContext>; context: (args: { req: IncomingMessage }) => Promise<TContext> } {
  const server = new ApolloServer<TContext>({
    schema: buildSubgraphSchema([{ typeDefs: definition.typeDefs, resolvers: definition.resolvers as never }]),
    formatError,
    includeStacktraceInErrorResponses: false,
    // Apollo's own handlers stop the server at the first signal, mid-request, and send the signal
    // again: the process's shutdown (platform/service-main.ts) owns signals.
    stopOnTerminationSignals: false,
    introspection: options.introspection ?? process.env.NODE_ENV !== 'production',
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      // No schema here carries cache hints, and the default plugin's hook ran on every field resolved.
      ApolloServerPluginCacheControlDisabled(),
      requestScopePlugin<TContext>(),
      ...(definition.audit ? [auditPlugin<TContext>(definition.name, { logger: options.logger, ...definition.audit })] : []),
      ...(options.logger ? [logUnexpectedErrors(options.logger, definition.name)] : []),
    ],
  });
  const verifyIdentity = internalIdentityVerifier(options.identitySecret);
  const context = async ({ req }: { req: IncomingMessage }) => {
    const header = req.headers[IDENTITY_HEADER];
    try {
      const identity = await verifyIdentity(Array.isArray(header) ? header[0] : header);
      const requestId = currentRequestId();
      return requestId ? { ...definition.createContext(identity), requestId } : definition.createContext(identity);
    } catch (error) {
      throw error instanceof AppError ? toGraphQLError(error) : error;
    }
  };
  return { server, context };
}

/** Logs what `formatError` masks, so operators see the cause the client must not. */
function logUnexpectedErrors(logger: Logger, subgraph: string): ApolloServerPlugin<any> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operationName }) {
          for (const error of errors) {
            const original = error.originalError;
            if (original instanceof AppError || (error.extensions?.code && error.extensions.code !== 'INTERNAL_SERVER_ERROR')) continue;
            logger.error({ subgraph, operationName, path: error.path, error: original?.stack ?? error.message }, 'unexpected error');
          }
        },
      };
    },
  };
}

/**
 * Starts a subgraph on a port with `/graphql`, `/health`, `/ready` (`degraded` while an upstream's
 * breaker is open) and `/metrics`.
 */
export async function startSubgraph<TContext extends BaseSubgraphContext>(
  definition: SubgraphDefinition<TContext>,
  options: SubgraphServerOptions & { port: number; host?: string; ready?: () => Promise<boolean> },
): Promise<RunningServer> {
  const { server, context } = createSubgraphServer(definition, options);
  await server.start();
  const graphql = apolloHandler(server, context);
  const running = await listen(
    {
      // The statements a request sends count under the subgraph's name (platform/db/statement-counter.ts).
      '/graphql': withRequestScope({ source: 'inner', logger: options.logger }, (req, res) => countStatementsAs(definition.name, () => graphql(req, res))),
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok', subgraph: definition.name }),
      '/ready': async (_req, res) => {
        const ready = options.ready ? await options.ready().catch(() => false) : true;
        sendReadiness(res, ready, { subgraph: definition.name });
      },
      '/metrics': metricsRoute(),
    },
    options.port,
    options.host,
  );
  return {
    ...running,
    url: `${running.url}/graphql`,
    close: async () => {
      await running.close();
      await server.stop();
    },
  };
}
