import { z } from 'zod';
import type { OutboxEnqueue } from '../platform/outbox.js';

/**
 * Topic of the message the order subgraph (its producer) sends once it has found or made a
 * customer's partner and counterparty in 1C: the customer subgraph, which owns the identity map
 * (R2), records them, and `Customer.externalIds.oneCGuid` shows the partner from then on. The order
 * subgraph never writes the customer schema itself.
 */
export const ONEC_PARTY_LINK_TOPIC = 'customer.link-onec';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

export const oneCPartyLinkSchema = z.object({
  customerId: z.string().min(1).max(100),
  /** `Catalog_Партнеры` Ref_Key, lower-case. */
  partnerRef: guid,
  /** `Catalog_Контрагенты` Ref_Key of that partner, lower-case. */
  counterpartyRef: guid,
});

export type OneCPartyLink = z.infer<typeof oneCPartyLinkSchema>;

/** One message per customer and party: every order of the customer finds the same party, and queues nothing new. */
export const oneCPartyLinkMessage = (link: OneCPartyLink): OutboxEnqueue => {
  const payload = oneCPartyLinkSchema.parse(link);
  return { topic: ONEC_PARTY_LINK_TOPIC, payload, dedupeKey: `${ONEC_PARTY_LINK_TOPIC}:${payload.customerId}:${payload.partnerRef}:${payload.counterpartyRef}` };
};
