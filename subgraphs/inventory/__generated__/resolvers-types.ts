import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Product as ProductModel, Offer as OfferModel, Warehouse as WarehouseModel } from '../inventory.model.js';
import type { StockFigures } from '../stock.repository.js';
import type { StockHold as StockHoldModel } from '../holds/stock-hold.service.js';
import type { SyncRunRow } from '../inventory.table.js';
import type { InventoryContext } from '../inventory.context.js';
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

export type Mutation = {
  __typename?: 'Mutation';
  /** Marks a hold as sold: its units stay taken until 1C reserves them. Service identity only. */
  commitStockHold: StockHold;
  /**
   * Holds units of every line of a cart, all or nothing, until `expiresAt`. The same key with the
   * same lines returns the same hold. For the order subgraph only (service identity); not in the
   * public API.
   */
  holdStock: StockHold;
  /** Gives the units of an active hold back. Service identity only. */
  releaseStockHold: StockHold;
  /** Starts a full catalog and stock sync from 1C now. Admin only. Returns the catalog run. */
  syncCatalog: SyncRun;
};


export type MutationCommitStockHoldArgs = {
  holdId: Scalars['ID']['input'];
};


export type MutationHoldStockArgs = {
  idempotencyKey: Scalars['String']['input'];
  lines: Array<StockHoldLineInput>;
  ttlSeconds: Scalars['Int']['input'];
};


export type MutationReleaseStockHoldArgs = {
  holdId: Scalars['ID']['input'];
};

/** One sellable variant of a product: a size and a colour (a 1C characteristic). */
export type Offer = {
  __typename?: 'Offer';
  /** Article of the product. */
  article: Scalars['String']['output'];
  /**
   * Units sellable now across all warehouses: the sum of every warehouse's `available`. For the
   * order subgraph's checkout only (service identity); not in the public API.
   */
  available: Scalars['Int']['output'];
  /** EAN-13 barcode, when 1C has one. */
  barcode?: Maybe<Scalars['String']['output']>;
  /** Colour, e.g. «чёрный». */
  colour?: Maybe<Scalars['String']['output']>;
  /** 1C reference of the characteristic (Ref_Key of Catalog_ХарактеристикиНоменклатуры). */
  id: Scalars['ID']['output'];
  /** True when some warehouse can sell at least one unit now (public: the storefront shows it). */
  inStock: Scalars['Boolean']['output'];
  /** Retail price in kopecks. */
  price?: Maybe<Scalars['Int']['output']>;
  /** The product this offer belongs to. */
  product: Product;
  /** Size, e.g. «46» or «38». */
  size?: Maybe<Scalars['String']['output']>;
  /**
   * Stock of this offer in every warehouse (or those of a city, or one warehouse). Signed-in
   * customers and staff only.
   */
  stock: Array<StockLevel>;
};


/** One sellable variant of a product: a size and a colour (a 1C characteristic). */
export type OfferStockArgs = {
  city?: InputMaybe<Scalars['String']['input']>;
  warehouseId?: InputMaybe<Scalars['ID']['input']>;
};

/** Cursor pagination state. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last item of this page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** True when more items follow this page. */
  hasNextPage: Scalars['Boolean']['output'];
};

/** A catalog item as 1C keeps it (one model of clothes or shoes), sold in offers by size and colour. */
export type Product = {
  __typename?: 'Product';
  /** Article (артикул). */
  article: Scalars['String']['output'];
  /** Brand. */
  brand?: Maybe<Scalars['String']['output']>;
  /** Category, e.g. «Платья». */
  category?: Maybe<Scalars['String']['output']>;
  /** 1C reference (Ref_Key of Catalog_Номенклатура). */
  id: Scalars['ID']['output'];
  /** Name shown to customers. */
  name: Scalars['String']['output'];
  /** The sizes and colours of this product, ordered by colour, then size. */
  offers: Array<Offer>;
};

