import type { Kysely } from 'kysely';
import { demoExternalId } from '../seed/demo-ids.js';
import { demoLoyalty } from '../seed/demo-loyalty.js';
import { demoPeople, type DemoPerson } from '../seed/demo-people.js';
import { applyPatch, blankCustomer, toApiCustomer, type CustomerState } from './retailcrm-customer.model.js';
import { hasCustomers, insertCustomers, insertHistory, lockWrites } from './retailcrm-customers.repository.js';
import type { HistoryInsert, RetailCrmEmulatorDb } from './retailcrm-emulator.table.js';

const DAY_MS = 86_400_000;
const CHUNK = 500;
/** The manager who creates customers by hand in the CRM UI. */
export const SEED_MANAGER_ID = 1;

/**
 * Demo person `index`'s externalId in RetailCRM (the shared `demoExternalId`), or undefined for the
 * one in ten (index % 10 = 9) a manager created in the CRM UI: no externalId until the graph
 * attaches one.
 */
export function demoCustomerExternalId(index: number): string | undefined {
  return index % 10 === 9 ? undefined : demoExternalId(index);
}

function seededCustomer(person: DemoPerson, site: string, createdAt: Date): CustomerState {
  const loyalty = demoLoyalty(person.index);
  return applyPatch(
    blankCustomer(site, createdAt),
    {
      externalId: demoCustomerExternalId(person.index) ?? null,
      firstName: person.firstName,
      lastName: person.lastName,
      patronymic: person.patronymic,
      sex: person.sex,
      email: person.email,
      birthday: person.birthday,
      phones: [{ number: `+${person.phoneDigits}` }],
      address: { countryIso: 'RU', city: person.city },
      customFields: {
        bonus_card_number: loyalty.cardNumber,
        bonus_card_type: loyalty.cardType.name,
        bonus_active: loyalty.availableBonuses,
        bonus_pending: loyalty.notActiveBonuses,
        bonus_spent: loyalty.debitedBonuses,
      },
    },
    createdAt,
  );
}

/**
 * Writes demo people 0..count-1 as customers of `site`, oldest first (so ids and history ids run
 * in creation order), each with its creation history record. Does nothing when the account has
 * customers already; returns whether it seeded.
 */
export async function seedCustomers(db: Kysely<RetailCrmEmulatorDb>, site: string, count: number, now = new Date()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockWrites(trx);
    if (await hasCustomers(trx)) return false;
    const today = Math.floor(now.getTime() / 1000) * 1000;
    const people = demoPeople(0, count)
      // A time of day per person, so that customers of one day are not created in the same second.
      .map((person) => ({ person, createdAt: new Date(today - person.daysAgo * DAY_MS - ((person.index * 7919) % 86_400) * 1000) }))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.person.index - b.person.index);

    const history: HistoryInsert[] = [];
    for (let i = 0; i < people.length; i += CHUNK) {
      const batch = people.slice(i, i + CHUNK);
      const inserted = await insertCustomers(trx, batch.map(({ person, createdAt }) => seededCustomer(person, site, createdAt)));
      const byEmail = new Map(inserted.map((c) => [c.email, c]));
      for (const { person, createdAt } of batch) {
        const customer = byEmail.get(person.email)!;
        const byManager = customer.externalId === null;
        history.push({
          created_at: createdAt,
          customer_id: customer.id,
          created: true,
          deleted: false,
          source: byManager ? 'user' : 'api',
          user_id: byManager ? SEED_MANAGER_ID : null,
          // Created by the web shop's integration: another key than any the emulator hands out.
          api_key: null,
          field: 'id',
          old_value: null,
          new_value: JSON.stringify(customer.id),
          customer: JSON.stringify(toApiCustomer(customer)),
        });
      }
    }
    history.sort((a, b) => (a.customer_id as number) - (b.customer_id as number));
    await insertHistory(trx, history);
    return true;
  });
}
