import { sql, type RawBuilder } from 'kysely';
import { parseFilter, FilterSyntaxError } from './odata-filter.js';
import { compileFilter, ODataQueryError, type EdmType, type PropertyDef, type ShapeDef, type TablePartDef } from './odata-sql.js';
import { ODataRequestError, type FunctionParam } from './odata-request.js';

/**
 * What the emulated УТ 11 base publishes over OData: each entity set's properties (1C names) and
 * the columns behind them, and the two virtual tables. Field lists follow public integration code
 * (shared/reference/systems-of-record.md §3.2); README.md marks every field that is ASSUMED.
 */

export const EMPTY_REF = '00000000-0000-0000-0000-000000000000';
const S = 'onec_emulator';

export interface EntitySetDef extends ShapeDef {
  readonly name: string;
  readonly source: RawBuilder<unknown>;
  /** Objects addressable as `Set(guid'…')` by this property. */
  readonly refKey?: string;
}

export interface VirtualTable {
  readonly shape: ShapeDef;
  readonly source: RawBuilder<unknown>;
}

export interface VirtualTableDef {
  /** `Balance`, `SliceLast`. */
  readonly name: string;
  readonly allowedParams: readonly string[];
  build(params: ReadonlyMap<string, FunctionParam>): VirtualTable;
}

const p = (name: string, type: EdmType, column: string): PropertyDef => ({ name, type, sql: column });

const CATALOG_HEAD = [
  p('Ref_Key', 'Edm.Guid', 't.ref'),
  p('DataVersion', 'Edm.String', 't.data_version'),
  p('DeletionMark', 'Edm.Boolean', 't.deletion_mark'),
];
const HIERARCHY = [p('Parent_Key', 'Edm.Guid', 't.parent_ref'), p('IsFolder', 'Edm.Boolean', 't.is_folder')];
const CODE = p('Code', 'Edm.String', 't.code');
const DESCRIPTION = p('Description', 'Edm.String', 't.description');
const PREDEFINED = [p('Predefined', 'Edm.Boolean', 't.predefined'), p('PredefinedDataName', 'Edm.String', `''::text`)];
/** The big catalogs hold no predefined items. */
const NOT_PREDEFINED = [p('Predefined', 'Edm.Boolean', 'false'), p('PredefinedDataName', 'Edm.String', `''::text`)];

/** An attribute kept in `catalog_objects.attrs`. */
function attr(name: string, type: EdmType): PropertyDef {
  const raw = `(t.attrs->>'${name}')`;
  switch (type) {
    case 'Edm.Guid':
      return p(name, type, `coalesce(${raw}::uuid, '${EMPTY_REF}'::uuid)`);
    case 'Edm.Boolean':
      return p(name, type, `coalesce(${raw}::boolean, false)`);
    case 'Edm.Double':
    case 'Edm.Int64':
      return p(name, type, `coalesce(${raw}::float8, 0)`);
    case 'Edm.DateTime':
      return p(name, type, `coalesce(${raw}::timestamp, '0001-01-01T00:00:00'::timestamp)`);
    case 'Edm.String':
      return p(name, type, `coalesce(${raw}, '')`);
  }
}

function attrTablePart(name: string, columns: TablePartDef['columns']): TablePartDef {
  return { name, sql: `coalesce(t.attrs->'${name}', '[]'::jsonb)`, columns };
}

const catalogObjects = (set: string) => sql`(select * from ${sql.table(`${S}.catalog_objects`)} where entity_set = ${set})`;

function smallCatalog(name: string, properties: PropertyDef[], tableParts: TablePartDef[] = []): EntitySetDef {
  return { name, entityType: name, source: catalogObjects(name), refKey: 'Ref_Key', key: ['Ref_Key'], properties, tableParts };
}

const col = (name: string, type: EdmType) => ({ name, type });

const CONTACT_INFO = attrTablePart('КонтактнаяИнформация', [
  col('Ref_Key', 'Edm.Guid'),
  col('LineNumber', 'Edm.Int64'),
  col('Тип', 'Edm.String'),
  col('Вид_Key', 'Edm.Guid'),
  col('Представление', 'Edm.String'),
  col('Значение', 'Edm.String'),
  col('Страна', 'Edm.String'),
  col('Регион', 'Edm.String'),
  col('Город', 'Edm.String'),
  col('АдресЭП', 'Edm.String'),
  col('НомерТелефона', 'Edm.String'),
]);

