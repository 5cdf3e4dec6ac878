import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { AccountPageDocument, CustomerCardDocument, PlaceOrderDocument } from '../../clients/__generated__/graphql.js';
import { demoExternalId } from '../../emulators/seed/demo-ids.js';
import { demoOrdersOf } from '../../emulators/seed/demo-orders.js';
import { insertOrder } from '../../subgraphs/order/order.repository.js';
import { placeOrder } from '../../subgraphs/order/placement/place-order.service.js';
import { recoverPlacements } from '../../subgraphs/order/placement/order-expiry.service.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, bonusPlusCustomer, crmOrder, registerEnrolled, stockHoldsOf, type Shopper } from '../support/order-fixtures.js';

// The account page's own document (clients/account/account-page.graphql), as the page sends it.
const ACCOUNT = AccountPageDocument;

let t: TestGraph;

beforeAll(async () => {
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '1000' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
});
afterAll(async () => t?.close());

/** Writes `count` paid three-line orders of real offers straight into the read model, as the history sync would. */
async function giveOrders(shopper: Shopper, count: number): Promise<void> {
  const offers = await availableOffers(t, 3, 0);
  for (let n = 0; n < count; n++) {
    const id = randomUUID();
    const lines = offers.map((o, i) => ({ order_id: id, line_no: i + 1, crm_item_id: null, offer_id: o.id, product_id: null, product_name: `Товар ${i + 1}`, quantity: 1, price: o.price, discount: 0, bonuses_spent: 0, bonuses_earned: 10, total: o.price }));
    const total = lines.reduce((s, l) => s + l.total, 0);
    await insertOrder(
      t.database.db,
      { id, origin: 'crm', customer_id: shopper.id, phone: shopper.phone, crm_id: null, number: `${n + 1}A`, idempotency_key: null, request_hash: null, state: 'DELIVERED', crm_status: 'complete', crm_status_group: 'complete', items_total: total, total, paid_total: total, fully_paid_at: new Date(), sale_registered_at: new Date(), stock_hold_id: null, stock_hold_lines: null, hold_expires_at: null, delivery_address: null, comment: null, failure: null, crm_created_at: null, created_at: new Date(Date.now() - n * 60_000) },
      lines,
    );
    await t.database.db.insertInto('ordering.payments').values({ order_id: id, crm_id: n + 1, external_id: null, type: 'bank-card', status: 'paid', paid: true, amount: total, paid_at: new Date() }).execute();
  }
}

function upstreamCalls(): number {
  return Object.values(t.graph.upstream).reduce((sum, client) => sum + client.upstream.requestCount, 0);
}

/** SQL statements and upstream requests of one account-page view, after a warm-up view. */
async function costOfAccountPage(shopper: Shopper, first: number): Promise<{ sql: number; upstream: number; orders: number }> {
  await t.gql(ACCOUNT, { first }, shopper.token);
  const sqlBefore = t.database.queries.count;
  const upstreamBefore = upstreamCalls();
  const result = await t.gql(ACCOUNT, { first }, shopper.token);
  expect(result.errors).toBeUndefined();
  return { sql: t.database.queries.count - sqlBefore, upstream: upstreamCalls() - upstreamBefore, orders: result.data.me.orders.edges.length };
}

