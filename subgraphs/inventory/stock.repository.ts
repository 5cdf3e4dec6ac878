import { sql, type Kysely } from 'kysely';
import type { OfferWithProduct } from './catalog.repository.js';
import type { InventoryDb, WarehouseRow } from './inventory.table.js';

type Db = Kysely<InventoryDb>;

export interface StockFigures {
  readonly offerId: string;
  readonly warehouseId: string;
  readonly inHand: number;
  readonly reserved: number;
  readonly held: number;
}

/** When the last successful run started: committed holds after it are not in 1C's figures yet. */
const SNAPSHOT_STARTED = sql`(select max(started_at) from inventory.sync_runs where status = 'SUCCEEDED')`;
/** When the last successful run finished: the time stock figures are as of. */
const SNAPSHOT_FINISHED = sql`(select finished_at from inventory.sync_runs where status = 'SUCCEEDED' order by finished_at desc limit 1)`;

/**
 * Units held by checkouts: active holds that have not expired, and committed holds that the stock
 * snapshot from 1C cannot include yet (committed after that snapshot started: the last one, or the
 * one whose figures the caller holds, `since`).
 */
export const heldLines = (offerIds: readonly string[], since?: Date | null) => sql`
  select l.offer_id, l.warehouse_id, sum(l.quantity)::int as held
    from inventory.stock_hold_lines l
    join inventory.stock_holds h on h.id = l.hold_id
   where l.offer_id = any(${offerIds}::text[])
     and ((h.status = 'ACTIVE' and h.expires_at > now())
       or (h.status = 'COMMITTED' and h.updated_at > coalesce(${since === undefined ? SNAPSHOT_STARTED : sql`${since}::timestamptz`}, '-infinity')))
   group by l.offer_id, l.warehouse_id`;

/** Which stock snapshot is current: a read's figures are those of one snapshot. */
export interface StockSnapshotTimes {
  /** When it started (holds committed after it count as held). */
  readonly startedAt: Date | null;
  /** When it finished (StockLevel.asOf). */
  readonly asOf: Date | null;
}

const dateOrNull = (value: Date | string | null) => (value === null ? null : new Date(value));

/**
 * What checkouts hold of these offers against the snapshot that started at `since`, and which
 * snapshot is current now: one statement, for a caller that has the rest of the figures already.
 */
export async function holdsOfOffers(db: Db, offerIds: readonly string[], since: Date | null): Promise<{ held: { offerId: string; warehouseId: string; held: number }[]; current: StockSnapshotTimes }> {
  const { rows } = await sql<{ started_at: Date | string | null; as_of: Date | string | null; held: { offer_id: string; warehouse_id: string; held: number }[] }>`
    select ${SNAPSHOT_STARTED} as started_at, ${SNAPSHOT_FINISHED} as as_of,
           coalesce((select json_agg(h) from (${heldLines(offerIds, since)}) h), '[]'::json) as held`.execute(db);
  const row = rows[0]!;
  return { held: row.held.map((h) => ({ offerId: h.offer_id, warehouseId: h.warehouse_id, held: h.held })), current: { startedAt: dateOrNull(row.started_at), asOf: dateOrNull(row.as_of) } };
}

/**
 * A query that locks the stock rows of these offers (in a fixed order, so two checkouts never
 * deadlock), for a statement to take the locks in: a CTE runs only where it is read.
 */
export const stockLocks = (offerIds: readonly string[]) =>
  sql`select 1 from inventory.stock where offer_id = any(${offerIds}::text[]) order by offer_id, warehouse_id for update`;

export const availableOf = (f: Pick<StockFigures, 'inHand' | 'reserved' | 'held'>): number => Math.max(0, f.inHand - f.reserved - f.held);

export interface StockInWarehouses {
  readonly figures: StockFigures[];
  /** The offers asked for that exist, with their products' columns (as findOffers reads them). */
  readonly offers: OfferWithProduct[];
  /** Every warehouse, as listWarehouses reads them (empty when no offer was asked for). */
  readonly warehouses: WarehouseRow[];
  /** The snapshot these figures are of; undefined when nothing was read. */
  readonly snapshot: StockSnapshotTimes | undefined;
}

type StockRow = { offer_id: string; warehouse_id: string | null; in_hand: number; reserved: number; held: number; offer: OfferWithProduct | null; warehouse: WarehouseRow | null; as_of: Date | string | null; started_at: Date | string | null };

/**
 * Stock of each offer in every warehouse (zeros included), with what checkouts hold, for any number
 * of offers, and in the same statement all that a stock screen or a checkout shows beside it: each
 * offer with its product, each warehouse's row, and the snapshot the figures are of.
 */
export async function stockOfOffersInWarehouses(db: Db, offerIds: readonly string[]): Promise<StockInWarehouses> {
  if (offerIds.length === 0) return { figures: [], offers: [], warehouses: [], snapshot: undefined };
  // Each offer's and each warehouse's row once (on the offer's first warehouse row, and with the
  // first offer's figures): every offer has a row in every warehouse.
  const result = await sql<StockRow>`
    select o.offer_id, w.id as warehouse_id,
           coalesce(s.in_hand, 0) as in_hand, coalesce(s.reserved, 0) as reserved, coalesce(h.held, 0) as held,
           case when w.id is not distinct from first_w.id and f.id is not null then json_build_object(
             'id', f.id, 'product_id', f.product_id, 'size', f.size, 'colour', f.colour, 'barcode', f.barcode, 'price', f.price,
             'article', p.article, 'product_name', p.name, 'product_brand', p.brand, 'product_category', p.category) end as offer,
           case when o.n = 1 then row_to_json(w) end as warehouse,
           ${SNAPSHOT_FINISHED} as as_of, ${SNAPSHOT_STARTED} as started_at
      from unnest(${offerIds}::text[]) with ordinality as o(offer_id, n)
      left join inventory.offers f on f.id = o.offer_id
      left join inventory.products p on p.id = f.product_id
      left join (select id from inventory.warehouses order by hold_priority, name limit 1) first_w on true
      left join inventory.warehouses w on true
      left join inventory.stock s on s.offer_id = o.offer_id and s.warehouse_id = w.id
      left join (${heldLines(offerIds)}) h on h.offer_id = o.offer_id and h.warehouse_id = w.id
     order by o.n, w.hold_priority, w.name`.execute(db);
  const warehouses = new Map<string, WarehouseRow>();
  const offers: OfferWithProduct[] = [];
  const figures: StockFigures[] = [];
  for (const r of result.rows) {
    if (r.warehouse) warehouses.set(r.warehouse.id, r.warehouse);
    if (r.offer) offers.push(r.offer);
    // An offer that does not exist has no stock; without warehouses there are no figures.
    if (r.warehouse_id !== null && (r.offer || offers.at(-1)?.id === r.offer_id)) figures.push({ offerId: r.offer_id, warehouseId: r.warehouse_id, inHand: r.in_hand, reserved: r.reserved, held: r.held });
  }
  const first = result.rows[0];
  const snapshot = first && { startedAt: dateOrNull(first.started_at), asOf: dateOrNull(first.as_of) };
  return { figures, offers, warehouses: [...warehouses.values()], snapshot };
}
