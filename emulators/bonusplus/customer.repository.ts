import { sql, type Kysely, type Selectable } from 'kysely';
import { bonusFiguresOf, type BonusFigures } from './bonus-ledger.repository.js';
import type { BonusPlusEmulatorDb, CardTypeRow, CustomersTable, ProgramRow } from './bonusplus.tables.js';

type Db = Kysely<BonusPlusEmulatorDb>;

export type CustomerRow = Selectable<CustomersTable>;

/** A customer with the figures derived from the ledger. */
export interface CustomerRecord {
  readonly row: CustomerRow;
  readonly figures: BonusFigures;
}

export type CustomerKey = { readonly phone: string } | { readonly id: number } | { readonly cardNumber: string };

async function withFigures(db: Db, rows: readonly CustomerRow[]): Promise<CustomerRecord[]> {
  const figures = await bonusFiguresOf(db, rows.map((r) => r.id));
  return rows.map((row) => ({ row, figures: figures.get(row.id)! }));
}

export async function findCustomer(db: Db, key: CustomerKey): Promise<CustomerRecord | undefined> {
  let query = db.selectFrom('bonusplus_emulator.customers').selectAll();
  if ('phone' in key) query = query.where('phone', '=', key.phone);
  else if ('id' in key) query = query.where('id', '=', key.id);
  else query = query.where('card_number', '=', key.cardNumber);
  const row = await query.executeTakeFirst();
  return row ? (await withFigures(db, [row]))[0] : undefined;
}

export interface CustomerListFilter {
  readonly phones?: readonly string[];
  readonly cardNumbers?: readonly string[];
  readonly emails?: readonly string[];
  readonly cardTypeIds?: readonly number[];
  /** Last changed within any of these intervals: `from` inclusive, `to` exclusive (ASSUMED). */
  readonly lastUpdated?: readonly { readonly from?: Date; readonly to?: Date }[];
  /** Rows to skip, in customer id order. */
  readonly offset: number;
  readonly limit: number;
}

/** Customers matching every given list (any value of a list), in id order. */
export async function listCustomers(db: Db, filter: CustomerListFilter): Promise<CustomerRecord[]> {
  let query = db.selectFrom('bonusplus_emulator.customers').selectAll();
  if (filter.phones?.length) query = query.where('phone', 'in', filter.phones);
  if (filter.cardNumbers?.length) query = query.where('card_number', 'in', filter.cardNumbers);
  if (filter.emails?.length) query = query.where(sql`lower(email)`, 'in', filter.emails.map((e) => e.toLowerCase()));
  if (filter.cardTypeIds?.length) query = query.where('card_type_id', 'in', filter.cardTypeIds);
  const intervals = filter.lastUpdated;
  if (intervals?.length) {
    // ASSUMED: a customer changes when their row does (card type, purchases) or their ledger gets an
    // entry (every credit and debit, program rules included). Lots activating or burning by the clock
    // write nothing, and a burn's write-off is dated when the lot expired: neither moves the date.
    const lastUpdate = sql<Date>`greatest(bonusplus_emulator.customers.updated_at, (select max(t.created_at) from bonusplus_emulator.bonus_transactions t where t.customer_id = bonusplus_emulator.customers.id))`;
    query = query.where((eb) =>
      eb.or(intervals.map((i) => eb.and([...(i.from ? [eb(lastUpdate, '>=', i.from)] : []), ...(i.to ? [eb(lastUpdate, '<', i.to)] : [])]))),
    );
  }
  const rows = await query.orderBy('id').offset(filter.offset).limit(filter.limit).execute();
  return withFigures(db, rows);
}

export interface NewCustomer {
  readonly phone: string;
  readonly firstName?: string | null;
  readonly lastName?: string | null;
  readonly middleName?: string | null;
  readonly email?: string | null;
  readonly address?: string | null;
  /** Issued by the emulator when absent. */
  readonly cardNumber?: string;
  readonly cardTypeId: number;
}

export type InsertCustomerResult =
  | { readonly ok: true; readonly id: number }
  | { readonly ok: false; readonly code: 'CUSTOMER_ALREADY_EXISTS' | 'CARD_ALREADY_EXISTS' };

async function issueCardNumber(db: Db): Promise<string> {
  const { rows } = await sql<{ n: number }>`select nextval('bonusplus_emulator.card_number_seq') as n`.execute(db);
  return `2700${String(rows[0]!.n).padStart(9, '0')}`;
}

/**
 * Inserts a customer. Phone and card number are unique in the table, so two concurrent creations of
 * one phone end with one customer and one CUSTOMER_ALREADY_EXISTS, whichever runs first.
 */
export async function insertCustomer(db: Db, customer: NewCustomer): Promise<InsertCustomerResult> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const cardNumber = customer.cardNumber ?? (await issueCardNumber(db));
    const inserted = await db
      .insertInto('bonusplus_emulator.customers')
      .values({
        phone: customer.phone,
        first_name: customer.firstName ?? null,
        last_name: customer.lastName ?? null,
        middle_name: customer.middleName ?? null,
        email: customer.email ?? null,
        address: customer.address ?? null,
        card_number: cardNumber,
        card_type_id: customer.cardTypeId,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) return { ok: true, id: inserted.id };
    const samePhone = await db.selectFrom('bonusplus_emulator.customers').select('id').where('phone', '=', customer.phone).executeTakeFirst();
    if (samePhone) return { ok: false, code: 'CUSTOMER_ALREADY_EXISTS' };
    if (customer.cardNumber !== undefined) return { ok: false, code: 'CARD_ALREADY_EXISTS' };
    // An issued number someone had already given out by hand: take the next one.
  }
  throw new Error('could not issue a free card number in 5 attempts');
}

/** Moves a customer to another card type; false when the phone is unknown. */
export async function changeCardType(db: Db, phone: string, cardTypeId: number): Promise<boolean> {
  const result = await db
    .updateTable('bonusplus_emulator.customers')
    .set({ card_type_id: cardTypeId, updated_at: sql<Date>`now()` })
    .where('phone', '=', phone)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Card types, cheapest first. */
export async function cardTypes(db: Db): Promise<CardTypeRow[]> {
  return db.selectFrom('bonusplus_emulator.card_types').selectAll().orderBy('purchases_sum_from_kopecks').orderBy('id').execute();
}

export async function program(db: Db): Promise<ProgramRow> {
  return db.selectFrom('bonusplus_emulator.program').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
}
