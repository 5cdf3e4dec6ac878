import { startTelemetry } from '../../platform/telemetry.js';

// Tracing, when OTEL_* asks for it, hooks http, undici and pg: it starts before anything imports them.
await startTelemetry('customer');
const { bonusPlusFromConfig, retailCrmFromConfig } = await import('../../connectors/connectors.js');
const { migrateAll } = await import('../../platform/db/migrate.js');
const { platformSchema } = await import('../../platform/platform.migrations.js');
const { runService } = await import('../../platform/service-main.js');
const { trackDatabaseFigures } = await import('../../platform/metrics.js');
const { CUSTOMER_HISTORY_CURSOR } = await import('./crm-sync/customer-sync.service.js');
const { customerSchema } = await import('./customer.migrations.js');
const { startCustomerRuntime } = await import('./customer.runtime.js');

// The customer subgraph as its own process (docker-compose); `npm start` runs it in-process instead.
await runService('customer', async (config, db, logger) => {
  await migrateAll(db, [platformSchema, customerSchema]);
  const crm = retailCrmFromConfig(config);
  const bonusPlus = bonusPlusFromConfig(config);
  const runtime = await startCustomerRuntime(
    { db, crm, bonusPlus, logger },
    {
      port: config.CUSTOMER_PORT,
      host: config.HOST,
      identitySecret: config.GATEWAY_IDENTITY_SECRET,
      syncIntervalMs: config.CUSTOMER_SYNC_INTERVAL_MS,
      outboxPollMs: config.OUTBOX_POLL_INTERVAL_MS,
      outboxMaxAttempts: config.OUTBOX_MAX_ATTEMPTS,
      outboxConcurrency: config.OUTBOX_CONCURRENCY,
      showroomImportIntervalMs: config.CUSTOMER_SHOWROOM_IMPORT_INTERVAL_MS,
    },
  );
  // The outbox, sync lag and holds on /metrics, read from the database at each scrape.
  const untrack = trackDatabaseFigures(db, { outbox: true, syncSources: [CUSTOMER_HISTORY_CURSOR] });
  return {
    banner: [`customer subgraph at ${runtime.server.url}`],
    close: async () => {
      untrack();
      await runtime.close();
      await crm.close();
      await bonusPlus.close();
    },
  };
});
