import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Customer as CustomerModel } from '../customer.model.js';
import type { ShowroomImportRunRow, ShowroomImportFailureRow } from '../customer.table.js';
import type { CustomerContext } from '../customer.context.js';
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

/** One id among an audited call's arguments. */
export type AuditArgumentId = {
  __typename?: 'AuditArgumentId';
  /** Its path in the arguments, e.g. `input.orderId` or `input.lines[0].lineId`. */
  name: Scalars['String']['output'];
  /** The id. */
  value: Scalars['String']['output'];
};

/** One staff action, or one refused attempt at a staff-only action, as recorded when it was answered. */
export type AuditEntry = {
  __typename?: 'AuditEntry';
  /** The staff member's token subject, the customer's id, the service's name; null for anonymous. */
  actor?: Maybe<Scalars['String']['output']>;
  /** Who called: `staff`, `customer`, `anonymous` or `service`. */
  actorKind: Scalars['String']['output'];
  /** The ids among its arguments, by path (`input.orderId`); no other argument is kept. */
  argumentIds: Array<AuditArgumentId>;
  /** When it was recorded. */
  at: Scalars['DateTime']['output'];
  /** The entry's id; later entries have greater ids. */
  id: Scalars['ID']['output'];
  /** The root field (`recordPayment`, `cancelOrder`, `syncCatalog`, `reconciliation`, ...). */
  operation: Scalars['String']['output'];
  /** The request it was part of: the `x-request-id` the gateway answered, and on every log line of it. */
  requestId: Scalars['String']['output'];
  /** `ok`, or the error code the caller got (`FORBIDDEN`, `ORDER_NOT_CANCELLABLE`, ...). */
  result: Scalars['String']['output'];
  /** The staff roles the caller's token carried (empty for anyone else). */
  roles: Array<Scalars['String']['output']>;
  /** The subgraph that ran it. */
  subgraph: Scalars['String']['output'];
};

/** A page of the audit trail. */
export type AuditEntryConnection = {
  __typename?: 'AuditEntryConnection';
  /** The entries of this page, newest first, each with its cursor. */
  edges: Array<AuditEntryEdge>;
  /** Where this page ends. */
  pageInfo: PageInfo;
};

/** One entry in a page of the audit trail. */
export type AuditEntryEdge = {
  __typename?: 'AuditEntryEdge';
  /** Opaque cursor: pass it as `after` to read on (older entries). */
  cursor: Scalars['String']['output'];
  /** The entry. */
  node: AuditEntry;
};

/**
 * A person who buys from the retailer. The phone number is the identity: one phone, one customer,
 * in every system.
 */
export type Customer = {
  __typename?: 'Customer';
  /** When the customer first appeared in RetailCRM. */
  createdAt: Scalars['DateTime']['output'];
  /** E-mail address, if given. */
  email?: Maybe<Scalars['String']['output']>;
  /**
   * Ids of this customer in the systems of record. Staff only: null with a FORBIDDEN error for
   * anyone else, so that selecting it never costs a caller the rest of the answer (a registration's).
   */
  externalIds?: Maybe<CustomerExternalIds>;
  /** Given name. */
  firstName?: Maybe<Scalars['String']['output']>;
  /** Our id for the customer: their RetailCRM externalId and the `sub` of their token. */
  id: Scalars['ID']['output'];
  /** Family name. */
  lastName?: Maybe<Scalars['String']['output']>;
  /** Patronymic. */
  patronymic?: Maybe<Scalars['String']['output']>;
  /** Phone in E.164 (+79161234567). Null only for CRM records that never had one. */
  phone?: Maybe<Scalars['String']['output']>;
};

/** A page of customers. */
export type CustomerConnection = {
  __typename?: 'CustomerConnection';
  /** The customers of this page, each with its cursor. */
  edges: Array<CustomerEdge>;
  /** Where this page ends. */
  pageInfo: PageInfo;
  /** How many customers match the search in all. */
  totalCount: Scalars['Int']['output'];
};

/** One customer in a page. */
export type CustomerEdge = {
  __typename?: 'CustomerEdge';
  /** Opaque cursor: pass it as `after` to read on. */
  cursor: Scalars['String']['output'];
  /** The customer. */
  node: Customer;
};

/** Where the same customer lives in each system of record (the identity map). */
export type CustomerExternalIds = {
  __typename?: 'CustomerExternalIds';
  /** BonusPlus customer id, once enrolled in the loyalty program. */
  bonusPlusId?: Maybe<Scalars['Int']['output']>;
  /** 1C counterparty GUID, once known to 1C. */
  oneCGuid?: Maybe<Scalars['String']['output']>;
  /** RetailCRM internal id. */
  retailCrmId?: Maybe<Scalars['Int']['output']>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Imports showroom customers (known to BonusPlus only) into RetailCRM now, matched by phone:
   * starts a run, continues an unfinished one, or joins the one in progress, and returns it at once
   * (follow it with `showroomImportRuns`). Running it again creates nothing new. Admin only.
   */
  importShowroomCustomers: ShowroomImportRun;
  /**
   * Registers a customer by phone: creates them in RetailCRM and queues loyalty enrolment. A phone
   * that is already known (here or in RetailCRM) is CUSTOMER_ALREADY_EXISTS; no second customer is
   * ever created. Open to anonymous callers (site sign-up) and staff.
   */
  registerCustomer: RegisterCustomerPayload;
};


