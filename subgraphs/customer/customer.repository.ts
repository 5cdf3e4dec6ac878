import { sql, type Insertable, type Kysely } from 'kysely';
import type { CrmCustomer } from '../../connectors/retailcrm/retailcrm.port.js';
import { normalizePhone, phoneDigits } from '../../platform/phone.js';
import type { CustomerDb, CustomerRow, CustomersTable } from './customer.table.js';

type Db = Kysely<CustomerDb>;
export type CustomerInsert = Insertable<CustomersTable>;

/** The RetailCRM customer as a read-model row under our id. RetailCRM dates carry no zone: they are Moscow time. */
export function rowFromCrm(crm: CrmCustomer, id: string): CustomerInsert {
  const phone = crm.phones.map((p) => normalizePhone(p.number)).find((p) => p !== undefined) ?? null;
  return {
    id,
    retailcrm_id: crm.id,
    phone,
    first_name: crm.firstName ?? null,
    last_name: crm.lastName ?? null,
    patronymic: crm.patronymic ?? null,
    email: crm.email ?? null,
    created_at: new Date(`${crm.createdAt.replace(' ', 'T')}+03:00`),
  };
}

export async function findCustomersByIds(db: Db, ids: readonly string[]): Promise<CustomerRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('customer.customers').selectAll().where('id', 'in', [...ids]).execute();
}

export async function findCustomerByPhone(db: Db, phone: string): Promise<CustomerRow | undefined> {
  return db.selectFrom('customer.customers').selectAll().where('phone', '=', phone).executeTakeFirst();
}

/**
 * Writes customers from RetailCRM into the read model. A phone another customer already holds is
 * left empty on the newcomer (RetailCRM allows duplicates; the graph does not) and reported back.
 */
export async function upsertCustomers(db: Db, rows: readonly CustomerInsert[]): Promise<{ phoneConflicts: string[] }> {
  const phoneConflicts: string[] = [];
  if (rows.length === 0) return { phoneConflicts };
  const phones = rows.map((r) => r.phone).filter((p): p is string => !!p);
  const holders = phones.length
    ? await db.selectFrom('customer.customers').select(['id', 'phone']).where('phone', 'in', phones).execute()
    : [];
  const holderOf = new Map(holders.map((h) => [h.phone!, h.id]));
  const seen = new Set<string>();
  const values = rows.map((row) => {
    const holder = row.phone ? holderOf.get(row.phone) : undefined;
    if (row.phone && ((holder !== undefined && holder !== row.id) || seen.has(row.phone))) {
      phoneConflicts.push(row.id);
      return { ...row, phone: null };
    }
    if (row.phone) seen.add(row.phone);
    return row;
  });
  await db
    .insertInto('customer.customers')
    .values(values)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        retailcrm_id: eb.ref('excluded.retailcrm_id'),
        phone: sql`coalesce(excluded.phone, customer.customers.phone)`,
        first_name: eb.ref('excluded.first_name'),
        last_name: eb.ref('excluded.last_name'),
        patronymic: eb.ref('excluded.patronymic'),
        email: eb.ref('excluded.email'),
        synced_at: sql`now()`,
      })),
    )
    .execute();
  return { phoneConflicts };
}

/**
 * Writes a customer registered in our database (no RetailCRM id yet). Undefined when the phone is
 * taken: the unique phone is what settles R1 between concurrent sign-ups.
 */
export async function insertRegisteredCustomer(db: Db, row: CustomerInsert): Promise<CustomerRow | undefined> {
  return db.insertInto('customer.customers').values(row).onConflict((oc) => oc.column('phone').doNothing()).returningAll().executeTakeFirst();
}

/**
 * Records the customer's RetailCRM id (R2). False when another customer of ours already has that
 * RetailCRM customer, or this one has another: the identity map never links two to one.
 */
export async function linkRetailCrm(db: Db, customerId: string, retailCrmId: number): Promise<boolean> {
  const holder = await db.selectFrom('customer.customers').select('id').where('retailcrm_id', '=', retailCrmId).executeTakeFirst();
  if (holder && holder.id !== customerId) return false;
  const linked = await db
    .updateTable('customer.customers')
    .set({ retailcrm_id: retailCrmId })
    .where('id', '=', customerId)
    .where((eb) => eb.or([eb('retailcrm_id', 'is', null), eb('retailcrm_id', '=', retailCrmId)]))
    .returning('id')
    .executeTakeFirst();
  return linked !== undefined;
}

/**
 * Which of these RetailCRM customers belong to a customer of ours already, by our id as their
 * `externalId` or by their RetailCRM id: customer id by RetailCRM id.
 */