/** A page of products. */
export type ProductConnection = {
  __typename?: 'ProductConnection';
  /** The products of this page, each with its cursor. */
  edges: Array<ProductEdge>;
  /** Where this page ends. */
  pageInfo: PageInfo;
};

/** One product in a page. */
export type ProductEdge = {
  __typename?: 'ProductEdge';
  /** Opaque cursor: pass it as `after` to read on. */
  cursor: Scalars['String']['output'];
  /** The product. */
  node: Product;
};

/** Filters of a product search; all given filters must hold. */
export type ProductFilter = {
  /** Exact brand. */
  brand?: InputMaybe<Scalars['String']['input']>;
  /** Exact category. */
  category?: InputMaybe<Scalars['String']['input']>;
  /** Has an offer in this colour. */
  colour?: InputMaybe<Scalars['String']['input']>;
  /** Has an offer available in this warehouse. */
  inStockAtWarehouse?: InputMaybe<Scalars['ID']['input']>;
  /** Has an offer available in a warehouse of this city. */
  inStockInCity?: InputMaybe<Scalars['String']['input']>;
  /** Has an offer in this size. */
  size?: InputMaybe<Scalars['String']['input']>;
  /** Words in the name, the article or the brand. */
  text?: InputMaybe<Scalars['String']['input']>;
};

export type Query = {
  __typename?: 'Query';
  /** The latest catalog and stock sync runs. Staff only. */
  inventorySyncRuns: Array<SyncRun>;
  /** An offer by id. */
  offer?: Maybe<Offer>;
  /** An offer by its barcode. */
  offerByBarcode?: Maybe<Offer>;
  /** A product by id. */
  product?: Maybe<Product>;
  /** A product by its article. */
  productByArticle?: Maybe<Product>;
  /** Products matching the filter, by name. */
  products: ProductConnection;
  /** All showrooms and warehouses. */
  warehouses: Array<Warehouse>;
};


