import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** jsonb: written as JSON text, read back parsed. */
type Json<T> = ColumnType<T, string, string>;

export interface CrmAddress {
  readonly [key: string]: string | number | boolean | null;
}

/** One customer of the emulated account (RetailCRM `customer`, type "customer"). */
export interface CustomersTable {
  id: Generated<number>;
  external_id: string | null;
  site: string;
  created_at: Date;
  first_name: string | null;
  last_name: string | null;
  patronymic: string | null;
  sex: string | null;
  email: string | null;
  /** `Y-m-d`. */
  birthday: string | null;
  phones: Json<{ number: string }[]>;
  /** Normalised digits of every phone, space separated: what `filter[name]` searches for a phone. */
  phone_digits: string;
  address: Json<CrmAddress> | null;
  custom_fields: Json<Record<string, unknown>>;
  tags: Json<{ name: string; color: string; attached: boolean }[]>;
  discount_card_number: string | null;
  personal_discount: number;
  cumulative_discount: number;
  orders_count: number;
  total_summ: number;
  average_summ: number;
  vip: boolean;
  bad: boolean;
  is_contact: boolean;
  manager_id: number | null;
  email_marketing_unsubscribed_at: Date | null;
}

export type CustomFieldType = 'string' | 'text' | 'integer' | 'numeric' | 'boolean' | 'date';

/** Custom field definitions of the account (Settings → Custom fields, entity "customer"). */
export interface CustomFieldsTable {
  code: string;
  name: string;
  type: CustomFieldType;
  ordering: number;
}

/** The change feed behind `customers/history`: one row per changed field, ids ascending in commit order. */
export interface HistoryTable {
  id: Generated<number>;
  created_at: Date;
  customer_id: number;
  created: boolean;
  deleted: boolean;
  /** `api`, `user`, `code`, ... */
  source: string;
  user_id: number | null;
  /** The key that made an `api` change; compared with the caller's key to answer `apiKey.current`. */
  api_key: string | null;
  field: string;
  old_value: Json<unknown> | null;
  new_value: Json<unknown> | null;
  /** `{id, externalId, site}`, or the whole customer on creation records. */
  customer: Json<Record<string, unknown>>;
}

export interface RetailCrmEmulatorDb {
  'retailcrm_emulator.customers': CustomersTable;
  'retailcrm_emulator.custom_fields': CustomFieldsTable;
  'retailcrm_emulator.history': HistoryTable;
}

export type CustomerRow = Selectable<CustomersTable>;
export type CustomerInsert = Insertable<CustomersTable>;
export type CustomFieldRow = Selectable<CustomFieldsTable>;
export type HistoryRow = Selectable<HistoryTable>;
export type HistoryInsert = Insertable<HistoryTable>;
