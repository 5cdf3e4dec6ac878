import type { Kysely } from 'kysely';
import type { OneCOrderDraft, OneCOrderLineDraft, OneCOrderStateChange } from '../../../connectors/onec/onec-orders.port.js';
import { OneCApiError } from '../../../connectors/onec/onec.port.js';
import { AppError, badInput, notFound } from '../../../platform/errors.js';
import { UpstreamUnavailableError } from '../../../platform/http/upstream-client.js';
import { enqueue, PermanentFailure } from '../../../platform/outbox.js';
import { markSyncFailure, readCursor, saveCursor } from '../../../platform/sync-cursor.js';
import type { OrderDeps } from '../order.deps.js';
import { oneCPartyOf, type CustomerParty } from './onec-party.service.js';
import { crmStatusMessage } from '../order.messages.js';
import { fulfilmentStep, isVisible, type OneCOrder } from '../order.model.js';
import { findOrder, linesOfOrders, oneCOrdersOf, saveOneCOrder, updateOrder } from '../order.repository.js';
import type { HeldStockLine, OneCOrderRow, OrderDb, OrderLineRow, OrderRow, OrderState } from '../order.table.js';

/**
 * The order exchange with 1C (F8, R15, F6): an approved order becomes one customer order per
 * warehouse its goods are held in, posted so that 1C reserves them; a cancelled order closes them;
 * 1C's shipped and delivered states come back and move the order forward.
 *
 * Every step is keyed so that the outbox may run it again after a crash at any point: the row in
 * `ordering.onec_orders` is written (without a ref) before 1C is asked to create anything, the
 * create is found again by its external number, posting and closing are idempotent in 1C.
 */

export const ONEC_ORDER_STATES_CURSOR = 'order.onec.order-states';

/** The 1C row state we write when 1C refuses to post (not enough free stock): a manager resolves it. */
export const POSTING_REFUSED = 'POSTING_REFUSED';

/** RetailCRM status codes set when 1C reports the goods on their way, and handed over. */
export const CRM_STATUS_OF: Readonly<Partial<Record<OrderState, string>>> = { SHIPPED: 'send-to-delivery', DELIVERED: 'complete' };

/** States in which an order's goods belong in 1C: approved, or moved on by RetailCRM before the exchange ran. */
const SENDABLE: ReadonlySet<OrderState> = new Set(['APPROVED', 'SHIPPED', 'DELIVERED']);
const ENDED: ReadonlySet<OrderState> = new Set(['CANCELLED', 'EXPIRED']);


/**
 * How far one 1C order has gone: `returned` counts as shipped only (a refusal at the door and a
 * return after delivery look the same in the state register; returns are the return flow's).
 */
const REACHED: Readonly<Record<string, number>> = { shipped: 1, returned: 1, delivered: 2 };

/** The demo base runs in Moscow (UTC+3 all year); 1C's dates carry no zone. */
const ONEC_UTC_OFFSET_MS = 3 * 3_600_000;
const DAY_MS = 24 * 3_600_000;
const oneCLocalTime = (epochMs: number) => new Date(epochMs + ONEC_UTC_OFFSET_MS).toISOString().slice(0, 19);

const of = (executor: Kysely<any>) => executor as Kysely<OrderDb>;

// ---- Sending an approved order --------------------------------------------------------------------

interface PlannedOneCOrder {
  readonly warehouseId: string;
  readonly draft: OneCOrderDraft;
}

/**
 * Outbox handler of `order.send-to-1c`. For each warehouse the order's units are held in: the
 * `onec_orders` row is recorded, the 1C order created (or found by its external number), its ref
 * recorded, then posted. A posting refusal (not enough free stock in 1C) is marked on the row and
 * logged, not thrown: retrying will not free stock, a manager decides. When every 1C order of the
 * order is posted, the stock hold is committed (1C's reserve now stands for it).
 *
 * Every document names the customer's partner and counterparty (onec-party.service.ts), found or
 * made in 1C first; 1C being down there too only delays the message.
 *
 * An order cancelled while this runs is closed in 1C again at the end, so no reserve outlives it
 * whichever of this and `cancelOrderInOneC` finishes last.
 */
