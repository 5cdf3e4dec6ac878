import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountPageDocument,
  CatalogueDocument,
  CheckoutQuoteDocument,
  InventorySyncRunsDocument,
  OrderLinesDocument,
  PlaceOrderDocument,
  RegisterCustomerDocument,
  SyncCatalogDocument,
} from '../../clients/__generated__/graphql.js';
import { loadConfig } from '../../platform/config.js';
import { issueToken } from '../../platform/identity.js';
import { eventually, gql, setFaults, startGraphProcess, stopGraphProcess, type GraphProcess } from '../support/graph-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * `npm start`'s process stopped ten times in a row, in every way an operator or a supervisor stops
 * it — once, twice, three times, the whole process group, under load, during a catalog sync — and
 * started again on the same data each time (a PGlite folder, or one Postgres database): it starts,
 * answers, and every registration it answered before the signal is still there.
 */

const config = loadConfig({ NODE_ENV: 'test' });

// The storefront's, the account page's and the admin's own documents (clients/).
const REGISTER = RegisterCustomerDocument;
const PLACE = PlaceOrderDocument;
const QUOTE = CheckoutQuoteDocument;
const PRODUCTS = CatalogueDocument;

let database: TestDatabase | undefined;
let dataDir: string | undefined;
let graph: GraphProcess | undefined;

beforeAll(async () => {
  if (process.env.DATABASE_URL) database = await createTestDatabase();
  else dataDir = await mkdtemp(join(tmpdir(), 'retail-graph-shutdown-'));
});

