import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { BonusPlusRetailError } from '../../../connectors/bonusplus/bonusplus.port.js';
import type { CrmOrderItem, CrmOrderItemInput } from '../../../connectors/retailcrm/retailcrm-orders.port.js';
import { RetailCrmApiError } from '../../../connectors/retailcrm/retailcrm.port.js';
import { AppError, badInput, forbidden, notFound, unauthenticated } from '../../../platform/errors.js';
import { idempotencyKeySchema, withIdempotency } from '../../../platform/idempotency.js';
import { canSee, isStaff, type Identity } from '../../../platform/identity.js';
import { enqueue, PermanentFailure } from '../../../platform/outbox.js';
import { loyaltyRefreshMessage } from '../../../contracts/loyalty-refresh.message.js';
import { invalid } from '../checkout/checkout.service.js';
import type { OrderDeps } from '../order.deps.js';
import { completeReturnMessage } from '../order.messages.js';
import { isLineId, isVisible, lineIdOf, orderFromRow, stateAfterReturns, type Order } from '../order.model.js';
import { findOrder, findOrderWithLines, linesOfOrders, oneCOrdersOf, updateOrder } from '../order.repository.js';
import { oneCPartyOf } from '../onec/onec-party.service.js';
import type { OrderDb, OrderLineRow, OrderRow, ReturnLineRow, ReturnRow } from '../order.table.js';
import { returnShare, type ReturnShare } from './return-rules.js';

export interface ReturnLine extends ReturnShare {
  readonly lineId: string;
  readonly offerId: string;
  readonly quantity: number;
}

export interface ReturnPreview extends ReturnShare {
  readonly lines: ReturnLine[];
}

export interface OrderReturn extends ReturnPreview {
  readonly id: string;
  readonly status: ReturnRow['status'];
  readonly unrecovered: number;
  readonly createdAt: Date;
}

const linesSchema = z
  .array(z.object({ lineId: z.string().min(1).max(100), quantity: z.number().int('must be whole units').min(1, 'must be at least 1').max(1000, 'must be at most 1000') }))
  .min(1, 'a return needs at least one line')
  .max(100, 'at most 100 lines');

type LinesInput = z.input<typeof linesSchema>;

const of = (executor: Kysely<any>) => executor as Kysely<OrderDb>;

/** The order, if this caller may return its lines: staff at the counter, or its customer where the shop allows it. */
async function returnableOrder(deps: OrderDeps, identity: Identity, orderId: string, executor: Kysely<any> = deps.db): Promise<OrderRow> {
  if (identity.kind === 'anonymous') throw unauthenticated();
  return checkReturnable(deps, identity, await findOrder(executor, orderId));
}

/** The order, when this caller may return its lines; the same refusals as `returnableOrder`. */
function checkReturnable(deps: OrderDeps, identity: Identity, order: OrderRow | undefined): OrderRow {
  if (identity.kind === 'anonymous') throw unauthenticated();
  if (!order || !isVisible(order) || !canSee(identity, order.customer_id)) throw notFound('No such order');
  if (identity.kind === 'staff' && !isStaff(identity, 'manager', 'cashier', 'admin')) throw forbidden();
  if (identity.kind === 'customer' && !deps.settings.customerReturns) throw forbidden('Returns are made in a showroom or through the call centre');
  if (order.origin !== 'graph') throw badInput('This order was not sold through the graph: return it where it was sold');
  if (!order.sale_registered_at) throw badInput('An order not yet paid is cancelled, not returned');
  return order;
}

/** Each requested line with what returning it moves now; more than is left to return is RETURN_QUANTITY_EXCEEDED. */
function planReturn(lines: readonly OrderLineRow[], requested: LinesInput): { line: OrderLineRow; quantity: number; share: ReturnShare }[] {
  const merged = new Map<OrderLineRow, number>();
  for (const { lineId, quantity } of requested) {
    const line = lines.find((l) => isLineId(l, lineId));
    if (!line) throw badInput('No such line in this order', { lineId });
    merged.set(line, (merged.get(line) ?? 0) + quantity);
  }
  return [...merged].map(([line, quantity]) => {
    const returnable = line.quantity - line.returned_quantity;
    if (quantity > returnable) throw new AppError('RETURN_QUANTITY_EXCEEDED', 'More units than are left to return', { lineId: lineIdOf(line), requested: quantity, returnable });
    return { line, quantity, share: returnShare({ quantity: line.quantity, earned: line.bonuses_earned, spent: line.bonuses_spent, paid: line.total }, line.returned_quantity, quantity) };
  });
}

