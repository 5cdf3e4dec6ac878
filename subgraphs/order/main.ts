import { startTelemetry } from '../../platform/telemetry.js';

// Tracing, when OTEL_* asks for it, hooks http, undici and pg: it starts before anything imports them.
await startTelemetry('order');
const { bonusPlusFromConfig, oneCFromConfig, retailCrmFromConfig } = await import('../../connectors/connectors.js');
const { migrateAll } = await import('../../platform/db/migrate.js');
const { platformSchema } = await import('../../platform/platform.migrations.js');
const { runService } = await import('../../platform/service-main.js');
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
  return {
    banner: [`order subgraph at ${runtime.server.url}`],
    close: async () => {
      await runtime.close();
      await Promise.all([crm.close(), bonusPlus.close(), oneC.close()]);
    },
  };
});
