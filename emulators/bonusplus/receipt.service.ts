import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { bonusFiguresOf, creditBonuses, debitBonuses, takeBackBonuses } from './bonus-ledger.repository.js';
import type { BonusPlusEmulatorDb, CardTypeRow, ProgramRow } from './bonusplus.tables.js';
import type { CustomerRow } from './customer.repository.js';
import { accrualOf, debitCapOf, maxDebitOf, returnShareOf, splitDebit } from './receipt.rules.js';

/**
 * Receipts, reserves and returns over the ledger. Every write runs in one transaction that first
 * locks the customer row, so everything that moves one customer's bonuses queues behind it: the
 * idempotency checks (reserve per order, sale per externalId, return per externalId) and the
 * balance checks see what the previous call left.
 */

type Db = Kysely<BonusPlusEmulatorDb>;
type Trx = Transaction<BonusPlusEmulatorDb>;

const DAY_MS = 86_400_000;

/** A business refusal: 412 `{code, msg}` on the wire. Thrown inside a transaction to roll it back. */
export class Refusal extends Error {
  constructor(
    readonly code: string,
    readonly msg: string,
  ) {
    super(`${code}: ${msg}`);
  }
}

export interface SaleLine {
  readonly ext: string;
  readonly product: string;
  readonly qnt: number;
  readonly priceKopecks: number;
  /** The line total to pay before bonuses (after any shop discount `ds`). */
  readonly sumKopecks: number;
  readonly discountKopecks: number;
}

export interface SaleInput {
  readonly phone: string;
  readonly items: readonly SaleLine[];
  readonly bonusDebit: number;
}

export interface CalcLine {
  readonly ext: string;
  readonly earned: number;
  readonly debited: number;
  readonly discountKopecks: number;
  readonly bonusPercent: number;
  readonly debitPercent: number;
}

export type DebitProblem = 'BONUS_DEBIT_NOT_MULTIPLE' | 'NOT_ENOUGH_BONUSES' | 'BONUS_DEBIT_ABOVE_MAX';

export interface Calculation {
  readonly lines: readonly CalcLine[];
  readonly maxDebit: number;
  readonly multiple: number;
  readonly available: number;
  /** The debit the lines were calculated with: the requested one, or the most allowed below it. */
  readonly applied: number;
  readonly problem?: { readonly code: DebitProblem; readonly msg: string };
}

/** The calculation of a sale for a customer with `available` bonuses; shared by calc and the sale itself. */
export function calculate(items: readonly SaleLine[], requested: number, available: number, card: CardTypeRow, settings: ProgramRow, debitDenied: boolean): Calculation {
  const sums = items.map((i) => i.sumKopecks);
  const rules = { bonusPercent: card.bonus_percent, maxDebitPercent: debitDenied ? 0 : card.max_debit_percent };
  const multiple = settings.debit_multiple;
  const maxDebit = maxDebitOf(sums, available, rules, multiple);
  const capWithoutBalance = maxDebitOf(sums, Number.MAX_SAFE_INTEGER, rules, multiple);
  let problem: Calculation['problem'];
  if (requested % multiple !== 0) problem = { code: 'BONUS_DEBIT_NOT_MULTIPLE', msg: `Списание бонусов должно быть кратно ${multiple}` };
  else if (requested > available) problem = { code: 'NOT_ENOUGH_BONUSES', msg: `Недостаточно бонусов: доступно ${available}` };
  else if (requested > capWithoutBalance) problem = { code: 'BONUS_DEBIT_ABOVE_MAX', msg: `Можно списать не более ${capWithoutBalance} бонусов` };
  const applied = problem ? Math.min(Math.floor(requested / multiple) * multiple, maxDebit) : requested;
  const debits = splitDebit(applied, sums, sums.map((s) => debitCapOf(s, rules.maxDebitPercent)));
  const lines = items.map((item, i) => ({
    ext: item.ext,
    debited: debits[i]!,
    earned: accrualOf(item.sumKopecks - debits[i]! * 100, card.bonus_percent),
    discountKopecks: item.discountKopecks,
    bonusPercent: card.bonus_percent,
    debitPercent: item.sumKopecks > 0 ? Math.round((debits[i]! * 10_000 * 100) / item.sumKopecks) / 100 : 0,
  }));
  return { lines, maxDebit, multiple, available, applied, ...(problem ? { problem } : {}) };
}

