import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { CatalogueDocument, PlaceOrderDocument, RegisterCustomerDocument } from '../clients/__generated__/graphql.js';
import { startProcessGraph, type ProcessGraph } from '../test/support/process-graph.js';
import { report, type BenchRow } from './report.js';
import { percentile } from './sequential-latency.js';

/**
 * `npm run bench:crm`: sign-ups and orders against RetailCRM's limit, on one and on two processes of
 * each subgraph (separate processes on the Postgres of DATABASE_URL, as docker-compose runs them).
 * Sends BENCH_SIGNUPS sign-ups at BENCH_SIGNUP_RATE a second, then as many placements at
 * BENCH_ORDER_RATE a second (open loop: each starts on its schedule, whatever the others do), and
 * prints p50/p99 of the replies and how long until the last customer and order is in RetailCRM,
 * beside what RetailCRM's limit allows for the calls it took (the ideal drain time), and what the
 * calls were until the outbox was empty (per route, per sign-up and order). BENCH_ROOT=<dir> runs
 * another build's services (a worktree of an older commit, built); BENCH_LAYOUTS=one only the
 * layout of one process each.
 */

const SIGNUPS = Number(process.env.BENCH_SIGNUPS ?? 200);
const SIGNUP_RATE = Number(process.env.BENCH_SIGNUP_RATE ?? 40);
const ORDER_RATE = Number(process.env.BENCH_ORDER_RATE ?? 20);
const CRM_RPS = Number(process.env.RETAILCRM_RPS ?? 10);

// The storefront's own documents (clients/storefront/).
const REGISTER = RegisterCustomerDocument;
const PLACE = PlaceOrderDocument;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `n` calls at `rate` a second on schedule; resolves with each reply's latency and whether it succeeded. */
async function openLoop<T>(n: number, rate: number, call: (i: number) => Promise<T>, ok: (result: T) => boolean) {
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: n }, async (_v, i) => {
      await sleep(Math.max(0, started + (i * 1000) / rate - Date.now()));
      const t0 = performance.now();
      const result = await call(i).catch(() => undefined);
      return { ms: performance.now() - t0, ok: result !== undefined && ok(result), result };
    }),
  );
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  return { results, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), failed: results.filter((r) => !r.ok).length };
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now();
    await sleep(250);
  }
  return undefined;
}