export async function sendOrderToOneC(deps: OrderDeps, orderId: string): Promise<void> {
  const order = await findOrder(deps.db, orderId);
  if (!order || ENDED.has(order.state)) return;
  if (!SENDABLE.has(order.state)) {
    deps.logger.warn({ orderId, state: order.state }, 'order not approved: not sent to 1C');
    return;
  }
  const plan = planOneCOrders(order, await linesOfOrders(deps.db, [orderId]));
  const recorded = new Map((await oneCOrdersOf(deps.db, orderId)).map((r) => [r.warehouse_id, r]));
  // Looked up only when a document is to be made: posting one made before needs no party.
  let party: CustomerParty | undefined;

  for (const { warehouseId, draft: planned } of plan) {
    let row: Pick<OneCOrderRow, 'external_number' | 'ref' | 'posted'> | undefined = recorded.get(warehouseId);
    if (row?.posted) continue;
    if (!row) {
      row = { external_number: planned.externalNumber, ref: null, posted: false };
      await recordOneCOrder(deps.db, { order_id: orderId, warehouse_id: warehouseId, external_number: row.external_number });
    }
    let ref = row.ref;
    if (!ref) {
      // Checked before every create: after a cancellation nothing new may appear in 1C.
      if (!(await isLive(deps, orderId))) break;
      party ??= await oneCPartyOf(deps, order.customer_id);
      const { order: created } = await deps.oneC.createOrder({ ...planned, ...party, externalNumber: row.external_number });
      ref = created.ref;
      await saveOneCOrder(deps.db, { order_id: orderId, warehouse_id: warehouseId, external_number: row.external_number, ref, posted: false });
      if (created.posted) {
        // Posted by the run that died: posting again could only be refused (a shipped order cannot be reposted).
        await markPosted(deps.db, orderId, warehouseId);
        continue;
      }
    }
    const posted = await deps.oneC.postOrder(ref);
    // 1C answers any refusal to post alike; one already posted (and maybe shipped since) keeps its reserve.
    if (posted.ok || (await deps.oneC.findOrderByExternalNumber(row.external_number))?.posted) {
      await markPosted(deps.db, orderId, warehouseId);
    } else {
      await markRefused(deps.db, orderId, warehouseId);
      deps.logger.warn({ orderId, warehouseId, oneCRef: ref, externalNumber: row.external_number, reason: posted.message }, '1C refused to post the order: a manager must resolve it');
    }
  }

  if (!(await isLive(deps, orderId))) {
    await cancelOrderInOneC(deps, orderId);
    return;
  }
  const rows = await oneCOrdersOf(deps.db, orderId);
  if (order.stock_hold_id && rows.length === plan.length && rows.every((r) => r.posted)) await commitStockHold(deps, orderId, order.stock_hold_id);
}

async function isLive(deps: OrderDeps, orderId: string): Promise<boolean> {
  const current = await findOrder(deps.db, orderId);
  return current !== undefined && !ENDED.has(current.state);
}

async function commitStockHold(deps: OrderDeps, orderId: string, holdId: string): Promise<void> {
  try {
    await deps.inventory.commitHold(holdId);
  } catch (error) {
    // An expired or already released hold holds nothing to commit: 1C's reserve is what counts now.
    if (!(error instanceof AppError && (error.code === 'STOCK_HOLD_EXPIRED' || error.code === 'BAD_USER_INPUT'))) throw error;
    deps.logger.warn({ orderId, holdId, code: error.code, error: error.message }, 'stock hold of an order posted in 1C not committed');
  }
}

/**
 * The 1C orders an order becomes: one per warehouse (in warehouse id order, numbered `/1`, `/2` …
 * when there are several), each order line's units taken from the warehouses holding its offer in
 * that order. A line's discount in 1C is its manual discount plus its bonuses (1 bonus = 100
 * kopecks), split over its warehouses in proportion to the units by largest remainder, so the
 * parts are whole kopecks and add up to the line's discount exactly. Held units that do not match
 * the lines are a broken order: a PermanentFailure, as retrying cannot fix it.
 */
