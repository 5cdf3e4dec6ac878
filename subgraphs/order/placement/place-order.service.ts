import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { BonusPlusRetailError, type BpCalculation } from '../../../connectors/bonusplus/bonusplus.port.js';
import type { CrmOrderInput } from '../../../connectors/retailcrm/retailcrm-orders.port.js';
import { AppError, badInput, forbidden, isUniqueViolation, notFound, unauthenticated } from '../../../platform/errors.js';
import { runIfBudgetFree } from '../../../platform/http/upstream-budget.js';
import { UpstreamBusyError, UpstreamUnavailableError } from '../../../platform/http/upstream-client.js';
import { idempotencyKeySchema, withIdempotency } from '../../../platform/idempotency.js';
import { isStaff, type Identity } from '../../../platform/identity.js';
import { enqueue, PermanentFailure, writeAndEnqueue } from '../../../platform/outbox.js';
import { customerCreateInCrmKey } from '../../../contracts/customer-in-crm.message.js';
import { loyaltyRefreshMessage } from '../../../contracts/loyalty-refresh.message.js';
import { askCalculation, bonusesSchema, calculate, calculationVersion, debitError, invalid, priceCart, rememberedCalculation, saleItemsOfLines, withBonuses, type CartInput } from '../checkout/checkout.service.js';
import type { OrderCustomer } from '../graph-services.js';
import type { OrderDeps } from '../order.deps.js';
import { createInCrmMessage, crmStatusMessage, ORDER_TOPICS, releaseHoldsMessage, releaseLateReserveMessage } from '../order.messages.js';
import { orderFromRow, type Order } from '../order.model.js';
import { findOrderByKey, findOrderWithLines, insertOrder, linesOfOrders, orderUpdate, recordCrmCreation, setEarnedBonuses, updateOrder } from '../order.repository.js';
import type { OrderDb, OrderLineRow, OrderRow } from '../order.table.js';

const of = (executor: Kysely<any>) => executor as Kysely<OrderDb>;
import { releaseOrderHolds } from './order-holds.service.js';
import { pendingBonusesOf, queuePendingBonuses } from '../pending-bonuses.service.js';

export interface PlaceOrderInput {
  readonly idempotencyKey: string;
  readonly cart: CartInput;
  readonly bonusesToSpend?: number | null;
  readonly customerId?: string | null;
  readonly deliveryAddress?: string | null;
  readonly comment?: string | null;
}

const inputSchema = z.object({
  idempotencyKey: idempotencyKeySchema,
  bonusesToSpend: bonusesSchema,
  deliveryAddress: z.string().max(500, 'must be at most 500 characters').nullable(),
  comment: z.string().max(1000, 'must be at most 1000 characters').nullable(),
});

/** Whose order this is: a customer orders for themselves; staff name the customer. */
export function orderingCustomer(identity: Identity, customerId: string | null | undefined): string {
  if (identity.kind === 'anonymous') throw unauthenticated('Sign in to place an order');
  if (identity.kind === 'customer') {
    if (customerId && customerId !== identity.customerId) throw forbidden('A customer orders only for themselves');
    return identity.customerId;
  }
  if (!isStaff(identity)) throw forbidden();
  if (!customerId) throw badInput('Staff must name the customer', { fields: { customerId: 'is required for staff' } });
  return customerId;
}

/**
 * Places an order (F4, R5–R7, R14): the cart priced from the inventory and calculated by BonusPlus,
 * then a stock hold and a bonus reserve with one expiry (what must be held now, R18), then PLACED
 * with the message that takes it to RetailCRM (`createOrderInCrm`). Any failure on the way gives
 * back whatever was held before the error reaches the caller; the same idempotency key returns the
 * same order (or error).
 */
