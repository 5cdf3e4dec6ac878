import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { AccountPageDocument } from '../clients/__generated__/graphql.js';
import { build } from '../scripts/build.js';
import { startProcessGraph, type ProcessGraph, type ServiceName } from '../test/support/process-graph.js';
import { cpuReading, cpuSpent, processCpuMs } from './cpu.js';
import { fixture, load, merge, OPEN_LOOP_P99_TARGET_MS, openLoad, runTableBench, workloads, type Credentials, type Fixture, type Workload } from './load.bench.js';
import type { BenchRow } from './report.js';
import { percentile } from './sequential-latency.js';

/**
 * The storefront's tail as production runs the graph (issue #16, item 4): the gateway, each
 * subgraph and the emulators each in a process of its own on one Postgres (docker-compose's
 * layout, `test/support/process-graph.ts`), the load generator alone in this one. For each
 * workload: a closed loop for our gateway's peak, then an open loop at half of it (every request
 * started on its schedule) for p50/p99/p99.9; and the CPU each process spent per operation, the
 * gateway's, each subgraph's and Postgres's apart (`bench:load` can only give the subgraphs and the
 * emulators together). Asserts nothing.
 *
 *   DATABASE_URL=postgres://… npm run bench:tail
 *   BENCH_SECONDS=10 BENCH_OPEN_SECONDS=20 BENCH_WORKLOADS=account-page,quote-20,place-order
 */

const SERVICES: readonly ServiceName[] = ['gateway', 'customer', 'loyalty', 'order', 'inventory', 'emulators'];

/** Waits until the processes have synced the demo retailer in (customers, catalog, stock) and drained their outboxes. */
async function readyFixture(g: ProcessGraph): Promise<Fixture> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const f = await fixture(g.database.db);
    const pending = await g.database.db.selectFrom('platform.outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
    if (f.customers.length >= 40 && f.offers.length >= 40 && Number(pending.n) === 0) return f;
    if (Date.now() > deadline) throw new Error(`the demo data did not load (${f.customers.length} customers, ${f.offers.length} offers in stock, ${pending.n} messages pending)`);
    await sleep(500);
  }
}

async function credentialsOf(g: ProcessGraph, f: Fixture): Promise<Credentials> {
  const tokens = new Map(await Promise.all(f.customers.map(async (c) => [c.id, await g.customerToken(c.id)] as const)));
  const staff = await g.staffToken('manager', 'cashier', 'admin');
  return (caller) => ({ authorization: `Bearer ${caller.kind === 'staff' ? staff : tokens.get(caller.customerId)!}` });
}

function cpuOfServices(g: ProcessGraph): Record<string, number> {
  return Object.fromEntries(SERVICES.map((name) => [name, processCpuMs(g.services[name].child.pid!)]));
}

async function measure(g: ProcessGraph, workload: Workload, headersOf: Credentials, o: { seconds: number; openSeconds: number; connections: number; warmup: number }): Promise<BenchRow[]> {
  const url = g.urls.gateway;
  await load(url, workload, headersOf, o.warmup, o.connections);
  const before = { services: cpuOfServices(g), postgres: cpuReading(undefined) };
  const closed = merge([await load(url, workload, headersOf, o.seconds, o.connections)]);
  const after = { services: cpuOfServices(g), postgres: cpuReading(undefined) };
  const perOp = (ms: number) => (closed.requests ? (ms / closed.requests).toFixed(2) : 'n/a');
  const cpu: Record<string, string> = Object.fromEntries(SERVICES.map((name) => [`${name} ms/op`, perOp(after.services[name]! - before.services[name]!)]));
  cpu['pg ms/op'] = perOp(cpuSpent(before.postgres, after.postgres).postgres);
  const rows: BenchRow[] = [
    {
      scenario: workload.name,
      target: 'closed loop',
      figures: { 'req/s': closed.rps.toFixed(1), p50: closed.p50.toFixed(1), p99: closed.p99.toFixed(1), errors: closed.errors, ...cpu },
    },
  ];
  if (closed.firstError) console.error(`  ${workload.name}: first error ${closed.firstError}`);
  if (o.openSeconds > 0) {
    const rate = Math.max(1, Math.round(closed.rps / 2));
    const open = await openLoad(url, workload, headersOf, rate, o.openSeconds);
    const latencies = [...open.latencies].sort((a, b) => a - b);
    const p99 = percentile(latencies, 0.99);
    const goal = OPEN_LOOP_P99_TARGET_MS[workload.name];
    rows.push({
      scenario: `${workload.name}, open loop ${rate}/s`,
      target: 'half the peak',
      figures: {
        replies: latencies.length,
        p50: percentile(latencies, 0.5).toFixed(1),
        p99: p99.toFixed(1),
        'p99.9': percentile(latencies, 0.999).toFixed(1),
        max: (latencies.at(-1) ?? Number.NaN).toFixed(1),
        errors: open.errors,
        ...(goal ? { [`p99 ≤ ${goal} ms`]: open.errors === 0 && p99 <= goal ? 'met' : 'not met' } : {}),
      },
    });
    if (open.firstError) console.error(`  ${workload.name} open loop: first error ${open.firstError}`);
  }
  return rows;
}

export async function runTailBench(): Promise<BenchRow[]> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const openSeconds = Number(process.env.BENCH_OPEN_SECONDS ?? 20);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
  const warmup = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
  const only = process.env.BENCH_WORKLOADS?.split(',') ?? ['account-page', 'quote-20', 'place-order'];
  if (process.env.BENCH_TSX !== '1') await build();
  const g = await startProcessGraph({
    LOG_LEVEL: 'error',
    // As in bench:load: the emulated accounts let a burst through, and no account is read again from BonusPlus during the run.
    RETAILCRM_RPS: '100',
    BONUSPLUS_RPS: '1000',
    UPSTREAM_TIMEOUT_MS: '10000',
    LOYALTY_READ_MODEL_TTL_MS: '3600000',
    // Enough offers that a run's two thousand placements do not empty the plentiful ones (40 products did).
    SEED_CATALOG_PRODUCTS: process.env.BENCH_CATALOG_PRODUCTS ?? '200',
  });
  try {
    const f = await readyFixture(g);
    const headersOf = await credentialsOf(g, f);
    // Every account read once, as a storefront's returning customers would have been.
    for (const customer of f.customers) await g.gql(AccountPageDocument, {}, await g.customerToken(customer.id));
    const rows: BenchRow[] = [];
    for (const workload of workloads(f).filter((w) => only.includes(w.name))) rows.push(...(await measure(g, workload, headersOf, { seconds, openSeconds, connections, warmup })));
    return rows;
  } finally {
    await g.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runTableBench('tail bench (every part in its own process)', runTailBench);
