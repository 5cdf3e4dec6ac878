import { z } from 'zod';
import type { OutboxEnqueue } from '../platform/outbox.js';

/**
 * Topic of the message the order subgraph (its producer) sends whenever what one order will still
 * earn may have changed: placed, cancelled or expired, its sale registered in BonusPlus. The loyalty
 * subgraph adds these figures to BonusPlus's not-yet-active bonuses to show pending bonuses (R8):
 * BonusPlus hears of a sale only once it is fully paid, so until then only the order side knows.
 */
export const PENDING_BONUSES_TOPIC = 'order.pending-bonuses';

export const pendingBonusesSchema = z.object({
  orderId: z.string().min(1).max(100),
  /** E.164: the loyalty account's key (BonusPlus knows people by phone only). */
  phone: z.string().regex(/^\+\d{8,15}$/),
  customerId: z.string().min(1).max(100),
  /**
   * What the order will still earn and BonusPlus has not credited: its earned bonuses, less what
   * its returns took back, while it is live and its sale is not registered; 0 once it ended or
   * BonusPlus holds the bonuses itself. An absolute figure, so a repeat changes nothing.
   */
  bonuses: z.number().int().min(0),
});

export type PendingBonuses = z.infer<typeof pendingBonusesSchema>;

/**
 * No dedupe key: every change is a new figure. The producer writes it in the transaction that
 * changed the order, after locking the order's row, so the messages of one order are numbered
 * (outbox id) in the order their figures were decided: a consumer keeps the highest-numbered one,
 * whatever order a retry delivers them in.
 */
export const pendingBonusesMessage = (figure: PendingBonuses): OutboxEnqueue => ({ topic: PENDING_BONUSES_TOPIC, payload: pendingBonusesSchema.parse(figure) });
