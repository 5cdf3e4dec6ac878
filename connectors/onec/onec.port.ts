/**
 * What the graph reads from 1C (УТ 11) through its standard OData interface: warehouses, the
 * catalog (categories, brands, products, characteristics = offers), retail prices, barcodes and
 * free stock. Shapes follow shared/reference/systems-of-record.md §3; the emulator's README marks
 * what is ASSUMED. GUIDs are lower-case strings; 1C's empty reference comes back as `undefined`.
 * Money is integer kopecks, quantities integers.
 *
 * Paging is keyset paging in 1C's own order: each list method returns at most `top` rows strictly
 * after the given cursor, in a stable order, and the caller passes the last row it got (or its
 * key) as the next cursor; a page shorter than `top` is the last. 1C orders references by its
 * internal representation, not as strings: never re-sort a page before taking its last row.
 *
 * Every method is a read and safe to repeat. A 4xx answer (an `odata.error`, a refused login)
 * throws OneCApiError; an unreachable, failing (5xx) or overloaded 1C throws
 * UpstreamUnavailableError once the retries are spent.
 */

export interface OneCWarehouse {
  readonly ref: string;
  readonly code: string;
  readonly name: string;
  /** `ТипСклада`: a shop (РозничныйМагазин), a stockroom (ОптовыйСклад), a non-automated outlet, or not set. */
  readonly type: 'retail' | 'wholesale' | 'unmanaged' | 'unspecified';
  /** The folder of `Catalog_Склады` it sits in. */
  readonly parentRef?: string;
  /** From the address line of its contact information. */
  readonly city?: string;
  readonly address?: string;
  readonly deleted: boolean;
}

/** A folder of `Catalog_Номенклатура`. */
export interface OneCCategory {
  readonly ref: string;
  readonly code: string;
  readonly name: string;
  readonly parentRef?: string;
  readonly deleted: boolean;
}

/** `Catalog_Марки`. */
export interface OneCBrand {
  readonly ref: string;
  readonly name: string;
  readonly deleted: boolean;
}

export interface OneCProduct {
  readonly ref: string;
  readonly code: string;
  readonly article: string;
  readonly name: string;
  readonly categoryRef?: string;
  readonly brandRef?: string;
  readonly kindRef?: string;
  readonly usesCharacteristics: boolean;
  readonly deleted: boolean;
  /** 1C's `DataVersion`: changes whenever the object is written. */
  readonly dataVersion: string;
}

/** An offer: a characteristic of a product, with its size and colour decoded. */
export interface OneCCharacteristic {
  readonly ref: string;
  /** The owning product, when the characteristic is individual to one product. */
  readonly productRef?: string;
  /** The owning product kind, when characteristics are shared by a kind (then no productRef). */
  readonly productKindRef?: string;
  /** 1C's Description, e.g. "46, чёрный". */
  readonly name: string;
  /** Value of the size property («Размер»), if the characteristic has one. */
  readonly size?: string;
  /** Value of the colour property («Цвет»), if the characteristic has one. */
  readonly colour?: string;
  readonly deleted: boolean;
  readonly dataVersion: string;
}

/** The retail price in force (`ЦеныНоменклатуры25/SliceLast`). */
export interface OneCPrice {
  readonly productRef: string;
  /** Undefined for a price set for the product as a whole. */
  readonly characteristicRef?: string;
  readonly priceTypeRef: string;
  readonly priceKopecks: number;
  /** When it was set, 1C's local time `YYYY-MM-DDTHH:MM:SS`. */
  readonly since: string;
}

export interface OneCBarcode {
  readonly barcode: string;
  readonly productRef: string;
  readonly characteristicRef?: string;
  readonly packageRef?: string;
}

/** One non-zero cell of free stock (`СвободныеОстатки/Balance`). */
export interface OneCStockRow {
  readonly productRef: string;
  readonly characteristicRef?: string;
  readonly warehouseRef: string;
  /** `ВНаличииBalance`, truncated to a whole number (it may be negative after an oversell). */
  readonly inHand: number;
  /** `ВРезервеСоСкладаBalance`: reserved out of what is in hand. */
  readonly reserved: number;
  /** `ВРезервеПодЗаказBalance`: reserved for orders awaiting delivery. */
  readonly reservedForOrder: number;
}

/** Keyset cursor of prices: the last row's product and characteristic. */
export interface OneCPriceCursor {
  readonly productRef: string;
  readonly characteristicRef?: string;
}

/** Keyset cursor of stock: the last row's cell. */
export interface OneCStockCursor {
  readonly productRef: string;
  readonly characteristicRef?: string;
  readonly warehouseRef: string;
}

/** 1C answered 4xx: an `odata.error` (code and Russian message as sent) or a refused login (401, code UNAUTHORIZED). */
export class OneCApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`1C ${status} ${code}: ${message}`);
    this.name = 'OneCApiError';
  }
}

export interface OneCCatalogPort {
  /** Every warehouse (not the folders), deleted ones flagged, in Ref_Key order. One request. */
  listWarehouses(): Promise<OneCWarehouse[]>;
  /** Every folder of `Catalog_Номенклатура` (the category tree), in Ref_Key order. One request. */
  listCategories(): Promise<OneCCategory[]>;
  /** Every brand (`Catalog_Марки`), in Ref_Key order. One request. */
  listBrands(): Promise<OneCBrand[]>;
  /** One page of products (not folders) in Ref_Key order after `afterRef`. One request. */
  listProducts(page: { afterRef?: string; top: number }): Promise<OneCProduct[]>;
  /**
   * One page of characteristics in Ref_Key order after `afterRef`, size and colour decoded. The
   * first call also reads the size and colour properties and their values (two requests, then
   * cached); a value not seen before triggers one more read of the values.
   */
  listCharacteristics(page: { afterRef?: string; top: number }): Promise<OneCCharacteristic[]>;
  /**
   * One page of retail prices in force, in (product, characteristic) order after `after`. The
   * first call also finds the retail price type (one request, then cached).
   */
  listPrices(page: { after?: OneCPriceCursor; top: number }): Promise<OneCPrice[]>;
  /** One page of barcodes in barcode order after `afterBarcode`. One request. */
  listBarcodes(page: { afterBarcode?: string; top: number }): Promise<OneCBarcode[]>;
  /**
   * One page of non-zero free stock in (product, characteristic, warehouse) order after `after`,
   * optionally only for some warehouses (filtered by 1C before it computes balances). One request.
   */
  listStock(page: { after?: OneCStockCursor; top: number; warehouseRefs?: readonly string[] }): Promise<OneCStockRow[]>;
}
