import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from '../../platform/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { DEMO_PRODUCTS, demoProducts } from '../seed/demo-catalog.js';
import { createOneCEmulator, oneCEmulatorSchema } from './onec.emulator.js';
import type { OneCEmulatorDb } from './onec-emulator.tables.js';

let testDb: TestDatabase;
/** The seed's statements: thousands of rows in 18 multi-row inserts when measured (2026-12-06); headroom, no time. */
const SEED_STATEMENTS = 40;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrateSchema(testDb.db, oneCEmulatorSchema);
});

afterAll(async () => {
  await testDb?.close();
});

describe('seeding the demo catalog', () => {
  it('loads the demo size in bulk (a bounded number of statements, not one per row), exactly what the generator makes, and only once', async () => {
    const emulator = createOneCEmulator({ db: testDb.db, users: [] });
    // How long it takes is a machine's figure (npm run bench:startup); how many statements it sends is the code's.
    testDb.queries.count = 0;
    await emulator.seed({ products: DEMO_PRODUCTS });
    console.log(`1C demo seed: ${testDb.queries.count} SQL statements`);
    expect(testDb.queries.count).toBeLessThanOrEqual(SEED_STATEMENTS);

    const products = [...demoProducts(0, DEMO_PRODUCTS)];
    const offers = products.flatMap((p) => p.offers);
    const expected = {
      products: DEMO_PRODUCTS + 15,
      characteristics: offers.length,
      barcodes: offers.length,
      prices: offers.length + products.length + products.filter((p) => p.markedDown).reduce((n, p) => n + p.offers.length, 0),
      price_slice_last: offers.length + products.length,
      stock_balances: offers.reduce((n, o) => n + o.stock.length, 0),
      stock_movements: offers.reduce((n, o) => n + o.stock.length, 0),
      catalog_objects: 16 + 3 + 2 + 1 + 1 + 2 + 24 + 15 + 8,
    };
    const db = testDb.db as Kysely<OneCEmulatorDb>;
    const count = async (table: keyof typeof expected) =>
      Number((await db.selectFrom(`onec_emulator.${table}` as 'onec_emulator.products').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const counts = async () => Object.fromEntries(await Promise.all((Object.keys(expected) as (keyof typeof expected)[]).map(async (t) => [t, await count(t)])));
    expect(await counts()).toEqual(expected);

    await emulator.seed({ products: 5 });
    expect(await counts()).toEqual(expected);
  });
});