function planOneCOrders(order: OrderRow, lines: readonly OrderLineRow[]): PlannedOneCOrder[] {
  const held: readonly HeldStockLine[] = order.stock_hold_lines ?? [];
  if (held.length === 0) throw new PermanentFailure(`order ${order.id} has no held stock to send to 1C`);
  const warehouses = [...new Set(held.map((h) => h.warehouseId))].sort(byText);
  const pool = new Map<string, number>();
  const cell = (offerId: string, warehouseId: string) => `${offerId}\u0000${warehouseId}`;
  for (const h of held) pool.set(cell(h.offerId, h.warehouseId), (pool.get(cell(h.offerId, h.warehouseId)) ?? 0) + h.quantity);

  const perWarehouse = new Map<string, OneCOrderLineDraft[]>(warehouses.map((w) => [w, []]));
  for (const line of [...lines].sort((a, b) => a.line_no - b.line_no)) {
    if (!line.product_id) throw new PermanentFailure(`order ${order.id} line ${line.line_no}: no 1C product for offer ${line.offer_id}`);
    const parts: { warehouseId: string; quantity: number }[] = [];
    let wanted = line.quantity;
    for (const warehouseId of warehouses) {
      const free = pool.get(cell(line.offer_id, warehouseId)) ?? 0;
      const taken = Math.min(free, wanted);
      if (taken === 0) continue;
      pool.set(cell(line.offer_id, warehouseId), free - taken);
      parts.push({ warehouseId, quantity: taken });
      wanted -= taken;
    }
    if (wanted > 0) throw new PermanentFailure(`order ${order.id} line ${line.line_no}: ${line.quantity} of offer ${line.offer_id} ordered, ${line.quantity - wanted} held`);
    const discounts = splitByUnits(line.discount + line.bonuses_spent * 100, parts.map((p) => p.quantity));
    parts.forEach((part, i) =>
      perWarehouse.get(part.warehouseId)!.push({
        productRef: line.product_id!,
        // A product without characteristics is held under its own ref.
        ...(line.offer_id !== line.product_id ? { characteristicRef: line.offer_id } : {}),
        quantity: part.quantity,
        priceKopecks: line.price,
        discountKopecks: discounts[i]!,
      }),
    );
  }
  const unordered = [...pool.entries()].filter(([, quantity]) => quantity > 0);
  if (unordered.length > 0) throw new PermanentFailure(`order ${order.id}: held units match no order line (${unordered.map(([key]) => key.replace('\u0000', '@')).join(', ')})`);

  return warehouses.map((warehouseId, i) => {
    const single = warehouses.length === 1;
    const part = single ? '' : `, часть ${i + 1} из ${warehouses.length}`;
    return {
      warehouseId,
      draft: {
        externalNumber: single ? order.id : `${order.id}/${i + 1}`,
        warehouseRef: warehouseId,
        ...(order.delivery_address ? { deliveryAddress: order.delivery_address } : {}),
        comment: `${order.number ? `Заказ RetailCRM № ${order.number}` : `Заказ ${order.id}`}${part}`,
        lines: perWarehouse.get(warehouseId)!,
      },
    };
  });
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Splits `total` in proportion to `units` by largest remainder: each part gets the floor of its
 * share, then the parts with the largest remainders one more each (ties: the earlier part). Whole
 * numbers that add up to `total` exactly; integer arithmetic throughout.
 */
function splitByUnits(total: number, units: readonly number[]): number[] {
  const sum = units.reduce((s, u) => s + u, 0);
  if (sum === 0) return units.map(() => 0);
  const parts = units.map((u) => Math.floor((total * u) / sum));
  let left = total - parts.reduce((s, p) => s + p, 0);
  const order = units.map((u, i) => ({ i, remainder: (total * u) % sum })).sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    parts[i]!++;
    left--;
  }
  return parts;
}

/** Records the 1C order to be made, before it is; a row already there (with its ref) stays as it is. */
async function recordOneCOrder(executor: Kysely<any>, row: { order_id: string; warehouse_id: string; external_number: string }): Promise<void> {
  await of(executor)
    .insertInto('ordering.onec_orders')
    .values(row)
    .onConflict((oc) => oc.columns(['order_id', 'warehouse_id']).doNothing())
    .execute();
}

async function markPosted(executor: Kysely<any>, orderId: string, warehouseId: string): Promise<void> {
  await of(executor)
    .updateTable('ordering.onec_orders')
    .set((eb) => ({ posted: true, state: eb.case().when('state', '=', POSTING_REFUSED).then(null).else(eb.ref('state')).end() }))
    .where('order_id', '=', orderId)
    .where('warehouse_id', '=', warehouseId)
    .execute();
}

async function markRefused(executor: Kysely<any>, orderId: string, warehouseId: string): Promise<void> {
  await of(executor).updateTable('ordering.onec_orders').set({ state: POSTING_REFUSED }).where('order_id', '=', orderId).where('warehouse_id', '=', warehouseId).execute();
}

/** A 1C document row as staff see it: the refusal mark is a flag of its own, not a 1C state. */
export const oneCOrderFromRow = (row: OneCOrderRow): OneCOrder => ({
  warehouseId: row.warehouse_id,
  number: row.external_number,
  posted: row.posted,
  postingRefused: row.state === POSTING_REFUSED,
  state: row.state === POSTING_REFUSED ? null : row.state,
});

