import { sql, type Kysely, type Transaction } from 'kysely';
import type { BonusLotRow, BonusPlusEmulatorDb, LedgerReason, ProgramRule } from './bonusplus.tables.js';

/**
 * The bonus ledger: credits open lots, debits draw lots down. A customer's figures are sums over
 * the lots at the moment of reading, so a lot whose activation date passes moves from "not active"
 * to "available" without anyone touching it.
 */

type Db = Kysely<BonusPlusEmulatorDb>;
type Trx = Transaction<BonusPlusEmulatorDb>;

/** Takes `amount` from the lots in the order given, each lot at most its remaining; `left` is what they could not cover. */
function allocate(lots: readonly { id: number; remaining: number }[], amount: number): { allocations: { lot_id: number; amount: number }[]; left: number } {
  const allocations: { lot_id: number; amount: number }[] = [];
  let left = amount;
  for (const lot of lots) {
    if (left === 0) break;
    const take = Math.min(lot.remaining, left);
    allocations.push({ lot_id: lot.id, amount: take });
    left -= take;
  }
  return { allocations, left };
}

export interface CreditInput {
  readonly customerId: number;
  readonly amount: number;
  readonly reason: LedgerReason;
  /** When the bonuses become spendable; now when absent. A future date makes them "not active". */
  readonly activeFrom?: Date;
  readonly expiresAt?: Date | null;
  readonly reference?: string | null;
}

