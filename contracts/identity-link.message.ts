import { z } from 'zod';
import type { OutboxEnqueue } from '../platform/outbox.js';

/** Topic of the message that records a customer's BonusPlus id in the identity map (R2). */
export const LINK_BONUSPLUS_TOPIC = 'customer.link-bonusplus';

/** Producer: the loyalty subgraph (an enrolment made or adopted). Consumer: customer (the identity map). */
export const bonusPlusLinkSchema = z.object({
  customerId: z.string().min(1).max(100),
  bonusPlusId: z.number().int().positive(),
});

export type BonusPlusLink = Readonly<z.infer<typeof bonusPlusLinkSchema>>;

export const linkBonusPlusMessage = (customerId: string, bonusPlusId: number): OutboxEnqueue => ({
  topic: LINK_BONUSPLUS_TOPIC,
  payload: { customerId, bonusPlusId } satisfies BonusPlusLink,
  dedupeKey: `${LINK_BONUSPLUS_TOPIC}:${customerId}:${bonusPlusId}`,
});
