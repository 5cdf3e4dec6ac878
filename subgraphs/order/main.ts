import { startTelemetry } from '../../platform/telemetry.js';

// Tracing, when OTEL_* asks for it, hooks http, undici and pg: it starts before anything imports them.
await startTelemetry('order');
const { bonusPlusFromConfig, oneCFromConfig, retailCrmFromConfig } = await import('../../connectors/connectors.js');
const { migrateAll } = await import('../../platform/db/migrate.js');
const { platformSchema } = await import('../../platform/platform.migrations.js');
const { runService } = await import('../../platform/service-main.js');
const { trackDatabaseFigures } = await import('../../platform/metrics.js');
const { ORDER_HISTORY_CURSOR } = await import('./crm-sync/order-sync.service.js');
const { ONEC_ORDER_STATES_CURSOR } = await import('./onec/onec-exchange.service.js');
const { graphServices, orderRuntimeOptions, orderSettings } = await import('./order.config.js');
const { orderSchema } = await import('./order.migrations.js');
const { startOrderRuntime } = await import('./order.runtime.js');

// The order subgraph as its own process (docker-compose); `npm start` runs it in-process instead.
await runService('order', async (config, db, logger) => {
  await migrateAll(db, [platformSchema, orderSchema]);
  const crm = retailCrmFromConfig(config);
  const bonusPlus = bonusPlusFromConfig(config);
  const oneC = oneCFromConfig(config);
  const runtime = await startOrderRuntime(
    { db, crm, bonusPlus, oneC, logger, settings: orderSettings(config), ...graphServices(config, { customer: config.CUSTOMER_URL, inventory: config.INVENTORY_URL }) },
    orderRuntimeOptions(config),
  );
  // The outbox, sync lag and holds on /metrics, read from the database at each scrape.
  const untrack = trackDatabaseFigures(db, { outbox: true, syncSources: [ORDER_HISTORY_CURSOR, ONEC_ORDER_STATES_CURSOR], holds: ['bonus'] });
  return {
    banner: [`order subgraph at ${runtime.server.url}`],
    close: async () => {
      untrack();
      await runtime.close();
      await Promise.all([crm.close(), bonusPlus.close(), oneC.close()]);
    },
  };
});