const totals = (shares: readonly ReturnShare[]): ReturnShare => ({
  refund: shares.reduce((s, x) => s + x.refund, 0),
  earnedReversed: shares.reduce((s, x) => s + x.earnedReversed, 0),
  spentRefunded: shares.reduce((s, x) => s + x.spentRefunded, 0),
});

/** What returning these units would move, per line and in total (F7); changes nothing. */
export async function previewReturn(deps: OrderDeps, identity: Identity, orderId: string, requested: LinesInput): Promise<ReturnPreview> {
  const parsed = linesSchema.safeParse(requested);
  if (!parsed.success) throw invalid('return', parsed.error);
  if (identity.kind === 'anonymous') throw unauthenticated();
  // The order and its lines in one statement; nothing of them is answered before the checks.
  const found = await findOrderWithLines(deps.db, orderId);
  checkReturnable(deps, identity, found?.order);
  const plan = planReturn(found!.lines, parsed.data);
  const lines = plan.map(({ line, quantity, share }) => ({ lineId: lineIdOf(line), offerId: line.offer_id, quantity, ...share }));
  return { lines, ...totals(lines) };
}

/**
 * Returns units of a paid order (F7, R10). The return is decided here, under a lock on the order:
 * the quantities are checked against what is left, the figures fixed by the rounding rule, and
 * the return recorded with a message that completes it. Completing it (at once, and by the outbox
 * until it succeeds) registers it against the receipt in BonusPlus, marks the lines in RetailCRM
 * and, when the goods had shipped, makes a return document in 1C. The same key returns the same
 * return; an upstream that is down delays the completion, never loses or doubles it.
 */
export async function returnOrderLines(deps: OrderDeps, identity: Identity, input: { orderId: string; idempotencyKey: string; lines: LinesInput }): Promise<{ return: OrderReturn; order: Order }> {
  const parsed = z.object({ orderId: z.string().min(1).max(100), idempotencyKey: idempotencyKeySchema, lines: linesSchema }).safeParse(input);
  if (!parsed.success) throw invalid('return', parsed.error);
  const { orderId, idempotencyKey, lines } = parsed.data;
  await returnableOrder(deps, identity, orderId);
  return withIdempotency(deps.db, { scope: 'order.return', key: `${orderId}:${idempotencyKey}`, input: { orderId, lines } }, async () => {
    const returnId = randomUUID();
    await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
      const { state } = await of(trx).selectFrom('ordering.orders').select('state').where('id', '=', orderId).forUpdate().executeTakeFirstOrThrow();
      const plan = planReturn(await linesOfOrders(trx, [orderId]), lines);
      const sum = totals(plan.map((p) => p.share));
      await of(trx).insertInto('ordering.returns').values({ id: returnId, order_id: orderId, status: 'PENDING', refund: sum.refund, earned_reversed: sum.earnedReversed, spent_refunded: sum.spentRefunded, bonusplus_done_at: null, crm_done_at: null, onec_done_at: null, completed_at: null }).execute();
      await of(trx)
        .insertInto('ordering.return_lines')
        .values(plan.map(({ line, quantity, share }) => ({ return_id: returnId, line_no: line.line_no, quantity, refund: share.refund, earned_reversed: share.earnedReversed, spent_refunded: share.spentRefunded })))
        .execute();
      for (const { line, quantity } of plan) {
        await of(trx).updateTable('ordering.order_lines').set((eb) => ({ returned_quantity: eb('returned_quantity', '+', quantity) })).where('order_id', '=', orderId).where('line_no', '=', line.line_no).execute();
      }
      // The return is decided here; completing it in the upstreams follows. No feed moves the order back from this.
      const next = stateAfterReturns(await linesOfOrders(trx, [orderId]));
      if (next && next !== state) await updateOrder(trx, orderId, { state: next });
      await enqueue(trx, completeReturnMessage(returnId));
    });
    try {
      await completeReturn(deps, returnId);
    } catch (error) {
      deps.logger.warn({ returnId, error: error instanceof Error ? error.message : String(error) }, 'return recorded; completing it is left to the outbox');
    }
    const [saved] = await loadReturns(deps.db, { ids: [returnId] });
    return { return: saved!, order: orderFromRow((await findOrder(deps.db, orderId))!) };
  });
}

