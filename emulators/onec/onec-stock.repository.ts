import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { seededRandom } from '../seed/demo-people.js';
import type { OneCEmulatorDb } from './onec-emulator.tables.js';

type Db = Kysely<OneCEmulatorDb>;

/**
 * Changes of free stock (`AccumulationRegister_СвободныеОстатки`): every change is a movement
 * (signed deltas, dated now in 1C's local time) plus the new current balance, in one transaction
 * with the cell locked, so concurrent changes of one cell queue and the log always sums to the
 * balance. A cell that comes to zero is deleted, as 1C keeps no empty totals.
 */

/** 1C keeps local time; the demo base runs in Moscow (UTC+3 all year). */
const MOSCOW_OFFSET_MS = 3 * 3_600_000;
export const oneCNow = (now = Date.now()): string => new Date(now + MOSCOW_OFFSET_MS).toISOString().slice(0, 19);

export interface StockCell {
  readonly productRef: string;
  readonly characteristicRef: string;
  readonly warehouseRef: string;
}

export interface StockFigures {
  readonly inHand: number;
  readonly reserved: number;
  readonly reservedForOrder: number;
}

export type StockChangeResult =
  | { ok: true; before: StockFigures; after: StockFigures }
  | { ok: false; code: 'UNKNOWN_OFFER' | 'UNKNOWN_WAREHOUSE' | 'INVALID_QUANTITY'; message: string };

const ZERO: StockFigures = { inHand: 0, reserved: 0, reservedForOrder: 0 };

async function lockCell(trx: Transaction<OneCEmulatorDb>, cell: StockCell): Promise<StockFigures> {
  // An advisory lock covers a cell with no balance row yet, which FOR UPDATE could not.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${cell.productRef}/${cell.characteristicRef}/${cell.warehouseRef}`}, 1143))`.execute(trx);
  const row = await trx
    .selectFrom('onec_emulator.stock_balances')
    .select(['in_hand', 'reserved', 'reserved_for_order'])
    .where('product_ref', '=', cell.productRef)
    .where('characteristic_ref', '=', cell.characteristicRef)
    .where('warehouse_ref', '=', cell.warehouseRef)
    .executeTakeFirst();
  return row ? { inHand: row.in_hand, reserved: row.reserved, reservedForOrder: row.reserved_for_order } : ZERO;
}

async function validateCell(trx: Transaction<OneCEmulatorDb>, cell: StockCell): Promise<StockChangeResult | undefined> {
  const offer = await trx
    .selectFrom('onec_emulator.characteristics')
    .select('ref')
    .where('ref', '=', cell.characteristicRef)
    .where('owner_ref', '=', cell.productRef)
    .executeTakeFirst();
  if (!offer) return { ok: false, code: 'UNKNOWN_OFFER', message: `no characteristic ${cell.characteristicRef} of product ${cell.productRef}` };
  const warehouse = await trx
    .selectFrom('onec_emulator.catalog_objects')
    .select('ref')
    .where('entity_set', '=', 'Catalog_Склады')
    .where('ref', '=', cell.warehouseRef)
    .where('is_folder', '=', false)
    .executeTakeFirst();
  if (!warehouse) return { ok: false, code: 'UNKNOWN_WAREHOUSE', message: `no warehouse ${cell.warehouseRef}` };
  return undefined;
}

const cellColumns = (cell: StockCell) => ({ product_ref: cell.productRef, characteristic_ref: cell.characteristicRef, warehouse_ref: cell.warehouseRef });

/** Writes a cell's new current balance; a cell with nothing left is deleted. */
async function storeBalance(trx: Transaction<OneCEmulatorDb>, cell: StockCell, after: StockFigures): Promise<void> {
  if (after.inHand === 0 && after.reserved === 0 && after.reservedForOrder === 0) {
    await trx
      .deleteFrom('onec_emulator.stock_balances')
      .where('product_ref', '=', cell.productRef)
      .where('characteristic_ref', '=', cell.characteristicRef)
      .where('warehouse_ref', '=', cell.warehouseRef)
      .execute();
    return;
  }
  const figures = { in_hand: after.inHand, reserved: after.reserved, reserved_for_order: after.reservedForOrder };
  await trx
    .insertInto('onec_emulator.stock_balances')
    .values({ ...cellColumns(cell), ...figures })
    .onConflict((oc) => oc.columns(['product_ref', 'characteristic_ref', 'warehouse_ref']).doUpdateSet(figures))
    .execute();
}

const isQuantity = (n: number) => Number.isInteger(n) && n >= 0 && n <= 1_000_000;