export type QueryInventorySyncRunsArgs = {
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryOfferArgs = {
  id: Scalars['ID']['input'];
};


export type QueryOfferByBarcodeArgs = {
  barcode: Scalars['String']['input'];
};


export type QueryProductArgs = {
  id: Scalars['ID']['input'];
};


export type QueryProductByArticleArgs = {
  article: Scalars['String']['input'];
};


export type QueryProductsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ProductFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** Units held for a checkout. */
export type StockHold = {
  __typename?: 'StockHold';
  /** When an active hold lets its units go by itself. */
  expiresAt: Scalars['DateTime']['output'];
  /** Hold id. */
  id: Scalars['ID']['output'];
  /** What is held where. */
  lines: Array<StockHoldLine>;
  /** ACTIVE, COMMITTED, RELEASED or EXPIRED. */
  status: StockHoldStatus;
};

/** Units of one offer held in one warehouse. */
export type StockHoldLine = {
  __typename?: 'StockHoldLine';
  /** Offer id. */
  offerId: Scalars['ID']['output'];
  /** Units held. */
  quantity: Scalars['Int']['output'];
  /** Warehouse id. */
  warehouseId: Scalars['ID']['output'];
};

/** One line of a stock hold: an offer and how many units. */
export type StockHoldLineInput = {
  /** Offer id. */
  offerId: Scalars['ID']['input'];
  /** Units, 1–100. */
  quantity: Scalars['Int']['input'];
  /** Hold in this warehouse only; otherwise the online, central, then showroom warehouses are used in turn. */
  warehouseId?: InputMaybe<Scalars['ID']['input']>;
};

/** Life of a stock hold. */
export type StockHoldStatus =
  /** Units are held. */
  | 'ACTIVE'
  /** The sale went through; 1C now reserves the units. */
  | 'COMMITTED'
  /** Ran out of time. */
  | 'EXPIRED'
  /** Given back before it expired. */
  | 'RELEASED';

/** Stock of one offer in one warehouse. */
export type StockLevel = {
  __typename?: 'StockLevel';
  /** When these figures were read from 1C (the last successful stock sync). */
  asOf?: Maybe<Scalars['DateTime']['output']>;
  /** Units that can be sold now: in hand − reserved − held, never below zero. */
  available: Scalars['Int']['output'];
  /** Units held by checkouts in progress here. */
  held: Scalars['Int']['output'];
  /** Units in hand, as 1C reports them. */
  inHand: Scalars['Int']['output'];
  /** Units 1C has reserved for orders. */
  reserved: Scalars['Int']['output'];
  /** The warehouse. */
  warehouse: Warehouse;
};

/** What a sync run reads. */
export type SyncKind =
  /** Products, offers, prices, barcodes and warehouses. */
  | 'CATALOG'
  /** Free stock per offer per warehouse. */
  | 'STOCK';

/** A run of the catalog or stock sync from 1C. */
export type SyncRun = {
  __typename?: 'SyncRun';
  /** Why it failed. */
  error?: Maybe<Scalars['String']['output']>;
  /** When the run ended. */
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Run id. */
  id: Scalars['ID']['output'];
  /** CATALOG (products, offers, prices, barcodes, warehouses) or STOCK. */
  kind: SyncKind;
  /** What the run is reading now: warehouses, products, offers, prices, barcodes or stock. */
  phase: Scalars['String']['output'];
  /** Rows read from 1C so far. */
  rowsRead: Scalars['Int']['output'];
  /** When the run started. */
  startedAt: Scalars['DateTime']['output'];
  /** RUNNING, SUCCEEDED or FAILED. */
  status: SyncStatus;
};

/** State of a sync run. */
export type SyncStatus =
  /** Stopped by an error; the read model still shows the previous run's data. */
  | 'FAILED'
  /** Reading from 1C. */
  | 'RUNNING'
  /** Done; the read model now shows this run's data. */
  | 'SUCCEEDED';

/** A showroom or warehouse. */
export type Warehouse = {
  __typename?: 'Warehouse';
  /** Street address. */
  address?: Maybe<Scalars['String']['output']>;
  /** City. */
  city?: Maybe<Scalars['String']['output']>;
  /** 1C reference (Ref_Key of Catalog_Склады). */
  id: Scalars['ID']['output'];
  /** Showroom, central or online warehouse. */
  kind: WarehouseKind;
  /** Name, e.g. «Шоурум на Тверской». */
  name: Scalars['String']['output'];
};

/** Where stock is kept. */
export type WarehouseKind =
  /** The central warehouse. */
  | 'CENTRAL'
  /** The warehouse that serves online orders. */
  | 'ONLINE'
  /** A showroom: customers try on and buy on the spot. */
  | 'SHOWROOM';

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
  Offer: Offer;
  Product: Product;
  Warehouse: Warehouse;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Offer:
    ( { __typename: 'Offer' }
    & GraphQLRecursivePick<FederationTypes['Offer'], {"id":true}> );
  Product:
    ( { __typename: 'Product' }
    & GraphQLRecursivePick<FederationTypes['Product'], {"id":true}> );
  Warehouse:
    ( { __typename: 'Warehouse' }
    & GraphQLRecursivePick<FederationTypes['Warehouse'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  FieldSet: ResolverTypeWrapper<Scalars['FieldSet']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Offer: ResolverTypeWrapper<OfferModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Product: ResolverTypeWrapper<ProductModel>;
  ProductConnection: ResolverTypeWrapper<Omit<ProductConnection, 'edges'> & { edges: Array<ResolversTypes['ProductEdge']> }>;
  ProductEdge: ResolverTypeWrapper<Omit<ProductEdge, 'node'> & { node: ResolversTypes['Product'] }>;
  ProductFilter: ProductFilter;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  StockHold: ResolverTypeWrapper<StockHoldModel>;
  StockHoldLine: ResolverTypeWrapper<StockHoldLine>;
  StockHoldLineInput: StockHoldLineInput;
  StockHoldStatus: StockHoldStatus;
  StockLevel: ResolverTypeWrapper<StockFigures>;
  SyncKind: SyncKind;
  SyncRun: ResolverTypeWrapper<SyncRunRow>;
  SyncStatus: SyncStatus;
  Warehouse: ResolverTypeWrapper<WarehouseModel>;
  WarehouseKind: WarehouseKind;
  link__Import: ResolverTypeWrapper<Scalars['link__Import']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  DateTime: Scalars['DateTime']['output'];
  FieldSet: Scalars['FieldSet']['output'];
  Mutation: Record<PropertyKey, never>;
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Offer: OfferModel;
  Boolean: Scalars['Boolean']['output'];
  PageInfo: PageInfo;
  Product: ProductModel;
  ProductConnection: Omit<ProductConnection, 'edges'> & { edges: Array<ResolversParentTypes['ProductEdge']> };
  ProductEdge: Omit<ProductEdge, 'node'> & { node: ResolversParentTypes['Product'] };
  ProductFilter: ProductFilter;
  Query: Record<PropertyKey, never>;
  StockHold: StockHoldModel;
  StockHoldLine: StockHoldLine;
  StockHoldLineInput: StockHoldLineInput;
  StockLevel: StockFigures;
  SyncRun: SyncRunRow;
  Warehouse: WarehouseModel;
  link__Import: Scalars['link__Import']['output'];
  String: Scalars['String']['output'];
}>;

export type InaccessibleDirectiveArgs = { };

export type InaccessibleDirectiveResolver<Result, Parent, ContextType = InventoryContext, Args = InaccessibleDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type LinkDirectiveArgs = {
  import?: Maybe<Array<Maybe<Scalars['link__Import']['input']>>>;
  url: Scalars['String']['input'];
};

export type LinkDirectiveResolver<Result, Parent, ContextType = InventoryContext, Args = LinkDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type OverrideDirectiveArgs = {
  from: Scalars['String']['input'];
};

export type OverrideDirectiveResolver<Result, Parent, ContextType = InventoryContext, Args = OverrideDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ShareableDirectiveArgs = { };

export type ShareableDirectiveResolver<Result, Parent, ContextType = InventoryContext, Args = ShareableDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export interface FieldSetScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['FieldSet'], any> {
  name: 'FieldSet';
}

export type MutationResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  commitStockHold?: Resolver<ResolversTypes['StockHold'], ParentType, ContextType, RequireFields<MutationCommitStockHoldArgs, 'holdId'>>;
  holdStock?: Resolver<ResolversTypes['StockHold'], ParentType, ContextType, RequireFields<MutationHoldStockArgs, 'idempotencyKey' | 'lines' | 'ttlSeconds'>>;
  releaseStockHold?: Resolver<ResolversTypes['StockHold'], ParentType, ContextType, RequireFields<MutationReleaseStockHoldArgs, 'holdId'>>;
  syncCatalog?: Resolver<ResolversTypes['SyncRun'], ParentType, ContextType>;
}>;

export type OfferResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Offer'] = ResolversParentTypes['Offer'], FederationReferenceType extends FederationReferenceTypes['Offer'] = FederationReferenceTypes['Offer']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Offer']> | FederationReferenceType, FederationReferenceType, ContextType>;
  article?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  barcode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  colour?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  inStock?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  price?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  product?: Resolver<ResolversTypes['Product'], ParentType, ContextType>;
  size?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  stock?: Resolver<Array<ResolversTypes['StockLevel']>, ParentType, ContextType, Partial<OfferStockArgs>>;
}>;

