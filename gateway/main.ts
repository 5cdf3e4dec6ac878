import { startTelemetry } from '../platform/telemetry.js';

// Tracing, when OTEL_* asks for it, hooks http, undici and pg: it starts before anything imports them.
await startTelemetry('gateway');
const { callerTokenVerifier } = await import('../platform/identity.js');
const { runService } = await import('../platform/service-main.js');
const { readSupergraph } = await import('../scripts/supergraph.js');
const { rateLimitSettings } = await import('./rate-limits.js');
const { gatewayProfile, startGateway } = await import('./gateway.js');

// The gateway as its own process (docker-compose); `npm start` runs it in-process instead.
await runService('gateway', async (config, _db, logger) => {
  const gateway = await startGateway({
    supergraphSdl: await readSupergraph(),
    subgraphUrls: { customer: config.CUSTOMER_URL, order: config.ORDER_URL, loyalty: config.LOYALTY_URL, inventory: config.INVENTORY_URL },
    verifyToken: callerTokenVerifier(config),
    identitySecret: config.GATEWAY_IDENTITY_SECRET,
    subgraphTimeoutMs: config.GATEWAY_SUBGRAPH_TIMEOUT_MS,
    requestDeadlineMs: config.GATEWAY_REQUEST_DEADLINE_MS,
    rateLimits: rateLimitSettings(config),
    // Its access lines and unexpected errors (the in-process graph passes its logger too).
    logger,
    ...gatewayProfile(config),
    port: config.GATEWAY_PORT,
    host: config.HOST,
  });
  const extras = [config.NODE_ENV !== 'production' ? `, playground at ${gateway.url}/` : '', gateway.metricsUrl ? `, metrics at ${gateway.metricsUrl}` : ''].join('');
  return { banner: [`gateway at ${gateway.url}/graphql${extras}`], close: () => gateway.close() };
});