async function lockCustomer(trx: Trx, phone: string): Promise<CustomerRow> {
  const row = await trx.selectFrom('bonusplus_emulator.customers').selectAll().where('phone', '=', phone).forUpdate().executeTakeFirst();
  if (!row) throw new Refusal('CUSTOMER_NOT_FOUND', 'Клиент не найден');
  return row;
}

async function availableOf(db: Db, customerId: number): Promise<number> {
  return (await bonusFiguresOf(db, [customerId])).get(customerId)!.available;
}

const orderReference = (orderId: string) => `order:${orderId}`;

/**
 * Holds `amount` bonuses for an order: a `reserve` debit referencing it. Idempotent per (customer,
 * order id): the same amount again is a no-op; another amount for a held reserve, or any amount for
 * a reserve already released or consumed, is refused. Not enough available: NOT_ENOUGH_BONUSES.
 */
export async function reserve(db: Db, phone: string, orderId: string, amount: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const customer = await lockCustomer(trx, phone);
    const existing = await trx.selectFrom('bonusplus_emulator.reserves').selectAll().where('customer_id', '=', customer.id).where('order_id', '=', orderId).executeTakeFirst();
    if (existing) {
      if (existing.status !== 'held') throw new Refusal('RESERVE_CLOSED', `Резерв по заказу ${orderId} уже ${existing.status === 'released' ? 'отменён' : 'использован в продаже'}`);
      if (existing.amount !== amount) throw new Refusal('RESERVE_AMOUNT_MISMATCH', `По заказу ${orderId} уже зарезервировано ${existing.amount} бонусов`);
      return;
    }
    const debit = await debitBonuses(trx, { customerId: customer.id, amount, reason: 'reserve', reference: orderReference(orderId) });
    if (!debit.ok) throw new Refusal('NOT_ENOUGH_BONUSES', debit.code === 'INSUFFICIENT_BONUSES' ? `Недостаточно бонусов: доступно ${debit.available}` : 'Клиент не найден');
    await trx.insertInto('bonusplus_emulator.reserves').values({ customer_id: customer.id, order_id: orderId, amount, status: 'held', closed_at: null }).execute();
  });
}

/**
 * Gives a reserve's bonuses back where they came from: one `release` credit per lot the reserve
 * drew, each keeping that lot's activation and expiry. So a reserve never changes when bonuses
 * burn, and a sale that consumes it (release, then the purchase debit) draws the same
 * soonest-expiring bonuses the reserve held. Bonuses whose lot expired while held come back
 * already expired.
 */
async function releaseHeld(trx: Trx, reserveRow: { id: number; customer_id: number; order_id: string; amount: number }, status: 'released' | 'consumed'): Promise<void> {
  const reference = orderReference(reserveRow.order_id);
  const drawn = await trx
    .selectFrom('bonusplus_emulator.bonus_transactions as t')
    .innerJoin('bonusplus_emulator.bonus_debit_allocations as a', 'a.transaction_id', 't.id')
    .innerJoin('bonusplus_emulator.bonus_lots as l', 'l.id', 'a.lot_id')
    .select(['a.amount', 'l.active_from', 'l.expires_at'])
    .where('t.customer_id', '=', reserveRow.customer_id)
    .where('t.kind', '=', 'debit')
    .where('t.reason', '=', 'reserve')
    .where('t.reference', '=', reference)
    .orderBy('a.lot_id')
    .execute();
  let left = reserveRow.amount;
  for (const part of drawn) {
    const amount = Math.min(part.amount, left);
    if (amount <= 0) break;
    await creditBonuses(trx, { customerId: reserveRow.customer_id, amount, reason: 'release', reference, activeFrom: part.active_from, expiresAt: part.expires_at });
    left -= amount;
  }
  // Only a reserve recorded without its allocations could leave something: back with no expiry.
  if (left > 0) await creditBonuses(trx, { customerId: reserveRow.customer_id, amount: left, reason: 'release', reference });
  await trx.updateTable('bonusplus_emulator.reserves').set({ status, closed_at: sql<Date>`now()` }).where('id', '=', reserveRow.id).execute();
}

/**
 * Gives a held reserve back (`release` credits restoring the lots it drew). An unknown order,
 * or a reserve already released or consumed by a sale, is a no-op; another amount than the one
 * held is refused (RESERVE_AMOUNT_MISMATCH), so a stale caller cannot release a different hold.
 */