export async function placeOrder(deps: OrderDeps, identity: Identity, input: PlaceOrderInput, seen?: PlacementSeen): Promise<Order> {
  const customerId = orderingCustomer(identity, input.customerId);
  const parsed = inputSchema.safeParse({
    idempotencyKey: input.idempotencyKey,
    bonusesToSpend: input.bonusesToSpend ?? 0,
    deliveryAddress: input.deliveryAddress?.trim() || null,
    comment: input.comment?.trim() || null,
  });
  if (!parsed.success) throw invalid('order', parsed.error);
  const { idempotencyKey, ...rest } = parsed.data;
  const request = { customerId, cart: input.cart, ...rest };
  const key = `${customerId}:${idempotencyKey}`;
  // The key's claim lasts a minute, or less where placements are taken for abandoned sooner: once
  // the recovery may undo a placement, a retry of its key may take it over too.
  const leaseMs = Math.min(60_000, deps.settings.placementTimeoutMs);
  return withIdempotency(deps.db, { scope: 'order.place', key, input: request, leaseMs }, async ({ resumed }) => {
    // Only a claim taken over from a process that died can find its order begun.
    const begun = resumed ? await findOrderByKey(deps.db, key) : undefined;
    const started: Started = begun ? { order: begun } : await startPlacement(deps, key, request);
    // Placed already (or under this key before its claim was forgotten): the same order.
    if (started.order.state !== 'PENDING') return orderFromRow(started.order);
    // A PENDING order is new, or a placement whose process died: carried on.
    const lines = started.lines ?? (await linesOfOrders(deps.db, [started.order.id]));
    const placed = orderFromRow(await finishPlacement(deps, started.order, lines, started.customer));
    seen?.lines?.(placed.id, lines);
    return placed;
  });
}

type Started = { order: OrderRow; lines?: OrderLineRow[]; customer?: OrderCustomer };

/** What a placement read or wrote that its caller may show without reading it again. */
export interface PlacementSeen {
  lines?(orderId: string, lines: readonly OrderLineRow[]): void;
}

type PlacementRequest = { customerId: string; cart: CartInput; bonusesToSpend: number; deliveryAddress: string | null; comment: string | null };

/** Checks the cart and the bonuses before anything is held, and records the order as PENDING. */
async function startPlacement(deps: OrderDeps, key: string, request: PlacementRequest): Promise<Started> {
  const customer = await deps.customers.customer(request.customerId);
  if (!customer) throw notFound('No such customer');
  const lines = await priceCart(deps, request.cart);
  const short = lines.filter((l) => l.available < l.quantity);
  if (short.length > 0) throw outOfStock(short.map((l) => ({ offerId: l.offerId, requested: l.quantity, available: l.available })));

  let calc: BpCalculation | undefined;
  let figuresPending = false;
  if (customer.phone) {
    const who = { phone: customer.phone, version: await calculationVersion(deps, customer.id) };
    try {
      // An order that spends bonuses needs BonusPlus's word on caps and multiples now (R5), and waits
      // for it. One that spends none needs only an estimate of what it earns: the checkout's own
      // calculation if remembered, else BonusPlus if it has a request to spare this moment; else the
      // estimate is asked in the background, and placement never queues behind BonusPlus's limit.
      calc = request.bonusesToSpend > 0 ? await calculate(deps, who, lines, request.bonusesToSpend) : (rememberedCalculation(deps, who, lines, 0) ?? (await runIfBudgetFree(() => calculate(deps, who, lines, 0))));
    } catch (error) {
      // Without the loyalty program an order may still go through, but never one that spends bonuses (R18).
      if (!(error instanceof UpstreamUnavailableError) || request.bonusesToSpend > 0) throw mapUpstream(error);
      figuresPending = true;
      if (!(error instanceof UpstreamBusyError)) deps.logger.warn({ customerId: customer.id }, 'BonusPlus unavailable: order placed without bonus figures');
    }
  }
  if (request.bonusesToSpend > 0) {
    if (!calc) throw new AppError('INSUFFICIENT_BONUSES', 'The customer has no bonuses to spend', { requested: request.bonusesToSpend });
    if (calc.debitProblem) throw debitError(calc.debitProblem, { requested: request.bonusesToSpend, maxBonusesToSpend: calc.maxDebitBonuses, bonusMultiple: calc.debitMultiple });
  }

  const id = randomUUID();
  const rows = withBonuses(lines, calc).map((l) => ({
    order_id: id,
    line_no: l.lineNo,
    crm_item_id: null,
    offer_id: l.offerId,
    product_id: l.productId,
    product_name: l.productName,
    quantity: l.quantity,
    price: l.price,
    discount: 0,
    bonuses_spent: l.bonusesSpent,
    bonuses_earned: l.bonusesEarned,
    total: l.total,
  }));
  const itemsTotal = lines.reduce((s, l) => s + l.sum, 0);
  const spent = rows.reduce((s, l) => s + l.bonuses_spent, 0);
  let inserted: { order: OrderRow; lines: OrderLineRow[] };
  try {
    inserted = await insertOrder(
      deps.db,
      {
        id,
        origin: 'graph',
        customer_id: customer.id,
        phone: customer.phone,
        crm_id: null,
        number: null,
        idempotency_key: key,
        request_hash: null,
        state: 'PENDING',
        crm_status: null,
        crm_status_group: null,
        items_total: itemsTotal,
        bonuses_spent: spent,
        bonuses_earned: rows.reduce((s, l) => s + l.bonuses_earned, 0),
        total: itemsTotal - spent * 100,
        fully_paid_at: null,
        sale_registered_at: null,
        stock_hold_id: null,
        stock_hold_lines: null,
        hold_expires_at: null,
        delivery_address: request.deliveryAddress,
        comment: request.comment,
        failure: null,
        crm_created_at: null,
        bonus_figures_pending: figuresPending,
      },
      rows,
    );
  } catch (error) {
    // The key's claim is kept for a day; an order under the key lives on: the same order.
    const earlier = isUniqueViolation(error) ? await findOrderByKey(deps.db, key) : undefined;
    if (!earlier) throw error;
    return { order: earlier };
  }
  return { ...inserted, customer };
}

