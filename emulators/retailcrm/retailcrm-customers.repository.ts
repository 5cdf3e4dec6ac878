import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { phoneSearchDigits, rowFromState, stateFromRow, type CustomerState } from './retailcrm-customer.model.js';
import type { CustomFieldType, HistoryInsert, HistoryRow, RetailCrmEmulatorDb } from './retailcrm-emulator.table.js';

type Db = Kysely<RetailCrmEmulatorDb>;

// One writer at a time: history ids then commit in id order, so a `sinceId` reader never skips a
// record that commits after a later one (which concurrent bigserial inserts would allow).
const WRITE_LOCK = 0x52434d;

export async function lockWrites(trx: Db): Promise<void> {
  await sql`select pg_advisory_xact_lock(${WRITE_LOCK})`.execute(trx);
}

export async function customFieldTypes(db: Db): Promise<Map<string, CustomFieldType>> {
  const rows = await db.selectFrom('retailcrm_emulator.custom_fields').select(['code', 'type']).execute();
  return new Map(rows.map((r) => [r.code, r.type]));
}

export type By = 'id' | 'externalId';

/** One customer by internal id or by externalId, within a site when one is given. */
export async function findCustomer(db: Db, by: By, key: string, site: string | undefined, forUpdate = false): Promise<CustomerState | undefined> {
  let query = db.selectFrom('retailcrm_emulator.customers').selectAll();
  query = by === 'id' ? query.where('id', '=', Number(key)) : query.where('external_id', '=', key);
  if (site !== undefined) query = query.where('site', '=', site);
  query = query.orderBy('id').limit(1);
  if (forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? stateFromRow(row) : undefined;
}

export async function findCustomersByIds(db: Db, ids: readonly number[]): Promise<CustomerState[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('retailcrm_emulator.customers').selectAll().where('id', 'in', [...ids]).orderBy('id').forUpdate().execute();
  return rows.map(stateFromRow);
}

/** Whether another customer of the site already holds this externalId. */
export async function externalIdTaken(db: Db, site: string, externalId: string, exceptId?: number): Promise<boolean> {
  let query = db.selectFrom('retailcrm_emulator.customers').select('id').where('site', '=', site).where('external_id', '=', externalId);
  if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

export interface CustomerFilter {
  readonly ids?: readonly number[];
  readonly externalIds?: readonly string[];
  readonly name?: string;
  readonly email?: string;
  readonly sites?: readonly string[];
}

type CustomersEb = ExpressionBuilder<RetailCrmEmulatorDb, 'retailcrm_emulator.customers'>;

// A query with letters is a name; one made of digits and phone punctuation is (also) a phone.
const PHONE_LIKE = /^[\d\s()+\-.]+$/;

function customerConditions(eb: CustomersEb, filter: CustomerFilter): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.ids) conditions.push(filter.ids.length ? eb('id', 'in', [...filter.ids]) : sql<SqlBool>`false`);
  if (filter.externalIds) conditions.push(filter.externalIds.length ? eb('external_id', 'in', [...filter.externalIds]) : sql<SqlBool>`false`);
  if (filter.sites && filter.sites.length) conditions.push(eb('site', 'in', [...filter.sites]));
  if (filter.email) conditions.push(sql<SqlBool>`strpos(lower(coalesce(email, '')), ${filter.email.toLowerCase()}) > 0`);
  const name = filter.name?.trim();
  if (name) {
    const words = name.toLowerCase().split(/\s+/);
    const fullName = sql`lower(concat_ws(' ', last_name, first_name, patronymic))`;
    const byName = eb.and(words.map((w) => sql<SqlBool>`strpos(${fullName}, ${w}) > 0`));
    const digits = PHONE_LIKE.test(name) ? phoneSearchDigits(name) : '';
    conditions.push(digits.length >= 3 ? eb.or([byName, sql<SqlBool>`strpos(phone_digits, ${digits}) > 0`]) : byName);
  }
  return eb.and(conditions);
}

export async function listCustomers(db: Db, filter: CustomerFilter, limit: number, page: number): Promise<{ customers: CustomerState[]; total: number }> {
  const [rows, count] = await Promise.all([
    db
      .selectFrom('retailcrm_emulator.customers')
      .selectAll()
      .where((eb) => customerConditions(eb, filter))
      .orderBy('id')
      .limit(limit)
      .offset((page - 1) * limit)
      .execute(),
    db
      .selectFrom('retailcrm_emulator.customers')
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .where((eb) => customerConditions(eb, filter))
      .executeTakeFirstOrThrow(),
  ]);
  return { customers: rows.map(stateFromRow), total: Number(count.total) };
}

export async function insertCustomers(db: Db, states: readonly CustomerState[]): Promise<CustomerState[]> {
  if (states.length === 0) return [];
  const rows = await db
    .insertInto('retailcrm_emulator.customers')
    .values(states.map(rowFromState))
    .returningAll()
    .execute();
  return rows.map(stateFromRow);
}

export async function updateCustomer(db: Db, state: CustomerState): Promise<void> {
  await db.updateTable('retailcrm_emulator.customers').set(rowFromState(state)).where('id', '=', state.id).execute();
}

export async function insertHistory(db: Db, records: readonly HistoryInsert[]): Promise<void> {
  const CHUNK = 500;
  for (let i = 0; i < records.length; i += CHUNK) {
    await db.insertInto('retailcrm_emulator.history').values(records.slice(i, i + CHUNK)).execute();
  }
}

export interface HistoryFilter {
  readonly sinceId?: number;
  readonly customerId?: number;
  readonly customerExternalId?: string;
  readonly startDate?: Date;
  readonly endDate?: Date;
}

type HistoryEb = ExpressionBuilder<RetailCrmEmulatorDb, 'retailcrm_emulator.history'>;

function historyConditions(eb: HistoryEb, filter: HistoryFilter): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.sinceId !== undefined) conditions.push(eb('id', '>', filter.sinceId));
  if (filter.customerId !== undefined) conditions.push(eb('customer_id', '=', filter.customerId));
  if (filter.customerExternalId !== undefined) {
    conditions.push(
      eb('customer_id', 'in', eb.selectFrom('retailcrm_emulator.customers').select('id').where('external_id', '=', filter.customerExternalId)),
    );
  }
  if (filter.startDate) conditions.push(eb('created_at', '>=', filter.startDate));
  if (filter.endDate) conditions.push(eb('created_at', '<=', filter.endDate));
  return eb.and(conditions);
}

export async function listHistory(db: Db, filter: HistoryFilter, limit: number, page: number): Promise<{ records: HistoryRow[]; total: number }> {
  const [records, count] = await Promise.all([
    db
      .selectFrom('retailcrm_emulator.history')
      .selectAll()
      .where((eb) => historyConditions(eb, filter))
      .orderBy('id')
      .limit(limit)
      .offset((page - 1) * limit)
      .execute(),
    db
      .selectFrom('retailcrm_emulator.history')
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .where((eb) => historyConditions(eb, filter))
      .executeTakeFirstOrThrow(),
  ]);
  return { records: records.map((r) => ({ ...r, id: Number(r.id) })), total: Number(count.total) };
}

export async function hasCustomers(db: Db): Promise<boolean> {
  return (await db.selectFrom('retailcrm_emulator.customers').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** Empties the account (custom field definitions stay): for tests. */
export async function clearCustomers(db: Db): Promise<void> {
  await sql`truncate retailcrm_emulator.history, retailcrm_emulator.customers restart identity`.execute(db);
}
