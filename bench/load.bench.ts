import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { print } from 'graphql';
import type { Kysely } from 'kysely';
import { Pool } from 'undici';
import { AccountPageDocument, CallCentreDocument, CheckoutQuoteDocument, PlaceOrderDocument, ProductPageDocument } from '../clients/__generated__/graphql.js';
import { loadConfig } from '../platform/config.js';
import { IDENTITY_HEADER, issueToken, signInternalIdentity, type Identity } from '../platform/identity.js';
import { createLogger } from '../platform/logger.js';
import { EPHEMERAL_PORTS, startGraph, type RunningGraph } from '../scripts/graph.js';
import { build } from '../scripts/build.js';
import { createTestDatabase } from '../test/support/test-database.js';
import { spawnGateway, type GatewayName, type GatewayProcess } from './gateways/spawn.js';
import { cpuReading, cpuSpent, type CpuSample } from './cpu.js';
import { report, type BenchRow } from './report.js';
import { percentile } from './sequential-latency.js';

/**
 * The graph under load, side by side: the same workloads, in one run, through our gateway, a stock
 * @apollo/gateway on @apollo/server, Hive Gateway, Hive Gateway on Hive Router's runtime (the Rust
 * query planner), and (for a one-subgraph query) the subgraph itself. Each target gets a warm-up,
 * then a fixed number of connections for a fixed time (autocannon, closed loop), split into
 * BENCH_ROUNDS short turns taken in alternating order. Prints requests/s (with each turn's range),
 * p50/p95/p99, errors, CPU per operation, the gateways' peak RSS, the ratios, and the upstream
 * calls (RetailCRM, BonusPlus, 1C) per 1,000 operations. Then every gateway gets the same workload
 * open loop, at half our gateway's closed-loop peak (BENCH_OPEN_SECONDS in BENCH_ROUNDS turns;
 * BENCH_OPEN_SECONDS=0 skips it), for p50/p99/p99.9 below saturation. Asserts nothing.
 *
 *   npm run bench:load            (PGlite)       DATABASE_URL=postgres://… npm run bench:load
 *   BENCH_SECONDS=10 BENCH_CONNECTIONS=16 BENCH_WORKLOADS=account-page,quote-5 BENCH_GATEWAYS=ours,hive-router npm run bench:load
 *
 * The gateways run compiled (`npm run build` first), as in production; BENCH_TSX=1 runs them through tsx.
 * BENCH_CPU_PROFILE=<dir> writes a CPU profile per gateway; BENCH_NODE_ARGS passes node options to them.
 */

type Row = BenchRow;

export type Caller = { kind: 'customer'; customerId: string } | { kind: 'staff' };

export interface Workload {
  readonly name: string;
  readonly caller: () => Caller;
  readonly query: string;
  readonly variables: () => Record<string, unknown>;
  /** Subgraph to call directly as well, for a query that touches one subgraph only. */
  readonly direct?: string;
}

