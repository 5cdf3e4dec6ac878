import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { demoRef } from '../seed/demo-catalog.js';
import { demoPerson } from '../seed/demo-people.js';
import type { WriteResult } from './onec-documents.repository.js';
import { isGuid, normaliseDateTime } from './odata-filter.js';
import type { OneCEmulatorDb } from './onec-emulator.tables.js';
import { CONTACT_TYPES, COUNTERPARTY_CATALOG, EMPTY_REF, PARTNER_CATALOG, type CatalogDef, type DocumentFieldDef } from './onec-entity-sets.js';

/**
 * Partners (`Catalog_Партнеры`) and counterparties (`Catalog_Контрагенты`): created over OData
 * (`POST <Set>`, `Ref_Key` may be given, as 1C allows), kept in `catalog_objects` with their
 * contact information (БСП table part `КонтактнаяИнформация`) in `attrs`; and the demo's showroom
 * buyers, whom the base knew before any integration.
 */

type Db = Kysely<OneCEmulatorDb>;
type Row = Record<string, unknown>;

const SEED_DATA_VERSION = 'AAAAAQAAAAA=';
const CONTACT_COLUMNS: readonly DocumentFieldDef[] = [
  { name: 'Тип', type: 'Edm.String', values: CONTACT_TYPES },
  { name: 'Вид_Key', type: 'Edm.Guid' },
  { name: 'Представление', type: 'Edm.String' },
  { name: 'Значение', type: 'Edm.String' },
  { name: 'Страна', type: 'Edm.String' },
  { name: 'Регион', type: 'Edm.String' },
  { name: 'Город', type: 'Edm.String' },
  { name: 'АдресЭП', type: 'Edm.String' },
  { name: 'НомерТелефона', type: 'Edm.String' },
];

class Refused extends Error {
  constructor(readonly status: number, readonly code: 'UNKNOWN_PROPERTY' | 'TYPE_MISMATCH' | 'WRITE_FAILED', message: string) {
    super(message);
  }
}

function typed(def: CatalogDef, field: DocumentFieldDef, raw: unknown, where = ''): unknown {
  const mismatch = () => {
    throw new Refused(400, 'TYPE_MISMATCH', `Неверное значение свойства '${field.name}'${where}: ожидается ${field.type}`);
  };
  switch (field.type) {
    case 'Edm.Guid':
      return typeof raw === 'string' && isGuid(raw) ? raw.toLowerCase() : mismatch();
    case 'Edm.Boolean':
      return typeof raw === 'boolean' ? raw : mismatch();
    case 'Edm.DateTime':
      return (typeof raw === 'string' ? normaliseDateTime(raw) : undefined) ?? mismatch();
    case 'Edm.Double':
    case 'Edm.Int64':
      return typeof raw === 'number' && Number.isFinite(raw) ? raw : mismatch();
    case 'Edm.String':
      if (typeof raw !== 'string') return mismatch();
      if (field.values && !field.values.includes(raw)) throw new Refused(400, 'TYPE_MISMATCH', `Неверное значение '${raw}' свойства '${field.name}'${where} объекта '${def.name}': допустимы ${field.values.join(', ')}`);
      return raw;
  }
}

function contactRows(def: CatalogDef, raw: unknown, ref: string): Row[] {
  if (!Array.isArray(raw)) throw new Refused(400, 'TYPE_MISMATCH', `Табличная часть 'КонтактнаяИнформация' объекта '${def.name}' должна быть массивом строк`);
  const seen = new Set<number>();
  return raw.map((item: unknown, i) => {
    const where = ` (строка ${i + 1} табличной части 'КонтактнаяИнформация')`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new Refused(400, 'TYPE_MISMATCH', `Строка ${i + 1} табличной части 'КонтактнаяИнформация' должна быть объектом`);
    const given = item as Row;
    const lineNumber = given.LineNumber === undefined || given.LineNumber === null ? NaN : Number(given.LineNumber);
    if (!Number.isInteger(lineNumber) || lineNumber < 1 || seen.has(lineNumber)) throw new Refused(400, 'WRITE_FAILED', `Не удалось записать: '${def.name}'! Не заполнен, неверен или повторяется номер строки (LineNumber)${where}`);
    seen.add(lineNumber);
    const row: Row = { Ref_Key: ref, LineNumber: lineNumber };
    for (const [key, value] of Object.entries(given)) {
      if (key === 'LineNumber' || key === 'Ref_Key') continue;
      const column = CONTACT_COLUMNS.find((c) => c.name === key);
      if (!column) throw new Refused(400, 'UNKNOWN_PROPERTY', `Не найдено свойство '${key}' у табличной части 'КонтактнаяИнформация' сущности '${def.name}'`);
      row[key] = typed(def, column, value, where);
    }
    for (const column of CONTACT_COLUMNS) row[column.name] ??= column.type === 'Edm.Guid' ? EMPTY_REF : '';
    return row;
  });
}

