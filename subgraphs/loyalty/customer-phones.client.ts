import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../platform/errors.js';
import type { SubgraphClient } from '../../platform/http/subgraph-client.js';
import { writeAndEnqueue } from '../../platform/outbox.js';
import { loyaltyFieldsMessage } from './crm-card/loyalty-fields.message.js';
import type { LoyaltyDb } from './loyalty.table.js';

/** Customers' phones as the customer subgraph (their owner) has them. */
export interface CustomerPhonesPort {
  /** Each id's E.164 phone; an id the customer subgraph does not know, or one with no phone, is left out. */
  phones(ids: readonly string[]): Promise<Map<string, string>>;
}

const PHONES = `query LoyaltyCustomerPhones($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id phone } } }`;

/** The customer subgraph, asked as the loyalty service. */
export function customerPhones(client: SubgraphClient): CustomerPhonesPort {
  const ask = async (ids: readonly string[]) => {
    const data = await client.request<{ _entities: ({ id: string; phone: string | null } | null)[] }>(PHONES, { r: ids.map((id) => ({ __typename: 'Customer', id })) });
    return data._entities.flatMap((c) => (c?.phone ? [[c.id, c.phone] as const] : []));
  };
  return {
    async phones(ids) {
      if (ids.length === 0) return new Map();
      try {
        return new Map(await ask(ids));
      } catch (error) {
        // One unknown id refuses the whole batch: ask for each alone, and leave out the unknown.
        if (!(error instanceof Error && 'code' in error && error.code === 'NOT_FOUND')) throw error;
        const found = new Map<string, string>();
        for (const id of ids) {
          try {
            for (const [key, phone] of await ask([id])) found.set(key, phone);
          } catch (one) {
            if (!(one instanceof Error && 'code' in one && one.code === 'NOT_FOUND')) throw one;
          }
        }
        return found;
      }
    },
  };
}

/**
 * The phone whose account belongs to each of these customers, known to have no account linked to
 * their id, by the id alone: the phone the customer subgraph has for the id, unless that phone's
 * account is linked to someone else. Never the phone a representation carries: whoever sends
 * `_entities` chooses that.
 *
 * An account found that nobody is linked to (a customer of the retailer's from before the graph,
 * seeded or imported from a showroom, whose account BonusPlus had already) is linked to the id
 * there and then, as enrolment links a new customer's (R2: one identity map). A phone with no
 * account here yet is in `unopened` (phone to id): the read that opens its account from BonusPlus
 * links it (`loadAccounts`). The customer subgraph keeps a customer's phone for good (R1), so the
 * link holds as the lookup would; and the account's later reads, its figures for the CRM card and
 * its expiry warnings go by the link, not by a call to the customer subgraph on every account page.
 */
export async function phonesOfUnlinkedCustomers(
  db: Kysely<LoyaltyDb>,
  customers: CustomerPhonesPort | undefined,
  ids: readonly string[],
): Promise<{ phones: Map<string, string>; unopened: Map<string, string> }> {
  const result = { phones: new Map<string, string>(), unopened: new Map<string, string>() };
  if (ids.length === 0 || !customers) return result;
  const asked = await customers.phones(ids);
  if (asked.size === 0) return result;
  const owners = new Map(
    (await db.selectFrom('loyalty.accounts').select(['phone', 'customer_id']).where('phone', 'in', [...asked.values()]).execute()).map((r) => [r.phone, r.customer_id]),
  );
  for (const [id, phone] of asked) {
    const owner = owners.get(phone);
    if (owner === undefined || owner === null || owner === id) result.phones.set(id, phone);
    if (owner === undefined) result.unopened.set(phone, id);
    if (owner === null) await linkAccount(db, phone, id);
  }
  return result;
}

/**
 * Links the account of `phone` to the customer, when nobody holds it: one linked meanwhile stays as
 * it is, and so does an id that was linked to another account meanwhile (the unique index refuses
 * it). A link made queues the CRM card in the same statement (R4): from now on the card follows the
 * account, and it gets the figures the account has now. Says whether the link was made.
 */
export async function linkAccount(db: Kysely<LoyaltyDb>, phone: string, customerId: string): Promise<boolean> {
  const link = db.updateTable('loyalty.accounts').set({ customer_id: customerId }).where('phone', '=', phone).where('customer_id', 'is', null).returning('phone');
  try {
    return (await writeAndEnqueue(db, link, [loyaltyFieldsMessage(phone, customerId)])) !== undefined;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return false;
  }
}