/** Completes a recorded return in BonusPlus, RetailCRM and 1C; each step is stamped, so a repeat does only what is left. */
export async function completeReturn(deps: OrderDeps, returnId: string): Promise<void> {
  let ret = await of(deps.db).selectFrom('ordering.returns').selectAll().where('id', '=', returnId).executeTakeFirst();
  if (!ret || ret.status === 'COMPLETED') return;
  const order = (await findOrder(deps.db, ret.order_id))!;
  const returned = await of(deps.db).selectFrom('ordering.return_lines').selectAll().where('return_id', '=', returnId).orderBy('line_no').execute();

  if (!ret.bonusplus_done_at) ret = await registerInBonusPlus(deps, ret, order, returned);
  if (!ret.crm_done_at) ret = await markInRetailCrm(deps, ret, order);
  if (!ret.onec_done_at) ret = await returnInOneC(deps, ret, order, returned);

  await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
    await of(trx).updateTable('ordering.returns').set({ status: 'COMPLETED', completed_at: new Date() }).where('id', '=', returnId).execute();
    if (order.phone) await enqueue(trx, loyaltyRefreshMessage(order.phone));
  });
}

async function registerInBonusPlus(deps: OrderDeps, ret: ReturnRow, order: OrderRow, returned: readonly ReturnLineRow[]): Promise<ReturnRow> {
  const patch: Partial<ReturnRow> = { bonusplus_done_at: new Date() };
  if (order.phone) {
    const phone = order.phone;
    let receipt;
    try {
      // The inline completion and the outbox's may run at once: one at a time per return, the second
      // replaying the first's answer, since the balance-patch strategy's check-then-move is not atomic.
      receipt = await withIdempotency(deps.db, { scope: 'order.return.bonusplus', key: ret.id, input: { returnId: ret.id } }, () =>
        deps.bonusPlus.registerReturn({
          externalId: ret.id,
          receiptExternalId: order.id,
          phone,
          items: returned.map((l) => ({ ext: String(l.line_no), qnt: l.quantity, earnedReversed: l.earned_reversed, spentRefunded: l.spent_refunded })),
        }),
      );
    } catch (error) {
      if (error instanceof BonusPlusRetailError) throw new PermanentFailure(`return ${ret.id} refused by BonusPlus: ${error.code}`);
      throw error;
    }
    // BonusPlus's figures are what happened; ours were the preview. They should agree: say so when not.
    for (const line of receipt.lines) {
      const ours = returned.find((l) => String(l.line_no) === line.ext);
      if (ours && (ours.earned_reversed !== line.earnedReversed || ours.spent_refunded !== line.debitedRefunded)) {
        deps.logger.warn({ returnId: ret.id, line: line.ext, ours, bonusPlus: line }, 'BonusPlus split a return differently from the preview');
        await of(deps.db).updateTable('ordering.return_lines').set({ earned_reversed: line.earnedReversed, spent_refunded: line.debitedRefunded }).where('return_id', '=', ret.id).where('line_no', '=', ours.line_no).execute();
      }
    }
    Object.assign(patch, { earned_reversed: receipt.earnedReversed, spent_refunded: receipt.debitedRefunded, unrecovered: receipt.unrecovered });
  }
  return of(deps.db).updateTable('ordering.returns').set(patch).where('id', '=', ret.id).returningAll().executeTakeFirstOrThrow();
}

