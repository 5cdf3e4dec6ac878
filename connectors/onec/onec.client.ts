import { z } from 'zod';
import { UpstreamClient, UpstreamUnavailableError, type UpstreamClientOptions } from '../../platform/http/upstream-client.js';
import {
  OneCApiError,
  type OneCBarcode,
  type OneCBrand,
  type OneCCatalogPort,
  type OneCCategory,
  type OneCCharacteristic,
  type OneCPrice,
  type OneCPriceCursor,
  type OneCProduct,
  type OneCStockCursor,
  type OneCStockRow,
  type OneCWarehouse,
} from './onec.port.js';

export interface OneCClientOptions extends Pick<UpstreamClientOptions, 'maxRetries' | 'breakerThreshold' | 'breakerHalfOpenAfterMs'> {
  /** Up to and including the publication, e.g. `http://127.0.0.1:4103/trade`. */
  readonly baseUrl: string;
  /** A 1C user with rights to read the published objects. */
  readonly login: string;
  readonly password: string;
  /** Per attempt. */
  readonly timeoutMs: number;
  /** Client-side spacing; 1C publishes no limit, so none by default. */
  readonly requestsPerSecond?: number;
  /** Names of the additional attributes that hold size and colour, and of the retail price type. */
  readonly sizePropertyName?: string;
  readonly colourPropertyName?: string;
  readonly retailPriceTypeName?: string;
}

export const ONEC_EMPTY_REF = '00000000-0000-0000-0000-000000000000';
const PRODUCT_OWNER_TYPE = 'StandardODATA.Catalog_Номенклатура';
const PRODUCT_KIND_OWNER_TYPE = 'StandardODATA.Catalog_ВидыНоменклатуры';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A GUID for a `guid'…'` literal; anything else is a caller's bug, refused before a request is spent. */
function guid(value: string): string {
  const lower = value.toLowerCase();
  if (!GUID.test(lower)) throw new TypeError(`not a GUID: ${value}`);
  return lower;
}

