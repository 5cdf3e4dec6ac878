import type { GraphQLResolveInfo } from 'graphql';
import type { Kysely } from 'kysely';
import { decodeCursor, encodeCursor } from '../../platform/cursor.js';
import { badInput, notFound, unauthenticated } from '../../platform/errors.js';
import { requireService, requireStaff } from '../../platform/identity.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import { fieldsAskedOf } from '../../platform/selection.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { findOfferByBarcode, findProductByArticle, listWarehouses, searchProducts } from './catalog.repository.js';
import type { InventoryContext } from './inventory.context.js';
import { offerFromRow, productFromRow, warehouseFromRow } from './inventory.model.js';
import type { InventoryDb } from './inventory.table.js';
import { availableOf, type StockFigures } from './stock.repository.js';
import { commitStockHold, holdStock, releaseStockHold } from './holds/stock-hold.service.js';
import { listRuns } from './sync/sync-run.repository.js';

const MAX_PAGE = 100;
const STOCK_FIELDS = ['stock', 'available', 'inStock'];
const asksForStock = (info: GraphQLResolveInfo) => STOCK_FIELDS.some((field) => fieldsAskedOf(info, 'Offer').has(field));
const MAX_TEXT = 100;

const db = (ctx: InventoryContext) => ctx.deps.db as Kysely<InventoryDb>;

function text(name: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (value.length > MAX_TEXT) throw badInput(`${name} must be at most ${MAX_TEXT} characters`);
  return value.trim() || null;
}

function id(value: string): string {
  if (value.length === 0 || value.length > 100) throw badInput('Malformed id');
  return value;
}

/** `answer` of the offer's stock: at once when this request read it already, else once it is read. */
function whenStock<T>(ctx: InventoryContext, offerId: string, answer: (figures: StockFigures[]) => T): T | Promise<T> {
  const known = ctx.known.stockOf(offerId);
  return known ? answer(known) : ctx.stockByOffer.load(offerId).then(answer);
}

/** An offer's stock only in the warehouse or city asked for. */
async function stockIn(ctx: InventoryContext, offerId: string, warehouseId?: string | null, city?: string | null) {
  const figures = await ctx.stockByOffer.load(offerId);
  const warehouses = await ctx.warehouseById.loadMany(figures.map((f) => f.warehouseId));
  return figures.filter((_figure, i) => {
    const w = warehouses[i];
    return !(w instanceof Error) && w && (!warehouseId || w.id === warehouseId) && (!city || w.city === city);
  });
}

async function warehouseOf(ctx: InventoryContext, id: string) {
  const warehouse = await ctx.warehouseById.load(id);
  if (!warehouse) throw notFound('Unknown warehouse');
  return warehouse;
}

export const inventoryResolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    product: async (_p, args, ctx) => (await ctx.productById.load(id(args.id))) ?? null,
    productByArticle: async (_p, { article }, ctx) => {
      const found = await findProductByArticle(db(ctx), text('article', article) ?? '');
      if (!found) return null;
      // Its offers came with it: Product.offers reads nothing more.
      ctx.offersByProduct.prime(found.product.id, found.offers.map(offerFromRow));
      return productFromRow(found.product);
    },
    offer: async (_p, args, ctx) => (await ctx.offerById.load(id(args.id))) ?? null,
    offerByBarcode: async (_p, { barcode }, ctx) => {
      if (!/^\d{8,14}$/.test(barcode)) throw badInput('A barcode is 8 to 14 digits');
      const row = await findOfferByBarcode(db(ctx), barcode);
      return row ? offerFromRow(row) : null;
    },
    products: async (_p, { filter, first, after }, ctx) => {
      if (first < 1 || first > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`);
      const cursor = after ? (decodeCursor(after, 2) as [string, string]) : undefined;
      const page = await searchProducts(db(ctx), {
        text: text('text', filter?.text),
        brand: text('brand', filter?.brand),
        category: text('category', filter?.category),
        size: text('size', filter?.size),
        colour: text('colour', filter?.colour),
        inStockAtWarehouse: text('inStockAtWarehouse', filter?.inStockAtWarehouse),
        inStockInCity: text('inStockInCity', filter?.inStockInCity),
        first,
        after: cursor ? { name: cursor[0], id: cursor[1] } : undefined,
      });
      const edges = page.rows.map((row) => ({ cursor: encodeCursor(row.name, row.id), node: productFromRow(row) }));
      return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
    },
    warehouses: async (_p, _a, ctx) => (await listWarehouses(db(ctx))).map(warehouseFromRow),
    inventorySyncRuns: async (_p, { last }, ctx) => {
      requireStaff(ctx.identity);
      if (last < 1 || last > 100) throw badInput('last must be between 1 and 100');
      return listRuns(db(ctx), last);
    },
  },
  Mutation: {
    syncCatalog: async (_p, _a, ctx) => {
      requireStaff(ctx.identity, 'admin');
      return ctx.deps.startCatalogSync();
    },
    holdStock: async (_p, args, ctx) => {
      requireService(ctx.identity);
      return holdStock(ctx.deps.db, args);
    },
    releaseStockHold: async (_p, { holdId }, ctx) => {
      requireService(ctx.identity);
      return releaseStockHold(ctx.deps.db, holdId);
    },
    commitStockHold: async (_p, { holdId }, ctx) => {
      requireService(ctx.identity);
      return commitStockHold(ctx.deps.db, holdId);
    },
  },
  Product: {
    __resolveReference: async (ref, ctx) => (await ctx.productById.load(ref.id)) ?? null,
    offers: (product, _a, ctx) => ctx.offersByProduct.load(product.id),
  },
  Offer: {
    // A caller that asks for the offers' stock (a checkout, a stock screen) gets offers and stock in one statement.
    __resolveReference: async (ref, ctx, info) => (await (asksForStock(info) ? ctx.offerWithStockById : ctx.offerById).load(ref.id)) ?? null,
    product: async (offer, _a, ctx) => {
      const product = await ctx.productById.load(offer.productId);
      if (!product) throw notFound('The offer has no product');
      return product;
    },
    inStock: (offer, _a, ctx) => whenStock(ctx, offer.id, (figures) => figures.some((f) => availableOf(f) > 0)),
    available: (offer, _a, ctx) => {
      requireService(ctx.identity);
      return whenStock(ctx, offer.id, (figures) => figures.reduce((sum, f) => sum + availableOf(f), 0));
    },
    stock: (offer, { warehouseId, city }, ctx) => {
      if (ctx.identity.kind === 'anonymous') throw unauthenticated('Sign in to see stock by warehouse');
      // Read with the offer (a checkout's `_entities`): answered as it is, without a promise.
      if (!warehouseId && !city) return whenStock(ctx, offer.id, (figures) => figures);
      return stockIn(ctx, offer.id, warehouseId, city);
    },
  },
  Warehouse: {
    __resolveReference: async (ref, ctx) => (await ctx.warehouseById.load(ref.id)) ?? null,
  },
  StockLevel: {
    warehouse: (figures, _a, ctx) => ctx.known.warehouse(figures.warehouseId) ?? warehouseOf(ctx, figures.warehouseId),
    available: (figures) => availableOf(figures),
    asOf: (_f, _a, ctx) => ctx.stockAsOf(),
  },
  SyncRun: {
    id: (run) => String(run.id),
    rowsRead: (run) => run.rows_read,
    startedAt: (run) => run.started_at,
    finishedAt: (run) => run.finished_at,
  },
  StockHold: {},
};
