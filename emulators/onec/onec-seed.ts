import { sql, type Kysely, type RawBuilder } from 'kysely';
import {
  DEMO_BRANDS,
  DEMO_CATEGORIES,
  DEMO_COLOUR_PROPERTY,
  DEMO_COLOURS,
  DEMO_CURRENCY_RUB,
  DEMO_MARKDOWN_DOCUMENT_REF,
  DEMO_MARKDOWN_PERIOD,
  DEMO_OPENING_STOCK_PERIOD,
  DEMO_PRICE_PERIOD,
  DEMO_PRODUCT_KINDS,
  DEMO_PURCHASE_PRICE_TYPE,
  DEMO_RETAIL_PRICE_TYPE,
  DEMO_SHOWROOM_FOLDER,
  DEMO_SIZE_PROPERTY,
  DEMO_SIZES,
  DEMO_UNIT_PIECE,
  DEMO_WAREHOUSES,
  demoColourValueRef,
  demoPriceDocumentRef,
  demoProducts,
  demoRef,
  demoSizeValueRef,
  EMPTY_REF,
  type DemoProduct,
} from '../seed/demo-catalog.js';
import { CHARACTERISTIC_OWNER_TYPE, PROPERTY_VALUE_TYPE } from './onec-entity-sets.js';
import type { OneCEmulatorDb } from './onec-emulator.tables.js';

type Db = Kysely<OneCEmulatorDb>;
const S = 'onec_emulator';

/** DataVersion of every seeded object (1C prints it as base64 of 8 bytes). */
export const SEED_DATA_VERSION = 'AAAAAQAAAAA=';
/** The opening-balance document every seeded stock movement belongs to. */
export const OPENING_STOCK_RECORDER = demoRef('stockDocument', 0);
export const OPENING_STOCK_RECORDER_TYPE = 'StandardODATA.Document_ВводОстатковТоваров';
/** Purchase prices are a share of the season retail price, per product (no characteristic). */
const PURCHASE_SHARE = 0.4;
const PRODUCTS_PER_CHUNK = 500;
const ANALYZE_FROM = 2_000;

interface SmallCatalogRow {
  entity_set: string;
  ref: string;
  code?: string;
  description: string;
  is_folder?: boolean;
  parent_ref?: string;
  predefined?: boolean;
  attrs?: Record<string, unknown>;
}

