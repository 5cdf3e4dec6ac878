import { print, type DocumentNode } from 'graphql';
import { CatalogueDocument, ProductPageDocument, StockByArticleDocument } from '../clients/__generated__/graphql.js';
import { createOneCClient } from '../connectors/onec/onec.client.js';
import { createOneCEmulator, oneCEmulatorSchema } from '../emulators/onec/onec.emulator.js';
import { DEMO_SCALE_PRODUCTS, demoProduct } from '../emulators/seed/demo-catalog.js';
import { migrateAll } from '../platform/db/migrate.js';
import { IDENTITY_HEADER, signInternalIdentity } from '../platform/identity.js';
import { createLogger } from '../platform/logger.js';
import { platformSchema } from '../platform/platform.migrations.js';
import { startSubgraph } from '../platform/subgraph-server.js';
import { buildInventorySubgraph } from '../subgraphs/inventory/inventory.subgraph.js';
import { runInventorySync } from '../subgraphs/inventory/sync/inventory-sync.service.js';
import { inventorySchema } from '../subgraphs/inventory/inventory.migrations.js';
import { oneCCatalogSource } from '../subgraphs/inventory/sync/onec-catalog-source.js';
import { createTestDatabase } from '../test/support/test-database.js';
import { catalogSize } from './scale-data.js';
import { formatLatency, measureSequential, printTable } from './sequential-latency.js';

/**
 * Inventory on the scale set: seeds 1C with DEMO_SCALE_PRODUCTS products (100k+ offers × 7
 * warehouses), times a full catalog sync and a stock sync through the real connector, then the
 * latency of the inventory subgraph's queries. Prints figures; asserts nothing.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:inventory [-- products]
 */
const products = Number(process.argv[2] ?? DEMO_SCALE_PRODUCTS);
const REQUESTS = 200;
const logger = createLogger('bench', 'silent');
const secret = 'bench-secret-that-is-long-enough-0123456789';

const database = await createTestDatabase();
const db = database.db;
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const rows: string[][] = [];
try {
  await migrateAll(db, [platformSchema, inventorySchema, oneCEmulatorSchema]);
  const emulator = createOneCEmulator({ db, users: [{ login: 'bench', password: 'bench' }] });
  let started = performance.now();
  await emulator.seed({ products });
  rows.push(['1C seed (emulator, not ours)', `${products} products`, `${seconds(performance.now() - started)} s`]);
  const server = await emulator.start(0);
  const client = createOneCClient({ baseUrl: `${server.url}/trade`, login: 'bench', password: 'bench', timeoutMs: 60_000 });
  const source = oneCCatalogSource(client, { onlineWarehouse: 'Интернет-магазин' });

  started = performance.now();
  const catalog = await runInventorySync({ db, source, logger, pageSize: 1000 }, 'CATALOG');
  const { offers, cells } = await catalogSize(db);
  rows.push(['full catalog sync (1C → read model)', `${offers} offers, ${cells} stock cells, ${catalog.rows_read} rows, ${client.upstream.requestCount} requests`, `${seconds(performance.now() - started)} s`]);
  await emulator.simulateStockChanges({ count: 500, seed: 1 });
  started = performance.now();
  const stock = await runInventorySync({ db, source, logger, pageSize: 1000 }, 'STOCK');
  rows.push(['stock sync', `${stock.rows_read} rows`, `${seconds(performance.now() - started)} s`]);

  const subgraph = await startSubgraph(buildInventorySubgraph({ db, logger, startCatalogSync: async () => catalog }), { port: 0, identitySecret: secret });
  const post = async (query: string | DocumentNode, variables: Record<string, unknown>) => {
    // Signed per request, as the gateway does (the identity lives two minutes).
    const staff = await signInternalIdentity({ kind: 'staff', staffId: 'bench', roles: ['manager'] }, secret);
    const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: staff }, body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables }) });
    const body = (await res.json()) as { errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  };
  const latency = async (name: string, query: string | DocumentNode, variablesOf: (i: number) => Record<string, unknown>) => {
    const figures = await measureSequential({ warmup: 20, requests: REQUESTS }, async (i) => () => post(query, variablesOf(i)));
    rows.push([`query: ${name}`, `${REQUESTS} sequential requests`, formatLatency(figures)]);
    console.error(rows.at(-1)!.join(' | '));
  };
  const pick = (i: number) => demoProduct((i * 7919) % products);
  // The clients' documents: every field of them is the inventory subgraph's own.
  await latency('product page (product by article)', ProductPageDocument, (i) => ({ article: pick(i).article }));
  await latency('call-centre stock by article (every offer × warehouse)', StockByArticleDocument, (i) => ({ article: pick(i).article }));
  await latency('catalogue: size + in stock in a city, 20 per page', CatalogueDocument, (i) => ({ filter: { size: ['44', '46', '48', 'M', '38'][i % 5], inStockInCity: 'Москва' }, first: 20 }));
  // No client's screen sends these: a lookup by barcode, and a wide query made to show the stock loader's batching.
  await latency('offer by barcode', `query($b: String!) { offerByBarcode(barcode: $b) { id inStock price } }`, (i) => ({ b: pick(i).offers[0]!.barcode }));
  await latency('stock of 100 offers', `query($f: ProductFilter) { products(filter: $f, first: 25) { edges { node { offers { inStock stock { available } } } } } }`, (i) => ({ f: { category: pick(i).category.name } }));
  await subgraph.close();
  await client.close();
  await server.close();
} finally {
  await database.close();
}
printTable(`inventory on ${products} products (${database.url ? 'Postgres' : 'PGlite'}), ${new Date().toISOString().slice(0, 10)}`, ['what', 'size', 'figure'], rows);
