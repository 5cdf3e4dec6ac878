import type { Generated, Selectable } from 'kysely';

/**
 * The loyalty read model: one row per BonusPlus account we know, keyed by phone (BonusPlus knows
 * people by phone only). `status` is `enrolling` from the moment a card number is allotted until
 * BonusPlus has confirmed the account.
 */
export interface AccountsTable {
  phone: string;
  customer_id: string | null;
  bonusplus_id: number | null;
  card_number: string;
  card_type_id: number | null;
  available: number;
  pending: number;
  spent: number;
  purchases_total: number;
  status: 'enrolling' | 'active';
  synced_at: Date | null;
  created_at: Generated<Date>;
  /** When lots and ledger were last read from BonusPlus; null: to be read (never, or the figures changed since). */
  details_synced_at: Generated<Date | null>;
}

/** The account's lots with bonuses left, as BonusPlus last listed them (replaced whole on each read). */
export interface BonusLotsTable {
  phone: string;
  lot_id: number;
  /** BonusPlus's own reason code (`registration`, `birthday`, `purchase` ...); mapped at read time. */
  reason: string;
  amount: number;
  remaining: number;
  active_from: Date;
  expires_at: Date | null;
}

/** The account's ledger, appended as BonusPlus records new entries (they only ever arrive on top). */
export interface BonusTransactionsTable {
  phone: string;
  transaction_id: number;
  kind: 'credit' | 'debit';
  reason: string;
  amount: number;
  occurred_at: Date;
  expires_at: Date | null;
  reference: string | null;
}

/**
 * What each live order placed through the graph will still earn (R8), as the order subgraph last
 * said (contracts/pending-bonuses.message.ts). `version` is the outbox id of the message that
 * brought the figure: a smaller one arriving late is ignored. Rows stay at 0 once an order ends.
 */
export interface OrderPendingBonusesTable {
  order_id: string;
  phone: string;
  bonuses: number;
  version: number;
  updated_at: Generated<Date>;
}

/** The program's card types (tiers), as BonusPlus configures them. */
export interface CardTypesTable {
  id: number;
  name: string;
  bonus_percent: number;
  max_debit_percent: number;
  purchases_sum_from: number;
  synced_at: Generated<Date>;
}

export interface LoyaltyDb {
  'loyalty.accounts': AccountsTable;
  'loyalty.card_types': CardTypesTable;
  'loyalty.bonus_lots': BonusLotsTable;
  'loyalty.bonus_transactions': BonusTransactionsTable;
  'loyalty.order_pending_bonuses': OrderPendingBonusesTable;
}

export type AccountRow = Selectable<AccountsTable>;
export type CardTypeRow = Selectable<CardTypesTable>;
export type BonusLotRow = Selectable<BonusLotsTable>;
export type BonusTransactionRow = Selectable<BonusTransactionsTable>;
