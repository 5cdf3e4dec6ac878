import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountPageDocument, CheckoutQuoteDocument, PlaceOrderDocument } from '../../clients/__generated__/graphql.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, registerEnrolled, type Shopper } from '../support/order-fixtures.js';

/**
 * The checkout quote asks BonusPlus once per customer, cart and version of the customer's bonuses
 * (issue "Performance wave 2", item 6), and equals what BonusPlus computes; a placement that spends
 * nothing never queues behind BonusPlus's request budget, its estimate asked in the background.
 */

let t: TestGraph;
let offers: { id: string; price: number; available: number }[];

/** How many `retail/calc` requests reached the BonusPlus emulator so far. */
async function calcRequests(): Promise<number> {
  const counts = (await (await fetch(`${t.graph.urls.bonusPlus}/__emulator/requests`)).json()) as Record<string, number>;
  return Object.entries(counts).filter(([route]) => route.includes('retail/calc')).reduce((sum, [, n]) => sum + n, 0);
}

/** BonusPlus's own calculation of a cart, asked directly (no cache): what every quote must equal. */
async function bonusPlusCalc(shopper: Shopper, cart: { offerId: string; quantity: number }[], bonusDebit: number) {
  const byId = new Map(offers.map((o) => [o.id, o]));
  return t.graph.upstream.bonusPlus.calculate({
    phone: shopper.phone,
    bonusDebit,
    items: cart.map((l, i) => ({ ext: String(i + 1), product: l.offerId, qnt: l.quantity, priceKopecks: byId.get(l.offerId)!.price, sumKopecks: byId.get(l.offerId)!.price * l.quantity })),
  });
}

describe('checkout quotes remembered per customer, cart and bonus version', () => {
  beforeAll(async () => {
    t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '3000', RETAILCRM_RPS: '200', BONUSPLUS_RPS: '500' });
    await t.graph.inventory.catalogSync.runNow();
    await t.settle();
    offers = await availableOffers(t, 6, 5);
  });
  afterAll(async () => t?.close());

  it('the same cart quoted ten times asks BonusPlus once; the customer’s own order asks again, and the quote shows it', async () => {
    const shopper = await registerEnrolled(t, '+79161120001');
    const cart = [{ offerId: offers[0]!.id, quantity: 1 }];
    const before = await calcRequests();
    const quotes = [];
    for (let i = 0; i < 10; i++) quotes.push((await t.gql(CheckoutQuoteDocument, { cart, bonusesToSpend: 100 }, shopper.token)).data.checkoutQuote);
    expect(await calcRequests()).toBe(before + 1);
    expect(new Set(quotes.map((q) => JSON.stringify(q))).size).toBe(1);
    expect(quotes[0].bonusesAvailable).toBe(3000);

    // Spending 100 moves the balance: the next quote of the same cart is asked anew and says so.
    const placed = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart, bonusesToSpend: 100 } }, shopper.token);
    expect(placed.errors).toBeUndefined();
    await t.settle();
    const afterOrder = (await t.gql(CheckoutQuoteDocument, { cart, bonusesToSpend: 100 }, shopper.token)).data.checkoutQuote;
    expect(afterOrder.bonusesAvailable).toBe(2900);
    expect(await calcRequests()).toBeGreaterThan(before + 1);
  });

  it('a change of the customer’s orders made by any process is seen at once; one outside the graph when the entry lapses', async () => {
    const shopper = await registerEnrolled(t, '+79161120002');
    const placed = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offers[2]!.id, quantity: 1 }] } }, shopper.token);
    expect(placed.errors).toBeUndefined();
    await t.settle();
    const cart = [{ offerId: offers[1]!.id, quantity: 1 }];
    const first = (await t.gql(CheckoutQuoteDocument, { cart, bonusesToSpend: 0 }, shopper.token)).data.checkoutQuote;

    // Bonuses moved in BonusPlus by someone else (a showroom till): this process cannot know, and
    // the remembered answer stands until it lapses.
    await t.graph.upstream.bonusPlus.reserve(shopper.phone, `till-${randomUUID()}`, 200);
    const before = await calcRequests();
    expect((await t.gql(CheckoutQuoteDocument, { cart, bonusesToSpend: 0 }, shopper.token)).data.checkoutQuote.bonusesAvailable).toBe(first.bonusesAvailable);
    expect(await calcRequests()).toBe(before);

    // One of the customer's orders changed by another order process (no call through this one's
    // BonusPlus client): the version in the key moves, and the next quote asks BonusPlus again.
    await t.database.db.updateTable('ordering.orders' as any).set({ updated_at: new Date(Date.now() + 1000) } as any).where('customer_id', '=', shopper.id).execute();
    const again = (await t.gql(CheckoutQuoteDocument, { cart, bonusesToSpend: 0 }, shopper.token)).data.checkoutQuote;
    expect(again.bonusesAvailable).toBe(first.bonusesAvailable - 200);
    expect(await calcRequests()).toBe(before + 1);
  });

  it('every quote equals BonusPlus’s own calculation, over generated carts and debits', async () => {
    const shopper = await registerEnrolled(t, '+79161120003');
    const seed = Number(process.env.QUOTE_SEED ?? 7);
    const line = fc.record({ offer: fc.integer({ min: 0, max: offers.length - 1 }), quantity: fc.integer({ min: 1, max: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(line, { minLength: 1, maxLength: 4, selector: (l) => l.offer }), fc.integer({ min: 0, max: 40 }).map((n) => n * 50), async (lines, debit) => {
        const cart = lines.map((l) => ({ offerId: offers[l.offer]!.id, quantity: l.quantity }));
        // Twice: the second answer comes from the cache and must be the same as BonusPlus's too.
        for (let round = 0; round < 2; round++) {
          const quote = (await t.gql(CheckoutQuoteDocument, { cart, bonusesToSpend: debit }, shopper.token)).data.checkoutQuote;
          const calc = await bonusPlusCalc(shopper, cart, debit);
          expect(quote.bonusesToSpend).toBe(calc.bonusDebit);
          expect(quote.bonusesEarned).toBe(calc.earnedTotal);
          expect(quote.maxBonusesToSpend).toBe(calc.maxDebitBonuses);
          expect(quote.bonusesAvailable).toBe(calc.availableBonuses);
          expect(quote.lines.map((l: any) => [l.bonusesSpent, l.bonusesEarned])).toEqual(calc.lines.map((l) => [l.debited, l.earned]));
        }
      }),
      { numRuns: 25, seed },
    );
    console.log(`quote = BonusPlus over 25 generated carts × 2 (QUOTE_SEED=${seed}); cache ${JSON.stringify(t.graph.order.deps.calculations!.stats)}`);
  });
});