export async function ownersOfCrmCustomers(db: Db, crm: readonly CrmCustomer[]): Promise<Map<number, string>> {
  const owners = new Map<number, string>();
  if (crm.length === 0) return owners;
  const externalIds = crm.map((c) => c.externalId).filter((id): id is string => !!id);
  const rows = await db
    .selectFrom('customer.customers')
    .select(['id', 'retailcrm_id'])
    .where((eb) => eb.or([eb('retailcrm_id', 'in', crm.map((c) => c.id)), ...(externalIds.length ? [eb('id', 'in', externalIds)] : [])]))
    .execute();
  for (const c of crm) {
    const owner = rows.find((r) => r.retailcrm_id === c.id) ?? rows.find((r) => r.id === c.externalId);
    if (owner) owners.set(c.id, owner.id);
  }
  return owners;
}

/** Of these phones, those held by a customer registered here whose RetailCRM customer is not known yet. */
export async function phonesAwaitingCrm(db: Db, phones: readonly string[]): Promise<Set<string>> {
  if (phones.length === 0) return new Set();
  const rows = await db.selectFrom('customer.customers').select('phone').where('phone', 'in', [...phones]).where('retailcrm_id', 'is', null).execute();
  return new Set(rows.map((r) => r.phone!));
}

export async function linkBonusPlus(db: Db, customerId: string, bonusPlusId: number): Promise<void> {
  await db.updateTable('customer.customers').set({ bonusplus_id: bonusPlusId }).where('id', '=', customerId).execute();
}

/**
 * Records the customer's partner and counterparty in 1C. The first partner recorded stays: every
 * order asks the map before 1C, so a different one can only come from a race the map already
 * decided; it is reported back (false). A customer the read model does not have yet throws, so the
 * message waits for the history sync.
 */
export async function linkOneC(db: Db, customerId: string, partnerRef: string, counterpartyRef: string): Promise<boolean> {
  const linked = await db
    .updateTable('customer.customers')
    .set({ onec_guid: partnerRef, onec_counterparty_guid: counterpartyRef })
    .where('id', '=', customerId)
    .where((eb) => eb.or([eb('onec_guid', 'is', null), eb('onec_guid', '=', partnerRef)]))
    .returning('id')
    .executeTakeFirst();
  if (linked) return true;
  const known = await db.selectFrom('customer.customers').select('onec_guid').where('id', '=', customerId).executeTakeFirst();
  if (!known) throw new Error(`customer ${customerId} is not in the read model yet`);
  return false;
}

export interface CustomerSearch {
  readonly search?: string | undefined;
  readonly first: number;
  readonly after?: { createdAt: Date; id: string } | undefined;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function searchCustomers(db: Db, query: CustomerSearch): Promise<{ rows: CustomerRow[]; hasNextPage: boolean; totalCount: number }> {
  let base = db.selectFrom('customer.customers');
  const term = query.search?.trim();
  if (term) {
    const like = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const digits = phoneDigits(term);
    base = base.where((eb) =>
      eb.or([
        eb(sql<string>`concat_ws(' ', last_name, first_name, patronymic)`, 'ilike', like),
        eb('email', 'ilike', like),
        ...(digits.length >= 3 ? [eb('phone', 'like', `%${digits.slice(digits.length >= 10 ? -10 : 0)}%`)] : []),
      ]),
    );
  }
  let page = base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.first + 1);
  if (query.after) {
    const { createdAt, id } = query.after;
    page = page.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  const [rows, count] = await Promise.all([page.execute(), base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()]);
  return { rows: rows.slice(0, query.first), hasNextPage: rows.length > query.first, totalCount: Number(count.n) };
}

/** Holds the phone for one registration; false when another registration (or a customer) has it. */
export async function reservePhone(db: Db, phone: string, customerId: string, staleAfterMs: number): Promise<boolean> {
  const row = await db
    .insertInto('customer.registrations')
    .values({ phone, customer_id: customerId })
    .onConflict((oc) =>
      // A registration whose process died long ago gives its phone up.
      oc.column('phone').doUpdateSet({ customer_id: customerId, started_at: sql`now()` }).where('customer.registrations.started_at', '<', sql<Date>`now() - ${`${staleAfterMs} milliseconds`}::interval`),
    )
    .returning('customer_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function releasePhone(db: Db, phone: string, customerId: string): Promise<void> {
  await db.deleteFrom('customer.registrations').where('phone', '=', phone).where('customer_id', '=', customerId).execute();
}
