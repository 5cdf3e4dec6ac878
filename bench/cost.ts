import { randomUUID } from 'node:crypto';
import type { DocumentNode } from 'graphql';
import {
  AccountPageDocument,
  CallCentreDocument,
  CheckoutQuoteDocument,
  CustomerByPhoneDocument,
  PlaceOrderDocument,
  RecordPaymentDocument,
  RegisterCustomerDocument,
  ReturnPreviewDocument,
  StockByArticleDocument,
} from '../clients/__generated__/graphql.js';
import { sql } from 'kysely';
import { processCpuMs } from './cpu.js';
import { keepStatementTexts, resetStatementCounts, statementCounts, statementTexts } from '../platform/db/statement-counter.js';
import type { TestGraph } from '../test/support/graph-harness.js';
import { emulatorRequests } from '../test/support/graph-process.js';
import { demoPerson } from '../emulators/seed/demo-people.js';
import { availableOffers, registerEnrolled, type Shopper } from '../test/support/order-fixtures.js';

/**
 * What one operation of each workload costs, counted rather than timed: the SQL statements each
 * subgraph sends (platform/db/statement-counter.ts) and the calls that reach RetailCRM, BonusPlus
 * and 1C (the emulators' request counters). Every operation is a client document from clients/,
 * sent through the gateway one at a time. Each workload runs once unmeasured (first-request caches,
 * read models filled), then `operations` times counted; the figures are the counts divided by that.
 * Used by `npm run bench:cost` (prints them) and test/perf/statement-budget.int.test.ts (holds
 * them to bench/statement-budgets.ts).
 */

export const SUBGRAPHS = ['customer', 'order', 'loyalty', 'inventory'] as const;
export const SYSTEMS = ['retailCrm', 'bonusPlus', 'oneC'] as const;
/** Calls to each upstream system. */
type Calls = Record<(typeof SYSTEMS)[number], number>;

export interface OperationCost {
  readonly workload: string;
  readonly operations: number;
  /** Statements per operation by sender: the subgraphs, `emulator`, `other` (anything outside a request). */
  readonly statements: Readonly<Record<string, number>>;
  /** Calls per operation that reached each upstream system. */
  readonly upstream: Readonly<Calls>;
  /** With `cpu`: CPU ms per operation of this process (gateway, subgraphs, emulators, client) and of this database's Postgres backends. */
  readonly cpu?: { readonly graph: number; readonly postgres: number };
  /** Reads of the inventory's stock cache (INVENTORY_STOCK_CACHE_SECONDS) per operation, and how many it answered. */
  readonly stockCache?: { readonly reads: number; readonly hitRate: number };
  /**
   * What the operations left to the relays and syncs (a placement's CRM order and loyalty events),
   * per operation: the statements sent and upstream calls made until the graph settled, less what
   * each round of settling costs when nothing is left (the syncs' own polls).
   */
  readonly deferred: { readonly statements: number; readonly upstream: Readonly<Calls> };
  /** With `texts`: the statements settling sent after all the operations, by sender. */
  readonly deferredTexts?: Readonly<Record<string, string[]>>;
  /** With `texts`: the statements of the last operation, by sender. */
  readonly texts?: Readonly<Record<string, string[]>>;
}

/** The settings a graph measured by `measureCosts` needs (pass them to startTestGraph). */
export const COST_GRAPH_SETTINGS: Readonly<Record<string, string>> = {
  // No loyalty account is read again from BonusPlus while a workload runs.
  LOYALTY_READ_MODEL_TTL_MS: '3600000',
  LOYALTY_WELCOME_BONUS: '2000',
  // The emulated accounts let sequential operations through without a refusal to retry.
  RETAILCRM_RPS: '100',
  BONUSPLUS_RPS: '1000',
};

interface Workload {
  readonly name: string;
  /** Sends operation `i` (0 is the unmeasured warm-up); anything that must exist first is made by `prepare`. */
  readonly send: (i: number) => Promise<void>;
  readonly prepare?: (count: number) => Promise<void>;
}