/**
 * Holds stock, then bonuses, and records the order PLACED with the message that creates it in
 * RetailCRM; undoes the holds on a failure. RetailCRM is not called here: its 10 requests a second
 * for the whole retailer must not bound how fast orders are taken, and its outage refuses nothing.
 */
async function finishPlacement(deps: OrderDeps, start: OrderRow, lines: readonly OrderLineRow[], customer?: OrderCustomer): Promise<OrderRow> {
  let order = start;
  // A reserve sent whose answer has not come: BonusPlus may apply it whatever happens here.
  let reserveUnanswered = false;
  try {
    const hold = await deps.inventory.holdStock(order.id, lines.map((l) => ({ offerId: l.offer_id, quantity: l.quantity })), deps.settings.holdTtlSeconds);
    // Recorded with the next write of the order. Until then a failure finds the hold by its key (the order's id: `releaseOrderHolds`).
    const held = { stock_hold_id: hold.id, stock_hold_lines: JSON.stringify(hold.lines), hold_expires_at: new Date(hold.expiresAt) };

    if (order.bonuses_spent > 0) {
      // Written before the call: whatever happens next, compensation knows a reserve may exist.
      order = await advance(deps, order, { ...held, bonus_hold: 'HELD' });
      reserveUnanswered = true;
      await reserveBonuses(deps, order);
      reserveUnanswered = false;
    }

    // PLACED with its messages, in one statement; only from PENDING (a recovery may have failed it meanwhile).
    const patch = { ...held, state: 'PLACED', crm_status_group: 'new' } as const;
    const pending = pendingBonusesOf({ ...order, ...patch }, lines);
    const placed = await writeAndEnqueue<OrderRow>(deps.db, orderUpdate(deps.db, order.id, patch, ['PENDING'])!, [
      // A customer who signed up a moment ago may not be in RetailCRM yet: the order follows them there.
      // One already there travels with the message: the relay need not ask the customer subgraph again.
      { ...createInCrmMessage(order.id, customer), ...(customer && !customer.retailCrmId ? { after: customerCreateInCrmKey(customer.id) } : {}) },
      ...(order.bonuses_spent > 0 && order.phone ? [loyaltyRefreshMessage(order.phone)] : []),
      ...(pending ? [pending] : []),
    ]);
    if (!placed) throw placementUndone(order.id);
    return placed;
  } catch (error) {
    if (error instanceof PlacementUndone && order.bonus_hold === 'HELD') {
      // The recovery gave back what was held when it looked; our reserve may have landed after
      // that: marked held again, it is given back again (inline, and by the outbox until it is).
      await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
        await updateOrder(trx, order.id, { bonus_hold: 'HELD' });
        // Its own key: the recovery's release of this order is already in the outbox, done.
        await enqueue(trx, { ...releaseHoldsMessage(order.id), dedupeKey: `${ORDER_TOPICS.releaseHolds}:${order.id}:late-reserve` });
      });
    }
    // Even a refusal may answer the connector's retry of an attempt that timed out and lands later.
    await failPlacement(deps, order.id, error, { reserveMayLand: reserveUnanswered });
    throw mapUpstream(error);
  }
}

/** Why a placed order cannot reach RetailCRM yet: retried by the outbox, not an operator's problem. */
export class CustomerNotInCrmYet extends Error {
  /** Waits on the customer's own way to RetailCRM: the outbox tries again, and never gives up on it. */
  readonly transient = true;
  constructor(customerId: string) {
    super(`customer ${customerId} is not in RetailCRM yet; the order follows once it is`);
  }
}

