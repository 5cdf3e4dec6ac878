import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountPageDocument, CancelOrderDocument, PlaceOrderDocument, RecordPaymentDocument } from '../../clients/__generated__/graphql.js';
import { pendingBonusesMessage, PENDING_BONUSES_TOPIC } from '../../contracts/pending-bonuses.message.js';
import { demoPerson } from '../../emulators/seed/demo-people.js';
import { createLogger } from '../../platform/logger.js';
import { enqueue } from '../../platform/outbox.js';
import { readCursor, saveCursor } from '../../platform/sync-cursor.js';
import { BONUSPLUS_FOLLOW_CURSOR, followBonusPlus } from '../../subgraphs/loyalty/crm-card/bonusplus-follow.service.js';
import type { LoyaltyDeps } from '../../subgraphs/loyalty/loyalty.deps.js';
import { LOYALTY_FIELDS_TOPIC, loyaltyFieldsMessage } from '../../subgraphs/loyalty/crm-card/loyalty-fields.message.js';
import { saveOrderPendingBonuses } from '../../subgraphs/loyalty/loyalty.repository.js';
import { emulatorRequests } from '../support/graph-process.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, crmApi, registerEnrolled, type Shopper } from '../support/order-fixtures.js';

let t: TestGraph;
let cashier: string;
const WELCOME = 500;

beforeAll(async () => {
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: String(WELCOME), RETAILCRM_RPS: '200', BONUSPLUS_RPS: '500' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  cashier = await t.staffToken('cashier');
});
afterAll(async () => t?.close());

async function balance(shopper: Shopper) {
  const result = await t.gql(AccountPageDocument, {}, shopper.token);
  expect(result.errors).toBeUndefined();
  return result.data.me.loyalty.balance;
}

/** The loyalty fields of the customer's RetailCRM card, as the CRM holds them. */
async function card(shopper: Shopper) {
  const res = await crmApi(t, `customers/${shopper.id}?by=externalId`);
  const { customer } = (await res.json()) as any;
  return { active: customer.customFields.bonus_active, pending: customer.customFields.bonus_pending, spent: customer.customFields.bonus_spent };
}

async function place(shopper: Shopper, offerId: string, quantity: number) {
  const result = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId, quantity }] } }, shopper.token);
  expect(result.errors).toBeUndefined();
  return result.data.placeOrder.order as { id: string; total: number; bonusesEarned: number };
}

async function pay(orderId: string, amount?: number) {
  const result = await t.gql(RecordPaymentDocument, { input: { orderId, idempotencyKey: randomUUID(), ...(amount ? { amount } : {}) } }, cashier);
  expect(result.errors).toBeUndefined();
  return result.data.recordPayment.order;
}

