import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { findOffers, type OfferWithProduct } from './catalog.repository.js';
import type { InventoryDb, WarehouseRow } from './inventory.table.js';
import { holdsOfOffers, stockOfOffersInWarehouses, type StockInWarehouses, type StockSnapshotTimes } from './stock.repository.js';

/** What only a sync from 1C changes of one offer: its row with its product's, and 1C's figures in each warehouse. */
interface SyncedOffer {
  readonly offer: OfferWithProduct;
  readonly stock: readonly { readonly warehouseId: string; readonly inHand: number; readonly reserved: number }[];
}

interface Snapshot extends StockSnapshotTimes {
  readonly warehouses: readonly WarehouseRow[];
}

/**
 * Stock and prices remembered per offer (issue #16, item 5): what only the syncs from 1C change —
 * the offer with its product, and 1C's in-hand and reserved figures per warehouse — all of one
 * stock snapshot. What checkouts hold is never remembered: every read asks for it, so a customer's
 * own hold (or its release) shows in their next read, in whichever process it was made. That
 * statement also says which snapshot is current; a newer one empties the cache, so a sync's
 * figures reach every process by its next read but one, and `ttlSeconds` bounds an entry's age
 * besides. A checkout's hold never reads from here: it reads stock afresh under its locks.
 */
export interface StockCache {
  readonly stats: { hits: number; misses: number };
  /** Forgets everything (a sync finished in this process). */
  clear(): void;
  /** Every offer's entry with their snapshot, or undefined when one is missing. */
  lookup(offerIds: readonly string[]): { snapshot: Snapshot; offers: SyncedOffer[] } | undefined;
  remember(read: StockInWarehouses): void;
  /**
   * The rows (with their products') of these offers, remembered by a stock read or an offer read,
   * an offer read found absent left out; undefined when one was not read.
   */
  offers(offerIds: readonly string[]): OfferWithProduct[] | undefined;
  /** What an offer read found of `offerIds`: the ones not among `rows` are remembered as absent. */
  rememberOffers(offerIds: readonly string[], rows: readonly OfferWithProduct[]): void;
  /** The current snapshot as a read saw it: another than the entries' forgets them. */
  seen(current: StockSnapshotTimes): void;
}

const sameSnapshot = (a: StockSnapshotTimes, b: StockSnapshotTimes) => a.startedAt?.getTime() === b.startedAt?.getTime() && a.asOf?.getTime() === b.asOf?.getTime();

export function createStockCache(ttlSeconds: number, maxOffers = 50_000): StockCache | undefined {
  if (ttlSeconds <= 0) return undefined;
  const offers = new LRUCache<string, SyncedOffer>({ max: maxOffers, ttl: ttlSeconds * 1000 });
  // Offers read without their stock (an order's lines): no snapshot to belong to. `false`: absent
  // (a RetailCRM order's line of an offer the catalog does not have).
  const offerRows = new LRUCache<string, OfferWithProduct | false>({ max: maxOffers, ttl: ttlSeconds * 1000 });
  let snapshot: Snapshot | undefined;
  const stats = { hits: 0, misses: 0 };
  const clear = () => {
    offers.clear();
    offerRows.clear();
    snapshot = undefined;
  };
  return {
    stats,
    clear,
    lookup(offerIds) {
      const found = offerIds.map((id) => offers.get(id));
      if (!snapshot || found.some((entry) => entry === undefined)) {
        stats.misses++;
        return undefined;
      }
      stats.hits++;
      return { snapshot, offers: found as SyncedOffer[] };
    },
    remember(read) {
      if (!read.snapshot) return;
      if (!snapshot || !sameSnapshot(snapshot, read.snapshot)) {
        offers.clear();
        snapshot = { ...read.snapshot, warehouses: read.warehouses };
      }
      const stockOf = new Map<string, SyncedOffer['stock'][number][]>();
      for (const f of read.figures) stockOf.set(f.offerId, [...(stockOf.get(f.offerId) ?? []), { warehouseId: f.warehouseId, inHand: f.inHand, reserved: f.reserved }]);
      for (const offer of read.offers) offers.set(offer.id, { offer, stock: stockOf.get(offer.id) ?? [] });
    },
    seen(current) {
      if (snapshot && !sameSnapshot(snapshot, current)) clear();
    },
    offers(offerIds) {
      const found: OfferWithProduct[] = [];
      for (const id of offerIds) {
        const row = offers.get(id)?.offer ?? offerRows.get(id);
        if (row === undefined) return undefined;
        if (row) found.push(row);
      }
      return found;
    },
    rememberOffers(offerIds, rows) {
      const byId = new Map(rows.map((row) => [row.id, row]));
      for (const id of offerIds) offerRows.set(id, byId.get(id) ?? false);
    },
  };
}

/**
 * These offers' rows with their products' (price, size, colour, barcode, names): remembered as the
 * stock is, and read (then remembered) when one is missing. An offer read alone makes no statement
 * that could say a newer snapshot is current, so a price changed by a sync in another process
 * reaches it within `ttlSeconds` (one in this process, at once: the sync empties the cache). What a
 * checkout charges comes from the stock read, never from here.
 */
export async function readOffers(db: Kysely<InventoryDb>, cache: StockCache | undefined, offerIds: readonly string[]): Promise<OfferWithProduct[]> {
  const known = offerIds.length > 0 ? cache?.offers(offerIds) : undefined;
  if (known) return known;
  const rows = await findOffers(db, offerIds);
  cache?.rememberOffers(offerIds, rows);
  return rows;
}

/**
 * The stock of these offers with all a stock screen or a checkout shows beside it, in one
 * statement: `stockOfOffersInWarehouses`, or, when every offer is remembered, only what checkouts
 * hold of them, added to the remembered figures.
 */
export async function readStock(db: Kysely<InventoryDb>, cache: StockCache | undefined, offerIds: readonly string[]): Promise<StockInWarehouses> {
  const known = offerIds.length > 0 ? cache?.lookup(offerIds) : undefined;
  if (!cache || !known) {
    const read = await stockOfOffersInWarehouses(db, offerIds);
    cache?.remember(read);
    return read;
  }
  const { snapshot } = known;
  const { held, current } = await holdsOfOffers(db, offerIds, snapshot.startedAt);
  // Figures of the snapshot held, and holds counted against it: consistent, if one sync behind.
  cache.seen(current);
  const heldAt = new Map(held.map((h) => [`${h.offerId}\u0000${h.warehouseId}`, h.held]));
  return {
    figures: known.offers.flatMap(({ offer, stock }) => stock.map((s) => ({ offerId: offer.id, ...s, held: heldAt.get(`${offer.id}\u0000${s.warehouseId}`) ?? 0 }))),
    offers: known.offers.map((o) => o.offer),
    warehouses: [...snapshot.warehouses],
    snapshot,
  };
}
