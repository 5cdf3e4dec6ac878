import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelOrderDocument,
  CustomerCardDocument,
  ImportShowroomCustomersDocument,
  PlaceOrderDocument,
  ReconciliationDocument,
  RecordPaymentDocument,
  ReturnOrderLinesDocument,
  ShowroomImportRunsDocument,
} from '../../clients/__generated__/graphql.js';
import { demoCustomerExternalId } from '../../emulators/retailcrm/retailcrm-seed.js';
import { demoPerson } from '../../emulators/seed/demo-people.js';
import { issueToken } from '../../platform/identity.js';
import { enqueue } from '../../platform/outbox.js';
import { loyaltyRefreshMessage } from '../../contracts/loyalty-refresh.message.js';
import { createInCrmMessage } from '../../subgraphs/order/order.messages.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, registerEnrolled, type Shopper } from '../support/order-fixtures.js';

// The admin's reconciliation screen (clients/staff/reconciliation.graphql).
const RECONCILE = ReconciliationDocument;

// More online customers than one RetailCRM page of 100 holds, so a run can be cut off between pages.
const ONLINE = 150;
const SHOWROOM = 10;

let t: TestGraph;
let cashier: string;
let manager: string;
let admin: string;

/** Every request that reaches an emulator's HTTP server, as it arrived (path and query). */
const arrived: { system: 'RetailCRM' | 'BonusPlus'; method: string; url: URL }[] = [];
let onArrival: ((request: (typeof arrived)[number]) => void) | undefined;
const portOf = (url: string) => Number(new URL(url).port);
function recordArrival(message: unknown): void {
  const { request, server } = message as { request: IncomingMessage; server: Server };
  const port = (server.address() as AddressInfo | null)?.port;
  const system = port === portOf(t.graph.urls.retailCrm!) ? 'RetailCRM' : port === portOf(t.graph.urls.bonusPlus!) ? 'BonusPlus' : undefined;
  if (!system) return;
  const seen = { system, method: request.method ?? '', url: new URL(request.url ?? '/', 'http://emulator') } as const;
  arrived.push(seen);
  onArrival?.(seen);
}

beforeAll(async () => {
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '3000', SEED_ONLINE_CUSTOMERS: String(ONLINE), SEED_SHOWROOM_CUSTOMERS: String(SHOWROOM) });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  cashier = await t.staffToken('cashier');
  manager = await t.staffToken('manager');
  admin = await t.staffToken('admin');
  // Showroom buyers are in BonusPlus only until imported (R11); a clean state has them in RetailCRM too.
  const started = await t.gql(ImportShowroomCustomersDocument, {}, admin);
  expect(started.errors).toBeUndefined();
  for (;;) {
    const runs = await t.gql(ShowroomImportRunsDocument, { last: 1 }, admin);
    if (runs.data.showroomImportRuns[0].status !== 'RUNNING') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await t.settle();
  subscribe('http.server.request.start', recordArrival);
});
afterAll(async () => {
  unsubscribe('http.server.request.start', recordArrival);
  await t?.close();
});

/** The customer list pages the reconciliation asked each emulator for (not lookups of named customers). */
function listPagesSince(from: number): { bonusPlus: number; crmPages: number[] } {
  const seen = arrived.slice(from);
  return {
    bonusPlus: seen.filter((r) => r.system === 'BonusPlus' && r.url.pathname === '/api/customer/list').length,
    crmPages: seen.filter((r) => r.system === 'RetailCRM' && r.url.pathname === '/api/v5/customers' && ![...r.url.searchParams.keys()].some((k) => k.startsWith('filter'))).map((r) => Number(r.url.searchParams.get('page'))),
  };
}

