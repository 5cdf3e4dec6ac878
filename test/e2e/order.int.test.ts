import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountPageDocument,
  CancelOrderDocument,
  CartDocument,
  CheckoutQuoteDocument,
  CustomerCardDocument,
  OrderDetailsDocument,
  OrderOneCDocumentsDocument,
  PlaceOrderDocument,
  RecordPaymentDocument,
  RetryOneCPostingDocument,
} from '../../clients/__generated__/graphql.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { emulatorRequests } from '../support/graph-process.js';
import { resetStatementCounts, statementCounts } from '../../platform/db/statement-counter.js';
import { availableOffers, bonusPlusCustomer, crmApi, crmOrder, registerEnrolled, stockHoldsOf, type Shopper } from '../support/order-fixtures.js';

// The storefront's, the account page's and the staff console's own documents (clients/).
const QUOTE = CheckoutQuoteDocument;
const PLACE = PlaceOrderDocument;
const ACCOUNT = AccountPageDocument;
const PAY = RecordPaymentDocument;
const CANCEL = CancelOrderDocument;

let t: TestGraph;
let cashier: string;

beforeAll(async () => {
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '2000', RETAILCRM_RPS: '200', BONUSPLUS_RPS: '500' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  cashier = await t.staffToken('cashier');
});
afterAll(async () => t?.close());

/** Places an order through the gateway, then lets the outbox take it to RetailCRM (the answer is the placement's own). */
async function place(shopper: Shopper, input: Record<string, unknown>) {
  const placed = await t.gql(PLACE, { input: { idempotencyKey: randomUUID(), ...input } }, shopper.token);
  await t.settle();
  return placed;
}

