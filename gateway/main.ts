import { createJwtVerifier } from '../platform/identity.js';
import { runService } from '../platform/service-main.js';
import { readSupergraph } from '../scripts/supergraph.js';
import { rateLimitSettings } from './rate-limits.js';
import { startGateway } from './gateway.js';

// The gateway as its own process (docker-compose); `npm start` runs it in-process instead.
await runService('gateway', async (config) => {
  const gateway = await startGateway({
    supergraphSdl: await readSupergraph(),
    subgraphUrls: { customer: config.CUSTOMER_URL, order: config.ORDER_URL, loyalty: config.LOYALTY_URL, inventory: config.INVENTORY_URL },
    verifyToken: createJwtVerifier({ secret: config.JWT_SECRET, jwksUrl: config.JWT_JWKS_URL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE }),
    identitySecret: config.GATEWAY_IDENTITY_SECRET,
    subgraphTimeoutMs: config.GATEWAY_SUBGRAPH_TIMEOUT_MS,
    requestDeadlineMs: config.GATEWAY_REQUEST_DEADLINE_MS,
    rateLimits: rateLimitSettings(config),
    introspection: config.NODE_ENV !== 'production',
    port: config.GATEWAY_PORT,
    host: config.HOST,
  });
  return { banner: [`gateway at ${gateway.url}/graphql, playground at ${gateway.url}/`], close: () => gateway.close() };
});