/** A string literal: quotes doubled. */
const str = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Percent-encodes one path segment as RFC 3986 allows it to stand: Cyrillic and spaces encoded,
 * the sub-delimiters 1C's syntax is made of (`'(),=`) and `:` left as they are.
 */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(3A|40|24|26|2B|2C|3B|3D)/gi, (m) => decodeURIComponent(m));
}

/** `$format=json` first, then the options in the order given; values percent-encoded, names kept. */
export function odataQuery(options: readonly (readonly [string, string | number | undefined])[]): string {
  const parts = ['$format=json'];
  for (const [name, value] of options) if (value !== undefined) parts.push(`${name}=${encodeURIComponent(String(value))}`);
  return `?${parts.join('&')}`;
}

/**
 * Rows after a keyset cursor over `columns` (all GUIDs), written so that the first column's bound
 * stands alone at the top (`A ge a and (…)`): a server can then use it as an index range instead of
 * scanning from the start on every page.
 */
export function keysetFilter(columns: readonly string[], values: readonly string[]): string {
  const lit = (i: number) => `guid'${guid(values[i]!)}'`;
  const after = (i: number): string => {
    const gt = `${columns[i]} gt ${lit(i)}`;
    if (i === columns.length - 1) return gt;
    return `${gt} or (${columns[i]} eq ${lit(i)} and (${after(i + 1)}))`;
  };
  return columns.length === 1 ? after(0) : `${columns[0]} ge ${lit(0)} and (${after(0)})`;
}

const ref = (value: string) => (value === ONEC_EMPTY_REF ? undefined : value);
const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: V }));

// ---- Wire shapes: only the fields selected ------------------------------------------------------

const guidSchema = z.string().transform((s) => s.toLowerCase());
const list = <T extends z.ZodType>(row: T) => z.object({ value: z.array(row) });

const warehouseRow = z.object({
  Ref_Key: guidSchema,
  Code: z.string(),
  Description: z.string(),
  Parent_Key: guidSchema,
  DeletionMark: z.boolean(),
  ТипСклада: z.string().nullish(),
  КонтактнаяИнформация: z.array(z.object({ Тип: z.string().nullish(), Представление: z.string().nullish(), Город: z.string().nullish() })).nullish(),
});
const categoryRow = z.object({ Ref_Key: guidSchema, Code: z.string(), Description: z.string(), Parent_Key: guidSchema, DeletionMark: z.boolean() });
const brandRow = z.object({ Ref_Key: guidSchema, Description: z.string(), DeletionMark: z.boolean() });
const productRow = z.object({
  Ref_Key: guidSchema,
  DataVersion: z.string(),
  DeletionMark: z.boolean(),
  Parent_Key: guidSchema,
  Code: z.string(),
  Description: z.string(),
  Артикул: z.string().nullish(),
  ВидНоменклатуры_Key: guidSchema.nullish(),
  Марка_Key: guidSchema.nullish(),
  ИспользоватьХарактеристики: z.boolean().nullish(),
});
const characteristicRow = z.object({
  Ref_Key: guidSchema,
  DataVersion: z.string(),
  DeletionMark: z.boolean(),
  Owner: z.string(),
  Owner_Type: z.string(),
  Description: z.string(),
  ДополнительныеРеквизиты: z.array(z.object({ Свойство_Key: guidSchema, Значение: z.union([z.string(), z.number(), z.boolean()]).nullish(), Значение_Type: z.string().nullish() })).nullish(),
});
const namedRow = z.object({ Ref_Key: guidSchema, Description: z.string() });
const priceRow = z.object({ Period: z.string(), ВидЦены_Key: guidSchema, Номенклатура_Key: guidSchema, Характеристика_Key: guidSchema, Цена: z.union([z.number(), z.string()]).transform(Number) });
const barcodeRow = z.object({ Штрихкод: z.string(), Номенклатура_Key: guidSchema, Характеристика_Key: guidSchema.nullish(), Упаковка_Key: guidSchema.nullish() });
const quantity = z.union([z.number(), z.string()]).nullish().transform((v) => Math.trunc(Number(v ?? 0)) || 0);
const stockRow = z.object({
  Номенклатура_Key: guidSchema,
  Характеристика_Key: guidSchema,
  Склад_Key: guidSchema,
  ВНаличииBalance: quantity,
  ВРезервеСоСкладаBalance: quantity,
  ВРезервеПодЗаказBalance: quantity,
});
const errorBody = z.object({ 'odata.error': z.object({ code: z.union([z.string(), z.number()]).transform(String), message: z.object({ value: z.string() }) }) });

const WAREHOUSE_TYPES: Readonly<Record<string, OneCWarehouse['type']>> = {
  РозничныйМагазин: 'retail',
  ОптовыйСклад: 'wholesale',
  НеавтоматизированнаяТорговаяТочка: 'unmanaged',
};

function apiError(status: number, text: string): OneCApiError {
  try {
    const parsed = errorBody.safeParse(JSON.parse(text));
    if (parsed.success) return new OneCApiError(status, parsed.data['odata.error'].code, parsed.data['odata.error'].message.value);
  } catch {
    // Not JSON: the web server in front of 1C answered.
  }
  if (status === 401) return new OneCApiError(401, 'UNAUTHORIZED', '1C refused the login and password');
  return new OneCApiError(status, `HTTP_${status}`, text.slice(0, 200));
}

/** Money: 1C keeps decimal roubles; kopecks as an integer. */
export const toKopecks = (roubles: number) => Math.round(roubles * 100);

/**
 * 1C's standard OData interface over HTTP, sending what a real OData client sends: HTTP Basic with
 * the 1C user (UTF-8), `Accept: application/json`, `$format=json`, the entity set and virtual table
 * names percent-encoded in the path, `$filter` with `guid'…'` literals, `$select` of exactly the
 * fields read, `$orderby` on the keyset columns and `$top`. Every call is a read, so the upstream
 * client retries all of them after timeouts and 5xx.
 */
export function createOneCClient(o: OneCClientOptions): OneCCatalogPort & { readonly upstream: UpstreamClient; close(): Promise<void> } {
  const upstream = new UpstreamClient({
    system: 'onec',
    baseUrl: `${o.baseUrl.replace(/\/+$/, '')}/odata/standard.odata`,
    timeoutMs: o.timeoutMs,
    ...(o.requestsPerSecond ? { requestsPerSecond: o.requestsPerSecond } : {}),
    ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
    ...(o.breakerThreshold !== undefined ? { breakerThreshold: o.breakerThreshold } : {}),
    ...(o.breakerHalfOpenAfterMs !== undefined ? { breakerHalfOpenAfterMs: o.breakerHalfOpenAfterMs } : {}),
    headers: {
      Authorization: `Basic ${Buffer.from(`${o.login}:${o.password}`, 'utf8').toString('base64')}`,
      Accept: 'application/json',
    },
  });
  const sizeName = o.sizePropertyName ?? 'Размер';
  const colourName = o.colourPropertyName ?? 'Цвет';
  const retailName = o.retailPriceTypeName ?? 'Розничная';

  async function get<T>(resource: string, options: readonly (readonly [string, string | number | undefined])[], schema: z.ZodType<T>): Promise<T> {
    const path = `/${resource}${odataQuery(options)}`;
    const response = await upstream.send({ method: 'GET', path, idempotent: true });
    if (response.status >= 400) throw apiError(response.status, response.text);
    let json: unknown;
    try {
      json = JSON.parse(response.text);
    } catch {
      throw new UpstreamUnavailableError('onec', `GET ${resource} answered ${response.status} with a body that is not JSON`, response.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new UpstreamUnavailableError('onec', `GET ${resource} answered an unexpected shape (${problems})`, response.status);
    }
    return parsed.data;
  }

  const set = (name: string) => encodePathSegment(name);

  // Looked up once per client: which properties hold size and colour, and their values.
  let properties: Promise<{ size?: string; colour?: string }> | undefined;
  const values = new Map<string, string>();

  async function loadValues(owners: { size?: string; colour?: string }): Promise<void> {
    const keys = [owners.size, owners.colour].filter((k): k is string => k !== undefined);
    if (keys.length === 0) return;
    const rows = await get(
      set('Catalog_ЗначенияСвойствОбъектов'),
      [
        ['$select', 'Ref_Key,Description'],
        ['$filter', keys.map((k) => `Owner_Key eq guid'${k}'`).join(' or ')],
      ],
      list(namedRow),
    );
    for (const row of rows.value) values.set(row.Ref_Key, row.Description);
  }

  function propertyKeys(): Promise<{ size?: string; colour?: string }> {
    properties ??= (async () => {
      const rows = await get(
        set('ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения'),
        [
          ['$select', 'Ref_Key,Description'],
          ['$filter', `Description eq ${str(sizeName)} or Description eq ${str(colourName)}`],
        ],
        list(namedRow),
      );
      const keys = {
        ...optional('size', rows.value.find((r) => r.Description === sizeName)?.Ref_Key),
        ...optional('colour', rows.value.find((r) => r.Description === colourName)?.Ref_Key),
      };
      await loadValues(keys);
      return keys;
    })().catch((error: unknown) => {
      properties = undefined;
      throw error;
    });
    return properties;
  }

  let retailPriceType: Promise<string> | undefined;
  function retailPriceTypeRef(): Promise<string> {
    retailPriceType ??= (async () => {
      const rows = await get(
        set('Catalog_ВидыЦен'),
        [
          ['$select', 'Ref_Key,Description'],
          ['$filter', `Description eq ${str(retailName)} and DeletionMark eq false`],
        ],
        list(namedRow),
      );
      const found = rows.value[0];
      if (!found) throw new OneCApiError(404, 'PRICE_TYPE_NOT_FOUND', `no price type named ${retailName}`);
      return found.Ref_Key;
    })().catch((error: unknown) => {
      retailPriceType = undefined;
      throw error;
    });
    return retailPriceType;
  }

  return {
    upstream,

    async listWarehouses(): Promise<OneCWarehouse[]> {
      const rows = await get(
        set('Catalog_Склады'),
        [
          ['$select', 'Ref_Key,Code,Description,Parent_Key,DeletionMark,ТипСклада,КонтактнаяИнформация/Тип,КонтактнаяИнформация/Представление,КонтактнаяИнформация/Город'],
          ['$filter', 'IsFolder eq false'],
          ['$orderby', 'Ref_Key'],
        ],
        list(warehouseRow),
      );
      return rows.value.map((w) => {
        const address = w.КонтактнаяИнформация?.find((c) => c.Тип === 'Адрес');
        return {
          ref: w.Ref_Key,
          code: w.Code,
          name: w.Description,
          type: WAREHOUSE_TYPES[w.ТипСклада ?? ''] ?? 'unspecified',
          ...optional('parentRef', ref(w.Parent_Key)),
          ...optional('city', address?.Город || undefined),
          ...optional('address', address?.Представление || undefined),
          deleted: w.DeletionMark,
        };
      });
    },

    async listCategories(): Promise<OneCCategory[]> {
      const rows = await get(
        set('Catalog_Номенклатура'),
        [
          ['$select', 'Ref_Key,Code,Description,Parent_Key,DeletionMark'],
          ['$filter', 'IsFolder eq true'],
          ['$orderby', 'Ref_Key'],
        ],
        list(categoryRow),
      );
      return rows.value.map((c) => ({ ref: c.Ref_Key, code: c.Code, name: c.Description, ...optional('parentRef', ref(c.Parent_Key)), deleted: c.DeletionMark }));
    },

    async listBrands(): Promise<OneCBrand[]> {
      const rows = await get(set('Catalog_Марки'), [['$select', 'Ref_Key,Description,DeletionMark'], ['$orderby', 'Ref_Key']], list(brandRow));
      return rows.value.map((b) => ({ ref: b.Ref_Key, name: b.Description, deleted: b.DeletionMark }));
    },

    async listProducts({ afterRef, top }): Promise<OneCProduct[]> {
      const filter = afterRef === undefined ? 'IsFolder eq false' : `IsFolder eq false and ${keysetFilter(['Ref_Key'], [afterRef])}`;
      const rows = await get(
        set('Catalog_Номенклатура'),
        [
          ['$select', 'Ref_Key,DataVersion,DeletionMark,Parent_Key,Code,Description,Артикул,ВидНоменклатуры_Key,Марка_Key,ИспользоватьХарактеристики'],
          ['$filter', filter],
          ['$orderby', 'Ref_Key'],
          ['$top', top],
        ],
        list(productRow),
      );
      return rows.value.map((p) => ({
        ref: p.Ref_Key,
        code: p.Code,
        article: p.Артикул ?? '',
        name: p.Description,
        ...optional('categoryRef', ref(p.Parent_Key)),
        ...optional('brandRef', p.Марка_Key ? ref(p.Марка_Key) : undefined),
        ...optional('kindRef', p.ВидНоменклатуры_Key ? ref(p.ВидНоменклатуры_Key) : undefined),
        usesCharacteristics: p.ИспользоватьХарактеристики ?? false,
        deleted: p.DeletionMark,
        dataVersion: p.DataVersion,
      }));
    },

    async listCharacteristics({ afterRef, top }): Promise<OneCCharacteristic[]> {
      const keys = await propertyKeys();
      const rows = await get(
        set('Catalog_ХарактеристикиНоменклатуры'),
        [
          ['$select', 'Ref_Key,DataVersion,DeletionMark,Owner,Owner_Type,Description,ДополнительныеРеквизиты/Свойство_Key,ДополнительныеРеквизиты/Значение,ДополнительныеРеквизиты/Значение_Type'],
          ...(afterRef === undefined ? [] : [['$filter', keysetFilter(['Ref_Key'], [afterRef])] as const]),
          ['$orderby', 'Ref_Key'],
          ['$top', top],
        ],
        list(characteristicRow),
      );
      // A value is a reference to Catalog_ЗначенияСвойствОбъектов, or (string-typed properties) the text itself.
      const isReference = (type: string | null | undefined) => type !== undefined && type !== null && type.startsWith('StandardODATA.');
      const unseen = rows.value.some((r) => (r.ДополнительныеРеквизиты ?? []).some((a) => (a.Свойство_Key === keys.size || a.Свойство_Key === keys.colour) && isReference(a.Значение_Type) && !values.has(String(a.Значение))));
      if (unseen) await loadValues(keys);
      const decode = (attrs: z.infer<typeof characteristicRow>['ДополнительныеРеквизиты'], property: string | undefined): string | undefined => {
        const a = property === undefined ? undefined : (attrs ?? []).find((x) => x.Свойство_Key === property);
        if (!a || a.Значение === null || a.Значение === undefined) return undefined;
        const value = String(a.Значение);
        if (!isReference(a.Значение_Type)) return value === '' ? undefined : value;
        return values.get(value.toLowerCase());
      };
      return rows.value.map((c) => {
        const owner = c.Owner.toLowerCase();
        return {
          ref: c.Ref_Key,
          ...optional('productRef', c.Owner_Type === PRODUCT_OWNER_TYPE ? ref(owner) : undefined),
          ...optional('productKindRef', c.Owner_Type === PRODUCT_KIND_OWNER_TYPE ? ref(owner) : undefined),
          name: c.Description,
          ...optional('size', decode(c.ДополнительныеРеквизиты, keys.size)),
          ...optional('colour', decode(c.ДополнительныеРеквизиты, keys.colour)),
          deleted: c.DeletionMark,
          dataVersion: c.DataVersion,
        };
      });
    },

    async listPrices({ after, top }: { after?: OneCPriceCursor; top: number }): Promise<OneCPrice[]> {
      const priceType = await retailPriceTypeRef();
      const condition = `ВидЦены_Key eq guid'${priceType}'`;
      const rows = await get(
        `${set('InformationRegister_ЦеныНоменклатуры25')}/${encodePathSegment(`SliceLast(Condition=${str(condition)})`)}`,
        [
          ['$select', 'Period,ВидЦены_Key,Номенклатура_Key,Характеристика_Key,Цена'],
          ...(after === undefined ? [] : [['$filter', keysetFilter(['Номенклатура_Key', 'Характеристика_Key'], [after.productRef, after.characteristicRef ?? ONEC_EMPTY_REF])] as const]),
          ['$orderby', 'Номенклатура_Key,Характеристика_Key'],
          ['$top', top],
        ],
        list(priceRow),
      );
      return rows.value.map((p) => ({
        productRef: p.Номенклатура_Key,
        ...optional('characteristicRef', ref(p.Характеристика_Key)),
        priceTypeRef: p.ВидЦены_Key,
        priceKopecks: toKopecks(p.Цена),
        since: p.Period,
      }));
    },

    async listBarcodes({ afterBarcode, top }): Promise<OneCBarcode[]> {
      const rows = await get(
        set('InformationRegister_ШтрихкодыНоменклатуры'),
        [
          ['$select', 'Штрихкод,Номенклатура_Key,Характеристика_Key,Упаковка_Key'],
          ...(afterBarcode === undefined ? [] : [['$filter', `Штрихкод gt ${str(afterBarcode)}`] as const]),
          ['$orderby', 'Штрихкод'],
          ['$top', top],
        ],
        list(barcodeRow),
      );
      return rows.value.map((b) => ({
        barcode: b.Штрихкод,
        productRef: b.Номенклатура_Key,
        ...optional('characteristicRef', b.Характеристика_Key ? ref(b.Характеристика_Key) : undefined),
        ...optional('packageRef', b.Упаковка_Key ? ref(b.Упаковка_Key) : undefined),
      }));
    },

    async listStock({ after, top, warehouseRefs }: { after?: OneCStockCursor; top: number; warehouseRefs?: readonly string[] }): Promise<OneCStockRow[]> {
      if (warehouseRefs !== undefined && warehouseRefs.length === 0) return [];
      const params = warehouseRefs ? `Condition=${str(warehouseRefs.map((w) => `Склад_Key eq guid'${guid(w)}'`).join(' or '))}` : '';
      const dims = ['Номенклатура_Key', 'Характеристика_Key', 'Склад_Key'];
      const rows = await get(
        `${set('AccumulationRegister_СвободныеОстатки')}/${encodePathSegment(`Balance(${params})`)}`,
        [
          ['$select', 'Номенклатура_Key,Характеристика_Key,Склад_Key,ВНаличииBalance,ВРезервеСоСкладаBalance,ВРезервеПодЗаказBalance'],
          ...(after === undefined ? [] : [['$filter', keysetFilter(dims, [after.productRef, after.characteristicRef ?? ONEC_EMPTY_REF, after.warehouseRef])] as const]),
          ['$orderby', dims.join(',')],
          ['$top', top],
        ],
        list(stockRow),
      );
      return rows.value.map((s) => ({
        productRef: s.Номенклатура_Key,
        ...optional('characteristicRef', ref(s.Характеристика_Key)),
        warehouseRef: s.Склад_Key,
        inHand: s.ВНаличииBalance,
        reserved: s.ВРезервеСоСкладаBalance,
        reservedForOrder: s.ВРезервеПодЗаказBalance,
      }));
    },

    close: () => upstream.close(),
  };
}
