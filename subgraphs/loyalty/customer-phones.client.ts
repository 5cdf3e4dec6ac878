import type { Kysely } from 'kysely';
import type { SubgraphClient } from '../../platform/http/subgraph-client.js';
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
 * The phone whose account belongs to each customer, by the customer's id alone: the account linked
 * to the id at enrolment, else the phone the customer subgraph has for the id (seed and showroom
 * customers' accounts are not linked) unless that phone's account is linked to someone else. Never
 * the phone a representation carries: whoever sends `_entities` chooses that.
 */
export async function phonesOfCustomers(db: Kysely<LoyaltyDb>, customers: CustomerPhonesPort | undefined, ids: readonly string[]): Promise<Map<string, string>> {
  const linked = await db.selectFrom('loyalty.accounts').select(['customer_id', 'phone']).where('customer_id', 'in', [...ids]).execute();
  const result = new Map(linked.map((r) => [r.customer_id!, r.phone]));
  const rest = ids.filter((id) => !result.has(id));
  if (rest.length === 0 || !customers) return result;
  const asked = await customers.phones(rest);
  if (asked.size === 0) return result;
  const owners = new Map(
    (await db.selectFrom('loyalty.accounts').select(['phone', 'customer_id']).where('phone', 'in', [...asked.values()]).execute()).map((r) => [r.phone, r.customer_id]),
  );
  for (const [id, phone] of asked) {
    const owner = owners.get(phone);
    if (owner === undefined || owner === null || owner === id) result.set(id, phone);
  }
  return result;
}