describe('the account page and staff figures (F2, R17)', () => {
  it('costs the same SQL and upstream calls for 1 order as for 100 (DataLoader)', async () => {
    const one = await registerEnrolled(t, '+79163330001');
    const hundred = await registerEnrolled(t, '+79163330002');
    await giveOrders(one, 1);
    await giveOrders(hundred, 100);

    const small = await costOfAccountPage(one, 100);
    const large = await costOfAccountPage(hundred, 100);
    expect(small.orders).toBe(1);
    expect(large.orders).toBe(100);
    expect(large.sql).toBe(small.sql);
    expect(large.upstream).toBe(small.upstream);
    expect(large.upstream).toBe(0); // the read models answer it all
    expect(large.sql).toBeLessThan(20);

    const page = await t.gql(ACCOUNT, { first: 100 }, hundred.token);
    const first = page.data.me.orders.edges[0].node;
    expect(first.lines).toHaveLength(3);
    expect(first.lines[0].offer.price).toBe(first.lines[0].total);
    expect(first.payments).toEqual([{ type: 'bank-card', status: 'paid', amount: first.total, paid: true }]);
    expect(page.data.me.orders.totalCount).toBe(100);
  });

  it('pages through orders with cursors, newest first', async () => {
    const shopper = await registerEnrolled(t, '+79163330003');
    await giveOrders(shopper, 7);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await t.gql(ACCOUNT, { first: 3, after }, shopper.token);
      seen.push(...page.data.me.orders.edges.map((e: any) => e.node.number));
      if (!page.data.me.orders.pageInfo.hasNextPage) break;
      after = page.data.me.orders.pageInfo.endCursor;
    }
    expect(seen).toEqual(['1A', '2A', '3A', '4A', '5A', '6A', '7A']);
  });

  it('shows staff the buyout rate from RetailCRM’s order history; customers cannot see it', async () => {
    const index = Array.from({ length: 30 }, (_v, i) => i).find((i) => {
      const orders = demoOrdersOf(i);
      return i % 10 !== 9 && orders.some((o) => o.status === 'complete') && orders.some((o) => o.status !== 'complete');
    })!;
    const demo = demoOrdersOf(index);
    const boughtOut = demo.filter((o) => o.status === 'complete').length;
    const refused = demo.filter((o) => ['cancel-other', 'no-product', 'already-buyed', 'delyvery-did-not-suit'].includes(o.status)).length;
    const id = demoExternalId(index);
    const staff = await t.staffToken('manager');
    const result = await t.gql(CustomerCardDocument, { id }, staff);
    expect(result.errors).toBeUndefined();
    expect(result.data.customer.buyoutRate).toEqual({ boughtOut, refused, inProgress: demo.length - boughtOut - refused, rate: boughtOut / (boughtOut + refused) });
    expect(result.data.customer.orders.totalCount).toBe(demo.length);

    // The staff console's card, asked for with the customer's own token and with another's.
    const own = await t.gql(CustomerCardDocument, { id }, await t.customerToken(id));
    expect(own.errors?.find((e) => e.path?.includes('buyoutRate'))?.extensions?.code).toBe('FORBIDDEN');
    expect(own.data.customer.buyoutRate).toBeNull();
    const other = await t.gql(CustomerCardDocument, { id }, await t.customerToken(demoExternalId(index + 1)));
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(other.data?.customer ?? null).toBeNull(); // nothing of the card, not only its staff-only fields
  });
});