/**
 * Sets one cell to the given figures (`reserved` kept, or cut down to inHand, when not given;
 * `reservedForOrder` kept), writing the difference as a movement of `recorderType`.
 */
export async function setStock(
  db: Db,
  cell: StockCell,
  target: { inHand: number; reserved?: number; reservedForOrder?: number },
  recorderType = 'StandardODATA.Document_ПересчетТоваров',
  period = oneCNow(),
): Promise<StockChangeResult> {
  for (const [name, value] of Object.entries(target)) {
    if (value !== undefined && !isQuantity(value)) return { ok: false, code: 'INVALID_QUANTITY', message: `${name} must be a whole number from 0 to 1000000` };
  }
  if (target.reserved !== undefined && target.reserved > target.inHand) return { ok: false, code: 'INVALID_QUANTITY', message: 'reserved cannot exceed inHand' };
  return db.transaction().execute(async (trx) => {
    const invalid = await validateCell(trx, cell);
    if (invalid) return invalid;
    const before = await lockCell(trx, cell);
    const after: StockFigures = {
      inHand: target.inHand,
      reserved: target.reserved ?? Math.min(before.reserved, target.inHand),
      reservedForOrder: target.reservedForOrder ?? before.reservedForOrder,
    };
    const delta = { in_hand: after.inHand - before.inHand, reserved: after.reserved - before.reserved, reserved_for_order: after.reservedForOrder - before.reservedForOrder };
    if (delta.in_hand === 0 && delta.reserved === 0 && delta.reserved_for_order === 0) return { ok: true, before, after };

    await trx
      .insertInto('onec_emulator.stock_movements')
      .values({ ...cellColumns(cell), ...delta, period: sql<Date>`${period}::timestamp`, recorder: randomUUID(), recorder_type: recorderType })
      .execute();
    await storeBalance(trx, cell, after);
    return { ok: true, before, after };
  });
}

export interface SimulatedChange {
  readonly productRef: string;
  readonly offerRef: string;
  readonly warehouseRef: string;
  readonly inHand: number;
  readonly reserved: number;
}

/**
 * What a day in the showrooms does to free stock: sales (in hand −1, from a reserve or not),
 * deliveries (in hand +1…5) and new reserves (+1), on offers and warehouses picked by a seeded
 * PRNG (showrooms most often). Changes one cell after another; returns each cell's new figures.
 */
