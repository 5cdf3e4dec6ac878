import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateAll } from '../../../platform/db/migrate.js';
import { createLogger } from '../../../platform/logger.js';
import { platformSchema } from '../../../platform/platform.migrations.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import type { CatalogSource, SourcePage } from './catalog-source.js';
import { inventorySchema } from '../inventory.migrations.js';
import { claimRun, continueRun, runInventorySync } from './inventory-sync.service.js';
import type { InventoryDb } from '../inventory.table.js';

let database: TestDatabase;
let db: Kysely<InventoryDb>;
const logger = createLogger('test', 'silent');

/** An in-memory 1C: pages by index, and a switch that breaks the n-th read. */
class FakeSource implements CatalogSource {
  reads = 0;
  failOnRead: number | undefined;
  /** The n-th read never answers: the process is as good as dead. */
  hangOnRead: number | undefined;
  constructor(public data: { products: number; offersPerProduct: number; stock: (offer: string, warehouse: string) => number }) {}

  private page<T>(all: T[], after: string | null, top: number): SourcePage<T> | Promise<SourcePage<T>> {
    this.reads++;
    if (this.failOnRead === this.reads) throw new Error('1C is down');
    if (this.hangOnRead === this.reads) return new Promise<never>(() => undefined) as never;
    const start = after === null ? 0 : Number(after);
    const rows = all.slice(start, start + top);
    return { rows, next: start + top < all.length ? String(start + top) : null };
  }
  private productIds = () => Array.from({ length: this.data.products }, (_v, i) => `p${String(i).padStart(4, '0')}`);
  private offerIds = () => this.productIds().flatMap((p) => Array.from({ length: this.data.offersPerProduct }, (_v, j) => `${p}-o${j}`));
  readonly warehouseIds = ['w-online', 'w-central'];

  async warehouses() {
    this.reads++;
    return [
      { id: 'w-online', name: 'Интернет-магазин', kind: 'ONLINE' as const, city: 'Москва', address: null, hold_priority: 0 },
      { id: 'w-central', name: 'Центральный склад', kind: 'CENTRAL' as const, city: 'Подольск', address: null, hold_priority: 1 },
    ];
  }
  async products(after: string | null, top: number) {
    return this.page(this.productIds().map((id) => ({ id, article: `A-${id}`, name: `Товар ${id}`, brand: 'B', category: 'C', search_text: `товар ${id}` })), after, top);
  }
  async offers(after: string | null, top: number) {
    return this.page(this.offerIds().map((id) => ({ id, product_id: id.split('-')[0]!, size: '46', colour: 'чёрный' })), after, top);
  }
  async prices(after: string | null, top: number) {
    return this.page(this.offerIds().map((id) => ({ offer_id: id, price: 100_00 })), after, top);
  }
  async barcodes(after: string | null, top: number) {
    return this.page(this.offerIds().map((id, i) => ({ offer_id: id, barcode: String(4600000000000 + i) })), after, top);
  }
  async stock(after: string | null, top: number) {
    const rows = this.offerIds().flatMap((o) => this.warehouseIds.map((w) => ({ offer_id: o, warehouse_id: w, in_hand: this.data.stock(o, w), reserved: 0 }))).filter((r) => r.in_hand !== 0);
    return this.page(rows, after, top);
  }
}

const stockTotal = async () => Number((await db.selectFrom('inventory.stock').select((eb) => eb.fn.sum<number>('in_hand').as('n')).executeTakeFirstOrThrow()).n ?? 0);

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db as Kysely<InventoryDb>;
  await migrateAll(database.db, [platformSchema, inventorySchema]);
});
afterAll(async () => database?.close());
beforeEach(async () => {
  for (const t of ['stock', 'offers', 'products', 'warehouses', 'sync_runs'] as const) await db.deleteFrom(`inventory.${t}`).execute();
});

