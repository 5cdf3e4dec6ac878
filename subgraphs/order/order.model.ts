import type { OrderLineRow, OrderRow, OrderState, PaymentRow } from './order.table.js';

/** The public life of an order; PENDING and FAILED rows are never shown. */
export type PublicOrderStatus = Exclude<OrderState, 'PENDING' | 'FAILED'>;

export interface Order {
  readonly id: string;
  readonly number: string | null;
  readonly customerId: string;
  readonly status: PublicOrderStatus;
  readonly crmStatus: string | null;
  readonly itemsTotal: number;
  readonly bonusesSpent: number;
  readonly bonusesEarned: number;
  readonly bonusesCredited: boolean;
  readonly total: number;
  readonly paidTotal: number;
  readonly fullyPaid: boolean;
  readonly holdExpiresAt: Date | null;
  readonly createdAt: Date;
}

/** One 1C document of an order (the goods of one warehouse), as staff see it. */
export interface OneCOrder {
  readonly warehouseId: string;
  readonly number: string;
  readonly posted: boolean;
  readonly postingRefused: boolean;
  /** 1C's last polled state, e.g. `shipped`. */
  readonly state: string | null;
}

export interface OrderLine {
  readonly id: string;
  readonly offerId: string;
  readonly productName: string;
  readonly quantity: number;
  readonly price: number;
  readonly discount: number;
  readonly bonusesSpent: number;
  readonly bonusesEarned: number;
  readonly total: number;
  readonly returnedQuantity: number;
}

export interface Payment {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly paid: boolean;
  readonly amount: number;
  readonly paidAt: Date | null;
}

export const isVisible = (row: OrderRow): boolean => row.state !== 'PENDING' && row.state !== 'FAILED';

export function orderFromRow(row: OrderRow): Order {
  if (!isVisible(row)) throw new Error(`order ${row.id} is ${row.state} and must not be shown`);
  return {
    id: row.id,
    number: row.number,
    customerId: row.customer_id,
    status: row.state as PublicOrderStatus,
    crmStatus: row.crm_status,
    itemsTotal: row.items_total,
    bonusesSpent: row.bonuses_spent,
    bonusesEarned: row.bonuses_earned,
    bonusesCredited: row.sale_registered_at !== null,
    total: row.total,
    paidTotal: row.paid_total,
    fullyPaid: row.fully_paid_at !== null,
    holdExpiresAt: row.state === 'PLACED' ? row.hold_expires_at : null,
    createdAt: row.crm_created_at ?? row.created_at,
  };
}

/** A line's id: its RetailCRM item id once known, else order id and line number. */
export const lineIdOf = (row: Pick<OrderLineRow, 'crm_item_id' | 'order_id' | 'line_no'>): string => String(row.crm_item_id ?? `${row.order_id}:${row.line_no}`);

export const lineFromRow = (row: OrderLineRow): OrderLine => ({
  id: lineIdOf(row),
  offerId: row.offer_id,
  productName: row.product_name,
  quantity: row.quantity,
  price: row.price,
  discount: row.discount,
  bonusesSpent: row.bonuses_spent,
  bonusesEarned: row.bonuses_earned,
  total: row.total,
  returnedQuantity: row.returned_quantity,
});

export const paymentFromRow = (row: PaymentRow): Payment => ({
  id: String(row.crm_id),
  type: row.type,
  status: row.status,
  paid: row.paid,
  amount: row.amount,
  paidAt: row.paid_at,
});

/** Forward order of the states a live order moves through; nothing moves an order back. */
export const ORDER_PROGRESS: Readonly<Partial<Record<OrderState, number>>> = { PLACED: 0, APPROVED: 1, SHIPPED: 2, DELIVERED: 3 };

/** Where a RetailCRM status group puts an order that was not placed through the graph. */
export function stateOfCrmGroup(group: string | undefined): PublicOrderStatus {
  switch (group) {
    case 'approval':
    case 'assembling':
      return 'APPROVED';
    case 'delivery':
      return 'SHIPPED';
    case 'complete':
      return 'DELIVERED';
    case 'cancel':
      return 'CANCELLED';
    default:
      return 'PLACED';
  }
}

/** A customer or an offer named by id only: the subgraph that owns it resolves the rest. */
export interface EntityRef {
  readonly id: string;
}
