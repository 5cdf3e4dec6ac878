import type { Kysely } from 'kysely';
import { pendingBonusesMessage } from '../../contracts/pending-bonuses.message.js';
import { enqueue, type OutboxEnqueue } from '../../platform/outbox.js';
import type { OrderDb, OrderLineRow, OrderRow, OrderState } from './order.table.js';
import { returnShare } from './returns/return-rules.js';

const LIVE: readonly OrderState[] = ['PLACED', 'APPROVED', 'SHIPPED', 'DELIVERED'];

type PendingBonusesOrder = Pick<OrderRow, 'id' | 'origin' | 'state' | 'sale_registered_at' | 'phone' | 'customer_id'>;
type PendingBonusesLine = Pick<OrderLineRow, 'quantity' | 'bonuses_earned' | 'bonuses_spent' | 'total' | 'returned_quantity'>;
/** Orders made elsewhere, and orders without a phone, have no pending bonuses to tell. */
const hasPendingBonuses = (order: Pick<OrderRow, 'origin' | 'phone'>) => order.origin === 'graph' && !!order.phone;

/**
 * What an order will still earn that BonusPlus has not credited (R8): a live order placed through
 * the graph, its sale not yet registered, earns its lines' bonuses less what returns took back
 * (by the returns' own rounding rule). Orders made elsewhere are BonusPlus's business alone.
 */
export function bonusesPendingOf(order: Pick<OrderRow, 'origin' | 'state' | 'sale_registered_at'>, lines: readonly PendingBonusesLine[]): number {
  if (order.origin !== 'graph' || !LIVE.includes(order.state) || order.sale_registered_at) return 0;
  return lines.reduce((sum, l) => {
    const back = l.returned_quantity > 0 ? returnShare({ quantity: l.quantity, earned: l.bonuses_earned, spent: l.bonuses_spent, paid: l.total }, 0, l.returned_quantity).earnedReversed : 0;
    return sum + l.bonuses_earned - back;
  }, 0);
}

/**
 * Tells the loyalty subgraph what the order will still earn, in the caller's transaction. The
 * order's row is locked first, so two changes of one order queue their figures in commit order
 * (the contract's consumers keep the latest by outbox id). Orders without a phone have no account.
 */
export async function queuePendingBonuses(trx: Kysely<any>, orderId: string, known?: { readonly order: OrderRow; readonly lines: readonly OrderLineRow[] }): Promise<void> {
  const db = trx as Kysely<OrderDb>;
  // A caller that has just updated the order in this transaction holds its row lock and knows it and its lines.
  const order = known?.order ?? (await db.selectFrom('ordering.orders').select(['id', 'origin', 'state', 'sale_registered_at', 'phone', 'customer_id']).where('id', '=', orderId).forUpdate().executeTakeFirst());
  if (!order || !hasPendingBonuses(order)) return;
  const lines = known?.lines ?? (await db.selectFrom('ordering.order_lines').select(['quantity', 'bonuses_earned', 'bonuses_spent', 'total', 'returned_quantity']).where('order_id', '=', orderId).execute());
  await enqueue(trx, pendingBonusesOf(order, lines)!);
}

/** The message of `queuePendingBonuses` for an order and lines at hand, for a caller that sends it with others; none for an order without one. */
export function pendingBonusesOf(order: PendingBonusesOrder, lines: readonly PendingBonusesLine[]): OutboxEnqueue | undefined {
  if (!hasPendingBonuses(order)) return undefined;
  return pendingBonusesMessage({ orderId: order.id, phone: order.phone!, customerId: order.customer_id, bonuses: bonusesPendingOf(order, lines) });
}