describe('a placement that spends nothing does not queue behind BonusPlus', () => {
  beforeAll(async () => {
    // One BonusPlus request every 2.2 s for the whole deployment: a quote takes the slot.
    t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '3000', RETAILCRM_RPS: '200', BONUSPLUS_RPS: '0.5' });
    await t.graph.inventory.catalogSync.runNow();
    await t.settle();
    offers = await availableOffers(t, 3, 5);
  });
  afterAll(async () => t?.close());

  it('answers with its estimate to come, and the outbox fills it in from BonusPlus before RetailCRM gets the order', async () => {
    const shopper = await registerEnrolled(t, '+79161120004');
    // Takes BonusPlus's only slot of the moment (another cart: a remembered answer would serve the placement).
    const quote = await t.gql(CheckoutQuoteDocument, { cart: [{ offerId: offers[0]!.id, quantity: 1 }], bonusesToSpend: 0 }, shopper.token);
    expect(quote.errors).toBeUndefined();
    const before = await calcRequests();
    const cart = [{ offerId: offers[1]!.id, quantity: 2 }];
    const placed = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart } }, shopper.token);
    expect(placed.errors).toBeUndefined();
    const order = placed.data.placeOrder.order;
    // Nothing was asked of BonusPlus for it: the budget had no slot free, so the placement did not wait.
    expect(await calcRequests()).toBe(before);
    expect(order.bonusesEarned).toBe(0);

    await t.settle();
    const calc = await bonusPlusCalc(shopper, cart, 0);
    expect(calc.earnedTotal).toBeGreaterThan(0);
    // As the customer's account page shows it.
    const page = (await t.gql(AccountPageDocument, {}, shopper.token)).data.me.orders.edges.map((e: any) => e.node);
    const shown = page.find((o: any) => o.id === order.id);
    expect(shown).toMatchObject({ bonusesEarned: calc.earnedTotal });
    expect(shown.lines.map((l: any) => l.bonusesEarned)).toEqual(calc.lines.map((l) => l.earned));
    // RetailCRM got the order with the estimate on its line (R6).
    const crm = (await (await fetch(`${t.graph.urls.retailCrm}/api/v5/orders/${order.id}?by=externalId&apiKey=${t.config.RETAILCRM_API_KEY}`)).json()) as any;
    expect(crm.order.items.map((i: any) => i.bonusesCreditTotal)).toEqual(calc.lines.map((l) => l.earned));
  });

  it('an order that spends bonuses still waits for BonusPlus’s word (R5, R18)', async () => {
    const shopper = await registerEnrolled(t, '+79161120005');
    const before = await calcRequests();
    const placed = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offers[2]!.id, quantity: 1 }], bonusesToSpend: 100 } }, shopper.token);
    expect(placed.errors).toBeUndefined();
    expect(placed.data.placeOrder.order.bonusesSpent).toBe(100);
    expect(placed.data.placeOrder.order.bonusesEarned).toBeGreaterThan(0);
    expect(await calcRequests()).toBe(before + 1);
  });
});