export interface Fixture {
  readonly customers: { id: string; phone: string }[];
  readonly offers: string[];
  readonly plentifulOffers: string[];
  readonly articles: string[];
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const cart = (f: Fixture, lines: number) => {
  const chosen = new Set<string>();
  while (chosen.size < lines) chosen.add(pick(f.offers));
  return [...chosen].map((offerId) => ({ offerId, quantity: 1 }));
};

// The clients' own documents (clients/), as their pages send them: in production the gateway runs
// no other operation for a customer.
export const ACCOUNT_PAGE = print(AccountPageDocument);
export const QUOTE = print(CheckoutQuoteDocument);
export const CALL_CENTRE = print(CallCentreDocument);
const PLACE = print(PlaceOrderDocument);
const CATALOG = print(ProductPageDocument);

// Not a client's operation: the smallest query that crosses the gateway, to weigh its own cost.
const WAREHOUSES = /* GraphQL */ `
  query Warehouses { warehouses { id name kind city } }
`;

export function workloads(f: Fixture): Workload[] {
  const customer = (): Caller => ({ kind: 'customer', customerId: pick(f.customers).id });
  return [
    { name: 'account-page', caller: customer, query: ACCOUNT_PAGE, variables: () => ({}) },
    { name: 'quote-5', caller: customer, query: QUOTE, variables: () => ({ cart: cart(f, 5), bonusesToSpend: 0 }) },
    { name: 'quote-20', caller: customer, query: QUOTE, variables: () => ({ cart: cart(f, 20), bonusesToSpend: 0 }) },
    { name: 'call-centre', caller: () => ({ kind: 'staff' }), query: CALL_CENTRE, variables: () => ({ phone: pick(f.customers).phone, article: pick(f.articles) }) },
    {
      name: 'place-order',
      caller: customer,
      query: PLACE,
      variables: () => ({ input: { idempotencyKey: randomUUID(), cart: [{ offerId: pick(f.plentifulOffers), quantity: 1 }] } }),
    },
    { name: 'catalog (one subgraph)', caller: () => ({ kind: 'staff' }), query: CATALOG, variables: () => ({ article: pick(f.articles) }), direct: 'inventory' },
    // Next to nothing for the subgraph to do: what is left is the gateways' own cost per request.
    { name: 'warehouses (gateway overhead)', caller: () => ({ kind: 'staff' }), query: WAREHOUSES, variables: () => ({}), direct: 'inventory' },
  ];
}

/** Headers of a caller for a target: our gateway takes a JWT; the others and the subgraphs the signed identity. */
export type Credentials = (caller: Caller) => Record<string, string>;

async function credentials(config: ReturnType<typeof loadConfig>, f: Fixture, viaOurGateway: boolean): Promise<Credentials> {
  const staffIdentity: Identity = { kind: 'staff', staffId: 'bench-staff', roles: ['manager', 'cashier', 'admin'] };
  if (viaOurGateway) {
    const tokens = new Map(await Promise.all(f.customers.map(async (c) => [c.id, await issueToken(config.JWT_SECRET, c.id)] as const)));
    const staff = await issueToken(config.JWT_SECRET, 'bench-staff', ['manager', 'cashier', 'admin']);
    return (caller) => ({ authorization: `Bearer ${caller.kind === 'staff' ? staff : tokens.get(caller.customerId)!}` });
  }
  // Signed identities live two minutes: signed afresh for every target's run.
  const signed = new Map(await Promise.all(f.customers.map(async (c) => [c.id, await signInternalIdentity({ kind: 'customer', customerId: c.id }, config.GATEWAY_IDENTITY_SECRET)] as const)));
  const staff = await signInternalIdentity(staffIdentity, config.GATEWAY_IDENTITY_SECRET);
  return (caller) => ({ [IDENTITY_HEADER]: caller.kind === 'staff' ? staff : signed.get(caller.customerId)! });
}

export interface LoadResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly errors: number;
  readonly firstError?: string;
}

/** One run's raw outcome; runs of one target are merged into a LoadResult. */
export interface LoadSamples {
  readonly latencies: number[];
  readonly seconds: number;
  readonly errors: number;
  readonly firstError?: string;
}

/** An open loop's replies: each one's scheduled start (ms from `startedAt`, epoch ms) and latency. */
export interface OpenLoadSamples extends LoadSamples {
  readonly startedAt: number;
  readonly timeline: readonly [number, number][];
}

export function merge(runs: readonly LoadSamples[]): LoadResult {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const firstError = runs.find((r) => r.firstError)?.firstError;
  return {
    requests: latencies.length,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    ...(firstError ? { firstError } : {}),
  };
}


/** One autocannon run: every request drawn afresh (variables, caller); GraphQL errors count as errors. */
export async function load(url: string, workload: Workload, headersOf: Credentials, seconds: number, connections: number): Promise<LoadSamples> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const instance = autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request: any) => ({
          ...request,
          headers: { 'content-type': 'application/json', ...headersOf(workload.caller()) },
          body: JSON.stringify({ query: workload.query, variables: workload.variables() }),
        }),
        onResponse: (status: number, body: string) => {
          if (status !== 200 || body.includes('"errors"')) {
            errors++;
            firstError ??= `${status} ${body.slice(0, 300)}`;
          }
        },
      },
    ],
  } as any);
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  const result: any = await instance;
  return { latencies, seconds, errors: errors + (result.errors ?? 0) + (result.timeouts ?? 0), ...(firstError ? { firstError } : {}) };
}

