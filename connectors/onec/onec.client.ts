import { z } from 'zod';
import { kopecksFromRoubles, roublesFromKopecks } from '../../platform/money.js';
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
import type { OneCOrder, OneCOrderDraft, OneCOrderState, OneCOrderStateChange, OneCOrdersPort, OneCParty, OneCPartyDraft, OneCPostingRefused, OneCReturn, OneCReturnDraft } from './onec-orders.port.js';

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
const money = z.union([z.number(), z.string()]).nullish().transform((v) => kopecksFromRoubles(Number(v ?? 0)));
const orderRow = z.object({
  Ref_Key: guidSchema,
  Number: z.string(),
  Date: z.string(),
  Posted: z.boolean(),
  DataVersion: z.string(),
  Статус: z.string(),
  Склад_Key: guidSchema,
  НомерПоДаннымКлиента: z.string(),
  СуммаДокумента: money,
  Товары: z.array(
    z.object({
      LineNumber: z.union([z.string(), z.number()]).transform(Number),
      Номенклатура_Key: guidSchema,
      Характеристика_Key: guidSchema,
      Количество: quantity,
      Цена: money,
      СуммаРучнойСкидки: money,
      Сумма: money,
      Отменено: z.boolean().nullish(),
    }),
  ),
});
const ORDER_SELECT = 'Ref_Key,Number,Date,Posted,DataVersion,Статус,Склад_Key,НомерПоДаннымКлиента,СуммаДокумента,Товары';
const returnRow = z.object({ Ref_Key: guidSchema, Number: z.string(), Posted: z.boolean(), ДокументРеализации_Key: guidSchema, НомерВходящегоДокумента: z.string(), СуммаДокумента: money });
const RETURN_SELECT = 'Ref_Key,Number,Posted,ДокументРеализации_Key,НомерВходящегоДокумента,СуммаДокумента';
const stateRow = z.object({ Заказ_Key: guidSchema, Состояние: z.string(), ДатаИзменения: z.string() });
const refRow = z.object({ Ref_Key: guidSchema });

/** `Состояние` values of СостоянияЗаказовКлиентов (ASSUMED names, as the emulator writes them). */
const ORDER_STATES: Readonly<Record<string, OneCOrderState>> = {
  ОжидаетсяСогласование: 'awaiting-approval',
  ГотовКОтгрузке: 'ready-to-ship',
  Отгружен: 'shipped',
  Доставлен: 'delivered',
  Возвращен: 'returned',
  Отменен: 'cancelled',
};

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

/** A phone as БСП keeps it for search in `НомерТелефона`: digits with the country code, `7XXXXXXXXXX`. */
export function oneCPhoneDigits(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('8')) return `7${digits.slice(1)}`;
  return digits.length === 10 ? `7${digits}` : digits;
}

/** `+7 916 123-45-67`: the number as 1C's contact-information form prints it (`Представление`). */
function phonePresentation(digits: string): string {
  if (digits.length !== 11 || !digits.startsWith('7')) return `+${digits}`;
  return `+7 ${digits.slice(1, 4)} ${digits.slice(4, 7)}-${digits.slice(7, 9)}-${digits.slice(9)}`;
}

/** The one contact-information row (БСП table part) a partner made by the integration carries: its phone. */
function phoneContacts(phone: string | undefined) {
  if (!phone) return [];
  const digits = oneCPhoneDigits(phone);
  const shown = phonePresentation(digits);
  return [{ LineNumber: '1', Тип: 'Телефон', Представление: shown, Значение: JSON.stringify({ value: shown, type: 'Телефон' }), НомерТелефона: digits }];
}

/** Money: 1C keeps decimal roubles; kopecks as an integer. */

/**
 * 1C's standard OData interface over HTTP, sending what a real OData client sends: HTTP Basic with
 * the 1C user (UTF-8), `Accept: application/json`, `$format=json`, the entity set and virtual table
 * names percent-encoded in the path, `$filter` with `guid'…'` literals, `$select` of exactly the
 * fields read, `$orderby` on the keyset columns and `$top`. Reads, posting, unposting and PATCH of a
 * status are safe to repeat, so the upstream client retries them after timeouts and 5xx; a create
 * (`POST <Set>`) is not, and is made retry-safe by searching for our number before each attempt.
 */
