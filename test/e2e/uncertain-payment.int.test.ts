import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderDocument, RecordPaymentDocument } from '../../clients/__generated__/graphql.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, crmPayments, registerEnrolled } from '../support/order-fixtures.js';

// A payment whose request RetailCRM holds past the connector's timeout: the cashier gets
// UPSTREAM_UNAVAILABLE and the order stays claimed as uncertain. The order's expiry then reads the
// order from RetailCRM before the held payment lands there. Applying that read used to free the
// order, and a second cashier's payment of the whole total went through before the first one
// landed: the order paid twice (the money soak, seed 1, in CI).
const HELD_MS = 4_000;
let t: TestGraph;

beforeAll(async () => {
  t = await startTestGraph({ UPSTREAM_TIMEOUT_MS: '600' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
}, 120_000);
afterAll(async () => t?.close());

describe('a payment whose reply was lost while RetailCRM still holds it', () => {
  it('keeps the order from a second payment until RetailCRM shows it paid, and the order is paid once', async () => {
    const shopper = await registerEnrolled(t, '+79163360001');
    const [offer] = await availableOffers(t, 1, 1);
    const placed = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer!.id, quantity: 1 }] } }, shopper.token);
    expect(placed.errors).toBeUndefined();
    const order = placed.data.placeOrder.order as { id: string; total: number };
    await t.settle();
    const cashier = await t.staffToken('cashier');
    const pay = () => t.gql(RecordPaymentDocument, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, cashier);

    // The first payment is held at RetailCRM for 4 s; the connector gives up after 0.6 s.
    t.graph.emulators!.retailCrm.faults.set({ latencyMs: HELD_MS, pathPattern: 'orders/payments/create' });
    const sentAt = Date.now();
    const first = await pay();
    t.graph.emulators!.retailCrm.faults.clear();
    expect(first.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(await crmPayments(t, order.id)).toEqual({ total: order.total, paid: 0, count: 0 });

    // The order's hold runs out now: the expiry asks RetailCRM about the uncertain payment while it
    // is still on its way there, and finds nothing paid yet.
    await t.database.db.updateTable('ordering.orders').set({ hold_expires_at: new Date(Date.now() - 1000) }).where('id', '=', order.id).execute();
    await t.graph.order.expiry.runNow();
    expect((await t.database.db.selectFrom('ordering.orders').select('state').where('id', '=', order.id).executeTakeFirstOrThrow()).state).toBe('PLACED');
    const second = pay();
    // The held payment lands; the next sync sees the order paid in full.
    await new Promise((r) => setTimeout(r, Math.max(0, sentAt + HELD_MS + 500 - Date.now())));
    expect(await crmPayments(t, order.id)).toEqual({ total: order.total, paid: order.total, count: 1 });
    await t.graph.order.sync.runNow();

    const answer = await second;
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT'); // already paid
    expect(await crmPayments(t, order.id)).toEqual({ total: order.total, paid: order.total, count: 1 });
    const row = await t.database.db.selectFrom('ordering.orders').select(['state', 'paid_total']).where('id', '=', order.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'APPROVED', paid_total: order.total });
  }, 60_000);
});
