import type { Kysely } from 'kysely';
import { BonusPlusRetailError } from '../../../connectors/bonusplus/bonusplus.port.js';
import { AppError } from '../../../platform/errors.js';
import { enqueue } from '../../../platform/outbox.js';
import { loyaltyRefreshMessage } from '../../../contracts/loyalty-refresh.message.js';
import type { OrderDeps } from '../order.deps.js';
import { findOrder, linesOfOrders, updateOrder } from '../order.repository.js';
import type { OrderRow } from '../order.table.js';
import { queuePendingBonuses } from '../pending-bonuses.service.js';

/**
 * Gives back what an order holds: its bonus reserve in BonusPlus and its stock hold in the
 * inventory. Every step is safe to repeat (a release of nothing held changes nothing), so this runs
 * inline where a flow fails and again from the outbox until it succeeds. A stock hold already
 * committed to 1C is 1C's to release (the order's cancellation there does it).
 */
export async function releaseOrderHolds(deps: OrderDeps, orderId: string): Promise<void> {
  const order = await findOrder(deps.db, orderId);
  if (!order) return;
  // An order cancelled in RetailCRM ends in the history sync, which queues only this release: the
  // bonuses it was to earn stop being pending here.
  if (order.state === 'CANCELLED' || order.state === 'EXPIRED') await (deps.db as Kysely<any>).transaction().execute((trx) => queuePendingBonuses(trx, orderId));
  if (order.bonus_hold === 'HELD') await releaseReserve(deps, order);
  let holdId = order.stock_hold_id;
  if (!holdId && order.state === 'FAILED' && order.origin === 'graph') holdId = (await findLostHold(deps, order.id)) ?? null;
  if (holdId) {
    try {
      await deps.inventory.releaseHold(holdId);
    } catch (error) {
      // Committed holds are 1C's now; a hold the inventory no longer knows holds nothing.
      if (!(error instanceof AppError && (error.code === 'BAD_USER_INPUT' || error.code === 'NOT_FOUND'))) throw error;
    }
  }
}

/**
 * The outbox's `order.release-late-reserve`: a failed placement's reserve that was unanswered when
 * it failed may have landed at BonusPlus after its release, and is given back once more. Only a
 * FAILED order's: any other order's reserve is its own flow's to hold, sell or release.
 */
export async function releaseLateReserve(deps: OrderDeps, orderId: string): Promise<void> {
  const order = await findOrder(deps.db, orderId);
  if (order?.state === 'FAILED' && order.bonuses_spent > 0) await releaseReserve(deps, order);
}

/** Gives the order's bonus reserve back in BonusPlus (a no-op there when none is held) and records it. */
async function releaseReserve(deps: OrderDeps, order: OrderRow): Promise<void> {
  if (!order.phone) return;
  try {
    await deps.bonusPlus.release(order.phone, order.id, order.bonuses_spent);
  } catch (error) {
    // A customer gone from BonusPlus holds nothing.
    if (!(error instanceof BonusPlusRetailError && error.code === 'CUSTOMER_NOT_FOUND')) throw error;
  }
  await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
    await updateOrder(trx, order.id, { bonus_hold: 'RELEASED' });
    await enqueue(trx, loyaltyRefreshMessage(order.phone!));
  });
}

/**
 * A placement that failed while asking for its stock hold (a timeout) does not know whether the
 * hold was made. Asking again with the same key answers the hold made under it, or makes one now
 * (to be released at once); OUT_OF_STOCK means nothing is held.
 */
async function findLostHold(deps: OrderDeps, orderId: string): Promise<string | undefined> {
  const lines = await linesOfOrders(deps.db, [orderId]);
  if (lines.length === 0) return undefined;
  try {
    const hold = await deps.inventory.holdStock(orderId, lines.map((l) => ({ offerId: l.offer_id, quantity: l.quantity })), deps.settings.holdTtlSeconds);
    await updateOrder(deps.db, orderId, { stock_hold_id: hold.id });
    return hold.id;
  } catch (error) {
    if (error instanceof AppError && error.code === 'OUT_OF_STOCK') return undefined;
    throw error;
  }
}