/** The part of a `Товары` row every document shares: line number, item, characteristic, quantity, price. */
function goodsRow(line: { productRef: string; characteristicRef?: string; quantity: number; priceKopecks: number }, index: number) {
  return {
    LineNumber: String(index + 1),
    Номенклатура_Key: guid(line.productRef),
    Характеристика_Key: line.characteristicRef ? guid(line.characteristicRef) : ONEC_EMPTY_REF,
    Количество: line.quantity,
    Цена: roublesFromKopecks(line.priceKopecks),
  };
}

export function createOneCClient(o: OneCClientOptions): OneCCatalogPort & OneCOrdersPort & { readonly upstream: UpstreamClient; close(): Promise<void> } {
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

  /**
   * One request, its answer checked: 4xx → OneCApiError, a body that is not the expected JSON →
   * UpstreamUnavailableError. `idempotent` lets the upstream client retry it after a lost reply.
   */
  async function call<T>(req: { method: 'GET' | 'POST' | 'PATCH'; resource: string; options?: readonly (readonly [string, string | number | undefined])[]; body?: unknown; idempotent: boolean }, schema: z.ZodType<T>): Promise<T> {
    const path = `/${req.resource}${odataQuery(req.options ?? [])}`;
    const response = await upstream.send({
      method: req.method,
      path,
      idempotent: req.idempotent,
      ...(req.body === undefined ? {} : { body: JSON.stringify(req.body), headers: { 'Content-Type': 'application/json' } }),
    });
    if (response.status >= 400) throw apiError(response.status, response.text);
    let json: unknown;
    try {
      json = response.text === '' ? undefined : JSON.parse(response.text);
    } catch {
      throw new UpstreamUnavailableError('onec', `${req.method} ${req.resource} answered ${response.status} with a body that is not JSON`, response.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new UpstreamUnavailableError('onec', `${req.method} ${req.resource} answered an unexpected shape (${problems})`, response.status);
    }
    return parsed.data;
  }

  const get = <T>(resource: string, options: readonly (readonly [string, string | number | undefined])[], schema: z.ZodType<T>) => call({ method: 'GET', resource, options, idempotent: true }, schema);

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

  const ORDERS = 'Document_ЗаказКлиента';
  const SALES = 'Document_РеализацияТоваровУслуг';
  const RETURNS = 'Document_ВозвратТоваровОтКлиента';
  const objectPath = (setName: string, key: string, action?: 'Post' | 'Unpost') => `${set(setName)}(guid'${guid(key)}')${action ? `/${action}` : ''}`;
  const attempts = Math.max(1, o.maxRetries ?? 3);

  const toOrder = (r: z.infer<typeof orderRow>): OneCOrder => ({
    ref: r.Ref_Key,
    number: r.Number,
    date: r.Date,
    externalNumber: r.НомерПоДаннымКлиента,
    posted: r.Posted,
    status: r.Статус,
    warehouseRef: r.Склад_Key,
    totalKopecks: r.СуммаДокумента,
    dataVersion: r.DataVersion,
    lines: r.Товары.map((l) => ({
      lineNumber: l.LineNumber,
      productRef: l.Номенклатура_Key,
      ...optional('characteristicRef', ref(l.Характеристика_Key)),
      quantity: l.Количество,
      priceKopecks: l.Цена,
      discountKopecks: l.СуммаРучнойСкидки,
      amountKopecks: l.Сумма,
      cancelled: l.Отменено ?? false,
    })),
  });
  const toReturn = (r: z.infer<typeof returnRow>): OneCReturn => ({ ref: r.Ref_Key, number: r.Number, saleRef: r.ДокументРеализации_Key, externalId: r.НомерВходящегоДокумента, posted: r.Posted, totalKopecks: r.СуммаДокумента });

  /** Finds by the natural key, else creates; a create whose reply was lost is looked for again before a second try. */
  async function findOrCreate<T>(find: () => Promise<T | undefined>, create: () => Promise<T>): Promise<{ value: T; created: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const existing = await find();
      if (existing !== undefined) return { value: existing, created: false };
      try {
        return { value: await create(), created: true };
      } catch (error) {
        if (!(error instanceof UpstreamUnavailableError) || attempt >= attempts) throw error;
      }
    }
  }

  /** Posts a document; 1C refusing to post (400) is the caller's typed result. */
  async function post(setName: string, key: string): Promise<{ ok: true } | OneCPostingRefused> {
    try {
      await call({ method: 'POST', resource: objectPath(setName, key, 'Post'), idempotent: true }, z.unknown());
      return { ok: true };
    } catch (error) {
      if (error instanceof OneCApiError && error.status === 400) return { ok: false, code: 'POSTING_REFUSED', message: error.message };
      throw error;
    }
  }

  const findOrder = async (externalNumber: string): Promise<OneCOrder | undefined> => {
    const rows = await get(set(ORDERS), [['$select', ORDER_SELECT], ['$filter', `НомерПоДаннымКлиента eq ${str(externalNumber)} and DeletionMark eq false`], ['$orderby', 'Date,Ref_Key'], ['$top', 1]], list(orderRow));
    return rows.value[0] && toOrder(rows.value[0]);
  };
  const findReturn = async (externalId: string): Promise<OneCReturn | undefined> => {
    const rows = await get(set(RETURNS), [['$select', RETURN_SELECT], ['$filter', `НомерВходящегоДокумента eq ${str(externalId)} and DeletionMark eq false`], ['$orderby', 'Date,Ref_Key'], ['$top', 1]], list(returnRow));
    return rows.value[0] && toReturn(rows.value[0]);
  };

  const PARTNERS = 'Catalog_Партнеры';
  const COUNTERPARTIES = 'Catalog_Контрагенты';

  const findCounterparty = async (partnerRef: string): Promise<string | undefined> => {
    const rows = await get(set(COUNTERPARTIES), [['$select', 'Ref_Key'], ['$filter', `Партнер_Key eq guid'${guid(partnerRef)}' and DeletionMark eq false`], ['$orderby', 'Ref_Key'], ['$top', 1]], list(refRow));
    return rows.value[0]?.Ref_Key;
  };

  const exists = async (setName: string, key: string): Promise<boolean> => {
    try {
      await get(objectPath(setName, key), [['$select', 'Ref_Key']], refRow);
      return true;
    } catch (error) {
      if (error instanceof OneCApiError && error.status === 404) return false;
      throw error;
    }
  };

  /**
   * Creates the object under its `Ref_Key` unless it exists. The key makes a repeated POST harmless
   * (1C refuses a taken key), so the upstream client may retry it; a refusal whose key turns out
   * taken is someone else's create of the same object (or our own lost reply): found, not made.
   */
  const createUnlessExists = async (setName: string, key: string, body: Record<string, unknown>): Promise<boolean> => {
    if (await exists(setName, key)) return false;
    try {
      await call({ method: 'POST', resource: set(setName), body: { Ref_Key: guid(key), ...body }, idempotent: true }, refRow);
      return true;
    } catch (error) {
      if (error instanceof OneCApiError && error.status === 400 && (await exists(setName, key))) return false;
      throw error;
    }
  };

  return {
    upstream,

    async findPartyByPhone(phone: string): Promise<OneCParty | undefined> {
      const digits = oneCPhoneDigits(phone);
      if (digits === '') return undefined;
      const phones = await get(set(`${PARTNERS}_КонтактнаяИнформация`), [['$select', 'Ref_Key'], ['$filter', `Тип eq 'Телефон' and НомерТелефона eq ${str(digits)}`], ['$orderby', 'Ref_Key'], ['$top', 20]], list(refRow));
      const owners = [...new Set(phones.value.map((r) => r.Ref_Key))];
      if (owners.length === 0) return undefined;
      // A partner marked for deletion (or a group) keeps its contact rows: the catalog decides.
      const partners = await get(
        set(PARTNERS),
        [['$select', 'Ref_Key'], ['$filter', `(${owners.map((r) => `Ref_Key eq guid'${guid(r)}'`).join(' or ')}) and DeletionMark eq false and IsFolder eq false`], ['$orderby', 'Ref_Key'], ['$top', 1]],
        list(refRow),
      );
      const partnerRef = partners.value[0]?.Ref_Key;
      if (partnerRef === undefined) return undefined;
      return { partnerRef, ...optional('counterpartyRef', await findCounterparty(partnerRef)) };
    },

    findCounterparty,

    async ensureParty(draft: OneCPartyDraft) {
      const contacts = phoneContacts(draft.phone);
      const partnerCreated = await createUnlessExists(PARTNERS, draft.partnerRef, { Description: draft.name, НаименованиеПолное: draft.name, Клиент: true, ЮрФизЛицо: 'ЧастноеЛицо', КонтактнаяИнформация: contacts });
      const counterpartyCreated = await createUnlessExists(COUNTERPARTIES, draft.counterpartyRef, { Description: draft.name, НаименованиеПолное: draft.name, Партнер_Key: guid(draft.partnerRef), ЮрФизЛицо: 'ФизЛицо', КонтактнаяИнформация: contacts });
      return { partnerCreated, counterpartyCreated };
    },

    findOrderByExternalNumber: findOrder,

    async createOrder(draft: OneCOrderDraft) {
      const body = {
        ...(draft.partnerRef ? { Партнер_Key: guid(draft.partnerRef) } : {}),
        ...(draft.counterpartyRef ? { Контрагент_Key: guid(draft.counterpartyRef) } : {}),
        Склад_Key: guid(draft.warehouseRef),
        Статус: 'КОтгрузке',
        ХозяйственнаяОперация: 'РеализацияКлиенту',
        НомерПоДаннымКлиента: draft.externalNumber,
        ...(draft.deliveryAddress ? { АдресДоставки: draft.deliveryAddress } : {}),
        ...(draft.comment ? { Комментарий: draft.comment } : {}),
        Товары: draft.lines.map((l, i) => ({
          ...goodsRow(l, i),
          СуммаРучнойСкидки: roublesFromKopecks(l.discountKopecks ?? 0),
          Сумма: roublesFromKopecks(l.quantity * l.priceKopecks - (l.discountKopecks ?? 0)),
          ВариантОбеспечения: 'СоСклада',
        })),
      };
      const { value, created } = await findOrCreate(
        () => findOrder(draft.externalNumber),
        async () => toOrder(await call({ method: 'POST', resource: set(ORDERS), body, idempotent: false }, orderRow)),
      );
      return { order: value, created };
    },

    postOrder: (orderRef) => post(ORDERS, orderRef),

    async cancelOrder(orderRef) {
      await call({ method: 'PATCH', resource: objectPath(ORDERS, orderRef), body: { Статус: 'Закрыт' }, idempotent: true }, z.unknown());
    },

    async orderStatusChanges(since, top = 500): Promise<OneCOrderStateChange[]> {
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(since)) throw new TypeError(`not a 1C date-time: ${since}`);
      const rows = await get(
        set('InformationRegister_СостоянияЗаказовКлиентов'),
        [
          ['$select', 'Заказ_Key,Состояние,ДатаИзменения'],
          ['$filter', `ДатаИзменения ge datetime'${since}'`],
          ['$orderby', 'ДатаИзменения,Заказ_Key'],
          ['$top', top],
        ],
        list(stateRow),
      );
      return rows.value.map((r) => ({ orderRef: r.Заказ_Key, state: ORDER_STATES[r.Состояние] ?? 'unknown', rawState: r.Состояние, changedAt: r.ДатаИзменения }));
    },

    async createReturn(draft: OneCReturnDraft) {
      let sale: string | undefined;
      const { value, created } = await findOrCreate(
        () => findReturn(draft.externalId),
        async () => {
          const sales = await get(set(SALES), [['$select', 'Ref_Key'], ['$filter', `ЗаказКлиента_Key eq guid'${guid(draft.orderRef)}' and Posted eq true`], ['$top', 1]], list(refRow));
          sale = sales.value[0]?.Ref_Key;
          if (sale === undefined) return undefined;
          const body = {
            ...(draft.partnerRef ? { Партнер_Key: guid(draft.partnerRef) } : {}),
            ...(draft.counterpartyRef ? { Контрагент_Key: guid(draft.counterpartyRef) } : {}),
            ДокументРеализации_Key: sale,
            НомерВходящегоДокумента: draft.externalId,
            ...(draft.comment ? { Комментарий: draft.comment } : {}),
            Товары: draft.lines.map((l, i) => ({
              ...goodsRow(l, i),
              Сумма: roublesFromKopecks(l.quantity * l.priceKopecks),
            })),
          };
          return toReturn(await call({ method: 'POST', resource: set(RETURNS), body, idempotent: false }, returnRow));
        },
      );
      if (value === undefined) return { ok: false as const, code: 'NOT_SHIPPED' as const, message: `order ${draft.orderRef} has no posted sale in 1C` };
      if (!value.posted) {
        const posted = await post(RETURNS, value.ref);
        if (!posted.ok) return posted;
      }
      return { ok: true as const, return: { ...value, posted: true }, created };
    },

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
        priceKopecks: kopecksFromRoubles(p.Цена),
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
