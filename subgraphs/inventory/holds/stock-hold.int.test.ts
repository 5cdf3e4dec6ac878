import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { migrateAll } from '../../../platform/db/migrate.js';
import { platformSchema } from '../../../platform/platform.migrations.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import { inventorySchema } from '../inventory.migrations.js';
import type { InventoryDb } from '../inventory.table.js';
import { availableOf, stockOfOffersInWarehouses } from '../stock.repository.js';
import { commitStockHold, expireStockHolds, holdStock, releaseStockHold } from './stock-hold.service.js';

let database: TestDatabase;
let db: Kysely<InventoryDb>;

const WAREHOUSES = [
  { id: 'w-online', name: 'Интернет-магазин', kind: 'ONLINE', city: 'Москва', address: null, hold_priority: 0 },
  { id: 'w-central', name: 'Центральный склад', kind: 'CENTRAL', city: 'Подольск', address: null, hold_priority: 1 },
  { id: 'w-tverskaya', name: 'Шоурум на Тверской', kind: 'SHOWROOM', city: 'Москва', address: 'Тверская, 1', hold_priority: 2 },
] as const;

async function setStock(rows: { offer: string; warehouse: string; inHand: number; reserved?: number }[]) {
  await db.deleteFrom('inventory.stock').execute();
  await db.insertInto('inventory.stock').values(rows.map((r) => ({ offer_id: r.offer, warehouse_id: r.warehouse, in_hand: r.inHand, reserved: r.reserved ?? 0 }))).execute();
}

const available = async (offer: string) => (await stockOfOffersInWarehouses(db, [offer])).figures.reduce((sum, f) => sum + availableOf(f), 0);

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db as Kysely<InventoryDb>;
  await migrateAll(database.db, [platformSchema, inventorySchema]);
  await db.insertInto('inventory.warehouses').values([...WAREHOUSES]).execute();
  await db.insertInto('inventory.products').values({ id: 'p1', article: 'A-1', name: 'Платье', brand: 'X', category: 'Платья', search_text: 'платье a-1 x' }).execute();
  await db.insertInto('inventory.offers').values([
    { id: 'o1', product_id: 'p1', size: '44', colour: 'чёрный', barcode: null, price: 499000 },
    { id: 'o2', product_id: 'p1', size: '46', colour: 'чёрный', barcode: null, price: 499000 },
  ]).execute();
});
afterAll(async () => database?.close());
beforeEach(async () => {
  await db.deleteFrom('inventory.stock_holds').execute();
});

