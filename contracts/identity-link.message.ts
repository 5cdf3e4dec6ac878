import type { OutboxEnqueue } from '../platform/outbox.js';

/** Topic of the message that records a customer's BonusPlus id in the identity map (R2). */
export const LINK_BONUSPLUS_TOPIC = 'customer.link-bonusplus';

export interface BonusPlusLink {
  readonly customerId: string;
  readonly bonusPlusId: number;
}

export const linkBonusPlusMessage = (customerId: string, bonusPlusId: number): OutboxEnqueue => ({
  topic: LINK_BONUSPLUS_TOPIC,
  payload: { customerId, bonusPlusId } satisfies BonusPlusLink,
  dedupeKey: `${LINK_BONUSPLUS_TOPIC}:${customerId}:${bonusPlusId}`,
});
