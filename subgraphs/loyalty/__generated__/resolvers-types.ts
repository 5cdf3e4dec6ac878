import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { LoyaltyAccount as LoyaltyAccountModel, LoyaltyTier as LoyaltyTierModel, BonusLot as BonusLotModel, BonusTransaction as BonusTransactionModel } from '../loyalty.model.js';
import type { ReconciliationRef, CustomerReconciliation as CustomerReconciliationModel, CustomerDifference as CustomerDifferenceModel } from '../reconciliation/reconciliation.service.js';
import type { LoyaltyContext } from '../loyalty.context.js';
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

/** Bonus figures of an account. */
export type BonusBalance = {
  __typename?: 'BonusBalance';
  /** Spendable now. */
  active: Scalars['Int']['output'];
  /** Earned but not yet active (orders not yet fully paid). */
  pending: Scalars['Int']['output'];
  /** Spent, all time. */
  spent: Scalars['Int']['output'];
};

/** A portion of credited bonuses with its own expiry; spending draws the soonest-expiring first. */
export type BonusLot = {
  __typename?: 'BonusLot';
  /** From when they may be spent. */
  activeFrom: Scalars['DateTime']['output'];
  /** Bonuses credited. */
  amount: Scalars['Int']['output'];
  /** When what remains burns; null when it never does. */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** BonusPlus lot id. */
  id: Scalars['ID']['output'];
  /** Why the bonuses were credited. */
  reason: BonusReason;
  /** Bonuses of it not yet spent. */
  remaining: Scalars['Int']['output'];
};

/** Why bonuses moved. Every value but MANUAL is a purchase, a payment, a return or a program rule. */
export type BonusReason =
  /** The birthday bonus (a program rule). */
  | 'BIRTHDAY'
  /** Burned: the bonuses reached their expiry date unspent. */
  | 'EXPIRY'
  /** A holiday bonus (a program rule). */
  | 'HOLIDAY'
  /** Changed by BonusPlus staff inside BonusPlus itself; the graph has no such operation (R12). */
  | 'MANUAL'
  /** Earned on a paid purchase. */
  | 'PURCHASE'
  /** The bonus for bringing a friend (a program rule). */
  | 'REFERRAL'
  /** Spent bonuses given back for returned goods. */
  | 'REFUND'
  /** A hold given back (order cancelled, expired, or turned into the purchase). */
  | 'RELEASE'
  /** Held for an order that is not yet paid. */
  | 'RESERVE'
  /** Earned bonuses taken back for returned goods. */
  | 'RETURN'
  /** Spent on a purchase. */
  | 'SPENT'
  /** The welcome bonus credited at enrolment (a program rule). */
  | 'WELCOME';

/** One movement of bonuses. */
export type BonusTransaction = {
  __typename?: 'BonusTransaction';
  /** Bonuses moved: positive when credited, negative when taken. */
  amount: Scalars['Int']['output'];
  /** For a credit, when its bonuses expire (null: never); for an expiry, when the lot expired. */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** BonusPlus transaction id. */
  id: Scalars['ID']['output'];
  /** When it happened. */
  occurredAt: Scalars['DateTime']['output'];
  /** Why the bonuses moved. */
  reason: BonusReason;
};

/** A page of bonus movements. */
export type BonusTransactionConnection = {
  __typename?: 'BonusTransactionConnection';
  /** The movements of this page, each with its cursor. */
  edges: Array<BonusTransactionEdge>;
  /** Where this page ends. */
  pageInfo: PageInfo;
};

/** One movement in a page. */
export type BonusTransactionEdge = {
  __typename?: 'BonusTransactionEdge';
  /** Opaque cursor: pass it as `after` to read on. */
  cursor: Scalars['String']['output'];
  /** The movement. */
  node: BonusTransaction;
};

/** A customer, as the loyalty program sees them. */
export type Customer = {
  __typename?: 'Customer';
  /** Our id for the customer. */
  id: Scalars['ID']['output'];
  /** The customer's loyalty account; null until enrolment in BonusPlus has completed. */
  loyalty?: Maybe<LoyaltyAccount>;
  /** Phone in E.164: BonusPlus knows customers by phone only. */
  phone?: Maybe<Scalars['String']['output']>;
};

