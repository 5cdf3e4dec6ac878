import type { Kysely } from 'kysely';
import { customerCreateInCrmKey, customerInCrmSchema } from '../../../contracts/customer-in-crm.message.js';
import { RetailCrmApiError } from '../../../connectors/retailcrm/retailcrm.port.js';
import { coalescePending, PermanentFailure, statusesAfter, statusOf, type OutboxMessage } from '../../../platform/outbox.js';
import type { LoyaltyDeps } from '../loyalty.deps.js';
import { pendingOf } from '../loyalty.model.js';
import { findAccountByPhone, findAccountViews } from '../loyalty.repository.js';
import { loadCardTypes } from '../loyalty-read.service.js';
import type { LoyaltyDb } from '../loyalty.table.js';
import { LOYALTY_FIELDS_TOPIC } from './loyalty-fields.message.js';

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
 * it only once the customer subgraph's outbox has created or adopted them in RetailCRM, most often
 * after enrolment: the message waits for that creation (`loyaltyFieldsMessage`), and
 * `customer.in-crm` writes the figures when no write was waiting for it. A 404 all the same (the
 * creation failed, or the card was removed in RetailCRM) writes nothing.
 *
 * RetailCRM allows about 10 requests a second for everything the graph sends it, so the figures go
 * once for all the changes queued so far: the other pending messages for this phone are taken out
 * of the queue before the figures are read (`coalescePending`), and a message taken out so by
 * another write is not sent. `message` is the one being handled (none when `customer.in-crm` asks).
 */
export async function pushLoyaltyFields(deps: LoyaltyDeps, payload: { phone: string }, message?: OutboxMessage): Promise<void> {
  const db = deps.db as Kysely<LoyaltyDb>;
  if (!(await coalescePending(db, LOYALTY_FIELDS_TOPIC, { field: 'phone', value: payload.phone }, message?.id))) return;
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
    // Queued after the customer's creation in RetailCRM, and that creation is not done: it failed
    // for an operator to look at. A dead letter here tells `customer.in-crm` to write the figures
    // once the creation is retried and done.
    const creation = message?.after_key ? await statusOf(db, message.after_key) : undefined;
    if (creation !== undefined && creation !== 'done') throw new PermanentFailure(`no RetailCRM card for customer ${account.customer_id}: its creation (${message!.after_key}) is ${creation}`);
    deps.logger.info({ customerId: account.customer_id }, 'no RetailCRM card for the customer: its loyalty fields follow its creation there');
  }
}

/**
 * The customer's RetailCRM card exists now (topic `customer.in-crm`): it gets the figures, if
 * enrolment is done (else enrolment queues them, to go once this card exists) and no write queued
 * for it goes or went once it existed.
 */
export async function onCustomerInCrm(deps: LoyaltyDeps, payload: unknown): Promise<void> {
  const parsed = customerInCrmSchema.safeParse(payload);
  if (!parsed.success) throw new PermanentFailure(`malformed customer.in-crm: ${parsed.error.message}`);
  const db = deps.db as Kysely<LoyaltyDb>;
  const account = await findAccountByPhone(db, parsed.data.phone);
  if (account?.status !== 'active') return;
  // The writes queued for this customer wait for their creation in RetailCRM (`loyaltyFieldsMessage`):
  // pending, they go now that the card exists; done, they went once it did (the same batch as this
  // message, often). Only when none was queued, or one failed, are the figures this write's to send.
  const queued = await statusesAfter(db, LOYALTY_FIELDS_TOPIC, customerCreateInCrmKey(parsed.data.customerId));
  if (!queued.has('dead') && (queued.has('pending') || queued.has('done'))) return;
  await pushLoyaltyFields(deps, { phone: account.phone });
}