function smallCatalogRows(): SmallCatalogRow[] {
  const rows: SmallCatalogRow[] = [];
  for (const b of DEMO_BRANDS) rows.push({ entity_set: 'Catalog_Марки', ref: b.ref, code: b.code, description: b.name });
  for (const k of DEMO_PRODUCT_KINDS) {
    rows.push({
      entity_set: 'Catalog_ВидыНоменклатуры',
      ref: k.ref,
      description: k.name,
      attrs: { ТипНоменклатуры: 'Товар', ИспользоватьХарактеристики: true, НаборСвойствХарактеристик_Key: EMPTY_REF },
    });
  }
  for (const t of [DEMO_RETAIL_PRICE_TYPE, DEMO_PURCHASE_PRICE_TYPE]) {
    rows.push({
      entity_set: 'Catalog_ВидыЦен',
      ref: t.ref,
      code: t.code,
      description: t.name,
      attrs: { ВалютаЦены_Key: DEMO_CURRENCY_RUB.ref, ЦенаВключаетНДС: true, ИспользоватьПриПродаже: t === DEMO_RETAIL_PRICE_TYPE },
    });
  }
  rows.push({ entity_set: 'Catalog_Валюты', ref: DEMO_CURRENCY_RUB.ref, code: DEMO_CURRENCY_RUB.code, description: DEMO_CURRENCY_RUB.name, attrs: { НаименованиеПолное: 'Российский рубль' } });
  rows.push({ entity_set: 'Catalog_УпаковкиЕдиницыИзмерения', ref: DEMO_UNIT_PIECE.ref, code: DEMO_UNIT_PIECE.code, description: DEMO_UNIT_PIECE.name, attrs: { НаименованиеПолное: 'Штука' } });
  for (const property of [DEMO_SIZE_PROPERTY, DEMO_COLOUR_PROPERTY]) {
    rows.push({
      entity_set: 'ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения',
      ref: property.ref,
      description: property.name,
      attrs: { Заголовок: property.name, Имя: property.code, ЭтоДополнительноеСведение: false, ДополнительныеЗначенияИспользуются: true, ВладелецДополнительныхЗначений_Key: EMPTY_REF },
    });
  }
  DEMO_SIZES.forEach((size, i) =>
    rows.push({ entity_set: 'Catalog_ЗначенияСвойствОбъектов', ref: demoSizeValueRef(size), code: String(i + 1).padStart(9, '0'), description: size, attrs: { Owner_Key: DEMO_SIZE_PROPERTY.ref } }),
  );
  DEMO_COLOURS.forEach((colour, i) =>
    rows.push({
      entity_set: 'Catalog_ЗначенияСвойствОбъектов',
      ref: demoColourValueRef(colour),
      code: String(DEMO_SIZES.length + i + 1).padStart(9, '0'),
      description: colour,
      attrs: { Owner_Key: DEMO_COLOUR_PROPERTY.ref },
    }),
  );
  rows.push({ entity_set: 'Catalog_Склады', ref: DEMO_SHOWROOM_FOLDER.ref, code: DEMO_SHOWROOM_FOLDER.code, description: DEMO_SHOWROOM_FOLDER.name, is_folder: true, attrs: {} });
  for (const w of DEMO_WAREHOUSES) {
    const contacts: Record<string, unknown>[] = [
      {
        Ref_Key: w.ref,
        LineNumber: 1,
        Тип: 'Адрес',
        Вид_Key: demoRef('contactKind', 0),
        Представление: w.address,
        Значение: JSON.stringify({ value: w.address, type: 'Адрес', country: 'РОССИЯ', area: w.region, city: w.city }),
        Страна: 'РОССИЯ',
        Регион: w.region,
        Город: w.city,
        АдресЭП: '',
        НомерТелефона: '',
      },
    ];
    if (w.role === 'showroom') {
      const phone = `+7 (${w.city === 'Москва' ? '495' : w.city === 'Казань' ? '843' : '812'}) 120-${String(40 + w.index).padStart(2, '0')}-${String(10 + w.index * 7).padStart(2, '0')}`;
      contacts.push({ Ref_Key: w.ref, LineNumber: 2, Тип: 'Телефон', Вид_Key: demoRef('contactKind', 1), Представление: phone, Значение: JSON.stringify({ value: phone, type: 'Телефон' }), Страна: '', Регион: '', Город: '', АдресЭП: '', НомерТелефона: phone.replace(/\D/g, '') });
    }
    rows.push({
      entity_set: 'Catalog_Склады',
      ref: w.ref,
      code: w.code,
      description: w.name,
      parent_ref: w.parentRef,
      attrs: { ТипСклада: w.type, Подразделение_Key: demoRef('department', w.index), БизнесРегион_Key: EMPTY_REF, Комментарий: '', КонтактнаяИнформация: contacts },
    });
  }
  return rows;
}

/** Column arrays for one multi-row `insert … select * from unnest(…)`. */
class Columns<K extends string> {
  readonly data = {} as Record<K, unknown[]>;
  constructor(names: readonly K[]) {
    for (const n of names) this.data[n] = [];
  }
  push(row: Record<K, unknown>): void {
    for (const key of Object.keys(this.data) as K[]) this.data[key].push(row[key]);
  }
  get length(): number {
    return (Object.values(this.data)[0] as unknown[]).length;
  }
}

function unnest<K extends string>(columns: Columns<K>, types: Record<K, string>) {
  const names = Object.keys(types) as K[];
  const arrays = names.map((n) => sql`${columns.data[n]}::${sql.raw(types[n])}[]`);
  return sql`unnest(${sql.join(arrays)}) as u(${sql.join(names.map((n) => sql.id(n)))})`;
}

async function insertUnnest<K extends string>(db: Db, table: string, columns: Columns<K>, types: Record<K, string>): Promise<void> {
  if (columns.length === 0) return;
  const names = Object.keys(types) as K[];
  await sql`insert into ${sql.table(`${S}.${table}`)} (${sql.join(names.map((n) => sql.id(n)))}) select * from ${unnest(columns, types)}`.execute(db);
}

/** Characteristics with their table part ДополнительныеРеквизиты (size, colour) built by the database. */
async function insertCharacteristics(db: Db, columns: Columns<Keys<typeof CHARACTERISTIC_TYPES>>): Promise<void> {
  if (columns.length === 0) return;
  const row = (line: number, property: string, value: RawBuilder<unknown>) =>
    sql`jsonb_build_object('Ref_Key', u.ref, 'LineNumber', ${line}::int, 'Свойство_Key', ${property}::text, 'Значение', ${value}, 'Значение_Type', ${PROPERTY_VALUE_TYPE}::text, 'ТекстоваяСтрока', '')`;
  await sql`insert into ${sql.table(`${S}.characteristics`)} (ref, data_version, owner_ref, owner_type, description, print_name, extra_attributes)
    select u.ref, ${SEED_DATA_VERSION}, u.owner_ref, ${CHARACTERISTIC_OWNER_TYPE}, u.description, u.description,
      jsonb_build_array(${row(1, DEMO_SIZE_PROPERTY.ref, sql`u.size_ref`)}, ${row(2, DEMO_COLOUR_PROPERTY.ref, sql`u.colour_ref`)})
    from ${unnest(columns, CHARACTERISTIC_TYPES)}`.execute(db);
}

