import type { Generated, Selectable } from 'kysely';

export type WarehouseKind = 'SHOWROOM' | 'CENTRAL' | 'ONLINE';

/** Live read model, replaced as a whole by a finished sync run (never a mix of two runs). */
export interface WarehousesTable {
  id: string;
  name: string;
  kind: WarehouseKind;
  city: string | null;
  address: string | null;
  /** Order in which checkout holds take from warehouses: online, central, then showrooms. */
  hold_priority: number;
}

export interface ProductsTable {
  id: string;
  article: string;
  name: string;
  brand: string | null;
  category: string | null;
  /** Lower-cased name, article and brand, for text search. */
  search_text: string;
}

export interface OffersTable {
  id: string;
  product_id: string;
  size: string | null;
  colour: string | null;
  barcode: string | null;
  /** Retail price in kopecks; null while 1C has none. */
  price: number | null;
}

export interface StockTable {
  offer_id: string;
  warehouse_id: string;
  in_hand: number;
  reserved: number;
}

export type StockHoldStatus = 'ACTIVE' | 'COMMITTED' | 'RELEASED' | 'EXPIRED';

export interface StockHoldsTable {
  id: string;
  idempotency_key: string;
  request_hash: string;
  status: StockHoldStatus;
  expires_at: Date;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface StockHoldLinesTable {
  hold_id: string;
  offer_id: string;
  warehouse_id: string;
  quantity: number;
}

export type SyncRunKind = 'CATALOG' | 'STOCK';
export type SyncRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** A sync run and where it is: the phase and the 1C key it has read up to, so a restart resumes. */
export interface SyncRunsTable {
  id: Generated<number>;
  kind: SyncRunKind;
  status: SyncRunStatus;
  phase: string;
  cursor: string | null;
  rows_read: Generated<number>;
  started_at: Generated<Date>;
  heartbeat_at: Generated<Date>;
  finished_at: Date | null;
  error: string | null;
}

/** Staging copies, keyed by run: a run writes here page by page and swaps into the live tables at the end. */
export interface StagingWarehousesTable extends WarehousesTable {
  run_id: number;
}
export interface StagingProductsTable extends ProductsTable {
  run_id: number;
}
export interface StagingOffersTable extends Omit<OffersTable, 'price' | 'barcode'> {
  run_id: number;
}
export interface StagingPricesTable {
  run_id: number;
  offer_id: string;
  price: number;
}
export interface StagingBarcodesTable {
  run_id: number;
  offer_id: string;
  barcode: string;
}
export interface StagingStockTable extends StockTable {
  run_id: number;
}

export interface InventoryDb {
  'inventory.warehouses': WarehousesTable;
  'inventory.products': ProductsTable;
  'inventory.offers': OffersTable;
  'inventory.stock': StockTable;
  'inventory.stock_holds': StockHoldsTable;
  'inventory.stock_hold_lines': StockHoldLinesTable;
  'inventory.sync_runs': SyncRunsTable;
  'inventory.staging_warehouses': StagingWarehousesTable;
  'inventory.staging_products': StagingProductsTable;
  'inventory.staging_offers': StagingOffersTable;
  'inventory.staging_prices': StagingPricesTable;
  'inventory.staging_barcodes': StagingBarcodesTable;
  'inventory.staging_stock': StagingStockTable;
}

export type WarehouseRow = Selectable<WarehousesTable>;
export type ProductRow = Selectable<ProductsTable>;
export type OfferRow = Selectable<OffersTable>;
export type StockHoldRow = Selectable<StockHoldsTable>;
export type StockHoldLineRow = Selectable<StockHoldLinesTable>;
export type SyncRunRow = Selectable<SyncRunsTable>;
