import { pathToFileURL } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { InventoryDb } from '../subgraphs/inventory/inventory.table.js';
import { heldLines, stockOfOffersInWarehouses } from '../subgraphs/inventory/stock.repository.js';
import { startTestGraph } from '../test/support/graph-harness.js';
import { availableOffers } from '../test/support/order-fixtures.js';
import { COST_GRAPH_SETTINGS, cpuNow } from './cost.js';
import { printTable } from './load.bench.js';
import { report, type BenchRow } from './report.js';

/**
 * `npm run bench:stock-read`: what a cache of stock and prices per offer could save a checkout
 * (issue #16, item 5), measured. A quote's inventory statement (one per subgraph request) reads the
 * offers with their products, 1C's stock in every warehouse, and what checkouts hold. A cache of
 * what only syncs change (prices, names, 1C's stock) would leave the holds to read on every quote:
 * they are customers' own writes, which a customer must see in their next read. So, side by side,
 * in alternating turns on one synced catalog:
 *
 *   - `today`: `stockOfOffersInWarehouses`, the statement a quote sends;
 *   - `holds only`: the part a cache could never take, the checkouts' holds of the same offers.
 *
 * Printed per read, for carts of 1, 5 and 20 offers: wall ms in this process and, on a real
 * Postgres, the CPU ms of its backends. The difference is the most such a cache could save.
 *
 *   npm run bench:stock-read      DATABASE_URL=postgres://… BENCH_READS=500 npm run bench:stock-read
 */
export async function runStockReadBench(): Promise<BenchRow[]> {
  const reads = Number(process.env.BENCH_READS ?? 300);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  process.env.LOG_LEVEL ??= 'silent';
  const t = await startTestGraph(COST_GRAPH_SETTINGS);
  try {
    await t.graph.inventory.catalogSync.runNow();
    await t.settle();
    const db = t.database.db as Kysely<InventoryDb>;
    const offers = (await availableOffers(t, 20, 1)).map((o) => o.id);
    const variants = {
      today: (ids: string[]) => stockOfOffersInWarehouses(db, ids),
      'holds only': (ids: string[]) => sql`${heldLines(ids)}`.execute(db),
    };
    const spent = new Map<string, { wall: number; postgres: number; reads: number }>();
    for (let round = 0; round < rounds; round++) {
      for (const size of [1, 5, 20]) {
        // Each round starts with the other variant: neither always runs on a warmer machine.
        const order = round % 2 === 0 ? (['today', 'holds only'] as const) : (['holds only', 'today'] as const);
        for (const variant of order) {
          const ids = offers.slice(0, size);
          const before = await cpuNow(t);
          const started = performance.now();
          for (let i = 0; i < reads; i++) await variants[variant](ids);
          const wall = performance.now() - started;
          const after = await cpuNow(t);
          const postgres = [...after.postgres].reduce((sum, [pid, ms]) => sum + ms - (before.postgres.get(pid) ?? 0), 0);
          const key = `${variant}, ${size} offers`;
          const sofar = spent.get(key) ?? { wall: 0, postgres: 0, reads: 0 };
          spent.set(key, { wall: sofar.wall + wall, postgres: sofar.postgres + postgres, reads: sofar.reads + reads });
        }
      }
    }
    return [...spent].map(([target, s]) => ({
      scenario: 'stock read',
      target,
      figures: { 'ms/read': (s.wall / s.reads).toFixed(3), 'pg ms/read': t.database.url ? (s.postgres / s.reads).toFixed(3) : '-' },
    }));
  } finally {
    await t.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const rows = await runStockReadBench();
    printTable(rows);
    report(rows);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}