const EXTRA_ATTRIBUTES_COLUMNS = [
  col('Ref_Key', 'Edm.Guid'),
  col('LineNumber', 'Edm.Int64'),
  col('Свойство_Key', 'Edm.Guid'),
  col('Значение', 'Edm.String'),
  col('Значение_Type', 'Edm.String'),
  col('ТекстоваяСтрока', 'Edm.String'),
];

// ---- Partners and counterparties ----------------------------------------------------------------

/** A catalog the integration may create objects of (`POST <Set>`): its attributes, as documents declare theirs. */
export interface CatalogDef {
  readonly name: string;
  /** Attributes besides Ref_Key, Description and КонтактнаяИнформация. */
  readonly fields: readonly DocumentFieldDef[];
}

/** `ЮрФизЛицо` of Catalog_Партнеры (УТ 11 enum КомпанияЧастноеЛицо). */
export const PARTNER_KINDS = ['Компания', 'ЧастноеЛицо'] as const;
/** `ЮрФизЛицо` of Catalog_Контрагенты (УТ 11 enum ЮрФизЛицо). */
export const COUNTERPARTY_KINDS = ['ЮрЛицо', 'ФизЛицо', 'ИндивидуальныйПредприниматель', 'ЮрЛицоНеРезидент'] as const;
/** `Тип` of a contact-information row (БСП enum ТипыКонтактнойИнформации). */
export const CONTACT_TYPES = ['Адрес', 'Телефон', 'АдресЭлектроннойПочты', 'ВебСтраница', 'Факс', 'Skype', 'Другое'] as const;

export const PARTNER_CATALOG: CatalogDef = {
  name: 'Catalog_Партнеры',
  fields: [
    { name: 'НаименованиеПолное', type: 'Edm.String' },
    { name: 'Клиент', type: 'Edm.Boolean' },
    { name: 'Поставщик', type: 'Edm.Boolean' },
    { name: 'ЮрФизЛицо', type: 'Edm.String', values: PARTNER_KINDS, default: 'ЧастноеЛицо' },
    { name: 'Пол', type: 'Edm.String', values: ['', 'Мужской', 'Женский'] },
    { name: 'ДатаРождения', type: 'Edm.DateTime' },
    { name: 'Комментарий', type: 'Edm.String' },
  ],
};

export const COUNTERPARTY_CATALOG: CatalogDef = {
  name: 'Catalog_Контрагенты',
  fields: [
    { name: 'НаименованиеПолное', type: 'Edm.String' },
    { name: 'Партнер_Key', type: 'Edm.Guid', required: true },
    { name: 'ЮрФизЛицо', type: 'Edm.String', values: COUNTERPARTY_KINDS, default: 'ЮрЛицо' },
    { name: 'ИНН', type: 'Edm.String' },
    { name: 'КПП', type: 'Edm.String' },
    { name: 'Комментарий', type: 'Edm.String' },
  ],
};

export const CATALOG_DEFS: readonly CatalogDef[] = [PARTNER_CATALOG, COUNTERPARTY_CATALOG];
export const catalogDef = (name: string) => CATALOG_DEFS.find((d) => d.name === name);

function partyCatalog(def: CatalogDef): EntitySetDef {
  return smallCatalog(def.name, [...CATALOG_HEAD, ...HIERARCHY, CODE, DESCRIPTION, ...def.fields.map((f) => attr(f.name, f.type)), ...PREDEFINED], [CONTACT_INFO]);
}

/**
 * A table part as an entity set of its own (`Catalog_Партнеры_КонтактнаяИнформация`), as 1C
 * publishes every table part: one row per line, `Ref_Key` = the owner. The only way to filter on a
 * row's column, e.g. a phone.
 */