afterAll(async () => {
  await stopGraphProcess(graph, 'SIGKILL');
  await database?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const start = () =>
  startGraphProcess({
    // What `npm start` runs with: under NODE_ENV=test libraries keep quiet about signals (Apollo Server's
    // own handlers, which stopped it mid-request and sent the signal again, are off only there).
    // Every caller here is 127.0.0.1: the per-address limits of development would refuse the
    // test's own sign-ups (they are tested in rate-limits.int.test.ts).
    env: { NODE_ENV: 'development', GATEWAY_RATE_LIMITS: 'off', ...(database?.url ? { DATABASE_URL: database.url } : { PGLITE_DATA_DIR: join(dataDir!, 'pglite') }) },
    // Its own process group: the group signal is what a terminal's Ctrl-C sends.
    detached: true,
  });

interface Customer {
  readonly id: string;
  readonly token: string;
}

let phoneSeq = 0;
/** A registration: the customer when it was answered with one, else the error code it was answered with (or the connection error). */
async function register(urls: GraphProcess['urls']): Promise<Customer | string> {
  const phone = `+7916555${String(1000 + phoneSeq++).padStart(4, '0')}`;
  const answer = await gql(urls.gateway, REGISTER, { input: { phone, firstName: 'Тест' } }).catch((error: Error) => ({ errors: [{ extensions: { code: error.cause ? String((error.cause as { code?: string }).code) : error.message } }] }));
  const id = answer?.data?.registerCustomer?.customer?.id as string | undefined;
  return id ? { id, token: await issueToken(config.JWT_SECRET, id) } : String(answer.errors?.[0]?.extensions?.code ?? (answer as { error?: string }).error);
}

async function stillThere(urls: GraphProcess['urls'], customer: Customer): Promise<boolean> {
  const answer = await gql(urls.gateway, AccountPageDocument, {}, customer.token);
  return answer.data?.me?.id === customer.id;
}

async function inStockOffer(urls: GraphProcess['urls']): Promise<string> {
  return eventually('an offer in stock', async () => {
    const found = await gql(urls.gateway, PRODUCTS, { first: 20 });
    return ((found.data?.products.edges ?? []) as any[]).flatMap((e) => e.node.offers).find((o: { inStock: boolean }) => o.inStock)?.id as string | undefined;
  });
}

/** What a stop has in flight when its first signal goes out, and what became of it. */
interface Load {
  readonly inFlight: () => string;
  /** Once every request has its answer (or its connection error): what was answered. */
  readonly settled: Promise<string>;
}

interface Stop {
  readonly name: string;
  readonly signals: readonly NodeJS.Signals[];
  readonly group?: boolean;
  /** Between one signal and the next (250 ms: the first is being handled when the next comes). */
  readonly gapMs?: number;
  /** Starts work to be in flight when the signal comes. */
  readonly load?: (urls: GraphProcess['urls'], customer: Customer) => Promise<Load>;
  readonly exitCode: number;
}

// A request cut by the stop fails: that is an outcome too, kept as undefined.
function tracked<T>(promise: Promise<T>) {
  const entry: { done: boolean; value: T | undefined; promise: Promise<T | undefined> } = { done: false, value: undefined, promise: Promise.resolve(undefined) };
  entry.promise = promise.catch(() => undefined).then((value) => {
    entry.done = true;
    entry.value = value;
    return value;
  });
  return entry;
}

const count = (entries: { done: boolean; value: unknown }[], what: (e: { done: boolean; value: unknown }) => boolean) => `${entries.filter(what).length}/${entries.length}`;

/**
 * Concurrent reads, quotes, registrations and a placement, with BonusPlus answering each call after 2 s.
 * Requests the process had not yet taken in when it stopped listening get a connection error
 * (nothing done); the rest are answered. Every registration answered is checked in every later life.
 */
async function busy(urls: GraphProcess['urls'], customer: Customer, registered: Customer[], placed: string[]): Promise<Load> {
  const offer = await inStockOffer(urls);
  // Registration and placement answer before RetailCRM is asked (outbox); quotes and the placement ask BonusPlus while the caller waits.
  await setFaults(urls.bonusPlus, { latencyMs: 2_000 });
  const placement = tracked(gql(urls.gateway, PLACE, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer, quantity: 1 }] } }, customer.token));
  const quotes = Array.from({ length: 4 }, () => tracked(gql(urls.gateway, QUOTE, { cart: [{ offerId: offer, quantity: 1 }] }, customer.token)));
  const reads = Array.from({ length: 8 }, () => tracked(gql(urls.gateway, PRODUCTS, { first: 20 })));
  const signUps = Array.from({ length: 4 }, () => tracked(register(urls)));
  await new Promise((r) => setTimeout(r, 500));
  return {
    inFlight: () => `placement ${placement.done ? 'answered' : 'in flight'}, ${count(quotes, (e) => !e.done)} quotes, ${count(reads, (e) => !e.done)} reads, ${count(signUps, (e) => !e.done)} registrations`,
    settled: (async () => {
      const order = (await placement.promise)?.data?.placeOrder?.order as { id: string; status: string } | undefined;
      if (order) placed.push(order.id);
      await Promise.all([...quotes, ...reads, ...signUps].map((e) => e.promise));
      const refused: string[] = [];
      for (const { value } of signUps) {
        if (typeof value === 'string') refused.push(value);
        else if (value) registered.push(value);
      }
      const readsAnswered = count(reads, (e) => (e.value as { data?: unknown } | undefined)?.data !== undefined);
      const quotesAnswered = count(quotes, (e) => (e.value as { data?: unknown } | undefined)?.data !== undefined);
      return `placement ${order ? order.status : 'cut'}, ${quotesAnswered} quotes, ${readsAnswered} reads, ${signUps.length - refused.length}/${signUps.length} registrations${refused.length ? ` (others: ${refused.join(', ')})` : ''}`;
    })(),
  };
}

/** A catalog run from 1C, slowed to a page every 300 ms, under way. */
async function syncing(urls: GraphProcess['urls']): Promise<Load> {
  const admin = await issueToken(config.JWT_SECRET, 'shutdown-test-admin', ['admin']);
  await setFaults(urls.oneC, { latencyMs: 300 });
  const started = await gql(urls.gateway, SyncCatalogDocument, {}, admin);
  const run = await eventually('a catalog run reading from 1C', async () => {
    const { data } = await gql(urls.gateway, InventorySyncRunsDocument, { last: 5 }, admin);
    return (data?.inventorySyncRuns as { id: string; kind: string; status: string; rowsRead: number }[] | undefined)?.find(
      (r) => r.kind === 'CATALOG' && r.status === 'RUNNING' && r.rowsRead > 0 && (!started.data || r.id === started.data.syncCatalog.id),
    );
  });
  return { inFlight: () => `catalog run ${run.id} at ${run.rowsRead}+ rows`, settled: Promise.resolve('stopped between pages') };
}

