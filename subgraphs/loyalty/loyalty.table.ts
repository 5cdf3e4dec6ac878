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
}

export type AccountRow = Selectable<AccountsTable>;
export type CardTypeRow = Selectable<CardTypesTable>;