function tablePartSet(owner: string, part: TablePartDef): EntitySetDef {
  const column = (c: { name: string; type: EdmType }): PropertyDef => {
    if (c.name === 'Ref_Key') return p('Ref_Key', 'Edm.Guid', 't.owner_ref');
    if (c.name === 'LineNumber') return p('LineNumber', 'Edm.Int64', `coalesce((t.row->>'LineNumber')::bigint, t.ordinal)`);
    const raw = `(t.row->>'${c.name}')`;
    if (c.type === 'Edm.Guid') return p(c.name, c.type, `coalesce(${raw}::uuid, '${EMPTY_REF}'::uuid)`);
    return p(c.name, c.type, `coalesce(${raw}, '')`);
  };
  return {
    name: `${owner}_${part.name}`,
    entityType: `${owner}_${part.name}`,
    source: sql`(select o.ref as owner_ref, r.row, r.ordinal from ${sql.table(`${S}.catalog_objects`)} as o
      cross join lateral jsonb_array_elements(${sql.raw(part.sql.replace(/\bt\./g, 'o.'))}) with ordinality as r(row, ordinal)
      where o.entity_set = ${owner})`,
    key: ['Ref_Key', 'LineNumber'],
    properties: part.columns.map(column),
    tableParts: [],
  };
}

export const CHARACTERISTIC_OWNER_TYPE = 'StandardODATA.Catalog_Номенклатура';
export const PROPERTY_VALUE_TYPE = 'StandardODATA.Catalog_ЗначенияСвойствОбъектов';
export const PRICE_RECORDER_TYPE = 'StandardODATA.Document_УстановкаЦенНоменклатуры';
const PRICE = `(t.price_kopecks / 100.0)::float8`;

// ---- Documents ----------------------------------------------------------------------------------

/** One attribute of a document header or of a row of its table part Товары. */
export interface DocumentFieldDef {
  readonly name: string;
  readonly type: EdmType;
  /** Enum values accepted (1C enums travel as their value names). */
  readonly values?: readonly string[];
  readonly required?: boolean;
  /** Computed by the base (sums): printed, never written. */
  readonly readOnly?: boolean;
  readonly default?: string | number | boolean;
}

export interface DocumentDef {
  readonly name: string;
  /** `Recorder_Type` of its register records. */
  readonly recorderType: string;
  /** Writable over OData (`POST`, `PATCH`, `/Post`, `/Unpost`); sales are made by the warehouse. */
  readonly writable: boolean;
  readonly header: readonly DocumentFieldDef[];
  /** Columns of Товары besides LineNumber. */
  readonly lines: readonly DocumentFieldDef[];
}

/** `Статус` of Document_ЗаказКлиента (УТ 11 enum СтатусыЗаказовКлиентов). */
export const ORDER_STATUSES = ['НеСогласован', 'КОбеспечению', 'КОтгрузке', 'Закрыт'] as const;
/** Statuses under which a posted order reserves its lines. */
export const RESERVING_STATUSES: readonly string[] = ['КОбеспечению', 'КОтгрузке'];

const f = (name: string, type: EdmType, extra: Omit<DocumentFieldDef, 'name' | 'type'> = {}): DocumentFieldDef => ({ name, type, ...extra });
const PARTIES = [f('Организация_Key', 'Edm.Guid'), f('Партнер_Key', 'Edm.Guid'), f('Контрагент_Key', 'Edm.Guid'), f('Валюта_Key', 'Edm.Guid')];
const GOODS = [f('Номенклатура_Key', 'Edm.Guid', { required: true }), f('Характеристика_Key', 'Edm.Guid'), f('Количество', 'Edm.Double', { required: true }), f('Цена', 'Edm.Double', { default: 0 }), f('Сумма', 'Edm.Double')];

export const ORDER_DOC: DocumentDef = {
  name: 'Document_ЗаказКлиента',
  recorderType: 'StandardODATA.Document_ЗаказКлиента',
  writable: true,
  header: [
    ...PARTIES,
    f('Соглашение_Key', 'Edm.Guid'),
    f('Склад_Key', 'Edm.Guid', { required: true }),
    f('Статус', 'Edm.String', { values: ORDER_STATUSES, default: 'НеСогласован' }),
    f('ХозяйственнаяОперация', 'Edm.String', { values: ['РеализацияКлиенту'], default: 'РеализацияКлиенту' }),
    f('ЦенаВключаетНДС', 'Edm.Boolean', { default: true }),
    f('СуммаДокумента', 'Edm.Double', { readOnly: true }),
    f('НомерПоДаннымКлиента', 'Edm.String'),
    f('ДатаПоДаннымКлиента', 'Edm.DateTime'),
    f('ДатаОтгрузки', 'Edm.DateTime'),
    f('АдресДоставки', 'Edm.String'),
    f('Комментарий', 'Edm.String'),
  ],
  lines: [...GOODS, f('СуммаРучнойСкидки', 'Edm.Double', { default: 0 }), f('ВариантОбеспечения', 'Edm.String', { values: ['Отгрузить', 'СоСклада', 'НеТребуется'], default: 'СоСклада' }), f('Отменено', 'Edm.Boolean', { default: false })],
};

