import { createOneCClient } from '../../connectors/onec/onec.client.js';
import type { OneCStockRow } from '../../connectors/onec/onec.port.js';
import { migrateSchema } from '../../platform/db/migrate.js';
import { createTestDatabase } from '../../test/support/test-database.js';
import { DEMO_SCALE_PRODUCTS } from '../seed/demo-catalog.js';
import { createOneCEmulator, oneCEmulatorSchema } from './onec.emulator.js';

/**
 * The scale set, measured: seeds DEMO_SCALE_PRODUCTS products (100k+ offers × 7 warehouses) into a
 * fresh database and reads everything back through the connector by keyset pages, then a few
 * deep `$skip` pages. Run on real Postgres:
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx emulators/onec/onec-scale.script.ts [products]
 */
const products = Number(process.argv[2] ?? DEMO_SCALE_PRODUCTS);
const testDb = await createTestDatabase();
try {
  await migrateSchema(testDb.db, oneCEmulatorSchema);
  const emulator = createOneCEmulator({ db: testDb.db, users: [{ login: 'scale', password: 'scale' }] });
  let started = performance.now();
  await emulator.seed({ products });
  console.info(`seed: ${products} products in ${Math.round(performance.now() - started)} ms on ${testDb.url ? 'Postgres' : 'PGlite'}`);

  const server = await emulator.start(0);
  const client = createOneCClient({ baseUrl: `${server.url}/trade`, login: 'scale', password: 'scale', timeoutMs: 30_000 });
  const walk = async <T>(name: string, page: (after: T | undefined) => Promise<T[]>, top: number) => {
    const begun = performance.now();
    let rows = 0;
    let pages = 0;
    let slowest = 0;
    let after: T | undefined;
    for (;;) {
      const t = performance.now();
      const got = await page(after);
      slowest = Math.max(slowest, performance.now() - t);
      rows += got.length;
      pages++;
      if (got.length < top) break;
      after = got.at(-1);
    }
    console.info(`${name}: ${rows} rows in ${pages} pages of ${top}, ${Math.round(performance.now() - begun)} ms, slowest page ${Math.round(slowest)} ms`);
  };
  await walk<{ ref: string }>('products', (a) => client.listProducts({ ...(a ? { afterRef: a.ref } : {}), top: 1000 }), 1000);
  await walk<{ ref: string }>('characteristics', (a) => client.listCharacteristics({ ...(a ? { afterRef: a.ref } : {}), top: 1000 }), 1000);
  await walk<{ productRef: string; characteristicRef?: string }>('prices', (a) => client.listPrices({ ...(a ? { after: a } : {}), top: 1000 }), 1000);
  await walk<{ barcode: string }>('barcodes', (a) => client.listBarcodes({ ...(a ? { afterBarcode: a.barcode } : {}), top: 1000 }), 1000);
  await walk<OneCStockRow>('stock', (a) => client.listStock({ ...(a ? { after: a } : {}), top: 1000 }), 1000);

  const auth = `Basic ${Buffer.from('scale:scale').toString('base64')}`;
  for (const skip of [0, 50_000, 99_000]) {
    started = performance.now();
    const res = await fetch(`${server.url}/trade/odata/standard.odata/${encodeURI(`Catalog_ХарактеристикиНоменклатуры?$format=json&$select=Ref_Key&$orderby=Ref_Key&$top=1000&$skip=${skip}`)}`, { headers: { authorization: auth } });
    const body = (await res.json()) as { value: unknown[] };
    console.info(`$skip=${skip}: ${body.value.length} rows in ${Math.round(performance.now() - started)} ms`);
  }
  await client.close();
  await server.close();
} finally {
  await testDb.close();
}