const PRODUCT_TYPES = {
  ref: 'uuid', data_version: 'text', is_folder: 'boolean', parent_ref: 'uuid', code: 'text', description: 'text', article: 'text', full_name: 'text',
  product_type: 'text', kind_ref: 'uuid', unit_ref: 'uuid', brand_ref: 'uuid', uses_characteristics: 'boolean',
} as const;
const CHARACTERISTIC_TYPES = { ref: 'uuid', owner_ref: 'uuid', description: 'text', size_ref: 'uuid', colour_ref: 'uuid' } as const;
const BARCODE_TYPES = { barcode: 'text', product_ref: 'uuid', characteristic_ref: 'uuid', package_ref: 'uuid' } as const;
const PRICE_TYPES = {
  recorder: 'uuid', line_number: 'integer', period: 'timestamp', price_type_ref: 'uuid', product_ref: 'uuid', characteristic_ref: 'uuid', price_kopecks: 'bigint', currency_ref: 'uuid', package_ref: 'uuid',
} as const;
const BALANCE_TYPES = { product_ref: 'uuid', characteristic_ref: 'uuid', warehouse_ref: 'uuid', in_hand: 'integer', reserved: 'integer', reserved_for_order: 'integer' } as const;

type Keys<T> = Extract<keyof T, string>;

/** Writes one chunk of products with everything that hangs off them. */
async function insertProducts(db: Db, products: readonly DemoProduct[], lineNumbers: Map<string, number>): Promise<void> {
  const productCols = new Columns<Keys<typeof PRODUCT_TYPES>>(Object.keys(PRODUCT_TYPES) as Keys<typeof PRODUCT_TYPES>[]);
  const characteristicCols = new Columns<Keys<typeof CHARACTERISTIC_TYPES>>(Object.keys(CHARACTERISTIC_TYPES) as Keys<typeof CHARACTERISTIC_TYPES>[]);
  const barcodeCols = new Columns<Keys<typeof BARCODE_TYPES>>(Object.keys(BARCODE_TYPES) as Keys<typeof BARCODE_TYPES>[]);
  const priceCols = new Columns<Keys<typeof PRICE_TYPES>>(Object.keys(PRICE_TYPES) as Keys<typeof PRICE_TYPES>[]);
  const balanceCols = new Columns<Keys<typeof BALANCE_TYPES>>(Object.keys(BALANCE_TYPES) as Keys<typeof BALANCE_TYPES>[]);

  const nextLine = (recorder: string) => {
    const n = (lineNumbers.get(recorder) ?? 0) + 1;
    lineNumbers.set(recorder, n);
    return n;
  };
  const price = (recorder: string, period: string, priceType: string, productRef: string, characteristicRef: string, kopecks: number) =>
    priceCols.push({ recorder, line_number: nextLine(recorder), period, price_type_ref: priceType, product_ref: productRef, characteristic_ref: characteristicRef, price_kopecks: kopecks, currency_ref: DEMO_CURRENCY_RUB.ref, package_ref: EMPTY_REF });

  for (const product of products) {
    productCols.push({
      ref: product.ref,
      data_version: SEED_DATA_VERSION,
      is_folder: false,
      parent_ref: product.category.ref,
      code: product.code,
      description: product.name,
      article: product.article,
      full_name: product.name,
      product_type: 'Товар',
      kind_ref: product.category.kind.ref,
      unit_ref: DEMO_UNIT_PIECE.ref,
      brand_ref: product.brand.ref,
      uses_characteristics: true,
    });
    const seasonDoc = demoPriceDocumentRef(product.category.index);
    const firstOffer = product.offers[0]!;
    price(seasonDoc, DEMO_PRICE_PERIOD, DEMO_PURCHASE_PRICE_TYPE.ref, product.ref, EMPTY_REF, Math.round((firstOffer.initialPriceKopecks * PURCHASE_SHARE) / 100) * 100);
    for (const offer of product.offers) {
      characteristicCols.push({ ref: offer.ref, owner_ref: product.ref, description: offer.description, size_ref: demoSizeValueRef(offer.size), colour_ref: demoColourValueRef(offer.colour) });
      barcodeCols.push({ barcode: offer.barcode, product_ref: product.ref, characteristic_ref: offer.ref, package_ref: EMPTY_REF });
      price(seasonDoc, DEMO_PRICE_PERIOD, DEMO_RETAIL_PRICE_TYPE.ref, product.ref, offer.ref, offer.initialPriceKopecks);
      if (offer.priceKopecks !== offer.initialPriceKopecks) price(DEMO_MARKDOWN_DOCUMENT_REF, DEMO_MARKDOWN_PERIOD, DEMO_RETAIL_PRICE_TYPE.ref, product.ref, offer.ref, offer.priceKopecks);
      for (const cell of offer.stock) {
        balanceCols.push({ product_ref: product.ref, characteristic_ref: offer.ref, warehouse_ref: cell.warehouseRef, in_hand: cell.inHand, reserved: cell.reserved, reserved_for_order: cell.reservedForOrder });
      }
    }
  }

  await insertUnnest(db, 'products', productCols, PRODUCT_TYPES);
  await insertCharacteristics(db, characteristicCols);
  await insertUnnest(db, 'barcodes', barcodeCols, BARCODE_TYPES);
  await insertUnnest(db, 'prices', priceCols, PRICE_TYPES);
  await insertUnnest(db, 'stock_balances', balanceCols, BALANCE_TYPES);
}

