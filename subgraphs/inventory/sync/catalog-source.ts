import type { OffersTable, ProductsTable, StockTable, WarehousesTable } from '../inventory.table.js';

/** One page read from 1C: the rows, and the key to continue after (null when this was the last page). */
export interface SourcePage<Row> {
  readonly rows: readonly Row[];
  readonly next: string | null;
}

/**
 * What the inventory sync reads, shaped as our read model wants it. The 1C connector is adapted to
 * this in `onec-catalog-source.ts`; tests may give a source of their own.
 */
export interface CatalogSource {
  warehouses(): Promise<readonly WarehousesTable[]>;
  products(after: string | null, top: number): Promise<SourcePage<ProductsTable>>;
  offers(after: string | null, top: number): Promise<SourcePage<Omit<OffersTable, 'price' | 'barcode'>>>;
  /** Retail prices in kopecks. */
  prices(after: string | null, top: number): Promise<SourcePage<{ offer_id: string; price: number }>>;
  barcodes(after: string | null, top: number): Promise<SourcePage<{ offer_id: string; barcode: string }>>;
  /** Free stock, non-zero rows only. */
  stock(after: string | null, top: number): Promise<SourcePage<StockTable>>;
}
