import { z } from 'zod';
import type { OutboxEnqueue } from '../platform/outbox.js';

/** Topic of the message that re-reads an account's figures from BonusPlus after they changed there. */
export const LOYALTY_REFRESH_TOPIC = 'loyalty.refresh';

/** Producer: the order subgraph. Consumer: loyalty. */
export const loyaltyRefreshSchema = z.object({ phone: z.string().regex(/^\+\d{8,15}$/) });

/**
 * Sent by the order side after a bonus hold, release or sale, so the account page and the CRM card
 * show the new balance without waiting for the read model's TTL.
 */
export const loyaltyRefreshMessage = (phone: string): OutboxEnqueue => ({ topic: LOYALTY_REFRESH_TOPIC, payload: { phone } });
