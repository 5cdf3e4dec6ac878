import { sql, type Kysely } from 'kysely';
import type { BpCardType, BpCustomer } from '../../connectors/bonusplus/bonusplus.port.js';
import { accountFiguresFromBonusPlus, cardTypeRowFromBonusPlus } from './loyalty.model.js';
import type { AccountRow, CardTypeRow, LoyaltyDb } from './loyalty.table.js';

type Db = Kysely<LoyaltyDb>;

export async function findAccountsByPhones(db: Db, phones: readonly string[]): Promise<AccountRow[]> {
  if (phones.length === 0) return [];
  return db.selectFrom('loyalty.accounts').selectAll().where('phone', 'in', [...phones]).execute();
}

export async function findAccountByPhone(db: Db, phone: string): Promise<AccountRow | undefined> {
  return db.selectFrom('loyalty.accounts').selectAll().where('phone', '=', phone).executeTakeFirst();
}

/**
 * Allots a card number for a phone, once: a retried enrolment finds the number allotted the first
 * time, so BonusPlus is always asked to issue the same card.
 */
export async function allotCard(db: Db, phone: string, customerId: string): Promise<AccountRow> {
  await db
    .insertInto('loyalty.accounts')
    .values({
      phone,
      customer_id: customerId,
      card_number: sql<string>`'2800' || lpad(nextval('loyalty.card_number_seq')::text, 9, '0')`,
      available: 0,
      pending: 0,
      spent: 0,
      purchases_total: 0,
      status: 'enrolling',
      synced_at: null,
    })
    .onConflict((oc) => oc.column('phone').doNothing())
    .execute();
  return db.selectFrom('loyalty.accounts').selectAll().where('phone', '=', phone).executeTakeFirstOrThrow();
}

export type FiguresChange = { phone: string; customerId: string | null; changed: boolean };

/**
 * Writes BonusPlus figures for accounts and reports which ones changed, so that the new figures
 * can be pushed to the CRM card (R4).
 */
export async function saveBonusPlusFigures(db: Db, customers: readonly { phone: string; customerId?: string | null; bp: BpCustomer }[]): Promise<FiguresChange[]> {
  if (customers.length === 0) return [];
  const before = new Map((await findAccountsByPhones(db, customers.map((c) => c.phone))).map((r) => [r.phone, r]));
  const now = new Date();
  const rows = customers.map(({ phone, customerId, bp }) => ({ phone, customer_id: customerId ?? null, ...accountFiguresFromBonusPlus(bp), status: 'active' as const, synced_at: now }));
  // One statement for the whole batch.
  const saved = await db
    .insertInto('loyalty.accounts')
    .values(rows)
    .onConflict((oc) =>
      oc.column('phone').doUpdateSet((eb) => ({
        bonusplus_id: eb.ref('excluded.bonusplus_id'),
        card_number: eb.ref('excluded.card_number'),
        card_type_id: eb.ref('excluded.card_type_id'),
        available: eb.ref('excluded.available'),
        pending: eb.ref('excluded.pending'),
        spent: eb.ref('excluded.spent'),
        purchases_total: eb.ref('excluded.purchases_total'),
        customer_id: sql`coalesce(excluded.customer_id, loyalty.accounts.customer_id)`,
        status: 'active',
        synced_at: eb.ref('excluded.synced_at'),
      })),
    )
    .returning(['phone', 'customer_id'])
    .execute();
  const customerOf = new Map(saved.map((r) => [r.phone, r.customer_id]));
  return rows.map((row) => {
    const old = before.get(row.phone);
    const changed =
      !old ||
      old.status !== 'active' ||
      old.card_number !== row.card_number ||
      old.card_type_id !== row.card_type_id ||
      old.available !== row.available ||
      old.pending !== row.pending ||
      old.spent !== row.spent;
    return { phone: row.phone, customerId: customerOf.get(row.phone) ?? null, changed };
  });
}

export async function listCardTypes(db: Db): Promise<CardTypeRow[]> {
  return db.selectFrom('loyalty.card_types').selectAll().orderBy('purchases_sum_from').execute();
}

export async function saveCardTypes(db: Db, types: readonly BpCardType[]): Promise<void> {
  if (types.length === 0) return;
  await db
    .insertInto('loyalty.card_types')
    .values(types.map(cardTypeRowFromBonusPlus))
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        bonus_percent: eb.ref('excluded.bonus_percent'),
        max_debit_percent: eb.ref('excluded.max_debit_percent'),
        purchases_sum_from: eb.ref('excluded.purchases_sum_from'),
        synced_at: sql`now()`,
      })),
    )
    .execute();
}