/** Reads a create body into Ref_Key, Description, attributes and contact rows, as 1C would refuse them. */
function readBody(def: CatalogDef, text: string): { ref: string; description: string; attrs: Row } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Refused(400, 'WRITE_FAILED', 'Тело запроса не является документом JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Refused(400, 'WRITE_FAILED', 'Тело запроса должно быть объектом JSON');
  const body = json as Row;
  let ref: string = randomUUID();
  if (body.Ref_Key !== undefined) {
    if (typeof body.Ref_Key !== 'string' || !isGuid(body.Ref_Key)) throw new Refused(400, 'TYPE_MISMATCH', "Неверное значение свойства 'Ref_Key': ожидается Edm.Guid");
    ref = body.Ref_Key.toLowerCase();
  }
  let description = '';
  const attrs: Row = {};
  for (const [key, raw] of Object.entries(body)) {
    if (key.startsWith('odata.') || key === 'Ref_Key') continue;
    if (key === 'Description') {
      description = typed(def, { name: key, type: 'Edm.String' }, raw) as string;
      continue;
    }
    if (key === 'КонтактнаяИнформация') {
      attrs[key] = contactRows(def, raw, ref);
      continue;
    }
    const field = def.fields.find((f) => f.name === key);
    if (!field) throw new Refused(400, 'UNKNOWN_PROPERTY', `Не найдено свойство '${key}' у сущности '${def.name}'`);
    attrs[key] = typed(def, field, raw);
  }
  if (description.trim() === '') throw new Refused(400, 'WRITE_FAILED', `Не удалось записать: '${def.name}'! Поле "Наименование" не заполнено`);
  for (const field of def.fields) {
    if (attrs[field.name] !== undefined) continue;
    if (field.required) throw new Refused(400, 'WRITE_FAILED', `Не удалось записать: '${def.name}'! Поле "${field.name.replace(/_Key$/, '')}" не заполнено`);
    if (field.default !== undefined) attrs[field.name] = field.default;
  }
  attrs.КонтактнаяИнформация ??= [];
  return { ref, description, attrs };
}

/** The code a new object gets: the catalog's own counter, nine digits (ASSUMED format). */
async function nextCode(trx: Db, set: string): Promise<string> {
  const row = await trx
    .insertInto('onec_emulator.document_counters')
    .values({ entity_set: set, last_number: 1 })
    .onConflict((oc) => oc.column('entity_set').doUpdateSet({ last_number: sql`${sql.ref('onec_emulator.document_counters.last_number')} + 1` }))
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return String(row.last_number).padStart(9, '0');
}

/**
 * `POST Catalog_Партнеры` / `POST Catalog_Контрагенты`: a new object. A `Ref_Key` already taken
 * is refused (400), also when two creates of one key race: the database's key decides, so exactly
 * one is made. A counterparty must name an existing partner.
 */
export async function createCatalogObject(db: Db, def: CatalogDef, body: string): Promise<WriteResult> {
  try {
    const given = readBody(def, body);
    return await db.transaction().execute(async (trx) => {
      if (def === COUNTERPARTY_CATALOG) {
        const partner = await trx.selectFrom('onec_emulator.catalog_objects').select('ref').where('entity_set', '=', PARTNER_CATALOG.name).where('ref', '=', given.attrs.Партнер_Key as string).where('is_folder', '=', false).executeTakeFirst();
        if (!partner) throw new Refused(400, 'WRITE_FAILED', `Не удалось записать: '${def.name}'! Не найден объект '${PARTNER_CATALOG.name}' с ключом guid'${given.attrs.Партнер_Key as string}' (Партнер_Key)`);
      }
      const inserted = await trx
        .insertInto('onec_emulator.catalog_objects')
        .values({ entity_set: def.name, ref: given.ref, data_version: SEED_DATA_VERSION, deletion_mark: false, predefined: false, is_folder: false, parent_ref: EMPTY_REF, code: await nextCode(trx, def.name), description: given.description, attrs: JSON.stringify(given.attrs) })
        .onConflict((oc) => oc.columns(['entity_set', 'ref']).doNothing())
        .returning('ref')
        .executeTakeFirst();
      if (!inserted) throw new Refused(400, 'WRITE_FAILED', `Не удалось записать: '${def.name}'! Объект с ключом guid'${given.ref}' уже существует`);
      return { ok: true as const, ref: given.ref };
    });
  } catch (error) {
    if (error instanceof Refused) return { ok: false, status: error.status, code: error.code, message: error.message };
    throw error;
  }
}

