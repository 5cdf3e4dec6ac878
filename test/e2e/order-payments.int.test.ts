import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelOrderDocument, CustomerCardDocument, OrderLinesDocument, PlaceOrderDocument, RecordPaymentDocument, ReturnOrderLinesDocument } from '../../clients/__generated__/graphql.js';
import { registerSale, SaleOfCustomerInFlight } from '../../subgraphs/order/payment/payment.service.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { emulatorRequests } from '../support/graph-process.js';
import { availableOffers, crmApi, crmPayments, registerEnrolled, type Shopper } from '../support/order-fixtures.js';

// The storefront's, the cashier's and the account page's own documents (clients/).
const PLACE = PlaceOrderDocument;
const PAY = RecordPaymentDocument;
const CANCEL = CancelOrderDocument;
// The staff console's order view, return and customer card, as the cashier's and manager's screens send them.
const ORDER = OrderLinesDocument;
const RETURN = ReturnOrderLinesDocument;
const BUYOUT = CustomerCardDocument;

let t: TestGraph;
let cashier: string;
let manager: string;
let phoneSeq = 0;

beforeAll(async () => {
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '2000' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  cashier = await t.staffToken('cashier');
  manager = await t.staffToken('manager');
});
afterAll(async () => t?.close());

const shopper = () => registerEnrolled(t, `+7916555${String(++phoneSeq).padStart(4, '0')}`);

async function placed(who: Shopper, lines = 1): Promise<{ id: string; total: number }> {
  const offers = await availableOffers(t, lines, 2);
  const result = await t.gql(PLACE, { input: { idempotencyKey: randomUUID(), cart: offers.map((o) => ({ offerId: o.id, quantity: 2 })) } }, who.token);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.placeOrder.order;
}


const codes = (results: { errors?: { extensions?: { code?: string } }[] }[]) => results.map((r) => r.errors?.[0]?.extensions?.code ?? 'OK').sort();

describe('payments of one order are serialized (R8): the CRM never holds more than the total', () => {
  it('three cashiers paying "the rest" at once: one payment of the total, two refusals, in RetailCRM and in the graph', async () => {
    const order = await placed(await shopper());
    const results = await Promise.all([0, 1, 2].map(() => t.gql(PAY, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, cashier)));
    console.log(`concurrent full payments: ${codes(results).join(', ')}`);
    expect(codes(results)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'OK']);
    const crm = await crmPayments(t, order.id);
    expect(crm).toEqual({ total: order.total, paid: order.total, count: 1 });
    const read = (await t.gql(ORDER, { id: order.id }, cashier)).data.order;
    expect(read.paidTotal).toBe(order.total);
  });

  it('three payments of 60 % at once: one goes through, the others are refused as more than is owed', async () => {
    const order = await placed(await shopper());
    const part = Math.floor(order.total * 0.6);
    const results = await Promise.all([0, 1, 2].map(() => t.gql(PAY, { input: { orderId: order.id, idempotencyKey: randomUUID(), amount: part } }, cashier)));
    expect(codes(results)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'OK']);
    expect(results.find((r) => !r.errors)!.data.recordPayment.order.paidTotal).toBe(part);
    expect(await crmPayments(t, order.id)).toEqual({ total: order.total, paid: part, count: 1 });
  });

  it('a payment made in RetailCRM meanwhile counts: the cashier can take only what is left', async () => {
    const order = await placed(await shopper());
    await t.settle(); // RetailCRM has the order
    const inCrm = Math.floor(order.total / 2);
    // A manager takes half in RetailCRM itself; the graph has not read the history yet.
    const body = new URLSearchParams({ payment: JSON.stringify({ order: { externalId: order.id }, type: 'bank-card', status: 'paid', amount: inCrm / 100 }) });
    const made = await crmApi(t, 'orders/payments/create', { method: 'POST', body });
    expect(((await made.json()) as { success: boolean }).success).toBe(true);
    const refused = await t.gql(PAY, { input: { orderId: order.id, idempotencyKey: randomUUID(), amount: order.total - inCrm + 1 } }, cashier);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', remaining: order.total - inCrm });
    const rest = await t.gql(PAY, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, cashier);
    expect(rest.errors).toBeUndefined();
    expect(rest.data.recordPayment.order).toMatchObject({ fullyPaid: true, paidTotal: order.total });
    expect(await crmPayments(t, order.id)).toEqual({ total: order.total, paid: order.total, count: 2 });
  });

  it('one sale of a customer at a time: a second order’s sale waits while the first is at BonusPlus, then goes', async () => {
    const who = await shopper();
    const [first, second] = [await placed(who), await placed(who)];
    await t.settle(); // both in RetailCRM
    for (const order of [first, second]) expect((await t.gql(PAY, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, cashier)).errors).toBeUndefined();
    // The sales are queued, not sent (no relay runs until the test settles); the first is sent now, held at BonusPlus.
    const bonusPlus = t.graph.emulators!.bonusPlus;
    const calls = () => emulatorRequests(t.graph.urls.bonusPlus!, (route) => route.includes('/retail/'));
    bonusPlus.faults.set({ latencyMs: 1500, pathPattern: '/retail/' });
    const firstSale = registerSale(t.graph.order.deps, first.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = await calls();
    // The second cannot fix its figures by a calculation the first sale's tier change would make stale.
    await expect(registerSale(t.graph.order.deps, second.id)).rejects.toBeInstanceOf(SaleOfCustomerInFlight);
    expect(await calls()).toBe(before);
    await firstSale;
    bonusPlus.faults.clear();
    await registerSale(t.graph.order.deps, second.id);
    const sold = await t.database.db.selectFrom('ordering.orders').select(['id', 'sale_registered_at']).where('id', 'in', [first.id, second.id]).execute();
    expect(sold.every((o) => o.sale_registered_at !== null)).toBe(true);
    expect(await t.database.db.selectFrom('ordering.sale_claims').selectAll().where('phone', '=', who.phone).execute()).toEqual([]);
  });

  it('a cancel racing a payment: never both (no money kept on a cancelled order)', async () => {
    for (let round = 0; round < 4; round++) {
      const who = await shopper();
      const order = await placed(who);
      await t.settle(); // RetailCRM has the order
      const [paid, cancelled] = await Promise.all([
        t.gql(PAY, { input: { orderId: order.id, idempotencyKey: randomUUID(), amount: Math.floor(order.total / 2) } }, cashier),
        t.gql(CANCEL, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, manager),
      ]);
      const outcome = `${paid.errors ? paid.errors[0]!.extensions?.code : 'paid'} / ${cancelled.errors ? cancelled.errors[0]!.extensions?.code : 'cancelled'}`;
      console.log(`payment vs cancel, round ${round + 1}: ${outcome}`);
      expect(paid.errors === undefined && cancelled.errors === undefined, outcome).toBe(false);
      const crm = await crmPayments(t, order.id);
      const read = (await t.gql(ORDER, { id: order.id }, manager)).data.order;
      if (read.status === 'CANCELLED') expect(crm.paid).toBe(0);
      else expect(crm.paid).toBe(Math.floor(order.total / 2));
    }
  });
});

