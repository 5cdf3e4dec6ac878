import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { Identity } from '../../platform/identity.js';
import type { Logger } from '../../platform/logger.js';
import type { BaseSubgraphContext } from '../../platform/subgraph-server.js';
import { findOffersOfProducts, findProducts, listWarehouses, type OfferWithProduct } from './catalog.repository.js';
import { offerFromRow, productFromRow, productOfOffer, warehouseFromRow, type Offer, type Product, type Warehouse } from './inventory.model.js';
import type { InventoryDb, SyncRunRow } from './inventory.table.js';
import { readOffers, readStock, type StockCache } from './stock-cache.js';
import type { StockFigures } from './stock.repository.js';
import { lastStockSnapshot } from './sync/sync-run.repository.js';

/** What the inventory subgraph needs from the outside world. */
export interface InventoryDeps {
  readonly db: Kysely<any>;
  readonly logger: Logger;
  /** Starts a catalog run now (the admin mutation); resolves when the run is registered, not when it ends. */
  readonly startCatalogSync: () => Promise<SyncRunRow>;
  /** Stock and prices remembered per offer (`createStockCache`); absent, every read reads them. */
  readonly stockCache?: StockCache;
}

export interface InventoryContext extends BaseSubgraphContext {
  readonly deps: InventoryDeps;
  readonly productById: DataLoader<string, Product | undefined>;
  readonly offerById: DataLoader<string, Offer | undefined>;
  /** An offer with its stock in every warehouse, read in one statement, for a caller that asks for both. */
  readonly offerWithStockById: DataLoader<string, Offer | undefined>;
  readonly offersByProduct: DataLoader<string, Offer[]>;
  /** Stock of an offer in every warehouse, one SQL query per batch of offers. */
  readonly stockByOffer: DataLoader<string, StockFigures[]>;
  readonly warehouseById: DataLoader<string, Warehouse | undefined>;
  /**
   * What this request has read already, for resolvers to answer without a promise (a checkout's
   * twenty offers with four warehouses each are a hundred fields resolved): an offer's stock, a
   * warehouse; undefined when not read yet (the loaders read it).
   */
  readonly known: { stockOf(offerId: string): StockFigures[] | undefined; warehouse(id: string): Warehouse | undefined };
  /** When the stock figures were read from 1C: the last successful stock run, read once per request. */
  readonly stockAsOf: () => Promise<Date | null>;
}

const byKey = <K, V>(keys: readonly K[], rows: readonly V[], keyOf: (row: V) => K) => {
  const map = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => map.get(k));
};

export function createInventoryContext(deps: InventoryDeps, identity: Identity): InventoryContext {
  const db = deps.db as Kysely<InventoryDb>;
  let asOf: Promise<Date | null> | undefined;
  const warehouseById = new DataLoader<string, Warehouse | undefined>(async (ids) => byKey(ids, (await listWarehouses(db)).map(warehouseFromRow), (w) => w.id));
  const productById = new DataLoader<string, Product | undefined>(async (ids) => byKey(ids, (await findProducts(db, ids)).map(productFromRow), (p) => p.id));
  // An offer's row carries its product's: Offer.product reads nothing more.
  const offersRead = (rows: readonly OfferWithProduct[]) =>
    rows.map((row) => {
      productById.prime(row.product_id, productOfOffer(row));
      return offerFromRow(row);
    });
  const offerById = new DataLoader<string, Offer | undefined>(async (ids) => byKey(ids, offersRead(await readOffers(db, deps.stockCache, ids)), (o) => o.id));
  const stockRead = new Map<string, StockFigures[]>();
  const warehousesRead = new Map<string, Warehouse>();
  const stockByOffer = new DataLoader<string, StockFigures[]>(async (offerIds) => {
    // The offers, the warehouses and the snapshot's time come with the figures: a stock screen or a checkout asks for them next.
    const { figures, offers, warehouses, snapshot } = await readStock(db, deps.stockCache, offerIds);
    for (const offer of offersRead(offers)) offerById.prime(offer.id, offer);
    for (const row of warehouses) {
      const warehouse = warehouseFromRow(row);
      warehousesRead.set(warehouse.id, warehouse);
      warehouseById.prime(warehouse.id, warehouse);
    }
    if (snapshot) asOf ??= Promise.resolve(snapshot.asOf);
    const grouped = new Map<string, StockFigures[]>(offerIds.map((id) => [id, []]));
    for (const f of figures) grouped.get(f.offerId)?.push(f);
    for (const [id, of] of grouped) stockRead.set(id, of);
    return offerIds.map((id) => grouped.get(id)!);
  });
  return {
    identity,
    deps,
    productById,
    offerById,
    offerWithStockById: new DataLoader(async (ids) => {
      await stockByOffer.loadMany(ids);
      return offerById.loadMany(ids) as Promise<(Offer | undefined)[]>;
    }),
    offersByProduct: new DataLoader(async (productIds) => {
      const offers = offersRead(await findOffersOfProducts(db, productIds));
      return productIds.map((id) => offers.filter((o) => o.productId === id));
    }),
    stockByOffer,
    warehouseById,
    known: { stockOf: (offerId) => stockRead.get(offerId), warehouse: (id) => warehousesRead.get(id) },
    stockAsOf: () => (asOf ??= lastStockSnapshot(db).then((run) => run?.finished_at ?? null)),
  };
}