export const SALE_DOC: DocumentDef = {
  name: 'Document_РеализацияТоваровУслуг',
  recorderType: 'StandardODATA.Document_РеализацияТоваровУслуг',
  writable: false,
  header: [
    ...PARTIES,
    f('Склад_Key', 'Edm.Guid'),
    f('ЗаказКлиента_Key', 'Edm.Guid'),
    f('ХозяйственнаяОперация', 'Edm.String'),
    f('СуммаДокумента', 'Edm.Double', { readOnly: true }),
    f('Комментарий', 'Edm.String'),
  ],
  lines: [...GOODS, f('СуммаРучнойСкидки', 'Edm.Double'), f('ЗаказКлиента_Key', 'Edm.Guid')],
};

export const RETURN_DOC: DocumentDef = {
  name: 'Document_ВозвратТоваровОтКлиента',
  recorderType: 'StandardODATA.Document_ВозвратТоваровОтКлиента',
  writable: true,
  header: [
    ...PARTIES,
    f('Склад_Key', 'Edm.Guid'),
    f('ДокументРеализации_Key', 'Edm.Guid', { required: true }),
    f('ХозяйственнаяОперация', 'Edm.String', { values: ['ВозвратОтКлиента'], default: 'ВозвратОтКлиента' }),
    f('СуммаДокумента', 'Edm.Double', { readOnly: true }),
    f('НомерВходящегоДокумента', 'Edm.String'),
    f('ДатаВходящегоДокумента', 'Edm.DateTime'),
    f('Комментарий', 'Edm.String'),
  ],
  lines: GOODS,
};

export const DOCUMENT_DEFS: readonly DocumentDef[] = [ORDER_DOC, SALE_DOC, RETURN_DOC];
export const documentDef = (name: string) => DOCUMENT_DEFS.find((d) => d.name === name);

function documentSet(def: DocumentDef): EntitySetDef {
  return {
    name: def.name,
    entityType: def.name,
    source: sql`(select * from ${sql.table(`${S}.documents`)} where entity_set = ${def.name})`,
    refKey: 'Ref_Key',
    key: ['Ref_Key'],
    properties: [
      ...CATALOG_HEAD,
      p('Number', 'Edm.String', 't.number'),
      p('Date', 'Edm.DateTime', 't.date'),
      p('Posted', 'Edm.Boolean', 't.posted'),
      ...def.header.map((h) => attr(h.name, h.type)),
    ],
    tableParts: [{ name: 'Товары', sql: 't.lines', columns: [col('LineNumber', 'Edm.Int64'), ...def.lines.map((l) => col(l.name, l.type))] }],
  };
}

/** The order states the integration polls: `ДатаИзменения ge datetime'…'` picks up changes since a moment. */
export const ORDER_STATES_SET: EntitySetDef = {
  name: 'InformationRegister_СостоянияЗаказовКлиентов',
  entityType: 'InformationRegister_СостоянияЗаказовКлиентов',
  source: sql.table(`${S}.order_states`),
  key: ['Заказ_Key'],
  properties: [p('Заказ_Key', 'Edm.Guid', 't.order_ref'), p('Состояние', 'Edm.String', 't.state'), p('ДатаИзменения', 'Edm.DateTime', 't.changed_at')],
  tableParts: [],
};