/**
 * Open loop: `rate` requests a second for `seconds`, each started on its schedule whatever the
 * replies do (autocannon's rate still waits for a free connection), on a pool large enough never
 * to queue. A latency counts from the request's scheduled start, so a late start (the bench's own
 * process is busy: the subgraphs live there) is charged to the reply, not hidden. With
 * BENCH_TIMELINE=<file>, each request's scheduled start (ms from the first) and latency are
 * appended to the file as one line of JSON per run: whether the slow ones come together.
 */
export async function openLoad(url: string, workload: Workload, headersOf: Credentials, rate: number, seconds: number): Promise<OpenLoadSamples> {
  const pool = new Pool(new URL(url).origin, { connections: 1024, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const path = new URL(url).pathname;
  /** Each reply's scheduled start (ms from the first) and latency. */
  const timeline: [number, number][] = [];
  let errors = 0;
  let firstError: string | undefined;
  const send = async (due: number) => {
    try {
      const reply = await pool.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headersOf(workload.caller()) },
        body: JSON.stringify({ query: workload.query, variables: workload.variables() }),
      });
      const body = await reply.body.text();
      timeline.push([due - started, performance.now() - due]);
      if (reply.statusCode !== 200 || body.includes('"errors"')) {
        errors++;
        firstError ??= `${reply.statusCode} ${body.slice(0, 300)}`;
      }
    } catch (error) {
      errors++;
      firstError ??= String(error);
    }
  };
  const sent: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < Math.round(rate * seconds); i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    sent.push(send(due));
  }
  await Promise.all(sent);
  await pool.close();
  const startedAt = Date.now() - (performance.now() - started);
  if (process.env.BENCH_TIMELINE) appendFileSync(process.env.BENCH_TIMELINE, `${JSON.stringify({ workload: workload.name, rate, startedAt, timeline })}\n`);
  return { latencies: timeline.map(([, latency]) => latency), seconds, errors, ...(firstError ? { firstError } : {}), startedAt, timeline };
}

/** The p99 a storefront should see at half the peak rate (issue #16), by workload. */
export const OPEN_LOOP_P99_TARGET_MS: Readonly<Record<string, number>> = { 'account-page': 50, 'quote-20': 50, 'place-order': 150 };

/** The least and the greatest of the finite values, e.g. the turns of one target. */
function range(values: readonly number[], digits: number): string {
  const finite = values.filter(Number.isFinite);
  return finite.length ? `${Math.min(...finite).toFixed(digits)}–${Math.max(...finite).toFixed(digits)}` : 'n/a';
}

const upstreamCalls = (graph: RunningGraph) => ({
  retailCrm: graph.upstream.customerCrm.upstream.requestCount + graph.upstream.loyaltyCrm.upstream.requestCount + graph.upstream.orderCrm.upstream.requestCount,
  bonusPlus: graph.upstream.bonusPlus.upstream.requestCount + graph.upstream.orderBonusPlus.upstream.requestCount,
  oneC: graph.upstream.oneC.upstream.requestCount,
});

export async function fixture(db: Kysely<any>): Promise<Fixture> {
  const customers = (await db.selectFrom('customer.customers').select(['id', 'phone']).where('phone', 'is not', null).orderBy('id').execute()) as { id: string; phone: string }[];
  const stock = await db
    .selectFrom('inventory.offers as o')
    .innerJoin('inventory.stock as s', 's.offer_id', 'o.id')
    .select(['o.id'])
    .select((eb) => eb.fn.sum<number>(eb.fn('greatest', [eb('s.in_hand', '-', eb.ref('s.reserved')), eb.lit(0)])).as('free'))
    .where('o.price', 'is not', null)
    .groupBy('o.id')
    .execute();
  const articles = (await db.selectFrom('inventory.products').select('article').execute()).map((r) => r.article as string);
  return {
    customers,
    offers: stock.filter((s) => Number(s.free) > 0).map((s) => s.id),
    plentifulOffers: stock.filter((s) => Number(s.free) >= 10).map((s) => s.id),
    articles,
  };
}

