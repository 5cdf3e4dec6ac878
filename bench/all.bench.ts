import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { rowOf, type BenchRow } from './report.js';

/**
 * `npm run bench`: every scenario in turn, each in its own process (load through the gateways side
 * by side, upstream calls per operation, SQL statements per operation, the scale set, start-up), then one table of every figure
 * with the ratios. Exits non-zero only when a scenario fails to run, never on a slow figure.
 * Runs on the embedded PGlite, or on Postgres with DATABASE_URL (the scale set is full-size only there).
 */
const SCENARIOS = [
  { name: 'load and upstream calls', file: 'load.bench.ts' },
  { name: 'cost per operation (SQL statements per subgraph, upstream calls)', file: 'cost.bench.ts' },
  { name: 'scale', file: 'scale.bench.ts' },
  { name: 'start-up', file: 'startup.bench.ts' },
  { name: 'RetailCRM budget (sign-ups and orders, one and two processes; Postgres only)', file: 'crm-budget.bench.ts' },
] as const;

const only = process.argv.slice(2);
const rows: BenchRow[] = [];
const failed: string[] = [];
const started = Date.now();
for (const scenario of SCENARIOS.filter((s) => only.length === 0 || only.some((o) => s.file.startsWith(o)))) {
  console.error(`\n== ${scenario.name} (bench/${scenario.file})`);
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(scenario.file, import.meta.url))], {
    env: { ...process.env, BENCH_COLLECT: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const row = rowOf(line);
    if (row) rows.push(row);
    else console.error(line);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) failed.push(`${scenario.name} (exit ${code})`);
}

const lines = rows.map((r) => [r.scenario, r.target, Object.entries(r.figures).map(([k, v]) => `${k} ${v}`).join(', ')]);
console.log(`\nretail graph benchmarks, ${new Date().toISOString().slice(0, 16)}Z, ${cpus().length} cores, Node ${process.versions.node}, ${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'}, load average ${loadavg()[0]!.toFixed(2)}, ${((Date.now() - started) / 60_000).toFixed(1)} min`);
console.log('| scenario | target | figures |\n|---|---|---|');
for (const l of lines) console.log(`| ${l.join(' | ')} |`);
if (failed.length > 0) {
  console.log(`\nscenarios that failed to run: ${failed.join(', ')}`);
  process.exitCode = 1;
}
