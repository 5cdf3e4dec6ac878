import { startTelemetry } from '../../platform/telemetry.js';

// Tracing, when OTEL_* asks for it, hooks http, undici and pg: it starts before anything imports them.
await startTelemetry('loyalty');
const { bonusPlusFromConfig, retailCrmFromConfig } = await import('../../connectors/connectors.js');
const { migrateAll } = await import('../../platform/db/migrate.js');
const { platformSchema } = await import('../../platform/platform.migrations.js');
const { runService } = await import('../../platform/service-main.js');
const { trackDatabaseFigures } = await import('../../platform/metrics.js');
const { BONUSPLUS_FOLLOW_CURSOR } = await import('./crm-card/bonusplus-follow.service.js');
const { createSubgraphClient } = await import('../../platform/http/subgraph-client.js');
const { customerPhones } = await import('./customer-phones.client.js');
const { loyaltySettings } = await import('./loyalty.config.js');
const { loyaltySchema } = await import('./loyalty.migrations.js');
const { startLoyaltyRuntime } = await import('./loyalty.runtime.js');

// The loyalty subgraph as its own process (docker-compose); `npm start` runs it in-process instead.
await runService('loyalty', async (config, db, logger) => {
  await migrateAll(db, [platformSchema, loyaltySchema]);
  const crm = retailCrmFromConfig(config);
  const bonusPlus = bonusPlusFromConfig(config);
  const runtime = await startLoyaltyRuntime(
    {
      db,
      crm,
      bonusPlus,
      customers: customerPhones(createSubgraphClient({ url: config.CUSTOMER_URL, identitySecret: config.GATEWAY_IDENTITY_SECRET, service: 'loyalty', timeoutMs: config.UPSTREAM_TIMEOUT_MS })),
      logger,
      settings: loyaltySettings(config),
    },
    {
      port: config.LOYALTY_PORT,
      host: config.HOST,
      identitySecret: config.GATEWAY_IDENTITY_SECRET,
      outboxPollMs: config.OUTBOX_POLL_INTERVAL_MS,
      outboxMaxAttempts: config.OUTBOX_MAX_ATTEMPTS,
      outboxConcurrency: config.OUTBOX_CONCURRENCY,
      expiryCheckIntervalMs: config.LOYALTY_EXPIRY_CHECK_INTERVAL_MS,
    },
  );
  // The outbox, sync lag and holds on /metrics, read from the database at each scrape.
  const untrack = trackDatabaseFigures(db, { outbox: true, syncSources: [BONUSPLUS_FOLLOW_CURSOR] });
  return {
    banner: [`loyalty subgraph at ${runtime.server.url}`],
    close: async () => {
      untrack();
      await runtime.close();
      await Promise.all([crm.close(), bonusPlus.close()]);
    },
  };
});