export async function release(db: Db, phone: string, orderId: string, amount: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const customer = await lockCustomer(trx, phone);
    const existing = await trx.selectFrom('bonusplus_emulator.reserves').selectAll().where('customer_id', '=', customer.id).where('order_id', '=', orderId).executeTakeFirst();
    if (!existing || existing.status !== 'held') return;
    if (existing.amount !== amount) throw new Refusal('RESERVE_AMOUNT_MISMATCH', `По заказу ${orderId} зарезервировано ${existing.amount} бонусов, не ${amount}`);
    await releaseHeld(trx, existing, 'released');
  });
}

/**
 * `PATCH customer/{phone}/balance` (§2.3, the route public integrations use for manual accruals and
 * refunds): a positive amount credits a `manual` lot (active now, never expiring), a negative one
 * debits available bonuses as `manual`, refused with NOT_ENOUGH_BONUSES when fewer are available
 * (ASSUMED: the real API's answer to an overdraft is not known). `comment` (ASSUMED field: public code
 * sends `{amount}` only) becomes the ledger entry's `reference`, which the transactions listing shows.
 * Not idempotent, as the real route is not known to be: each call moves the balance again.
 */
export async function adjustBalance(db: Db, phone: string, amount: number, comment: string | null): Promise<{ transactionId: number }> {
  return db.transaction().execute(async (trx) => {
    const customer = await lockCustomer(trx, phone);
    if (amount > 0) return { transactionId: (await creditBonuses(trx, { customerId: customer.id, amount, reason: 'manual', reference: comment })).transactionId };
    const debit = await debitBonuses(trx, { customerId: customer.id, amount: -amount, reason: 'manual', reference: comment });
    if (!debit.ok) throw new Refusal('NOT_ENOUGH_BONUSES', debit.code === 'INSUFFICIENT_BONUSES' ? `Недостаточно бонусов: доступно ${debit.available}` : 'Клиент не найден');
    return { transactionId: debit.transactionId };
  });
}

export interface SaleCommand extends SaleInput {
  readonly externalId: string | null;
  readonly reserveId: string | null;
  readonly store: string | null;
  readonly description: string | null;
  readonly cashier: string | null;
  readonly soldAt: Date;
  /** Days the accrual stays "not active". 0: active at once. */
  readonly activationDays: number;
}

export type Render = (db: Db, customerId: number) => Promise<unknown>;

/**
 * Records a sale: the debit (consuming the order's reserve when `reserveId` names one), the
 * accrual as a lot active after `activationDays`, the lines with their per-line figures, the
 * purchases total and the card upgrade. A repeat of an `externalId` answers the first result and
 * changes nothing.
 */
