import { createHash, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { AppError, badInput, notFound } from '../../../platform/errors.js';
import { canonicalJson, idempotencyKeySchema } from '../../../platform/idempotency.js';
import type { InventoryDb, StockHoldLineRow, StockHoldRow } from '../inventory.table.js';
import { availableOf, stockLocks, stockOfOffersInWarehouses } from '../stock.repository.js';

export interface StockHold {
  readonly id: string;
  readonly status: StockHoldRow['status'];
  readonly expiresAt: Date;
  readonly lines: readonly { offerId: string; warehouseId: string; quantity: number }[];
}

const MAX_LINES = 100;
const MAX_QUANTITY = 100;

const holdInput = z.object({
  idempotencyKey: idempotencyKeySchema,
  ttlSeconds: z.number().int().min(30, 'must be at least 30').max(24 * 3600, 'must be at most 86400'),
  lines: z
    .array(
      z.object({
        offerId: z.string().min(1).max(100),
        quantity: z.number().int().min(1, 'must be at least 1').max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`),
        warehouseId: z.string().min(1).max(100).nullish(),
      }),
    )
    .min(1, 'a hold needs at least one line')
    .max(MAX_LINES, `at most ${MAX_LINES} lines`),
});

export type HoldStockInput = z.input<typeof holdInput>;

const byOfferThenWarehouse = (a: StockHoldLineRow, b: StockHoldLineRow) =>
  a.offer_id < b.offer_id ? -1 : a.offer_id > b.offer_id ? 1 : a.warehouse_id < b.warehouse_id ? -1 : a.warehouse_id > b.warehouse_id ? 1 : 0;

function toHold(row: StockHoldRow, lines: readonly StockHoldLineRow[]): StockHold {
  const expired = row.status === 'ACTIVE' && row.expires_at.getTime() <= Date.now();
  return {
    id: row.id,
    status: expired ? 'EXPIRED' : row.status,
    expiresAt: row.expires_at,
    lines: [...lines].sort(byOfferThenWarehouse).map((l) => ({ offerId: l.offer_id, warehouseId: l.warehouse_id, quantity: l.quantity })),
  };
}

async function loadHold(db: Kysely<InventoryDb>, where: { id?: string; key?: string }): Promise<StockHold | undefined> {
  let query = db.selectFrom('inventory.stock_holds').selectAll();
  if (where.id) query = query.where('id', '=', where.id);
  if (where.key) query = query.where('idempotency_key', '=', where.key);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  const lines = await db.selectFrom('inventory.stock_hold_lines').selectAll().where('hold_id', '=', row.id).execute();
  return toHold(row, lines);
}

const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/**
 * Holds every line of a cart, all or nothing (R14). The stock rows of the cart's offers are locked
 * in a fixed order, what is free is computed under that lock (in hand − reserved − held), and the
 * lines are taken from the given warehouse or from warehouses in hold order (online, central,
 * showrooms), splitting a line when one warehouse has too few. Available stock can therefore never
 * go below zero, however many checkouts race. The same idempotency key with the same lines returns
 * the first hold; with other lines it is IDEMPOTENCY_KEY_REUSED. OUT_OF_STOCK holds nothing.
 */
export async function holdStock(executor: Kysely<any>, input: HoldStockInput): Promise<StockHold> {
  const parsed = holdInput.safeParse(input);
  if (!parsed.success) {
    throw badInput('Invalid stock hold', { fields: Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), i.message])) });
  }
  const { idempotencyKey, ttlSeconds } = parsed.data;
  const db = executor as Kysely<InventoryDb>;
  // Lines of the same offer and warehouse are one line.
  const merged = new Map<string, { offerId: string; warehouseId: string | null; quantity: number }>();
  for (const line of parsed.data.lines) {
    const key = `${line.offerId}\u0000${line.warehouseId ?? ''}`;
    const existing = merged.get(key);
    merged.set(key, { offerId: line.offerId, warehouseId: line.warehouseId ?? null, quantity: (existing?.quantity ?? 0) + line.quantity });
  }
  const lines = [...merged.values()].sort((a, b) => (a.offerId + (a.warehouseId ?? '')).localeCompare(b.offerId + (b.warehouseId ?? '')));
  const requestHash = createHash('sha256').update(canonicalJson({ lines, ttlSeconds })).digest('hex');
  const offerIds = [...new Set(lines.map((l) => l.offerId))];

  return db.transaction().execute(async (trx) => {
    // The cart's stock locked and the key taken, in one statement. A second request with the key
    // waits on the locks for the first to end, then finds the key taken and replays the first.
    const { rows } = await sql<StockHoldRow>`
      with locked as (${stockLocks(offerIds)})
      insert into inventory.stock_holds (id, idempotency_key, request_hash, status, expires_at)
      select ${randomUUID()}, ${idempotencyKey}, ${requestHash}, 'ACTIVE', now() + ${`${ttlSeconds} seconds`}::interval
        from (select count(*) from locked) as stock_locked
      on conflict (idempotency_key) do nothing
      returning *`.execute(trx);
    const hold = rows[0];
    if (!hold) {
      const first = await trx.selectFrom('inventory.stock_holds').select(['request_hash']).where('idempotency_key', '=', idempotencyKey).executeTakeFirstOrThrow();
      return replay(trx, idempotencyKey, requestHash, first.request_hash);
    }
    // Read after the locks (a statement of its own, so it sees the holds committed while we waited).
    const stock = await stockOfOffersInWarehouses(trx, offerIds);
    const unknownOffers = offerIds.filter((id) => !stock.offers.some((o) => o.id === id));
    if (unknownOffers.length > 0) throw badInput('Unknown offers', { unknownOffers });
    const warehouses = stock.warehouses.map((w) => w.id);
    const unknownWarehouses = lines.map((l) => l.warehouseId).filter((w): w is string => w !== null && !warehouses.includes(w));
    if (unknownWarehouses.length > 0) throw badInput('Unknown warehouses', { unknownWarehouses: [...new Set(unknownWarehouses)] });

    const free = new Map(stock.figures.map((f) => [`${f.offerId}\u0000${f.warehouseId}`, availableOf(f)]));
    const taken: { offer_id: string; warehouse_id: string; quantity: number }[] = [];
    const short: { offerId: string; requested: number; available: number }[] = [];
    for (const line of lines) {
      const candidates = line.warehouseId ? [line.warehouseId] : warehouses;
      let remaining = line.quantity;
      for (const warehouseId of candidates) {
        const slot = `${line.offerId}\u0000${warehouseId}`;
        const take = Math.min(remaining, free.get(slot) ?? 0);
        if (take === 0) continue;
        free.set(slot, (free.get(slot) ?? 0) - take);
        remaining -= take;
        const already = taken.find((t) => t.offer_id === line.offerId && t.warehouse_id === warehouseId);
        if (already) already.quantity += take;
        else taken.push({ offer_id: line.offerId, warehouse_id: warehouseId, quantity: take });
        if (remaining === 0) break;
      }
      if (remaining > 0) short.push({ offerId: line.offerId, requested: line.quantity, available: line.quantity - remaining });
    }
    // Thrown inside the transaction: the key goes with everything else.
    if (short.length > 0) throw new AppError('OUT_OF_STOCK', 'Not enough stock for this cart', { lines: short });
    const held = await trx.insertInto('inventory.stock_hold_lines').values(taken.map((t) => ({ hold_id: hold.id, ...t }))).returningAll().execute();
    return toHold(hold, held);
  });
}

async function replay(db: Kysely<InventoryDb>, key: string, requestHash: string, storedHash: string): Promise<StockHold> {
  if (storedHash !== requestHash) throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was already used for another cart');
  return (await loadHold(db, { key }))!;
}

async function transition(executor: Kysely<any>, holdId: string, to: 'RELEASED' | 'COMMITTED'): Promise<StockHold> {
  if (!isUuid(holdId)) throw badInput('Malformed hold id');
  const db = executor as Kysely<InventoryDb>;
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('inventory.stock_holds').selectAll().where('id', '=', holdId).forUpdate().executeTakeFirst();
    if (!row) throw notFound('No such stock hold');
    const current = toHold(row, []).status;
    if (current === to) return (await loadHold(trx, { id: holdId }))!;
    if (to === 'RELEASED' && (current === 'EXPIRED' || current === 'RELEASED')) return (await loadHold(trx, { id: holdId }))!;
    if (current === 'EXPIRED') throw new AppError('STOCK_HOLD_EXPIRED', 'The stock hold has expired');
    if (current !== 'ACTIVE') throw badInput(`A ${current.toLowerCase()} hold cannot be ${to.toLowerCase()}`);
    await trx.updateTable('inventory.stock_holds').set({ status: to, updated_at: sql`now()` }).where('id', '=', holdId).execute();
    return (await loadHold(trx, { id: holdId }))!;
  });
}

/** Gives an active hold's units back. Releasing a released or expired hold changes nothing. */
export const releaseStockHold = (db: Kysely<any>, holdId: string) => transition(db, holdId, 'RELEASED');

/** The sale went through: the units stay taken until 1C's own reservation shows in a stock sync. */
export const commitStockHold = (db: Kysely<any>, holdId: string) => transition(db, holdId, 'COMMITTED');

/** Marks holds past their expiry as EXPIRED. Availability ignores them already; this keeps the table honest. */
export async function expireStockHolds(db: Kysely<any>): Promise<number> {
  const result = await (db as Kysely<InventoryDb>)
    .updateTable('inventory.stock_holds')
    .set({ status: 'EXPIRED', updated_at: sql`now()` })
    .where('status', '=', 'ACTIVE')
    .where('expires_at', '<=', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export const getStockHold = (db: Kysely<any>, holdId: string) => (isUuid(holdId) ? loadHold(db as Kysely<InventoryDb>, { id: holdId }) : Promise.resolve(undefined));
