import type { ColumnType, Generated } from 'kysely';

/**
 * Row types of the 1C emulator's schema `onec_emulator`. GUIDs are Postgres `uuid`; periods are
 * `timestamp` without a zone holding 1C's local (Moscow) time, as 1C keeps dates; money is kept in
 * kopecks and rendered as decimal roubles (`Цена`), as 1C stores it.
 */

/** One row: whether (and with how many products) the demo catalog was seeded. */
export interface SeedStateTable {
  id: ColumnType<number, number, never>;
  seeded_at: Date | null;
  products: number | null;
}

/**
 * The small catalogs (brands, price types, warehouses, properties, property values …) in one table,
 * keyed by entity set: their attributes and table parts live in `attrs` under their 1C names.
 */
export interface CatalogObjectsTable {
  entity_set: string;
  ref: string;
  data_version: string;
  deletion_mark: boolean;
  predefined: boolean;
  is_folder: boolean;
  parent_ref: string;
  code: string;
  description: string;
  attrs: ColumnType<Record<string, unknown>, string, string>;
}

/** `Catalog_Номенклатура`: products and their folders (IsFolder). */
export interface ProductsTable {
  ref: string;
  data_version: string;
  deletion_mark: boolean;
  is_folder: boolean;
  parent_ref: string;
  code: string;
  description: string;
  article: string;
  full_name: string;
  product_type: string;
  kind_ref: string;
  unit_ref: string;
  brand_ref: string;
  uses_characteristics: boolean;
}

/** `Catalog_ХарактеристикиНоменклатуры`; `extra_attributes` is the table part ДополнительныеРеквизиты. */
export interface CharacteristicsTable {
  ref: string;
  data_version: string;
  deletion_mark: boolean;
  owner_ref: string;
  owner_type: string;
  description: string;
  print_name: string;
  extra_attributes: ColumnType<unknown[], string, string>;
}

/** `InformationRegister_ШтрихкодыНоменклатуры`. */
export interface BarcodesTable {
  barcode: string;
  product_ref: string;
  characteristic_ref: string;
  package_ref: string;
}

/** `InformationRegister_ЦеныНоменклатуры25` records, subordinate to price-setting documents. */
export interface PricesTable {
  recorder: string;
  line_number: number;
  period: Date;
  active: boolean;
  price_type_ref: string;
  product_ref: string;
  characteristic_ref: string;
  price_kopecks: number;
  currency_ref: string;
  package_ref: string;
}

/** The last record per (price type, product, characteristic): 1C's slice-last totals. */
export interface PriceSliceLastTable {
  price_type_ref: string;
  product_ref: string;
  characteristic_ref: string;
  period: Date;
  price_kopecks: number;
  currency_ref: string;
  package_ref: string;
}

/** Movements of `AccumulationRegister_СвободныеОстатки`: signed deltas of each resource. */
export interface StockMovementsTable {
  id: Generated<number>;
  period: Date;
  recorder: string;
  recorder_type: string;
  product_ref: string;
  characteristic_ref: string;
  warehouse_ref: string;
  in_hand: number;
  reserved: number;
  reserved_for_order: number;
}

/** Current balances (1C's totals table): only non-zero rows are kept. */
export interface StockBalancesTable {
  product_ref: string;
  characteristic_ref: string;
  warehouse_ref: string;
  in_hand: number;
  reserved: number;
  reserved_for_order: number;
}

/**
 * `Document_ЗаказКлиента`, `Document_РеализацияТоваровУслуг`, `Document_ВозвратТоваровОтКлиента`:
 * header attributes in `attrs` and the table part Товары in `lines`, under their 1C names.
 */
export interface DocumentsTable {
  ref: string;
  entity_set: string;
  number: string;
  date: ColumnType<Date, string, string>;
  posted: Generated<boolean>;
  deletion_mark: Generated<boolean>;
  version: number;
  data_version: string;
  attrs: ColumnType<Record<string, unknown>, string, string>;
  lines: ColumnType<Record<string, unknown>[], string, string>;
}

/** The last number given per document kind. */
export interface DocumentCountersTable {
  entity_set: string;
  last_number: number;
}

/** `InformationRegister_СостоянияЗаказовКлиентов`: one row per order, its current state and when it changed. */
export interface OrderStatesTable {
  order_ref: string;
  state: string;
  changed_at: ColumnType<Date, string, string>;
  delivered: Generated<boolean>;
}

export interface OneCEmulatorDb {
  'onec_emulator.seed_state': SeedStateTable;
  'onec_emulator.catalog_objects': CatalogObjectsTable;
  'onec_emulator.products': ProductsTable;
  'onec_emulator.characteristics': CharacteristicsTable;
  'onec_emulator.barcodes': BarcodesTable;
  'onec_emulator.prices': PricesTable;
  'onec_emulator.price_slice_last': PriceSliceLastTable;
  'onec_emulator.stock_movements': StockMovementsTable;
  'onec_emulator.stock_balances': StockBalancesTable;
  'onec_emulator.documents': DocumentsTable;
  'onec_emulator.document_counters': DocumentCountersTable;
  'onec_emulator.order_states': OrderStatesTable;
}
