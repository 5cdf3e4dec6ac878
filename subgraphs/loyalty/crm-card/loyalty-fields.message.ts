import { customerCreateInCrmKey } from '../../../contracts/customer-in-crm.message.js';
import type { OutboxEnqueue } from '../../../platform/outbox.js';

/** Topic of the message that writes a customer's loyalty figures to their RetailCRM card (R4). */
export const LOYALTY_FIELDS_TOPIC = 'crm.loyalty-fields';

/**
 * Carries only the phone: the handler sends the figures current when it runs, so a late retry
 * never writes old numbers over new ones. Waits for the customer's creation in RetailCRM while that
 * is queued (a customer registered here, whose card the customer subgraph's outbox has not made
 * yet: written before, the figures would only meet a 404, a request of RetailCRM's ten a second
 * spent for nothing); a customer whose creation was never queued (one RetailCRM had first) does not
 * wait. None is given for an account no customer holds.
 */
export const loyaltyFieldsMessage = (phone: string, customerId: string | null): OutboxEnqueue => ({
  topic: LOYALTY_FIELDS_TOPIC,
  payload: { phone },
  ...(customerId ? { after: customerCreateInCrmKey(customerId) } : {}),
});
