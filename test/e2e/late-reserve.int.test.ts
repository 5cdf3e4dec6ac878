import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceOrderDocument } from '../../clients/__generated__/graphql.js';
import { releaseLateReserveMessage } from '../../subgraphs/order/order.messages.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, bonusPlusCustomer, registerEnrolled } from '../support/order-fixtures.js';

// A placement that spends bonuses sends its reserve; BonusPlus holds the request past the
// connector's timeout, the placement fails and gives back what it holds (nothing yet, at
// BonusPlus), and then the held request lands: a reserve for a FAILED order. The money soak found
// it (seed 1). The order gives the reserve back once more when any such request must have landed.
const WELCOME = 500;
const SPEND = 300;
const LATE_RELEASE_SECONDS = 8;
let t: TestGraph;

beforeAll(async () => {
  t = await startTestGraph({
    LOYALTY_WELCOME_BONUS: String(WELCOME),
    UPSTREAM_TIMEOUT_MS: '600',
    ORDER_LATE_RESERVE_RELEASE_SECONDS: String(LATE_RELEASE_SECONDS),
  });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
}, 120_000);
afterAll(async () => t?.close());

const RESERVE = 'PATCH .*/balance/reserve$';

async function reservesReceived(): Promise<number> {
  const counts = (await (await fetch(`${t.graph.urls.bonusPlus}/__emulator/requests`)).json()) as Record<string, number>;
  return Object.entries(counts)
    .filter(([route]) => new RegExp(RESERVE).test(route))
    .reduce((sum, [, n]) => sum + n, 0);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const reserveOf = (orderId: string) => t.database.db.selectFrom('bonusplus_emulator.reserves').select(['status', 'amount']).where('order_id', '=', orderId).executeTakeFirst();

describe('a bonus reserve that lands after its placement failed', () => {
  it('is given back again once it must have landed, and the balance comes back whole', async () => {
    const shopper = await registerEnrolled(t, '+79163350001');
    const [offer] = await availableOffers(t, 1, 1);
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(WELCOME);
    const before = await reservesReceived();

    // The first reserve is held at BonusPlus for 6 s (the connector waits 0.6 s); every retry finds it down.
    const heldFor = 6_000;
    t.graph.emulators!.bonusPlus.faults.set({ latencyMs: heldFor, pathPattern: RESERVE });
    const placing = t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer!.id, quantity: 1 }], bonusesToSpend: SPEND } }, shopper.token);
    await until('the first reserve at BonusPlus', async () => ((await reservesReceived()) > before ? true : undefined));
    const firstArrived = Date.now();
    t.graph.emulators!.bonusPlus.faults.set({ down: true, pathPattern: RESERVE });

    const placed = await placing;
    expect(placed.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const failedAfter = Date.now() - firstArrived;
    // BonusPlus is back (the first request still held there), and the outbox gives back what the order held: nothing yet.
    await t.healUpstreams();
    await t.settle();
    const order = await t.database.db.selectFrom('ordering.orders').select(['id', 'state', 'bonus_hold']).where('customer_id', '=', shopper.id).executeTakeFirstOrThrow();
    expect(order).toMatchObject({ state: 'FAILED', bonus_hold: 'RELEASED' });
    const releasedAfter = Date.now() - firstArrived;
    expect(await reserveOf(order.id)).toBeUndefined();

    // The held request lands: the bonuses are held for an order that failed.
    const landed = await until('the held reserve to land', () => reserveOf(order.id));
    expect(landed).toEqual({ status: 'held', amount: SPEND });
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(WELCOME - SPEND);

    // Once the late release is due, the outbox gives the reserve back.
    const late = await t.database.db.selectFrom('platform.outbox').select(['available_at', 'status']).where('dedupe_key', '=', releaseLateReserveMessage(order.id, new Date()).dedupeKey!).executeTakeFirstOrThrow();
    expect(late.status).toBe('pending');
    await until('the late release', async () => {
      await t.settle();
      return (await reserveOf(order.id))?.status === 'released' ? true : undefined;
    });
    expect(Date.now()).toBeGreaterThanOrEqual(late.available_at.getTime());
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(WELCOME);
    console.log(`placement failed ${failedAfter} ms and was released ${releasedAfter} ms after the first reserve arrived, which BonusPlus held ${heldFor} ms; released again ${LATE_RELEASE_SECONDS} s after the failure`);
  });
});