/** Credits bonuses: one lot and the ledger entry that opened it. */
export async function creditBonuses(db: Db, input: CreditInput): Promise<{ transactionId: number; lotId: number }> {
  if (!Number.isInteger(input.amount) || input.amount <= 0) throw new RangeError(`credit amount must be a positive integer, got ${input.amount}`);
  const lot = await db
    .insertInto('bonusplus_emulator.bonus_lots')
    .values({
      customer_id: input.customerId,
      reason: input.reason,
      amount: input.amount,
      remaining: input.amount,
      active_from: input.activeFrom ?? sql<Date>`now()`,
      expires_at: input.expiresAt ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const transaction = await db
    .insertInto('bonusplus_emulator.bonus_transactions')
    .values({ customer_id: input.customerId, kind: 'credit', reason: input.reason, amount: input.amount, lot_id: lot.id, reference: input.reference ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { transactionId: transaction.id, lotId: lot.id };
}

const DAY_MS = 86_400_000;

export interface ProgramRuleCreditInput {
  readonly customerId: number;
  readonly rule: ProgramRule;
  readonly amount: number;
  readonly reference?: string | null;
}

/**
 * Credits bonuses the way BonusPlus's own program rules do (welcome, birthday, holiday, referral):
 * active now, burning after the rule's `expiry_days` (never when the rule has none).
 */
export async function creditProgramRule(db: Db, input: ProgramRuleCreditInput): Promise<{ transactionId: number; lotId: number; activeFrom: Date; expiresAt: Date | null }> {
  const rule = await db.selectFrom('bonusplus_emulator.program_rules').select('expiry_days').where('reason', '=', input.rule).executeTakeFirstOrThrow();
  const activeFrom = new Date();
  const expiresAt = rule.expiry_days === null ? null : new Date(activeFrom.getTime() + rule.expiry_days * DAY_MS);
  const credit = await creditBonuses(db, { customerId: input.customerId, amount: input.amount, reason: input.rule, activeFrom, expiresAt, reference: input.reference ?? null });
  return { ...credit, activeFrom, expiresAt };
}

export interface DebitInput {
  readonly customerId: number;
  readonly amount: number;
  readonly reason: LedgerReason;
  readonly reference?: string | null;
}

export type DebitResult =
  | { readonly ok: true; readonly transactionId: number }
  | { readonly ok: false; readonly code: 'INSUFFICIENT_BONUSES'; readonly available: number }
  | { readonly ok: false; readonly code: 'CUSTOMER_NOT_FOUND' };

/**
 * Spends available bonuses, soonest-expiring lots first, lots that never expire last. Needs a transaction: it locks the
 * customer row, so concurrent debits of one customer run one after another and each sees what the
 * previous left. Not enough available bonuses is a typed refusal that writes nothing.
 */
export async function debitBonuses(trx: Trx, input: DebitInput): Promise<DebitResult> {
  if (!Number.isInteger(input.amount) || input.amount <= 0) throw new RangeError(`debit amount must be a positive integer, got ${input.amount}`);
  const customer = await trx
    .selectFrom('bonusplus_emulator.customers')
    .select('id')
    .where('id', '=', input.customerId)
    .forUpdate()
    .executeTakeFirst();
  if (!customer) return { ok: false, code: 'CUSTOMER_NOT_FOUND' };

  const lots = await trx
    .selectFrom('bonusplus_emulator.bonus_lots')
    .select(['id', 'remaining'])
    .where('customer_id', '=', input.customerId)
    .where('remaining', '>', 0)
    .where('active_from', '<=', sql<Date>`now()`)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .orderBy(sql`expires_at asc nulls last`)
    // Of lots expiring together, a released hold first: a hold turned into a sale (release, then
    // this debit) then leaves the customer's other lots as they were before the hold.
    .orderBy(sql`reason = 'release' desc`)
    .orderBy('active_from')
    .orderBy('id')
    .execute();
  const available = lots.reduce((sum, lot) => sum + lot.remaining, 0);
  if (available < input.amount) return { ok: false, code: 'INSUFFICIENT_BONUSES', available };

  const { allocations } = allocate(lots, input.amount);

  const transaction = await trx
    .insertInto('bonusplus_emulator.bonus_transactions')
    .values({ customer_id: input.customerId, kind: 'debit', reason: input.reason, amount: input.amount, lot_id: null, reference: input.reference ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('bonusplus_emulator.bonus_debit_allocations')
    .values(allocations.map((a) => ({ transaction_id: transaction.id, ...a })))
    .execute();
  for (const a of allocations) {
    // The CHECK on `remaining` is the last word; this guard only makes a bug fail loudly here.
    const updated = await trx
      .updateTable('bonusplus_emulator.bonus_lots')
      .set((eb) => ({ remaining: eb('remaining', '-', a.amount) }))
      .where('id', '=', a.lot_id)
      .where('remaining', '>=', a.amount)
      .executeTakeFirst();
    if (updated.numUpdatedRows !== 1n) throw new Error(`lot ${a.lot_id} changed under a debit that held the customer lock`);
  }
  return { ok: true, transactionId: transaction.id };
}

export interface TakeBackInput {
  readonly customerId: number;
  readonly amount: number;
  readonly reference: string;
  /** The lot to draw first whether active or not yet (the receipt's own accrual). */
  readonly firstLotId: number | null;
}

/**
 * Takes back earned bonuses (a return): the given lot first, then active lots soonest-expiring
 * first, then lots not active yet. Never more than is there: it takes what it can and reports it;
 * the rest is the caller's to record. Needs a transaction, like `debitBonuses`.
 */
export async function takeBackBonuses(trx: Trx, input: TakeBackInput): Promise<{ readonly taken: number }> {
  if (!Number.isInteger(input.amount) || input.amount < 0) throw new RangeError(`take-back amount must be a non-negative integer, got ${input.amount}`);
  await trx.selectFrom('bonusplus_emulator.customers').select('id').where('id', '=', input.customerId).forUpdate().executeTakeFirstOrThrow();
  if (input.amount === 0) return { taken: 0 };
  const lots = await trx
    .selectFrom('bonusplus_emulator.bonus_lots')
    .select(['id', 'remaining'])
    .where('customer_id', '=', input.customerId)
    .where('remaining', '>', 0)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .orderBy(sql`id = ${input.firstLotId ?? -1} desc`)
    .orderBy(sql`active_from > now()`)
    .orderBy(sql`expires_at asc nulls last`)
    .orderBy('id')
    .execute();
  const { allocations, left } = allocate(lots, input.amount);
  const taken = input.amount - left;
  if (taken === 0) return { taken };
  const transaction = await trx
    .insertInto('bonusplus_emulator.bonus_transactions')
    .values({ customer_id: input.customerId, kind: 'debit', reason: 'return', amount: taken, lot_id: null, reference: input.reference })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('bonusplus_emulator.bonus_debit_allocations')
    .values(allocations.map((a) => ({ transaction_id: transaction.id, ...a })))
    .execute();
  for (const a of allocations) {
    await trx
      .updateTable('bonusplus_emulator.bonus_lots')
      .set((eb) => ({ remaining: eb('remaining', '-', a.amount) }))
      .where('id', '=', a.lot_id)
      .execute();
  }
  return { taken };
}

export interface BonusFigures {
  /** Spendable now. */
  readonly available: number;
  /** Credited, activation date still ahead. */
  readonly notActive: number;
  /** Spent, all time (expiry is not spending). */
  readonly debited: number;
}

/** Figures of many customers at once (customers with no ledger entries get zeros). */
export async function bonusFiguresOf(db: Db, customerIds: readonly number[]): Promise<Map<number, BonusFigures>> {
  const figures = new Map<number, BonusFigures>(customerIds.map((id) => [id, { available: 0, notActive: 0, debited: 0 }]));
  if (customerIds.length === 0) return figures;
  const [lots, debits] = await Promise.all([
    db
      .selectFrom('bonusplus_emulator.bonus_lots')
      .select([
        'customer_id',
        sql<number>`coalesce(sum(remaining) filter (where active_from <= now() and (expires_at is null or expires_at > now())), 0)`.as('available'),
        sql<number>`coalesce(sum(remaining) filter (where active_from > now()), 0)`.as('not_active'),
      ])
      .where('customer_id', 'in', customerIds)
      .groupBy('customer_id')
      .execute(),
    db
      .selectFrom('bonusplus_emulator.bonus_transactions')
      .select(['customer_id', sql<number>`sum(amount)`.as('debited')])
      .where('customer_id', 'in', customerIds)
      .where('kind', '=', 'debit')
      // Spending only: expiry, reserves (held, not spent; a consumed reserve is released and
      // re-debited as a purchase) and earned bonuses taken back by a return are not spending.
      .where('reason', 'not in', ['expiry', 'reserve', 'return'])
      .groupBy('customer_id')
      .execute(),
  ]);
  for (const row of lots) {
    const current = figures.get(row.customer_id)!;
    figures.set(row.customer_id, { ...current, available: Number(row.available), notActive: Number(row.not_active) });
  }
  for (const row of debits) {
    const current = figures.get(row.customer_id)!;
    figures.set(row.customer_id, { ...current, debited: Number(row.debited) });
  }
  return figures;
}

/** Lots a customer can still use or will be able to: something left, not expired. Soonest expiry first, never-expiring last. */
export async function listLiveLots(db: Db, customerId: number): Promise<BonusLotRow[]> {
  return db
    .selectFrom('bonusplus_emulator.bonus_lots')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('remaining', '>', 0)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .orderBy(sql`expires_at asc nulls last`)
    .orderBy('active_from')
    .orderBy('id')
    .execute();
}

export interface ExpiringLot extends BonusLotRow {
  readonly phone: string;
}

/**
 * Lots of every customer with something left that expire after now and before `before`, in lot id
 * order: lots created later sort last, so paging with an offset never skips one because another
 * was created meanwhile.
 */
export async function listExpiringLots(db: Db, before: Date, offset: number, limit: number): Promise<ExpiringLot[]> {
  return db
    .selectFrom('bonusplus_emulator.bonus_lots as l')
    .innerJoin('bonusplus_emulator.customers as c', 'c.id', 'l.customer_id')
    .selectAll('l')
    .select('c.phone')
    .where('l.remaining', '>', 0)
    .where('l.expires_at', 'is not', null)
    .where('l.expires_at', '>', sql<Date>`now()`)
    .where('l.expires_at', '<', before)
    .orderBy('l.id')
    .offset(offset)
    .limit(limit)
    .execute();
}

export interface LedgerEntry {
  readonly id: number;
  readonly kind: 'credit' | 'debit';
  readonly reason: LedgerReason;
  readonly amount: number;
  readonly created_at: Date;
  readonly reference: string | null;
  /** A credit's lot expiry; for an `expiry` debit, the expiry of the lot it burned. */
  readonly expires_at: Date | null;
}

/** A customer's ledger, newest entry first (in the order it was recorded). */
export async function listLedger(db: Db, customerId: number, offset: number, limit: number): Promise<LedgerEntry[]> {
  const rows = await db
    .selectFrom('bonusplus_emulator.bonus_transactions as t')
    .leftJoin('bonusplus_emulator.bonus_lots as l', 'l.id', 't.lot_id')
    .select(['t.id', 't.kind', 't.reason', 't.amount', 't.created_at', 't.reference'])
    .select(
      sql<Date | null>`coalesce(l.expires_at, case when t.reason = 'expiry' then (
        select burned.expires_at from bonusplus_emulator.bonus_debit_allocations a
          join bonusplus_emulator.bonus_lots burned on burned.id = a.lot_id
         where a.transaction_id = t.id limit 1) end)`.as('expires_at'),
    )
    .where('t.customer_id', '=', customerId)
    .orderBy('t.id', 'desc')
    .offset(offset)
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, expires_at: r.expires_at === null ? null : new Date(r.expires_at) }));
}

/**
 * Writes off what is left of a customer's expired lots: one `expiry` debit per lot, dated when the
 * lot expired, referencing `lot:<id>`. Figures never needed it (expired lots stop counting at read
 * time); it puts the burn in the ledger. Locks the customer row, and a unique index allows one
 * expiry per lot, so running it twice, or concurrently, burns each lot once. Returns the bonuses burned.
 */
export async function burnExpiredLots(trx: Trx, customerId: number): Promise<number> {
  await trx.selectFrom('bonusplus_emulator.customers').select('id').where('id', '=', customerId).forUpdate().executeTakeFirst();
  const expired = await trx
    .selectFrom('bonusplus_emulator.bonus_lots')
    .select(['id', 'remaining', 'expires_at'])
    .where('customer_id', '=', customerId)
    .where('remaining', '>', 0)
    .where('expires_at', '<=', sql<Date>`now()`)
    .orderBy('expires_at')
    .orderBy('id')
    .execute();
  let burned = 0;
  for (const lot of expired) {
    const transaction = await trx
      .insertInto('bonusplus_emulator.bonus_transactions')
      .values({ customer_id: customerId, kind: 'debit', reason: 'expiry', amount: lot.remaining, lot_id: null, reference: `lot:${lot.id}`, created_at: lot.expires_at! })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('bonusplus_emulator.bonus_debit_allocations').values({ transaction_id: transaction.id, lot_id: lot.id, amount: lot.remaining }).execute();
    await trx.updateTable('bonusplus_emulator.bonus_lots').set({ remaining: 0 }).where('id', '=', lot.id).execute();
    burned += lot.remaining;
  }
  return burned;
}

/** Customers that have expired lots not yet written off (for burning everyone's). */
export async function customersWithExpiredLots(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('bonusplus_emulator.bonus_lots')
    .select('customer_id')
    .distinct()
    .where('remaining', '>', 0)
    .where('expires_at', '<=', sql<Date>`now()`)
    .orderBy('customer_id')
    .execute();
  return rows.map((r) => r.customer_id);
}
