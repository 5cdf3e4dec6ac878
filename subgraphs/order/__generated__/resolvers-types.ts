import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { EntityRef, Order as OrderModel, OneCOrder as OneCOrderModel, OrderLine as OrderLineModel, Payment as PaymentModel } from '../order.model.js';
import type { Quote, QuoteLine as QuoteLineModel } from '../checkout/checkout.service.js';
import type { ReturnLine as ReturnLineModel, ReturnPreview as ReturnPreviewModel, OrderReturn as OrderReturnModel } from '../returns/return.service.js';
import type { ReconciliationSection as ReconciliationSectionModel, Difference } from '../../../platform/reconciliation.js';
import type { OrderContext } from '../order.context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant in time, ISO 8601 with a zone (e.g. 2026-11-23T10:00:00.000Z). */
  DateTime: { input: Date | string; output: Date | string; }
  FieldSet: { input: unknown; output: unknown; }
  link__Import: { input: unknown; output: unknown; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** Why the bonuses asked for cannot be spent as asked. */
export type BonusSpendProblem =
  /** More than the program allows on this cart. */
  | 'BONUS_LIMIT_EXCEEDED'
  /** Not a multiple of the program's step. */
  | 'BONUS_MULTIPLE_MISMATCH'
  /** More than the customer's active balance. */
  | 'INSUFFICIENT_BONUSES';

/** How many of a customer's orders were bought out. */
export type BuyoutRate = {
  __typename?: 'BuyoutRate';
  /** Orders that reached a completed status. */
  boughtOut: Scalars['Int']['output'];
  /** Orders still in progress: not counted in the rate. */
  inProgress: Scalars['Int']['output'];
  /** boughtOut / (boughtOut + refused); null when no order has finished yet. */
  rate?: Maybe<Scalars['Float']['output']>;
  /** Orders cancelled or refused (any status of RetailCRM's cancel group). */
  refused: Scalars['Int']['output'];
};

/** An order to cancel. */
export type CancelOrderInput = {
  /** A fresh key per cancellation (8–200 characters). */
  idempotencyKey: Scalars['String']['input'];
  /** Order id. */
  orderId: Scalars['ID']['input'];
};

/** The cancelled order. */
export type CancelOrderPayload = {
  __typename?: 'CancelOrderPayload';
  /** The order, now cancelled; holds are released and RetailCRM and 1C follow within seconds. */
  order: Order;
};

/** One line of a cart: an offer and how many units. */
export type CartLineInput = {
  /** Offer id (size/colour). */
  offerId: Scalars['ID']['input'];
  /** Units, 1–100. */
  quantity: Scalars['Int']['input'];
};

/** What a cart would cost and earn, calculated by the loyalty program. */
export type CheckoutQuote = {
  __typename?: 'CheckoutQuote';
  /** True when every line can be held in full now. */
  allInStock: Scalars['Boolean']['output'];
  /** Bonuses are spent in multiples of this. */
  bonusMultiple: Scalars['Int']['output'];
  /** Why the bonuses asked for cannot be spent; null when they can (or none were asked for). */
  bonusProblem?: Maybe<BonusSpendProblem>;
  /** The customer's active bonuses. */
  bonusesAvailable: Scalars['Int']['output'];
  /** Bonuses the cart earns once paid. */
  bonusesEarned: Scalars['Int']['output'];
  /** Bonuses the quote spends: those asked for when allowed, else the most allowed below them. */
  bonusesToSpend: Scalars['Int']['output'];
  /** Sum of the lines before bonuses, in kopecks. */
  itemsTotal: Scalars['Int']['output'];
  /** Each line with its price, stock and bonuses. */
  lines: Array<QuoteLine>;
  /** False when the loyalty program could not be asked: bonus figures are 0 and none can be spent now. */
  loyaltyAvailable: Scalars['Boolean']['output'];
  /** The most bonuses this customer may spend on this cart (already a multiple of `bonusMultiple`). */
  maxBonusesToSpend: Scalars['Int']['output'];
  /** What the customer pays, in kopecks: items − bonuses. */
  total: Scalars['Int']['output'];
};

/** A customer, as the order history sees them. */
export type Customer = {
  __typename?: 'Customer';
  /**
   * Share of the customer's finished orders that were bought out rather than refused or cancelled.
   * Staff only: null with a FORBIDDEN error for anyone else.
   */
  buyoutRate?: Maybe<BuyoutRate>;
  /** Our id for the customer. */
  id: Scalars['ID']['output'];
  /** The customer's orders, newest first (the account page). The customer themselves, or staff. */
  orders: OrderConnection;
};


/** A customer, as the order history sees them. */
export type CustomerOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Cancels an order not yet shipped or paid. Its customer, or staff (manager, admin). */
  cancelOrder: CancelOrderPayload;
  /**
   * Places an order: holds stock and bonuses, creates the order in RetailCRM discounted per line.
   * Fails with INSUFFICIENT_BONUSES, BONUS_LIMIT_EXCEEDED, BONUS_MULTIPLE_MISMATCH or OUT_OF_STOCK
   * holding nothing. The customer themselves, or staff for a customer.
   */
  placeOrder: PlaceOrderPayload;
  /** Records a showroom payment in RetailCRM (cashier, admin). A fully paid order earns its bonuses. */
  recordPayment: RecordPaymentPayload;
  /**
   * Posts again the 1C documents of an order that 1C refused to post, once a manager has fixed the
   * stock in 1C (manager, admin). A document 1C refuses again stays marked; the answer shows it. An
   * order with no refused document, or a cancelled one, is BAD_USER_INPUT.
   */
  retryOneCPosting: RetryOneCPostingPayload;
  /**
   * Returns units of a paid order: earned bonuses taken back and spent ones given back for exactly
   * those units, registered against the receipt in BonusPlus, the lines marked in RetailCRM, a
   * return document in 1C when the order had shipped. Staff (manager, cashier), or the customer for
   * their own order where the shop allows it. More than was bought is RETURN_QUANTITY_EXCEEDED.
   */
  returnOrderLines: ReturnOrderLinesPayload;
};