export async function registerSale(db: Db, command: SaleCommand, types: readonly CardTypeRow[], settings: ProgramRow, render: Render): Promise<unknown> {
  return db.transaction().execute(async (trx) => {
    const customer = await lockCustomer(trx, command.phone);
    if (command.externalId !== null) {
      const earlier = await trx.selectFrom('bonusplus_emulator.receipts').select('result').where('external_id', '=', command.externalId).executeTakeFirst();
      if (earlier) return JSON.parse(earlier.result) as unknown;
    }
    let reserveRowId: number | null = null;
    if (command.reserveId !== null) {
      const held = await trx.selectFrom('bonusplus_emulator.reserves').selectAll().where('customer_id', '=', customer.id).where('order_id', '=', command.reserveId).executeTakeFirst();
      if (!held) throw new Refusal('RESERVE_NOT_FOUND', `Резерв по заказу ${command.reserveId} не найден`);
      if (held.status !== 'held') throw new Refusal('RESERVE_CLOSED', `Резерв по заказу ${command.reserveId} уже закрыт`);
      // The reserved bonuses come back and the sale debits what it spends: one debit, never two.
      await releaseHeld(trx, held, 'consumed');
      reserveRowId = held.id;
    }
    const card = types.find((t) => t.id === customer.card_type_id)!;
    const calc = calculate(command.items, command.bonusDebit, await availableOf(trx, customer.id), card, settings, customer.bonus_debit_denied);
    if (calc.problem) throw new Refusal(calc.problem.code, calc.problem.msg);
    const total = command.items.reduce((a, i) => a + i.sumKopecks, 0);
    const earned = calc.lines.reduce((a, l) => a + l.earned, 0);

    const receipt = await trx
      .insertInto('bonusplus_emulator.receipts')
      .values({
        customer_id: customer.id,
        external_id: command.externalId,
        order_uid: randomUUID(),
        reserve_id: reserveRowId,
        store: command.store,
        description: command.description,
        cashier: command.cashier,
        sold_at: command.soldAt,
        total_kopecks: total,
        bonus_debit: calc.applied,
        bonus_credit: earned,
        credit_lot_id: null,
        result: '{}',
      })
      .returning(['id', 'order_uid'])
      .executeTakeFirstOrThrow();
    const reference = `receipt:${receipt.id}`;
    await trx
      .insertInto('bonusplus_emulator.receipt_lines')
      .values(
        command.items.map((item, i) => ({
          receipt_id: receipt.id,
          ext: item.ext,
          line_no: i + 1,
          product: item.product,
          qnt: item.qnt,
          price_kopecks: item.priceKopecks,
          sum_kopecks: item.sumKopecks,
          earned: calc.lines[i]!.earned,
          debited: calc.lines[i]!.debited,
        })),
      )
      .execute();
    if (calc.applied > 0) {
      const debit = await debitBonuses(trx, { customerId: customer.id, amount: calc.applied, reason: 'purchase', reference });
      if (!debit.ok) throw new Refusal('NOT_ENOUGH_BONUSES', 'Недостаточно бонусов');
    }
    let lotId: number | null = null;
    if (earned > 0) {
      const activeFrom = command.activationDays > 0 ? new Date(Date.now() + command.activationDays * DAY_MS) : undefined;
      lotId = (await creditBonuses(trx, { customerId: customer.id, amount: earned, reason: 'purchase', reference, ...(activeFrom ? { activeFrom } : {}) })).lotId;
    }
    const purchases = customer.purchases_total_kopecks + total;
    const current = types.find((t) => t.id === customer.card_type_id)!;
    // Upgrades only: a card moved up by hand is never moved back down by a sale.
    const earnedCard = [...types].reverse().find((t) => t.purchases_sum_from_kopecks <= purchases && t.purchases_sum_from_kopecks > current.purchases_sum_from_kopecks);
    await trx
      .updateTable('bonusplus_emulator.customers')
      .set({ purchases_total_kopecks: purchases, card_type_id: earnedCard?.id ?? current.id, updated_at: sql<Date>`now()` })
      .where('id', '=', customer.id)
      .execute();
    const result = { id: receipt.id, orderUid: receipt.order_uid, orderUrl: null, customer: await render(trx, customer.id) };
    await trx.updateTable('bonusplus_emulator.receipts').set({ result: JSON.stringify(result), credit_lot_id: lotId }).where('id', '=', receipt.id).execute();
    return result;
  });
}

export interface ReturnCommand {
  readonly externalId: string;
  readonly receiptExternalId: string;
  readonly items: readonly { readonly ext: string; readonly qnt: number }[];
}

/**
 * Registers a return against a receipt (ASSUMED route): per returned unit, earned bonuses are taken
 * back and spent ones given back by the cumulative rule of `returnShareOf`. The refund is credited
 * first, then the take-back draws the receipt's own accrual, then anything else the customer has;
 * what the customer had already spent is not taken (no balance goes below zero) but recorded as
 * `unrecovered`. Idempotent per return externalId.
 */
