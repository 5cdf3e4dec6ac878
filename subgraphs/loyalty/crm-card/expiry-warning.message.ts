import type { OutboxEnqueue } from '../../../platform/outbox.js';

/** Topic of the message that writes an expiring-bonuses warning to the customer's RetailCRM card (R13). */
export const EXPIRY_WARNING_TOPIC = 'crm.bonus-expiry-warning';

export interface ExpiryWarning {
  /** Our customer id: the RetailCRM `externalId` of the card. */
  readonly customerId: string;
  /** E.164. */
  readonly phone: string;
  /** BonusPlus lot id. */
  readonly lotId: number;
  /** Bonuses of the lot left when the warning was queued. */
  readonly amount: number;
  /** ISO instant the lot burns at. */
  readonly expiresAt: string;
}

/**
 * One message per lot, ever: the dedupe key names the lot, so the daily run may see a lot on every
 * day of its warning window and the customer is still warned once.
 */
export const expiryWarningMessage = (warning: ExpiryWarning): OutboxEnqueue => ({
  topic: EXPIRY_WARNING_TOPIC,
  payload: warning,
  dedupeKey: `bonus-expiry-warning:${warning.lotId}`,
});
