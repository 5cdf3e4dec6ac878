import type { Kysely } from 'kysely';
import type { RunningServer } from '../../platform/http/http-server.js';
import type { Logger } from '../../platform/logger.js';
import { createPeriodicTask, type PeriodicTask } from '../../platform/periodic-task.js';
import { startSubgraph } from '../../platform/subgraph-server.js';
import type { CatalogSource } from './sync/catalog-source.js';
import { buildInventorySubgraph } from './inventory.subgraph.js';
import type { InventoryDb, SyncRunRow } from './inventory.table.js';
import { claimRun, continueRun, runInventorySync, type InventorySyncDeps } from './sync/inventory-sync.service.js';
import { expireStockHolds } from './holds/stock-hold.service.js';
import { lastStockSnapshot, lastSucceededRun } from './sync/sync-run.repository.js';
import { createStockCache, type StockCache } from './stock-cache.js';

export interface InventoryRuntimeOptions {
  readonly port: number;
  readonly host?: string;
  readonly identitySecret: string;
  readonly catalogIntervalMs: number;
  readonly stockIntervalMs: number;
  readonly pageSize: number;
  /** INVENTORY_STOCK_CACHE_SECONDS (0: no cache). */
  readonly stockCacheSeconds?: number;
  readonly background?: boolean;
}

export interface InventoryRuntime {
  readonly server: RunningServer;
  readonly catalogSync: PeriodicTask<SyncRunRow>;
  readonly stockSync: PeriodicTask<SyncRunRow>;
  readonly holdExpiry: PeriodicTask<number>;
  readonly stockCache: StockCache | undefined;
  close(): Promise<void>;
}

/**
 * The inventory subgraph as a running service: the HTTP server, a full catalog sync on a schedule
 * (and at once when the read model has never been filled), a frequent stock sync, and the expiry
 * of abandoned stock holds.
 */
export async function startInventoryRuntime(
  deps: { db: Kysely<any>; source: CatalogSource; logger: Logger },
  options: InventoryRuntimeOptions,
): Promise<InventoryRuntime> {
  const syncDeps: InventorySyncDeps = { db: deps.db, source: deps.source, logger: deps.logger, pageSize: options.pageSize };
  const stockCache = createStockCache(options.stockCacheSeconds ?? 0);
  // A sync of this process is seen at once here; other processes see it on their next read but one.
  const syncing = async (kind: 'CATALOG' | 'STOCK', signal: AbortSignal) => {
    try {
      return await runInventorySync(syncDeps, kind, signal);
    } finally {
      stockCache?.clear();
    }
  };
  const catalogSync = createPeriodicTask('inventory catalog sync', options.catalogIntervalMs, (signal) => syncing('CATALOG', signal), deps.logger);
  const stockSync = createPeriodicTask(
    'inventory stock sync',
    options.stockIntervalMs,
    async (signal) => {
      // Stock of a catalog we never read has nowhere to go: the catalog comes first.
      if (!(await lastSucceededRun(deps.db as Kysely<InventoryDb>, 'CATALOG'))) return catalogSync.runNow();
      return syncing('STOCK', signal);
    },
    deps.logger,
  );
  const holdExpiry = createPeriodicTask('stock hold expiry', 30_000, () => expireStockHolds(deps.db), deps.logger);

  const startCatalogSync = async () => {
    const claim = await claimRun(syncDeps, 'CATALOG');
    if (claim.state !== 'live') {
      continueRun(syncDeps, claim.run).catch((error: unknown) => deps.logger.warn({ error: String(error) }, 'catalog sync started on demand failed'));
    }
    return claim.run;
  };

  const server = await startSubgraph(buildInventorySubgraph({ db: deps.db, logger: deps.logger, startCatalogSync, ...(stockCache ? { stockCache } : {}) }), {
    port: options.port,
    identitySecret: options.identitySecret,
    logger: deps.logger,
    ...(options.host ? { host: options.host } : {}),
  });
  let scheduledCatalog: NodeJS.Timeout | undefined;
  if (options.background !== false) {
    // A restarted process (or a second replica) syncs stock when it is due, not at once: a full
    // read of 1C's stock beside its first requests, on every restart, is what a crash loop cannot afford.
    const last = await lastStockSnapshot(deps.db as Kysely<InventoryDb>);
    stockSync.start(last?.finished_at ? Math.max(0, last.finished_at.getTime() + options.stockIntervalMs - Date.now()) : 0); // runs the first catalog sync when there has been none
    holdExpiry.start();
    scheduledCatalog = setTimeout(() => catalogSync.start(), options.catalogIntervalMs);
  }
  return {
    server,
    catalogSync,
    stockSync,
    holdExpiry,
    stockCache,
    async close() {
      clearTimeout(scheduledCatalog);
      await Promise.all([catalogSync.stop(), stockSync.stop(), holdExpiry.stop()]);
      await server.close();
    },
  };
}
