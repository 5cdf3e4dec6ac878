import type { Kysely } from 'kysely';
import { phoneDigits } from '../../platform/phone.js';
import { differenceOf, type Difference, type ReconciliationSection } from '../../platform/reconciliation.js';
import type { LoyaltyDeps } from './loyalty.deps.js';
import { CRM_LOYALTY_FIELDS } from './loyalty-fields.service.js';
import type { LoyaltyDb } from './loyalty.table.js';

/** A reconciliation named by its id; each subgraph resolves its own section of it. */
export interface ReconciliationRef {
  readonly id: string;
}

const BONUSPLUS_PAGE = 1000;
const CRM_PAGE = 100;

/**
 * Compares, for every customer with a loyalty account linked to a CRM card, the figures in
 * BonusPlus (the record), on the RetailCRM card (R4) and in the graph's read model: active,
 * pending and spent bonuses and the card number. Reads only: one BonusPlus call per 1,000
 * customers and one RetailCRM call per 100. The read model is compared as it is (not refreshed
 * first), so an account refresh that never happened shows up too.
 */
export async function reconcileCustomers(deps: LoyaltyDeps): Promise<ReconciliationSection> {
  const accounts = await (deps.db as Kysely<LoyaltyDb>).selectFrom('loyalty.accounts').selectAll().where('status', '=', 'active').where('customer_id', 'is not', null).orderBy('phone').execute();
  const differences: Difference[] = [];
  const inBonusPlus = new Map<string, Awaited<ReturnType<LoyaltyDeps['bonusPlus']['listCustomers']>>[number]>();
  for (let i = 0; i < accounts.length; i += BONUSPLUS_PAGE) {
    const batch = accounts.slice(i, i + BONUSPLUS_PAGE);
    for (const customer of await deps.bonusPlus.listCustomers({ phone: batch.map((a) => phoneDigits(a.phone)), rowCount: batch.length })) inBonusPlus.set(customer.phone, customer);
  }
  const cards = new Map<string, Readonly<Record<string, unknown>>>();
  for (let i = 0; i < accounts.length; i += CRM_PAGE) {
    const batch = accounts.slice(i, i + CRM_PAGE);
    const { customers } = await deps.crm.listCustomers({ externalIds: batch.map((a) => a.customer_id!) }, { limit: CRM_PAGE });
    for (const customer of customers) if (customer.externalId) cards.set(customer.externalId, customer.customFields);
  }
  for (const account of accounts) {
    const bp = inBonusPlus.get(phoneDigits(account.phone));
    const card = cards.get(account.customer_id!);
    const subject = account.customer_id!;
    if (!bp || !card) {
      differences.push({ subject, field: 'account', values: [{ system: 'graph', value: account.card_number }, { system: 'BonusPlus', value: bp ? bp.discountCardNumber : null }, { system: 'RetailCRM', value: card ? 'card' : null }] });
      continue;
    }
    const compared = [
      differenceOf(subject, 'active bonuses', { BonusPlus: bp.availableBonuses, RetailCRM: card[CRM_LOYALTY_FIELDS.active], graph: account.available }),
      differenceOf(subject, 'pending bonuses', { BonusPlus: bp.notActiveBonuses, RetailCRM: card[CRM_LOYALTY_FIELDS.pending], graph: account.pending }),
      differenceOf(subject, 'spent bonuses', { BonusPlus: bp.debitedBonuses, RetailCRM: card[CRM_LOYALTY_FIELDS.spent], graph: account.spent }),
      differenceOf(subject, 'card number', { BonusPlus: bp.discountCardNumber, RetailCRM: card[CRM_LOYALTY_FIELDS.cardNumber], graph: account.card_number }),
    ];
    differences.push(...compared.filter((d): d is Difference => d !== undefined));
  }
  return { checked: accounts.length, differences };
}
