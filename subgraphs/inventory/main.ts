import { oneCFromConfig } from '../../connectors/connectors.js';
import { migrateAll } from '../../platform/db/migrate.js';
import { platformSchema } from '../../platform/platform.migrations.js';
import { runService } from '../../platform/service-main.js';
import { inventorySchema } from './inventory.migrations.js';
import { startInventoryRuntime } from './inventory.runtime.js';
import { oneCCatalogSource } from './sync/onec-catalog-source.js';

// The inventory subgraph as its own process (docker-compose); `npm start` runs it in-process instead.
await runService('inventory', async (config, db, logger) => {
  await migrateAll(db, [platformSchema, inventorySchema]);
  const oneC = oneCFromConfig(config);
  const runtime = await startInventoryRuntime(
    { db, source: oneCCatalogSource(oneC, { onlineWarehouse: config.ONEC_ONLINE_WAREHOUSE }), logger },
    {
      port: config.INVENTORY_PORT,
      host: config.HOST,
      identitySecret: config.GATEWAY_IDENTITY_SECRET,
      catalogIntervalMs: config.INVENTORY_CATALOG_SYNC_INTERVAL_MS,
      stockIntervalMs: config.INVENTORY_STOCK_SYNC_INTERVAL_MS,
      pageSize: config.INVENTORY_SYNC_PAGE_SIZE,
    },
  );
  return {
    banner: [`inventory subgraph at ${runtime.server.url}`],
    close: async () => {
      await runtime.close();
      await oneC.close();
    },
  };
});