/**
 * Loads demo products 0…products-1 (emulators/seed/demo-catalog.ts) with the reference catalogs,
 * prices (a season price-setting document per category and one markdown), barcodes, and the
 * opening stock as movements plus current balances. Runs once per database (`seed_state`); later
 * calls do nothing, whatever the count. Chunks of 500 products, one `unnest` insert per table each.
 */
export async function seedDemoCatalog(db: Db, o: { products: number }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const state = await trx.selectFrom('onec_emulator.seed_state').select(['seeded_at']).where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
    if (state.seeded_at) return false;

    await trx
      .insertInto('onec_emulator.catalog_objects')
      .values(
        smallCatalogRows().map((r) => ({
          entity_set: r.entity_set,
          ref: r.ref,
          data_version: SEED_DATA_VERSION,
          deletion_mark: false,
          predefined: r.predefined ?? false,
          is_folder: r.is_folder ?? false,
          parent_ref: r.parent_ref ?? EMPTY_REF,
          code: r.code ?? '',
          description: r.description,
          attrs: JSON.stringify(r.attrs ?? {}),
        })),
      )
      .execute();

    await trx
      .insertInto('onec_emulator.products')
      .values(
        DEMO_CATEGORIES.map((c) => ({
          ref: c.ref,
          data_version: SEED_DATA_VERSION,
          deletion_mark: false,
          is_folder: true,
          parent_ref: c.parentRef,
          code: c.code,
          description: c.name,
          article: '',
          full_name: '',
          product_type: '',
          kind_ref: EMPTY_REF,
          unit_ref: EMPTY_REF,
          brand_ref: EMPTY_REF,
          uses_characteristics: false,
        })),
      )
      .execute();

    const lineNumbers = new Map<string, number>();
    let chunk: DemoProduct[] = [];
    for (const product of demoProducts(0, o.products)) {
      chunk.push(product);
      if (chunk.length === PRODUCTS_PER_CHUNK) {
        await insertProducts(trx, chunk, lineNumbers);
        chunk = [];
      }
    }
    await insertProducts(trx, chunk, lineNumbers);

    // The opening balance document: one movement per seeded cell.
    await sql`insert into ${sql.table(`${S}.stock_movements`)} (period, recorder, recorder_type, product_ref, characteristic_ref, warehouse_ref, in_hand, reserved, reserved_for_order)
      select ${DEMO_OPENING_STOCK_PERIOD}::timestamp, ${OPENING_STOCK_RECORDER}::uuid, ${OPENING_STOCK_RECORDER_TYPE}, product_ref, characteristic_ref, warehouse_ref, in_hand, reserved, reserved_for_order
      from ${sql.table(`${S}.stock_balances`)}`.execute(trx);

    await sql`insert into ${sql.table(`${S}.price_slice_last`)} (price_type_ref, product_ref, characteristic_ref, period, price_kopecks, currency_ref, package_ref)
      select distinct on (price_type_ref, product_ref, characteristic_ref) price_type_ref, product_ref, characteristic_ref, period, price_kopecks, currency_ref, package_ref
      from ${sql.table(`${S}.prices`)} where active
      order by price_type_ref, product_ref, characteristic_ref, period desc, recorder desc, line_number desc`.execute(trx);

    // Fresh statistics for a big set, so its first keyset pages already walk the indexes.
    if (o.products >= ANALYZE_FROM) {
      for (const table of ['products', 'characteristics', 'barcodes', 'prices', 'price_slice_last', 'stock_movements', 'stock_balances']) {
        await sql`analyze ${sql.table(`${S}.${table}`)}`.execute(trx);
      }
    }
    await trx.updateTable('onec_emulator.seed_state').set({ seeded_at: new Date(), products: o.products }).where('id', '=', 1).execute();
    return true;
  });
}
