import { bonusPlusFromConfig, oneCFromConfig, retailCrmFromConfig } from '../../connectors/connectors.js';
import { migrateAll } from '../../platform/db/migrate.js';
import { platformSchema } from '../../platform/platform.migrations.js';
import { runService } from '../../platform/service-main.js';
import { graphServices, orderRuntimeOptions, orderSettings } from './order.config.js';
import { orderSchema } from './order.migrations.js';
import { startOrderRuntime } from './order.runtime.js';

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
