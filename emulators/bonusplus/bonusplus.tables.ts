import type { ColumnType, Generated, Selectable } from 'kysely';

/**
 * Row types of the BonusPlus emulator's schema `bonusplus_emulator`. Money is kept in kopecks and
 * bonuses in whole points, both integers; the HTTP layer renders roubles the way BonusPlus does.
 */

/** Why bonuses moved. The CHECK constraints name the same set; a later migration widens both. */
export const LEDGER_REASONS = ['registration', 'purchase', 'manual', 'refund', 'expiry', 'reserve', 'release', 'return', 'birthday', 'holiday', 'referral'] as const;
export type LedgerReason = (typeof LEDGER_REASONS)[number];

/** Credits BonusPlus makes by its own program rules (the welcome bonus is `registration`). */
export const PROGRAM_RULES = ['registration', 'birthday', 'holiday', 'referral'] as const;
export type ProgramRule = (typeof PROGRAM_RULES)[number];

/** The loyalty program itself: one row. */
export interface ProgramTable {
  id: ColumnType<number, number, never>;
  name: string;
  /** Bonuses may be spent only in multiples of this (`multiplicityDebitBonus`). */
  debit_multiple: number;
  /** Days a purchase accrual waits before it becomes spendable (`notActiveBonuses` meanwhile). */
  bonus_activation_days: number;
  default_card_type_id: number;
  seeded_at: Date | null;
}

/** A program rule's settings (migration 0004): how long its bonuses last. */
export interface ProgramRulesTable {
  reason: ProgramRule;
  name: string;
  /** Days from activation until the bonuses burn; null: never. */
  expiry_days: number | null;
}

export interface CardTypesTable {
  id: number;
  name: string;
  bonus_percent: number;
  max_debit_percent: number;
  discount_percent: Generated<number>;
  purchases_sum_from_kopecks: number;
}

export interface CustomersTable {
  id: Generated<number>;
  /** `7XXXXXXXXXX`. */
  phone: string;
  first_name: string | null;
  last_name: string | null;
  middle_name: string | null;
  email: string | null;
  address: string | null;
  card_number: string;
  card_type_id: number;
  purchases_total_kopecks: Generated<number>;
  bonus_debit_denied: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/**
 * A portion of credited bonuses: spendable between `active_from` and `expires_at`, drawn down by
 * debits. `remaining` is the only column that ever changes, and a CHECK keeps it in [0, amount].
 */
export interface BonusLotsTable {
  id: Generated<number>;
  customer_id: number;
  reason: LedgerReason;
  amount: number;
  remaining: number;
  active_from: Date;
  expires_at: Date | null;
  created_at: Generated<Date>;
}

/** The append-only ledger: every credit opens a lot, every debit is split over lots. */
export interface BonusTransactionsTable {
  id: Generated<number>;
  customer_id: number;
  kind: 'credit' | 'debit';
  reason: LedgerReason;
  amount: number;
  /** The lot a credit opened; null for debits. */
  lot_id: number | null;
  /** What the movement belongs to: `order:<id>` (a reserve and its release), `receipt:<id>`, `return:<id>`, `lot:<id>` (an expiry). */
  reference: string | null;
  created_at: Generated<Date>;
}

export interface BonusDebitAllocationsTable {
  transaction_id: number;
  lot_id: number;
  amount: number;
}

/** Bonuses held for an online order (`PATCH customer/{phone}/balance/reserve`), one per (customer, order id). */
export interface ReservesTable {
  id: Generated<number>;
  customer_id: number;
  order_id: string;
  amount: number;
  status: 'held' | 'released' | 'consumed';
  created_at: Generated<Date>;
  closed_at: Date | null;
}

/** A sale (`POST retail`). */
export interface ReceiptsTable {
  id: Generated<number>;
  customer_id: number;
  /** Our receipt id; unique, the key that makes a repeated POST a replay. */
  external_id: string | null;
  order_uid: string;
  reserve_id: number | null;
  store: string | null;
  description: string | null;
  cashier: string | null;
  sold_at: Date;
  total_kopecks: number;
  bonus_debit: number;
  bonus_credit: number;
  credit_lot_id: number | null;
  /** The RetailResult JSON first answered. */
  result: string;
  created_at: Generated<Date>;
}

export interface ReceiptLinesTable {
  receipt_id: number;
  ext: string;
  line_no: number;
  product: string;
  qnt: number;
  price_kopecks: number;
  sum_kopecks: number;
  earned: number;
  debited: number;
}

export interface ReceiptReturnsTable {
  id: Generated<number>;
  receipt_id: number;
  external_id: string;
  earned_reversed: number;
  debited_refunded: number;
  unrecovered: number;
  result: string;
  created_at: Generated<Date>;
}

export interface ReceiptReturnLinesTable {
  return_id: number;
  receipt_id: number;
  ext: string;
  qnt: number;
  earned_reversed: number;
  debited_refunded: number;
}

export interface BonusPlusEmulatorDb {
  'bonusplus_emulator.reserves': ReservesTable;
  'bonusplus_emulator.receipts': ReceiptsTable;
  'bonusplus_emulator.receipt_lines': ReceiptLinesTable;
  'bonusplus_emulator.receipt_returns': ReceiptReturnsTable;
  'bonusplus_emulator.receipt_return_lines': ReceiptReturnLinesTable;
  'bonusplus_emulator.program': ProgramTable;
  'bonusplus_emulator.program_rules': ProgramRulesTable;
  'bonusplus_emulator.card_types': CardTypesTable;
  'bonusplus_emulator.customers': CustomersTable;
  'bonusplus_emulator.bonus_lots': BonusLotsTable;
  'bonusplus_emulator.bonus_transactions': BonusTransactionsTable;
  'bonusplus_emulator.bonus_debit_allocations': BonusDebitAllocationsTable;
}

export type CardTypeRow = Selectable<CardTypesTable>;
export type ProgramRow = Selectable<ProgramTable>;
export type ProgramRuleRow = Selectable<ProgramRulesTable>;
export type BonusLotRow = Selectable<BonusLotsTable>;