export async function registerReturn(db: Db, command: ReturnCommand, render: Render): Promise<unknown> {
  const receipt = await db.selectFrom('bonusplus_emulator.receipts').selectAll().where('external_id', '=', command.receiptExternalId).executeTakeFirst();
  if (!receipt) {
    const earlier = await db.selectFrom('bonusplus_emulator.receipt_returns').select('result').where('external_id', '=', command.externalId).executeTakeFirst();
    if (earlier) return JSON.parse(earlier.result) as unknown;
    throw new Refusal('RECEIPT_NOT_FOUND', `Продажа ${command.receiptExternalId} не найдена`);
  }
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom('bonusplus_emulator.customers').select('id').where('id', '=', receipt.customer_id).forUpdate().executeTakeFirstOrThrow();
    const earlier = await trx.selectFrom('bonusplus_emulator.receipt_returns').select('result').where('external_id', '=', command.externalId).executeTakeFirst();
    if (earlier) return JSON.parse(earlier.result) as unknown;

    const lines = await trx.selectFrom('bonusplus_emulator.receipt_lines').selectAll().where('receipt_id', '=', receipt.id).execute();
    const returned = await trx
      .selectFrom('bonusplus_emulator.receipt_return_lines')
      .select(['ext', sql<number>`sum(qnt)`.as('qnt')])
      .where('receipt_id', '=', receipt.id)
      .groupBy('ext')
      .execute();
    const returnedOf = new Map(returned.map((r) => [r.ext, Number(r.qnt)]));
    const moves = command.items.map((item) => {
      const line = lines.find((l) => l.ext === item.ext);
      if (!line) throw new Refusal('RECEIPT_LINE_NOT_FOUND', `В продаже нет позиции ${item.ext}`);
      const before = returnedOf.get(item.ext) ?? 0;
      if (before + item.qnt > line.qnt) throw new Refusal('RETURN_QUANTITY_EXCEEDED', `Позиция ${item.ext}: куплено ${line.qnt}, уже возвращено ${before}, возврат ${item.qnt}`);
      const share = returnShareOf({ qnt: line.qnt, earned: line.earned, debited: line.debited, sumKopecks: line.sum_kopecks }, before, item.qnt);
      return { ext: item.ext, qnt: item.qnt, ...share };
    });
    const earnedReversed = moves.reduce((a, m) => a + m.earnedReversed, 0);
    const debitedRefunded = moves.reduce((a, m) => a + m.debitedRefunded, 0);
    const sumReturned = moves.reduce((a, m) => a + m.sumKopecks, 0);

    const row = await trx
      .insertInto('bonusplus_emulator.receipt_returns')
      .values({ receipt_id: receipt.id, external_id: command.externalId, earned_reversed: earnedReversed, debited_refunded: debitedRefunded, unrecovered: 0, result: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('bonusplus_emulator.receipt_return_lines')
      .values(moves.map((m) => ({ return_id: row.id, receipt_id: receipt.id, ext: m.ext, qnt: m.qnt, earned_reversed: m.earnedReversed, debited_refunded: m.debitedRefunded })))
      .execute();
    const reference = `return:${row.id}`;
    if (debitedRefunded > 0) await creditBonuses(trx, { customerId: receipt.customer_id, amount: debitedRefunded, reason: 'refund', reference });
    const { taken } = await takeBackBonuses(trx, { customerId: receipt.customer_id, amount: earnedReversed, reference, firstLotId: receipt.credit_lot_id });
    const unrecovered = earnedReversed - taken;
    if (sumReturned > 0) {
      await trx
        .updateTable('bonusplus_emulator.customers')
        .set((eb) => ({ purchases_total_kopecks: sql<number>`greatest(0, ${eb.ref('purchases_total_kopecks')} - ${sumReturned})`, updated_at: sql<Date>`now()` }))
        .where('id', '=', receipt.customer_id)
        .execute();
    }
    const result = {
      id: row.id,
      externalId: command.externalId,
      receiptId: receipt.id,
      items: moves.map((m) => ({ ext: m.ext, qnt: m.qnt, cb: m.earnedReversed, db: m.debitedRefunded })),
      cb: earnedReversed,
      db: debitedRefunded,
      unrecovered,
      customer: await render(trx, receipt.customer_id),
    };
    await trx.updateTable('bonusplus_emulator.receipt_returns').set({ unrecovered, result: JSON.stringify(result) }).where('id', '=', row.id).execute();
    return result;
  });
}

/**
 * Emulator control: makes not-yet-active accruals active now (all, one customer's, or one
 * receipt's). Returns the bonuses activated.
 */
export async function activatePending(db: Db, filter: { phone?: string; externalId?: string }): Promise<number> {
  let query = db
    .updateTable('bonusplus_emulator.bonus_lots')
    .set({ active_from: sql<Date>`now()` })
    .where('active_from', '>', sql<Date>`now()`)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]));
  if (filter.phone !== undefined) {
    const phone = filter.phone;
    query = query.where('customer_id', 'in', (eb) => eb.selectFrom('bonusplus_emulator.customers').select('id').where('phone', '=', phone));
  }
  if (filter.externalId !== undefined) {
    const externalId = filter.externalId;
    query = query.where('id', 'in', (eb) => eb.selectFrom('bonusplus_emulator.receipts').select('credit_lot_id').where('external_id', '=', externalId).where('credit_lot_id', 'is not', null).$narrowType<{ credit_lot_id: number }>());
  }
  const rows = await query.returning('remaining').execute();
  return rows.reduce((a, r) => a + r.remaining, 0);
}
