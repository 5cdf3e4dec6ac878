import { defineConfig, type GatewayPlugin } from '@graphql-hive/gateway';
import { loadConfig, type Config } from '../platform/config.js';
import { AppError, toGraphQLError, unauthenticated } from '../platform/errors.js';
import { ANONYMOUS, IDENTITY_HEADER, callerTokenVerifier, identitySigner, type Identity } from '../platform/identity.js';

/**
 * Hive Gateway in front of the committed supergraph, for a team that outgrows one Node gateway
 * process (README, "Scaling out"). It does for identity exactly what `gateway/gateway.ts` does, with
 * the same code: the caller's JWT is verified by `callerTokenVerifier` (HS256 or JWKS, issuer,
 * audience, the longest lifetimes), and every subgraph call carries the `x-retail-identity` that
 * `identitySigner` signs with GATEWAY_IDENTITY_SECRET. Whatever `x-retail-identity` a caller sends
 * is replaced, never passed on.
 *
 *   npx hive-gateway supergraph schema/supergraph.graphql -c deploy/hive-gateway.config.ts
 *
 * The configuration comes from the same environment variables as ours (`platform/config.ts`):
 * JWT_*, GATEWAY_IDENTITY_SECRET, CUSTOMER_URL / ORDER_URL / LOYALTY_URL / INVENTORY_URL,
 * GATEWAY_SUBGRAPH_TIMEOUT_MS; production refuses the development secrets as ours does.
 */

interface RetailContext {
  readonly retailIdentity: Identity;
}

/** The bearer token of an `Authorization` header; anything else there is refused, as by ours. */
function bearerToken(header: string | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) throw unauthenticated('Authorization must be a Bearer token');
  return match[1];
}

/**
 * Verifies the caller once per request (a refusal is the same UNAUTHENTICATED 401 or FORBIDDEN 403
 * as ours, before any subgraph is called) and signs the identity onto every subgraph fetch.
 */
export function retailIdentityPlugin(options: { readonly verifyToken: (token: string) => Promise<Identity>; readonly identitySecret: string }): GatewayPlugin<RetailContext> {
  const sign = identitySigner(options.identitySecret);
  return {
    async onContextBuilding({ context, extendContext }) {
      try {
        const token = bearerToken(context.request.headers.get('authorization'));
        extendContext({ retailIdentity: token ? await options.verifyToken(token) : ANONYMOUS });
      } catch (error) {
        throw error instanceof AppError ? toGraphQLError(error) : error;
      }
    },
    async onFetch({ context, options: request, setOptions }) {
      // No request context: a fetch of the gateway's own (none with a static supergraph) goes unsigned, and is refused.
      const identity = 'retailIdentity' in context ? (context.retailIdentity as Identity | undefined) : undefined;
      if (!identity) return;
      const headers = new Headers(request.headers as HeadersInit | undefined);
      headers.set(IDENTITY_HEADER, await sign(identity));
      setOptions({ ...request, headers: Object.fromEntries(headers) });
    },
  };
}

/** Hive Gateway's configuration from ours: the same verifier, signer, subgraph URLs and per-call timeout. */
export function hiveGatewayConfig(config: Config) {
  return defineConfig<RetailContext>({
    transportEntries: {
      customer: { location: config.CUSTOMER_URL },
      order: { location: config.ORDER_URL },
      loyalty: { location: config.LOYALTY_URL },
      inventory: { location: config.INVENTORY_URL },
    },
    upstreamTimeout: config.GATEWAY_SUBGRAPH_TIMEOUT_MS,
    // As ours: no playground, and no schema for anyone to read, in production.
    graphiql: config.NODE_ENV !== 'production',
    disableIntrospection: config.NODE_ENV === 'production' ? { disableIf: () => true } : undefined,
    plugins: () => [retailIdentityPlugin({ verifyToken: callerTokenVerifier(config), identitySecret: config.GATEWAY_IDENTITY_SECRET })],
  });
}

export const gatewayConfig = hiveGatewayConfig(loadConfig());