describe('inventory sync from 1C (F9)', () => {
  it('copies the whole catalog and stock, in pages', async () => {
    const source = new FakeSource({ products: 30, offersPerProduct: 4, stock: () => 3 });
    const run = await runInventorySync({ db: database.db, source, logger, pageSize: 25 }, 'CATALOG');
    expect(run).toMatchObject({ status: 'SUCCEEDED', kind: 'CATALOG' });
    expect(await db.selectFrom('inventory.offers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 120 });
    expect(await stockTotal()).toBe(120 * 2 * 3);
    const offer = await db.selectFrom('inventory.offers').selectAll().where('id', '=', 'p0001-o2').executeTakeFirstOrThrow();
    expect(offer).toEqual({ id: 'p0001-o2', product_id: 'p0001', size: '46', colour: 'чёрный', barcode: '4600000000006', price: 10000 });
    expect(await db.selectFrom('inventory.staging_stock').selectAll().execute()).toEqual([]);
  });

  it('a failed run leaves the previous data whole; the next run replaces it', async () => {
    const source = new FakeSource({ products: 10, offersPerProduct: 2, stock: () => 5 });
    await runInventorySync({ db: database.db, source, logger, pageSize: 7 }, 'CATALOG');
    source.data.stock = () => 1;
    source.reads = 0;
    source.failOnRead = 3; // half-way through the stock pages
    await expect(runInventorySync({ db: database.db, source, logger, pageSize: 7 }, 'STOCK')).rejects.toThrow('1C is down');
    expect(await stockTotal()).toBe(20 * 2 * 5); // not a mix of 5s and 1s
    const [failed] = await db.selectFrom('inventory.sync_runs').selectAll().orderBy('id', 'desc').limit(1).execute();
    expect(failed).toMatchObject({ status: 'FAILED', error: '1C is down' });
    source.failOnRead = undefined;
    await runInventorySync({ db: database.db, source, logger, pageSize: 7 }, 'STOCK');
    expect(await stockTotal()).toBe(20 * 2 * 1);
  });

  it('a run whose process died half-way is resumed from its last page, not repeated', async () => {
    const source = new FakeSource({ products: 12, offersPerProduct: 3, stock: () => 2 });
    const deps = { db: database.db, source, logger, pageSize: 10, staleAfterMs: 50 };
    // The "process" reads a few pages, then freezes for good half-way through the offers.
    source.hangOnRead = 4;
    const claim = await claimRun(deps, 'CATALOG');
    expect(claim.state).toBe('new');
    void continueRun(deps, claim.run);
    while (source.reads < 4) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 80)); // its heartbeat goes stale
    source.hangOnRead = undefined;
    expect(await db.selectFrom('inventory.offers').selectAll().execute()).toEqual([]); // nothing live yet
    const readsBefore = source.reads;
    const resumed = await runInventorySync(deps, 'CATALOG');
    expect(resumed.id).toBe(claim.run.id);
    expect(resumed.status).toBe('SUCCEEDED');
    expect(await db.selectFrom('inventory.offers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 36 });
    // A full run reads 23 pages (1 + 2 + 4 + 4 + 4 + 8); the first 3 were committed before the freeze.
    expect(source.reads - readsBefore).toBe(20);
    expect(await stockTotal()).toBe(36 * 2 * 2);
  });

  it('a run stopped between pages is taken up at once by the next one, from where it stopped', async () => {
    const source = new FakeSource({ products: 12, offersPerProduct: 3, stock: () => 2 });
    const stopping = new AbortController();
    // Asked to stop while its fourth read is under way (the default 60 s staleness stays in force).
    const deps = { db: database.db, source, logger, pageSize: 10 };
    const read = source.offers.bind(source);
    source.offers = async (after, top) => {
      if (source.reads === 3) stopping.abort();
      return read(after, top);
    };
    const stopped = await runInventorySync(deps, 'CATALOG', stopping.signal);
    expect(stopped).toMatchObject({ status: 'RUNNING', phase: 'offers' });
    expect(await db.selectFrom('inventory.offers').selectAll().execute()).toEqual([]); // nothing live yet
    const readsBefore = source.reads;
    const resumed = await runInventorySync(deps, 'CATALOG');
    expect(resumed).toMatchObject({ id: stopped.id, status: 'SUCCEEDED' });
    expect(await db.selectFrom('inventory.offers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 36 });
    // 23 pages in all; the 4 read before the stop are not read again.
    expect(source.reads - readsBefore).toBe(19);
  });

  it('removes what 1C no longer has, and stock that went to zero', async () => {
    const source = new FakeSource({ products: 5, offersPerProduct: 2, stock: () => 1 });
    await runInventorySync({ db: database.db, source, logger }, 'CATALOG');
    source.data.products = 3;
    source.data.stock = (o, w) => (o === 'p0000-o0' && w === 'w-central' ? 4 : 0);
    await runInventorySync({ db: database.db, source, logger }, 'CATALOG');
    expect((await db.selectFrom('inventory.products').select('id').orderBy('id').execute()).map((p) => p.id)).toEqual(['p0000', 'p0001', 'p0002']);
    expect(await db.selectFrom('inventory.stock').selectAll().execute()).toEqual([{ offer_id: 'p0000-o0', warehouse_id: 'w-central', in_hand: 4, reserved: 0 }]);
  });
});