/** Runs every workload against every target and returns the table's rows. */
export async function runLoadBench(options: { seconds?: number; connections?: number; warmupSeconds?: number; only?: readonly string[] } = {}): Promise<Row[]> {
  const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 10);
  const connections = options.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 16);
  const warmup = options.warmupSeconds ?? Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const openSeconds = Number(process.env.BENCH_OPEN_SECONDS ?? seconds);
  const only = options.only ?? process.env.BENCH_WORKLOADS?.split(',');
  if (process.env.BENCH_TSX !== '1') await build();
  const database = await createTestDatabase();
  const secrets = { JWT_SECRET: 'bench-jwt-secret-0123456789-0123456789', GATEWAY_IDENTITY_SECRET: 'bench-identity-secret-0123456789-012345' };
  const config = loadConfig({
    NODE_ENV: 'test',
    ...secrets,
    ...EPHEMERAL_PORTS,
    // The emulated accounts let a burst through (a real RetailCRM key allows 10 requests/s, which caps placeOrder at 5/s).
    RETAILCRM_RPS: '100',
    BONUSPLUS_RPS: '1000',
    UPSTREAM_TIMEOUT_MS: '10000',
    // Long enough that no account is read again from BonusPlus during the run (see primeReadModels);
    // BENCH_LOYALTY_TTL_MS shorter shows what reading them again costs a storefront, with figures
    // served past the TTL (LOYALTY_READ_MODEL_SERVE_STALE_MS, BENCH_LOYALTY_SERVE_STALE_MS) or not.
    LOYALTY_READ_MODEL_TTL_MS: process.env.BENCH_LOYALTY_TTL_MS ?? '3600000',
    ...(process.env.BENCH_LOYALTY_SERVE_STALE_MS ? { LOYALTY_READ_MODEL_SERVE_STALE_MS: process.env.BENCH_LOYALTY_SERVE_STALE_MS } : {}),
  });
  const logger = createLogger('bench', 'silent');
  const graph = await startGraph({ config, db: database.db, emulators: true, background: false, logger });
  const gateways: GatewayProcess[] = [];
  const rows: Row[] = [];
  try {
    await graph.inventory.catalogSync.runNow();
    await graph.customer.sync.runNow();
    await graph.order.sync.runNow();
    for (let i = 0; i < 5; i++) if ((await graph.loyalty.relay.drain()) + (await graph.customer.relay.drain()) + (await graph.order.relay.drain()) === 0) break;
    const f = await fixture(database.db);
    if (f.customers.length === 0 || f.offers.length < 40) throw new Error(`the demo data did not load (${f.customers.length} customers, ${f.offers.length} offers in stock)`);

    const subgraphUrls = { customer: graph.customer.server.url, order: graph.order.server.url, loyalty: graph.loyalty.server.url, inventory: graph.inventory.server.url };
    const names = (process.env.BENCH_GATEWAYS?.split(',') ?? ['ours', 'apollo-stock', 'hive', 'hive-router']) as GatewayName[];
    // Production refuses a configuration without an issuer and audience; the bench's gateways check only signatures.
    for (const name of names) gateways.push(await spawnGateway(name, subgraphUrls, { ...secrets, JWT_ISSUER: 'bench', JWT_AUDIENCE: 'bench' }));

    await primeReadModels(gateways[0]!.url, config, f, gateways[0]!.name === 'ours');
    for (const [index, workload] of workloads(f).filter((w) => !only || only.includes(w.name)).entries()) {
      // Each workload starts with another gateway, so none is always the one that runs first.
      const rotated = gateways.map((_g, i) => gateways[(i + index) % gateways.length]!);

      const targets: { name: string; url: string; ours: boolean; pid?: number }[] = [
        ...rotated.map((g) => ({ name: g.name, url: g.url, ours: g.name === 'ours', pid: g.pid })),
        ...(workload.direct ? [{ name: `subgraph ${workload.direct}`, url: subgraphUrls[workload.direct as keyof typeof subgraphUrls], ours: false }] : []),
      ];
      const results = new Map<string, LoadResult>();
      const runs = new Map<string, LoadSamples[]>(targets.map((t) => [t.name, []]));
      const calls = new Map(targets.map((t) => [t.name, { retailCrm: 0, bonusPlus: 0, oneC: 0 }]));
      const cpu = new Map<string, CpuSample>(targets.map((t) => [t.name, { gateway: 0, graph: 0, postgres: 0 }]));
      /** Gateway CPU ms per operation of each turn, for the spread. */
      const turnCpu = new Map<string, number[]>(targets.map((t) => [t.name, []]));
      const headersOf = new Map<string, Credentials>();
      for (const target of targets) {
        headersOf.set(target.name, await credentials(config, f, target.ours));
        await load(target.url, workload, headersOf.get(target.name)!, warmup, connections);
      }
      // Short turns, the order reversed every round: the machine's drift is shared by all targets.
      for (let round = 0; round < rounds; round++) {
        for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
          const before = upstreamCalls(graph);
          const cpuBefore = cpuReading(target.pid);
          const turn = await load(target.url, workload, headersOf.get(target.name)!, seconds / rounds, connections);
          runs.get(target.name)!.push(turn);
          const spent = cpuSpent(cpuBefore, cpuReading(target.pid));
          turnCpu.get(target.name)!.push(spent.gateway / turn.latencies.length);
          const cpuSum = cpu.get(target.name)!;
          cpu.set(target.name, { gateway: cpuSum.gateway + spent.gateway, graph: cpuSum.graph + spent.graph, postgres: cpuSum.postgres + spent.postgres });
          const after = upstreamCalls(graph);
          const sum = calls.get(target.name)!;
          for (const k of ['retailCrm', 'bonusPlus', 'oneC'] as const) sum[k] += after[k] - before[k];
        }
      }
      for (const target of targets) {
        const result = merge(runs.get(target.name)!);
        const sum = calls.get(target.name)!;
        const per1000 = (k: keyof typeof sum) => (result.requests ? Math.round((sum[k] / result.requests) * 1000) : 0);
        const cpuPerOp = (k: keyof CpuSample) => (result.requests ? (cpu.get(target.name)![k] / result.requests).toFixed(2) : 'n/a');
        results.set(target.name, result);
        rows.push({
          scenario: workload.name,
          target: target.name,
          figures: {
            'req/s': result.rps.toFixed(1),
            turns: range(runs.get(target.name)!.map((r) => r.latencies.length / r.seconds), 0),
            p50: result.p50.toFixed(0),
            p95: result.p95.toFixed(0),
            p99: result.p99.toFixed(0),
            errors: result.errors,
            'CRM/1k': per1000('retailCrm'),
            'BP/1k': per1000('bonusPlus'),
            '1C/1k': per1000('oneC'),
            // CPU ms per operation: the gateway, the graph's process (subgraphs, emulators, load generator), Postgres.
            'gw ms/op': target.pid ? cpuPerOp('gateway') : '-',
            'gw turns': target.pid ? range(turnCpu.get(target.name)!, 2) : '-',
            'graph ms/op': cpuPerOp('graph'),
            'pg ms/op': process.env.DATABASE_URL ? cpuPerOp('postgres') : '-',
          },
        });
        if (result.firstError) console.error(`  ${workload.name} via ${target.name}: first error ${result.firstError}`);
        console.error(`  ${workload.name} via ${target.name}: ${result.rps.toFixed(1)} req/s, p99 ${result.p99.toFixed(0)} ms, ${result.errors} errors`);
      }
      // Ours over each other target, over the whole run and (in brackets) the range of the rounds'
      // pairs: requests/s above 1 and gateway CPU per operation below 1 mean ours is ahead.
      const figures: Record<string, string> = {};
      const turnRps = (name: string) => runs.get(name)!.map((r) => r.latencies.length / r.seconds);
      const gatewayMsPerOp = (name: string) => (results.get(name)?.requests ? cpu.get(name)!.gateway / results.get(name)!.requests : Number.NaN);
      const pairs = (ours: readonly number[], theirs: readonly number[]) => ours.map((v, i) => v / theirs[i]!);
      const ratio = (total: number, turns: readonly number[]) => (Number.isFinite(total) ? `${total.toFixed(2)} (${range(turns, 2)})` : 'n/a');
      for (const other of targets.filter((t) => !t.ours && results.has('ours'))) {
        figures[`ours/${other.name}`] = ratio(results.get('ours')!.rps / results.get(other.name)!.rps, pairs(turnRps('ours'), turnRps(other.name)));
        if (other.pid) figures[`gw CPU/op ours/${other.name}`] = ratio(gatewayMsPerOp('ours') / gatewayMsPerOp(other.name), pairs(turnCpu.get('ours')!, turnCpu.get(other.name)!));
      }
      rows.push({ scenario: workload.name, target: 'ratios', figures });

      // Below saturation: every gateway at the same rate, half of ours's peak (of the first gateway's
      // when ours is not in the run), the rate a storefront at half our capacity sends. A gateway
      // whose own peak is below that rate is saturated there (`of its peak` above 1).
      // Identities are signed afresh for every turn: those of the closed loop may be two minutes old.
      if (openSeconds > 0) {
        const peak = results.get('ours')?.rps ?? results.get(rotated[0]!.name)!.rps;
        const rate = Math.max(1, Math.round(peak / 2));
        const gatewayTargets = targets.filter((t) => t.pid);
        const open = new Map<string, LoadSamples[]>(gatewayTargets.map((t) => [t.name, []]));
        const openCpu = new Map<string, number>(gatewayTargets.map((t) => [t.name, 0]));
        const openBonusPlus = new Map<string, number>(gatewayTargets.map((t) => [t.name, 0]));
        for (let round = 0; round < rounds; round++) {
          for (const target of round % 2 === 0 ? gatewayTargets : [...gatewayTargets].reverse()) {
            const fresh = await credentials(config, f, target.ours);
            const cpuBefore = cpuReading(target.pid);
            const callsBefore = upstreamCalls(graph).bonusPlus;
            open.get(target.name)!.push(await openLoad(target.url, workload, fresh, rate, openSeconds / rounds));
            openCpu.set(target.name, openCpu.get(target.name)! + cpuSpent(cpuBefore, cpuReading(target.pid)).gateway);
            openBonusPlus.set(target.name, openBonusPlus.get(target.name)! + upstreamCalls(graph).bonusPlus - callsBefore);
          }
        }
        const goal = OPEN_LOOP_P99_TARGET_MS[workload.name];
        for (const target of gatewayTargets) {
          const samples = open.get(target.name)!;
          const latencies = samples.flatMap((r) => r.latencies).sort((a, b) => a - b);
          const errors = samples.reduce((n, r) => n + r.errors, 0);
          const p99 = percentile(latencies, 0.99);
          rows.push({
            scenario: `${workload.name}, open loop ${rate}/s`,
            target: target.name,
            figures: {
              replies: latencies.length,
              'of its peak': (rate / results.get(target.name)!.rps).toFixed(2),
              p50: percentile(latencies, 0.5).toFixed(1),
              p99: p99.toFixed(1),
              'p99.9': percentile(latencies, 0.999).toFixed(1),
              max: (latencies.at(-1) ?? Number.NaN).toFixed(1),
              errors,
              'BP/1k': latencies.length ? ((openBonusPlus.get(target.name)! * 1000) / latencies.length).toFixed(0) : 'n/a',
              'gw ms/op': latencies.length ? (openCpu.get(target.name)! / latencies.length).toFixed(2) : 'n/a',
              ...(goal ? { [`p99 ≤ ${goal} ms`]: errors === 0 && p99 <= goal ? 'met' : 'not met' } : {}),
            },
          });
          const firstError = samples.find((r) => r.firstError)?.firstError;
          if (firstError) console.error(`  ${workload.name} open loop via ${target.name}: first error ${firstError}`);
          console.error(`  ${workload.name} open loop ${rate}/s via ${target.name}: p99 ${p99.toFixed(1)} ms, ${errors} errors`);
        }
      }
    }
    for (const g of gateways) rows.push({ scenario: 'gateway peak RSS under load', target: g.name, figures: { MB: g.peakRssMb().toFixed(0) } });
    const ours = gateways.find((g) => g.name === 'ours');
    if (ours) rows.push(...(await upstreamPerOperation(graph, database.db, config, f, ours.url)));
    return rows;
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await graph.close();
    await database.close();
  }
}

