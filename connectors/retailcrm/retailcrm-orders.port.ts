/**
 * What the graph asks of RetailCRM (API v5), orders part. Money is in kopecks (integers); the wire
 * carries roubles with two decimals and the client converts exactly (a wire amount with more than
 * two decimals is refused as an unexpected response, never rounded silently).
 */
import type { CrmBy, CrmPageLimit, CrmPagination } from './retailcrm.port.js';

export interface CrmOfferRef {
  readonly id?: number;
  readonly externalId?: string;
  /** In this account: the 1C characteristic GUID. */
  readonly xmlId?: string;
  readonly name?: string;
}

export interface CrmOrderItem {
  readonly id: number;
  readonly offer: CrmOfferRef;
  readonly productName?: string;
  readonly quantity: number;
  readonly initialPriceKopecks: number;
  /** Per unit, as RetailCRM means it. */
  readonly discountManualAmountKopecks: number;
  /** For the whole line. */
  readonly bonusesChargeTotal: number;
  readonly bonusesCreditTotal: number;
  readonly status?: string;
}

export interface CrmPayment {
  readonly id: number;
  readonly externalId?: string;
  readonly type: string;
  readonly status: string;
  readonly amountKopecks: number;
  readonly paidAt?: string;
}

export interface CrmOrder {
  readonly id: number;
  readonly number: string;
  readonly externalId?: string;
  readonly site?: string;
  readonly status: string;
  readonly createdAt: string;
  readonly customer?: { readonly id: number; readonly externalId?: string };
  readonly firstName?: string;
  readonly lastName?: string;
  readonly phone?: string;
  readonly email?: string;
  readonly items: readonly CrmOrderItem[];
  /** Always a list here, whether RetailCRM printed an object keyed by id or an array. */
  readonly payments: readonly CrmPayment[];
  readonly summKopecks: number;
  readonly totalSummKopecks: number;
  readonly bonusesChargeTotal: number;
  readonly bonusesCreditTotal: number;
  readonly fullPaidAt?: string;
  readonly customFields: Readonly<Record<string, unknown>>;
}

export interface CrmOrderItemInput {
  /** Present to edit an existing line; absent to add one. */
  readonly id?: number;
  readonly offer?: { readonly id?: number; readonly externalId?: string; readonly xmlId?: string };
  readonly productName?: string;
  readonly quantity?: number;
  readonly initialPriceKopecks?: number;
  readonly discountManualAmountKopecks?: number;
  readonly bonusesChargeTotal?: number;
  readonly bonusesCreditTotal?: number;
  readonly status?: string;
}

export interface CrmPaymentInput {
  readonly externalId?: string;
  readonly type: string;
  readonly status?: string;
  readonly amountKopecks: number;
}

export interface CrmOrderInput {
  readonly externalId?: string;
  readonly status?: string;
  readonly customer?: { readonly id: number } | { readonly externalId: string };
  readonly firstName?: string;
  readonly lastName?: string;
  readonly phone?: string;
  readonly email?: string;
  /** On edit: the full list of lines (lines not listed are removed, as RetailCRM does). */
  readonly items?: readonly CrmOrderItemInput[];
  readonly deliveryCostKopecks?: number;
  readonly customFields?: Readonly<Record<string, unknown>>;
  /** Only on create. */
  readonly payments?: readonly CrmPaymentInput[];
}

export interface CrmOrderFilter {
  readonly ids?: readonly number[];
  readonly externalIds?: readonly string[];
  readonly numbers?: readonly string[];
  readonly customerId?: number;
  readonly customerExternalId?: string;
  /** Status codes or status group codes. */
  readonly extendedStatus?: readonly string[];
}

export interface CrmOrderHistoryRecord {
  readonly id: number;
  readonly createdAt: string;
  readonly created?: boolean;
  readonly deleted?: boolean;
  readonly source: string;
  readonly field: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
  readonly apiKey?: { readonly current: boolean };
  readonly user?: { readonly id: number };
  readonly order: { readonly id: number; readonly externalId?: string; readonly site?: string; readonly status?: string };
  readonly item?: { readonly id: number };
  readonly payment?: { readonly id: number; readonly externalId?: string; readonly type?: string };
  /** Creation records carry the whole order; this is it, mapped like getOrder's. */
  readonly snapshot?: CrmOrder;
}

export interface CrmOrderStatus {
  readonly code: string;
  readonly name: string;
  /** `new`, `approval`, `assembling`, `delivery`, `complete`, `cancel`. */
  readonly group: string;
  readonly active: boolean;
}

export interface CrmPaymentStatus {
  readonly code: string;
  readonly name: string;
  /** True when a payment in this status counts as money received. */
  readonly paymentComplete: boolean;
}

export interface RetailCrmOrdersPort {
  /**
   * Creates an order on the configured site. Validation problems throw RetailCrmApiError.
   * With an `externalId` the call is keyed and retried after a timeout or a lost reply: when RetailCRM answers that
   * the externalId is taken, it resolves with the existing order and `alreadyExisted: true` (the input is NOT applied).
   * Without one a create is never retried after it may have been applied.
   */
  createOrder(order: CrmOrderInput): Promise<{ order: CrmOrder; alreadyExisted?: boolean }>;
  /**
   * Sets the fields given (custom fields merge; `items` replaces the lines). Every value is absolute, so a replay
   * leaves the same state and edits are retried. Unknown order: RetailCrmApiError 404.
   */
  editOrder(id: string | number, by: CrmBy, order: CrmOrderInput): Promise<CrmOrder>;
  /** The order, or undefined on 404 "Not found". */
  getOrder(id: string | number, by: CrmBy): Promise<CrmOrder | undefined>;
  /** One page of orders, ascending id. An empty `ids`/`externalIds`/`numbers` list matches nothing (no request sent). */
  listOrders(filter: CrmOrderFilter, page?: { limit?: CrmPageLimit; page?: number }): Promise<{ orders: CrmOrder[]; pagination: CrmPagination }>;
  /** Order change records with id > sinceId, oldest first, at most `limit`. */
  ordersHistory(sinceId: number, limit?: CrmPageLimit): Promise<{ history: CrmOrderHistoryRecord[]; pagination: CrmPagination; generatedAt: string }>;
  /**
   * Adds a payment to an order (by its id or externalId); returns the payment id. With an `externalId` the call is
   * keyed: a retry that finds it taken resolves with the existing payment's id and `alreadyExisted: true`.
   */
  createPayment(order: { id: number } | { externalId: string }, payment: CrmPaymentInput): Promise<{ id: number; alreadyExisted?: boolean }>;
  /** Sets a payment's status/amount; absolute values, so retried safely. Unknown payment: RetailCrmApiError 404. */
  editPayment(id: string | number, by: CrmBy, payment: Partial<CrmPaymentInput>): Promise<void>;
  /** The account's order statuses with their groups. */
  listStatuses(): Promise<CrmOrderStatus[]>;
  /** The account's payment statuses with `paymentComplete`. */
  listPaymentStatuses(): Promise<CrmPaymentStatus[]>;
}