export const ENTITY_SETS: readonly EntitySetDef[] = [
  {
    name: 'Catalog_Номенклатура',
    entityType: 'Catalog_Номенклатура',
    source: sql.table(`${S}.products`),
    refKey: 'Ref_Key',
    key: ['Ref_Key'],
    properties: [
      ...CATALOG_HEAD,
      ...HIERARCHY,
      CODE,
      DESCRIPTION,
      p('Артикул', 'Edm.String', 't.article'),
      p('НаименованиеПолное', 'Edm.String', 't.full_name'),
      p('ВидНоменклатуры_Key', 'Edm.Guid', 't.kind_ref'),
      p('ТипНоменклатуры', 'Edm.String', 't.product_type'),
      p('ЕдиницаИзмерения_Key', 'Edm.Guid', 't.unit_ref'),
      p('Марка_Key', 'Edm.Guid', 't.brand_ref'),
      p('ИспользоватьХарактеристики', 'Edm.Boolean', 't.uses_characteristics'),
      ...NOT_PREDEFINED,
    ],
    tableParts: [],
  },
  {
    name: 'Catalog_ХарактеристикиНоменклатуры',
    entityType: 'Catalog_ХарактеристикиНоменклатуры',
    source: sql.table(`${S}.characteristics`),
    refKey: 'Ref_Key',
    key: ['Ref_Key'],
    properties: [
      ...CATALOG_HEAD,
      // Owner is composite (a product or a product kind): the value, and its type beside it.
      p('Owner', 'Edm.Guid', 't.owner_ref'),
      p('Owner_Type', 'Edm.String', 't.owner_type'),
      DESCRIPTION,
      p('НаименованиеДляПечати', 'Edm.String', 't.print_name'),
      ...NOT_PREDEFINED,
    ],
    tableParts: [{ name: 'ДополнительныеРеквизиты', sql: 't.extra_attributes', columns: EXTRA_ATTRIBUTES_COLUMNS }],
  },
  smallCatalog('Catalog_Склады', [
    ...CATALOG_HEAD,
    ...HIERARCHY,
    CODE,
    DESCRIPTION,
    attr('ТипСклада', 'Edm.String'),
    attr('Подразделение_Key', 'Edm.Guid'),
    attr('БизнесРегион_Key', 'Edm.Guid'),
    attr('Комментарий', 'Edm.String'),
    ...PREDEFINED,
  ], [CONTACT_INFO]),
  smallCatalog('Catalog_Марки', [...CATALOG_HEAD, CODE, DESCRIPTION, ...PREDEFINED]),
  smallCatalog('Catalog_ВидыНоменклатуры', [
    ...CATALOG_HEAD,
    ...HIERARCHY,
    DESCRIPTION,
    attr('ТипНоменклатуры', 'Edm.String'),
    attr('ИспользоватьХарактеристики', 'Edm.Boolean'),
    attr('НаборСвойствХарактеристик_Key', 'Edm.Guid'),
    ...PREDEFINED,
  ]),
  smallCatalog('Catalog_ВидыЦен', [
    ...CATALOG_HEAD,
    CODE,
    DESCRIPTION,
    attr('ВалютаЦены_Key', 'Edm.Guid'),
    attr('ЦенаВключаетНДС', 'Edm.Boolean'),
    attr('ИспользоватьПриПродаже', 'Edm.Boolean'),
    ...PREDEFINED,
  ]),
  smallCatalog('Catalog_Валюты', [...CATALOG_HEAD, CODE, DESCRIPTION, attr('НаименованиеПолное', 'Edm.String'), ...PREDEFINED]),
  smallCatalog('Catalog_УпаковкиЕдиницыИзмерения', [...CATALOG_HEAD, CODE, DESCRIPTION, attr('НаименованиеПолное', 'Edm.String'), ...PREDEFINED]),
  smallCatalog('ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения', [
    ...CATALOG_HEAD,
    DESCRIPTION,
    attr('Заголовок', 'Edm.String'),
    attr('Имя', 'Edm.String'),
    attr('ЭтоДополнительноеСведение', 'Edm.Boolean'),
    attr('ДополнительныеЗначенияИспользуются', 'Edm.Boolean'),
    attr('ВладелецДополнительныхЗначений_Key', 'Edm.Guid'),
    ...PREDEFINED,
  ]),
  smallCatalog('Catalog_ЗначенияСвойствОбъектов', [
    ...CATALOG_HEAD,
    ...HIERARCHY,
    attr('Owner_Key', 'Edm.Guid'),
    CODE,
    DESCRIPTION,
    ...PREDEFINED,
  ]),
  {
    name: 'InformationRegister_ЦеныНоменклатуры25',
    entityType: 'InformationRegister_ЦеныНоменклатуры25',
    source: sql.table(`${S}.prices`),
    key: ['Recorder', 'LineNumber'],
    properties: [
      p('Period', 'Edm.DateTime', 't.period'),
      p('Recorder', 'Edm.Guid', 't.recorder'),
      p('Recorder_Type', 'Edm.String', `'${PRICE_RECORDER_TYPE}'::text`),
      p('LineNumber', 'Edm.Int64', 't.line_number'),
      p('Active', 'Edm.Boolean', 't.active'),
      p('ВидЦены_Key', 'Edm.Guid', 't.price_type_ref'),
      p('Номенклатура_Key', 'Edm.Guid', 't.product_ref'),
      p('Характеристика_Key', 'Edm.Guid', 't.characteristic_ref'),
      p('Цена', 'Edm.Double', PRICE),
      p('Упаковка_Key', 'Edm.Guid', 't.package_ref'),
      p('Валюта_Key', 'Edm.Guid', 't.currency_ref'),
    ],
    tableParts: [],
  },
  {
    name: 'InformationRegister_ШтрихкодыНоменклатуры',
    entityType: 'InformationRegister_ШтрихкодыНоменклатуры',
    source: sql.table(`${S}.barcodes`),
    key: ['Штрихкод'],
    properties: [
      p('Штрихкод', 'Edm.String', 't.barcode'),
      p('Номенклатура_Key', 'Edm.Guid', 't.product_ref'),
      p('Характеристика_Key', 'Edm.Guid', 't.characteristic_ref'),
      p('Упаковка_Key', 'Edm.Guid', 't.package_ref'),
    ],
    tableParts: [],
  },
  ...CATALOG_DEFS.map(partyCatalog),
  ...CATALOG_DEFS.map((def) => tablePartSet(def.name, CONTACT_INFO)),
  ...DOCUMENT_DEFS.map(documentSet),
  ORDER_STATES_SET,
];