/**
 * Creates a placed order in RetailCRM (the outbox's `order.create-in-crm`, or inline when a payment
 * needs it there now), discounted per line by the bonuses spent (R6), under our id as externalId, so
 * a repeat after a lost reply finds the first. Waits (by failing, to be retried) until the customer
 * is in RetailCRM, so the order is filed under them. An order cancelled or expired before it got
 * there is not created; one that ended while it was being created is cancelled there at once.
 * `known`: the customer as the placement found them, when RetailCRM already had them (else asked).
 */
export async function createOrderInCrm(deps: OrderDeps, orderId: string, known?: OrderCustomer): Promise<OrderRow | undefined> {
  const found = await findOrderWithLines(deps.db, orderId);
  let order = found?.order;
  if (!order || order.origin !== 'graph') return order;
  if (order.crm_id === null) {
    if (order.state === 'PENDING' || order.state === 'FAILED' || order.state === 'CANCELLED' || order.state === 'EXPIRED') return order;
    const customer = known?.retailCrmId && known.id === order.customer_id ? known : await deps.customers.customer(order.customer_id);
    if (!customer) throw new PermanentFailure(`order ${order.id}: customer ${order.customer_id} is unknown`);
    if (!customer.retailCrmId) throw new CustomerNotInCrmYet(customer.id);
    if (order.bonus_figures_pending) await estimateEarnedBonuses(deps, order);
    const lines = order.bonus_figures_pending ? await linesOfOrders(deps.db, [order.id]) : found!.lines;
    const { order: crmOrder } = await deps.crm.createOrder(crmOrderInput(order, lines, customer));
    // What RetailCRM made of it, recorded now: the history sync passes over the echo of its creation.
    order = await recordCrmCreation(deps.db, order.id, {
      crmId: crmOrder.id,
      number: crmOrder.number,
      status: crmOrder.status,
      createdAt: new Date(crmOrder.createdAt),
      total: crmOrder.totalSummKopecks,
      deliveryCost: crmOrder.totalSummKopecks - crmOrder.summKopecks,
      items: crmOrder.items,
    });
    if (!order) return order;
  }
  // Ended while it was being created (now, or by an earlier try that stopped before this): cancelled
  // there too, the dedupe key keeping one. One RetailCRM shows cancelled already (a manager's reason) is left as it is.
  if ((order.state === 'CANCELLED' || order.state === 'EXPIRED') && order.crm_status_group !== 'cancel') await enqueue(deps.db, crmStatusMessage({ orderId: order.id, status: 'cancel-other' }));
  return order;
}

/**
 * What an order placed without BonusPlus's estimate earns, asked now (before RetailCRM gets the
 * order with its lines' figures), once: recorded with the pending bonuses it tells the loyalty side.
 * BonusPlus still unreachable or the customer not in the program: the order goes on without, and
 * its sale fixes the figures (`registerSale`).
 */
async function estimateEarnedBonuses(deps: OrderDeps, order: OrderRow): Promise<void> {
  const lines = await linesOfOrders(deps.db, [order.id]);
  let calc: BpCalculation | undefined;
  try {
    if (order.phone) calc = await askCalculation(deps, { phone: order.phone, items: saleItemsOfLines(lines), bonusDebit: 0 });
  } catch (error) {
    if (!(error instanceof UpstreamUnavailableError)) throw error;
    deps.logger.warn({ orderId: order.id }, 'BonusPlus unavailable: the order goes to RetailCRM without its earned bonuses; its sale fixes them');
    return;
  }
  await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
    const still = await of(trx).selectFrom('ordering.orders').select(['bonus_figures_pending', 'sale_figures_at']).where('id', '=', order.id).forUpdate().executeTakeFirst();
    if (!still?.bonus_figures_pending || still.sale_figures_at) return;
    await setEarnedBonuses(trx, order.id, lines, new Map((calc?.lines ?? []).map((l) => [Number(l.ext), l.earned])), { bonus_figures_pending: false });
    await queuePendingBonuses(trx, order.id);
  });
}

async function advance(deps: OrderDeps, order: OrderRow, patch: Parameters<typeof updateOrder>[2]): Promise<OrderRow> {
  const next = await updateOrder(deps.db, order.id, patch, ['PENDING']);
  if (!next) throw placementUndone(order.id);
  return next;
}

/**
 * The recovery of abandoned placements undid this one while it was carried on (a retry of the key
 * after its first process died, racing the recovery). Nothing of it stands; the same key places the
 * order anew, so it is a moment's trouble for the caller, not an internal error.
 */
