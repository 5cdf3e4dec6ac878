import type { Kysely } from 'kysely';
import { BonusPlusApiError, type BpCustomer } from '../../../connectors/bonusplus/bonusplus.port.js';
import { enqueue } from '../../../platform/outbox.js';
import { phoneDigits } from '../../../platform/phone.js';
import type { EnrollmentRequest } from '../../../contracts/enrollment.message.js';
import { linkBonusPlusMessage } from '../../../contracts/identity-link.message.js';
import type { LoyaltyDeps } from '../loyalty.deps.js';
import { allotCard, saveBonusPlusFigures } from '../loyalty.repository.js';
import type { LoyaltyDb } from '../loyalty.table.js';
import { loyaltyFieldsMessage } from '../crm-card/loyalty-fields.message.js';

/**
 * Enrols a registered customer in BonusPlus (R3): an account with the welcome bonus, a virtual
 * card and the default card type. Runs from the outbox, so it is retried until BonusPlus answers,
 * and it is safe to run twice: the card number is allotted once, and a customer BonusPlus already
 * knows (a showroom buyer, or our own earlier attempt whose reply was lost) is adopted, not
 * created again — so the welcome bonus is credited once.
 */
export async function enrollCustomer(deps: LoyaltyDeps, request: EnrollmentRequest): Promise<void> {
  const db = deps.db as Kysely<LoyaltyDb>;
  const account = await allotCard(db, request.phone, request.customerId);
  const digits = phoneDigits(request.phone);

  let bp = await deps.bonusPlus.findCustomer(digits);
  if (!bp) {
    bp = await createAccount(deps, digits, account.card_number, request);
    if (bp.discountCardName !== deps.settings.defaultCardType) bp = await deps.bonusPlus.changeCardType(digits, deps.settings.defaultCardType);
  }

  await db.transaction().execute(async (trx) => {
    await saveBonusPlusFigures(trx, [{ phone: request.phone, customerId: request.customerId, bp }]);
    await enqueue(trx, linkBonusPlusMessage(request.customerId, bp.id));
    // Most often before the customer subgraph's outbox has made the card: the figures wait for it.
    await enqueue(trx, loyaltyFieldsMessage(request.phone, request.customerId));
  });
  deps.logger.info({ customerId: request.customerId, card: bp.discountCardNumber }, 'customer enrolled in BonusPlus');
}

async function createAccount(deps: LoyaltyDeps, digits: string, cardNumber: string, request: EnrollmentRequest): Promise<BpCustomer> {
  try {
    return await deps.bonusPlus.createCustomer({
      phone: digits,
      card: cardNumber,
      regBonus: deps.settings.welcomeBonus,
      ...(request.firstName ? { fn: request.firstName } : {}),
      ...(request.lastName ? { ln: request.lastName } : {}),
      ...(request.patronymic ? { mn: request.patronymic } : {}),
      ...(request.email ? { email: request.email } : {}),
    });
  } catch (error) {
    // Our earlier attempt created it and its reply was lost: the account is ours.
    if (error instanceof BonusPlusApiError && error.code === 'CUSTOMER_ALREADY_EXISTS') {
      const existing = await deps.bonusPlus.findCustomer(digits);
      if (existing) return existing;
    }
    throw error;
  }
}
