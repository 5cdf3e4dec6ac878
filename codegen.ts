import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';

// Typed resolvers per subgraph, from its own SDL. `npm run codegen:check` fails on drift.
const subgraph = (name: string, mappers: Record<string, string>): CodegenConfig['generates'][string] => ({
  schema: [`schema/${name}.graphql`, 'subgraphs/federation-directives.graphql'],
  plugins: ['typescript', 'typescript-resolvers'],
  config: {
    federation: true,
    useIndexSignature: true,
    contextType: `../${name}.context.js#${name[0]!.toUpperCase()}${name.slice(1)}Context`,
    mappers,
    scalars: { DateTime: 'Date | string' },
    enumsAsTypes: true,
    useTypeImports: true,
    avoidOptionals: false,
  },
});

// What clients see: the committed supergraph's API schema (no join directives, no @inaccessible fields).
const apiSchema = printSchema(Supergraph.build(readFileSync('schema/supergraph.graphql', 'utf8')).apiSchema().toGraphQLJSSchema());

const config: CodegenConfig = {
  overwrite: true,
  generates: {
    'subgraphs/customer/__generated__/resolvers-types.ts': subgraph('customer', {
      Customer: '../customer.model.js#Customer as CustomerModel',
      ShowroomImportRun: '../customer.table.js#ShowroomImportRunRow',
      ShowroomImportFailure: '../customer.table.js#ShowroomImportFailureRow',
    }),
    'subgraphs/loyalty/__generated__/resolvers-types.ts': subgraph('loyalty', {
      LoyaltyAccount: '../loyalty.model.js#LoyaltyAccount as LoyaltyAccountModel',
      LoyaltyTier: '../loyalty.model.js#LoyaltyTier as LoyaltyTierModel',
      BonusLot: '../loyalty.model.js#BonusLot as BonusLotModel',
      BonusTransaction: '../loyalty.model.js#BonusTransaction as BonusTransactionModel',
      Reconciliation: '../reconciliation/reconciliation.service.js#ReconciliationRef',
      CustomerReconciliation: '../reconciliation/reconciliation.service.js#CustomerReconciliation as CustomerReconciliationModel',
      CustomerDifference: '../reconciliation/reconciliation.service.js#CustomerDifference as CustomerDifferenceModel',
    }),
    'subgraphs/inventory/__generated__/resolvers-types.ts': subgraph('inventory', {
      Product: '../inventory.model.js#Product as ProductModel',
      Offer: '../inventory.model.js#Offer as OfferModel',
      Warehouse: '../inventory.model.js#Warehouse as WarehouseModel',
      StockLevel: '../stock.repository.js#StockFigures',
      StockHold: '../holds/stock-hold.service.js#StockHold as StockHoldModel',
      SyncRun: '../inventory.table.js#SyncRunRow',
    }),
    'subgraphs/order/__generated__/resolvers-types.ts': subgraph('order', {
      Customer: '../order.model.js#EntityRef',
      Offer: '../order.model.js#EntityRef',
      Warehouse: '../order.model.js#EntityRef',
      Order: '../order.model.js#Order as OrderModel',
      OneCOrder: '../order.model.js#OneCOrder as OneCOrderModel',
      OrderLine: '../order.model.js#OrderLine as OrderLineModel',
      Payment: '../order.model.js#Payment as PaymentModel',
      CheckoutQuote: '../checkout/checkout.service.js#Quote',
      QuoteLine: '../checkout/checkout.service.js#QuoteLine as QuoteLineModel',
      ReturnLine: '../returns/return.service.js#ReturnLine as ReturnLineModel',
      ReturnPreview: '../returns/return.service.js#ReturnPreview as ReturnPreviewModel',
      OrderReturn: '../returns/return.service.js#OrderReturn as OrderReturnModel',
      Reconciliation: '../order.model.js#EntityRef',
      ReconciliationSection: '../../../platform/reconciliation.js#ReconciliationSection as ReconciliationSectionModel',
      ReconciliationDifference: '../../../platform/reconciliation.js#Difference',
    }),
    // The clients' operations (clients/**/*.graphql), typed, and their sha256 hashes: the
    // persisted-documents.json is the production safelist the gateway enforces.
    'clients/__generated__/': {
      schema: apiSchema,
      documents: ['clients/**/*.graphql'],
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: {
          mode: 'embedHashInDocument',
          // Bare hex, as Apollo's persisted-query extension sends it (the preset's 'sha256' adds a prefix).
          hashAlgorithm: (document: string) => createHash('sha256').update(document).digest('hex'),
        },
      },
      config: { enumsAsTypes: true, useTypeImports: true, scalars: { DateTime: 'string' } },
    },
  },
};

export default config;