describe('a process dying between the steps of an order loses nothing', () => {
  const input = (offerId: string) => ({ idempotencyKey: randomUUID(), cart: [{ offerId, quantity: 1 }], bonusesToSpend: 100 });
  const never = () => new Promise<never>(() => undefined);
  /** Orders whose bonus reserve the dying placement reached. */
  const reserveReached = new Set<string>();

  /** Starts a placement whose process "dies" in its last step, the bonus reserve (the call never returns), and waits until it got there. */
  async function placeUntilDeath(shopper: Shopper, offerId: string, reserve: typeof t.graph.order.deps.bonusPlus.reserve) {
    const deps = { ...t.graph.order.deps, bonusPlus: { ...t.graph.order.deps.bonusPlus, reserve } };
    const request = input(offerId);
    void placeOrder(deps, { kind: 'customer', customerId: shopper.id }, request);
    for (let i = 0; i < 200; i++) {
      const row = await t.database.db.selectFrom('ordering.orders').selectAll().where('customer_id', '=', shopper.id).where('state', '=', 'PENDING').executeTakeFirst();
      if (row?.bonus_hold === 'HELD' && row.stock_hold_id && reserveReached.has(row.id)) return { row, request };
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the placement never reached its bonus reserve');
  }

  /** "Restarts": the dead placement's lease and timeout have run out, and recovery runs. */
  async function restart() {
    await t.database.db.updateTable('ordering.orders').set({ updated_at: new Date(Date.now() - 3_600_000) }).where('state', '=', 'PENDING').execute();
    await t.database.db.updateTable('platform.idempotency_keys').set({ locked_until: new Date(Date.now() - 1000) }).where('status', '=', 'in_flight').execute();
    return recoverPlacements(t.graph.order.deps);
  }

  it('dead before BonusPlus answered, and BonusPlus never got it: the stock hold is given back, nothing reaches RetailCRM', async () => {
    const shopper = await registerEnrolled(t, '+79163330010');
    const [offer] = await availableOffers(t, 1, 1);
    const { row } = await placeUntilDeath(shopper, offer!.id, async (_phone, orderId) => {
      reserveReached.add(orderId);
      return never();
    });
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(1000);
    expect(await restart()).toEqual({ placed: 0, failed: 1 });
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(1000);
    expect(await stockHoldsOf(t, row.id)).toMatchObject({ status: 'RELEASED' });
    expect((await t.database.db.selectFrom('ordering.orders').select('state').where('id', '=', row.id).executeTakeFirstOrThrow()).state).toBe('FAILED');
    await t.settle();
    expect(await crmOrder(t, row.id)).toBeUndefined();
  });

  it('a placement carried on while the recovery undoes it ends with a typed "try again", not an internal error, and holds nothing', async () => {
    const shopper = await registerEnrolled(t, '+79163330012');
    const [offer] = await availableOffers(t, 1, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const deps = { ...t.graph.order.deps, bonusPlus: { ...t.graph.order.deps.bonusPlus, reserve: async (phone: string, orderId: string, amount: number) => {
      reserveReached.add(orderId);
      await gate; // slow, not dead: it answers after the recovery gave up on it
      return t.graph.order.deps.bonusPlus.reserve(phone, orderId, amount);
    } } };
    const request = input(offer!.id);
    const outcome = placeOrder(deps, { kind: 'customer', customerId: shopper.id }, request).then(() => 'placed', (e: unknown) => (e instanceof AppError ? e.code : `untyped: ${String(e)}`));
    let row;
    for (let i = 0; i < 200 && !row; i++) {
      row = await t.database.db.selectFrom('ordering.orders').selectAll().where('customer_id', '=', shopper.id).where('state', '=', 'PENDING').executeTakeFirst();
      if (!row || !reserveReached.has(row.id)) { row = undefined; await new Promise((r) => setTimeout(r, 25)); }
    }
    expect(await restart()).toEqual({ placed: 0, failed: 1 });
    release();
    expect(await outcome).toBe('UPSTREAM_UNAVAILABLE');
    await t.settle();
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(1000);
    expect(await stockHoldsOf(t, row!.id)).toMatchObject({ status: 'RELEASED' });
  });

  it('dead after BonusPlus reserved: the reserve and the stock are given back, and the same key then places one order', async () => {
    const shopper = await registerEnrolled(t, '+79163330011');
    const [offer] = await availableOffers(t, 1, 1);
    const real = t.graph.order.deps.bonusPlus.reserve;
    const { row, request } = await placeUntilDeath(shopper, offer!.id, async (phone, orderId, amount) => {
      await real(phone, orderId, amount);
      reserveReached.add(orderId);
      return never();
    });
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(900);
    expect(await restart()).toEqual({ placed: 0, failed: 1 });
    await t.settle();
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(1000);
    expect(await stockHoldsOf(t, row.id)).toMatchObject({ status: 'RELEASED' });
    const retried = await t.gql(PlaceOrderDocument, { input: request }, shopper.token);
    expect(retried.errors).toBeUndefined();
    expect(retried.data.placeOrder.order).toMatchObject({ status: 'PLACED', bonusesSpent: 100 });
    expect(retried.data.placeOrder.order.id).not.toBe(row.id);
    await t.settle();
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(900);
    expect(await crmOrder(t, row.id)).toBeUndefined();
    expect((await crmOrder(t, retried.data.placeOrder.order.id)).externalId).toBe(retried.data.placeOrder.order.id);
  });
});