// ---- The demo's showroom buyers ------------------------------------------------------------------

/** Online customers who also bought in a showroom (ASSUMED share of the demo: every fourth, from index 1). */
export const isDemoShowroomBuyer = (onlineIndex: number) => onlineIndex % 4 === 1;
export const demoPartnerRef = (personIndex: number) => demoRef('partner', personIndex);
export const demoCounterpartyRef = (personIndex: number) => demoRef('counterparty', personIndex);
const PHONE_KIND = demoRef('contactKind', 2);

/** `+7 916 000-00-37`: how a cashier's form prints a Russian number (`Представление`). */
export function phonePresentation(digits: string): string {
  if (digits.length !== 11 || !digits.startsWith('7')) return `+${digits}`;
  return `+7 ${digits.slice(1, 4)} ${digits.slice(4, 7)}-${digits.slice(7, 9)}-${digits.slice(9)}`;
}

function phoneRow(ref: string, digits: string): Row {
  const shown = phonePresentation(digits);
  return { Ref_Key: ref, LineNumber: 1, Тип: 'Телефон', Вид_Key: PHONE_KIND, Представление: shown, Значение: JSON.stringify({ value: shown, type: 'Телефон' }), Страна: '', Регион: '', Город: '', АдресЭП: '', НомерТелефона: digits };
}

/**
 * Partners, each with its counterparty (a private person), for the showroom-only customers and the
 * online customers who also bought in a showroom: the base knew them before the integration. Safe
 * to repeat (fixed refs; rows already there stay as they are), so a base seeded before partners
 * existed gets them too.
 */
export async function seedDemoPartners(db: Db, o: { onlineCustomers: number; showroomCustomers: number }): Promise<void> {
  const indexes = [
    ...Array.from({ length: o.onlineCustomers }, (_v, i) => i).filter(isDemoShowroomBuyer),
    ...Array.from({ length: o.showroomCustomers }, (_v, i) => o.onlineCustomers + i),
  ];
  if (indexes.length === 0) return;
  const rows = indexes.flatMap((index, n) => {
    const person = demoPerson(index);
    const name = `${person.lastName} ${person.firstName} ${person.patronymic}`;
    const partner = demoPartnerRef(index);
    const counterparty = demoCounterpartyRef(index);
    const common = { data_version: SEED_DATA_VERSION, deletion_mark: false, predefined: false, is_folder: false, parent_ref: EMPTY_REF, code: String(n + 1).padStart(9, '0'), description: name };
    return [
      { ...common, entity_set: PARTNER_CATALOG.name, ref: partner, attrs: JSON.stringify({ НаименованиеПолное: name, Клиент: true, Поставщик: false, ЮрФизЛицо: 'ЧастноеЛицо', Пол: person.sex === 'female' ? 'Женский' : 'Мужской', ДатаРождения: `${person.birthday}T00:00:00`, Комментарий: 'Покупатель шоурума', КонтактнаяИнформация: [phoneRow(partner, person.phoneDigits)] }) },
      { ...common, entity_set: COUNTERPARTY_CATALOG.name, ref: counterparty, attrs: JSON.stringify({ НаименованиеПолное: name, Партнер_Key: partner, ЮрФизЛицо: 'ФизЛицо', ИНН: '', КПП: '', Комментарий: '', КонтактнаяИнформация: [phoneRow(counterparty, person.phoneDigits)] }) },
    ];
  });
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto('onec_emulator.catalog_objects').values(rows.slice(i, i + 500)).onConflict((oc) => oc.columns(['entity_set', 'ref']).doNothing()).execute();
    // New objects' codes follow the seeded ones.
    for (const set of [PARTNER_CATALOG.name, COUNTERPARTY_CATALOG.name]) {
      await trx
        .insertInto('onec_emulator.document_counters')
        .values({ entity_set: set, last_number: indexes.length })
        .onConflict((oc) => oc.column('entity_set').doUpdateSet({ last_number: sql`greatest(${sql.ref('onec_emulator.document_counters.last_number')}, ${indexes.length})` }))
        .execute();
    }
  });
}