export async function simulateStockChanges(db: Db, o: { count: number; seed?: number }): Promise<SimulatedChange[]> {
  const random = seededRandom(o.seed ?? Date.now() % 0x7fffffff);
  const total = Number((await db.selectFrom('onec_emulator.characteristics').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const warehouses = await db
    .selectFrom('onec_emulator.catalog_objects')
    .select(['ref', sql<string>`attrs->>'ТипСклада'`.as('type')])
    .where('entity_set', '=', 'Catalog_Склады')
    .where('is_folder', '=', false)
    .orderBy('code')
    .execute();
  if (total === 0 || warehouses.length === 0) return [];
  const showrooms = warehouses.filter((w) => w.type === 'РозничныйМагазин');
  const others = warehouses.filter((w) => w.type !== 'РозничныйМагазин');

  const changes: SimulatedChange[] = [];
  for (let i = 0; i < o.count; i++) {
    const offer = await db
      .selectFrom('onec_emulator.characteristics')
      .select(['ref', 'owner_ref'])
      .orderBy('ref')
      .offset(Math.floor(random() * total))
      .limit(1)
      .executeTakeFirstOrThrow();
    const pool = showrooms.length > 0 && (others.length === 0 || random() < 0.7) ? showrooms : others;
    const warehouse = pool[Math.floor(random() * pool.length)]!;
    const cell = { productRef: offer.owner_ref, characteristicRef: offer.ref, warehouseRef: warehouse.ref };
    const current = await db
      .selectFrom('onec_emulator.stock_balances')
      .select(['in_hand', 'reserved'])
      .where('product_ref', '=', cell.productRef)
      .where('characteristic_ref', '=', cell.characteristicRef)
      .where('warehouse_ref', '=', cell.warehouseRef)
      .executeTakeFirst();
    const inHand = current?.in_hand ?? 0;
    const reserved = current?.reserved ?? 0;
    const roll = random();
    let target: { inHand: number; reserved: number };
    let recorderType: string;
    if (inHand > 0 && roll < 0.55) {
      // A sale; half the time of a reserved unit (a click-and-collect order picked up).
      const fromReserve = reserved > 0 && random() < 0.5;
      target = { inHand: inHand - 1, reserved: fromReserve ? reserved - 1 : Math.min(reserved, inHand - 1) };
      recorderType = 'StandardODATA.Document_ЧекККМ';
    } else if (inHand > reserved && roll < 0.7) {
      target = { inHand, reserved: reserved + 1 };
      recorderType = 'StandardODATA.Document_ЗаказКлиента';
    } else {
      target = { inHand: inHand + 1 + Math.floor(random() * 5), reserved };
      recorderType = 'StandardODATA.Document_ПеремещениеТоваров';
    }
    const result = await setStock(db, cell, target, recorderType);
    if (!result.ok) throw new Error(`simulated change refused: ${result.message}`);
    changes.push({ productRef: cell.productRef, offerRef: cell.characteristicRef, warehouseRef: cell.warehouseRef, inHand: result.after.inHand, reserved: result.after.reserved });
  }
  return changes;
}

/** A signed change of one cell's resources, as a document's register record. */
export interface StockDelta extends StockCell {
  readonly inHand: number;
  readonly reserved: number;
  readonly reservedForOrder: number;
}

export type MovementsResult = { ok: true } | { ok: false; cell: StockCell; before: StockFigures; after: StockFigures };

const cellKey = (c: StockCell) => `${c.productRef}/${c.characteristicRef}/${c.warehouseRef}`;

/**
 * Applies deltas to balances (cells locked in key order, so two documents touching the same cells
 * queue instead of deadlocking). Refuses, changing nothing it has not already changed inside the
 * caller's transaction, when a cell would hold less than nothing or reserve more than it holds:
 * the caller rolls back.
 */
async function applyDeltas(trx: Transaction<OneCEmulatorDb>, deltas: readonly StockDelta[]): Promise<MovementsResult> {
  const merged = new Map<string, StockDelta>();
  for (const d of deltas) {
    const key = cellKey(d);
    const prev = merged.get(key);
    merged.set(key, prev ? { ...d, inHand: prev.inHand + d.inHand, reserved: prev.reserved + d.reserved, reservedForOrder: prev.reservedForOrder + d.reservedForOrder } : d);
  }
  for (const key of [...merged.keys()].sort()) {
    const d = merged.get(key)!;
    const before = await lockCell(trx, d);
    const after = { inHand: before.inHand + d.inHand, reserved: before.reserved + d.reserved, reservedForOrder: before.reservedForOrder + d.reservedForOrder };
    if (after.inHand < 0 || after.reserved < 0 || after.reservedForOrder < 0 || after.reserved > after.inHand) return { ok: false, cell: d, before, after };
    await storeBalance(trx, d, after);
  }
  return { ok: true };
}

/** Writes a document's movements (recorder = the document) and the balances they change, in the caller's transaction. */
export async function writeMovements(trx: Transaction<OneCEmulatorDb>, recorder: { ref: string; type: string; period: string }, deltas: readonly StockDelta[]): Promise<MovementsResult> {
  const nonZero = deltas.filter((d) => d.inHand !== 0 || d.reserved !== 0 || d.reservedForOrder !== 0);
  if (nonZero.length === 0) return { ok: true };
  const applied = await applyDeltas(trx, nonZero);
  if (!applied.ok) return applied;
  await trx
    .insertInto('onec_emulator.stock_movements')
    .values(nonZero.map((d) => ({ ...cellColumns(d), in_hand: d.inHand, reserved: d.reserved, reserved_for_order: d.reservedForOrder, period: sql<Date>`${recorder.period}::timestamp`, recorder: recorder.ref, recorder_type: recorder.type })))
    .execute();
  return { ok: true };
}

/** Deletes a document's movements and takes them back out of the balances (1C's unposting), in the caller's transaction. */
export async function removeMovements(trx: Transaction<OneCEmulatorDb>, recorder: string): Promise<MovementsResult> {
  const rows = await trx.selectFrom('onec_emulator.stock_movements').selectAll().where('recorder', '=', recorder).execute();
  if (rows.length === 0) return { ok: true };
  const applied = await applyDeltas(
    trx,
    rows.map((r) => ({ productRef: r.product_ref, characteristicRef: r.characteristic_ref, warehouseRef: r.warehouse_ref, inHand: -r.in_hand, reserved: -r.reserved, reservedForOrder: -r.reserved_for_order })),
  );
  if (!applied.ok) return applied;
  await trx.deleteFrom('onec_emulator.stock_movements').where('recorder', '=', recorder).execute();
  return { ok: true };
}