// ---- Virtual tables ------------------------------------------------------------------------------

function condition(params: ReadonlyMap<string, FunctionParam>, dims: ShapeDef): RawBuilder<unknown> {
  const c = params.get('Condition');
  if (!c) return sql`true`;
  if (c.type !== 'string') throw new ODataRequestError('option', 'Параметр Condition должен быть строкой в кавычках');
  try {
    return compileFilter(parseFilter(c.value), dims);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw new ODataRequestError('option', `Ошибка разбора параметра Condition (позиция ${error.position + 1}): ${error.message}`);
    throw error;
  }
}

function period(params: ReadonlyMap<string, FunctionParam>): string | undefined {
  const value = params.get('Period');
  if (!value) return undefined;
  if (value.type !== 'datetime') throw new ODataRequestError('option', "Параметр Period должен быть литералом datetime'…'");
  return value.value;
}

const FREE_STOCK_DIMS = [
  { dimension: 'Номенклатура', property: p('Номенклатура_Key', 'Edm.Guid', 't.product_ref'), column: 'product_ref' },
  { dimension: 'Характеристика', property: p('Характеристика_Key', 'Edm.Guid', 't.characteristic_ref'), column: 'characteristic_ref' },
  { dimension: 'Склад', property: p('Склад_Key', 'Edm.Guid', 't.warehouse_ref'), column: 'warehouse_ref' },
];
const FREE_STOCK_RESOURCES = [
  { property: p('ВНаличииBalance', 'Edm.Double', 't.in_hand'), column: 'in_hand' },
  { property: p('ВРезервеСоСкладаBalance', 'Edm.Double', 't.reserved'), column: 'reserved' },
  { property: p('ВРезервеПодЗаказBalance', 'Edm.Double', 't.reserved_for_order'), column: 'reserved_for_order' },
];
const FREE_STOCK_DIMS_SHAPE: ShapeDef = {
  entityType: 'AccumulationRegister_СвободныеОстатки',
  properties: FREE_STOCK_DIMS.map((d) => d.property),
  tableParts: [],
  key: [],
};

/**
 * `AccumulationRegister_СвободныеОстатки/Balance(Period=…, Condition=…, Dimensions=…)`: balances
 * at the start of `Period` (movements strictly before it; now when absent), over the chosen
 * dimensions, only rows with a non-zero resource. `Condition` filters the dimensions first.
 */