/** A customer's figure the systems disagree on. */
export type CustomerDifference = {
  __typename?: 'CustomerDifference';
  /** The figure compared: `account` (who has the customer at all), `active bonuses`, `pending bonuses`, `spent bonuses`, `card number`. */
  field: Scalars['String']['output'];
  /**
   * True when a loyalty message for this customer is still on its way (enrolment, CRM card update,
   * refresh from BonusPlus, queued or being delivered): the systems are about to agree, this is not drift.
   */
  pendingSync: Scalars['Boolean']['output'];
  /** The customer id, or the phone (E.164) of a customer only BonusPlus knows. */
  subject: Scalars['String']['output'];
  /** Each system's value (null: the system has no such record or figure). */
  values: Array<SystemValue>;
};

/** What the customers' part of a reconciliation checked and found. */
export type CustomerReconciliation = {
  __typename?: 'CustomerReconciliation';
  /** How many customers (distinct phones, or CRM cards without one) were compared. */
  checked: Scalars['Int']['output'];
  /** Every figure the systems disagree on, drift and pending sync alike; empty when all agree. */
  differences: Array<CustomerDifference>;
};

/** A customer's account in the loyalty program (BonusPlus). */
export type LoyaltyAccount = {
  __typename?: 'LoyaltyAccount';
  /** Bonus figures, in whole points (1 point = 1 rouble off). */
  balance: BonusBalance;
  /** Virtual card number. */
  cardNumber: Scalars['String']['output'];
  /**
   * Lots with bonuses left that expire within `withinDays` days from now (0–3650), soonest first:
   * what the account page shows as "about to expire".
   */
  expiring: Array<BonusLot>;
  /** Purchases counted towards the next tier, in kopecks. */
  purchasesTotal: Scalars['Int']['output'];
  /** Card type: decides how many bonuses purchases earn. */
  tier: LoyaltyTier;
  /** The account's bonus movements, newest first. `first` is 1–100; `after` is an `endCursor`. */
  transactions: BonusTransactionConnection;
  /** When these figures were last read from BonusPlus. */
  updatedAt: Scalars['DateTime']['output'];
};


/** A customer's account in the loyalty program (BonusPlus). */
export type LoyaltyAccountExpiringArgs = {
  withinDays?: InputMaybe<Scalars['Int']['input']>;
};


/** A customer's account in the loyalty program (BonusPlus). */
export type LoyaltyAccountTransactionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A card type of the program. */
export type LoyaltyTier = {
  __typename?: 'LoyaltyTier';
  /** Percent of the amount paid that is earned as bonuses. */
  accrualPercent: Scalars['Float']['output'];
  /** BonusPlus card type id. */
  id: Scalars['ID']['output'];
  /** The most of a purchase, in percent, that bonuses may pay. */
  maxSpendPercent: Scalars['Float']['output'];
  /** Name shown to the customer (Silver, Gold ...). */
  name: Scalars['String']['output'];
  /** Purchases total, in kopecks, from which this tier applies. */
  threshold: Scalars['Int']['output'];
};

/** Cursor pagination state. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last item of this page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** True when more items follow this page. */
  hasNextPage: Scalars['Boolean']['output'];
};

/**
 * A comparison of the systems of record with each other and with the graph's own records, made
 * when asked. Each subgraph adds the part it can check.
 */
export type Reconciliation = {
  __typename?: 'Reconciliation';
  /**
   * Every customer any system knows (each BonusPlus account, each RetailCRM customer, each account in
   * the graph's read model), matched by phone: active, pending and spent bonuses and the card number
   * in BonusPlus, on the RetailCRM card and in the read model, and customers missing from BonusPlus or
   * RetailCRM. A run that failed half-way is continued, not started over.
   */
  customers: CustomerReconciliation;
  /** When this comparison was asked for (ISO 8601): also its id. */
  id: Scalars['ID']['output'];
};