const customersDifferences = async () => {
  const result = await t.gql(RECONCILE, {}, admin);
  expect(result.errors).toBeUndefined();
  return result.data.reconciliation.customers as { checked: number; differences: { subject: string; field: string; values: { system: string; value: string | null }[]; pendingSync: boolean }[] };
};
/** The `bonus_active` field of the customer's RetailCRM card, as the emulator stores it. */
async function crmActiveBonuses(externalId: string): Promise<number> {
  const { custom_fields } = await t.database.db.selectFrom('retailcrm_emulator.customers').select('custom_fields').where('external_id', '=', externalId).executeTakeFirstOrThrow();
  const fields = (typeof custom_fields === 'string' ? JSON.parse(custom_fields) : custom_fields) as Record<string, unknown>;
  return Number(fields.bonus_active);
}
const creditBirthday = async (phone: string, amount: number) => {
  const res = await fetch(`${t.graph.urls.bonusPlus}/__emulator/rules/birthday`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone, amount }) });
  expect(res.status).toBe(200);
};

async function place(shopper: Shopper, offerId: string, quantity: number, bonusesToSpend = 0): Promise<{ id: string; lines: { id: string }[] }> {
  const result = await t.gql(
    PlaceOrderDocument,
    { input: { idempotencyKey: randomUUID(), cart: [{ offerId, quantity }], bonusesToSpend } },
    shopper.token,
  );
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.placeOrder.order;
}

const pay = (orderId: string) => t.gql(RecordPaymentDocument, { input: { orderId, idempotencyKey: randomUUID() } }, cashier);
const cancel = (orderId: string) => t.gql(CancelOrderDocument, { input: { orderId, idempotencyKey: randomUUID() } }, manager);