/**
 * One account page per customer before anything is measured: the loyalty read model then holds
 * every account (read again only after LOYALTY_READ_MODEL_TTL_MS, set past the run), so no gateway
 * pays for the refreshes the first one would otherwise trigger.
 */
async function primeReadModels(url: string, config: ReturnType<typeof loadConfig>, f: Fixture, viaOurGateway: boolean): Promise<void> {
  const headersOf = await credentials(config, f, viaOurGateway);
  for (let i = 0; i < f.customers.length; i += 20) {
    await Promise.all(
      f.customers.slice(i, i + 20).map((c) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headersOf({ kind: 'customer', customerId: c.id }) }, body: JSON.stringify({ query: ACCOUNT_PAGE }) }).then((r) => r.text()),
      ),
    );
  }
}

/** Gives a customer `count` delivered three-line orders in the read model, as the history sync would. */
async function giveOrders(db: Kysely<any>, customerId: string, offers: readonly string[], count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    const id = randomUUID();
    await db
      .insertInto('ordering.orders')
      .values({ id, origin: 'crm', customer_id: customerId, state: 'DELIVERED', crm_status: 'complete', crm_status_group: 'complete', items_total: 300_000, total: 300_000, paid_total: 300_000, fully_paid_at: new Date(), sale_registered_at: new Date(), number: `B${n}`, created_at: new Date(Date.now() - n * 60_000) })
      .execute();
    await db
      .insertInto('ordering.order_lines')
      .values([0, 1, 2].map((i) => ({ order_id: id, line_no: i + 1, offer_id: offers[(n + i) % offers.length]!, product_name: `Товар ${i + 1}`, quantity: 1, price: 100_000, discount: 0, bonuses_spent: 0, bonuses_earned: 50, total: 100_000 })))
      .execute();
  }
}

