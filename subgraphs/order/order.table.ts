import type { ColumnType, Generated, Selectable } from 'kysely';

/** Where an order is: PENDING while placeOrder runs, FAILED when placement was compensated (never shown). */
export type OrderState = 'PENDING' | 'PLACED' | 'APPROVED' | 'SHIPPED' | 'DELIVERED' | 'PARTIALLY_RETURNED' | 'RETURNED' | 'CANCELLED' | 'EXPIRED' | 'FAILED';

export interface HeldStockLine {
  readonly offerId: string;
  readonly warehouseId: string;
  readonly quantity: number;
}

/** The bonus reserve in BonusPlus under the order's id. */
export type BonusHoldState = 'NONE' | 'HELD' | 'RELEASED' | 'CONSUMED';

/** The order read model: orders placed here and orders read from RetailCRM's history. Money in kopecks. */
export interface OrdersTable {
  id: string;
  origin: 'graph' | 'crm';
  customer_id: string;
  phone: string | null;
  crm_id: number | null;
  number: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  state: OrderState;
  crm_status: string | null;
  crm_status_group: string | null;
  items_total: Generated<number>;
  bonuses_spent: Generated<number>;
  bonuses_earned: Generated<number>;
  delivery_cost: Generated<number>;
  total: Generated<number>;
  paid_total: Generated<number>;
  fully_paid_at: Date | null;
  sale_registered_at: Date | null;
  /** When the sale's calculation fixed each line's earned bonuses (before the sale was sent). */
  sale_figures_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Placed without BonusPlus's estimate of what it earns: asked in the background (0 until then). */
  bonus_figures_pending: Generated<boolean>;
  stock_hold_id: string | null;
  /** Where the held units are: the 1C orders are made per warehouse from this. */
  stock_hold_lines: ColumnType<HeldStockLine[] | null, string | null, string | null>;
  bonus_hold: Generated<BonusHoldState>;
  hold_expires_at: Date | null;
  delivery_address: string | null;
  comment: string | null;
  failure: string | null;
  crm_created_at: Date | null;
  /** Who is taking a payment for the order now, and until when (payments of one order run one at a time). */
  payment_claim: string | null;
  payment_claim_until: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface OrderLinesTable {
  order_id: string;
  line_no: number;
  crm_item_id: number | null;
  offer_id: string;
  /** 1C product (Номенклатура) ref; the offer is its characteristic. */
  product_id: string | null;
  product_name: string;
  quantity: number;
  /** Per unit, before discounts. */
  price: number;
  /** Manual discount for the whole line. */
  discount: number;
  bonuses_spent: number;
  bonuses_earned: number;
  total: number;
  /** Units returned so far (the sum of this line's return lines). */
  returned_quantity: Generated<number>;
  /** The RetailCRM item that carries the returned units of a partly returned line. */
  crm_return_item_id: Generated<number | null>;
}

export interface PaymentsTable {
  order_id: string;
  crm_id: number;
  external_id: string | null;
  type: string;
  status: string;
  paid: boolean;
  amount: number;
  paid_at: Date | null;
}

/** The 1C customer orders of one of our orders: one per warehouse its goods are held in. */
export interface OneCOrdersTable {
  order_id: string;
  warehouse_id: string;
  external_number: string;
  ref: string | null;
  posted: Generated<boolean>;
  state: string | null;
  state_changed_at: string | null;
}

/** A return: recorded here first, then registered in BonusPlus, RetailCRM and 1C (each step stamped). */
export interface ReturnsTable {
  id: string;
  order_id: string;
  status: 'PENDING' | 'COMPLETED';
  refund: number;
  earned_reversed: number;
  spent_refunded: number;
  unrecovered: Generated<number>;
  bonusplus_done_at: Date | null;
  crm_done_at: Date | null;
  onec_done_at: Date | null;
  created_at: Generated<Date>;
  completed_at: Date | null;
}

export interface ReturnLinesTable {
  return_id: string;
  line_no: number;
  quantity: number;
  refund: number;
  earned_reversed: number;
  spent_refunded: number;
}

/** Whose sale is being registered in BonusPlus now, per customer, and until when (a lease). */
export interface SaleClaimsTable {
  phone: string;
  order_id: string;
  until: Date;
}

export interface OrderDb {
  'ordering.orders': OrdersTable;
  'ordering.sale_claims': SaleClaimsTable;
  'ordering.order_lines': OrderLinesTable;
  'ordering.payments': PaymentsTable;
  'ordering.onec_orders': OneCOrdersTable;
  'ordering.returns': ReturnsTable;
  'ordering.return_lines': ReturnLinesTable;
}

export type OrderRow = Selectable<OrdersTable>;
export type OrderLineRow = Selectable<OrderLinesTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type OneCOrderRow = Selectable<OneCOrdersTable>;
export type ReturnRow = Selectable<ReturnsTable>;
export type ReturnLineRow = Selectable<ReturnLinesTable>;