export type MutationCancelOrderArgs = {
  input: CancelOrderInput;
};


export type MutationPlaceOrderArgs = {
  input: PlaceOrderInput;
};


export type MutationRecordPaymentArgs = {
  input: RecordPaymentInput;
};


export type MutationRetryOneCPostingArgs = {
  input: RetryOneCPostingInput;
};


export type MutationReturnOrderLinesArgs = {
  input: ReturnOrderLinesInput;
};

/** A sellable size/colour of a product; its price and stock come from the inventory subgraph. */
export type Offer = {
  __typename?: 'Offer';
  /** 1C reference of the characteristic. */
  id: Scalars['ID']['output'];
};

/** One 1C customer order document made for an order: the goods of one warehouse. */
export type OneCOrder = {
  __typename?: 'OneCOrder';
  /** Our number for it in 1C (НомерПоДаннымКлиента): the order id, with /2, /3… for further warehouses. */
  number: Scalars['String']['output'];
  /** True once 1C has posted it, so that 1C reserves the goods. */
  posted: Scalars['Boolean']['output'];
  /**
   * True when 1C refused to post it (not enough free stock there). A manager fixes the stock in 1C,
   * then sends it again with `retryOneCPosting`.
   */
  postingRefused: Scalars['Boolean']['output'];
  /** 1C's last reported state of it (e.g. `shipped`, `delivered`), when polled. */
  state?: Maybe<Scalars['String']['output']>;
  /** The warehouse that ships these goods. */
  warehouse: Warehouse;
};

/** A customer's order: placed here or in RetailCRM, kept in step with RetailCRM and 1C. */
export type Order = {
  __typename?: 'Order';
  /** True once the earned bonuses are credited (the order was fully paid and recorded as a sale). */
  bonusesCredited: Scalars['Boolean']['output'];
  /** Bonuses the order earns; pending until the order is fully paid. */
  bonusesEarned: Scalars['Int']['output'];
  /** Bonuses spent on the order (1 bonus = 1 rouble off). */
  bonusesSpent: Scalars['Int']['output'];
  /** When the order was created. */
  createdAt: Scalars['DateTime']['output'];
  /** RetailCRM status code (e.g. `assembling`), as managers see it. */
  crmStatus?: Maybe<Scalars['String']['output']>;
  /** Who ordered. */
  customer: Customer;
  /** True when the paid payments cover the total. */
  fullyPaid: Scalars['Boolean']['output'];
  /** While the order awaits confirmation or payment: when its stock and bonus holds lapse. */
  holdExpiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** Our id: the order's externalId in RetailCRM. */
  id: Scalars['ID']['output'];
  /**
   * Whether RetailCRM has the order yet. A placed order is taken at once and reaches RetailCRM
   * through the outbox, in the order orders were placed, as RetailCRM's request limit allows (and
   * once it is back, when it was down).
   */
  inCrm: Scalars['Boolean']['output'];
  /** Sum of the lines before bonuses, in kopecks. */
  itemsTotal: Scalars['Int']['output'];
  /** What was ordered. */
  lines: Array<OrderLine>;
  /** RetailCRM order number, e.g. 1042A; null until the order has reached RetailCRM. */
  number?: Maybe<Scalars['String']['output']>;
  /**
   * The order's documents in 1C (ЗаказКлиента), one per warehouse its goods are held in, once the
   * order is approved. Staff only: null with a FORBIDDEN error for anyone else, so that selecting
   * it never costs a caller the rest of a mutation's answer.
   */
  oneCOrders?: Maybe<Array<OneCOrder>>;
  /** Paid so far, in kopecks (payments in a status RetailCRM counts as paid). */
  paidTotal: Scalars['Int']['output'];
  /** Payments recorded in RetailCRM. */
  payments: Array<Payment>;
  /** Returns of this order, oldest first. */
  returns: Array<OrderReturn>;
  /** Where the order is in its life. */
  status: OrderStatus;
  /** What the customer pays, in kopecks: items − bonuses + delivery. */
  total: Scalars['Int']['output'];
};