let phoneSerial = 0;
/** A phone no demo person or other run of this process has: +7 917 …, the process id and a serial. */
const freshPhone = () => `+7917${String((process.pid * 1000 + phoneSerial++) % 10_000_000).padStart(7, '0')}`;

/** Gives a customer `count` delivered three-line orders in the read model, as the history sync leaves them. */
async function giveOrders(t: TestGraph, customerId: string, offers: readonly string[], count: number): Promise<void> {
  const db = t.database.db;
  for (let n = 0; n < count; n++) {
    const id = randomUUID();
    await db
      .insertInto('ordering.orders')
      .values({ id, origin: 'crm', customer_id: customerId, state: 'DELIVERED', crm_status: 'complete', crm_status_group: 'complete', items_total: 300_000, total: 300_000, paid_total: 300_000, fully_paid_at: new Date(), sale_registered_at: new Date(), number: `C${n}`, created_at: new Date(Date.now() - (n + 1) * 60_000) })
      .execute();
    await db
      .insertInto('ordering.order_lines')
      .values([0, 1, 2].map((i) => ({ order_id: id, line_no: i + 1, offer_id: offers[(n + i) % offers.length]!, product_name: `Товар ${i + 1}`, quantity: 1, price: 100_000, discount: 0, bonuses_spent: 0, bonuses_earned: 50, total: 100_000 })))
      .execute();
  }
}

async function send(t: TestGraph, what: string, document: DocumentNode, variables: Record<string, unknown>, token?: string): Promise<any> {
  const result = await t.gql(document, variables, token);
  if (result.errors || result.status !== 200) throw new Error(`${what}: ${result.status} ${JSON.stringify(result.errors)}`);
  return result.data;
}

/** The workloads, on a graph started with COST_GRAPH_SETTINGS whose catalog has been synced. */
async function workloads(t: TestGraph): Promise<Workload[]> {
  const staff = await t.staffToken('manager', 'cashier');
  const shopper = await registerEnrolled(t, freshPhone(), 'Мера');
  const loyal = await registerEnrolled(t, freshPhone(), 'Сотня');
  const offers = await availableOffers(t, 20, 5);
  // Stock for every order a run places (payment and return preview place theirs too), one unit each, in turn.
  const stocked = await availableOffers(t, 12, 6);
  let placed = 0;
  const offerIds = offers.map((o) => o.id);
  await giveOrders(t, shopper.id, offerIds, 5);
  await giveOrders(t, loyal.id, offerIds, 100);
  const article = (await t.database.db.selectFrom('inventory.products').select('article').orderBy('article').executeTakeFirstOrThrow()).article as string;
  // A customer of the retailer's from before the graph: in RetailCRM and BonusPlus (the demo data), synced in, never enrolled by the graph.
  await t.graph.customer.sync.runNow();
  const existing = await t.database.db.selectFrom('customer.customers').select('id').where('phone', '=', `+${demoPerson(1).phoneDigits}`).executeTakeFirstOrThrow();
  const existingToken = await t.customerToken(existing.id);
  const existingPage = async () => void (await send(t, 'account page, existing customer', AccountPageDocument, { first: 5 }, existingToken));

  const cart = (lines: number, i: number) => offers.slice(0, lines).map((o, n) => ({ offerId: o.id, quantity: 1 + ((i + n) % 2) }));
  const place = async (who: Shopper) =>
    (await send(t, 'placement', PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: stocked[placed++ % stocked.length]!.id, quantity: 1 }] } }, who.token)).placeOrder.order as {
      id: string;
      lines: { id: string }[];
    };

  const unpaid: string[] = [];
  let returnable: { id: string; lines: { id: string }[] } | undefined;
  const quote = (lines: number): Workload => ({
    name: `quote-${lines}`,
    send: async (i) => void (await send(t, `quote-${lines}`, CheckoutQuoteDocument, { cart: cart(lines, i), bonusesToSpend: 0 }, shopper.token)),
  });

  return [
    { name: 'account-page', send: async () => void (await send(t, 'account page', AccountPageDocument, { first: 5 }, shopper.token)) },
    { name: 'account-page-100-orders', send: async () => void (await send(t, 'account page, 100 orders', AccountPageDocument, { first: 5 }, loyal.token)) },
    {
      name: 'account-page-existing-customer',
      // The first page reads the account from BonusPlus; the steady state is what follows.
      prepare: existingPage,
      send: existingPage,
    },
    quote(1),
    quote(5),
    quote(20),
    { name: 'placement', send: async () => void (await place(shopper)) },
    {
      name: 'registration',
      send: async () => void (await send(t, 'registration', RegisterCustomerDocument, { input: { phone: freshPhone(), firstName: 'Новая' } })),
    },
    {
      name: 'payment',
      prepare: async (count) => {
        for (let i = 0; i < count; i++) unpaid.push((await place(loyal)).id);
        await t.settle();
      },
      send: async (i) => void (await send(t, 'payment', RecordPaymentDocument, { input: { orderId: unpaid[i]!, idempotencyKey: randomUUID() } }, staff)),
    },
    {
      name: 'return-preview',
      prepare: async () => {
        // A paid order that 1C has shipped: what a return is asked of.
        const order = await place(loyal);
        await send(t, 'payment', RecordPaymentDocument, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, staff);
        await t.settle();
        for (const row of await t.database.db.selectFrom('ordering.onec_orders').select('ref').where('order_id', '=', order.id).execute()) await t.graph.emulators!.oneC.shipOrder(row.ref!);
        await t.graph.order.oneCPoll.runNow();
        await t.settle();
        returnable = order;
      },
      send: async () =>
        void (await send(t, 'return preview', ReturnPreviewDocument, { orderId: returnable!.id, lines: returnable!.lines.map((l) => ({ lineId: l.id, quantity: 1 })) }, loyal.token)),
    },
    { name: 'call-centre', send: async () => void (await send(t, 'call centre', CallCentreDocument, { phone: shopper.phone, article }, staff)) },
    { name: 'stock-view', send: async () => void (await send(t, 'stock view', StockByArticleDocument, { article }, staff)) },
    { name: 'customer-by-phone', send: async () => void (await send(t, 'customer by phone', CustomerByPhoneDocument, { phone: loyal.phone }, staff)) },
  ];
}

