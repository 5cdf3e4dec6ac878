import type { DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CatalogueDocument,
  InventorySyncRunsDocument,
  ProductPageDocument,
  StockByArticleDocument,
  SyncCatalogDocument,
} from '../../clients/__generated__/graphql.js';
import type { OneCStockCursor, OneCStockRow } from '../../connectors/onec/onec.port.js';
import { DEMO_WAREHOUSES, demoProduct } from '../../emulators/seed/demo-catalog.js';
import { IDENTITY_HEADER, signInternalIdentity, type Identity } from '../../platform/identity.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';

let t: TestGraph;
let staff: string;

beforeAll(async () => {
  t = await startTestGraph();
  await t.graph.inventory.catalogSync.runNow();
  staff = await t.staffToken('manager');
});
afterAll(async () => t?.close());

/** Every non-zero cell of 1C's free-stock register, read through the connector. */
async function registerCells(): Promise<Map<string, { inHand: number; reserved: number }>> {
  const cells = new Map<string, { inHand: number; reserved: number }>();
  let after: OneCStockCursor | undefined;
  for (;;) {
    const page: OneCStockRow[] = await t.graph.upstream.oneC.listStock({ ...(after ? { after } : {}), top: 500 });
    for (const row of page) cells.set(`${row.characteristicRef}|${row.warehouseRef}`, { inHand: Math.max(0, row.inHand), reserved: Math.max(0, row.reserved) });
    if (page.length < 500) return cells;
    const last = page.at(-1)!;
    after = { productRef: last.productRef, ...(last.characteristicRef ? { characteristicRef: last.characteristicRef } : {}), warehouseRef: last.warehouseRef };
  }
}

async function readModelCells(): Promise<Map<string, { inHand: number; reserved: number }>> {
  const rows = await t.database.db.selectFrom('inventory.stock').selectAll().execute();
  return new Map(rows.map((r: any) => [`${r.offer_id}|${r.warehouse_id}`, { inHand: r.in_hand, reserved: r.reserved }]));
}

// The call centre's own stock view (clients/staff/stock-by-article.graphql).
const CALL_CENTRE = StockByArticleDocument;

