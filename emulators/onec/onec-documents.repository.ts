import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { DEMO_CURRENCY_RUB } from '../seed/demo-catalog.js';
import { isGuid, normaliseDateTime } from './odata-filter.js';
import type { OneCEmulatorDb } from './onec-emulator.tables.js';
import { EMPTY_REF, ORDER_DOC, RESERVING_STATUSES, RETURN_DOC, SALE_DOC, type DocumentDef, type DocumentFieldDef } from './onec-entity-sets.js';
import { oneCNow, removeMovements, writeMovements, type MovementsResult, type StockDelta } from './onec-stock.repository.js';

/**
 * Writes of the order documents as 1C does them over OData: create (`POST <Set>`), change
 * (`PATCH <Set>(guid'…')`), post and unpost, with the register records of free stock they make
 * (`СвободныеОстатки` through the movements log), and the warehouse's side: a sale
 * (`РеализацияТоваровУслуг`) made from an order, and the delivered mark. Each call is one
 * transaction; the order's state in `СостоянияЗаказовКлиентов` is recomputed inside it.
 */

type Db = Kysely<OneCEmulatorDb>;
type Trx = Transaction<OneCEmulatorDb>;

/** Why a write was refused, as the API answers it (`odata.error` code: see onec-odata.api.ts). */
export interface WriteRefusal {
  readonly ok: false;
  readonly status: number;
  readonly code: 'UNKNOWN_PROPERTY' | 'TYPE_MISMATCH' | 'WRITE_FAILED' | 'POSTING_FAILED' | 'OBJECT_NOT_FOUND' | 'METHOD_NOT_ALLOWED';
  readonly message: string;
}
export type WriteResult = { ok: true; ref: string } | WriteRefusal;

/** `Состояние` values of the order-state register (ASSUMED names, see README.md). */
export const ORDER_STATE = {
  AWAITING_APPROVAL: 'ОжидаетсяСогласование',
  READY_TO_SHIP: 'ГотовКОтгрузке',
  SHIPPED: 'Отгружен',
  DELIVERED: 'Доставлен',
  RETURNED: 'Возвращен',
  CANCELLED: 'Отменен',
} as const;

class Refused extends Error {
  constructor(readonly refusal: WriteRefusal) {
    super(refusal.message);
  }
}
const refuse = (status: number, code: WriteRefusal['code'], message: string): never => {
  throw new Refused({ ok: false, status, code, message });
};
const writeFailed = (def: DocumentDef, reason: string): never => refuse(400, 'WRITE_FAILED', `Не удалось записать: '${def.name}'! ${reason}`);

type Row = Record<string, unknown>;
interface Doc {
  ref: string;
  number: string;
  posted: boolean;
  attrs: Row;
  lines: Row[];
}

const READ_ONLY = new Set(['Number', 'Posted', 'DataVersion', 'DeletionMark']);

/** `AAAAAQAAAAA=` for version 1: 1C prints DataVersion as base64 of an opaque binary. */
function dataVersion(version: number): string {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(version, 0);
  return b.toString('base64');
}

function value(def: DocumentDef, field: DocumentFieldDef, raw: unknown, where: string): unknown {
  const mismatch = () => refuse(400, 'TYPE_MISMATCH', `Неверное значение свойства '${field.name}'${where}: ожидается ${field.type}`);
  switch (field.type) {
    case 'Edm.Guid':
      if (typeof raw !== 'string' || !isGuid(raw)) return mismatch();
      return raw.toLowerCase();
    case 'Edm.String':
      if (typeof raw !== 'string') return mismatch();
      if (field.values && !field.values.includes(raw)) refuse(400, 'TYPE_MISMATCH', `Неверное значение '${raw}' свойства '${field.name}' объекта '${def.name}': допустимы ${field.values.join(', ')}`);
      return raw;
    case 'Edm.Boolean':
      if (typeof raw !== 'boolean') return mismatch();
      return raw;
    case 'Edm.DateTime': {
      const text = typeof raw === 'string' ? normaliseDateTime(raw) : undefined;
      return text ?? mismatch();
    }
    case 'Edm.Double':
    case 'Edm.Int64': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isFinite(n) ? n : mismatch();
    }
  }
}