describe('reconciliation (admin)', () => {
  it('after a mix of orders, payments, cancels and returns there is no difference; a drift injected into 1C or BonusPlus is listed alone', async () => {
    const ann = await registerEnrolled(t, '+79165550001');
    const bob = await registerEnrolled(t, '+79165550002');
    const offers = await availableOffers(t, 5, 3);

    const shipped = await place(ann, offers[0]!.id, 2, 100);
    await pay(shipped.id);
    const cancelled = await place(ann, offers[1]!.id, 1, 100);
    await cancel(cancelled.id);
    const waiting = await place(bob, offers[2]!.id, 1);
    const returned = await place(bob, offers[3]!.id, 3, 200);
    await pay(returned.id);
    const confirmedThenCancelled = await place(bob, offers[4]!.id, 1);
    await fetch(`${t.graph.urls.retailCrm}/__emulator/orders/${confirmedThenCancelled.id}/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'client-confirmed' }) });
    await t.settle();
    await cancel(confirmedThenCancelled.id);
    await t.settle();

    for (const row of await t.database.db.selectFrom('ordering.onec_orders').select('ref').where('order_id', 'in', [shipped.id, returned.id]).execute()) await t.graph.emulators!.oneC.shipOrder(row.ref!);
    await t.graph.order.oneCPoll.runNow();
    await t.settle();
    const ret = await t.gql(
      ReturnOrderLinesDocument,
      { input: { orderId: returned.id, idempotencyKey: randomUUID(), lines: [{ lineId: returned.lines[0]!.id, quantity: 1 }] } },
      cashier,
    );
    expect(ret.data.returnOrderLines.return.status).toBe('COMPLETED');
    await t.settle();

    const clean = await t.gql(RECONCILE, {}, admin);
    expect(clean.errors).toBeUndefined();
    expect(clean.data.reconciliation.orders.checked).toBe(5);
    expect(clean.data.reconciliation.orders.differences).toEqual([]);
    // Every customer of every system is compared: each seeded one (online and imported showroom
    // buyers alike), not only the accounts the graph has read.
    const everyone = await t.database.db.selectFrom('bonusplus_emulator.customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(everyone.n)).toBe(ONLINE + SHOWROOM + 2);
    expect(clean.data.reconciliation.customers.checked).toBe(ONLINE + SHOWROOM + 2);
    expect(clean.data.reconciliation.customers.differences).toEqual([]);
    expect(waiting.id).toBeTruthy();

    // Someone closes the shipped order's 1C document by hand: exactly that shows.
    const approved = await place(ann, offers[0]!.id, 1);
    await pay(approved.id);
    await t.settle();
    const [sent] = await t.database.db.selectFrom('ordering.onec_orders').select(['ref', 'external_number']).where('order_id', '=', approved.id).execute();
    await t.graph.upstream.oneC.cancelOrder(sent!.ref!);
    // And BonusPlus loses 7 of Bob's bonuses without a ledger entry.
    const bobInBonusPlus = await t.database.db.selectFrom('bonusplus_emulator.customers').select('id').where('phone', '=', bob.phone.replace(/\D/g, '')).executeTakeFirstOrThrow();
    const lot = await t.database.db.selectFrom('bonusplus_emulator.bonus_lots').select(['id']).where('customer_id', '=', bobInBonusPlus.id).where('remaining', '>=', 7).orderBy('id').executeTakeFirstOrThrow();
    await t.database.db.updateTable('bonusplus_emulator.bonus_lots').set((eb) => ({ remaining: eb('remaining', '-', 7) })).where('id', '=', lot.id).execute();
    const bobBefore = (await t.gql(CustomerCardDocument, { id: bob.id }, manager)).data.customer.loyalty.balance.active;

    const drifted = await t.gql(RECONCILE, {}, admin);
    expect(drifted.data.reconciliation.customers.differences).toEqual([
      { subject: bob.id, field: 'active bonuses', values: [{ system: 'BonusPlus', value: String(bobBefore - 7) }, { system: 'RetailCRM', value: String(bobBefore) }, { system: 'graph', value: String(bobBefore) }], pendingSync: false },
    ]);
    expect(drifted.data.reconciliation.orders.differences).toEqual([
      { subject: approved.id, field: `1C order ${sent!.external_number}`, values: [{ system: 'graph', value: 'APPROVED, posted' }, { system: '1C', value: expect.any(String) }] },
    ]);
  });

  it('reports a balance changed in BonusPlus for a seeded online customer the graph never read', async () => {
    const person = demoPerson(3);
    const customerId = demoCustomerExternalId(3)!;
    expect(await t.database.db.selectFrom('loyalty.accounts').select('phone').where('phone', '=', `+${person.phoneDigits}`).executeTakeFirst()).toBeUndefined();
    const before = (await customersDifferences()).differences.filter((d) => d.subject === customerId);
    expect(before).toEqual([]);

    const active = await crmActiveBonuses(customerId);
    await creditBirthday(person.phoneDigits, 500);

    const after = await customersDifferences();
    expect(after.differences.filter((d) => d.subject === customerId)).toEqual([
      { subject: customerId, field: 'active bonuses', values: [{ system: 'BonusPlus', value: String(active + 500) }, { system: 'RetailCRM', value: String(active) }], pendingSync: false },
    ]);
  });

  it('marks as pending sync a difference a loyalty message still queued for that customer explains', async () => {
    const person = demoPerson(4);
    const customerId = demoCustomerExternalId(4)!;
    const active = await crmActiveBonuses(customerId);
    await creditBirthday(person.phoneDigits, 300);
    // What the order side queues after moving a customer's bonuses: not yet delivered.
    await enqueue(t.database.db, loyaltyRefreshMessage(`+${person.phoneDigits}`));

    const found = await customersDifferences();
    expect(found.differences.filter((d) => d.subject === customerId)).toEqual([
      { subject: customerId, field: 'active bonuses', values: [{ system: 'BonusPlus', value: String(active + 300) }, { system: 'RetailCRM', value: String(active) }], pendingSync: true },
    ]);
    // Customer 3's change (previous test) has no message on its way: still drift.
    expect(found.differences.filter((d) => d.subject === demoCustomerExternalId(3)).map((d) => d.pendingSync)).toEqual([false]);
  });

  it('reports customers only one system knows', async () => {
    const onlyInBonusPlus = '+79990001122';
    const res = await fetch(`${t.graph.urls.bonusPlus}/api/customer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `ApiKey ${Buffer.from(t.config.BONUSPLUS_API_KEY).toString('base64')}` },
      body: JSON.stringify({ phone: onlyInBonusPlus.slice(1), fn: 'Витрина', card: '2999000000001' }),
    });
    expect(res.status).toBeLessThan(300);
    const found = await customersDifferences();
    expect(found.differences.filter((d) => d.subject === onlyInBonusPlus)).toEqual([
      { subject: onlyInBonusPlus, field: 'account', values: [{ system: 'BonusPlus', value: '2999000000001' }, { system: 'RetailCRM', value: null }, { system: 'graph', value: null }], pendingSync: false },
    ]);
  });

  it('continues a run that failed half-way from the page it had reached, and runs once for concurrent callers', async () => {
    // The first run reads BonusPlus (one page) and RetailCRM's first page, then RetailCRM fails.
    const first = arrived.length;
    onArrival = (r) => {
      if (r.system === 'RetailCRM' && r.url.pathname === '/api/v5/customers' && r.url.searchParams.get('page') === '2') t.graph.emulators!.retailCrm.faults.set({ failStatus: 500, pathPattern: '^GET /api/v5/customers$' });
    };
    const failed = await t.gql(RECONCILE, {}, admin);
    onArrival = undefined;
    expect(failed.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const cut = listPagesSince(first);
    expect(cut.bonusPlus).toBe(1);
    expect(cut.crmPages[0]).toBe(1);
    expect(new Set(cut.crmPages.slice(1))).toEqual(new Set([2]));
    await t.healUpstreams();

    // Asked again, it reads only what it had not: no BonusPlus page, RetailCRM from page 2. Two
    // callers at once share that one run.
    // The second caller, another admin, is sent once the run is reading RetailCRM, which is slow
    // enough to keep the run going while that caller arrives.
    t.graph.emulators!.retailCrm.faults.set({ latencyMs: 1_500, pathPattern: '^GET /api/v5/customers$' }); // under the connectors' 2 s timeout
    const second = arrived.length;
    const otherAdmin = await issueToken(t.config.JWT_SECRET, 'staff-second-admin', ['admin']);
    let alongsideAnswer: Promise<unknown> | undefined;
    onArrival = (r) => {
      if (r.system === 'RetailCRM' && r.url.pathname === '/api/v5/customers') alongsideAnswer ??= t.gql(RECONCILE, {}, otherAdmin).then((res) => res.data.reconciliation.customers);
    };
    const resumed = await customersDifferences();
    onArrival = undefined;
    expect(alongsideAnswer).toBeDefined();
    const alongside = await alongsideAnswer;
    t.graph.emulators!.retailCrm.faults.clear();
    expect(listPagesSince(second)).toEqual({ bonusPlus: 0, crmPages: [2] });
    expect(alongside).toEqual(resumed);

    // A finished run is not continued: the next one reads everything again and finds the same.
    const third = arrived.length;
    const fresh = await customersDifferences();
    expect(listPagesSince(third)).toEqual({ bonusPlus: 1, crmPages: [1, 2] });
    expect(fresh).toEqual(resumed);
    expect(fresh.checked).toBeGreaterThan(100);
  });

  it('is for admins only', async () => {
    for (const token of [manager, cashier, await t.customerToken(randomUUID())]) {
      const result = await t.gql(RECONCILE, {}, token);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await t.gql(RECONCILE, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('does not call an order missing in RetailCRM while its creation there is still queued; once that message is dead, it is', async () => {
    const cid = await registerEnrolled(t, '+79165550009');
    const [offer] = await availableOffers(t, 1, 1);
    const placed = await place(cid, offer!.id, 1);
    const ordersDifferences = async () => {
      const result = await t.gql(RECONCILE, {}, admin);
      expect(result.errors).toBeUndefined();
      return (result.data.reconciliation.orders.differences as { subject: string }[]).filter((d) => d.subject === placed.id);
    };
    // Placed a moment ago: the outbox has not taken it to RetailCRM yet.
    expect(await ordersDifferences()).toEqual([]);

    // Its message given up on (dead letters): the order is missing there.
    const key = createInCrmMessage(placed.id).dedupeKey!;
    await t.database.db.updateTable('platform.outbox').set({ status: 'dead' }).where('dedupe_key', '=', key).execute();
    expect(await ordersDifferences()).toEqual([{ subject: placed.id, field: 'order', values: [{ system: 'graph', value: 'PLACED' }, { system: 'RetailCRM', value: null }] }]);

    // Put back in the queue (what an operator does once the cause is fixed), it arrives, and agrees.
    await t.database.db.updateTable('platform.outbox').set({ status: 'pending', available_at: new Date() }).where('dedupe_key', '=', key).execute();
    await t.settle();
    expect(await ordersDifferences()).toEqual([]);
  });
});