describe('inventory over 1C (R14, R16, F9)', () => {
  it('after a sync every cell of the read model equals 1C’s register', async () => {
    const register = await registerCells();
    expect(register.size).toBeGreaterThan(50);
    expect(await readModelCells()).toEqual(register);
    const offers = await t.database.db.selectFrom('inventory.offers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const expected = Array.from({ length: t.config.SEED_CATALOG_PRODUCTS }, (_v, i) => demoProduct(i).offers.length).reduce((a, b) => a + b, 0);
    expect(Number(offers.n)).toBe(expected);
  });

  it('the call-centre view shows every size and colour in every warehouse, for staff', async () => {
    const product = demoProduct(3);
    const result = await t.gql(CALL_CENTRE, { article: product.article }, staff);
    expect(result.errors).toBeUndefined();
    const found = result.data.productByArticle;
    expect(found).toMatchObject({ id: product.ref, name: product.name, brand: product.brand.name });
    expect(found.offers).toHaveLength(product.offers.length);
    for (const offer of found.offers) {
      const demo = product.offers.find((o) => o.ref === offer.id)!;
      expect(offer).toMatchObject({ size: demo.size, colour: demo.colour, price: demo.priceKopecks });
      expect(offer.stock).toHaveLength(DEMO_WAREHOUSES.length);
      for (const level of offer.stock) {
        const warehouse = DEMO_WAREHOUSES.find((w) => w.name === level.warehouse.name)!;
        const cell = demo.stock.find((s) => s.warehouseRef === warehouse.ref);
        expect(level.inHand, `${offer.id} at ${warehouse.name}`).toBe(cell?.inHand ?? 0);
        expect(level.available).toBe(Math.max(0, (cell?.inHand ?? 0) - (cell?.reserved ?? 0)));
        expect(Date.parse(level.asOf)).toBeGreaterThan(Date.now() - 60_000);
      }
      expect(offer.inStock).toBe(offer.stock.some((s: { available: number }) => s.available > 0));
    }
  });

  it('stock by warehouse is refused to anonymous callers; the catalog is public', async () => {
    const product = demoProduct(3);
    const anonymous = await t.gql(CALL_CENTRE, { article: product.article });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const catalog = await t.gql(ProductPageDocument, { article: product.article });
    expect(catalog.errors).toBeUndefined();
    expect(catalog.data.productByArticle.offers).toHaveLength(product.offers.length);
    // The order subgraph's internal mutation, tried through the gateway: no client has it.
    const holds = await t.gql(`mutation { holdStock(idempotencyKey: "abcdefgh", ttlSeconds: 60, lines: [{ offerId: "x", quantity: 1 }]) { id } }`, {}, staff);
    expect(holds.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED'); // not part of the public API
  });

  it('a stock change in 1C shows in the graph after the next stock sync', async () => {
    const product = demoProduct(5);
    const offer = product.offers[0]!;
    const showroom = DEMO_WAREHOUSES.find((w) => w.role === 'showroom')!;
    await t.graph.emulators!.oneC.setStock({ productRef: product.ref, characteristicRef: offer.ref, warehouseRef: showroom.ref, inHand: 7, reserved: 2 });
    // The offer's stock in the showroom, as the call centre's view shows it.
    const level = async () => {
      const result = await t.gql(CALL_CENTRE, { article: product.article }, staff);
      expect(result.errors).toBeUndefined();
      const shown = result.data.productByArticle.offers.find((o: { id: string }) => o.id === offer.ref);
      return shown.stock.filter((s: { warehouse: { id: string } }) => s.warehouse.id === showroom.ref);
    };
    expect((await level())[0].inHand).toBe(offer.stock.find((s) => s.warehouseRef === showroom.ref)?.inHand ?? 0);
    await t.graph.inventory.stockSync.runNow();
    expect(await level()).toEqual([expect.objectContaining({ inHand: 7, reserved: 2, available: 5 })]);
    const changes = await t.graph.emulators!.oneC.simulateStockChanges({ count: 20, seed: 7 });
    expect(changes.length).toBeGreaterThan(0);
    await t.graph.inventory.stockSync.runNow();
    expect(await readModelCells()).toEqual(await registerCells());
  });

  it('with 1C down, stock still answers from the read model with its age, and the sync reports the failure', async () => {
    const product = demoProduct(3);
    const lastGood = (await t.gql(CALL_CENTRE, { article: product.article }, staff)).data.productByArticle;
    t.graph.emulators!.oneC.faults.set({ down: true });
    await expect(t.graph.inventory.stockSync.runNow()).rejects.toThrow();
    const runs = await t.gql(InventorySyncRunsDocument, { last: 1 }, staff);
    expect(runs.data.inventorySyncRuns[0]).toMatchObject({ kind: 'STOCK', status: 'FAILED' });
    expect(runs.data.inventorySyncRuns[0].error).toMatch(/onec/);
    const whileDown = await t.gql(CALL_CENTRE, { article: product.article }, staff);
    expect(whileDown.errors).toBeUndefined();
    expect(whileDown.data.productByArticle).toEqual(lastGood);
    await t.healUpstreams();
    const next = await t.graph.inventory.stockSync.runNow();
    expect(next.status).toBe('SUCCEEDED');
  });

  it('searches products by size, colour and stock in a city, page by page', async () => {
    const filter = { size: '46', inStockInCity: 'Москва' };
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 50; guard++) {
      const page: any = await t.gql(CatalogueDocument, { filter, first: 5, after }, staff);
      expect(page.errors).toBeUndefined();
      for (const { node } of page.data.products.edges) {
        seen.push(node.id);
        expect(node.offers.some((o: any) => o.size === '46')).toBe(true);
        // In stock in Moscow, as the call centre's view of the product has it.
        const stock = (await t.gql(CALL_CENTRE, { article: node.article }, staff)).data.productByArticle;
        expect(stock.offers.some((o: any) => o.stock.some((s: any) => s.warehouse.city === 'Москва' && s.available > 0))).toBe(true);
      }
      if (!page.data.products.pageInfo.hasNextPage) break;
      after = page.data.products.pageInfo.endCursor;
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('refuses bad input with BAD_USER_INPUT', async () => {
    const cases: [string | DocumentNode, Record<string, unknown>][] = [
      [CatalogueDocument, { first: 500 }],
      [CatalogueDocument, { after: 'garbage' }],
      [CatalogueDocument, { filter: { text: 'x'.repeat(500) } }],
      [InventorySyncRunsDocument, { last: 0 }],
      // Fields no client's screen asks for (an offer by barcode, a product by id): bad input sent straight at the API.
      [`query($b: String!) { offerByBarcode(barcode: $b) { id } }`, { b: 'abc' }],
      [`query($id: ID!) { product(id: $id) { id } }`, { id: 'x'.repeat(500) }],
    ];
    for (const [query, variables] of cases) {
      const result = await t.gql(query, variables, staff);
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
    }
    // A product by id, again no client's screen: an unknown one is null, not an error.
    const unknown = await t.gql(`{ product(id: "00000000-0000-0000-0000-00000000dead") { id } }`, {}, staff);
    expect(unknown.data.product).toBeNull();
  });

  it('stock of 100 offers costs a constant number of SQL queries (DataLoader)', async () => {
    // A valid but wide query made for the count (100 offers' stock at once), not a client's screen.
    const query = `query($f: ProductFilter, $n: Int) { products(filter: $f, first: $n) { edges { node { offers { inStock stock { available warehouse { name } asOf } } } } } }`;
    const count = async (n: number) => {
      t.database.queries.count = 0;
      const result = await t.gql(query, { n }, staff);
      expect(result.errors).toBeUndefined();
      const offers = result.data.products.edges.flatMap((e: any) => e.node.offers).length;
      return { offers, queries: t.database.queries.count };
    };
    const small = await count(2);
    const large = await count(25);
    expect(large.offers).toBeGreaterThanOrEqual(100);
    expect(large.queries).toBe(small.queries);
  });

  it('only admins start a catalog sync on demand', async () => {
    const manager = await t.gql(SyncCatalogDocument, {}, staff);
    expect(manager.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const admin = await t.gql(SyncCatalogDocument, {}, await t.staffToken('admin'));
    expect(admin.errors).toBeUndefined();
    expect(admin.data.syncCatalog).toMatchObject({ kind: 'CATALOG', status: 'RUNNING' });
    for (let i = 0; i < 100; i++) {
      const runs = await t.gql(InventorySyncRunsDocument, { last: 5 }, staff);
      const run = runs.data.inventorySyncRuns.find((r: any) => r.id === admin.data.syncCatalog.id);
      if (run.status !== 'RUNNING') {
        expect(run.status).toBe('SUCCEEDED');
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the on-demand run did not finish');
  });

  it('stock holds are for the order subgraph only: a service identity holds, staff are refused', async () => {
    const product = demoProduct(8);
    const offer = product.offers.find((o) => o.stock.some((c) => c.inHand - c.reserved > 0))!;
    // The inventory subgraph's internal protocol, called as the order subgraph (or staff) would without the gateway.
    const call = async (identity: Identity, query: string) => {
      const res = await fetch(t.graph.urls.inventory!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: await signInternalIdentity(identity, t.config.GATEWAY_IDENTITY_SECRET) },
        body: JSON.stringify({ query }),
      });
      return (await res.json()) as any;
    };
    const hold = `mutation { holdStock(idempotencyKey: "e2e-hold-0001", ttlSeconds: 300, lines: [{ offerId: "${offer.ref}", quantity: 1 }]) { id status lines { offerId quantity } } }`;
    const refused = await call({ kind: 'staff', staffId: 's', roles: ['admin'] }, hold);
    expect(refused.errors[0].extensions.code).toBe('FORBIDDEN');
    const held = await call({ kind: 'service', service: 'order' }, hold);
    expect(held.errors).toBeUndefined();
    expect(held.data.holdStock).toMatchObject({ status: 'ACTIVE', lines: [{ offerId: offer.ref, quantity: 1 }] });
    const shown = (await t.gql(CALL_CENTRE, { article: product.article }, staff)).data.productByArticle.offers.find((o: { id: string }) => o.id === offer.ref);
    expect(shown.stock.reduce((sum: number, s: { held: number }) => sum + s.held, 0)).toBe(1);
    // What checkout reads: the units sellable across warehouses, the hold taken off. The order
    // subgraph only: staff are refused, and the gateway does not know the field.
    const sellable = `{ offer(id: "${offer.ref}") { available } }`;
    expect((await call({ kind: 'service', service: 'order' }, sellable)).data.offer.available).toBe(shown.stock.reduce((sum: number, s: { available: number }) => sum + s.available, 0));
    expect((await call({ kind: 'staff', staffId: 's', roles: ['admin'] }, sellable)).errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await t.gql(sellable, {}, staff)).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const released = await call({ kind: 'service', service: 'order' }, `mutation { releaseStockHold(holdId: "${held.data.holdStock.id}") { status } }`);
    expect(released.data.releaseStockHold.status).toBe('RELEASED');
  });
});