/**
 * RetailCRM's lines after the returns so far, as RetailCRM keeps partial returns: a line partly
 * returned is split into the units kept and a line of the units returned (status `returned`, out
 * of the order's sums), each with its share of the bonuses; a line returned in full takes the
 * status itself. Values are absolute, so sending them again changes nothing.
 */
export function crmItemsAfterReturns(lines: readonly OrderLineRow[]): CrmOrderItemInput[] {
  return lines.flatMap((line): CrmOrderItemInput[] => {
    if (line.crm_item_id === null) throw new Error(`line ${line.order_id}:${line.line_no} has no RetailCRM item`);
    const r = line.returned_quantity;
    if (r === 0) return [{ id: line.crm_item_id }];
    if (r === line.quantity) return [{ id: line.crm_item_id, quantity: line.quantity, bonusesChargeTotal: line.bonuses_spent, bonusesCreditTotal: line.bonuses_earned, status: 'returned' }];
    const back = returnShare({ quantity: line.quantity, earned: line.bonuses_earned, spent: line.bonuses_spent, paid: line.total }, 0, r);
    return [
      { id: line.crm_item_id, quantity: line.quantity - r, bonusesChargeTotal: line.bonuses_spent - back.spentRefunded, bonusesCreditTotal: line.bonuses_earned - back.earnedReversed },
      {
        ...(line.crm_return_item_id !== null ? { id: line.crm_return_item_id } : {}),
        offer: { xmlId: line.offer_id },
        productName: line.product_name,
        quantity: r,
        initialPriceKopecks: line.price,
        bonusesChargeTotal: back.spentRefunded,
        bonusesCreditTotal: back.earnedReversed,
        status: 'returned',
      },
    ];
  });
}

async function markInRetailCrm(deps: OrderDeps, ret: ReturnRow, order: OrderRow): Promise<ReturnRow> {
  const lines = await linesOfOrders(deps.db, [order.id]);
  let edited;
  try {
    edited = await deps.crm.editOrder(order.id, 'externalId', { items: crmItemsAfterReturns(lines) });
  } catch (error) {
    // A returned line we name is gone from RetailCRM: another edit of this order (a second return
    // completed at the same time, or a repeat of one whose answer was lost) replaced it after we
    // remembered its id. RetailCRM's own items say which returned line stands now; the lines are
    // absolute, so sending them again with that id changes nothing more.
    if (!namesUnknownItem(error)) throw error;
    const current = await deps.crm.getOrder(order.id, 'externalId');
    if (!current) throw error;
    const relinked = lines.map((line) => ({ ...line, crm_return_item_id: returnedItemOf(current.items, line)?.id ?? null }));
    edited = await deps.crm.editOrder(order.id, 'externalId', { items: crmItemsAfterReturns(relinked) });
  }
  for (const line of lines) {
    await of(deps.db).updateTable('ordering.order_lines').set({ crm_return_item_id: returnedItemOf(edited.items, line)?.id ?? null }).where('order_id', '=', order.id).where('line_no', '=', line.line_no).execute();
  }
  return of(deps.db).updateTable('ordering.returns').set({ crm_done_at: new Date() }).where('id', '=', ret.id).returningAll().executeTakeFirstOrThrow();
}

/** The RetailCRM item that holds a line's returned units: a `returned` item of its offer other than the line's own. */
const returnedItemOf = (items: readonly CrmOrderItem[], line: OrderLineRow) =>
  items.find((i) => i.id !== line.crm_item_id && i.status === 'returned' && (i.offer.xmlId ?? i.offer.externalId) === line.offer_id);

/** RetailCRM refused an edit naming an item id it does not have (`items[n].id`: "Order product not found."). */
const namesUnknownItem = (error: unknown) => error instanceof RetailCrmApiError && error.status === 400 && Object.keys(error.errors).some((field) => /^items\[\d+\]\.id$/.test(field));

/**
 * The goods back in 1C (R15): for an order that shipped, a return document against each 1C order
 * the units went out from (the warehouses of its stock hold, in the exchange's order). Keyed by
 * the return id, so a repeat finds the document made before.
 */
