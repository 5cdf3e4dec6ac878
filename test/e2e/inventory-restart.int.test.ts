import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../platform/logger.js';
import { startInventoryRuntime } from '../../subgraphs/inventory/inventory.runtime.js';
import { oneCCatalogSource } from '../../subgraphs/inventory/sync/onec-catalog-source.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';

// An inventory process that starts (a restart, a second replica) syncs stock from 1C when the
// last sync says it is due, not at once: the first requests after a restart do not share the
// process with a full read of 1C's stock, and a crash loop does not read it on every start.
const STOCK_INTERVAL_MS = 60_000;
let t: TestGraph;

beforeAll(async () => {
  t = await startTestGraph();
  await t.graph.inventory.catalogSync.runNow();
}, 120_000);
afterAll(async () => t?.close());

const runs = async () => (await t.database.db.selectFrom('inventory.sync_runs').select(['id', 'kind']).orderBy('id').execute()).map((r) => r.id);

/** Another inventory process on the same database, with its schedule running. */
const startAnother = () =>
  startInventoryRuntime(
    { db: t.database.db, source: oneCCatalogSource(t.graph.upstream.oneC, { onlineWarehouse: t.config.ONEC_ONLINE_WAREHOUSE }), logger: createLogger('inventory-restart') },
    { port: 0, identitySecret: t.config.GATEWAY_IDENTITY_SECRET, catalogIntervalMs: 3_600_000, stockIntervalMs: STOCK_INTERVAL_MS, pageSize: t.config.INVENTORY_SYNC_PAGE_SIZE, background: true },
  );

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('an inventory process starting', () => {
  it('right after a sync, syncs nothing until the interval is up; once the last sync is older, syncs at once', async () => {
    const before = await runs();
    const restarted = await startAnother();
    // A while later, and once it has stopped (which waits for any run in progress), no run was begun.
    await new Promise((r) => setTimeout(r, 500));
    await restarted.close();
    expect(await runs()).toEqual(before);

    // The last sync ended longer ago than the interval: the next process to start syncs at once.
    const last = before.at(-1)!;
    await t.database.db.updateTable('inventory.sync_runs').set({ finished_at: new Date(Date.now() - STOCK_INTERVAL_MS - 1_000) }).where('id', '=', last).execute();
    const late = await startAnother();
    try {
      const begun = await until('a stock sync begun at start', async () => (await runs()).find((id) => !before.includes(id)));
      expect(begun).toBeGreaterThan(last);
      const run = await t.database.db.selectFrom('inventory.sync_runs').select('kind').where('id', '=', begun).executeTakeFirstOrThrow();
      expect(run.kind).toBe('STOCK');
    } finally {
      await late.close();
    }
  });
});
