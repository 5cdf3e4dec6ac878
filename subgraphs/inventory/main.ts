import { startTelemetry } from '../../platform/telemetry.js';

// Tracing, when OTEL_* asks for it, hooks http, undici and pg: it starts before anything imports them.
await startTelemetry('inventory');
const { oneCFromConfig } = await import('../../connectors/connectors.js');
const { migrateAll } = await import('../../platform/db/migrate.js');
const { platformSchema } = await import('../../platform/platform.migrations.js');
const { runService } = await import('../../platform/service-main.js');
const { trackDatabaseFigures } = await import('../../platform/metrics.js');
const { inventorySchema } = await import('./inventory.migrations.js');
const { startInventoryRuntime } = await import('./inventory.runtime.js');
const { oneCCatalogSource } = await import('./sync/onec-catalog-source.js');

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
      stockCacheSeconds: config.INVENTORY_STOCK_CACHE_SECONDS,
    },
  );
  // The outbox, sync lag and holds on /metrics, read from the database at each scrape.
  const untrack = trackDatabaseFigures(db, { inventoryRuns: true, holds: ['stock'] });
  return {
    banner: [`inventory subgraph at ${runtime.server.url}`],
    close: async () => {
      untrack();
      await runtime.close();
      await oneC.close();
    },
  };
});