async function returnInOneC(deps: OrderDeps, ret: ReturnRow, order: OrderRow, returned: readonly ReturnLineRow[]): Promise<ReturnRow> {
  const sent = await oneCOrdersOf(deps.db, order.id);
  const shipped = sent.filter((o) => o.ref && (o.state === 'shipped' || o.state === 'delivered' || o.state === 'returned'));
  if (shipped.length > 0) {
    const lines = await linesOfOrders(deps.db, [order.id]);
    const byWarehouse = new Map<string, { productRef: string; characteristicRef?: string; quantity: number; priceKopecks: number }[]>();
    for (const r of returned) {
      const line = lines.find((l) => l.line_no === r.line_no)!;
      // Units returned before this return came out of the first warehouses; this return's units follow them.
      let skip = line.returned_quantity - r.quantity;
      let left = r.quantity;
      const held = (order.stock_hold_lines ?? []).filter((h) => h.offerId === line.offer_id).sort((a, b) => a.warehouseId.localeCompare(b.warehouseId));
      for (const h of held) {
        const skipped = Math.min(skip, h.quantity);
        skip -= skipped;
        const take = Math.min(left, h.quantity - skipped);
        if (take === 0) continue;
        left -= take;
        const goods = byWarehouse.get(h.warehouseId) ?? [];
        goods.push({ productRef: line.product_id ?? line.offer_id, ...(line.product_id && line.product_id !== line.offer_id ? { characteristicRef: line.offer_id } : {}), quantity: take, priceKopecks: Math.floor(line.total / line.quantity) });
        byWarehouse.set(h.warehouseId, goods);
      }
    }
    const targets = shipped.filter((o) => byWarehouse.has(o.warehouse_id));
    const party = targets.length > 0 ? await oneCPartyOf(deps, order.customer_id) : undefined;
    for (const [n, target] of targets.entries()) {
      const result = await deps.oneC.createReturn({
        externalId: targets.length === 1 ? ret.id : `${ret.id}/${n + 1}`,
        orderRef: target.ref!,
        ...party,
        comment: `Возврат по заказу ${order.number ?? order.id}`,
        lines: byWarehouse.get(target.warehouse_id)!,
      });
      if (!result.ok) throw new PermanentFailure(`1C refused the return ${ret.id} of order ${order.id}: ${result.message}`);
    }
  }
  return of(deps.db).updateTable('ordering.returns').set({ onec_done_at: new Date() }).where('id', '=', ret.id).returningAll().executeTakeFirstOrThrow();
}

/** Returns with their lines, by return id or by order, oldest first. */
export async function loadReturns(executor: Kysely<any>, where: { ids?: readonly string[]; orderIds?: readonly string[] }): Promise<(OrderReturn & { orderId: string })[]> {
  let query = of(executor).selectFrom('ordering.returns').selectAll();
  if (where.ids) query = query.where('id', 'in', [...where.ids, '']);
  if (where.orderIds) query = query.where('order_id', 'in', [...where.orderIds, '']);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  if (rows.length === 0) return [];
  const lines = await of(executor)
    .selectFrom('ordering.return_lines as r')
    .innerJoin('ordering.returns as t', 't.id', 'r.return_id')
    .innerJoin('ordering.order_lines as l', (join) => join.onRef('l.order_id', '=', 't.order_id').onRef('l.line_no', '=', 'r.line_no'))
    .select(['r.return_id', 'r.quantity', 'r.refund', 'r.earned_reversed', 'r.spent_refunded', 'l.order_id', 'l.line_no', 'l.crm_item_id', 'l.offer_id'])
    .where('r.return_id', 'in', rows.map((r) => r.id))
    .orderBy('r.line_no')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    orderId: row.order_id,
    status: row.status,
    refund: row.refund,
    earnedReversed: row.earned_reversed,
    spentRefunded: row.spent_refunded,
    unrecovered: row.unrecovered,
    createdAt: row.created_at,
    lines: lines
      .filter((l) => l.return_id === row.id)
      .map((l) => ({ lineId: lineIdOf(l), offerId: l.offer_id, quantity: l.quantity, refund: l.refund, earnedReversed: l.earned_reversed, spentRefunded: l.spent_refunded })),
  }));
}
