import type { BpCardType, BpCustomer } from '../../connectors/bonusplus/bonusplus.port.js';
import { kopecksFromRoubles } from '../../platform/money.js';
import type { AccountRow, BonusLotRow, BonusTransactionRow, CardTypeRow } from './loyalty.table.js';

export interface LoyaltyTier {
  readonly id: string;
  readonly name: string;
  readonly accrualPercent: number;
  readonly maxSpendPercent: number;
  /** Kopecks. */
  readonly threshold: number;
}

export interface LoyaltyAccount {
  /** E.164: the key of the account's lots and ledger. */
  readonly phone: string;
  readonly cardNumber: string;
  readonly tierId: number | null;
  readonly balance: { readonly active: number; readonly pending: number; readonly spent: number };
  /** Kopecks. */
  readonly purchasesTotal: number;
  readonly updatedAt: Date;
}

/**
 * An account as served: its stored BonusPlus figures and what its live orders will still earn.
 * BonusPlus hears of a sale only once the order is fully paid (R8), so until then the order's
 * bonuses are pending here and nowhere in BonusPlus.
 */
export type ServedAccountRow = AccountRow & { readonly ordersPending?: number };

/** Pending bonuses as the account page and the CRM card show them: not yet active in BonusPlus, plus not yet in BonusPlus. */
export const pendingOf = (row: ServedAccountRow): number => row.pending + (row.ordersPending ?? 0);

export function accountFromRow(row: ServedAccountRow): LoyaltyAccount {
  return {
    phone: row.phone,
    cardNumber: row.card_number,
    tierId: row.card_type_id,
    balance: { active: row.available, pending: pendingOf(row), spent: row.spent },
    purchasesTotal: Number(row.purchases_total),
    updatedAt: row.synced_at ?? row.created_at,
  };
}

export function tierFromRow(row: CardTypeRow): LoyaltyTier {
  return {
    id: String(row.id),
    name: row.name,
    accrualPercent: Number(row.bonus_percent),
    maxSpendPercent: Number(row.max_debit_percent),
    threshold: Number(row.purchases_sum_from),
  };
}

/** BonusPlus figures as read-model columns. Bonuses are whole points; BonusPlus may send decimals. */
export function accountFiguresFromBonusPlus(customer: BpCustomer) {
  return {
    bonusplus_id: customer.id,
    card_number: customer.discountCardNumber,
    card_type_id: customer.discountCardTypeId,
    available: Math.floor(customer.availableBonuses),
    pending: Math.floor(customer.notActiveBonuses),
    spent: Math.floor(customer.debitedBonuses ?? 0),
    purchases_total: kopecksFromRoubles(customer.purchasesTotalSum),
  };
}

export function cardTypeRowFromBonusPlus(type: BpCardType): Omit<CardTypeRow, 'synced_at'> {
  return {
    id: type.id,
    name: type.name,
    bonus_percent: type.bonusPercent,
    max_debit_percent: type.maxDebitPercent,
    purchases_sum_from: kopecksFromRoubles(type.purchasesSumFrom),
  };
}

/** Why bonuses moved, as the graph names it (the `BonusReason` enum). */
export type BonusReason = 'WELCOME' | 'BIRTHDAY' | 'HOLIDAY' | 'REFERRAL' | 'PURCHASE' | 'SPENT' | 'RESERVE' | 'RELEASE' | 'RETURN' | 'REFUND' | 'EXPIRY' | 'MANUAL';

// BonusPlus reason codes by direction. A purchase is earned when credited and spent when debited.
const CREDIT_REASONS: Readonly<Record<string, BonusReason>> = {
  registration: 'WELCOME',
  birthday: 'BIRTHDAY',
  holiday: 'HOLIDAY',
  referral: 'REFERRAL',
  purchase: 'PURCHASE',
  release: 'RELEASE',
  refund: 'REFUND',
  manual: 'MANUAL',
};
const DEBIT_REASONS: Readonly<Record<string, BonusReason>> = {
  purchase: 'SPENT',
  reserve: 'RESERVE',
  return: 'RETURN',
  expiry: 'EXPIRY',
  manual: 'MANUAL',
};

/**
 * The graph's reason for a BonusPlus movement. A code the program does not know (something staff
 * did inside BonusPlus that the graph never does) is MANUAL: the graph itself has no operation
 * that changes bonuses by hand (R12), so any unknown movement was made there.
 */
export function bonusReasonOf(kind: 'credit' | 'debit', reason: string): BonusReason {
  return (kind === 'credit' ? CREDIT_REASONS : DEBIT_REASONS)[reason] ?? 'MANUAL';
}

export interface BonusLot {
  readonly id: string;
  readonly reason: BonusReason;
  readonly amount: number;
  readonly remaining: number;
  readonly activeFrom: Date;
  readonly expiresAt: Date | null;
}

export function bonusLotFromRow(row: BonusLotRow): BonusLot {
  return {
    id: String(row.lot_id),
    reason: bonusReasonOf('credit', row.reason),
    amount: row.amount,
    remaining: row.remaining,
    activeFrom: row.active_from,
    expiresAt: row.expires_at,
  };
}

export interface BonusTransaction {
  readonly id: string;
  readonly reason: BonusReason;
  /** Signed: credits positive, debits negative. */
  readonly amount: number;
  readonly occurredAt: Date;
  readonly expiresAt: Date | null;
}

export function bonusTransactionFromRow(row: BonusTransactionRow): BonusTransaction {
  return {
    id: String(row.transaction_id),
    reason: bonusReasonOf(row.kind, row.reason),
    amount: row.kind === 'credit' ? row.amount : -row.amount,
    occurredAt: row.occurred_at,
    expiresAt: row.expires_at,
  };
}