export type MutationRegisterCustomerArgs = {
  input: RegisterCustomerInput;
};

/** Cursor pagination state. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last item of this page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** True when more items follow this page. */
  hasNextPage: Scalars['Boolean']['output'];
};

export type Query = {
  __typename?: 'Query';
  /**
   * The audit trail, newest first: every mutation run by staff (and every reconciliation run), and
   * every refused attempt at a staff-only one, whoever made it. `actor` and `operation` narrow it to
   * one caller (staff id, customer id) or one field (`recordPayment`). Admin only.
   */
  auditTrail: AuditEntryConnection;
  /** A customer by id. Staff, or the customer themselves. */
  customer?: Maybe<Customer>;
  /** A customer by phone in any usual form. Staff only. */
  customerByPhone?: Maybe<Customer>;
  /** Customers whose name, phone or e-mail matches `search`, newest first. Staff only. */
  customers: CustomerConnection;
  /** The calling customer (customer tokens only). */
  me?: Maybe<Customer>;
  /** The latest showroom import runs with their progress, newest first. Staff only. */
  showroomImportRuns: Array<ShowroomImportRun>;
};


export type QueryAuditTrailArgs = {
  actor?: InputMaybe<Scalars['String']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  operation?: InputMaybe<Scalars['String']['input']>;
};


export type QueryCustomerArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCustomerByPhoneArgs = {
  phone: Scalars['String']['input'];
};


export type QueryCustomersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};


export type QueryShowroomImportRunsArgs = {
  last?: InputMaybe<Scalars['Int']['input']>;
};

/** What a new customer tells us when signing up. */
export type RegisterCustomerInput = {
  /** E-mail address (up to 254 characters). */
  email?: InputMaybe<Scalars['String']['input']>;
  /** Given name (1–100 characters). */
  firstName: Scalars['String']['input'];
  /** Family name (up to 100 characters). */
  lastName?: InputMaybe<Scalars['String']['input']>;
  /** Patronymic (up to 100 characters). */
  patronymic?: InputMaybe<Scalars['String']['input']>;
  /** Phone in any usual Russian form: +7 912 345-67-89, 89123456789, 9123456789. */
  phone: Scalars['String']['input'];
};

/** The result of a registration. */
export type RegisterCustomerPayload = {
  __typename?: 'RegisterCustomerPayload';
  /** The new customer, already in RetailCRM; loyalty enrolment follows within seconds. */
  customer: Customer;
};

/** A BonusPlus customer a showroom import could not import. */
export type ShowroomImportFailure = {
  __typename?: 'ShowroomImportFailure';
  /** BonusPlus customer id. */
  bonusPlusId: Scalars['Int']['output'];
  /** The phone as BonusPlus has it. */
  phone: Scalars['String']['output'];
  /** What went wrong. */
  reason: Scalars['String']['output'];
};

/**
 * A run of the showroom import: BonusPlus customers that RetailCRM does not have (showroom buyers)
 * created in RetailCRM, once each, matched by phone.
 */
export type ShowroomImportRun = {
  __typename?: 'ShowroomImportRun';
  /** Customers whose phone the graph or RetailCRM already had: nothing created. */
  alreadyKnown: Scalars['Int']['output'];
  /** BonusPlus customers looked at so far: imported + alreadyKnown + failed. */
  customersRead: Scalars['Int']['output'];
  /** Why it failed. */
  error?: Maybe<Scalars['String']['output']>;
  /** Customers this run could not import (see `failures`); a later run tries them again. */
  failed: Scalars['Int']['output'];
  /** The customers it could not import, and why (the first `first`, at most 100). */
  failures: Array<ShowroomImportFailure>;
  /** When the run ended (succeeded, failed or stopped). */
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Run id. */
  id: Scalars['ID']['output'];
  /** Customers created in RetailCRM by this run. */
  imported: Scalars['Int']['output'];
  /** The BonusPlus row (1-based, in BonusPlus id order) the run reads next. */
  nextRow: Scalars['Int']['output'];
  /** When the run started. */
  startedAt: Scalars['DateTime']['output'];
  /** RUNNING, SUCCEEDED, FAILED (an upstream outage) or STOPPED (a shutdown); the next start continues a FAILED or STOPPED run. */
  status: ShowroomImportStatus;
  /** When the run last wrote progress. */
  updatedAt: Scalars['DateTime']['output'];
};