/**
 * Upstream calls per operation through our gateway, sequentially after one warm-up call: the
 * account page of a customer with 1 order and with 100, a quote of 1 line and of 20. The reads
 * come from read models, so the size of the page or the cart must not change the count.
 */
async function upstreamPerOperation(graph: RunningGraph, db: Kysely<any>, config: ReturnType<typeof loadConfig>, f: Fixture, url: string): Promise<Row[]> {
  const [one, hundred] = [f.customers[0]!, f.customers[1]!];
  await db.deleteFrom('ordering.orders').where('customer_id', 'in', [one.id, hundred.id]).execute();
  await giveOrders(db, one.id, f.offers, 1);
  await giveOrders(db, hundred.id, f.offers, 100);
  const OPERATIONS = 50;
  const rows: Row[] = [];
  const measure = async (scenario: string, customerId: string, query: string, variables: () => Record<string, unknown>) => {
    const token = await issueToken(config.JWT_SECRET, customerId);
    const send = async () => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables: variables() }) });
      const body = (await res.json()) as { errors?: unknown };
      if (body.errors) throw new Error(`${scenario}: ${JSON.stringify(body.errors)}`);
    };
    await send();
    const before = upstreamCalls(graph);
    for (let i = 0; i < OPERATIONS; i++) await send();
    const after = upstreamCalls(graph);
    const per = (k: keyof typeof before) => ((after[k] - before[k]) / OPERATIONS).toFixed(2);
    rows.push({ scenario: 'upstream calls per operation', target: scenario, figures: { RetailCRM: per('retailCrm'), BonusPlus: per('bonusPlus'), '1C': per('oneC') } });
  };
  await measure('account page, 1 order', one.id, ACCOUNT_PAGE, () => ({}));
  await measure('account page, 100 orders', hundred.id, ACCOUNT_PAGE, () => ({}));
  await measure('quote, 1 line', one.id, QUOTE, () => ({ cart: cart(f, 1) }));
  await measure('quote, 20 lines', one.id, QUOTE, () => ({ cart: cart(f, 20) }));
  return rows;
}

/** Prints rows as one aligned table. */
export function printTable(rows: readonly Row[]): void {
  const lines = rows.map((r) => [r.scenario, r.target, Object.entries(r.figures).map(([k, v]) => `${k} ${v}`).join('  ')]);
  const widths = [0, 1].map((i) => Math.max(...lines.map((l) => l[i]!.length)));
  for (const l of lines) console.log(`${l[0]!.padEnd(widths[0]!)}  ${l[1]!.padEnd(widths[1]!)}  ${l[2]}`);
}

/**
 * A table bench run as a script: its name with the time and the machine's load (the machine is
 * shared: the load average at the start and the end goes with the figures), the rows as a table,
 * and handed to `npm run bench`.
 */
export async function runTableBench(name: string, run: () => Promise<readonly Row[]>): Promise<void> {
  const machine = () => `${new Date().toISOString().slice(0, 16)}Z, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
  console.log(`${name}, ${machine()}`);
  try {
    const rows = await run();
    console.log(`done, ${machine()}`);
    printTable(rows);
    report(rows);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runTableBench('load bench', runLoadBench);