/** A page of orders. */
export type OrderConnection = {
  __typename?: 'OrderConnection';
  /** The orders of this page, each with its cursor. */
  edges: Array<OrderEdge>;
  /** Where this page ends. */
  pageInfo: PageInfo;
  /** How many orders the customer has in all. */
  totalCount: Scalars['Int']['output'];
};

/** One order in a page. */
export type OrderEdge = {
  __typename?: 'OrderEdge';
  /** Opaque cursor: pass it as `after` to read on. */
  cursor: Scalars['String']['output'];
  /** The order. */
  node: Order;
};

/** One line of an order. */
export type OrderLine = {
  __typename?: 'OrderLine';
  /** Bonuses this line earns. */
  bonusesEarned: Scalars['Int']['output'];
  /** Bonuses spent on this line. */
  bonusesSpent: Scalars['Int']['output'];
  /** Manual discount for the whole line, in kopecks. */
  discount: Scalars['Int']['output'];
  /** Line id (RetailCRM item id once known). */
  id: Scalars['ID']['output'];
  /** The size/colour ordered. */
  offer: Offer;
  /** Price per unit before any discount, in kopecks. */
  price: Scalars['Int']['output'];
  /** Product name at the time of the order. */
  productName: Scalars['String']['output'];
  /** Units. */
  quantity: Scalars['Int']['output'];
  /** Units returned so far. */
  returnedQuantity: Scalars['Int']['output'];
  /** What the line costs after discount and bonuses, in kopecks. */
  total: Scalars['Int']['output'];
};

/** A return of some units of a paid order. */
export type OrderReturn = {
  __typename?: 'OrderReturn';
  /** When it was made. */
  createdAt: Scalars['DateTime']['output'];
  /** Earned bonuses taken back. */
  earnedReversed: Scalars['Int']['output'];
  /** Return id: the return's number in BonusPlus and 1C. */
  id: Scalars['ID']['output'];
  /** Per returned line. */
  lines: Array<ReturnLine>;
  /** Money to give back, in kopecks. */
  refund: Scalars['Int']['output'];
  /** Spent bonuses given back. */
  spentRefunded: Scalars['Int']['output'];
  /** Where it is. */
  status: ReturnStatus;
  /** Earned bonuses that could not be taken back because the customer had already spent them. */
  unrecovered: Scalars['Int']['output'];
};

/** Life of an order, across RetailCRM and 1C. */
export type OrderStatus =
  /** Confirmed by a manager or paid: sent to 1C, which reserves the goods. */
  | 'APPROVED'
  /** Cancelled or refused; holds released. */
  | 'CANCELLED'
  /** The customer has the goods. */
  | 'DELIVERED'
  /** Never confirmed or paid in time; holds lapsed and the order was cancelled. */
  | 'EXPIRED'
  /** Some units were returned after the sale, the rest kept; more may still come back. */
  | 'PARTIALLY_RETURNED'
  /** Placed; awaiting confirmation or payment. Stock and bonuses are held. */
  | 'PLACED'
  /** Every unit was returned after the sale. */
  | 'RETURNED'
  /** Handed over for delivery (1C shipped it). */
  | 'SHIPPED';

/** Cursor pagination state. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last item of this page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** True when more items follow this page. */
  hasNextPage: Scalars['Boolean']['output'];
};

/** A payment of an order. */
export type Payment = {
  __typename?: 'Payment';
  /** Amount in kopecks. */
  amount: Scalars['Int']['output'];
  /** RetailCRM payment id. */
  id: Scalars['ID']['output'];
  /** True when RetailCRM counts this status as money received. */
  paid: Scalars['Boolean']['output'];
  /** When it was paid. */
  paidAt?: Maybe<Scalars['DateTime']['output']>;
  /** Payment status code, e.g. `paid`. */
  status: Scalars['String']['output'];
  /** Payment type code, e.g. `bank-card` or `cash`. */
  type: Scalars['String']['output'];
};

/** An order to place. */
export type PlaceOrderInput = {
  /** Bonuses to spend; 0 or absent for none. */
  bonusesToSpend?: InputMaybe<Scalars['Int']['input']>;
  /** What to buy. */
  cart: Array<CartLineInput>;
  /** A note for the shop. */
  comment?: InputMaybe<Scalars['String']['input']>;
  /** Staff placing an order for a customer (call centre): whose order it is. */
  customerId?: InputMaybe<Scalars['ID']['input']>;
  /** Delivery address, free text. */
  deliveryAddress?: InputMaybe<Scalars['String']['input']>;
  /** A fresh key per order (8–200 characters): repeating it returns the same order. */
  idempotencyKey: Scalars['String']['input'];
};