/**
 * A run of the showroom import: BonusPlus customers that RetailCRM does not have (showroom buyers)
 * created in RetailCRM, once each, matched by phone.
 */
export type ShowroomImportRunFailuresArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** State of a showroom import run. */
export type ShowroomImportStatus =
  /** Stopped by an outage of RetailCRM or BonusPlus; the next start continues it. */
  | 'FAILED'
  /** Importing. */
  | 'RUNNING'
  /** Stopped by a shutdown of the service; the next start continues it. */
  | 'STOPPED'
  /** Every BonusPlus customer was looked at. */
  | 'SUCCEEDED';

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
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Customer:
    ( { __typename: 'Customer' }
    & GraphQLRecursivePick<FederationTypes['Customer'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  AuditArgumentId: ResolverTypeWrapper<AuditArgumentId>;
  AuditEntry: ResolverTypeWrapper<AuditEntry>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  AuditEntryConnection: ResolverTypeWrapper<AuditEntryConnection>;
  AuditEntryEdge: ResolverTypeWrapper<AuditEntryEdge>;
  Customer: ResolverTypeWrapper<CustomerModel>;
  CustomerConnection: ResolverTypeWrapper<Omit<CustomerConnection, 'edges'> & { edges: Array<ResolversTypes['CustomerEdge']> }>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  CustomerEdge: ResolverTypeWrapper<Omit<CustomerEdge, 'node'> & { node: ResolversTypes['Customer'] }>;
  CustomerExternalIds: ResolverTypeWrapper<CustomerExternalIds>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  FieldSet: ResolverTypeWrapper<Scalars['FieldSet']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RegisterCustomerInput: RegisterCustomerInput;
  RegisterCustomerPayload: ResolverTypeWrapper<Omit<RegisterCustomerPayload, 'customer'> & { customer: ResolversTypes['Customer'] }>;
  ShowroomImportFailure: ResolverTypeWrapper<ShowroomImportFailureRow>;
  ShowroomImportRun: ResolverTypeWrapper<ShowroomImportRunRow>;
  ShowroomImportStatus: ShowroomImportStatus;
  link__Import: ResolverTypeWrapper<Scalars['link__Import']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  AuditArgumentId: AuditArgumentId;
  AuditEntry: AuditEntry;
  ID: Scalars['ID']['output'];
  AuditEntryConnection: AuditEntryConnection;
  AuditEntryEdge: AuditEntryEdge;
  Customer: CustomerModel;
  CustomerConnection: Omit<CustomerConnection, 'edges'> & { edges: Array<ResolversParentTypes['CustomerEdge']> };
  Int: Scalars['Int']['output'];
  CustomerEdge: Omit<CustomerEdge, 'node'> & { node: ResolversParentTypes['Customer'] };
  CustomerExternalIds: CustomerExternalIds;
  DateTime: Scalars['DateTime']['output'];
  FieldSet: Scalars['FieldSet']['output'];
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  Boolean: Scalars['Boolean']['output'];
  Query: Record<PropertyKey, never>;
  RegisterCustomerInput: RegisterCustomerInput;
  RegisterCustomerPayload: Omit<RegisterCustomerPayload, 'customer'> & { customer: ResolversParentTypes['Customer'] };
  ShowroomImportFailure: ShowroomImportFailureRow;
  ShowroomImportRun: ShowroomImportRunRow;
  link__Import: Scalars['link__Import']['output'];
  String: Scalars['String']['output'];
}>;

export type InaccessibleDirectiveArgs = { };

export type InaccessibleDirectiveResolver<Result, Parent, ContextType = CustomerContext, Args = InaccessibleDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type LinkDirectiveArgs = {
  import?: Maybe<Array<Maybe<Scalars['link__Import']['input']>>>;
  url: Scalars['String']['input'];
};

export type LinkDirectiveResolver<Result, Parent, ContextType = CustomerContext, Args = LinkDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type OverrideDirectiveArgs = {
  from: Scalars['String']['input'];
};

export type OverrideDirectiveResolver<Result, Parent, ContextType = CustomerContext, Args = OverrideDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ShareableDirectiveArgs = { };

export type ShareableDirectiveResolver<Result, Parent, ContextType = CustomerContext, Args = ShareableDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type AuditArgumentIdResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['AuditArgumentId'] = ResolversParentTypes['AuditArgumentId']> = ResolversObject<{
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type AuditEntryResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['AuditEntry'] = ResolversParentTypes['AuditEntry']> = ResolversObject<{
  actor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  actorKind?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  argumentIds?: Resolver<Array<ResolversTypes['AuditArgumentId']>, ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  operation?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  requestId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  result?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  roles?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  subgraph?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type AuditEntryConnectionResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['AuditEntryConnection'] = ResolversParentTypes['AuditEntryConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['AuditEntryEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type AuditEntryEdgeResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['AuditEntryEdge'] = ResolversParentTypes['AuditEntryEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['AuditEntry'], ParentType, ContextType>;
}>;

export type CustomerResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['Customer'] = ResolversParentTypes['Customer'], FederationReferenceType extends FederationReferenceTypes['Customer'] = FederationReferenceTypes['Customer']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Customer']> | FederationReferenceType, FederationReferenceType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  externalIds?: Resolver<Maybe<ResolversTypes['CustomerExternalIds']>, ParentType, ContextType>;
  firstName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  patronymic?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  phone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type CustomerConnectionResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['CustomerConnection'] = ResolversParentTypes['CustomerConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['CustomerEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type CustomerEdgeResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['CustomerEdge'] = ResolversParentTypes['CustomerEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Customer'], ParentType, ContextType>;
}>;

export type CustomerExternalIdsResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['CustomerExternalIds'] = ResolversParentTypes['CustomerExternalIds']> = ResolversObject<{
  bonusPlusId?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  oneCGuid?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  retailCrmId?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export interface FieldSetScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['FieldSet'], any> {
  name: 'FieldSet';
}

export type MutationResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  importShowroomCustomers?: Resolver<ResolversTypes['ShowroomImportRun'], ParentType, ContextType>;
  registerCustomer?: Resolver<ResolversTypes['RegisterCustomerPayload'], ParentType, ContextType, RequireFields<MutationRegisterCustomerArgs, 'input'>>;
}>;

export type PageInfoResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  auditTrail?: Resolver<ResolversTypes['AuditEntryConnection'], ParentType, ContextType, RequireFields<QueryAuditTrailArgs, 'first'>>;
  customer?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType, RequireFields<QueryCustomerArgs, 'id'>>;
  customerByPhone?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType, RequireFields<QueryCustomerByPhoneArgs, 'phone'>>;
  customers?: Resolver<ResolversTypes['CustomerConnection'], ParentType, ContextType, RequireFields<QueryCustomersArgs, 'first'>>;
  me?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType>;
  showroomImportRuns?: Resolver<Array<ResolversTypes['ShowroomImportRun']>, ParentType, ContextType, RequireFields<QueryShowroomImportRunsArgs, 'last'>>;
}>;

export type RegisterCustomerPayloadResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['RegisterCustomerPayload'] = ResolversParentTypes['RegisterCustomerPayload']> = ResolversObject<{
  customer?: Resolver<ResolversTypes['Customer'], ParentType, ContextType>;
}>;

export type ShowroomImportFailureResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['ShowroomImportFailure'] = ResolversParentTypes['ShowroomImportFailure']> = ResolversObject<{
  bonusPlusId?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  phone?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type ShowroomImportRunResolvers<ContextType = CustomerContext, ParentType extends ResolversParentTypes['ShowroomImportRun'] = ResolversParentTypes['ShowroomImportRun']> = ResolversObject<{
  alreadyKnown?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  customersRead?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  failed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  failures?: Resolver<Array<ResolversTypes['ShowroomImportFailure']>, ParentType, ContextType, RequireFields<ShowroomImportRunFailuresArgs, 'first'>>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  imported?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  nextRow?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  startedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['ShowroomImportStatus'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
}>;

export interface Link__ImportScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['link__Import'], any> {
  name: 'link__Import';
}

export type Resolvers<ContextType = CustomerContext> = ResolversObject<{
  AuditArgumentId?: AuditArgumentIdResolvers<ContextType>;
  AuditEntry?: AuditEntryResolvers<ContextType>;
  AuditEntryConnection?: AuditEntryConnectionResolvers<ContextType>;
  AuditEntryEdge?: AuditEntryEdgeResolvers<ContextType>;
  Customer?: CustomerResolvers<ContextType>;
  CustomerConnection?: CustomerConnectionResolvers<ContextType>;
  CustomerEdge?: CustomerEdgeResolvers<ContextType>;
  CustomerExternalIds?: CustomerExternalIdsResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  FieldSet?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  RegisterCustomerPayload?: RegisterCustomerPayloadResolvers<ContextType>;
  ShowroomImportFailure?: ShowroomImportFailureResolvers<ContextType>;
  ShowroomImportRun?: ShowroomImportRunResolvers<ContextType>;
  link__Import?: GraphQLScalarType;
}>;

export type DirectiveResolvers<ContextType = CustomerContext> = ResolversObject<{
  inaccessible?: InaccessibleDirectiveResolver<any, any, ContextType>;
  link?: LinkDirectiveResolver<any, any, ContextType>;
  override?: OverrideDirectiveResolver<any, any, ContextType>;
  shareable?: ShareableDirectiveResolver<any, any, ContextType>;
}>;
