import { sql, type Kysely } from 'kysely';
import { AppError } from '../../../platform/errors.js';
import { endOrder } from '../cancel/cancel.service.js';
import type { CrmReferences } from '../crm-sync/crm-references.js';
import { applyCrmOrder } from '../crm-sync/order-sync.service.js';
import { UNCERTAIN_PAYMENT } from '../order.model.js';
import type { OrderDeps } from '../order.deps.js';
import { updateOrder } from '../order.repository.js';
import type { OrderDb } from '../order.table.js';
import { releaseOrderHolds } from './order-holds.service.js';
import { failPlacement } from './place-order.service.js';
import { queuePendingBonuses } from '../pending-bonuses.service.js';

const BATCH = 100;

/**
 * Orders never confirmed or paid before their holds' expiry become EXPIRED: the bonus reserve is
 * given back, the stock hold lapses and the order is cancelled in RetailCRM (R7, F4).
 */
export async function expireOrders(deps: OrderDeps, references?: CrmReferences): Promise<number> {
  const due = await (deps.db as Kysely<OrderDb>)
    .selectFrom('ordering.orders')
    .select('id')
    .where('state', '=', 'PLACED')
    .where('hold_expires_at', '<=', sql<Date>`now()`)
    .orderBy('hold_expires_at')
    .limit(BATCH)
    .execute();
  let expired = 0;
  for (const { id } of due) {
    try {
      if (references) await settleUncertainPayment(deps, references, id);
      await endOrder(deps, id, 'EXPIRED');
      expired++;
    } catch (error) {
      // Paid, part-paid, being paid or moved on since the query: nothing to expire (a payment in hand is looked at again next round).
      if (!(error instanceof AppError && (error.code === 'ORDER_NOT_CANCELLABLE' || error.code === 'ORDER_BUSY'))) throw error;
      continue;
    }
    await releaseOrderHolds(deps, id).catch((error: unknown) => deps.logger.warn({ orderId: id, error: String(error) }, 'holds of an expired order not released yet; the outbox will retry'));
  }
  return expired;
}

/**
 * Placements whose process died (PENDING for longer than any placement can take) are finished or
 * undone: when RetailCRM has the order, every hold was made before it, so the order is PLACED;
 * otherwise whatever was held is given back and the order FAILED. A retry of the same idempotency
 * key afterwards gets the placed order, or places a new one.
 */
export async function recoverPlacements(deps: OrderDeps): Promise<{ placed: number; failed: number }> {
  const stale = await (deps.db as Kysely<OrderDb>)
    .selectFrom('ordering.orders')
    .selectAll()
    .where('state', '=', 'PENDING')
    .where('updated_at', '<', new Date(Date.now() - deps.settings.placementTimeoutMs))
    .orderBy('updated_at')
    .limit(BATCH)
    .execute();
  let placed = 0;
  let failed = 0;
  for (const order of stale) {
    const crmOrder = await deps.crm.getOrder(order.id, 'externalId');
    if (crmOrder && order.stock_hold_id) {
      const done = await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
        const recovered = await updateOrder(
          trx,
          order.id,
          { state: 'PLACED', crm_id: crmOrder.id, number: crmOrder.number, crm_status: crmOrder.status, crm_status_group: 'new', crm_created_at: new Date(crmOrder.createdAt) },
          ['PENDING'],
        );
        if (recovered) await queuePendingBonuses(trx, order.id);
        return recovered;
      });
      if (done) placed++;
      continue;
    }
    // Marks it FAILED with the release queued, and releases at once where the upstreams answer.
    // The dead process may have sent a reserve that has not landed yet.
    await failPlacement(deps, order.id, new Error('placement abandoned by its process'), { crmMayHaveIt: crmOrder !== undefined, reserveMayLand: order.bonus_hold === 'HELD' });
    failed++;
  }
  return { placed, failed };
}

/**
 * An order whose payment reply was lost is not expired on a guess: RetailCRM is asked what it holds
 * (and its answer applied, any payment with it). The order paid in full there clears the
 * uncertainty; otherwise the payment may still be on its way in, and the claim keeps the order
 * until its lease runs out. RetailCRM still down leaves the order claimed, to be looked at again
 * next round.
 */
async function settleUncertainPayment(deps: OrderDeps, references: CrmReferences, orderId: string): Promise<void> {
  const order = await (deps.db as Kysely<OrderDb>).selectFrom('ordering.orders').select(['payment_claim', 'crm_id']).where('id', '=', orderId).executeTakeFirst();
  if (order?.payment_claim !== UNCERTAIN_PAYMENT || order.crm_id === null) return;
  let crm;
  try {
    crm = await deps.crm.getOrder(orderId, 'externalId');
  } catch {
    return; // still unreachable: the claim keeps the order as it is
  }
  if (crm) await (deps.db as Kysely<any>).transaction().execute((trx) => applyCrmOrder(trx, references, crm));
}
