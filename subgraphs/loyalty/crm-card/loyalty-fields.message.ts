import type { OutboxEnqueue } from '../../../platform/outbox.js';

/** Topic of the message that writes a customer's loyalty figures to their RetailCRM card (R4). */
export const LOYALTY_FIELDS_TOPIC = 'crm.loyalty-fields';

/**
 * Carries only the phone: the handler sends the figures current when it runs, so a late retry
 * never writes old numbers over new ones.
 */
export const loyaltyFieldsMessage = (phone: string): OutboxEnqueue => ({ topic: LOYALTY_FIELDS_TOPIC, payload: { phone } });
