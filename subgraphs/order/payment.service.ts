import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { BonusPlusRetailError } from '../../connectors/bonusplus/bonusplus.port.js';
import { AppError, badInput, notFound } from '../../platform/errors.js';
import { UpstreamUnavailableError } from '../../platform/http/upstream-client.js';
import { idempotencyKeySchema, withIdempotency } from '../../platform/idempotency.js';
import { requireStaff, type Identity } from '../../platform/identity.js';
import { enqueue, PermanentFailure } from '../../platform/outbox.js';
import { loyaltyRefreshMessage } from '../loyalty/loyalty-refresh.message.js';
import { invalid, saleItems } from './checkout.service.js';
import type { CrmReferences } from './crm-references.js';
import type { OrderDeps } from './order.deps.js';
import { isVisible, orderFromRow, type Order } from './order.model.js';
import { findOrder, linesOfOrders, updateOrder } from './order.repository.js';
import { applyCrmOrder } from './order-sync.service.js';

/**
 * Records a fully paid order in BonusPlus as one receipt with its lines (F5, R8, R9): the bonus
 * reserve becomes the sale's debit and the earned bonuses are credited. Keyed by the order id as
 * the receipt's externalId, so the outbox may deliver it twice with one effect.
 */
export async function registerSale(deps: OrderDeps, orderId: string): Promise<void> {
  const order = await findOrder(deps.db, orderId);
  if (!order || order.origin !== 'graph' || !order.fully_paid_at || order.sale_registered_at) return;
  if (order.phone) {
    const lines = await linesOfOrders(deps.db, [order.id]);
    try {
      await deps.bonusPlus.registerSale({
        externalId: order.id,
        phone: order.phone,
        items: saleItems(lines.map((l) => ({ lineNo: l.line_no, offerId: l.offer_id, quantity: l.quantity, price: l.price, sum: l.price * l.quantity - l.discount }))),
        bonusDebit: order.bonuses_spent,
        ...(order.bonus_hold === 'HELD' ? { reserveId: order.id } : {}),
        ...(order.number ? { desc: `RetailCRM ${order.number}` } : {}),
      });
    } catch (error) {
      // A refusal (no such customer, the debit no longer covered) will not change by retrying: an operator decides.
      if (error instanceof BonusPlusRetailError) throw new PermanentFailure(`sale of order ${order.id} refused by BonusPlus: ${error.code}`);
      throw error;
    }
  }
  await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
    await updateOrder(trx, order.id, { sale_registered_at: new Date(), ...(order.bonus_hold === 'HELD' ? { bonus_hold: 'CONSUMED' as const } : {}) });
    if (order.phone) await enqueue(trx, loyaltyRefreshMessage(order.phone));
  });
}

export interface RecordPaymentInput {
  readonly orderId: string;
  readonly idempotencyKey: string;
  readonly amount?: number | null;
  readonly type?: string | null;
}

const paymentSchema = z.object({
  orderId: z.string().min(1).max(100),
  idempotencyKey: idempotencyKeySchema,
  amount: z.number().int('must be whole kopecks').positive('must be positive').nullable(),
  type: z.enum(['cash', 'bank-card']),
});

/**
 * A showroom payment taken by a cashier: added to the order in RetailCRM (keyed by the
 * idempotency key), then the order is read back and applied, so a payment that completes the order
 * queues its sale in BonusPlus at once.
 */
export async function recordPayment(deps: OrderDeps, references: CrmReferences, identity: Identity, input: RecordPaymentInput): Promise<Order> {
  requireStaff(identity, 'cashier', 'admin');
  const parsed = paymentSchema.safeParse({ ...input, amount: input.amount ?? null, type: input.type ?? 'cash' });
  if (!parsed.success) throw invalid('payment', parsed.error);
  const { orderId, idempotencyKey, amount, type } = parsed.data;
  return withIdempotency(deps.db, { scope: 'order.payment', key: `${orderId}:${idempotencyKey}`, input: { orderId, amount, type } }, async () => {
    const order = await findOrder(deps.db, orderId);
    if (!order || !isVisible(order)) throw notFound('No such order');
    if (order.state === 'CANCELLED' || order.state === 'EXPIRED') throw badInput(`A ${order.state.toLowerCase()} order cannot be paid`);
    const remaining = order.total - order.paid_total;
    const paying = amount ?? remaining;
    if (paying <= 0) throw badInput('The order is already paid');
    if (paying > remaining) throw badInput('The payment is more than the order still owes', { remaining });
    const externalId = `pay-${createHash('sha256').update(`${orderId}:${idempotencyKey}`).digest('hex').slice(0, 32)}`;
    try {
      await deps.crm.createPayment({ externalId: order.id }, { externalId, type, status: 'paid', amountKopecks: paying });
      const crmOrder = await deps.crm.getOrder(order.id, 'externalId');
      if (!crmOrder) throw new Error(`order ${order.id} is missing in RetailCRM`);
      const updated = await (deps.db as Kysely<any>).transaction().execute((trx) => applyCrmOrder(trx, references, crmOrder));
      return orderFromRow(updated ?? order);
    } catch (error) {
      if (error instanceof UpstreamUnavailableError) throw new AppError('UPSTREAM_UNAVAILABLE', 'RetailCRM is unavailable; the payment was not recorded. Try again with the same key');
      throw error;
    }
  });
}
