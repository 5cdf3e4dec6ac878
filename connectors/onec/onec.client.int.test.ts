import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOneCEmulator, oneCEmulatorSchema, type OneCEmulator } from '../../emulators/onec/onec.emulator.js';
import { DEMO_BRANDS, DEMO_CATEGORIES, DEMO_RETAIL_PRICE_TYPE, DEMO_WAREHOUSES, demoProducts } from '../../emulators/seed/demo-catalog.js';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { UpstreamUnavailableError } from '../../platform/http/upstream-client.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { createOneCClient } from './onec.client.js';
import { OneCApiError, type OneCStockRow } from './onec.port.js';

const LOGIN = 'Интеграция';
const PASSWORD = 'secret';
const PRODUCTS = 30;
const products = [...demoProducts(0, PRODUCTS)];
const offers = products.flatMap((p) => p.offers.map((offer) => ({ product: p, offer })));
const byGuid = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

let testDb: TestDatabase;
let emulator: OneCEmulator;
let server: RunningServer;
let client: ReturnType<typeof createOneCClient>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrateSchema(testDb.db, oneCEmulatorSchema);
  emulator = createOneCEmulator({ db: testDb.db, users: [{ login: LOGIN, password: PASSWORD }] });
  await emulator.seed({ products: PRODUCTS });
  server = await emulator.start(0);
  client = createOneCClient({ baseUrl: `${server.url}/trade`, login: LOGIN, password: PASSWORD, timeoutMs: 2_000, maxRetries: 1, breakerHalfOpenAfterMs: 50 });
});

afterEach(() => emulator.faults.clear());

afterAll(async () => {
  await client?.close();
  await server?.close();
  await testDb?.close();
});

/** Every page of a keyset listing, `top` at a time. */
async function all<T, C>(fetchPage: (after: C | undefined) => Promise<T[]>, cursorOf: (row: T) => C, top: number): Promise<T[]> {
  const rows: T[] = [];
  let after: C | undefined;
  for (;;) {
    const page = await fetchPage(after);
    rows.push(...page);
    if (page.length < top) return rows;
    after = cursorOf(page.at(-1)!);
  }
}

