import { pathToFileURL } from 'node:url';
import { startTestGraph } from '../test/support/graph-harness.js';
import { COST_GRAPH_SETTINGS, measureCosts, SUBGRAPHS, subgraphStatements, SYSTEMS } from './cost.js';
import { printTable } from './load.bench.js';
import { report, type BenchRow } from './report.js';

/**
 * `npm run bench:cost`: what one operation of each workload costs in SQL statements (per subgraph)
 * and upstream calls (per system), counted, not timed — the same on an idle machine and a loaded
 * one. The graph runs in this process on a fresh database (PGlite, or DATABASE_URL's Postgres).
 *
 *   npm run bench:cost            DATABASE_URL=postgres://… npm run bench:cost
 *   BENCH_OPERATIONS=50 BENCH_WORKLOADS=account-page,quote-20 npm run bench:cost
 *   BENCH_SQL=1 npm run bench:cost     (also prints the statements of each workload's last operation,
 *                                       and those settling sent after all of them: BENCH_OPERATIONS=1 for one's)
 *
 * Beside the counts it prints the CPU ms per operation of this process and of the database's
 * Postgres backends: a time, so it moves with the machine's load (compare runs side by side).
 */
export async function runCostBench(): Promise<BenchRow[]> {
  const operations = Number(process.env.BENCH_OPERATIONS ?? 20);
  const only = process.env.BENCH_WORKLOADS?.split(',');
  process.env.LOG_LEVEL ??= 'silent';
  const t = await startTestGraph(COST_GRAPH_SETTINGS);
  try {
    const costs = await measureCosts(t, { operations, texts: process.env.BENCH_SQL === '1', cpu: true, ...(only ? { only } : {}) });
    for (const cost of costs) {
      const sent = [...Object.entries(cost.texts ?? {}), ...Object.entries(cost.deferredTexts ?? {}).map(([label, texts]) => [`${label}, deferred (all ${operations} operations)`, texts] as const)];
      for (const [label, texts] of sent) {
        console.error(`\n-- ${cost.workload}, ${label}: ${texts.length} statements`);
        for (const text of texts) console.error(`   ${text.replace(/\s+/g, ' ').slice(0, 400)}`);
      }
    }
    return costs.map((cost) => ({
      scenario: 'cost per operation',
      target: cost.workload,
      figures: {
        'SQL total': subgraphStatements(cost),
        ...Object.fromEntries(SUBGRAPHS.map((s) => [`SQL ${s}`, cost.statements[s] ?? 0])),
        ...(cost.statements.other ? { 'SQL other': cost.statements.other } : {}),
        ...Object.fromEntries(SYSTEMS.map((s) => [s, cost.upstream[s]])),
        // Left to the relays and syncs: statements, and calls to RetailCRM, BonusPlus and 1C.
        'SQL deferred': cost.deferred.statements,
        ...Object.fromEntries(SYSTEMS.map((s) => [`${s} deferred`, cost.deferred.upstream[s]])),
        // CPU ms per operation (a time: it moves with the machine's load): this process (gateway, subgraphs, emulators, client), and Postgres.
        'graph ms/op': cost.cpu!.graph.toFixed(2),
        'pg ms/op': t.database.url ? cost.cpu!.postgres.toFixed(2) : '-',
        // Stock reads per operation and the share the stock cache answered (holds are read either way).
        'stock reads': cost.stockCache?.reads ?? 0,
        'stock cache hits': cost.stockCache ? `${Math.round(cost.stockCache.hitRate * 100)}%` : '-',
      },
    }));
  } finally {
    await t.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const rows = await runCostBench();
    printTable(rows);
    report(rows);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}
