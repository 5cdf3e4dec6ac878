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
  const changes: FiguresChange[] = [];
  for (const { phone, customerId, bp } of customers) {
    const figures = accountFiguresFromBonusPlus(bp);
    const old = before.get(phone);
    const row = await db
      .insertInto('loyalty.accounts')
      .values({ phone, customer_id: customerId ?? null, ...figures, status: 'active', synced_at: new Date() })
      .onConflict((oc) =>
        oc.column('phone').doUpdateSet({
          ...figures,
          customer_id: sql`coalesce(excluded.customer_id, loyalty.accounts.customer_id)`,
          status: 'active',
          synced_at: new Date(),
        }),
      )
      .returning(['customer_id'])
      .executeTakeFirstOrThrow();
    const changed =
      !old ||
      old.status !== 'active' ||
      old.card_number !== figures.card_number ||
      old.card_type_id !== figures.card_type_id ||
      old.available !== figures.available ||
      old.pending !== figures.pending ||
      old.spent !== figures.spent;
    changes.push({ phone, customerId: row.customer_id, changed });
  }
  return changes;
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