/** The names of the workloads `measureCosts` runs, in its order. */
export const WORKLOADS = [
  'account-page',
  'account-page-100-orders',
  'account-page-existing-customer',
  'quote-1',
  'quote-5',
  'quote-20',
  'placement',
  'registration',
  'payment',
  'return-preview',
  'call-centre',
  'stock-view',
  'customer-by-phone',
] as const;

async function upstreamCalls(t: TestGraph): Promise<Calls> {
  const all = () => true;
  // The connectors' 1C URL names the base (`…/trade`); the emulator's control routes are at its root.
  const roots = [t.graph.urls.retailCrm!, t.graph.urls.bonusPlus!, t.graph.urls.oneC!].map((url) => new URL(url).origin);
  const [retailCrm, bonusPlus, oneC] = await Promise.all(roots.map((url) => emulatorRequests(url, all)));
  return { retailCrm: retailCrm!, bonusPlus: bonusPlus!, oneC: oneC! };
}

/** Each system's calls in `after` less `times` those in `before`, passed through `as` (e.g. per operation). */
const callsBetween = (before: Calls, after: Calls, as = (n: number) => n, times = 1): Calls =>
  Object.fromEntries(SYSTEMS.map((s) => [s, as(after[s] - before[s] * times)])) as Calls;

/** CPU ms so far of this process and of the Postgres backends serving this database (none on PGlite, which runs in this process). */
export async function cpuNow(t: TestGraph): Promise<{ graph: number; postgres: Map<number, number> }> {
  const backends = t.database.url ? (await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(t.database.db)).rows : [];
  const own = process.cpuUsage();
  return { graph: (own.user + own.system) / 1000, postgres: new Map(backends.map((b) => [b.pid, processCpuMs(b.pid)])) };
}

interface Settling {
  readonly rounds: number;
  readonly texts?: Record<string, string[]>;
  readonly statements: number;
  readonly upstream: Calls;
}