describe('stock holds (R14)', () => {
  it('100 concurrent holds of the last 10 units hold exactly 10, never below zero', async () => {
    await setStock([{ offer: 'o1', warehouse: 'w-central', inHand: 12, reserved: 2 }]);
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_v, i) => holdStock(database.db, { idempotencyKey: `checkout-${i}`, ttlSeconds: 600, lines: [{ offerId: 'o1', quantity: 1 }] })),
    );
    const held = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(held).toHaveLength(10);
    expect(refused.map((r) => r.reason.code)).toEqual(Array(90).fill('OUT_OF_STOCK'));
    expect(await available('o1')).toBe(0);
    const lines = await db.selectFrom('inventory.stock_hold_lines').select((eb) => eb.fn.sum<number>('quantity').as('n')).executeTakeFirstOrThrow();
    expect(Number(lines.n)).toBe(10);
  });

  it('holds a whole cart or nothing, taking from warehouses in order and splitting a line', async () => {
    await setStock([
      { offer: 'o1', warehouse: 'w-online', inHand: 1 },
      { offer: 'o1', warehouse: 'w-tverskaya', inHand: 5 },
      { offer: 'o2', warehouse: 'w-central', inHand: 1 },
    ]);
    const hold = await holdStock(database.db, { idempotencyKey: 'cart-split', ttlSeconds: 600, lines: [{ offerId: 'o1', quantity: 3 }, { offerId: 'o2', quantity: 1 }] });
    expect(hold.lines).toEqual([
      { offerId: 'o1', warehouseId: 'w-online', quantity: 1 },
      { offerId: 'o1', warehouseId: 'w-tverskaya', quantity: 2 },
      { offerId: 'o2', warehouseId: 'w-central', quantity: 1 },
    ]);
    await expect(
      holdStock(database.db, { idempotencyKey: 'cart-too-big', ttlSeconds: 600, lines: [{ offerId: 'o1', quantity: 1 }, { offerId: 'o2', quantity: 1 }] }),
    ).rejects.toMatchObject({ code: 'OUT_OF_STOCK', details: { lines: [{ offerId: 'o2', requested: 1, available: 0 }] } });
    expect(await available('o1')).toBe(3); // the failed cart took nothing
  });

  it('the same key holds once; the same key with another cart is refused', async () => {
    await setStock([{ offer: 'o1', warehouse: 'w-central', inHand: 5 }]);
    const input = { idempotencyKey: 'same-key-1', ttlSeconds: 600, lines: [{ offerId: 'o1', quantity: 2 }] };
    const holds = await Promise.all(Array.from({ length: 20 }, () => holdStock(database.db, input)));
    expect(new Set(holds.map((h) => h.id)).size).toBe(1);
    expect(await available('o1')).toBe(3);
    await expect(holdStock(database.db, { ...input, lines: [{ offerId: 'o1', quantity: 3 }] })).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('an expired hold gives its units back by itself', async () => {
    await setStock([{ offer: 'o1', warehouse: 'w-central', inHand: 1 }]);
    const hold = await holdStock(database.db, { idempotencyKey: 'short-lived', ttlSeconds: 30, lines: [{ offerId: 'o1', quantity: 1 }] });
    expect(await available('o1')).toBe(0);
    await db.updateTable('inventory.stock_holds').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', hold.id).execute();
    expect(await available('o1')).toBe(1);
    expect(await expireStockHolds(database.db)).toBe(1);
    await expect(commitStockHold(database.db, hold.id)).rejects.toMatchObject({ code: 'STOCK_HOLD_EXPIRED' });
  });

  it('release gives units back; commit keeps them taken; both are idempotent', async () => {
    await setStock([{ offer: 'o1', warehouse: 'w-central', inHand: 2 }]);
    const a = await holdStock(database.db, { idempotencyKey: 'release-me', ttlSeconds: 600, lines: [{ offerId: 'o1', quantity: 1 }] });
    const b = await holdStock(database.db, { idempotencyKey: 'commit-me', ttlSeconds: 600, lines: [{ offerId: 'o1', quantity: 1 }] });
    expect(await available('o1')).toBe(0);
    expect((await releaseStockHold(database.db, a.id)).status).toBe('RELEASED');
    expect((await releaseStockHold(database.db, a.id)).status).toBe('RELEASED');
    expect((await commitStockHold(database.db, b.id)).status).toBe('COMMITTED');
    expect((await commitStockHold(database.db, b.id)).status).toBe('COMMITTED');
    expect(await available('o1')).toBe(1);
    await expect(releaseStockHold(database.db, b.id)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('refuses bad input with a typed error and holds nothing', async () => {
    await setStock([{ offer: 'o1', warehouse: 'w-central', inHand: 5 }]);
    const bad = [
      { idempotencyKey: 'bad-input-1', ttlSeconds: 600, lines: [] },
      { idempotencyKey: 'bad-input-2', ttlSeconds: 600, lines: [{ offerId: 'o1', quantity: 0 }] },
      { idempotencyKey: 'bad-input-3', ttlSeconds: 600, lines: [{ offerId: 'o1', quantity: -3 }] },
      { idempotencyKey: 'bad-input-4', ttlSeconds: 600, lines: [{ offerId: 'o1', quantity: 1_000_000 }] },
      { idempotencyKey: 'bad-input-5', ttlSeconds: 600, lines: [{ offerId: 'nope', quantity: 1 }] },
      { idempotencyKey: 'bad-input-6', ttlSeconds: 600, lines: [{ offerId: 'o1', quantity: 1, warehouseId: 'nowhere' }] },
      { idempotencyKey: 'short', ttlSeconds: 600, lines: [{ offerId: 'o1', quantity: 1 }] },
      { idempotencyKey: 'bad-input-8', ttlSeconds: 1, lines: [{ offerId: 'o1', quantity: 1 }] },
    ];
    for (const input of bad) await expect(holdStock(database.db, input), JSON.stringify(input)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(releaseStockHold(database.db, 'not-a-uuid')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await db.selectFrom('inventory.stock_holds').selectAll().execute()).toEqual([]);
    expect(await available('o1')).toBe(5);
  });
});
