import { randomUUID } from 'node:crypto';
import { register, type Histogram } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountPageDocument, CheckoutQuoteDocument, PlaceOrderDocument } from '../../clients/__generated__/graphql.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, registerEnrolled } from '../support/order-fixtures.js';

// The gateway answers synced entity fields from memory (GATEWAY_ENTITY_CACHE_SECONDS, on by
// default; gateway/entity-cache.ts): an account page's current offer prices. What a customer's own
// write changes (stock) always reaches the inventory.
let t: TestGraph;

beforeAll(async () => {
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '0', GATEWAY_ENTITY_CACHE_SECONDS: '300' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
}, 120_000);
afterAll(async () => t?.close());

/** Calls the gateway has sent the inventory subgraph so far (its `gateway_subgraph_request_seconds` count). */
async function inventoryCalls(): Promise<number> {
  const metric = register.getSingleMetric('gateway_subgraph_request_seconds') as Histogram<string>;
  const { values } = await metric.get();
  return values.filter((v) => v.metricName === 'gateway_subgraph_request_seconds_count' && v.labels.subgraph === 'inventory').reduce((sum, v) => sum + v.value, 0);
}

async function placed(token: string, offerId: string, quantity: number) {
  const result = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId, quantity }] } }, token);
  expect(result.errors).toBeUndefined();
}

describe('the gateway’s entity cache', () => {
  it('serves an account page again without calling the inventory, with the price the inventory gave', async () => {
    const shopper = await registerEnrolled(t, '+79163360001');
    const token = await t.customerToken(shopper.id);
    const [offer] = await availableOffers(t, 1, 1);
    await placed(token, offer!.id, 1);
    const page = async () => {
      const result = await t.gql(AccountPageDocument, { first: 5 }, token);
      expect(result.errors).toBeUndefined();
      return result.data.me.orders.edges[0].node.lines[0].offer as { id: string; price: number };
    };
    const { price } = await t.database.db.selectFrom('inventory.offers').select('price').where('id', '=', offer!.id).executeTakeFirstOrThrow();

    const first = await inventoryCalls();
    expect(await page()).toEqual({ id: offer!.id, price });
    expect(await inventoryCalls()).toBe(first + 1);
    expect(await page()).toEqual({ id: offer!.id, price });
    expect(await inventoryCalls()).toBe(first + 1);

    // Another customer's page with the same offer is answered from memory too: prices are the same for every caller.
    const other = await registerEnrolled(t, '+79163360002');
    const otherToken = await t.customerToken(other.id);
    await placed(otherToken, offer!.id, 1);
    const before = await inventoryCalls();
    const otherPage = await t.gql(AccountPageDocument, { first: 5 }, otherToken);
    expect(otherPage.data.me.orders.edges[0].node.lines[0].offer).toEqual({ id: offer!.id, price });
    expect(await inventoryCalls()).toBe(before);
  });

  it('never answers stock from memory: a customer’s own order shows in their next quote', async () => {
    const shopper = await registerEnrolled(t, '+79163360003');
    const token = await t.customerToken(shopper.id);
    const [offer] = await availableOffers(t, 1, 3);
    const stockOf = async () => {
      const quote = await t.gql(CheckoutQuoteDocument, { cart: [{ offerId: offer!.id, quantity: 1 }] }, token);
      expect(quote.errors).toBeUndefined();
      return (quote.data.checkoutQuote.lines[0].offer.stock as { available: number }[]).reduce((sum, s) => sum + s.available, 0);
    };
    const before = await stockOf();
    const calls = await inventoryCalls();
    expect(await stockOf()).toBe(before);
    expect(await inventoryCalls()).toBeGreaterThan(calls);
    await placed(token, offer!.id, 2);
    expect(await stockOf()).toBe(before - 2);
  });
});