/** One system's value of a compared figure. */
export type SystemValue = {
  __typename?: 'SystemValue';
  /** `graph`, `RetailCRM`, `BonusPlus` or `1C`. */
  system: Scalars['String']['output'];
  /** The value as that system has it. */
  value?: Maybe<Scalars['String']['output']>;
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
  Reconciliation: Reconciliation;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Customer:
    ( { __typename: 'Customer' }
    & GraphQLRecursivePick<FederationTypes['Customer'], {"id":true}>
    & ( Record<PropertyKey, never>
        | GraphQLRecursivePick<FederationTypes['Customer'], {"phone":true}> ) );
  Reconciliation:
    ( { __typename: 'Reconciliation' }
    & GraphQLRecursivePick<FederationTypes['Reconciliation'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  BonusBalance: ResolverTypeWrapper<BonusBalance>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  BonusLot: ResolverTypeWrapper<BonusLotModel>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  BonusReason: BonusReason;
  BonusTransaction: ResolverTypeWrapper<BonusTransactionModel>;
  BonusTransactionConnection: ResolverTypeWrapper<Omit<BonusTransactionConnection, 'edges'> & { edges: Array<ResolversTypes['BonusTransactionEdge']> }>;
  BonusTransactionEdge: ResolverTypeWrapper<Omit<BonusTransactionEdge, 'node'> & { node: ResolversTypes['BonusTransaction'] }>;
  Customer: ResolverTypeWrapper<Omit<Customer, 'loyalty'> & { loyalty?: Maybe<ResolversTypes['LoyaltyAccount']> }>;
  CustomerDifference: ResolverTypeWrapper<CustomerDifferenceModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CustomerReconciliation: ResolverTypeWrapper<CustomerReconciliationModel>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  FieldSet: ResolverTypeWrapper<Scalars['FieldSet']['output']>;
  LoyaltyAccount: ResolverTypeWrapper<LoyaltyAccountModel>;
  LoyaltyTier: ResolverTypeWrapper<LoyaltyTierModel>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Reconciliation: ResolverTypeWrapper<ReconciliationRef>;
  SystemValue: ResolverTypeWrapper<SystemValue>;
  link__Import: ResolverTypeWrapper<Scalars['link__Import']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  BonusBalance: BonusBalance;
  Int: Scalars['Int']['output'];
  BonusLot: BonusLotModel;
  ID: Scalars['ID']['output'];
  BonusTransaction: BonusTransactionModel;
  BonusTransactionConnection: Omit<BonusTransactionConnection, 'edges'> & { edges: Array<ResolversParentTypes['BonusTransactionEdge']> };
  BonusTransactionEdge: Omit<BonusTransactionEdge, 'node'> & { node: ResolversParentTypes['BonusTransaction'] };
  Customer: Omit<Customer, 'loyalty'> & { loyalty?: Maybe<ResolversParentTypes['LoyaltyAccount']> } | FederationReferenceTypes['Customer'];
  CustomerDifference: CustomerDifferenceModel;
  Boolean: Scalars['Boolean']['output'];
  CustomerReconciliation: CustomerReconciliationModel;
  DateTime: Scalars['DateTime']['output'];
  FieldSet: Scalars['FieldSet']['output'];
  LoyaltyAccount: LoyaltyAccountModel;
  LoyaltyTier: LoyaltyTierModel;
  Float: Scalars['Float']['output'];
  PageInfo: PageInfo;
  Reconciliation: ReconciliationRef;
  SystemValue: SystemValue;
  link__Import: Scalars['link__Import']['output'];
  String: Scalars['String']['output'];
}>;

export type InaccessibleDirectiveArgs = { };

export type InaccessibleDirectiveResolver<Result, Parent, ContextType = LoyaltyContext, Args = InaccessibleDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type LinkDirectiveArgs = {
  import?: Maybe<Array<Maybe<Scalars['link__Import']['input']>>>;
  url: Scalars['String']['input'];
};

export type LinkDirectiveResolver<Result, Parent, ContextType = LoyaltyContext, Args = LinkDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type OverrideDirectiveArgs = {
  from: Scalars['String']['input'];
};

export type OverrideDirectiveResolver<Result, Parent, ContextType = LoyaltyContext, Args = OverrideDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ShareableDirectiveArgs = { };

export type ShareableDirectiveResolver<Result, Parent, ContextType = LoyaltyContext, Args = ShareableDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type BonusBalanceResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['BonusBalance'] = ResolversParentTypes['BonusBalance']> = ResolversObject<{
  active?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  pending?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  spent?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type BonusLotResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['BonusLot'] = ResolversParentTypes['BonusLot']> = ResolversObject<{
  activeFrom?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  amount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['BonusReason'], ParentType, ContextType>;
  remaining?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type BonusTransactionResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['BonusTransaction'] = ResolversParentTypes['BonusTransaction']> = ResolversObject<{
  amount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  occurredAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['BonusReason'], ParentType, ContextType>;
}>;

export type BonusTransactionConnectionResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['BonusTransactionConnection'] = ResolversParentTypes['BonusTransactionConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['BonusTransactionEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type BonusTransactionEdgeResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['BonusTransactionEdge'] = ResolversParentTypes['BonusTransactionEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['BonusTransaction'], ParentType, ContextType>;
}>;

export type CustomerResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['Customer'] = ResolversParentTypes['Customer'], FederationReferenceType extends FederationReferenceTypes['Customer'] = FederationReferenceTypes['Customer']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Customer']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  loyalty?: Resolver<Maybe<ResolversTypes['LoyaltyAccount']>, ParentType, ContextType>;
}>;

export type CustomerDifferenceResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['CustomerDifference'] = ResolversParentTypes['CustomerDifference']> = ResolversObject<{
  field?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  pendingSync?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  subject?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  values?: Resolver<Array<ResolversTypes['SystemValue']>, ParentType, ContextType>;
}>;

export type CustomerReconciliationResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['CustomerReconciliation'] = ResolversParentTypes['CustomerReconciliation']> = ResolversObject<{
  checked?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  differences?: Resolver<Array<ResolversTypes['CustomerDifference']>, ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export interface FieldSetScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['FieldSet'], any> {
  name: 'FieldSet';
}

export type LoyaltyAccountResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['LoyaltyAccount'] = ResolversParentTypes['LoyaltyAccount']> = ResolversObject<{
  balance?: Resolver<ResolversTypes['BonusBalance'], ParentType, ContextType>;
  cardNumber?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  expiring?: Resolver<Array<ResolversTypes['BonusLot']>, ParentType, ContextType, RequireFields<LoyaltyAccountExpiringArgs, 'withinDays'>>;
  purchasesTotal?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  tier?: Resolver<ResolversTypes['LoyaltyTier'], ParentType, ContextType>;
  transactions?: Resolver<ResolversTypes['BonusTransactionConnection'], ParentType, ContextType, RequireFields<LoyaltyAccountTransactionsArgs, 'first'>>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
}>;

export type LoyaltyTierResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['LoyaltyTier'] = ResolversParentTypes['LoyaltyTier']> = ResolversObject<{
  accrualPercent?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  maxSpendPercent?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  threshold?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type PageInfoResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type ReconciliationResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['Reconciliation'] = ResolversParentTypes['Reconciliation'], FederationReferenceType extends FederationReferenceTypes['Reconciliation'] = FederationReferenceTypes['Reconciliation']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Reconciliation']> | FederationReferenceType, FederationReferenceType, ContextType>;
  customers?: Resolver<ResolversTypes['CustomerReconciliation'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type SystemValueResolvers<ContextType = LoyaltyContext, ParentType extends ResolversParentTypes['SystemValue'] = ResolversParentTypes['SystemValue']> = ResolversObject<{
  system?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export interface Link__ImportScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['link__Import'], any> {
  name: 'link__Import';
}

export type Resolvers<ContextType = LoyaltyContext> = ResolversObject<{
  BonusBalance?: BonusBalanceResolvers<ContextType>;
  BonusLot?: BonusLotResolvers<ContextType>;
  BonusTransaction?: BonusTransactionResolvers<ContextType>;
  BonusTransactionConnection?: BonusTransactionConnectionResolvers<ContextType>;
  BonusTransactionEdge?: BonusTransactionEdgeResolvers<ContextType>;
  Customer?: CustomerResolvers<ContextType>;
  CustomerDifference?: CustomerDifferenceResolvers<ContextType>;
  CustomerReconciliation?: CustomerReconciliationResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  FieldSet?: GraphQLScalarType;
  LoyaltyAccount?: LoyaltyAccountResolvers<ContextType>;
  LoyaltyTier?: LoyaltyTierResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Reconciliation?: ReconciliationResolvers<ContextType>;
  SystemValue?: SystemValueResolvers<ContextType>;
  link__Import?: GraphQLScalarType;
}>;

export type DirectiveResolvers<ContextType = LoyaltyContext> = ResolversObject<{
  inaccessible?: InaccessibleDirectiveResolver<any, any, ContextType>;
  link?: LinkDirectiveResolver<any, any, ContextType>;
  override?: OverrideDirectiveResolver<any, any, ContextType>;
  shareable?: ShareableDirectiveResolver<any, any, ContextType>;
}>;