/**
 * `retryOneCPosting` (manager, admin): a manager has fixed the stock in 1C, and the order's refused
 * documents are posted again through the exchange itself, which leaves posted documents alone and
 * commits the stock hold once every one is posted. A document 1C refuses again keeps its mark.
 * 1C unreachable: UPSTREAM_UNAVAILABLE, and the marks stay as they were.
 */
export async function retryOneCPosting(deps: OrderDeps, orderId: string): Promise<void> {
  if (orderId.length > 100) throw badInput('Malformed order id');
  const order = await findOrder(deps.db, orderId);
  if (!order || !isVisible(order)) throw notFound('No such order');
  if (ENDED.has(order.state)) throw badInput(`The order is ${order.state.toLowerCase()}: nothing of it is posted in 1C`, { orderId });
  const refused = (await oneCOrdersOf(deps.db, orderId)).filter((r) => r.state === POSTING_REFUSED);
  if (refused.length === 0) throw badInput('1C has refused none of this order’s documents', { orderId });
  try {
    await sendOrderToOneC(deps, orderId);
  } catch (error) {
    if (error instanceof UpstreamUnavailableError || (error instanceof OneCApiError && error.status >= 500)) {
      throw new AppError('UPSTREAM_UNAVAILABLE', '1C is unavailable; nothing was posted. Try again shortly');
    }
    throw error;
  }
}

// ---- Cancelling ----------------------------------------------------------------------------------

/**
 * Outbox handler of `order.cancel-in-1c`: closes every 1C order recorded for the order (status
 * Закрыт, which releases its reserve). A row without a ref is a create whose reply was lost: it is
 * looked up by its external number and closed when found. Safe to repeat. A 1C order that is
 * gone (404) has nothing left to close. A shipped one cannot be closed: after closing the others,
 * a PermanentFailure names it (the goods come back as a return, not a cancellation).
 */
export async function cancelOrderInOneC(deps: OrderDeps, orderId: string): Promise<void> {
  const refused: string[] = [];
  for (const row of await oneCOrdersOf(deps.db, orderId)) {
    let ref = row.ref;
    if (!ref) {
      const found = await deps.oneC.findOrderByExternalNumber(row.external_number);
      if (!found) continue;
      ref = found.ref;
      await saveOneCOrder(deps.db, { order_id: orderId, warehouse_id: row.warehouse_id, external_number: row.external_number, ref, posted: row.posted });
    }
    try {
      await deps.oneC.cancelOrder(ref);
    } catch (error) {
      if (error instanceof OneCApiError && error.status === 404) {
        deps.logger.warn({ orderId, oneCRef: ref }, '1C order to cancel no longer exists');
        continue;
      }
      if (!(error instanceof OneCApiError && error.status === 400)) throw error;
      refused.push(`${row.external_number} (${error.message})`);
    }
  }
  if (refused.length > 0) throw new PermanentFailure(`order ${orderId}: 1C refused to cancel ${refused.join('; ')}; a shipped order is returned, not cancelled`);
}

// ---- States coming back ---------------------------------------------------------------------------

export interface OneCStatePollOptions {
  /** Aborted when the process is asked to stop: the poll ends between pages. */
  readonly signal?: AbortSignal;
  /** Rows per request (widened when one second holds more). Default 500. */
  readonly pageSize?: number;
  /** Where the first run starts: this long before now, in 1C's local time. Default one day. */
  readonly firstRunLookbackMs?: number;
}

export interface OneCStatePollResult {
  /** Rows read from 1C, repeats of the cursor's second included. */
  readonly changes: number;
  /** Rows that changed a 1C order of ours. */
  readonly applied: number;
  /** Orders moved to SHIPPED and to DELIVERED. */
  readonly shipped: number;
  readonly delivered: number;
  readonly cursor: string;
}

/**
 * Periodic job: reads 1C's order states changed since the stored cursor (1C's own `ДатаИзменения`,
 * local time, whole seconds), applies them to our 1C order rows, and moves an order to SHIPPED
 * when every one of its 1C orders is shipped (or further), to DELIVERED when every one is
 * delivered, queueing the RetailCRM status in the same transaction as the page and its cursor.
 *
 * The first run starts one day back by our clock shifted to Moscow time; a base in another zone
 * is still covered by a day. Rows of the cursor's second come again on the next run and change
 * nothing. An order is never moved back, and CANCELLED or EXPIRED orders are never touched.
 */