describe('pending bonuses of orders not yet paid (R8)', () => {
  it('a placed and a part-paid order show what they will earn as pending, on the account page and on the CRM card; full payment makes it active, a cancel takes it away', async () => {
    const shopper = await registerEnrolled(t, '+79263330001');
    expect(await balance(shopper)).toEqual({ active: WELCOME, pending: 0, spent: 0 });
    const [first, second] = await availableOffers(t, 2, 3);

    const order = await place(shopper, first!.id, 2);
    expect(order.bonusesEarned).toBeGreaterThan(0);
    await t.settle();
    expect(await balance(shopper)).toEqual({ active: WELCOME, pending: order.bonusesEarned, spent: 0 });
    expect(await card(shopper)).toEqual({ active: WELCOME, pending: order.bonusesEarned, spent: 0 });

    // Part of it paid: still nothing in BonusPlus, still pending.
    expect(await pay(order.id, Math.floor(order.total / 2))).toMatchObject({ fullyPaid: false });
    await t.settle();
    expect(await balance(shopper)).toEqual({ active: WELCOME, pending: order.bonusesEarned, spent: 0 });

    // The rest paid: the sale reaches BonusPlus (activation at once in this program) and nothing is pending.
    expect(await pay(order.id)).toMatchObject({ fullyPaid: true });
    await t.settle();
    const credited = WELCOME + order.bonusesEarned;
    expect(await balance(shopper)).toEqual({ active: credited, pending: 0, spent: 0 });
    expect(await card(shopper)).toEqual({ active: credited, pending: 0, spent: 0 });

    // Another order goes pending, and a cancel takes it back to nothing.
    const later = await place(shopper, second!.id, 1);
    await t.settle();
    expect(await balance(shopper)).toEqual({ active: credited, pending: later.bonusesEarned, spent: 0 });
    expect(await card(shopper)).toMatchObject({ pending: later.bonusesEarned });
    const cancelled = await t.gql(CancelOrderDocument, { input: { orderId: later.id, idempotencyKey: randomUUID() } }, shopper.token);
    expect(cancelled.data.cancelOrder.order.status).toBe('CANCELLED');
    await t.settle();
    expect(await balance(shopper)).toEqual({ active: credited, pending: 0, spent: 0 });
    expect(await card(shopper)).toEqual({ active: credited, pending: 0, spent: 0 });
  });

  it('three orders placed before the relays run reach the CRM card in one write, with all three orders’ pending bonuses', async () => {
    const shopper = await registerEnrolled(t, '+79263330002');
    const offers = await availableOffers(t, 3, 2);
    const orders = [];
    for (const offer of offers) orders.push(await place(shopper, offer.id, 1));
    const cardWrites = () => emulatorRequests(new URL(t.graph.urls.retailCrm!).origin, (route) => route === `POST /api/v5/customers/${shopper.id}/edit`);
    const before = await cardWrites();
    await t.settle();
    const pending = orders.reduce((sum, o) => sum + o.bonusesEarned, 0);
    expect(pending).toBeGreaterThan(0);
    expect(await card(shopper)).toEqual({ active: WELCOME, pending, spent: 0 });
    // Three changes queued, one request of RetailCRM's ten a second: the write sends the figures as they are.
    expect((await cardWrites()) - before).toBe(1);
    const queued = await t.database.db.selectFrom('platform.outbox').select('status').where('topic', '=', LOYALTY_FIELDS_TOPIC).where('payload', '@>', JSON.stringify({ phone: shopper.phone })).execute();
    expect(queued.map((m) => m.status)).toEqual(queued.map(() => 'done'));
    expect(queued.length).toBeGreaterThanOrEqual(3);
  });

  it('a customer from before the graph: the first account page links their account, and their next order’s pending bonuses reach the CRM card', async () => {
    // In RetailCRM and BonusPlus already (the demo data), synced in, never enrolled by the graph.
    await t.graph.customer.sync.runNow();
    const phone = `+${demoPerson(2).phoneDigits}`;
    const { id } = await t.database.db.selectFrom('customer.customers').select('id').where('phone', '=', phone).executeTakeFirstOrThrow();
    const shopper: Shopper = { id, phone, token: await t.customerToken(id) };
    expect(await t.database.db.selectFrom('loyalty.accounts').select('phone').where('phone', '=', phone).executeTakeFirst()).toBeUndefined();

    const first = await balance(shopper);
    const account = await t.database.db.selectFrom('loyalty.accounts').select(['customer_id', 'status']).where('phone', '=', phone).executeTakeFirstOrThrow();
    expect(account).toEqual({ customer_id: id, status: 'active' });
    await t.settle();
    // The card follows the account from its link on: it has BonusPlus's figures.
    expect(await card(shopper)).toEqual({ active: first.active, pending: first.pending, spent: first.spent });

    const [offer] = await availableOffers(t, 1, 2);
    const order = await place(shopper, offer!.id, 1);
    expect(order.bonusesEarned).toBeGreaterThan(0);
    await t.settle();
    expect(await card(shopper)).toMatchObject({ pending: first.pending + order.bonusesEarned });
  });

  it('an account found with nobody linked to it (opened by an older build) is linked by its customer’s next read, and the CRM card is queued with the link', async () => {
    await t.graph.customer.sync.runNow();
    const phone = `+${demoPerson(5).phoneDigits}`;
    const { id } = await t.database.db.selectFrom('customer.customers').select('id').where('phone', '=', phone).executeTakeFirstOrThrow();
    const shopper: Shopper = { id, phone, token: await t.customerToken(id) };
    await balance(shopper);
    await t.settle();
    await t.database.db.updateTable('loyalty.accounts').set({ customer_id: null }).where('phone', '=', phone).execute();
    const cardMessages = async () => (await t.database.db.selectFrom('platform.outbox').select('id').where('topic', '=', LOYALTY_FIELDS_TOPIC).where('payload', '@>', JSON.stringify({ phone })).execute()).length;
    const before = await cardMessages();

    await balance(shopper);
    expect((await t.database.db.selectFrom('loyalty.accounts').select('customer_id').where('phone', '=', phone).executeTakeFirstOrThrow()).customer_id).toBe(id);
    expect((await cardMessages()) - before).toBe(1);
    // Linked already: another read links nothing and queues nothing.
    await balance(shopper);
    expect((await cardMessages()) - before).toBe(1);
  });

  it('keeps the latest figure of an order when an older message arrives after it', async () => {
    const shopper = await registerEnrolled(t, '+79263330006');
    const orderId = randomUUID();
    const message = (bonuses: number) => pendingBonusesMessage({ orderId, phone: shopper.phone, customerId: shopper.id, bonuses });
    // The older figure (40) is held back, as a retry with backoff would be; the newer one (0) goes first.
    await enqueue(t.database.db, { ...message(40), availableAt: new Date(Date.now() + 3_600_000) });
    await enqueue(t.database.db, message(0));
    await t.settle();
    await t.database.db.updateTable('platform.outbox').set({ available_at: new Date() }).where('topic', '=', PENDING_BONUSES_TOPIC).where('status', '=', 'pending').execute();
    await t.settle();
    const delivered = await t.database.db.selectFrom('platform.outbox').select('status').where('topic', '=', PENDING_BONUSES_TOPIC).where('payload', '@>', JSON.stringify({ orderId })).execute();
    expect(delivered.map((m) => m.status)).toEqual(['done', 'done']);
    expect((await balance(shopper)).pending).toBe(0);
    expect((await card(shopper)).pending).toBe(0);
  });

  it('saves of one order’s figure at once take turns: the latest version stays, each answers the figure it replaced, and the card is queued exactly when the figure moved', async () => {
    const shopper = await registerEnrolled(t, '+79263330005');
    const orderId = randomUUID();
    const db = t.database.db as any;
    const figure = (version: number) => (version % 3 === 0 ? 0 : 10 * version);
    const cardMessages = async () => (await t.database.db.selectFrom('platform.outbox').select('id').where('topic', '=', LOYALTY_FIELDS_TOPIC).where('payload', '@>', JSON.stringify({ phone: shopper.phone })).execute()).length;
    expect(await saveOrderPendingBonuses(db, { orderId, phone: shopper.phone, bonuses: figure(1), version: 1 }, loyaltyFieldsMessage(shopper.phone, shopper.id))).toEqual({ previous: 0 });
    const cardsBefore = await cardMessages();
    // Versions 2..16 at once, in a shuffled order: each waits for the order's row, then saves if it is newer.
    const versions = [9, 2, 14, 5, 16, 3, 11, 7, 4, 13, 6, 15, 8, 10, 12];
    const answers = await Promise.all(versions.map((version) => saveOrderPendingBonuses(db, { orderId, phone: shopper.phone, bonuses: figure(version), version }, loyaltyFieldsMessage(shopper.phone, shopper.id))));
    const stored = await t.database.db.selectFrom('loyalty.order_pending_bonuses').select(['bonuses', 'version']).where('order_id', '=', orderId).executeTakeFirstOrThrow();
    expect({ bonuses: stored.bonuses, version: Number(stored.version) }).toEqual({ bonuses: figure(16), version: 16 });
    // The saves that landed, in version order (the order they took turns in): each replaced the one before it.
    const landed = versions.map((version, i) => ({ version, answer: answers[i] })).filter((a) => a.answer !== undefined).sort((a, b) => a.version - b.version);
    expect(landed.at(-1)!.version).toBe(16);
    let before = figure(1);
    for (const { version, answer } of landed) {
      expect(answer).toEqual({ previous: before });
      before = figure(version);
    }
    expect((await cardMessages()) - cardsBefore).toBe(landed.filter((a) => a.answer!.previous !== figure(a.version)).length);
  });

  it('a malformed figure changes nothing and goes to dead letters', async () => {
    const shopper = await registerEnrolled(t, '+79263330003');
    await enqueue(t.database.db, { topic: PENDING_BONUSES_TOPIC, payload: { orderId: randomUUID(), phone: shopper.phone, customerId: shopper.id, bonuses: -5 } });
    await t.settle();
    const dead = await t.database.db.selectFrom('platform.outbox').select('status').where('topic', '=', PENDING_BONUSES_TOPIC).where('payload', '@>', JSON.stringify({ bonuses: -5 })).execute();
    expect(dead.map((m) => m.status)).toEqual(['dead']);
    expect(await balance(shopper)).toEqual({ active: WELCOME, pending: 0, spent: 0 });
  });
});

