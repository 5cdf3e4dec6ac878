import { encodeCursor } from '../../platform/cursor.js';
import { badInput, forbidden, unauthenticated } from '../../platform/errors.js';
import { runAsBackground } from '../../platform/http/upstream-budget.js';
import { canSee, requireSelfOrStaff, requireStaff, type Identity } from '../../platform/identity.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { cancelOrder } from './cancel/cancel.service.js';
import { calculationVersion, quoteCart, type Calculating } from './checkout/checkout.service.js';
import { retryOneCPosting } from './onec/onec-exchange.service.js';
import type { OrderContext } from './order.context.js';
import { isVisible, lineFromRow, orderFromRow } from './order.model.js';
import { recordPayment } from './payment/payment.service.js';
import { placeOrder } from './placement/place-order.service.js';
import { reconcileOrders } from './reconciliation/reconciliation.service.js';
import { previewReturn, returnOrderLines } from './returns/return.service.js';

const MAX_PAGE = 100;

/** Whose quote it is: the caller's own, a customer named by staff, or nobody (anonymous). */
function quotingCustomer(identity: Identity, customerId: string | null | undefined): string | undefined {
  if (identity.kind === 'customer') {
    if (customerId && customerId !== identity.customerId) throw forbidden('A customer quotes only for themselves');
    return identity.customerId;
  }
  if (identity.kind === 'staff') return customerId ?? undefined;
  if (customerId) throw unauthenticated('Sign in to quote for a customer');
  return undefined;
}

/** The phone and bonus version a quote is calculated for; none for nobody, or a customer without a phone. */
async function quotingFor(ctx: OrderContext, customerId: string | null | undefined): Promise<Calculating | null> {
  const id = quotingCustomer(ctx.identity, customerId);
  if (!id) return null;
  const read = async () => (await ctx.deps.customers.customer(id))?.phone ?? null;
  const [phone, version] = await Promise.all([ctx.deps.calculations?.phoneOf(id, read) ?? read(), calculationVersion(ctx.deps, id)]);
  return phone ? { phone, version } : null;
}

function visibleOrder(ctx: OrderContext, row: Awaited<ReturnType<OrderContext['orderById']['load']>>) {
  if (!row || !isVisible(row)) return null;
  if (!canSee(ctx.identity, row.customer_id)) {
    if (ctx.identity.kind === 'anonymous') throw unauthenticated();
    return null; // another customer's order is as good as absent
  }
  return orderFromRow(row);
}

export const orderResolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    checkoutQuote: (_p, { cart, bonusesToSpend, customerId }, ctx) => quoteCart(ctx.deps, () => quotingFor(ctx, customerId), cart, bonusesToSpend),
    returnPreview: (_p, { orderId, lines }, ctx) => previewReturn(ctx.deps, ctx.identity, orderId, lines),
    reconciliation: (_p, _a, ctx) => {
      requireStaff(ctx.identity, 'admin');
      return { id: new Date().toISOString() };
    },
    order: async (_p, { id }, ctx) => {
      if (id.length > 100) throw badInput('Malformed id');
      if (ctx.identity.kind === 'anonymous') throw unauthenticated();
      return visibleOrder(ctx, await ctx.orderById.load(id));
    },
  },
  Mutation: {
    // The lines it wrote are the answer's: Order.lines reads nothing more.
    placeOrder: async (_p, { input }, ctx) => ({ order: await placeOrder(ctx.deps, ctx.identity, input, { lines: (id, rows) => ctx.linesByOrder.prime(id, rows.map(lineFromRow)) }) }),
    cancelOrder: async (_p, { input }, ctx) => ({ order: await cancelOrder(ctx.deps, ctx.identity, input) }),
    recordPayment: async (_p, { input }, ctx) => ({ order: await recordPayment(ctx.deps, ctx.references, ctx.identity, input) }),
    returnOrderLines: (_p, { input }, ctx) => returnOrderLines(ctx.deps, ctx.identity, input),
    retryOneCPosting: async (_p, { input }, ctx) => {
      requireStaff(ctx.identity, 'manager', 'admin');
      await retryOneCPosting(ctx.deps, input.orderId);
      // retryOneCPosting has found the order, visible; staff see every order.
      return { order: orderFromRow((await ctx.orderById.clear(input.orderId).load(input.orderId))!) };
    },
  },
  Customer: {
    __resolveReference: (reference) => ({ id: reference.id }),
    orders: async (customer, { first, after }, ctx) => {
      requireSelfOrStaff(ctx.identity, customer.id);
      if (first < 1 || first > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`);
      const page = await ctx.ordersPage.load({ customerId: customer.id, first, after: after ?? null });
      // A first page brings its customer's counts with it; a later page's are read (once per request).
      const counts = await ctx.countsByCustomer.load(customer.id);
      const edges = page.rows.map((row) => ({ cursor: encodeCursor((row.created_at as Date).toISOString(), row.id), node: orderFromRow(row) }));
      return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: counts.total };
    },
    buyoutRate: async (customer, _a, ctx) => {
      requireStaff(ctx.identity);
      const { total, boughtOut, refused } = await ctx.countsByCustomer.load(customer.id);
      const finished = boughtOut + refused;
      return { boughtOut, refused, inProgress: total - finished, rate: finished === 0 ? null : boughtOut / finished };
    },
  },
  Order: {
    __resolveReference: async (reference, ctx) => visibleOrder(ctx, await ctx.orderById.load(reference.id)),
    customer: (order) => ({ id: order.customerId }),
    lines: (order, _a, ctx) => ctx.linesByOrder.load(order.id),
    payments: (order, _a, ctx) => ctx.paymentsByOrder.load(order.id),
    returns: (order, _a, ctx) => ctx.returnsByOrder.load(order.id),
    oneCOrders: (order, _a, ctx) => {
      requireStaff(ctx.identity);
      return ctx.oneCOrdersByOrder.load(order.id);
    },
  },
  OneCOrder: {
    warehouse: (document) => ({ id: document.warehouseId }),
  },
  Reconciliation: {
    __resolveReference: (reference, ctx) => {
      requireStaff(ctx.identity, 'admin');
      return { id: reference.id };
    },
    orders: (_r, _a, ctx) => {
      requireStaff(ctx.identity, 'admin');
      // It pages through every order in both systems: a checkout must not queue behind it.
      return runAsBackground(() => reconcileOrders(ctx.deps, ctx.references));
    },
  },
  ReturnLine: {
    offer: (line) => ({ id: line.offerId }),
  },
  OrderLine: {
    offer: (line) => ({ id: line.offerId }),
  },
  QuoteLine: {
    offer: (line) => ({ id: line.offerId }),
  },
};