const emptyOf = (field: DocumentFieldDef): unknown => field.default ?? (field.type === 'Edm.Guid' ? EMPTY_REF : field.type === 'Edm.Boolean' ? false : field.type === 'Edm.Double' || field.type === 'Edm.Int64' ? 0 : field.type === 'Edm.DateTime' ? '0001-01-01T00:00:00' : '');
const kopecks = (roubles: number) => Math.round(roubles * 100);

/** Reads a request body into header attributes and (when sent) rows of Товары, as 1C would refuse them. */
function readBody(def: DocumentDef, text: string, mode: 'create' | 'patch'): { attrs: Row; lines?: Row[]; ref?: string; date?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refuse(400, 'WRITE_FAILED', 'Тело запроса не является документом JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return refuse(400, 'WRITE_FAILED', 'Тело запроса должно быть объектом JSON');
  const out: { attrs: Row; lines?: Row[]; ref?: string; date?: string } = { attrs: {} };
  for (const [key, raw] of Object.entries(json as Row)) {
    if (key.startsWith('odata.')) continue;
    if (key === 'Ref_Key' && mode === 'create') {
      if (typeof raw !== 'string' || !isGuid(raw)) refuse(400, 'TYPE_MISMATCH', "Неверное значение свойства 'Ref_Key': ожидается Edm.Guid");
      out.ref = (raw as string).toLowerCase();
      continue;
    }
    if (key === 'Date') {
      out.date = value(def, { name: 'Date', type: 'Edm.DateTime' }, raw, '') as string;
      continue;
    }
    if (key === 'Товары') {
      out.lines = readLines(def, raw);
      continue;
    }
    const field = def.header.find((h) => h.name === key);
    if (!field) {
      if (READ_ONLY.has(key) || key === 'Ref_Key') refuse(400, 'UNKNOWN_PROPERTY', `Свойство '${key}' объекта '${def.name}' недоступно для записи`);
      refuse(400, 'UNKNOWN_PROPERTY', `Не найдено свойство '${key}' у сущности '${def.name}'`);
    }
    if (field!.readOnly) refuse(400, 'UNKNOWN_PROPERTY', `Свойство '${key}' объекта '${def.name}' недоступно для записи`);
    out.attrs[key] = value(def, field!, raw, '');
  }
  return out;
}

function readLines(def: DocumentDef, raw: unknown): Row[] {
  if (!Array.isArray(raw)) return refuse(400, 'TYPE_MISMATCH', `Табличная часть 'Товары' объекта '${def.name}' должна быть массивом строк`);
  const seen = new Set<number>();
  const rows = raw.map((item: unknown, i) => {
    const where = ` (строка ${i + 1} табличной части 'Товары')`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return refuse(400, 'TYPE_MISMATCH', `Строка ${i + 1} табличной части 'Товары' должна быть объектом`);
    const row: Row = {};
    const given = item as Row;
    const lineNumber = given.LineNumber === undefined || given.LineNumber === null ? NaN : Number(given.LineNumber);
    if (!Number.isInteger(lineNumber) || lineNumber < 1) refuse(400, 'WRITE_FAILED', `Не удалось записать: '${def.name}'! Не заполнен или неверен номер строки (LineNumber)${where}`);
    if (seen.has(lineNumber)) writeFailed(def, `Номер строки ${lineNumber} повторяется в табличной части 'Товары'`);
    seen.add(lineNumber);
    row.LineNumber = lineNumber;
    for (const [key, v] of Object.entries(given)) {
      if (key === 'LineNumber' || key === 'Ref_Key') continue;
      const field = def.lines.find((l) => l.name === key);
      if (!field) refuse(400, 'UNKNOWN_PROPERTY', `Не найдено свойство '${key}' у табличной части 'Товары' сущности '${def.name}'`);
      row[key] = value(def, field!, v, where);
    }
    for (const field of def.lines) {
      if (row[field.name] !== undefined) continue;
      if (field.required) writeFailed(def, `Поле "${field.name}" не заполнено${where}`);
      if (field.name !== 'Сумма') row[field.name] = emptyOf(field);
    }
    if ((row.Количество as number) <= 0) writeFailed(def, `Количество должно быть больше нуля${where}`);
    if ((row.Цена as number) < 0 || ((row.СуммаРучнойСкидки as number | undefined) ?? 0) < 0) writeFailed(def, `Цена и скидка не могут быть отрицательными${where}`);
    row.Сумма ??= (Math.round((row.Количество as number) * kopecks(row.Цена as number)) - kopecks((row.СуммаРучнойСкидки as number | undefined) ?? 0)) / 100;
    return row;
  });
  return rows.sort((a, b) => (a.LineNumber as number) - (b.LineNumber as number));
}

async function checkRefs(trx: Trx, def: DocumentDef, attrs: Row, lines: Row[]): Promise<void> {
  const warehouse = attrs.Склад_Key as string | undefined;
  if (warehouse !== undefined && warehouse !== EMPTY_REF) {
    const found = await trx.selectFrom('onec_emulator.catalog_objects').select('ref').where('entity_set', '=', 'Catalog_Склады').where('is_folder', '=', false).where('ref', '=', warehouse).executeTakeFirst();
    if (!found) writeFailed(def, `Не найден объект 'Catalog_Склады' с ключом guid'${warehouse}' (Склад_Key)`);
  }
  for (const line of lines) {
    const where = ` (строка ${line.LineNumber as number} табличной части 'Товары')`;
    const product = await trx.selectFrom('onec_emulator.products').select(['ref', 'uses_characteristics']).where('ref', '=', line.Номенклатура_Key as string).where('is_folder', '=', false).executeTakeFirst();
    if (!product) writeFailed(def, `Не найден объект 'Catalog_Номенклатура' с ключом guid'${line.Номенклатура_Key as string}'${where}`);
    const characteristic = line.Характеристика_Key as string;
    if (characteristic === EMPTY_REF) {
      if (product!.uses_characteristics) writeFailed(def, `Поле "Характеристика" не заполнено${where}`);
      continue;
    }
    const found = await trx.selectFrom('onec_emulator.characteristics').select('ref').where('ref', '=', characteristic).where('owner_ref', '=', product!.ref).executeTakeFirst();
    if (!found) writeFailed(def, `Не найдена характеристика guid'${characteristic}' номенклатуры guid'${product!.ref}'${where}`);
  }
}

const docTotal = (lines: Row[]) => lines.filter((l) => l.Отменено !== true).reduce((sum, l) => sum + kopecks(l.Сумма as number), 0) / 100;

async function nextNumber(trx: Trx, set: string): Promise<string> {
  const row = await trx
    .insertInto('onec_emulator.document_counters')
    .values({ entity_set: set, last_number: 1 })
    .onConflict((oc) => oc.column('entity_set').doUpdateSet({ last_number: sql`${sql.ref('onec_emulator.document_counters.last_number')} + 1` }))
    .returning('last_number')
    .executeTakeFirstOrThrow();
  // УТ's usual numbering: the organisation's prefix, then the number zero-padded to 11 characters.
  return `ЦБ00-${String(row.last_number).padStart(6, '0')}`;
}

async function insertDocument(trx: Trx, def: DocumentDef, doc: { ref: string; date: string; attrs: Row; lines: Row[] }): Promise<string> {
  const number = await nextNumber(trx, def.name);
  await trx
    .insertInto('onec_emulator.documents')
    .values({ ref: doc.ref, entity_set: def.name, number, date: doc.date, version: 1, data_version: dataVersion(1), attrs: JSON.stringify(doc.attrs), lines: JSON.stringify(doc.lines) })
    .execute();
  return doc.ref;
}

async function lockDocument(trx: Trx, def: DocumentDef, ref: string): Promise<Doc> {
  const row = await trx.selectFrom('onec_emulator.documents').select(['ref', 'number', 'posted', 'attrs', 'lines']).where('ref', '=', ref).where('entity_set', '=', def.name).forUpdate().executeTakeFirst();
  if (!row) return refuse(404, 'OBJECT_NOT_FOUND', `Не найден объект '${def.name}' с ключом guid'${ref}'`);
  return row;
}

async function saveDocument(trx: Trx, doc: Doc, patch: { posted?: boolean; attrs?: Row; lines?: Row[] }): Promise<void> {
  await trx
    .updateTable('onec_emulator.documents')
    .set((eb) => ({
      version: eb('version', '+', 1),
      data_version: sql<string>`encode(int4send(version + 1) || '\\x00000000'::bytea, 'base64')`,
      ...(patch.posted !== undefined ? { posted: patch.posted } : {}),
      ...(patch.attrs ? { attrs: JSON.stringify(patch.attrs) } : {}),
      ...(patch.lines ? { lines: JSON.stringify(patch.lines) } : {}),
    }))
    .where('ref', '=', doc.ref)
    .execute();
}

async function postedSaleOf(trx: Trx, orderRef: string) {
  return trx
    .selectFrom('onec_emulator.documents')
    .select(['ref', 'number', 'attrs', 'lines'])
    .where('entity_set', '=', SALE_DOC.name)
    .where('posted', '=', true)
    .where(sql<boolean>`coalesce((attrs->>'ЗаказКлиента_Key')::uuid, ${EMPTY_REF}::uuid) = ${orderRef}::uuid`)
    .executeTakeFirst();
}

function movementsRefused(result: Exclude<MovementsResult, { ok: true }>): never {
  const c = result.cell;
  return refuse(
    400,
    'POSTING_FAILED',
    `Не удалось провести документ! Недостаточно свободного остатка: номенклатура guid'${c.productRef}', характеристика guid'${c.characteristicRef}', склад guid'${c.warehouseRef}': в наличии ${result.before.inHand}, в резерве ${result.before.reserved}, требуется ${result.after.reserved - result.before.reserved || -(result.after.inHand - result.before.inHand)}`,
  );
}

const cellOf = (line: Row, warehouse: string) => ({ productRef: line.Номенклатура_Key as string, characteristicRef: line.Характеристика_Key as string, warehouseRef: warehouse });

/** An order's register records: the reserve of its lines from its warehouse, while its status reserves. */
function orderDeltas(doc: Doc): StockDelta[] {
  if (!RESERVING_STATUSES.includes(doc.attrs.Статус as string)) return [];
  return doc.lines
    .filter((l) => l.Отменено !== true && l.ВариантОбеспечения !== 'НеТребуется')
    .map((l) => ({ ...cellOf(l, doc.attrs.Склад_Key as string), inHand: 0, reserved: l.Количество as number, reservedForOrder: 0 }));
}

async function returnDeltas(trx: Trx, doc: Doc): Promise<StockDelta[]> {
  const saleRef = doc.attrs.ДокументРеализации_Key as string;
  const sale = await trx.selectFrom('onec_emulator.documents').select(['lines', 'posted']).where('ref', '=', saleRef).where('entity_set', '=', SALE_DOC.name).executeTakeFirst();
  if (!sale?.posted) refuse(400, 'POSTING_FAILED', `Не удалось провести документ! Документ реализации guid'${saleRef}' не найден или не проведён`);
  const others = await trx.selectFrom('onec_emulator.documents').select('lines').where('entity_set', '=', RETURN_DOC.name).where('posted', '=', true).where('ref', '<>', doc.ref).where(sql<boolean>`attrs->>'ДокументРеализации_Key' = ${saleRef}`).execute();
  const key = (l: Row) => `${l.Номенклатура_Key as string}/${l.Характеристика_Key as string}`;
  const left = new Map<string, number>();
  for (const l of sale!.lines) left.set(key(l), (left.get(key(l)) ?? 0) + (l.Количество as number));
  for (const r of others) for (const l of r.lines) left.set(key(l), (left.get(key(l)) ?? 0) - (l.Количество as number));
  for (const l of doc.lines) {
    const rest = (left.get(key(l)) ?? 0) - (l.Количество as number);
    if (rest < 0) refuse(400, 'POSTING_FAILED', `Не удалось провести документ! Количество возврата номенклатуры guid'${l.Номенклатура_Key as string}' (строка ${l.LineNumber as number}) больше не возвращённого по реализации: ${rest + (l.Количество as number)}`);
    left.set(key(l), rest);
  }
  return doc.lines.map((l) => ({ ...cellOf(l, doc.attrs.Склад_Key as string), inHand: l.Количество as number, reserved: 0, reservedForOrder: 0 }));
}

/** Recomputes an order's state; writes the register row (with the time of change) only when it differs. */
async function refreshOrderState(trx: Trx, orderRef: string): Promise<void> {
  const order = await trx.selectFrom('onec_emulator.documents').select(['posted', 'attrs']).where('ref', '=', orderRef).executeTakeFirstOrThrow();
  const current = await trx.selectFrom('onec_emulator.order_states').select(['state', 'delivered']).where('order_ref', '=', orderRef).executeTakeFirst();
  const sale = await postedSaleOf(trx, orderRef);
  let state: string;
  if (sale) {
    const returned = await trx.selectFrom('onec_emulator.documents').select('ref').where('entity_set', '=', RETURN_DOC.name).where('posted', '=', true).where(sql<boolean>`attrs->>'ДокументРеализации_Key' = ${sale.ref}`).executeTakeFirst();
    state = returned ? ORDER_STATE.RETURNED : current?.delivered ? ORDER_STATE.DELIVERED : ORDER_STATE.SHIPPED;
  } else if (order.attrs.Статус === 'Закрыт') {
    state = ORDER_STATE.CANCELLED;
  } else if (order.posted && RESERVING_STATUSES.includes(order.attrs.Статус as string)) {
    state = ORDER_STATE.READY_TO_SHIP;
  } else {
    state = ORDER_STATE.AWAITING_APPROVAL;
  }
  if (current?.state === state) return;
  await trx
    .insertInto('onec_emulator.order_states')
    .values({ order_ref: orderRef, state, changed_at: oneCNow() })
    .onConflict((oc) => oc.column('order_ref').doUpdateSet({ state, changed_at: oneCNow() }))
    .execute();
}

async function run(db: Db, work: (trx: Trx) => Promise<string>): Promise<WriteResult> {
  try {
    return { ok: true, ref: await db.transaction().execute(work) };
  } catch (error) {
    if (error instanceof Refused) return error.refusal;
    throw error;
  }
}

function notWritable(def: DocumentDef): never {
  return refuse(405, 'METHOD_NOT_ALLOWED', `Объект '${def.name}' не записывается через OData в этой базе: его создаёт склад (см. /__emulator/orders/{ref}/ship)`);
}

/** Finishes a document's header: defaults, the warehouse of the sale for a return, the sum. */
async function completeHeader(trx: Trx, def: DocumentDef, attrs: Row, lines: Row[]): Promise<Row> {
  const full: Row = {};
  for (const field of def.header) {
    if (field.readOnly) continue;
    full[field.name] = attrs[field.name] ?? (field.name === 'Валюта_Key' ? DEMO_CURRENCY_RUB.ref : emptyOf(field));
  }
  if (def === RETURN_DOC) {
    const saleRef = full.ДокументРеализации_Key as string;
    const sale = saleRef === EMPTY_REF ? undefined : await trx.selectFrom('onec_emulator.documents').select('attrs').where('ref', '=', saleRef).where('entity_set', '=', SALE_DOC.name).executeTakeFirst();
    if (!sale) writeFailed(def, `Не найден объект '${SALE_DOC.name}' с ключом guid'${saleRef}' (ДокументРеализации_Key)`);
    if (full.Склад_Key === EMPTY_REF) full.Склад_Key = sale!.attrs.Склад_Key;
    for (const k of ['Партнер_Key', 'Контрагент_Key', 'Организация_Key']) if (full[k] === EMPTY_REF) full[k] = sale!.attrs[k] ?? EMPTY_REF;
  }
  for (const field of def.header) if (field.required && (full[field.name] === undefined || full[field.name] === EMPTY_REF || full[field.name] === '')) writeFailed(def, `Поле "${field.name.replace(/_Key$/, '')}" не заполнено`);
  full.СуммаДокумента = docTotal(lines);
  return full;
}

/** `POST <Set>`: a new unposted document. */
export function createDocument(db: Db, def: DocumentDef, body: string): Promise<WriteResult> {
  return run(db, async (trx) => {
    if (!def.writable) notWritable(def);
    const given = readBody(def, body, 'create');
    const lines = given.lines ?? [];
    if (lines.length === 0) writeFailed(def, "Не заполнена табличная часть 'Товары'");
    const attrs = await completeHeader(trx, def, given.attrs, lines);
    await checkRefs(trx, def, attrs, lines);
    const ref = given.ref ?? randomUUID();
    if (given.ref && (await trx.selectFrom('onec_emulator.documents').select('ref').where('ref', '=', ref).executeTakeFirst())) writeFailed(def, `Объект с ключом guid'${ref}' уже существует`);
    await insertDocument(trx, def, { ref, date: given.date ?? oneCNow(), attrs, lines });
    if (def === ORDER_DOC) await refreshOrderState(trx, ref);
    return ref;
  });
}

async function orderNotShipped(trx: Trx, def: DocumentDef, ref: string): Promise<void> {
  if (def !== ORDER_DOC) return;
  const sale = await postedSaleOf(trx, ref);
  if (sale) refuse(400, 'WRITE_FAILED', `Не удалось записать: '${def.name}'! Заказ отгружен документом 'Реализация товаров и услуг ${sale.number}': изменение и отмена проведения недоступны`);
}

async function repost(trx: Trx, def: DocumentDef, doc: Doc): Promise<void> {
  const removed = await removeMovements(trx, doc.ref);
  if (!removed.ok) movementsRefused(removed);
  const deltas = def === ORDER_DOC ? orderDeltas(doc) : await returnDeltas(trx, doc);
  const written = await writeMovements(trx, { ref: doc.ref, type: def.recorderType, period: oneCNow() }, deltas);
  if (!written.ok) movementsRefused(written);
}

async function afterWrite(trx: Trx, def: DocumentDef, doc: Doc): Promise<void> {
  if (def === ORDER_DOC) await refreshOrderState(trx, doc.ref);
  if (def === RETURN_DOC) {
    const sale = await trx.selectFrom('onec_emulator.documents').select('attrs').where('ref', '=', doc.attrs.ДокументРеализации_Key as string).executeTakeFirst();
    const order = sale?.attrs.ЗаказКлиента_Key as string | undefined;
    if (order && order !== EMPTY_REF) await refreshOrderState(trx, order);
  }
}

/**
 * `PATCH <Set>(guid'…')`: changes the attributes sent; a sent Товары replaces the table part. A
 * posted document is reposted in the same transaction (ASSUMED: as the 1C form writes a posted
 * document), so a status change to Закрыт releases an order's reserve.
 */
export function patchDocument(db: Db, def: DocumentDef, ref: string, body: string): Promise<WriteResult> {
  return run(db, async (trx) => {
    if (!def.writable) notWritable(def);
    const doc = await lockDocument(trx, def, ref);
    const given = readBody(def, body, 'patch');
    await orderNotShipped(trx, def, ref);
    const lines = given.lines ?? doc.lines;
    if (lines.length === 0) writeFailed(def, "Не заполнена табличная часть 'Товары'");
    const attrs = await completeHeader(trx, def, { ...doc.attrs, ...given.attrs }, lines);
    await checkRefs(trx, def, attrs, given.lines ?? []);
    const next: Doc = { ...doc, attrs, lines };
    if (doc.posted) await repost(trx, def, next);
    await saveDocument(trx, doc, { attrs, lines });
    if (given.date) await trx.updateTable('onec_emulator.documents').set({ date: given.date }).where('ref', '=', ref).execute();
    await afterWrite(trx, def, next);
    return ref;
  });
}

/** `POST <Set>(guid'…')/Post`: (re)writes the document's register records. */
export function postDocument(db: Db, def: DocumentDef, ref: string): Promise<WriteResult> {
  return run(db, async (trx) => {
    if (!def.writable) notWritable(def);
    const doc = await lockDocument(trx, def, ref);
    await orderNotShipped(trx, def, ref);
    await repost(trx, def, doc);
    await saveDocument(trx, doc, { posted: true });
    await afterWrite(trx, def, { ...doc, posted: true });
    return ref;
  });
}

/** `POST <Set>(guid'…')/Unpost`: removes its register records. */
export function unpostDocument(db: Db, def: DocumentDef, ref: string): Promise<WriteResult> {
  return run(db, async (trx) => {
    if (!def.writable) notWritable(def);
    const doc = await lockDocument(trx, def, ref);
    await orderNotShipped(trx, def, ref);
    const removed = await removeMovements(trx, ref);
    if (!removed.ok) movementsRefused(removed);
    await saveDocument(trx, doc, { posted: false });
    await afterWrite(trx, def, { ...doc, posted: false });
    return ref;
  });
}

/**
 * The warehouse ships a posted, reserving order: a posted РеализацияТоваровУслуг with the order's
 * lines (not cancelled ones), taking them out of hand and out of the reserve. Returns the sale.
 */
export function shipOrder(db: Db, orderRef: string): Promise<WriteResult> {
  return run(db, async (trx) => {
    const order = await lockDocument(trx, ORDER_DOC, orderRef);
    if (await postedSaleOf(trx, orderRef)) refuse(409, 'WRITE_FAILED', `Заказ guid'${orderRef}' уже отгружен`);
    if (!order.posted || !RESERVING_STATUSES.includes(order.attrs.Статус as string)) refuse(409, 'POSTING_FAILED', `Заказ guid'${orderRef}' не проведён к отгрузке (статус ${String(order.attrs.Статус)})`);
    const warehouse = order.attrs.Склад_Key as string;
    const lines = order.lines
      .filter((l) => l.Отменено !== true)
      .map((l, i) => ({ LineNumber: i + 1, Номенклатура_Key: l.Номенклатура_Key, Характеристика_Key: l.Характеристика_Key, Количество: l.Количество, Цена: l.Цена, Сумма: l.Сумма, СуммаРучнойСкидки: l.СуммаРучнойСкидки, ЗаказКлиента_Key: orderRef }));
    const attrs: Row = {
      Организация_Key: order.attrs.Организация_Key,
      Партнер_Key: order.attrs.Партнер_Key,
      Контрагент_Key: order.attrs.Контрагент_Key,
      Валюта_Key: order.attrs.Валюта_Key,
      Склад_Key: warehouse,
      ЗаказКлиента_Key: orderRef,
      ХозяйственнаяОперация: 'РеализацияКлиенту',
      СуммаДокумента: docTotal(lines),
      Комментарий: '',
    };
    const saleRef = randomUUID();
    const period = oneCNow();
    await insertDocument(trx, SALE_DOC, { ref: saleRef, date: period, attrs, lines });
    const reserved = orderDeltas(order).length > 0;
    const written = await writeMovements(
      trx,
      { ref: saleRef, type: SALE_DOC.recorderType, period },
      lines.map((l) => ({ ...cellOf(l, warehouse), inHand: -(l.Количество as number), reserved: reserved && order.lines.find((o) => o.Номенклатура_Key === l.Номенклатура_Key && o.Характеристика_Key === l.Характеристика_Key)?.ВариантОбеспечения !== 'НеТребуется' ? -(l.Количество as number) : 0, reservedForOrder: 0 })),
    );
    if (!written.ok) movementsRefused(written);
    await trx.updateTable('onec_emulator.documents').set({ posted: true }).where('ref', '=', saleRef).execute();
    await refreshOrderState(trx, orderRef);
    return saleRef;
  });
}

/** The delivery service handed a shipped order to the customer. */
export function markDelivered(db: Db, orderRef: string): Promise<WriteResult> {
  return run(db, async (trx) => {
    await lockDocument(trx, ORDER_DOC, orderRef);
    if (!(await postedSaleOf(trx, orderRef))) refuse(409, 'WRITE_FAILED', `Заказ guid'${orderRef}' ещё не отгружен`);
    await trx.updateTable('onec_emulator.order_states').set({ delivered: true }).where('order_ref', '=', orderRef).execute();
    await refreshOrderState(trx, orderRef);
    return orderRef;
  });
}