describe('BonusPlus’s own changes reach the CRM card without a reader (R4)', () => {
  const requestsSince = (from: number) => t.graph.emulators!.bonusPlus.requests.slice(from);

  it('a program-rule credit reaches the RetailCRM card once the follow run has run: one customer/list call for the changed customers', async () => {
    const shopper = await registerEnrolled(t, '+79263330004');
    // The first run reads every customer and sets the follow cursor.
    expect(await t.graph.loyalty.bonusPlusFollow.runNow()).toMatchObject({ mode: 'full', stopped: false });
    await t.settle();
    expect(await card(shopper)).toMatchObject({ active: WELCOME });

    // BonusPlus credits a holiday bonus by its own rule: nobody reads the account.
    const res = await fetch(`${t.graph.urls.bonusPlus}/__emulator/rules/holiday`, { method: 'POST', body: JSON.stringify({ phone: shopper.phone.replace(/\D/g, ''), amount: 300 }) });
    expect(res.status).toBe(200);
    await t.settle();
    expect(await card(shopper)).toMatchObject({ active: WELCOME });

    const before = t.graph.emulators!.bonusPlus.requests.length;
    expect(await t.graph.loyalty.bonusPlusFollow.runNow()).toEqual({ mode: 'changed', pages: 1, accounts: expect.any(Number), changed: 1, stopped: false });
    await t.settle();
    const calls = requestsSince(before);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/customer/list']);
    expect(JSON.parse(calls[0]!.body)).toMatchObject({ lastUpdateDate: [{ from: expect.any(String) }], startRow: 1, rowCount: 1000 });
    expect(await card(shopper)).toEqual({ active: WELCOME + 300, pending: 0, spent: 0 });

    // Nothing changed since: the next run reads the window and queues nothing.
    expect(await t.graph.loyalty.bonusPlusFollow.runNow()).toMatchObject({ mode: 'changed', pages: 1, changed: 0 });
  });

  it('asked to stop, a run ends between pages and leaves its cursor for the next run', async () => {
    const stopping = new AbortController();
    const bonusPlus = t.graph.upstream.bonusPlus;
    let calls = 0;
    const deps: LoyaltyDeps = {
      db: t.database.db,
      crm: t.graph.upstream.loyaltyCrm,
      logger: createLogger('test'),
      settings: { welcomeBonus: WELCOME, defaultCardType: 'Silver', readModelTtlMs: 60_000, expiryWarningDays: 7 },
      bonusPlus: Object.assign(Object.create(bonusPlus) as typeof bonusPlus, {
        listCustomers: async (filter: Parameters<typeof bonusPlus.listCustomers>[0]) => {
          calls++;
          const page = await bonusPlus.listCustomers(filter);
          stopping.abort();
          return page;
        },
      }),
    };
    // The last full scan was two days ago: this run reads every customer, 10 a page.
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const cursor = JSON.stringify({ since: new Date().toISOString(), fullScanAt: twoDaysAgo });
    await saveCursor(t.database.db, BONUSPLUS_FOLLOW_CURSOR, cursor);
    const customers = await t.database.db.selectFrom('bonusplus_emulator.customers').select('id').execute();
    expect(customers.length).toBeGreaterThan(10);

    expect(await followBonusPlus(deps, { signal: stopping.signal, pageSize: 10 })).toMatchObject({ mode: 'full', pages: 1, stopped: true });
    expect(calls).toBe(1);
    expect((await readCursor(t.database.db, BONUSPLUS_FOLLOW_CURSOR))?.cursor).toBe(cursor);

    // Not stopped, the next run reads them all and moves the cursor.
    const before = t.graph.emulators!.bonusPlus.requests.length;
    const run = await followBonusPlus({ ...deps, bonusPlus }, { pageSize: 10 });
    expect(run).toMatchObject({ mode: 'full', pages: Math.floor(customers.length / 10) + 1, stopped: false });
    expect(t.graph.emulators!.bonusPlus.requests.length - before).toBe(run.pages);
    expect(JSON.parse((await readCursor(t.database.db, BONUSPLUS_FOLLOW_CURSOR))!.cursor).fullScanAt).not.toBe(twoDaysAgo);
  });
});