class PlacementUndone extends AppError {
  constructor(orderId: string) {
    super('UPSTREAM_UNAVAILABLE', `The placement of order ${orderId} was interrupted and undone; try again with the same key`);
  }
}
const placementUndone = (orderId: string) => new PlacementUndone(orderId);

async function reserveBonuses(deps: OrderDeps, order: OrderRow): Promise<void> {
  try {
    await deps.bonusPlus.reserve(order.phone!, order.id, order.bonuses_spent);
  } catch (error) {
    if (error instanceof BonusPlusRetailError) {
      if (error.code === 'NOT_ENOUGH_BONUSES' || error.code === 'BONUS_DEBIT_ABOVE_MAX' || error.code === 'BONUS_DEBIT_NOT_MULTIPLE') {
        throw debitError(error.code, { requested: order.bonuses_spent });
      }
      if (error.code === 'CUSTOMER_NOT_FOUND') throw new AppError('INSUFFICIENT_BONUSES', 'The customer has no bonuses to spend', { requested: order.bonuses_spent });
    }
    throw error;
  }
}

/** What a failing placement cannot be sure of. */
export interface PlacementDoubts {
  /** RetailCRM may have created the order before failing to answer. */
  readonly crmMayHaveIt?: boolean;
  /** A bonus reserve was sent and never answered: it may still land at BonusPlus. */
  readonly reserveMayLand?: boolean;
}

/**
 * Marks the order FAILED and gives back its holds, in that order: the message that releases them
 * is committed with the state, so a release that fails now (an upstream down) is retried by the
 * outbox. When RetailCRM may have created the order before failing to answer, it is cancelled there
 * too (by externalId; absent means nothing to do). A reserve that may still land is given back
 * again once it must have (`ORDER_LATE_RESERVE_RELEASE_SECONDS`).
 */
export async function failPlacement(deps: OrderDeps, orderId: string, reason: unknown, doubts: PlacementDoubts = {}): Promise<void> {
  await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
    const failed = await updateOrder(trx, orderId, { state: 'FAILED', failure: reason instanceof Error ? reason.message.slice(0, 500) : String(reason) }, ['PENDING']);
    if (!failed) return;
    await enqueue(trx, [
      releaseHoldsMessage(orderId),
      ...(doubts.reserveMayLand ? [releaseLateReserveMessage(orderId, new Date(Date.now() + deps.settings.lateReserveReleaseSeconds * 1000))] : []),
      ...(doubts.crmMayHaveIt ? [crmStatusMessage({ orderId, status: 'cancel-other', ifExists: true })] : []),
    ]);
  });
  try {
    await releaseOrderHolds(deps, orderId);
  } catch (error) {
    deps.logger.warn({ orderId, error: error instanceof Error ? error.message : String(error) }, 'holds of a failed order not released yet; the outbox will retry');
  }
}

function outOfStock(lines: { offerId: string; requested: number; available: number }[]): AppError {
  return new AppError('OUT_OF_STOCK', 'Not enough stock for this cart', { lines });
}

/** Upstream trouble as the client sees it; our own typed errors pass through. */
function mapUpstream(error: unknown): unknown {
  if (error instanceof UpstreamUnavailableError) {
    const system = { retailcrm: 'RetailCRM', bonusplus: 'The loyalty program', onec: '1C' }[error.system];
    return new AppError('UPSTREAM_UNAVAILABLE', `${system} is unavailable; nothing was ordered or held. Try again shortly`);
  }
  return error;
}

/** The order as RetailCRM gets it: every line discounted by the bonuses spent on it (R6), earning what it earns. */
export function crmOrderInput(order: OrderRow, lines: readonly OrderLineRow[], customer: OrderCustomer): CrmOrderInput {
  return {
    externalId: order.id,
    status: 'new',
    customer: customer.retailCrmId ? { id: customer.retailCrmId } : { externalId: customer.id },
    ...(customer.firstName ? { firstName: customer.firstName } : {}),
    ...(customer.lastName ? { lastName: customer.lastName } : {}),
    ...(customer.phone ? { phone: customer.phone } : {}),
    ...(customer.email ? { email: customer.email } : {}),
    items: lines.map((l) => ({
      offer: { xmlId: l.offer_id },
      productName: l.product_name,
      quantity: l.quantity,
      initialPriceKopecks: l.price,
      bonusesChargeTotal: l.bonuses_spent,
      bonusesCreditTotal: l.bonuses_earned,
    })),
  };
}