describe('1C connector against the emulator', () => {
  it('reads the seven warehouses with type, city and address', async () => {
    const warehouses = await client.listWarehouses();
    expect(warehouses.sort((a, b) => a.code.localeCompare(b.code))).toEqual(
      DEMO_WAREHOUSES.map((w) => ({
        ref: w.ref,
        code: w.code,
        name: w.name,
        type: w.role === 'showroom' ? 'retail' : 'wholesale',
        ...(w.parentRef !== '00000000-0000-0000-0000-000000000000' ? { parentRef: w.parentRef } : {}),
        city: w.city,
        address: w.address,
        deleted: false,
      })),
    );
  });

  it('reads the categories and brands', async () => {
    expect((await client.listCategories()).map((c) => c.name).sort()).toEqual(DEMO_CATEGORIES.map((c) => c.name).sort());
    expect((await client.listBrands()).map((b) => b.ref).sort()).toEqual(DEMO_BRANDS.map((b) => b.ref).sort());
  });

  it('pages through the products by keyset: every product once, in Ref_Key order', async () => {
    const first = await client.listProducts({ top: 4 });
    const p = products.find((x) => x.ref === first[0]!.ref)!;
    expect(first[0]).toEqual({ ref: p.ref, code: p.code, article: p.article, name: p.name, categoryRef: p.category.ref, brandRef: p.brand.ref, kindRef: p.category.kind.ref, usesCharacteristics: true, deleted: false, dataVersion: 'AAAAAQAAAAA=' });
    const every = await all((after?: string) => client.listProducts({ ...(after ? { afterRef: after } : {}), top: 7 }), (r) => r.ref, 7);
    expect(every.map((r) => r.ref)).toEqual(products.map((x) => x.ref).sort(byGuid));
  });

  it('reads characteristics with size and colour decoded', async () => {
    const every = await all((after?: string) => client.listCharacteristics({ ...(after ? { afterRef: after } : {}), top: 50 }), (r) => r.ref, 50);
    expect(every).toEqual(
      offers
        .map(({ product, offer }) => ({ ref: offer.ref, productRef: product.ref, name: offer.description, size: offer.size, colour: offer.colour, deleted: false, dataVersion: 'AAAAAQAAAAA=' }))
        .sort((a, b) => byGuid(a.ref, b.ref)),
    );
  });

  it('reads retail prices in kopecks, the markdown where there was one', async () => {
    const every = await all((after?: { productRef: string; characteristicRef?: string }) => client.listPrices({ ...(after ? { after } : {}), top: 40 }), (r) => r, 40);
    expect(every).toEqual(
      offers
        .map(({ product, offer }) => ({
          productRef: product.ref,
          characteristicRef: offer.ref,
          priceTypeRef: DEMO_RETAIL_PRICE_TYPE.ref,
          priceKopecks: offer.priceKopecks,
          since: product.markedDown ? '2025-01-15T10:00:00' : '2024-09-02T10:00:00',
        }))
        .sort((a, b) => byGuid(a.productRef, b.productRef) || byGuid(a.characteristicRef, b.characteristicRef)),
    );
  });

  it('reads barcodes by keyset', async () => {
    const every = await all((after?: string) => client.listBarcodes({ ...(after ? { afterBarcode: after } : {}), top: 60 }), (r) => r.barcode, 60);
    expect(every).toEqual(offers.map(({ product, offer }) => ({ barcode: offer.barcode, productRef: product.ref, characteristicRef: offer.ref })).sort((a, b) => a.barcode.localeCompare(b.barcode)));
  });

  it('reads non-zero stock rows, all or for some warehouses, and sees a change', async () => {
    const expected = (keep: (w: string) => boolean) =>
      offers
        .flatMap(({ product, offer }) => offer.stock.filter((s) => keep(s.warehouseRef)).map((s) => ({ productRef: product.ref, characteristicRef: offer.ref, warehouseRef: s.warehouseRef, inHand: s.inHand, reserved: s.reserved, reservedForOrder: s.reservedForOrder })))
        .sort((a, b) => byGuid(a.productRef, b.productRef) || byGuid(a.characteristicRef, b.characteristicRef) || byGuid(a.warehouseRef, b.warehouseRef));
    const page = (warehouseRefs?: string[]) => (after?: OneCStockRow) => client.listStock({ ...(after ? { after } : {}), top: 25, ...(warehouseRefs ? { warehouseRefs } : {}) });
    expect(await all(page(), (r) => r, 25)).toEqual(expected(() => true));
    const showrooms = DEMO_WAREHOUSES.filter((w) => w.role === 'showroom').map((w) => w.ref);
    expect(await all(page(showrooms), (r) => r, 25)).toEqual(expected((w) => showrooms.includes(w)));

    const { product, offer } = offers[0]!;
    await emulator.setStock({ productRef: product.ref, characteristicRef: offer.ref, warehouseRef: showrooms[0]!, inHand: 4, reserved: 1 });
    const rows = await all(page([showrooms[0]!]), (r) => r, 25);
    expect(rows.find((r) => r.characteristicRef === offer.ref)).toEqual({ productRef: product.ref, characteristicRef: offer.ref, warehouseRef: showrooms[0], inHand: 4, reserved: 1, reservedForOrder: offer.stock.find((s) => s.warehouseRef === showrooms[0])?.reservedForOrder ?? 0 });
  });

  it('a wrong password is OneCApiError 401; an outage is UpstreamUnavailableError', async () => {
    const wrong = createOneCClient({ baseUrl: `${server.url}/trade`, login: LOGIN, password: 'nope', timeoutMs: 2_000 });
    try {
      await expect(wrong.listBrands()).rejects.toEqual(new OneCApiError(401, 'UNAUTHORIZED', '1C refused the login and password'));
    } finally {
      await wrong.close();
    }
    emulator.faults.set({ down: true });
    await expect(client.listWarehouses()).rejects.toBeInstanceOf(UpstreamUnavailableError);
    emulator.faults.clear();
    await new Promise((r) => setTimeout(r, 60));
    expect((await client.listWarehouses())).toHaveLength(7);
  });

  it('asks for JSON ($format=json) on every request, where 1C answers Atom XML to a request without it', async () => {
    await client.listWarehouses();
    await client.listBrands();
    await client.listProducts({ top: 2 });
    // Every request this file's connector calls made, reads of every kind above included.
    const sent = emulator.requests.filter((r) => r.path.startsWith('/trade/odata/'));
    expect(sent.length).toBeGreaterThanOrEqual(10);
    expect(sent.filter((r) => r.format !== 'json')).toEqual([]);
    const bare = await fetch(`${server.url}/trade/odata/standard.odata/${encodeURIComponent('Catalog_Склады')}`, { headers: { authorization: `Basic ${Buffer.from(`${LOGIN}:${PASSWORD}`).toString('base64')}` } });
    expect(bare.headers.get('content-type')).toBe('application/atom+xml;type=feed;charset=utf-8');
    expect(await bare.text()).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
    expect(emulator.requests.at(-1)).toEqual({ method: 'GET', path: `/trade/odata/standard.odata/${encodeURIComponent('Catalog_Склады')}`, format: null });
  });
});
