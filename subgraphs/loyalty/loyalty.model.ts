import type { BpCardType, BpCustomer } from '../../connectors/bonusplus/bonusplus.port.js';
import { kopecksFromRoubles } from '../../platform/money.js';
import type { AccountRow, CardTypeRow } from './loyalty.table.js';

export interface LoyaltyTier {
  readonly id: string;
  readonly name: string;
  readonly accrualPercent: number;
  readonly maxSpendPercent: number;
  /** Kopecks. */
  readonly threshold: number;
}

export interface LoyaltyAccount {
  readonly cardNumber: string;
  readonly tierId: number | null;
  readonly balance: { readonly active: number; readonly pending: number; readonly spent: number };
  /** Kopecks. */
  readonly purchasesTotal: number;
  readonly updatedAt: Date;
}

export function accountFromRow(row: AccountRow): LoyaltyAccount {
  return {
    cardNumber: row.card_number,
    tierId: row.card_type_id,
    balance: { active: row.available, pending: row.pending, spent: row.spent },
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