const freeStockBalance: VirtualTableDef = {
  name: 'Balance',
  allowedParams: ['Period', 'Condition', 'Dimensions'],
  build(params) {
    const at = period(params);
    const dimsParam = params.get('Dimensions');
    let dims = FREE_STOCK_DIMS;
    if (dimsParam) {
      const names = dimsParam.value.split(',').map((s) => s.trim()).filter((s) => s !== '');
      for (const n of names) if (!FREE_STOCK_DIMS.some((d) => d.dimension === n)) throw new ODataQueryError('property', `Не найдено измерение '${n}' регистра 'СвободныеОстатки'`);
      dims = FREE_STOCK_DIMS.filter((d) => names.includes(d.dimension));
    }
    const where = condition(params, FREE_STOCK_DIMS_SHAPE);
    const shape: ShapeDef = {
      entityType: 'AccumulationRegister_СвободныеОстатки_Balance',
      properties: [...dims.map((d) => d.property), ...FREE_STOCK_RESOURCES.map((r) => r.property)],
      tableParts: [],
      key: dims.map((d) => d.property.name),
    };
    if (at === undefined && dims.length === FREE_STOCK_DIMS.length) {
      return { shape, source: sql`(select * from ${sql.table(`${S}.stock_balances`)} as t where ${where})` };
    }
    const base =
      at === undefined
        ? sql`(select * from ${sql.table(`${S}.stock_balances`)} as t where ${where})`
        : sql`(select * from ${sql.table(`${S}.stock_movements`)} as t where t.period < ${at}::timestamp and ${where})`;
    const dimColumns = dims.map((d) => sql.ref(`t.${d.column}`));
    const sums = FREE_STOCK_RESOURCES.map((r) => sql`sum(${sql.ref(`t.${r.column}`)}) as ${sql.id(r.column)}`);
    const groupBy = dimColumns.length > 0 ? sql`group by ${sql.join(dimColumns)}` : sql``;
    const nonZero = sql.join(FREE_STOCK_RESOURCES.map((r) => sql`sum(${sql.ref(`t.${r.column}`)}) <> 0`), sql` or `);
    return { shape, source: sql`(select ${sql.join([...dimColumns, ...sums])} from ${base} as t ${groupBy} having ${nonZero})` };
  },
};

const PRICE_DIMS_SHAPE: ShapeDef = {
  entityType: 'InformationRegister_ЦеныНоменклатуры25',
  properties: [p('ВидЦены_Key', 'Edm.Guid', 't.price_type_ref'), p('Номенклатура_Key', 'Edm.Guid', 't.product_ref'), p('Характеристика_Key', 'Edm.Guid', 't.characteristic_ref')],
  tableParts: [],
  key: [],
};

const SLICE_LAST_SHAPE: ShapeDef = {
  entityType: 'InformationRegister_ЦеныНоменклатуры25_SliceLast',
  properties: [
    p('Period', 'Edm.DateTime', 't.period'),
    ...PRICE_DIMS_SHAPE.properties,
    p('Цена', 'Edm.Double', PRICE),
    p('Упаковка_Key', 'Edm.Guid', 't.package_ref'),
    p('Валюта_Key', 'Edm.Guid', 't.currency_ref'),
  ],
  tableParts: [],
  key: ['ВидЦены_Key', 'Номенклатура_Key', 'Характеристика_Key'],
};

/**
 * `InformationRegister_ЦеныНоменклатуры25/SliceLast(Period=…, Condition=…)`: per price type,
 * product and characteristic, the last active record at or before `Period` (the last of all when
 * absent). `Condition` filters the dimensions first.
 */
const priceSliceLast: VirtualTableDef = {
  name: 'SliceLast',
  allowedParams: ['Period', 'Condition'],
  build(params) {
    const at = period(params);
    const where = condition(params, PRICE_DIMS_SHAPE);
    if (at === undefined) return { shape: SLICE_LAST_SHAPE, source: sql`(select * from ${sql.table(`${S}.price_slice_last`)} as t where ${where})` };
    return {
      shape: SLICE_LAST_SHAPE,
      source: sql`(select distinct on (t.price_type_ref, t.product_ref, t.characteristic_ref) * from ${sql.table(`${S}.prices`)} as t
        where t.active and t.period <= ${at}::timestamp and ${where}
        order by t.price_type_ref, t.product_ref, t.characteristic_ref, t.period desc, t.recorder desc, t.line_number desc)`,
    };
  },
};

