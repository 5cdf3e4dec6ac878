import type { OrderLineRow, OrderRow, OrderState, PaymentRow } from './order.table.js';

/** The public life of an order; PENDING and FAILED rows are never shown. */
export type PublicOrderStatus = Exclude<OrderState, 'PENDING' | 'FAILED'>;

export interface Order {
  readonly id: string;
  readonly number: string | null;
  /** RetailCRM has the order (it is created there through the outbox). */
  readonly inCrm: boolean;
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
    inCrm: row.crm_id !== null,
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

/** The payment claim of a payment that may or may not be in RetailCRM (its reply was lost): cleared by the next read of the order from RetailCRM. */
export const UNCERTAIN_PAYMENT = 'uncertain';

/** A line's id: its RetailCRM item id once known, else order id and line number. */
export const lineIdOf = (row: Pick<OrderLineRow, 'crm_item_id' | 'order_id' | 'line_no'>): string => String(row.crm_item_id ?? `${row.order_id}:${row.line_no}`);

/**
 * Whether `id` names this line. An order reaches RetailCRM after it is placed, so a client may
 * still hold the id it read before (order id and line number): that one keeps naming the line.
 */
export const isLineId = (row: Pick<OrderLineRow, 'crm_item_id' | 'order_id' | 'line_no'>, id: string): boolean => id === lineIdOf(row) || id === `${row.order_id}:${row.line_no}`;

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

/**
 * The order's life as a state machine: every state an order may move to from each state, in one
 * table. Fulfilment moves forward only (placed → approved → shipped → delivered, skipping allowed);
 * a sold order may be returned in part, then in full; CANCELLED, EXPIRED, RETURNED and FAILED are
 * terminal. PENDING and FAILED belong to placement. Guards that depend on more than the state (a
 * paid order is not cancelled, a return needs the sale) stay with the services; this table is what
 * no service, sync or feed can get round.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderState, readonly OrderState[]>> = {
  PENDING: ['PLACED', 'FAILED'],
  PLACED: ['APPROVED', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'EXPIRED'],
  APPROVED: ['SHIPPED', 'DELIVERED', 'PARTIALLY_RETURNED', 'RETURNED', 'CANCELLED'],
  SHIPPED: ['DELIVERED', 'PARTIALLY_RETURNED', 'RETURNED', 'CANCELLED'],
  DELIVERED: ['PARTIALLY_RETURNED', 'RETURNED', 'CANCELLED'],
  PARTIALLY_RETURNED: ['RETURNED'],
  RETURNED: [],
  CANCELLED: [],
  EXPIRED: [],
  FAILED: [],
};

export const canMove = (from: OrderState, to: OrderState): boolean => ORDER_TRANSITIONS[from].includes(to);

/** The states an order may be in for a move to `to` to be allowed. */
export const statesBefore = (to: OrderState): OrderState[] => (Object.keys(ORDER_TRANSITIONS) as OrderState[]).filter((from) => canMove(from, to));

export const isTerminal = (state: OrderState): boolean => ORDER_TRANSITIONS[state].length === 0;

/** States of an order whose goods are still on their way to the customer: the forward path of fulfilment. */
export const FULFILMENT: readonly OrderState[] = ['PLACED', 'APPROVED', 'SHIPPED', 'DELIVERED'];

/** Where fulfilment (RetailCRM's status group, 1C's shipment) would take an order now in `from`, if the machine allows it. */
export function fulfilmentStep(from: OrderState, reached: OrderState): OrderState | undefined {
  if (!FULFILMENT.includes(reached) || FULFILMENT.indexOf(reached) <= FULFILMENT.indexOf(from)) return undefined;
  return canMove(from, reached) ? reached : undefined;
}

/** Where RetailCRM's status group moves an order now in `from`: forward, or to CANCELLED, as the machine allows. */
export function crmGroupStep(from: OrderState, group: string | undefined): OrderState | undefined {
  const to = stateOfCrmGroup(group);
  if (to === 'CANCELLED') return canMove(from, to) ? to : undefined;
  return fulfilmentStep(from, to);
}

/** Where the returns so far leave a sold order: all units back is RETURNED, some is PARTIALLY_RETURNED. */
export function stateAfterReturns(lines: readonly { quantity: number; returned_quantity: number }[]): OrderState | undefined {
  const returned = lines.reduce((s, l) => s + l.returned_quantity, 0);
  if (returned === 0) return undefined;
  return lines.every((l) => l.returned_quantity >= l.quantity) ? 'RETURNED' : 'PARTIALLY_RETURNED';
}

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
