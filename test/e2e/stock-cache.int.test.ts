import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountPageDocument, CancelOrderDocument, CheckoutQuoteDocument, PlaceOrderDocument } from '../../clients/__generated__/graphql.js';
import { statementCounts } from '../../platform/db/statement-counter.js';
import { createLogger } from '../../platform/logger.js';
import { runInventorySync } from '../../subgraphs/inventory/sync/inventory-sync.service.js';
import { oneCCatalogSource } from '../../subgraphs/inventory/sync/onec-catalog-source.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, registerEnrolled } from '../support/order-fixtures.js';

// Stock and prices are remembered per offer by the inventory (INVENTORY_STOCK_CACHE_SECONDS, on by
// default); what checkouts hold never is. A customer sees their own hold in their next read, and a
// sync's figures reach the reads of every process.
let t: TestGraph;

beforeAll(async () => {
  // The inventory's own cache, seen through a gateway that remembers no entity (test/e2e/entity-cache.int.test.ts has the gateway's).
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '0', GATEWAY_ENTITY_CACHE_SECONDS: '0' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
}, 120_000);
afterAll(async () => t?.close());

const cache = () => t.graph.inventory.stockCache!;

async function availableOf(offerId: string, token: string): Promise<{ available: number; byWarehouse: number }> {
  const quote = await t.gql(CheckoutQuoteDocument, { cart: [{ offerId, quantity: 1 }] }, token);
  expect(quote.errors).toBeUndefined();
  const line = quote.data.checkoutQuote.lines[0];
  return { available: line.available, byWarehouse: line.offer.stock.reduce((sum: number, s: { available: number }) => sum + s.available, 0) };
}

describe('stock and prices remembered per offer', () => {
  it('a customer’s own hold shows in their next read, served from the cache; so does its release', async () => {
    const shopper = await registerEnrolled(t, '+79163350001');
    const token = await t.customerToken(shopper.id);
    const [offer] = await availableOffers(t, 1, 3);
    const before = await availableOf(offer!.id, token);
    expect(before.available).toBe(before.byWarehouse);

    const placed = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer!.id, quantity: 2 }] } }, token);
    expect(placed.errors).toBeUndefined();
    const hits = cache().stats.hits;
    expect(await availableOf(offer!.id, token)).toEqual({ available: before.available - 2, byWarehouse: before.available - 2 });
    // Both of the quote's stock reads (the order subgraph's and the gateway's) came from the cache.
    expect(cache().stats.hits - hits).toBe(2);

    const cancelled = await t.gql(CancelOrderDocument, { input: { orderId: placed.data.placeOrder.order.id, idempotencyKey: randomUUID() } }, token);
    expect(cancelled.errors).toBeUndefined();
    expect(await availableOf(offer!.id, token)).toEqual(before);
  });

  it('a sync run by this process is seen at once; one run elsewhere by the next read but one', async () => {
    const shopper = await registerEnrolled(t, '+79163350002');
    const token = await t.customerToken(shopper.id);
    const [offer] = await availableOffers(t, 1, 1);
    const before = await availableOf(offer!.id, token);
    const addInHand = (units: number) =>
      sql`update onec_emulator.stock_balances set in_hand = in_hand + ${units}
           where characteristic_ref = ${offer!.id} and warehouse_ref = (select warehouse_ref from onec_emulator.stock_balances where characteristic_ref = ${offer!.id} and in_hand > 0 order by warehouse_ref limit 1)`.execute(t.database.db);

    await addInHand(5);
    await t.graph.inventory.stockSync.runNow();
    expect((await availableOf(offer!.id, token)).available).toBe(before.available + 5);

    // Another inventory process's sync: this one's cache is not told.
    await addInHand(5);
    const source = oneCCatalogSource(t.graph.upstream.oneC, { onlineWarehouse: t.config.ONEC_ONLINE_WAREHOUSE });
    await runInventorySync({ db: t.database.db, source, logger: createLogger('test-sync'), pageSize: t.config.INVENTORY_SYNC_PAGE_SIZE }, 'STOCK');
    const hits = cache().stats.hits;
    // The read that meets the new snapshot answers from the old one, whole, and forgets it...
    expect((await availableOf(offer!.id, token)).available).toBeGreaterThanOrEqual(before.available + 5);
    // ...so the next one reads the new figures.
    expect((await availableOf(offer!.id, token)).available).toBe(before.available + 10);
    expect(cache().stats.hits - hits).toBeGreaterThanOrEqual(1);
  });

  it('an account page’s offers (each line’s current price) come from the remembered rows: no inventory statement once read; this process’s sync is seen at once, another’s within the TTL', async () => {
    const shopper = await registerEnrolled(t, '+79163350003');
    const token = await t.customerToken(shopper.id);
    const [offer] = await availableOffers(t, 1, 1);
    const placed = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer!.id, quantity: 1 }] } }, token);
    expect(placed.errors).toBeUndefined();
    const linePrice = async () => {
      const page = await t.gql(AccountPageDocument, { first: 5 }, token);
      expect(page.errors).toBeUndefined();
      return page.data.me.orders.edges[0].node.lines[0].offer.price as number;
    };
    const inventoryStatements = async (read: () => Promise<number>) => {
      const before = statementCounts().inventory ?? 0;
      const price = await read();
      return { price, statements: (statementCounts().inventory ?? 0) - before };
    };
    const { price } = await t.database.db.selectFrom('inventory.offers').select('price').where('id', '=', offer!.id).executeTakeFirstOrThrow();
    await linePrice();
    expect(await inventoryStatements(linePrice)).toEqual({ price, statements: 0 });

    // Another process's sync changes the price: this one answers the remembered price until its TTL...
    await t.database.db.updateTable('inventory.offers').set({ price: price! + 100 }).where('id', '=', offer!.id).execute();
    expect(await inventoryStatements(linePrice)).toEqual({ price, statements: 0 });
    // ...and a sync of its own empties its cache at once: the next read has the price as the database does.
    await t.database.db.updateTable('inventory.offers').set({ price: price! + 100 }).where('id', '=', offer!.id).execute();
    await t.graph.inventory.catalogSync.runNow();
    const { price: synced } = await t.database.db.selectFrom('inventory.offers').select('price').where('id', '=', offer!.id).executeTakeFirstOrThrow();
    expect(await inventoryStatements(linePrice)).toEqual({ price: synced, statements: 1 });
  });
});