describe('returned orders stay returned (the order state machine)', () => {
  async function paidOrder(who: Shopper, lines: number) {
    const order = await placed(who, lines);
    const pay = await t.gql(PAY, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, cashier);
    if (pay.errors) throw new Error(JSON.stringify(pay.errors));
    await t.settle();
    return (await t.gql(ORDER, { id: order.id }, cashier)).data.order as { id: string; status: string; lines: { id: string; quantity: number }[] };
  }

  /** A manager moves the order on in RetailCRM (what the history then brings back to the graph). */
  async function crmStatus(orderId: string, status: string) {
    // The emulator's control route: a manager's change, not a call that RetailCRM's limit counts.
    const res = await fetch(`${t.graph.urls.retailCrm}/__emulator/orders/${orderId}/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status }) });
    expect(res.status).toBe(200);
  }

  it('a full return is RETURNED and stays so through the CRM history that follows; the buyout rate counts it refused', async () => {
    const who = await shopper();
    const order = await paidOrder(who, 2);
    expect(order.status).toBe('APPROVED');
    const made = await t.gql(RETURN, { input: { orderId: order.id, idempotencyKey: randomUUID(), lines: order.lines.map((l) => ({ lineId: l.id, quantity: l.quantity })) } }, cashier);
    expect(made.errors).toBeUndefined();
    expect(made.data.returnOrderLines.order.status).toBe('RETURNED');
    await t.settle(); // the return's own edit of the CRM lines comes back as history
    await crmStatus(order.id, 'complete');
    await t.settle();
    expect((await t.gql(ORDER, { id: order.id }, cashier)).data.order.status).toBe('RETURNED');
    const rate = (await t.gql(BUYOUT, { id: who.id }, manager)).data.customer.buyoutRate;
    expect(rate).toMatchObject({ boughtOut: 0, refused: 1, inProgress: 0 });
    expect(rate.rate).toBe(0);
  });

  it('a line id read before the order reached RetailCRM still names the line after it did', async () => {
    const who = await shopper();
    const offers = await availableOffers(t, 1, 2);
    const placedNow = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offers[0]!.id, quantity: 2 }] } }, who.token);
    const early = placedNow.data.placeOrder.order;
    expect(early.inCrm).toBe(false);
    const paid = await t.gql(PAY, { input: { orderId: early.id, idempotencyKey: randomUUID() } }, cashier);
    expect(paid.errors).toBeUndefined();
    await t.settle();
    const later = (await t.gql(ORDER, { id: early.id }, cashier)).data.order;
    expect(later.lines[0].id).not.toBe(early.lines[0].id); // RetailCRM's item id now
    const made = await t.gql(RETURN, { input: { orderId: early.id, idempotencyKey: randomUUID(), lines: [{ lineId: early.lines[0].id, quantity: 1 }] } }, cashier);
    expect(made.errors).toBeUndefined();
    expect(made.data.returnOrderLines.order.status).toBe('PARTIALLY_RETURNED');
  });

  it('a partial return is PARTIALLY_RETURNED through the history, and RETURNED once the rest is back', async () => {
    const who = await shopper();
    const order = await paidOrder(who, 2);
    const [first, second] = order.lines;
    const one = await t.gql(RETURN, { input: { orderId: order.id, idempotencyKey: randomUUID(), lines: [{ lineId: first!.id, quantity: 1 }] } }, cashier);
    expect(one.data.returnOrderLines.order.status).toBe('PARTIALLY_RETURNED');
    await t.settle();
    await crmStatus(order.id, 'send-to-delivery');
    await t.settle();
    expect((await t.gql(ORDER, { id: order.id }, cashier)).data.order.status).toBe('PARTIALLY_RETURNED');
    const rest = await t.gql(RETURN, { input: { orderId: order.id, idempotencyKey: randomUUID(), lines: [{ lineId: first!.id, quantity: first!.quantity - 1 }, { lineId: second!.id, quantity: second!.quantity }] } }, cashier);
    expect(rest.errors).toBeUndefined();
    expect(rest.data.returnOrderLines.order.status).toBe('RETURNED');
    await t.settle();
    expect((await t.gql(ORDER, { id: order.id }, cashier)).data.order.status).toBe('RETURNED');
  });
});
