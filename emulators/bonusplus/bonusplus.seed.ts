import type { Insertable, Kysely } from 'kysely';
import { demoLoyalty } from '../seed/demo-loyalty.js';
import { demoPerson } from '../seed/demo-people.js';
import type { BonusLotsTable, BonusPlusEmulatorDb, CustomersTable } from './bonusplus.tables.js';

type Db = Kysely<BonusPlusEmulatorDb>;

const DAY_MS = 86_400_000;
// Far below Postgres' 65535 bind parameters per statement, whatever the row width.
const CHUNK = 1000;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export interface SeedCounts {
  readonly onlineCustomers: number;
  readonly showroomCustomers: number;
}

/**
 * Loads demo people 0..online+showroom-1 with their loyalty state (emulators/seed/demo-loyalty.ts)
 * as ledger entries: one purchase lot holding everything earned, one debit drawing it down by what
 * was spent, and a not-yet-active purchase lot for pending bonuses. Runs once per database (the
 * program row records it); a phone or card already taken by an API-created customer is skipped.
 * A handful of multi-row statements whatever the count.
 */
export async function seedDemoCustomers(db: Db, counts: SeedCounts): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const program = await trx
      .selectFrom('bonusplus_emulator.program')
      .select(['seeded_at', 'bonus_activation_days'])
      .where('id', '=', 1)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (program.seeded_at) return;

    const now = Date.now();
    const total = counts.onlineCustomers + counts.showroomCustomers;
    const people = Array.from({ length: total }, (_v, index) => ({ person: demoPerson(index), loyalty: demoLoyalty(index) }));
    const byPhone = new Map(people.map((p) => [p.person.phoneDigits, p]));

    const rows: Insertable<CustomersTable>[] = people.map(({ person, loyalty }) => {
      const createdAt = new Date(now - person.daysAgo * DAY_MS);
      return {
        phone: person.phoneDigits,
        first_name: person.firstName,
        last_name: person.lastName,
        middle_name: person.patronymic,
        email: person.email,
        address: person.city,
        card_number: loyalty.cardNumber,
        card_type_id: loyalty.cardType.id,
        purchases_total_kopecks: loyalty.purchasesTotalSum * 100,
        created_at: createdAt,
        updated_at: createdAt,
      };
    });
    const customerIds = new Map<string, number>();
    for (const chunk of chunks(rows)) {
      const inserted = await trx
        .insertInto('bonusplus_emulator.customers')
        .values(chunk)
        .onConflict((oc) => oc.doNothing())
        .returning(['id', 'phone'])
        .execute();
      for (const r of inserted) customerIds.set(r.phone, r.id);
    }
    const seeded = [...customerIds].map(([phone, id]) => ({ id, ...byPhone.get(phone)! }));

    const earnedLots: Insertable<BonusLotsTable>[] = [];
    const pendingLots: Insertable<BonusLotsTable>[] = [];
    for (const { id, person, loyalty } of seeded) {
      const earned = loyalty.availableBonuses + loyalty.debitedBonuses;
      if (earned > 0) {
        const createdAt = new Date(now - person.daysAgo * DAY_MS);
        earnedLots.push({ customer_id: id, reason: 'purchase', amount: earned, remaining: loyalty.availableBonuses, active_from: createdAt, expires_at: null, created_at: createdAt });
      }
      if (loyalty.notActiveBonuses > 0) {
        const createdAt = new Date(now - DAY_MS);
        const activeFrom = new Date(createdAt.getTime() + program.bonus_activation_days * DAY_MS);
        pendingLots.push({ customer_id: id, reason: 'purchase', amount: loyalty.notActiveBonuses, remaining: loyalty.notActiveBonuses, active_from: activeFrom, expires_at: null, created_at: createdAt });
      }
    }

    const earnedLotOf = new Map<number, number>();
    for (const lots of [earnedLots, pendingLots]) {
      for (const chunk of chunks(lots)) {
        const inserted = await trx.insertInto('bonusplus_emulator.bonus_lots').values(chunk).returning(['id', 'customer_id', 'amount', 'created_at']).execute();
        if (lots === earnedLots) for (const lot of inserted) earnedLotOf.set(lot.customer_id, lot.id);
        await trx
          .insertInto('bonusplus_emulator.bonus_transactions')
          .values(inserted.map((lot) => ({ customer_id: lot.customer_id, kind: 'credit' as const, reason: 'purchase' as const, amount: lot.amount, lot_id: lot.id, reference: null, created_at: lot.created_at })))
          .execute();
      }
    }

    const debits = seeded.filter((s) => s.loyalty.debitedBonuses > 0);
    for (const chunk of chunks(debits)) {
      const inserted = await trx
        .insertInto('bonusplus_emulator.bonus_transactions')
        .values(
          chunk.map(({ id, person, loyalty }) => ({
            customer_id: id,
            kind: 'debit' as const,
            reason: 'purchase' as const,
            amount: loyalty.debitedBonuses,
            lot_id: null,
            reference: null,
            // Spent some time between joining and today.
            created_at: new Date(now - Math.floor(person.daysAgo / 2) * DAY_MS),
          })),
        )
        .returning(['id', 'customer_id', 'amount'])
        .execute();
      await trx
        .insertInto('bonusplus_emulator.bonus_debit_allocations')
        .values(inserted.map((t) => ({ transaction_id: t.id, lot_id: earnedLotOf.get(t.customer_id)!, amount: t.amount })))
        .execute();
    }

    await trx.updateTable('bonusplus_emulator.program').set({ seeded_at: new Date(now) }).where('id', '=', 1).execute();
  });
}
