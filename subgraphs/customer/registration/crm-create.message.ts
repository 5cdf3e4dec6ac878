import { z } from 'zod';
import { customerCreateInCrmKey } from '../../../contracts/customer-in-crm.message.js';
import type { OutboxEnqueue } from '../../../platform/outbox.js';

/**
 * Topic of the message that brings a customer registered in our database into RetailCRM (F1):
 * produced and handled by this subgraph, so a sign-up never waits for RetailCRM.
 */
export const CREATE_IN_CRM_TOPIC = 'customer.create-in-crm';

export const createInCrmSchema = z.object({ customerId: z.string().min(1).max(100) });

export type CreateInCrmRequest = z.infer<typeof createInCrmSchema>;

/** One per customer. The handler reads the customer's row when it runs, so it sends what is current. */
export const createInCrmMessage = (customerId: string): OutboxEnqueue => ({
  topic: CREATE_IN_CRM_TOPIC,
  payload: { customerId } satisfies CreateInCrmRequest,
  dedupeKey: customerCreateInCrmKey(customerId),
});