export const VIRTUAL_TABLES: Readonly<Record<string, readonly VirtualTableDef[]>> = {
  AccumulationRegister_СвободныеОстатки: [freeStockBalance],
  InformationRegister_ЦеныНоменклатуры25: [priceSliceLast],
};

/** Every published name: entity sets, and the registers that exist only through their virtual tables. */
export const PUBLISHED_NAMES: readonly string[] = [...ENTITY_SETS.map((s) => s.name), 'AccumulationRegister_СвободныеОстатки'];

export const entitySet = (name: string) => ENTITY_SETS.find((s) => s.name === name);

const edmx = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

function entityTypeXml(shape: ShapeDef): string {
  const props = shape.properties.map((q) => `<Property Name="${edmx(q.name)}" Type="${q.type}" Nullable="${q.type === 'Edm.String' ? 'true' : 'false'}"/>`);
  const parts = shape.tableParts.map((t) => `<Property Name="${edmx(t.name)}" Type="Collection(StandardODATA.${edmx(shape.entityType)}_${edmx(t.name)}_RowType)" Nullable="false"/>`);
  const key = shape.key.length > 0 ? `<Key>${shape.key.map((k) => `<PropertyRef Name="${edmx(k)}"/>`).join('')}</Key>` : '';
  const rowTypes = shape.tableParts.map(
    (t) => `<ComplexType Name="${edmx(shape.entityType)}_${edmx(t.name)}_RowType">${t.columns.map((c) => `<Property Name="${edmx(c.name)}" Type="${c.type}" Nullable="true"/>`).join('')}</ComplexType>`,
  );
  return `${rowTypes.join('')}<EntityType Name="${edmx(shape.entityType)}">${key}${[...props, ...parts].join('')}</EntityType>`;
}

/** A minimal CSDL document: entity types, entity sets, and the virtual tables as function imports. */
export function metadataXml(): string {
  const balance = freeStockBalance.build(new Map()).shape;
  const types = [...ENTITY_SETS, balance, SLICE_LAST_SHAPE].map(entityTypeXml).join('');
  const sets = ENTITY_SETS.map((s) => `<EntitySet Name="${edmx(s.name)}" EntityType="StandardODATA.${edmx(s.entityType)}"/>`).join('');
  const functions = [
    `<FunctionImport Name="Balance" ReturnType="Collection(StandardODATA.${edmx(balance.entityType)})" IsBindable="true" m:IsAlwaysBindable="true"><Parameter Name="bindingParameter" Type="StandardODATA.AccumulationRegister_СвободныеОстатки"/><Parameter Name="Period" Type="Edm.DateTime" Nullable="true"/><Parameter Name="Condition" Type="Edm.String" Nullable="true"/><Parameter Name="Dimensions" Type="Edm.String" Nullable="true"/></FunctionImport>`,
    `<FunctionImport Name="SliceLast" ReturnType="Collection(StandardODATA.${edmx(SLICE_LAST_SHAPE.entityType)})" IsBindable="true" m:IsAlwaysBindable="true"><Parameter Name="bindingParameter" Type="Collection(StandardODATA.InformationRegister_ЦеныНоменклатуры25)"/><Parameter Name="Period" Type="Edm.DateTime" Nullable="true"/><Parameter Name="Condition" Type="Edm.String" Nullable="true"/></FunctionImport>`,
  ].join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx">' +
    '<edmx:DataServices m:DataServiceVersion="3.0" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">' +
    '<Schema Namespace="StandardODATA" xmlns="http://schemas.microsoft.com/ado/2009/11/edm">' +
    types +
    '<EntityType Name="AccumulationRegister_СвободныеОстатки"><Key><PropertyRef Name="Recorder"/></Key><Property Name="Recorder" Type="Edm.Guid" Nullable="false"/></EntityType>' +
    `<EntityContainer Name="StandardODATA" m:IsDefaultEntityContainer="true">${sets}${functions}</EntityContainer>` +
    '</Schema></edmx:DataServices></edmx:Edmx>'
  );
}
