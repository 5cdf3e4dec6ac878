import { z } from 'zod';
import type { OutboxEnqueue } from '../platform/outbox.js';

/**
 * Topic of the message the customer subgraph (its producer) sends once a customer registered in
 * our database has a RetailCRM card addressed by our id (`externalId`): created there, or an
 * existing one adopted. Registration no longer waits for RetailCRM, so enrolment may finish first
 * and find no card to write the loyalty figures to; the loyalty subgraph writes them on this
 * message (R4).
 */
export const CUSTOMER_IN_CRM_TOPIC = 'customer.in-crm';

/**
 * The dedupe key of the customer subgraph's own message that creates a registered customer in
 * RetailCRM: an order placed before its customer is there waits for it (OutboxEnqueue.after)
 * instead of failing and backing off until it is.
 */
export const customerCreateInCrmKey = (customerId: string): string => `customer.create-in-crm:${customerId}`;

export const customerInCrmSchema = z.object({
  customerId: z.string().min(1).max(100),
  /** E.164: the loyalty account's key. */
  phone: z.string().regex(/^\+\d{8,15}$/),
  retailCrmId: z.number().int().positive(),
});

export type CustomerInCrm = z.infer<typeof customerInCrmSchema>;

/** Once per customer and CRM card: a redelivered handler run queues nothing new. */
export const customerInCrmMessage = (fact: CustomerInCrm): OutboxEnqueue => {
  const payload = customerInCrmSchema.parse(fact);
  return { topic: CUSTOMER_IN_CRM_TOPIC, payload, dedupeKey: `${CUSTOMER_IN_CRM_TOPIC}:${payload.customerId}:${payload.retailCrmId}` };
};