/** The placed order. */
export type PlaceOrderPayload = {
  __typename?: 'PlaceOrderPayload';
  /** The order, already in RetailCRM with its holds. */
  order: Order;
};

export type Query = {
  __typename?: 'Query';
  /**
   * Prices, stock and bonuses of a cart, from the loyalty program. Signed-in customers quote for
   * themselves; staff may quote for a customer; anonymous callers get prices and stock only.
   */
  checkoutQuote: CheckoutQuote;
  /** An order by id. Its customer, or staff. */
  order?: Maybe<Order>;
  /** Compares RetailCRM, BonusPlus, 1C and the graph's records now, and lists every difference. Admin only. */
  reconciliation: Reconciliation;
  /**
   * What returning these units would give back and take back, per line and in total. Staff, or the
   * customer for their own order.
   */
  returnPreview: ReturnPreview;
};


export type QueryCheckoutQuoteArgs = {
  bonusesToSpend?: InputMaybe<Scalars['Int']['input']>;
  cart: Array<CartLineInput>;
  customerId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryOrderArgs = {
  id: Scalars['ID']['input'];
};


export type QueryReturnPreviewArgs = {
  lines: Array<ReturnLineInput>;
  orderId: Scalars['ID']['input'];
};

/** A cart line in a quote. */
export type QuoteLine = {
  __typename?: 'QuoteLine';
  /** Units that can be sold now across all warehouses. */
  available: Scalars['Int']['output'];
  /** Bonuses this line earns. */
  bonusesEarned: Scalars['Int']['output'];
  /** Bonuses spent on this line. */
  bonusesSpent: Scalars['Int']['output'];
  /** The offer: ask it for `stock { warehouse { name } available }` to see where it is. */
  offer: Offer;
  /** Price per unit, in kopecks. */
  price: Scalars['Int']['output'];
  /** Product name. */
  productName: Scalars['String']['output'];
  /** Units asked for. */
  quantity: Scalars['Int']['output'];
  /** What the line costs after bonuses, in kopecks. */
  total: Scalars['Int']['output'];
};

/**
 * A comparison of the systems of record with each other and with the graph's own records, made
 * when asked. Each subgraph adds the part it can check.
 */
export type Reconciliation = {
  __typename?: 'Reconciliation';
  /** When this comparison was asked for (ISO 8601): also its id. */
  id: Scalars['ID']['output'];
  /** Orders placed through the graph against RetailCRM, and their stock reserves against 1C. */
  orders: ReconciliationSection;
};

/** A figure the systems disagree on. */
export type ReconciliationDifference = {
  __typename?: 'ReconciliationDifference';
  /** The figure compared, e.g. `status` or `active bonuses`. */
  field: Scalars['String']['output'];
  /** What it is about: an order id, a customer id. */
  subject: Scalars['String']['output'];
  /** Each system's value (null: the system has no such record). */
  values: Array<SystemValue>;
};

/** What one part of a reconciliation checked and found. */
export type ReconciliationSection = {
  __typename?: 'ReconciliationSection';
  /** How many subjects (orders, customers …) were compared. */
  checked: Scalars['Int']['output'];
  /** Every figure the systems disagree on; empty when all agree. */
  differences: Array<ReconciliationDifference>;
};

/** A payment taken in a showroom. */
export type RecordPaymentInput = {
  /** Amount in kopecks; the unpaid rest of the order when absent. */
  amount?: InputMaybe<Scalars['Int']['input']>;
  /** A fresh key per payment (8–200 characters). */
  idempotencyKey: Scalars['String']['input'];
  /** Order id. */
  orderId: Scalars['ID']['input'];
  /** Payment type code: `cash` or `bank-card`. */
  type?: Scalars['String']['input'];
};

/** The order after the payment. */
export type RecordPaymentPayload = {
  __typename?: 'RecordPaymentPayload';
  /** The order with the new payment. */
  order: Order;
};

export type RetryOneCPostingInput = {
  /** The order whose refused 1C documents to post again. */
  orderId: Scalars['ID']['input'];
};

export type RetryOneCPostingPayload = {
  __typename?: 'RetryOneCPostingPayload';
  /** The order, with its 1C documents as they stand after the retry. */
  order: Order;
};

/** What returning some units of one line moves. */
export type ReturnLine = {
  __typename?: 'ReturnLine';
  /** Earned bonuses taken back. */
  earnedReversed: Scalars['Int']['output'];
  /** The order line. */
  lineId: Scalars['ID']['output'];
  /** The offer of the line. */
  offer: Offer;
  /** Units returned. */
  quantity: Scalars['Int']['output'];
  /** Money to give back for them, in kopecks. */
  refund: Scalars['Int']['output'];
  /** Spent bonuses given back. */
  spentRefunded: Scalars['Int']['output'];
};

/** Units of one order line to return. */
export type ReturnLineInput = {
  /** The order line (`OrderLine.id`). */
  lineId: Scalars['ID']['input'];
  /** Units to return now, 1 or more. */
  quantity: Scalars['Int']['input'];
};

/** A return to make. */
export type ReturnOrderLinesInput = {
  /** A fresh key per return (8–200 characters): repeating it returns the same return. */
  idempotencyKey: Scalars['String']['input'];
  /** Lines and units coming back. */
  lines: Array<ReturnLineInput>;
  /** Order id. */
  orderId: Scalars['ID']['input'];
};

/** The return and the order after it. */
export type ReturnOrderLinesPayload = {
  __typename?: 'ReturnOrderLinesPayload';
  /** The order, with the returned units counted. */
  order: Order;
  /** The return. */
  return: OrderReturn;
};

/** What a return would move, per line and in total, before it is made. */
export type ReturnPreview = {
  __typename?: 'ReturnPreview';
  /** Earned bonuses taken back. */
  earnedReversed: Scalars['Int']['output'];
  /** Per returned line. */
  lines: Array<ReturnLine>;
  /** Money to give back, in kopecks. */
  refund: Scalars['Int']['output'];
  /** Spent bonuses given back. */
  spentRefunded: Scalars['Int']['output'];
};

/** Whether a return has reached every system. */
export type ReturnStatus =
  /** Registered against the receipt in BonusPlus, the lines marked in RetailCRM, the goods back in 1C. */
  | 'COMPLETED'
  /** Recorded here; BonusPlus, RetailCRM or 1C still to follow (they follow by themselves). */
  | 'PENDING';

/** One system's value of a compared figure. */
export type SystemValue = {
  __typename?: 'SystemValue';
  /** `graph`, `RetailCRM`, `BonusPlus` or `1C`. */
  system: Scalars['String']['output'];
  /** The value as that system has it. */
  value?: Maybe<Scalars['String']['output']>;
};

/** Where stock is kept; its name and kind come from the inventory subgraph. */
export type Warehouse = {
  __typename?: 'Warehouse';
  /** 1C reference of the warehouse. */
  id: Scalars['ID']['output'];
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Customer: Customer;
  Order: Order;
  Reconciliation: Reconciliation;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Customer:
    ( { __typename: 'Customer' }
    & GraphQLRecursivePick<FederationTypes['Customer'], {"id":true}> );
  Order:
    ( { __typename: 'Order' }
    & GraphQLRecursivePick<FederationTypes['Order'], {"id":true}> );
  Reconciliation:
    ( { __typename: 'Reconciliation' }
    & GraphQLRecursivePick<FederationTypes['Reconciliation'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  BonusSpendProblem: BonusSpendProblem;
  BuyoutRate: ResolverTypeWrapper<BuyoutRate>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  CancelOrderInput: CancelOrderInput;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  CancelOrderPayload: ResolverTypeWrapper<Omit<CancelOrderPayload, 'order'> & { order: ResolversTypes['Order'] }>;
  CartLineInput: CartLineInput;
  CheckoutQuote: ResolverTypeWrapper<Quote>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Customer: ResolverTypeWrapper<EntityRef>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  FieldSet: ResolverTypeWrapper<Scalars['FieldSet']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Offer: ResolverTypeWrapper<EntityRef>;
  OneCOrder: ResolverTypeWrapper<OneCOrderModel>;
  Order: ResolverTypeWrapper<OrderModel>;
  OrderConnection: ResolverTypeWrapper<Omit<OrderConnection, 'edges'> & { edges: Array<ResolversTypes['OrderEdge']> }>;
  OrderEdge: ResolverTypeWrapper<Omit<OrderEdge, 'node'> & { node: ResolversTypes['Order'] }>;
  OrderLine: ResolverTypeWrapper<OrderLineModel>;
  OrderReturn: ResolverTypeWrapper<OrderReturnModel>;
  OrderStatus: OrderStatus;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Payment: ResolverTypeWrapper<PaymentModel>;
  PlaceOrderInput: PlaceOrderInput;
  PlaceOrderPayload: ResolverTypeWrapper<Omit<PlaceOrderPayload, 'order'> & { order: ResolversTypes['Order'] }>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  QuoteLine: ResolverTypeWrapper<QuoteLineModel>;
  Reconciliation: ResolverTypeWrapper<EntityRef>;
  ReconciliationDifference: ResolverTypeWrapper<Difference>;
  ReconciliationSection: ResolverTypeWrapper<ReconciliationSectionModel>;
  RecordPaymentInput: RecordPaymentInput;
  RecordPaymentPayload: ResolverTypeWrapper<Omit<RecordPaymentPayload, 'order'> & { order: ResolversTypes['Order'] }>;
  RetryOneCPostingInput: RetryOneCPostingInput;
  RetryOneCPostingPayload: ResolverTypeWrapper<Omit<RetryOneCPostingPayload, 'order'> & { order: ResolversTypes['Order'] }>;
  ReturnLine: ResolverTypeWrapper<ReturnLineModel>;
  ReturnLineInput: ReturnLineInput;
  ReturnOrderLinesInput: ReturnOrderLinesInput;
  ReturnOrderLinesPayload: ResolverTypeWrapper<Omit<ReturnOrderLinesPayload, 'order' | 'return'> & { order: ResolversTypes['Order'], return: ResolversTypes['OrderReturn'] }>;
  ReturnPreview: ResolverTypeWrapper<ReturnPreviewModel>;
  ReturnStatus: ReturnStatus;
  SystemValue: ResolverTypeWrapper<SystemValue>;
  Warehouse: ResolverTypeWrapper<EntityRef>;
  link__Import: ResolverTypeWrapper<Scalars['link__Import']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  BuyoutRate: BuyoutRate;
  Int: Scalars['Int']['output'];
  Float: Scalars['Float']['output'];
  CancelOrderInput: CancelOrderInput;
  ID: Scalars['ID']['output'];
  CancelOrderPayload: Omit<CancelOrderPayload, 'order'> & { order: ResolversParentTypes['Order'] };
  CartLineInput: CartLineInput;
  CheckoutQuote: Quote;
  Boolean: Scalars['Boolean']['output'];
  Customer: EntityRef;
  DateTime: Scalars['DateTime']['output'];
  FieldSet: Scalars['FieldSet']['output'];
  Mutation: Record<PropertyKey, never>;
  Offer: EntityRef;
  OneCOrder: OneCOrderModel;
  Order: OrderModel;
  OrderConnection: Omit<OrderConnection, 'edges'> & { edges: Array<ResolversParentTypes['OrderEdge']> };
  OrderEdge: Omit<OrderEdge, 'node'> & { node: ResolversParentTypes['Order'] };
  OrderLine: OrderLineModel;
  OrderReturn: OrderReturnModel;
  PageInfo: PageInfo;
  Payment: PaymentModel;
  PlaceOrderInput: PlaceOrderInput;
  PlaceOrderPayload: Omit<PlaceOrderPayload, 'order'> & { order: ResolversParentTypes['Order'] };
  Query: Record<PropertyKey, never>;
  QuoteLine: QuoteLineModel;
  Reconciliation: EntityRef;
  ReconciliationDifference: Difference;
  ReconciliationSection: ReconciliationSectionModel;
  RecordPaymentInput: RecordPaymentInput;
  RecordPaymentPayload: Omit<RecordPaymentPayload, 'order'> & { order: ResolversParentTypes['Order'] };
  RetryOneCPostingInput: RetryOneCPostingInput;
  RetryOneCPostingPayload: Omit<RetryOneCPostingPayload, 'order'> & { order: ResolversParentTypes['Order'] };
  ReturnLine: ReturnLineModel;
  ReturnLineInput: ReturnLineInput;
  ReturnOrderLinesInput: ReturnOrderLinesInput;
  ReturnOrderLinesPayload: Omit<ReturnOrderLinesPayload, 'order' | 'return'> & { order: ResolversParentTypes['Order'], return: ResolversParentTypes['OrderReturn'] };
  ReturnPreview: ReturnPreviewModel;
  SystemValue: SystemValue;
  Warehouse: EntityRef;
  link__Import: Scalars['link__Import']['output'];
  String: Scalars['String']['output'];
}>;

export type InaccessibleDirectiveArgs = { };

export type InaccessibleDirectiveResolver<Result, Parent, ContextType = OrderContext, Args = InaccessibleDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type LinkDirectiveArgs = {
  import?: Maybe<Array<Maybe<Scalars['link__Import']['input']>>>;
  url: Scalars['String']['input'];
};

export type LinkDirectiveResolver<Result, Parent, ContextType = OrderContext, Args = LinkDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type OverrideDirectiveArgs = {
  from: Scalars['String']['input'];
};

export type OverrideDirectiveResolver<Result, Parent, ContextType = OrderContext, Args = OverrideDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ShareableDirectiveArgs = { };

export type ShareableDirectiveResolver<Result, Parent, ContextType = OrderContext, Args = ShareableDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type BuyoutRateResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['BuyoutRate'] = ResolversParentTypes['BuyoutRate']> = ResolversObject<{
  boughtOut?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  inProgress?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  rate?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  refused?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type CancelOrderPayloadResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['CancelOrderPayload'] = ResolversParentTypes['CancelOrderPayload']> = ResolversObject<{
  order?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
}>;

export type CheckoutQuoteResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['CheckoutQuote'] = ResolversParentTypes['CheckoutQuote']> = ResolversObject<{
  allInStock?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  bonusMultiple?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  bonusProblem?: Resolver<Maybe<ResolversTypes['BonusSpendProblem']>, ParentType, ContextType>;
  bonusesAvailable?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  bonusesEarned?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  bonusesToSpend?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  itemsTotal?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lines?: Resolver<Array<ResolversTypes['QuoteLine']>, ParentType, ContextType>;
  loyaltyAvailable?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  maxBonusesToSpend?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type CustomerResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Customer'] = ResolversParentTypes['Customer'], FederationReferenceType extends FederationReferenceTypes['Customer'] = FederationReferenceTypes['Customer']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Customer']> | FederationReferenceType, FederationReferenceType, ContextType>;
  buyoutRate?: Resolver<Maybe<ResolversTypes['BuyoutRate']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  orders?: Resolver<ResolversTypes['OrderConnection'], ParentType, ContextType, RequireFields<CustomerOrdersArgs, 'first'>>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export interface FieldSetScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['FieldSet'], any> {
  name: 'FieldSet';
}

export type MutationResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  cancelOrder?: Resolver<ResolversTypes['CancelOrderPayload'], ParentType, ContextType, RequireFields<MutationCancelOrderArgs, 'input'>>;
  placeOrder?: Resolver<ResolversTypes['PlaceOrderPayload'], ParentType, ContextType, RequireFields<MutationPlaceOrderArgs, 'input'>>;
  recordPayment?: Resolver<ResolversTypes['RecordPaymentPayload'], ParentType, ContextType, RequireFields<MutationRecordPaymentArgs, 'input'>>;
  retryOneCPosting?: Resolver<ResolversTypes['RetryOneCPostingPayload'], ParentType, ContextType, RequireFields<MutationRetryOneCPostingArgs, 'input'>>;
  returnOrderLines?: Resolver<ResolversTypes['ReturnOrderLinesPayload'], ParentType, ContextType, RequireFields<MutationReturnOrderLinesArgs, 'input'>>;
}>;

export type OfferResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Offer'] = ResolversParentTypes['Offer']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type OneCOrderResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['OneCOrder'] = ResolversParentTypes['OneCOrder']> = ResolversObject<{
  number?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  posted?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  postingRefused?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  state?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  warehouse?: Resolver<ResolversTypes['Warehouse'], ParentType, ContextType>;
}>;

export type OrderResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order'], FederationReferenceType extends FederationReferenceTypes['Order'] = FederationReferenceTypes['Order']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Order']> | FederationReferenceType, FederationReferenceType, ContextType>;
  bonusesCredited?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  bonusesEarned?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  bonusesSpent?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  crmStatus?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  customer?: Resolver<ResolversTypes['Customer'], ParentType, ContextType>;
  fullyPaid?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  holdExpiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  inCrm?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  itemsTotal?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lines?: Resolver<Array<ResolversTypes['OrderLine']>, ParentType, ContextType>;
  number?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  oneCOrders?: Resolver<Maybe<Array<ResolversTypes['OneCOrder']>>, ParentType, ContextType>;
  paidTotal?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  payments?: Resolver<Array<ResolversTypes['Payment']>, ParentType, ContextType>;
  returns?: Resolver<Array<ResolversTypes['OrderReturn']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrderStatus'], ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type OrderConnectionResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['OrderConnection'] = ResolversParentTypes['OrderConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['OrderEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type OrderEdgeResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['OrderEdge'] = ResolversParentTypes['OrderEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
}>;

export type OrderLineResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['OrderLine'] = ResolversParentTypes['OrderLine']> = ResolversObject<{
  bonusesEarned?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  bonusesSpent?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  discount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  offer?: Resolver<ResolversTypes['Offer'], ParentType, ContextType>;
  price?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  productName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  returnedQuantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type OrderReturnResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['OrderReturn'] = ResolversParentTypes['OrderReturn']> = ResolversObject<{
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  earnedReversed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lines?: Resolver<Array<ResolversTypes['ReturnLine']>, ParentType, ContextType>;
  refund?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  spentRefunded?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['ReturnStatus'], ParentType, ContextType>;
  unrecovered?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type PageInfoResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type PaymentResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Payment'] = ResolversParentTypes['Payment']> = ResolversObject<{
  amount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  paid?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  paidAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type PlaceOrderPayloadResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['PlaceOrderPayload'] = ResolversParentTypes['PlaceOrderPayload']> = ResolversObject<{
  order?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  checkoutQuote?: Resolver<ResolversTypes['CheckoutQuote'], ParentType, ContextType, RequireFields<QueryCheckoutQuoteArgs, 'cart'>>;
  order?: Resolver<Maybe<ResolversTypes['Order']>, ParentType, ContextType, RequireFields<QueryOrderArgs, 'id'>>;
  reconciliation?: Resolver<ResolversTypes['Reconciliation'], ParentType, ContextType>;
  returnPreview?: Resolver<ResolversTypes['ReturnPreview'], ParentType, ContextType, RequireFields<QueryReturnPreviewArgs, 'lines' | 'orderId'>>;
}>;

export type QuoteLineResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['QuoteLine'] = ResolversParentTypes['QuoteLine']> = ResolversObject<{
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  bonusesEarned?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  bonusesSpent?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  offer?: Resolver<ResolversTypes['Offer'], ParentType, ContextType>;
  price?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  productName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type ReconciliationResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Reconciliation'] = ResolversParentTypes['Reconciliation'], FederationReferenceType extends FederationReferenceTypes['Reconciliation'] = FederationReferenceTypes['Reconciliation']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Reconciliation']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  orders?: Resolver<ResolversTypes['ReconciliationSection'], ParentType, ContextType>;
}>;

export type ReconciliationDifferenceResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['ReconciliationDifference'] = ResolversParentTypes['ReconciliationDifference']> = ResolversObject<{
  field?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  subject?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  values?: Resolver<Array<ResolversTypes['SystemValue']>, ParentType, ContextType>;
}>;

export type ReconciliationSectionResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['ReconciliationSection'] = ResolversParentTypes['ReconciliationSection']> = ResolversObject<{
  checked?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  differences?: Resolver<Array<ResolversTypes['ReconciliationDifference']>, ParentType, ContextType>;
}>;

export type RecordPaymentPayloadResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['RecordPaymentPayload'] = ResolversParentTypes['RecordPaymentPayload']> = ResolversObject<{
  order?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
}>;

export type RetryOneCPostingPayloadResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['RetryOneCPostingPayload'] = ResolversParentTypes['RetryOneCPostingPayload']> = ResolversObject<{
  order?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
}>;

export type ReturnLineResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['ReturnLine'] = ResolversParentTypes['ReturnLine']> = ResolversObject<{
  earnedReversed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lineId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  offer?: Resolver<ResolversTypes['Offer'], ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  refund?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  spentRefunded?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type ReturnOrderLinesPayloadResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['ReturnOrderLinesPayload'] = ResolversParentTypes['ReturnOrderLinesPayload']> = ResolversObject<{
  order?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
  return?: Resolver<ResolversTypes['OrderReturn'], ParentType, ContextType>;
}>;

export type ReturnPreviewResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['ReturnPreview'] = ResolversParentTypes['ReturnPreview']> = ResolversObject<{
  earnedReversed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lines?: Resolver<Array<ResolversTypes['ReturnLine']>, ParentType, ContextType>;
  refund?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  spentRefunded?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type SystemValueResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['SystemValue'] = ResolversParentTypes['SystemValue']> = ResolversObject<{
  system?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type WarehouseResolvers<ContextType = OrderContext, ParentType extends ResolversParentTypes['Warehouse'] = ResolversParentTypes['Warehouse']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export interface Link__ImportScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['link__Import'], any> {
  name: 'link__Import';
}

export type Resolvers<ContextType = OrderContext> = ResolversObject<{
  BuyoutRate?: BuyoutRateResolvers<ContextType>;
  CancelOrderPayload?: CancelOrderPayloadResolvers<ContextType>;
  CheckoutQuote?: CheckoutQuoteResolvers<ContextType>;
  Customer?: CustomerResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  FieldSet?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  Offer?: OfferResolvers<ContextType>;
  OneCOrder?: OneCOrderResolvers<ContextType>;
  Order?: OrderResolvers<ContextType>;
  OrderConnection?: OrderConnectionResolvers<ContextType>;
  OrderEdge?: OrderEdgeResolvers<ContextType>;
  OrderLine?: OrderLineResolvers<ContextType>;
  OrderReturn?: OrderReturnResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Payment?: PaymentResolvers<ContextType>;
  PlaceOrderPayload?: PlaceOrderPayloadResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  QuoteLine?: QuoteLineResolvers<ContextType>;
  Reconciliation?: ReconciliationResolvers<ContextType>;
  ReconciliationDifference?: ReconciliationDifferenceResolvers<ContextType>;
  ReconciliationSection?: ReconciliationSectionResolvers<ContextType>;
  RecordPaymentPayload?: RecordPaymentPayloadResolvers<ContextType>;
  RetryOneCPostingPayload?: RetryOneCPostingPayloadResolvers<ContextType>;
  ReturnLine?: ReturnLineResolvers<ContextType>;
  ReturnOrderLinesPayload?: ReturnOrderLinesPayloadResolvers<ContextType>;
  ReturnPreview?: ReturnPreviewResolvers<ContextType>;
  SystemValue?: SystemValueResolvers<ContextType>;
  Warehouse?: WarehouseResolvers<ContextType>;
  link__Import?: GraphQLScalarType;
}>;

export type DirectiveResolvers<ContextType = OrderContext> = ResolversObject<{
  inaccessible?: InaccessibleDirectiveResolver<any, any, ContextType>;
  link?: LinkDirectiveResolver<any, any, ContextType>;
  override?: OverrideDirectiveResolver<any, any, ContextType>;
  shareable?: ShareableDirectiveResolver<any, any, ContextType>;
}>;
