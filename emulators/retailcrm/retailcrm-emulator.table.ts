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

/** An order line as stored (jsonb); money in kopecks. */
export interface OrderItemData {
  id: number;
  offer: { id?: number; externalId?: string; xmlId?: string; name?: string };
  productName: string | null;
  quantity: number;
  initialPrice: number;
  /** Per unit, as the API means it. */
  discountManualAmount: number;
  /** For the whole line. */
  bonusesChargeTotal: number;
  bonusesCreditTotal: number;
  status: string;
  createdAt: string;
}

export interface OrderDeliveryData {
  code?: string;
  /** Kopecks. */
  cost: number;
  address?: CrmAddress;
}

/** One order of the emulated account. */
export interface OrdersTable {
  id: Generated<number>;
  external_id: string | null;
  site: string;
  number: string;
  status: string;
  status_updated_at: Date;
  created_at: Date;
  customer_id: number | null;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  email: string | null;
  items: Json<OrderItemData[]>;
  delivery: Json<OrderDeliveryData> | null;
  custom_fields: Json<Record<string, unknown>>;
  /** Kopecks; kept for the customer's sums and the fully-paid check. */
  total_summ: ColumnType<string | number, number, number>;
  full_paid_at: Date | null;
}

export interface PaymentsTable {
  id: Generated<number>;
  order_id: number;
  external_id: string | null;
  type: string;
  status: string;
  /** Kopecks. */
  amount: ColumnType<string | number, number, number>;
  paid_at: Date | null;
  comment: string | null;
}

/** The change feed behind `orders/history`. */
export interface OrderHistoryTable {
  id: Generated<number>;
  created_at: Date;
  order_id: number;
  created: boolean;
  deleted: boolean;
  source: string;
  user_id: number | null;
  api_key: string | null;
  field: string;
  old_value: Json<unknown> | null;
  new_value: Json<unknown> | null;
  /** `{id, externalId, site, status}`, or the whole order on creation records. */
  order: Json<Record<string, unknown>>;
  item: Json<Record<string, unknown>> | null;
  payment: Json<Record<string, unknown>> | null;
}

export interface RetailCrmEmulatorDb {
  'retailcrm_emulator.orders': OrdersTable;
  'retailcrm_emulator.payments': PaymentsTable;
  'retailcrm_emulator.order_history': OrderHistoryTable;
  'retailcrm_emulator.customers': CustomersTable;
  'retailcrm_emulator.custom_fields': CustomFieldsTable;
  'retailcrm_emulator.history': HistoryTable;
}

export type CustomerRow = Selectable<CustomersTable>;
export type CustomerInsert = Insertable<CustomersTable>;
export type CustomFieldRow = Selectable<CustomFieldsTable>;
export type HistoryRow = Selectable<HistoryTable>;
export type HistoryInsert = Insertable<HistoryTable>;
export type OrderRow = Selectable<OrdersTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type OrderHistoryRow = Selectable<OrderHistoryTable>;
export type OrderHistoryInsert = Insertable<OrderHistoryTable>;