describe('checkout and the order lifecycle (F3–F6, R5–R9)', () => {
  it('quote → order spending bonuses → discounted in RetailCRM → paid → bonuses written off and earned → account page', async () => {
    const shopper = await registerEnrolled(t, '+79161110001');
    const [a, b] = await availableOffers(t, 2, 2);
    const cart = [
      { offerId: a!.id, quantity: 2 },
      { offerId: b!.id, quantity: 1 },
    ];

    // The quote: prices and stock through the Inventory entity, every bonus figure from BonusPlus.
    const quote = await t.gql(QUOTE, { cart, bonusesToSpend: 300 }, shopper.token);
    expect(quote.errors).toBeUndefined();
    const q = quote.data.checkoutQuote;
    const calc = await t.graph.upstream.bonusPlus.calculate({
      phone: shopper.phone,
      bonusDebit: 300,
      items: [
        { ext: '1', product: a!.id, qnt: 2, priceKopecks: a!.price, sumKopecks: a!.price * 2 },
        { ext: '2', product: b!.id, qnt: 1, priceKopecks: b!.price, sumKopecks: b!.price },
      ],
    });
    expect(q).toMatchObject({
      itemsTotal: a!.price * 2 + b!.price,
      bonusesToSpend: 300,
      bonusesAvailable: 2000,
      maxBonusesToSpend: calc.maxDebitBonuses,
      bonusMultiple: calc.debitMultiple,
      bonusProblem: null,
      bonusesEarned: calc.earnedTotal,
      total: a!.price * 2 + b!.price - 30_000,
      allInStock: true,
      loyaltyAvailable: true,
    });
    expect(q.lines.map((l: any) => [l.bonusesSpent, l.bonusesEarned])).toEqual(calc.lines.map((l) => [l.debited, l.earned]));
    expect(q.lines[0].price).toBe(a!.price);
    expect(q.lines[0].offer.stock.reduce((s: number, l: any) => s + l.available, 0)).toBe(q.lines[0].available);

    // Placing it holds the stock and the bonuses, and RetailCRM gets it discounted per line.
    const placed = await place(shopper, { cart, bonusesToSpend: 300 });
    expect(placed.errors).toBeUndefined();
    const order = placed.data.placeOrder.order;
    // Taken at once; RetailCRM gets it through the outbox (settled by `place`).
    expect(order).toMatchObject({ status: 'PLACED', bonusesSpent: 300, bonusesEarned: calc.earnedTotal, total: q.total, inCrm: false, number: null });
    expect(Date.parse(order.holdExpiresAt)).toBeGreaterThan(Date.now());

    const inCrm = await crmOrder(t, order.id);
    expect(inCrm.externalId).toBe(order.id);
    expect(inCrm.items.map((i: any) => [i.offer.xmlId, i.quantity, i.initialPrice * 100, i.bonusesChargeTotal, i.bonusesCreditTotal])).toEqual(
      order.lines.map((l: any, i: number) => [cart[i]!.offerId, l.quantity, l.price, l.bonusesSpent, l.bonusesEarned]),
    );
    expect(Math.round(inCrm.totalSumm * 100)).toBe(order.total);

    const held = await stockHoldsOf(t, order.id);
    expect(held).toMatchObject({ status: 'ACTIVE' });
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(1700);

    // A cashier takes the payment; the sale is recorded in BonusPlus with its lines.
    const paid = await t.gql(PAY, { input: { orderId: order.id, idempotencyKey: randomUUID(), type: 'bank-card' } }, cashier);
    expect(paid.errors).toBeUndefined();
    expect(paid.data.recordPayment.order).toMatchObject({ status: 'APPROVED', fullyPaid: true, paidTotal: order.total });
    await t.settle();
    const bp = await bonusPlusCustomer(t, shopper.phone);
    expect(bp).toMatchObject({ availableBonuses: 1700 + calc.earnedTotal, debitedBonuses: 300, notActiveBonuses: 0 });

    const late = await t.gql(CANCEL, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, shopper.token);
    expect(late.errors?.[0]?.extensions?.code).toBe('ORDER_NOT_CANCELLABLE');

    const account = await t.gql(ACCOUNT, {}, shopper.token);
    expect(account.errors).toBeUndefined();
    expect(account.data.me.loyalty.balance).toEqual({ active: 1700 + calc.earnedTotal, pending: 0, spent: 300 });
    expect(account.data.me.orders.totalCount).toBe(1);
    const shown = account.data.me.orders.edges[0].node;
    expect(shown).toMatchObject({ id: order.id, number: inCrm.number, status: 'APPROVED', fullyPaid: true, bonusesCredited: true, bonusesSpent: 300, paidTotal: order.total });
    expect(shown.lines).toEqual(order.lines.map((l: any) => expect.objectContaining({ quantity: l.quantity, bonusesSpent: l.bonusesSpent, bonusesEarned: l.bonusesEarned, total: l.total })));
    expect(shown.payments).toEqual([{ type: 'bank-card', status: 'paid', paid: true, amount: order.total }]);

    // The new figures reach the customer's CRM card too (R4).
    const card = await crmApi(t, `customers/${shopper.id}?by=externalId`).then((r) => r.json() as any);
    expect(card.customer.customFields).toMatchObject({ bonus_active: 1700 + calc.earnedTotal, bonus_spent: 300 });
  });

  it('files the order in RetailCRM under the customer the placement found, without asking the customer subgraph again', async () => {
    const shopper = await registerEnrolled(t, '+79161110019', 'Вера');
    const [offer] = await availableOffers(t, 1, 1);
    const placed = await t.gql(PLACE, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer!.id, quantity: 1 }] } }, shopper.token);
    expect(placed.errors).toBeUndefined();
    resetStatementCounts();
    await t.settle();
    // The relay's only way to the customer subgraph's database is a request to it: none was made.
    expect(statementCounts().customer ?? 0).toBe(0);
    const inCrm = await crmOrder(t, placed.data.placeOrder.order.id);
    const card = await crmApi(t, `customers/${shopper.id}?by=externalId`).then((r) => r.json() as any);
    expect(inCrm).toMatchObject({ customer: { id: card.customer.id }, firstName: 'Вера', phone: shopper.phone });
  });

  it('passes over the echo of its own creation in RetailCRM’s history, having recorded what RetailCRM made of it', async () => {
    const shopper = await registerEnrolled(t, '+79161110029', 'Эхо');
    const [offer] = await availableOffers(t, 1, 1);
    const placed = await t.gql(PLACE, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer!.id, quantity: 1 }] } }, shopper.token);
    expect(placed.errors).toBeUndefined();
    const orderReads = () => emulatorRequests(t.graph.urls.retailCrm!, (route) => route === 'GET /api/v5/orders');
    const readsBefore = await orderReads();
    const historyBefore = await emulatorRequests(t.graph.urls.retailCrm!, (route) => route === 'GET /api/v5/orders/history');
    await t.settle();
    // The sync read the history with the creation in it, and did not read the order back.
    expect(await emulatorRequests(t.graph.urls.retailCrm!, (route) => route === 'GET /api/v5/orders/history')).toBeGreaterThan(historyBefore);
    expect(await orderReads()).toBe(readsBefore);
    const inCrm = await crmOrder(t, placed.data.placeOrder.order.id);
    const row = await t.database.db.selectFrom('ordering.orders').select(['crm_id', 'number', 'crm_status', 'total', 'delivery_cost']).where('id', '=', placed.data.placeOrder.order.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ crm_id: inCrm.id, number: inCrm.number, crm_status: inCrm.status, total: Math.round(inCrm.totalSumm * 100), delivery_cost: Math.round((inCrm.totalSumm - inCrm.summ) * 100) });

    // A change anyone else makes to it is read as before.
    const res = await fetch(`${t.graph.urls.retailCrm}/__emulator/orders/${placed.data.placeOrder.order.id}/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'availability-confirmed' }) });
    expect(res.status).toBe(200);
    await t.settle();
    expect(await orderReads()).toBeGreaterThan(readsBefore);
    const order = await t.gql(OrderOneCDocumentsDocument, { id: placed.data.placeOrder.order.id }, await t.staffToken('manager'));
    expect(order.data.order).toMatchObject({ status: 'APPROVED', crmStatus: 'availability-confirmed' });
  });

  it('an order paid online is picked up from RetailCRM’s history and earns its bonuses', async () => {
    const shopper = await registerEnrolled(t, '+79161110002');
    const [a] = await availableOffers(t, 1, 1);
    const placed = await place(shopper, { cart: [{ offerId: a!.id, quantity: 1 }] });
    expect(placed.errors).toBeUndefined();
    const order = placed.data.placeOrder.order;
    expect(order.bonusesEarned).toBeGreaterThan(0);

    const res = await fetch(`${t.graph.urls.retailCrm}/__emulator/orders/${order.id}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    await t.settle();
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(2000 + order.bonusesEarned);
    const account = await t.gql(ACCOUNT, {}, shopper.token);
    expect(account.data.me.orders.edges[0].node).toMatchObject({ id: order.id, fullyPaid: true, bonusesCredited: true, status: 'APPROVED' });
  });

  it('refuses what the program does not allow, holding nothing', async () => {
    const shopper = await registerEnrolled(t, '+79161110003');
    const [a] = await availableOffers(t, 1, 1);
    const cart = [{ offerId: a!.id, quantity: 1 }];
    const quote = await t.gql(QUOTE, { cart, bonusesToSpend: 0 }, shopper.token);
    const max = quote.data.checkoutQuote.maxBonusesToSpend as number;
    expect(max).toBeGreaterThan(10);
    expect(max + 10).toBeLessThan(2000); // the cart's cap binds, not the balance
    const holdsBefore = await t.database.db.selectFrom('inventory.stock_holds').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'ACTIVE').executeTakeFirstOrThrow();

    const cases: [Record<string, unknown>, string][] = [
      [{ cart, bonusesToSpend: 2010 }, 'INSUFFICIENT_BONUSES'],
      [{ cart, bonusesToSpend: max + 10 }, 'BONUS_LIMIT_EXCEEDED'],
      [{ cart, bonusesToSpend: 15 }, 'BONUS_MULTIPLE_MISMATCH'],
      [{ cart: [{ offerId: a!.id, quantity: a!.available + 1 }] }, 'OUT_OF_STOCK'],
      [{ cart: [{ offerId: 'no-such-offer', quantity: 1 }] }, 'BAD_USER_INPUT'],
      [{ cart: [{ offerId: a!.id, quantity: 0 }] }, 'BAD_USER_INPUT'],
      [{ cart: [], bonusesToSpend: 0 }, 'BAD_USER_INPUT'],
      [{ cart, bonusesToSpend: -10 }, 'BAD_USER_INPUT'],
    ];
    for (const [input, code] of cases) {
      const result = await place(shopper, input);
      expect(result.data, JSON.stringify(input)).toBeNull();
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe(code);
    }
    const quoted = await t.gql(QUOTE, { cart, bonusesToSpend: 15 }, shopper.token);
    expect(quoted.data.checkoutQuote.bonusProblem).toBe('BONUS_MULTIPLE_MISMATCH');

    const holdsAfter = await t.database.db.selectFrom('inventory.stock_holds').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'ACTIVE').executeTakeFirstOrThrow();
    expect(Number(holdsAfter.n)).toBe(Number(holdsBefore.n));
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(2000);
    const crmOrders = await crmApi(t, `orders?filter[customerExternalId]=${shopper.id}`).then((r) => r.json() as any);
    expect(crmOrders.orders ?? []).toHaveLength(0);
    const account = await t.gql(ACCOUNT, {}, shopper.token);
    expect(account.data.me.orders.totalCount).toBe(0);
  });

  it('cancelling gives the bonuses and the stock back and cancels the order in RetailCRM', async () => {
    const shopper = await registerEnrolled(t, '+79161110004');
    const [a] = await availableOffers(t, 1, 1);
    const placed = await place(shopper, { cart: [{ offerId: a!.id, quantity: 1 }], bonusesToSpend: 100 });
    expect(placed.errors).toBeUndefined();
    const order = placed.data.placeOrder.order;
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(1900);

    const cancelled = await t.gql(CANCEL, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, shopper.token);
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data.cancelOrder.order.status).toBe('CANCELLED');
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(2000);
    expect(await stockHoldsOf(t, order.id)).toMatchObject({ status: 'RELEASED' });
    await t.settle();
    expect((await crmOrder(t, order.id)).status).toBe('cancel-other');

    const again = await t.gql(CANCEL, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, shopper.token);
    expect(again.data.cancelOrder.order.status).toBe('CANCELLED');
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(2000);
    const stranger = await registerEnrolled(t, '+79161110005');
    const foreign = await t.gql(CANCEL, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, stranger.token);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('holds of an order never confirmed or paid lapse by themselves', async () => {
    const shopper = await registerEnrolled(t, '+79161110006');
    const [a] = await availableOffers(t, 1, 1);
    const placed = await place(shopper, { cart: [{ offerId: a!.id, quantity: 1 }], bonusesToSpend: 100 });
    const order = placed.data.placeOrder.order;
    await t.database.db.updateTable('ordering.orders').set({ hold_expires_at: new Date(Date.now() - 1000) }).where('id', '=', order.id).execute();
    await t.graph.order.expiry.runNow();
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(2000);
    expect(await stockHoldsOf(t, order.id)).toMatchObject({ status: 'RELEASED' });
    await t.settle();
    expect((await crmOrder(t, order.id)).status).toBe('cancel-other');
    const account = await t.gql(ACCOUNT, {}, shopper.token);
    expect(account.data.me.orders.edges[0].node).toMatchObject({ id: order.id, status: 'EXPIRED' });
  });

  it('RetailCRM down: orders are still taken, holds made, and each reaches RetailCRM once, in the order placed, when it is back', async () => {
    const shopper = await registerEnrolled(t, '+79161110007');
    const offers = await availableOffers(t, 3, 1);
    const crmRequests = () => t.graph.emulators!.retailCrm.faults;
    crmRequests().set({ down: true });
    const placed: { id: string; inCrm: boolean; number: string | null; status: string }[] = [];
    try {
      for (const offer of offers) {
        const result = await t.gql(PLACE, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer.id, quantity: 1 }], bonusesToSpend: 100 } }, shopper.token);
        expect(result.errors).toBeUndefined();
        placed.push(result.data.placeOrder.order);
      }
      expect(placed.map((o) => [o.status, o.inCrm, o.number])).toEqual(offers.map(() => ['PLACED', false, null]));
      // The bonuses are held in BonusPlus now (R18): never an order with bonuses that were not held.
      expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(2000 - 100 * offers.length);
      for (const o of placed) expect(await stockHoldsOf(t, o.id)).toMatchObject({ status: 'ACTIVE' });
      await t.graph.order.relay.drain(); // the relay tries and backs off
    } finally {
      await t.healUpstreams();
    }
    // Once it is back: the deliveries that backed off are due again.
    await t.database.db.updateTable('platform.outbox').set({ available_at: new Date() }).where('status', '=', 'pending').execute();
    // The first delivery's reply is lost after RetailCRM applied it: the retry finds it, no duplicate.
    t.graph.emulators!.retailCrm.faults.set({ dropAfterApply: true, dropCount: 1, pathPattern: 'orders/create' });
    await t.settle();
    await t.database.db.updateTable('platform.outbox').set({ available_at: new Date() }).where('status', '=', 'pending').execute();
    await t.settle();
    const crm = await crmApi(t, `orders?filter[customerExternalId]=${shopper.id}&limit=20`).then((r) => r.json() as any);
    expect(crm.orders.map((o: any) => o.externalId).sort()).toEqual(placed.map((o) => o.id).sort());
    // In the order placed: RetailCRM's ids grow with our placement order.
    const byId = [...crm.orders].sort((a: any, b: any) => a.id - b.id).map((o: any) => o.externalId);
    expect(byId).toEqual(placed.map((o) => o.id));
    const account = await t.gql(ACCOUNT, {}, shopper.token);
    expect(account.data.me.orders.edges.every((e: any) => e.node.number)).toBe(true); // RetailCRM's numbers: each reached it
  });

  it('an order cancelled before it reached RetailCRM is never created there', async () => {
    const shopper = await registerEnrolled(t, '+79161110013');
    const [a] = await availableOffers(t, 1, 1);
    const placed = await t.gql(PLACE, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: a!.id, quantity: 1 }] } }, shopper.token);
    const order = placed.data.placeOrder.order;
    const cancelled = await t.gql(CANCEL, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, shopper.token);
    expect(cancelled.data.cancelOrder.order.status).toBe('CANCELLED');
    await t.settle();
    expect(await crmOrder(t, order.id)).toBeUndefined();
    expect(await stockHoldsOf(t, order.id)).toMatchObject({ status: 'RELEASED' });
  });

  it('an order cancelled while RetailCRM creates it is cancelled there; a relay stopped between recording the creation and that does it on its next try', async () => {
    const shopper = await registerEnrolled(t, '+79161110030');
    const [a, b] = await availableOffers(t, 2, 1);
    const creates = () => emulatorRequests(t.graph.urls.retailCrm!, (route) => route === 'POST /api/v5/orders/create');

    // Cancelled while the create is held at RetailCRM.
    const first = (await t.gql(PLACE, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: a!.id, quantity: 1 }] } }, shopper.token)).data.placeOrder.order;
    const before = await creates();
    t.graph.emulators!.retailCrm.faults.set({ latencyMs: 1500, pathPattern: 'orders/create' });
    try {
      const relaying = t.graph.order.relay.drain();
      for (let i = 0; i < 100 && (await creates()) === before; i++) await new Promise((r) => setTimeout(r, 20));
      const cancelled = await t.gql(CANCEL, { input: { orderId: first.id, idempotencyKey: randomUUID() } }, shopper.token);
      expect(cancelled.data.cancelOrder.order.status).toBe('CANCELLED');
      await relaying;
    } finally {
      t.graph.emulators!.retailCrm.faults.clear();
    }
    await t.settle();
    expect(await crmOrder(t, first.id)).toMatchObject({ status: 'cancel-other' });

    // Recorded, then the process stopped: the order was cancelled meanwhile, and the relay's message is still undone.
    const second = (await t.gql(PLACE, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: b!.id, quantity: 1 }] } }, shopper.token)).data.placeOrder.order;
    await t.settle();
    expect(await crmOrder(t, second.id)).toMatchObject({ status: 'new' });
    await t.database.db.updateTable('ordering.orders').set({ state: 'CANCELLED' }).where('id', '=', second.id).execute();
    await t.database.db.updateTable('platform.outbox').set({ status: 'pending', available_at: new Date(), processed_at: null }).where('dedupe_key', '=', `order.create-in-crm:${second.id}`).execute();
    await t.settle();
    expect(await crmOrder(t, second.id)).toMatchObject({ status: 'cancel-other' });
    expect(await creates()).toBe(before + 2);

    // Cancelled in RetailCRM by a manager, with their reason: a late repeat of the creation leaves it.
    const [c] = await availableOffers(t, 1, 1);
    const third = (await t.gql(PLACE, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: c!.id, quantity: 1 }] } }, shopper.token)).data.placeOrder.order;
    await t.settle();
    const res = await fetch(`${t.graph.urls.retailCrm}/__emulator/orders/${third.id}/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'no-product' }) });
    expect(res.status).toBe(200);
    await t.settle();
    expect((await t.database.db.selectFrom('ordering.orders').select('state').where('id', '=', third.id).executeTakeFirstOrThrow()).state).toBe('CANCELLED');
    await t.database.db.updateTable('platform.outbox').set({ status: 'pending', available_at: new Date(), processed_at: null }).where('dedupe_key', '=', `order.create-in-crm:${third.id}`).execute();
    await t.settle();
    expect(await crmOrder(t, third.id)).toMatchObject({ status: 'no-product' });
  });

  it('BonusPlus down: orders without bonuses go through, orders spending bonuses fail closed', async () => {
    const shopper = await registerEnrolled(t, '+79161110008');
    const [a] = await availableOffers(t, 1, 1);
    t.graph.emulators!.bonusPlus.faults.set({ down: true });
    try {
      const spending = await place(shopper, { cart: [{ offerId: a!.id, quantity: 1 }], bonusesToSpend: 100 });
      expect(spending.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      const plain = await place(shopper, { cart: [{ offerId: a!.id, quantity: 1 }] });
      expect(plain.errors).toBeUndefined();
      expect(plain.data.placeOrder.order).toMatchObject({ status: 'PLACED', bonusesSpent: 0 });
      const quote = await t.gql(QUOTE, { cart: [{ offerId: a!.id, quantity: 1 }] }, shopper.token);
      expect(quote.data.checkoutQuote).toMatchObject({ loyaltyAvailable: false, maxBonusesToSpend: 0 });
    } finally {
      await t.healUpstreams();
    }
    const states = await t.database.db.selectFrom('ordering.orders').select(['state', 'stock_hold_id']).where('customer_id', '=', shopper.id).orderBy('created_at').execute();
    expect(states.map((s) => s.state)).toEqual(['PLACED']); // the bonus order failed before anything was recorded
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(2000);
  });

  it('anonymous callers get prices and stock but cannot order; staff need a customer', async () => {
    const [a] = await availableOffers(t, 1, 1);
    const quote = await t.gql(CartDocument, { cart: [{ offerId: a!.id, quantity: 1 }] });
    expect(quote.errors).toBeUndefined();
    expect(quote.data.checkoutQuote.lines[0].offer).toMatchObject({ price: a!.price, inStock: true });
    expect(quote.data.checkoutQuote).toMatchObject({ itemsTotal: a!.price, loyaltyAvailable: false, bonusesEarned: 0 });
    // The checkout page's quote, with stock by warehouse, is for a signed-in customer.
    const anonymous = await t.gql(QUOTE, { cart: [{ offerId: a!.id, quantity: 1 }] });
    expect(anonymous.errors?.find((e) => e.path?.includes('stock'))?.extensions?.code).toBe('UNAUTHENTICATED');
    const order = await t.gql(PLACE, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: a!.id, quantity: 1 }] } });
    expect(order.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const staff = await t.gql(PLACE, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: a!.id, quantity: 1 }] } }, await t.staffToken('manager'));
    expect(staff.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const customer = await registerEnrolled(t, '+79161110009');
    const notCashier = await t.gql(PAY, { input: { orderId: 'x', idempotencyKey: randomUUID() } }, customer.token);
    expect(notCashier.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a paid order goes to 1C; shipped and delivered come back to RetailCRM and the graph (R15, F8)', async () => {
    const shopper = await registerEnrolled(t, '+79161110010');
    const [a] = await availableOffers(t, 1, 1);
    const order = (await place(shopper, { cart: [{ offerId: a!.id, quantity: 1 }] })).data.placeOrder.order;
    await t.gql(PAY, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, cashier);
    await t.settle();

    const sent = await t.database.db.selectFrom('ordering.onec_orders').selectAll().where('order_id', '=', order.id).execute();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ external_number: order.id, posted: true });
    const inOneC = await t.graph.upstream.oneC.findOrderByExternalNumber(order.id);
    expect(inOneC).toMatchObject({ posted: true, totalKopecks: order.total });
    expect(inOneC!.lines.map((l) => [l.characteristicRef, l.quantity])).toEqual([[a!.id, 1]]);
    expect(await stockHoldsOf(t, order.id)).toMatchObject({ status: 'COMMITTED' });

    const status = async () => (await t.gql(OrderDetailsDocument, { id: order.id }, shopper.token)).data.order.status;
    await t.graph.emulators!.oneC.shipOrder(sent[0]!.ref!);
    await t.graph.order.oneCPoll.runNow();
    await t.settle();
    expect(await status()).toBe('SHIPPED');
    expect((await crmOrder(t, order.id)).status).toBe('send-to-delivery');

    await t.graph.emulators!.oneC.markDelivered(sent[0]!.ref!);
    await t.graph.order.oneCPoll.runNow();
    await t.settle();
    expect(await status()).toBe('DELIVERED');
    expect((await crmOrder(t, order.id)).status).toBe('complete');
    const staff = await t.staffToken('manager');
    const rate = await t.gql(CustomerCardDocument, { id: shopper.id }, staff);
    expect(rate.data.customer.buyoutRate).toEqual({ boughtOut: 1, refused: 0, inProgress: 0, rate: 1 });
  });

  it('an order a manager confirms in RetailCRM goes to 1C, and cancelling it closes it there too', async () => {
    const shopper = await registerEnrolled(t, '+79161110011');
    const [a] = await availableOffers(t, 1, 1);
    const order = (await place(shopper, { cart: [{ offerId: a!.id, quantity: 1 }], bonusesToSpend: 100 })).data.placeOrder.order;
    const res = await fetch(`${t.graph.urls.retailCrm}/__emulator/orders/${order.id}/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'availability-confirmed' }) });
    expect(res.status).toBe(200);
    await t.settle();
    const approved = await t.gql(OrderOneCDocumentsDocument, { id: order.id }, await t.staffToken('manager'));
    expect(approved.data.order).toMatchObject({ status: 'APPROVED', crmStatus: 'availability-confirmed', holdExpiresAt: null });
    expect(await t.graph.upstream.oneC.findOrderByExternalNumber(order.id)).toMatchObject({ posted: true });

    const cancelled = await t.gql(CANCEL, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, await t.staffToken('manager'));
    expect(cancelled.data.cancelOrder.order.status).toBe('CANCELLED');
    await t.settle();
    expect(await t.graph.upstream.oneC.findOrderByExternalNumber(order.id)).toMatchObject({ status: 'Закрыт' });
    expect((await crmOrder(t, order.id)).status).toBe('cancel-other');
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(2000);
  });
  it('a document 1C refused to post is shown to staff and posted again by a manager once the stock in 1C is fixed', async () => {
    const shopper = await registerEnrolled(t, '+79161110012');
    const [a] = await availableOffers(t, 1, 1);
    const order = (await place(shopper, { cart: [{ offerId: a!.id, quantity: 1 }] })).data.placeOrder.order;
    const { stock_hold_lines } = await t.database.db.selectFrom('ordering.orders').select('stock_hold_lines').where('id', '=', order.id).executeTakeFirstOrThrow();
    const [held] = stock_hold_lines!;
    const { product_id } = await t.database.db.selectFrom('inventory.offers').select('product_id').where('id', '=', a!.id).executeTakeFirstOrThrow();
    const cell = { productRef: product_id, characteristicRef: a!.id, warehouseRef: held!.warehouseId };
    // 1C's stock of the offer went to nothing before a manager confirmed the order.
    await t.graph.emulators!.oneC.setStock({ ...cell, inHand: 0, reserved: 0 });
    const confirmed = await fetch(`${t.graph.urls.retailCrm}/__emulator/orders/${order.id}/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'availability-confirmed' }) });
    expect(confirmed.status).toBe(200);
    await t.settle();

    const manager = await t.staffToken('manager');
    const DOCUMENTS = OrderOneCDocumentsDocument;
    const refused = await t.gql(DOCUMENTS, { id: order.id }, manager);
    expect(refused.data.order).toMatchObject({ status: 'APPROVED', oneCOrders: [{ number: order.id, posted: false, postingRefused: true, state: null, warehouse: { id: held!.warehouseId, name: expect.any(String) } }] });
    expect(await stockHoldsOf(t, order.id)).toMatchObject({ status: 'ACTIVE' });
    const asCustomer = await t.gql(DOCUMENTS, { id: order.id }, shopper.token);
    expect(asCustomer.errors?.find((e) => e.path?.includes('oneCOrders'))?.extensions?.code).toBe('FORBIDDEN');
    expect(asCustomer.data.order.oneCOrders).toBeNull();

    const retry = (token: string, orderId = order.id) => t.gql(RetryOneCPostingDocument, { input: { orderId } }, token);
    expect((await retry(shopper.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await retry(cashier)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // Sent again before anyone fixed the stock: refused again, still marked, the hold still waiting.
    expect((await retry(manager)).data.retryOneCPosting.order.oneCOrders).toMatchObject([{ posted: false, postingRefused: true }]);
    // 1C unreachable: a typed error, the mark kept.
    await t.graph.emulators!.oneC.setStock({ ...cell, inHand: 5, reserved: 0 });
    t.graph.emulators!.oneC.faults.set({ down: true });
    expect((await retry(manager)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    await t.healUpstreams();
    expect((await t.gql(DOCUMENTS, { id: order.id }, manager)).data.order.oneCOrders[0]).toMatchObject({ posted: false, postingRefused: true });

    // The stock is there now: posted, the hold committed, one document in 1C.
    expect((await retry(manager)).data.retryOneCPosting.order).toMatchObject({ id: order.id, oneCOrders: [{ posted: true, postingRefused: false }] });
    expect(await t.graph.upstream.oneC.findOrderByExternalNumber(order.id)).toMatchObject({ posted: true });
    expect(await stockHoldsOf(t, order.id)).toMatchObject({ status: 'COMMITTED' });
    expect(await t.database.db.selectFrom('ordering.onec_orders').select('external_number').where('order_id', '=', order.id).execute()).toHaveLength(1);

    // Nothing left to retry; an order that does not exist.
    expect((await retry(manager)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await retry(manager, randomUUID())).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
