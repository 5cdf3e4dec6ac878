import type { OfferWithProduct } from './catalog.repository.js';
import type { OfferRow, ProductRow, WarehouseRow } from './inventory.table.js';

export interface Product {
  readonly id: string;
  readonly article: string;
  readonly name: string;
  readonly brand: string | null;
  readonly category: string | null;
}

export interface Offer {
  readonly id: string;
  readonly productId: string;
  readonly article: string;
  readonly size: string | null;
  readonly colour: string | null;
  readonly barcode: string | null;
  /** Kopecks. */
  readonly price: number | null;
}

export interface Warehouse {
  readonly id: string;
  readonly name: string;
  readonly kind: WarehouseRow['kind'];
  readonly city: string | null;
  readonly address: string | null;
}

export const productFromRow = (row: ProductRow): Product => ({ id: row.id, article: row.article, name: row.name, brand: row.brand, category: row.category });

export const offerFromRow = (row: OfferRow & { article: string }): Offer => ({
  id: row.id,
  productId: row.product_id,
  article: row.article,
  size: row.size,
  colour: row.colour,
  barcode: row.barcode,
  price: row.price === null ? null : Number(row.price),
});

/** The product an offer row carries (`OfferWithProduct`). */
export const productOfOffer = (row: OfferWithProduct): Product => ({ id: row.product_id, article: row.article, name: row.product_name, brand: row.product_brand, category: row.product_category });

export const warehouseFromRow = (row: WarehouseRow): Warehouse => ({ id: row.id, name: row.name, kind: row.kind, city: row.city, address: row.address });
