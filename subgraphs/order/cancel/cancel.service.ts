import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AppError, notFound } from '../../../platform/errors.js';
import { idempotencyKeySchema, withIdempotency } from '../../../platform/idempotency.js';
import { canSee, isStaff, type Identity } from '../../../platform/identity.js';
import { enqueue } from '../../../platform/outbox.js';
import { invalid } from '../checkout/checkout.service.js';
import type { OrderDeps } from '../order.deps.js';
import { cancelInOneCMessage, crmStatusMessage, releaseHoldsMessage } from '../order.messages.js';
import { isVisible, orderFromRow, type Order } from '../order.model.js';
import { findOrder, oneCOrdersOf, updateOrder } from '../order.repository.js';
import type { OrderRow } from '../order.table.js';
import { releaseOrderHolds } from '../placement/order-holds.service.js';
import { paymentInProgress } from '../payment/payment.service.js';
import { queuePendingBonuses } from '../pending-bonuses.service.js';

const cancelSchema = z.object({
  orderId: z.string().min(1).max(100),
  idempotencyKey: idempotencyKeySchema,
});

/** RetailCRM status of orders the graph cancels (its cancel group). */
export const CRM_CANCEL_STATUS = 'cancel-other';

/**
 * Ends an order that has not been shipped or paid (F6, R7): CANCELLED in our database together with
 * the messages that release its holds and cancel it in RetailCRM and 1C, so none of that is lost if
 * an upstream is down. The holds are also released at once, so the balance is back when this returns.
 */
export async function cancelOrder(deps: OrderDeps, identity: Identity, input: { orderId: string; idempotencyKey: string }): Promise<Order> {
  const parsed = cancelSchema.safeParse(input);
  if (!parsed.success) throw invalid('cancellation', parsed.error);
  const { orderId, idempotencyKey } = parsed.data;
  const order = await findOrder(deps.db, orderId);
  if (!order || !isVisible(order) || !canSee(identity, order.customer_id)) throw notFound('No such order');
  if (identity.kind === 'staff' && !isStaff(identity, 'manager', 'admin')) throw new AppError('FORBIDDEN', 'Managers and admins cancel orders');
  return withIdempotency(deps.db, { scope: 'order.cancel', key: `${orderId}:${idempotencyKey}`, input: { orderId } }, async () => {
    const cancelled = await endOrder(deps, orderId, 'CANCELLED');
    await releaseOrderHolds(deps, orderId).catch((error: unknown) =>
      deps.logger.warn({ orderId, error: error instanceof Error ? error.message : String(error) }, 'holds of a cancelled order not released yet; the outbox will retry'),
    );
    return orderFromRow(cancelled);
  });
}

/**
 * Moves a live order to CANCELLED or EXPIRED with every follow-up queued in the same transaction.
 * A paid or shipped order is ORDER_NOT_CANCELLABLE: it comes back as a return.
 */
export async function endOrder(deps: OrderDeps, orderId: string, to: 'CANCELLED' | 'EXPIRED'): Promise<OrderRow> {
  return (deps.db as Kysely<any>).transaction().execute(async (trx) => {
    const order = (await trx.selectFrom('ordering.orders').selectAll().where('id', '=', orderId).forUpdate().executeTakeFirst()) as OrderRow | undefined;
    if (!order) throw notFound('No such order');
    if (order.state === to) return order;
    if (order.state !== 'PLACED' && order.state !== 'APPROVED') throw new AppError('ORDER_NOT_CANCELLABLE', `A ${order.state.toLowerCase()} order cannot be cancelled`);
    if (order.fully_paid_at) throw new AppError('ORDER_NOT_CANCELLABLE', 'A paid order is returned, not cancelled');
    // Money taken, or being taken now, is not given back by a cancel: a cashier refunds it in RetailCRM first.
    if (paymentInProgress(order)) throw new AppError('ORDER_BUSY', 'A payment of this order is being taken; try again in a moment');
    if (order.paid_total > 0) throw new AppError('ORDER_NOT_CANCELLABLE', 'The order has payments: they are refunded in RetailCRM before it is cancelled');
    const shipped = (await oneCOrdersOf(trx, orderId)).some((o) => o.state === 'shipped' || o.state === 'delivered' || o.state === 'returned');
    if (shipped) throw new AppError('ORDER_NOT_CANCELLABLE', 'The order has left the warehouse: it comes back as a return');
    const ended = (await updateOrder(trx, orderId, { state: to }))!;
    await queuePendingBonuses(trx, orderId);
    await enqueue(trx, releaseHoldsMessage(orderId));
    if (order.crm_id !== null) await enqueue(trx, crmStatusMessage({ orderId, status: CRM_CANCEL_STATUS }));
    if (order.state === 'APPROVED') await enqueue(trx, cancelInOneCMessage(orderId));
    return ended;
  });
}