describe('npm start stopped and started again on the same data', () => {
  it('exits cleanly whichever way it is stopped, and keeps every answered registration', async () => {
    const registered: Customer[] = [];
    const placed: string[] = [];
    const stops: Stop[] = [
      { name: 'SIGINT once', signals: ['SIGINT'], exitCode: 0 },
      { name: 'SIGTERM once', signals: ['SIGTERM'], exitCode: 0 },
      { name: 'SIGINT twice quickly', signals: ['SIGINT', 'SIGINT'], gapMs: 20, exitCode: 0 },
      { name: 'SIGINT to the process group', signals: ['SIGINT'], group: true, exitCode: 0 },
      { name: 'SIGTERM under load', signals: ['SIGTERM'], load: (urls, c) => busy(urls, c, registered, placed), exitCode: 0 },
      { name: 'SIGINT during a catalog sync', signals: ['SIGINT'], load: (urls) => syncing(urls), exitCode: 0 },
      { name: 'SIGTERM twice', signals: ['SIGTERM', 'SIGTERM'], exitCode: 0 },
      { name: 'Ctrl-C twice (group, under load)', signals: ['SIGINT', 'SIGINT'], group: true, load: (urls, c) => busy(urls, c, registered, placed), exitCode: 0 },
      // The third signal stops waiting for requests in flight: exit 1, but only after the database has closed.
      { name: 'SIGINT three times under load', signals: ['SIGINT', 'SIGINT', 'SIGINT'], load: (urls, c) => busy(urls, c, registered, placed), exitCode: 1 },
      { name: 'SIGTERM after it all', signals: ['SIGTERM'], exitCode: 0 },
    ];
    const figures: string[] = [];

    for (const stop of stops) {
      graph = await start();
      const { urls } = graph;
      for (const customer of registered) expect(await stillThere(urls, customer), `customer ${customer.id} before "${stop.name}"`).toBe(true);
      const customer = await register(urls);
      if (typeof customer === 'string') throw new Error(`a registration before "${stop.name}" failed: ${customer}`);
      registered.push(customer);

      const load = await stop.load?.(urls, customer);
      const inFlight = load?.inFlight() ?? 'nothing';
      const since = performance.now();
      for (const [i, signal] of stop.signals.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, stop.gapMs ?? 250));
        if (stop.group) process.kill(-graph.child.pid!, signal);
        else graph.child.kill(signal);
      }
      const exit = await graph.exited;
      const ms = performance.now() - since;
      const outcome = (await load?.settled) ?? '';
      figures.push(`  ${stop.name.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms  exit ${exit.code ?? exit.signal}  in flight: ${inFlight}${outcome ? ` → answered: ${outcome}` : ''}`);
      expect(exit, `exit after "${stop.name}"\n${graph.stderr().slice(-2000)}`).toEqual({ code: stop.exitCode, signal: null });
      if (stop.exitCode === 1) expect(graph.stderr()).toMatch(/third time/);
      else expect(graph.stderr()).not.toMatch(/third time/);
    }

    // The eleventh start: everything answered before any of the stops is there.
    graph = await start();
    for (const customer of registered) expect(await stillThere(graph.urls, customer), `customer ${customer.id}`).toBe(true);
    // The placements drained by a clean stop were answered and are the customers' orders now.
    expect(placed.length).toBeGreaterThanOrEqual(2);
    const admin = await issueToken(config.JWT_SECRET, 'shutdown-test-admin', ['admin']);
    for (const id of placed) {
      const found = await gql(graph.urls.gateway, OrderLinesDocument, { id }, admin);
      expect(found.data?.order?.id, `order ${id}`).toBe(id);
    }
    graph.child.kill('SIGTERM');
    expect((await graph.exited).code).toBe(0);

    console.log([`shutdowns (signal → exit), ${registered.length} registrations kept, ${placed.length} placements answered while stopping:`, ...figures].join('\n'));
  }, 900_000);
});
