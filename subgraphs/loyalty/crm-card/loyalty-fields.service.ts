import type { Kysely } from 'kysely';
import { customerInCrmSchema } from '../../../contracts/customer-in-crm.message.js';
import { RetailCrmApiError } from '../../../connectors/retailcrm/retailcrm.port.js';
import { PermanentFailure } from '../../../platform/outbox.js';
import type { LoyaltyDeps } from '../loyalty.deps.js';
import { pendingOf } from '../loyalty.model.js';
import { findAccountByPhone, findAccountViews } from '../loyalty.repository.js';
import { loadCardTypes } from '../loyalty-read.service.js';
import type { LoyaltyDb } from '../loyalty.table.js';

/** Codes of the RetailCRM customer custom fields that carry loyalty figures. */
export const CRM_LOYALTY_FIELDS = {
  cardNumber: 'bonus_card_number',
  cardType: 'bonus_card_type',
  active: 'bonus_active',
  pending: 'bonus_pending',
  spent: 'bonus_spent',
} as const;

/**
 * Writes the account's current figures to the customer's RetailCRM card (R4), pending bonuses as
 * the account page shows them (BonusPlus's not yet active plus what live orders will earn, R8).
 * Setting the same values twice is harmless, so the outbox may deliver this more than once.
 * The card is addressed by our id (its `externalId`). A customer registered in our database gets
 * it only once the customer subgraph's outbox has created or adopted them in RetailCRM, maybe after
 * enrolment: until then there is no card (404), nothing is written, and `customer.in-crm` brings
 * the figures once the card exists.
 */
export async function pushLoyaltyFields(deps: LoyaltyDeps, payload: { phone: string }): Promise<void> {
  const db = deps.db as Kysely<LoyaltyDb>;
  const [account] = await findAccountViews(db, { phones: [payload.phone] }, { lots: false });
  if (!account || account.status !== 'active') throw new PermanentFailure(`no active loyalty account for ${payload.phone}`);
  if (!account.customer_id) return; // a showroom-only buyer has no CRM card yet
  // Card types not read from BonusPlus yet (a fresh start): read now, for the tier's name.
  const tier = account.cardType ?? (account.card_type_id === null ? undefined : (await loadCardTypes(deps)).find((t) => t.id === account.card_type_id));
  try {
    await deps.crm.editCustomer(account.customer_id, 'externalId', {
      discountCardNumber: account.card_number,
      customFields: {
        [CRM_LOYALTY_FIELDS.cardNumber]: account.card_number,
        [CRM_LOYALTY_FIELDS.cardType]: tier?.name ?? String(account.card_type_id ?? ''),
        [CRM_LOYALTY_FIELDS.active]: account.available,
        [CRM_LOYALTY_FIELDS.pending]: pendingOf(account),
        [CRM_LOYALTY_FIELDS.spent]: account.spent,
      },
    });
  } catch (error) {
    if (!(error instanceof RetailCrmApiError && error.status === 404)) throw error;
    deps.logger.info({ customerId: account.customer_id }, 'no RetailCRM card for the customer yet: its loyalty fields follow its creation there');
  }
}

/** The customer's RetailCRM card exists now (topic `customer.in-crm`): it gets the figures, if enrolment is done (else enrolment queues them). */
export async function onCustomerInCrm(deps: LoyaltyDeps, payload: unknown): Promise<void> {
  const parsed = customerInCrmSchema.safeParse(payload);
  if (!parsed.success) throw new PermanentFailure(`malformed customer.in-crm: ${parsed.error.message}`);
  const account = await findAccountByPhone(deps.db as Kysely<LoyaltyDb>, parsed.data.phone);
  if (account?.status !== 'active') return;
  await pushLoyaltyFields(deps, { phone: account.phone });
}