/** Statements (the graph's: not the emulators') and upstream calls until the graph has settled, and the rounds that took. */
async function settling(t: TestGraph, texts = false): Promise<Settling> {
  const before = await upstreamCalls(t);
  resetStatementCounts();
  keepStatementTexts(texts);
  const rounds = await t.settle();
  const kept = texts ? statementTexts() : undefined;
  keepStatementTexts(false);
  const statements = Object.entries(statementCounts()).reduce((sum, [label, n]) => (label === 'emulator' ? sum : sum + n), 0);
  const after = await upstreamCalls(t);
  return { rounds, statements, ...(kept ? { texts: kept } : {}), upstream: callsBetween(before, after) };
}

/**
 * Runs each workload (all, or those named in `only`) once unmeasured and then `operations` times,
 * one operation at a time, and returns what one operation cost. No background work runs meanwhile
 * (the graph is started with `background: false`): every statement counted was sent for a request.
 * Then the graph is settled (syncs and relays run until nothing is left), and what that sent is the
 * operations' deferred cost.
 */
export async function measureCosts(t: TestGraph, options: { operations: number; only?: readonly string[]; texts?: boolean; cpu?: boolean }): Promise<OperationCost[]> {
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  const costs: OperationCost[] = [];
  for (const workload of await workloads(t)) {
    if (options.only && !options.only.includes(workload.name)) continue;
    await workload.prepare?.(options.operations + 1);
    await workload.send(0);
    // What the preparation and the warm-up left behind is not this workload's deferred work. Then
    // one round of settling with nothing to do: the syncs' polls, which every round sends anyway.
    await t.settle();
    const idleRound = await settling(t);
    if (idleRound.rounds !== 1) throw new Error(`${workload.name}: the graph did not settle before measuring (${idleRound.rounds} rounds)`);
    const before = await upstreamCalls(t);
    const cpuBefore = options.cpu ? await cpuNow(t) : undefined;
    const stockCacheBefore = { ...(t.graph.inventory.stockCache?.stats ?? { hits: 0, misses: 0 }) };
    resetStatementCounts();
    for (let i = 1; i < options.operations; i++) await workload.send(i);
    keepStatementTexts(options.texts ?? false);
    await workload.send(options.operations);
    const texts = options.texts ? statementTexts() : undefined;
    keepStatementTexts(false);
    const counted = statementCounts();
    const cpuAfter = cpuBefore ? await cpuNow(t) : undefined;
    const stockCacheAfter = t.graph.inventory.stockCache?.stats ?? { hits: 0, misses: 0 };
    const stockHits = stockCacheAfter.hits - stockCacheBefore.hits;
    const stockReads = stockHits + stockCacheAfter.misses - stockCacheBefore.misses;
    const after = await upstreamCalls(t);
    const per = (n: number) => Math.round((n / options.operations) * 100) / 100;
    const settled = await settling(t, options.texts);
    const deferred = {
      statements: per(settled.statements - idleRound.statements * settled.rounds),
      upstream: callsBetween(idleRound.upstream, settled.upstream, per, settled.rounds),
    };
    costs.push({
      workload: workload.name,
      operations: options.operations,
      statements: Object.fromEntries(Object.entries(counted).map(([label, n]) => [label, per(n)])),
      upstream: callsBetween(before, after, per),
      deferred,
      ...(texts ? { texts } : {}),
      ...(settled.texts ? { deferredTexts: settled.texts } : {}),
      ...(stockReads > 0 ? { stockCache: { reads: per(stockReads), hitRate: stockHits / stockReads } } : {}),
      // A backend that started in between counts from zero; one that ended in between is lost.
      ...(cpuBefore && cpuAfter
        ? { cpu: { graph: (cpuAfter.graph - cpuBefore.graph) / options.operations, postgres: [...cpuAfter.postgres].reduce((s, [pid, ms]) => s + ms - (cpuBefore.postgres.get(pid) ?? 0), 0) / options.operations } }
        : {}),
    });
  }
  return costs;
}

/** Statements per operation of the subgraphs together. */
export const subgraphStatements = (cost: OperationCost): number => Math.round(SUBGRAPHS.reduce((s, name) => s + (cost.statements[name] ?? 0), 0) * 100) / 100;