export async function pollOneCStates(deps: OrderDeps, options: OneCStatePollOptions = {}): Promise<OneCStatePollResult> {
  const stored = await readCursor(deps.db, ONEC_ORDER_STATES_CURSOR);
  let since = stored?.cursor ?? oneCLocalTime(Date.now() - (options.firstRunLookbackMs ?? DAY_MS));
  let top = options.pageSize ?? 500;
  const totals = { changes: 0, applied: 0, shipped: 0, delivered: 0 };
  try {
    for (;;) {
      if (options.signal?.aborted) break; // asked to stop: the cursor is saved with every page
      const changes = await deps.oneC.orderStatusChanges(since, top);
      if (changes.length === 0) break;
      const last = changes[changes.length - 1]!.changedAt;
      // A full page within one second cannot move the cursor: ask for a wider page.
      if (changes.length === top && last === since) {
        top *= 2;
        continue;
      }
      const page = await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
        const result = await applyStateChanges(trx, changes);
        await saveCursor(trx, ONEC_ORDER_STATES_CURSOR, last);
        return result;
      });
      totals.changes += changes.length;
      totals.applied += page.applied;
      totals.shipped += page.shipped;
      totals.delivered += page.delivered;
      since = last;
      if (changes.length < top) break;
    }
    if (totals.changes === 0 && !options.signal?.aborted) await saveCursor(deps.db, ONEC_ORDER_STATES_CURSOR, since);
    return { ...totals, cursor: since };
  } catch (error) {
    await markSyncFailure(deps.db, ONEC_ORDER_STATES_CURSOR, error, since);
    throw error;
  }
}

async function applyStateChanges(trx: Kysely<any>, changes: readonly OneCOrderStateChange[]): Promise<{ applied: number; shipped: number; delivered: number }> {
  const refs = [...new Set(changes.map((c) => c.orderRef))];
  const rows = await of(trx).selectFrom('ordering.onec_orders').selectAll().where('ref', 'in', refs).orderBy('ref').forUpdate().execute();
  const byRef = new Map(rows.map((r) => [r.ref!, r]));
  const orders = new Set<string>();
  let applied = 0;
  for (const change of changes) {
    const row = byRef.get(change.orderRef);
    if (!row) continue; // not made by us
    orders.add(row.order_id);
    if (row.state_changed_at !== null && row.state_changed_at > change.changedAt) continue;
    const state = nextRowState(row.state, change);
    if (state === row.state && change.changedAt === row.state_changed_at) continue;
    await of(trx).updateTable('ordering.onec_orders').set({ state, state_changed_at: change.changedAt }).where('order_id', '=', row.order_id).where('warehouse_id', '=', row.warehouse_id).execute();
    byRef.set(change.orderRef, { ...row, state, state_changed_at: change.changedAt });
    applied++;
  }
  let shipped = 0;
  let delivered = 0;
  for (const orderId of [...orders].sort(byText)) {
    const moved = await advanceOrder(trx, orderId);
    if (moved === 'SHIPPED') shipped++;
    if (moved === 'DELIVERED') delivered++;
  }
  return { applied, shipped, delivered };
}

/** 1C saying an order still awaits approval only confirms it is unposted: a refusal mark stays for the manager. */
function nextRowState(current: string | null, change: OneCOrderStateChange): string {
  if (current === POSTING_REFUSED && change.state === 'awaiting-approval') return POSTING_REFUSED;
  return change.state === 'unknown' ? change.rawState : change.state;
}

/** Moves an order as far as all of its 1C orders have gone, with its RetailCRM status queued. */
async function advanceOrder(trx: Kysely<any>, orderId: string): Promise<OrderState | undefined> {
  const order = await of(trx).selectFrom('ordering.orders').select(['state', 'stock_hold_lines']).where('id', '=', orderId).forUpdate().executeTakeFirst();
  if (!order) return undefined;
  const rows = await of(trx).selectFrom('ordering.onec_orders').select('state').where('order_id', '=', orderId).execute();
  // Until every warehouse's 1C order is recorded, the order is not all in 1C.
  const expected = new Set((order.stock_hold_lines ?? []).map((h) => h.warehouseId)).size;
  if (rows.length === 0 || rows.length < expected) return undefined;
  const reached = Math.min(...rows.map((r) => REACHED[r.state ?? ''] ?? 0));
  const reachedState: OrderState | undefined = reached >= 2 ? 'DELIVERED' : reached >= 1 ? 'SHIPPED' : undefined;
  const target = reachedState && fulfilmentStep(order.state, reachedState);
  if (!target) return undefined;
  const moved = await updateOrder(trx, orderId, { state: target }, [order.state]);
  if (!moved) return undefined;
  await enqueue(trx, crmStatusMessage({ orderId, status: CRM_STATUS_OF[target]! }));
  return target;
}
