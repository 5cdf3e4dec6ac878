import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderDocument } from '../../clients/__generated__/graphql.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, bonusPlusCustomer, crmApi, registerEnrolled } from '../support/order-fixtures.js';

let t: TestGraph;

beforeAll(async () => {
  // The emulated accounts allow what a real one would let a burst through; the point here is the race.
  // A burst of 200 on a shared two-core machine: generous timeouts, so the race is what decides.
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '5000', RETAILCRM_RPS: '1000', BONUSPLUS_RPS: '2000', UPSTREAM_TIMEOUT_MS: '15000', GATEWAY_SUBGRAPH_TIMEOUT_MS: '60000', GATEWAY_REQUEST_DEADLINE_MS: '120000' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
});
afterAll(async () => t?.close());

/** An offer priced high enough that 100 bonuses are within the program's cap, with `units` more in the online warehouse's read model. */
async function plentifulOffer(units: number): Promise<string> {
  const offers = await availableOffers(t, 40, 1);
  const offer = offers.reverse().find((o) => o.price >= 200_000)!;
  const cell = await t.database.db.selectFrom('inventory.stock').select(['warehouse_id']).where('offer_id', '=', offer.id).orderBy('warehouse_id').executeTakeFirstOrThrow();
  await t.database.db
    .updateTable('inventory.stock')
    .set((eb) => ({ in_hand: eb('in_hand', '+', units) }))
    .where('offer_id', '=', offer.id)
    .where('warehouse_id', '=', cell.warehouse_id)
    .execute();
  return offer.id;
}

describe('placeOrder under concurrency (R5, R7, R18)', () => {
  it('200 concurrent orders of 100 bonuses from 5,000: exactly 50 go through, the balance ends at 0', async () => {
    const shopper = await registerEnrolled(t, '+79162220001');
    const offerId = await plentifulOffer(500);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId, quantity: 1 }], bonusesToSpend: 100 } }, shopper.token)),
    );
    expect(results.every((r) => r.status < 500)).toBe(true);
    const placed = results.filter((r) => !r.errors);
    const refused = results.filter((r) => r.errors?.[0]?.extensions?.code === 'INSUFFICIENT_BONUSES');
    expect(placed).toHaveLength(50);
    expect(refused).toHaveLength(150);

    const bp = await bonusPlusCustomer(t, shopper.phone);
    expect(bp.availableBonuses).toBe(0);
    const orders = await t.database.db.selectFrom('ordering.orders').select(['id', 'state', 'bonus_hold', 'bonuses_spent', 'stock_hold_id']).where('customer_id', '=', shopper.id).execute();
    expect(orders.filter((o) => o.state === 'PLACED')).toHaveLength(50);
    // Most refusals come from the calculation, before anything is recorded; the rest lost the race at the reserve.
    expect(orders.every((o) => o.state === 'PLACED' || o.state === 'FAILED')).toBe(true);
    expect(orders.filter((o) => o.state === 'PLACED').every((o) => o.bonus_hold === 'HELD' && o.bonuses_spent === 100)).toBe(true);

    // No hold outlives a failed order; every placed order keeps exactly one.
    const active = await t.database.db
      .selectFrom('inventory.stock_holds as h')
      .innerJoin('ordering.orders as o', (join) => join.on(sql<boolean>`o.stock_hold_id = h.id::text`))
      .select(['o.state', 'h.status'])
      .where('o.customer_id', '=', shopper.id)
      .execute();
    expect(active).toHaveLength(orders.filter((o) => o.stock_hold_id !== null).length);
    expect(active.filter((h) => h.state === 'FAILED').every((h) => h.status === 'RELEASED')).toBe(true);
    // Nor was any hold made under a failed order's key that the order does not know of.
    const byKey = await t.database.db.selectFrom('inventory.stock_holds').select(['status']).where('idempotency_key', 'in', orders.map((o) => o.id)).execute();
    expect(byKey.filter((h) => h.status === 'ACTIVE')).toHaveLength(50);
    expect(active.filter((h) => h.status === 'ACTIVE')).toHaveLength(50);
    expect(active.filter((h) => h.status === 'ACTIVE').every((h) => h.state === 'PLACED')).toBe(true);

    await t.settle(); // the outbox takes the placed orders to RetailCRM
    const crm = await crmApi(t, `orders?filter[customerExternalId]=${shopper.id}&limit=100`).then((r) => r.json() as any);
    expect(crm.pagination.totalCount).toBe(50);
    expect(crm.orders.every((o: any) => o.bonusesChargeTotal === 100)).toBe(true);
  }, 120_000);

  it('the same key sent 20 times at once gives one order and one hold; the key with another cart is refused', async () => {
    const shopper = await registerEnrolled(t, '+79162220002');
    const [a, b] = await availableOffers(t, 2, 2);
    const key = randomUUID();
    const input = { idempotencyKey: key, cart: [{ offerId: a!.id, quantity: 1 }], bonusesToSpend: 100 };
    const results = await Promise.all(Array.from({ length: 20 }, () => t.gql(PlaceOrderDocument, { input }, shopper.token)));
    expect(results.map((r) => r.errors)).toEqual(Array(20).fill(undefined));
    const ids = new Set(results.map((r) => r.data.placeOrder.order.id));
    expect(ids.size).toBe(1);
    const [orderId] = [...ids];

    const rows = await t.database.db.selectFrom('ordering.orders').select(['id', 'state']).where('customer_id', '=', shopper.id).execute();
    expect(rows).toEqual([{ id: orderId, state: 'PLACED' }]);
    const holds = await t.database.db.selectFrom('inventory.stock_holds').select(['status']).where('idempotency_key', '=', orderId!).execute();
    expect(holds).toEqual([{ status: 'ACTIVE' }]);
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(4900);
    await t.settle();
    const crm = await crmApi(t, `orders?filter[customerExternalId]=${shopper.id}`).then((r) => r.json() as any);
    expect(crm.pagination.totalCount).toBe(1);

    const other = await t.gql(PlaceOrderDocument, { input: { ...input, cart: [{ offerId: b!.id, quantity: 1 }] } }, shopper.token);
    expect(other.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await t.database.db.selectFrom('ordering.orders').select('id').where('customer_id', '=', shopper.id).execute()).toHaveLength(1);
  }, 60_000);
});