async function run(replicas: boolean): Promise<BenchRow[]> {
  const label = replicas ? 'two processes each' : 'one process each';
  const g: ProcessGraph = await startProcessGraph({ LOG_LEVEL: 'error', RETAILCRM_RPS: String(CRM_RPS), OUTBOX_POLL_INTERVAL_MS: '200' }, { replicas, ...(process.env.BENCH_ROOT ? { root: process.env.BENCH_ROOT } : {}) });
  try {
    let offers: string[] = [];
    while (offers.length < 10) {
      const found = await g.gql(CatalogueDocument, { first: 40 });
      offers = (found.data?.products?.edges ?? []).flatMap((e: any) => e.node.offers).filter((o: any) => o.inStock && o.price).map((o: any) => o.id as string);
      if (offers.length < 10) await sleep(500);
    }
    const pending = async () => Number((await g.database.db.selectFrom('platform.outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow()).n);
    // The seed's own backlog (its customers' enrolments and cards) is done before the clock starts.
    await until(async () => (await pending()) === 0, 300_000);
    const journalBefore = ((await (await fetch(`${g.urls.retailCrm}/__emulator/journal`)).json()) as unknown[]).length;
    const started = Date.now();
    const stamp = Date.now() % 10_000; // +7 919 ssss iii: a valid Russian mobile number
    const signUps = await openLoop(SIGNUPS, SIGNUP_RATE, (i) => g.gql(REGISTER, { input: { phone: `+7919${String(stamp).padStart(4, '0')}${String(i).padStart(3, '0')}`, firstName: 'Нагрузка' } }, undefined, i), (r) => !r.errors);
    const refusal = signUps.results.find((r) => !r.ok)?.result?.errors?.[0];
    if (refusal) console.log(`a sign-up refused: ${refusal.extensions?.code} ${refusal.message}`);
    const ids = signUps.results.filter((r) => r.ok).map((r) => r.result!.data.registerCustomer.customer.id as string);
    const tokens = await Promise.all(ids.map((id) => g.customerToken(id)));
    const placements = await openLoop(tokens.length, ORDER_RATE, (i) => g.gql(PLACE, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offers[i % offers.length]!, quantity: 1 }] } }, tokens[i], i), (r) => !r.errors);
    const orderIds = placements.results.filter((r) => r.ok).map((r) => r.result!.data.placeOrder.order.id as string);
    const count = async (sqlTable: 'customer.customers' | 'ordering.orders', column: 'retailcrm_id' | 'crm_id', list: string[]) =>
      list.length === 0 ? 0 : Number((await g.database.db.selectFrom(sqlTable as any).select((eb: any) => eb.fn.countAll().as('n')).where('id', 'in', list).where(column, 'is not', null).executeTakeFirstOrThrow() as { n: number }).n);
    const customersDone = await until(async () => (await count('customer.customers', 'retailcrm_id', ids)) === ids.length, 900_000);
    const ordersDone = await until(async () => (await count('ordering.orders', 'crm_id', orderIds)) === orderIds.length, 900_000);
    const last = Math.max(customersDone ?? Number.NaN, ordersDone ?? Number.NaN);
    // What the sign-ups and orders left to the relays after that (the CRM cards' figures) is theirs too.
    const settled = (await until(async () => (await pending()) === 0, 300_000)) ?? Date.now();
    const journal = ((await (await fetch(`${g.urls.retailCrm}/__emulator/journal`)).json()) as { at: number; method: string; path: string; limited: boolean }[]).slice(journalBefore);
    const calls = journal.filter((a) => a.at >= started && a.at <= last).length;
    // What the calls were until the outbox was empty, per customer and order: an id in a path counts as one route.
    const all = journal.filter((a) => a.at >= started && a.at <= settled);
    const routes = new Map<string, number>();
    for (const a of all) {
      const route = `${a.method} ${a.path.replace(/\/[0-9a-f-]{8,}(?=\/|$)|\/\d+(?=\/|$)/g, '/:id')}`;
      routes.set(route, (routes.get(route) ?? 0) + 1);
    }
    const topics = await g.database.db.selectFrom('platform.outbox').select(['topic', (eb) => eb.fn.countAll<number>().as('n')]).where('created_at', '>=', new Date(started)).groupBy('topic').orderBy('topic').execute();
    console.log(`  ${label}: outbox messages per sign-up and order: ${topics.map((t) => `${t.topic} ${(Number(t.n) / Math.max(1, ids.length)).toFixed(2)}`).join(', ')}`);
    console.log(`  ${label}: ${all.length} RetailCRM calls until the outbox was empty (${((settled - started) / 1000).toFixed(1)} s), per sign-up and order: ${[...routes].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${(n / Math.max(1, ids.length)).toFixed(2)}`).join(', ')}`);
    const drain = (last - started) / 1000;
    const ideal = calls / CRM_RPS;
    const row = (target: string, figures: BenchRow['figures']): BenchRow => ({ scenario: `RetailCRM budget, ${label}`, target, figures });
    const rows = [
      row('sign-up reply', { 'p50 ms': signUps.p50.toFixed(0), 'p99 ms': signUps.p99.toFixed(0), failed: signUps.failed, 'per s': SIGNUP_RATE }),
      row('placement reply', { 'p50 ms': placements.p50.toFixed(0), 'p99 ms': placements.p99.toFixed(0), failed: placements.failed, 'per s': ORDER_RATE }),
      row('last one in RetailCRM', { 's after the first sign-up': drain.toFixed(1), 'RetailCRM calls': calls, 'calls ÷ limit s': ideal.toFixed(1), 'drain ÷ ideal': (drain / ideal).toFixed(2), 'refused by its limiter': journal.filter((a) => a.limited).length }),
    ];
    for (const r of rows) console.log(`${r.scenario} | ${r.target} | ${Object.entries(r.figures).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    return rows;
  } finally {
    await g.close();
  }
}

if (!process.env.DATABASE_URL) {
  console.log('bench:crm needs DATABASE_URL (separate processes share a real Postgres); skipped');
} else {
  console.log(`RetailCRM budget bench, ${new Date().toISOString().slice(0, 16)}Z, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)}: ${SIGNUPS} sign-ups at ${SIGNUP_RATE}/s, then placements at ${ORDER_RATE}/s, RetailCRM limit ${CRM_RPS}/s`);
  // BENCH_LAYOUTS=one runs only the layout of one process each.
  const rows = [...(await run(false)), ...(process.env.BENCH_LAYOUTS === 'one' ? [] : await run(true))];
  report(rows);
}
