import type { Kysely } from 'kysely';
import { pendingBonusesSchema } from '../../contracts/pending-bonuses.message.js';
import { PermanentFailure, type OutboxMessage } from '../../platform/outbox.js';
import type { LoyaltyDeps } from './loyalty.deps.js';
import { saveOrderPendingBonuses } from './loyalty.repository.js';
import type { LoyaltyDb } from './loyalty.table.js';
import { loyaltyFieldsMessage } from './crm-card/loyalty-fields.message.js';

/**
 * Applies what the order subgraph says one order will still earn (contracts/pending-bonuses.message.ts):
 * stored unless a later figure of that order is (the outbox id orders them), and when the
 * account's pending bonuses moved, the CRM card is queued to follow (R4, R8). An account still
 * enrolling gets the figure with the card write its enrolment queues.
 */
export async function applyPendingBonuses(deps: LoyaltyDeps, payload: unknown, message: Pick<OutboxMessage, 'id'>): Promise<void> {
  const parsed = pendingBonusesSchema.safeParse(payload);
  if (!parsed.success) throw new PermanentFailure(`malformed pending bonuses: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { orderId, phone, customerId, bonuses } = parsed.data;
  // Stored, and the card queued to follow if the account's pending bonuses moved, in one statement.
  await saveOrderPendingBonuses(deps.db as Kysely<LoyaltyDb>, { orderId, phone, bonuses, version: Number(message.id) }, loyaltyFieldsMessage(phone, customerId));
}
