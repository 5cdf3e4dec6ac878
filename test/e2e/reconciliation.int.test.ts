import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, registerEnrolled, type Shopper } from '../support/order-fixtures.js';

const RECONCILE = /* GraphQL */ `
  query {
    reconciliation {
      id
      orders { checked differences { subject field values { system value } } }
      customers { checked differences { subject field values { system value } } }
    }
  }
`;

let t: TestGraph;
let cashier: string;
let manager: string;

beforeAll(async () => {
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '3000' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  cashier = await t.staffToken('cashier');
  manager = await t.staffToken('manager');
});
afterAll(async () => t?.close());

async function place(shopper: Shopper, offerId: string, quantity: number, bonusesToSpend = 0): Promise<{ id: string; lines: { id: string }[] }> {
  const result = await t.gql(
    `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id lines { id } } } }`,
    { input: { idempotencyKey: randomUUID(), cart: [{ offerId, quantity }], bonusesToSpend } },
    shopper.token,
  );
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.placeOrder.order;
}

const pay = (orderId: string) => t.gql(`mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { order { id } } }`, { input: { orderId, idempotencyKey: randomUUID() } }, cashier);
const cancel = (orderId: string) => t.gql(`mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { order { id } } }`, { input: { orderId, idempotencyKey: randomUUID() } }, manager);

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
      `mutation($input: ReturnOrderLinesInput!) { returnOrderLines(input: $input) { return { status } } }`,
      { input: { orderId: returned.id, idempotencyKey: randomUUID(), lines: [{ lineId: returned.lines[0]!.id, quantity: 1 }] } },
      cashier,
    );
    expect(ret.data.returnOrderLines.return.status).toBe('COMPLETED');
    await t.settle();

    const admin = await t.staffToken('admin');
    const clean = await t.gql(RECONCILE, {}, admin);
    expect(clean.errors).toBeUndefined();
    expect(clean.data.reconciliation.orders.checked).toBe(5);
    expect(clean.data.reconciliation.orders.differences).toEqual([]);
    expect(clean.data.reconciliation.customers.checked).toBeGreaterThanOrEqual(2);
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
    const bobBefore = (await t.gql(`query($id: ID!) { customer(id: $id) { loyalty { balance { active } } } }`, { id: bob.id }, manager)).data.customer.loyalty.balance.active;

    const drifted = await t.gql(RECONCILE, {}, admin);
    expect(drifted.data.reconciliation.customers.differences).toEqual([
      { subject: bob.id, field: 'active bonuses', values: [{ system: 'BonusPlus', value: String(bobBefore - 7) }, { system: 'RetailCRM', value: String(bobBefore) }, { system: 'graph', value: String(bobBefore) }] },
    ]);
    expect(drifted.data.reconciliation.orders.differences).toEqual([
      { subject: approved.id, field: `1C order ${sent!.external_number}`, values: [{ system: 'graph', value: 'APPROVED, posted' }, { system: '1C', value: expect.any(String) }] },
    ]);
  });

  it('is for admins only', async () => {
    for (const token of [manager, cashier, await t.customerToken(randomUUID())]) {
      const result = await t.gql(RECONCILE, {}, token);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await t.gql(RECONCILE, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