export type PageInfoResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type ProductResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product'], FederationReferenceType extends FederationReferenceTypes['Product'] = FederationReferenceTypes['Product']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Product']> | FederationReferenceType, FederationReferenceType, ContextType>;
  article?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  brand?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  category?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  offers?: Resolver<Array<ResolversTypes['Offer']>, ParentType, ContextType>;
}>;

export type ProductConnectionResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['ProductConnection'] = ResolversParentTypes['ProductConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['ProductEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type ProductEdgeResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['ProductEdge'] = ResolversParentTypes['ProductEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Product'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  inventorySyncRuns?: Resolver<Array<ResolversTypes['SyncRun']>, ParentType, ContextType, RequireFields<QueryInventorySyncRunsArgs, 'last'>>;
  offer?: Resolver<Maybe<ResolversTypes['Offer']>, ParentType, ContextType, RequireFields<QueryOfferArgs, 'id'>>;
  offerByBarcode?: Resolver<Maybe<ResolversTypes['Offer']>, ParentType, ContextType, RequireFields<QueryOfferByBarcodeArgs, 'barcode'>>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType, RequireFields<QueryProductArgs, 'id'>>;
  productByArticle?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType, RequireFields<QueryProductByArticleArgs, 'article'>>;
  products?: Resolver<ResolversTypes['ProductConnection'], ParentType, ContextType, RequireFields<QueryProductsArgs, 'first'>>;
  warehouses?: Resolver<Array<ResolversTypes['Warehouse']>, ParentType, ContextType>;
}>;

export type StockHoldResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['StockHold'] = ResolversParentTypes['StockHold']> = ResolversObject<{
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lines?: Resolver<Array<ResolversTypes['StockHoldLine']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['StockHoldStatus'], ParentType, ContextType>;
}>;

export type StockHoldLineResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['StockHoldLine'] = ResolversParentTypes['StockHoldLine']> = ResolversObject<{
  offerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  warehouseId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type StockLevelResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['StockLevel'] = ResolversParentTypes['StockLevel']> = ResolversObject<{
  asOf?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  held?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  inHand?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reserved?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  warehouse?: Resolver<ResolversTypes['Warehouse'], ParentType, ContextType>;
}>;

export type SyncRunResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['SyncRun'] = ResolversParentTypes['SyncRun']> = ResolversObject<{
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['SyncKind'], ParentType, ContextType>;
  phase?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  rowsRead?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  startedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['SyncStatus'], ParentType, ContextType>;
}>;

export type WarehouseResolvers<ContextType = InventoryContext, ParentType extends ResolversParentTypes['Warehouse'] = ResolversParentTypes['Warehouse'], FederationReferenceType extends FederationReferenceTypes['Warehouse'] = FederationReferenceTypes['Warehouse']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Warehouse']> | FederationReferenceType, FederationReferenceType, ContextType>;
  address?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  city?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['WarehouseKind'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export interface Link__ImportScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['link__Import'], any> {
  name: 'link__Import';
}

export type Resolvers<ContextType = InventoryContext> = ResolversObject<{
  DateTime?: GraphQLScalarType;
  FieldSet?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  Offer?: OfferResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Product?: ProductResolvers<ContextType>;
  ProductConnection?: ProductConnectionResolvers<ContextType>;
  ProductEdge?: ProductEdgeResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  StockHold?: StockHoldResolvers<ContextType>;
  StockHoldLine?: StockHoldLineResolvers<ContextType>;
  StockLevel?: StockLevelResolvers<ContextType>;
  SyncRun?: SyncRunResolvers<ContextType>;
  Warehouse?: WarehouseResolvers<ContextType>;
  link__Import?: GraphQLScalarType;
}>;

export type DirectiveResolvers<ContextType = InventoryContext> = ResolversObject<{
  inaccessible?: InaccessibleDirectiveResolver<any, any, ContextType>;
  link?: LinkDirectiveResolver<any, any, ContextType>;
  override?: OverrideDirectiveResolver<any, any, ContextType>;
  shareable?: ShareableDirectiveResolver<any, any, ContextType>;
}>;
