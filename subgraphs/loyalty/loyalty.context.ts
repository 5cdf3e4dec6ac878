import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { AppError } from '../../platform/errors.js';
import type { Identity } from '../../platform/identity.js';
import type { BaseSubgraphContext } from '../../platform/subgraph-server.js';
import type { LoyaltyDeps } from './loyalty.deps.js';
import { accountFromRow, bonusLotFromRow, tierFromRow, type BonusLot, type LoyaltyAccount, type LoyaltyTier } from './loyalty.model.js';
import { findAccountViews, findLotsByPhones, type AccountView } from './loyalty.repository.js';
import { phonesOfUnlinkedCustomers } from './customer-phones.client.js';
import { detailsAreServable, loadAccounts, loadCardTypes, loadDetails } from './loyalty-read.service.js';
import type { LoyaltyDb } from './loyalty.table.js';

export interface LoyaltyContext extends BaseSubgraphContext {
  readonly deps: LoyaltyDeps;
  /** Accounts by E.164 phone, batched per request (one BonusPlus call at most per batch). */
  readonly accountByPhone: DataLoader<string, LoyaltyAccount | null>;
  /** The phone of each customer's account, found by the customer's id alone: the account linked to it, else `phonesOfUnlinkedCustomers`; batched per request. */
  readonly phoneByCustomerId: DataLoader<string, string | null>;
  /** Card types by id, read once per request. */
  readonly tierById: DataLoader<number, LoyaltyTier | null>;
  /** Resolves once the account's stored lots and ledger are fresh (read from BonusPlus when not), batched per request. */
  readonly detailsByPhone: DataLoader<string, true>;
  /** The account's lots with bonuses left, soonest expiry first, from the read model; batched per request. */
  readonly lotsByPhone: DataLoader<string, readonly BonusLot[]>;
}

export function createLoyaltyContext(deps: LoyaltyDeps, identity: Identity): LoyaltyContext {
  const db = deps.db as Kysely<LoyaltyDb>;
  // Accounts read with their customers' ids in this request (with pending bonuses, card type and
  // lots): the loaders below serve from them and read only what they lack.
  const known = new Map<string, AccountView>();
  // Phones of this request's customers whose accounts are not here yet: linked when a read opens them.
  const unopened = new Map<string, string>();
  const tierById = new DataLoader<number, LoyaltyTier | null>(async (ids) => {
    const types = new Map((await loadCardTypes(deps)).map((t) => [t.id, tierFromRow(t)]));
    return ids.map((id) => types.get(id) ?? null);
  });
  const detailsByPhone = new DataLoader<string, true>(async (phones) => {
    const found = await loadDetails(deps, phones, known);
    return phones.map((phone) => found.get(phone) ?? true);
  });
  return {
    identity,
    deps,
    accountByPhone: new DataLoader<string, LoyaltyAccount | null>(async (phones) => {
      const found = await loadAccounts(deps, phones, known, unopened);
      return phones.map((phone): LoyaltyAccount | null | AppError => {
        const value = found.get(phone);
        if (value === undefined) return null;
        return value instanceof Error ? value : accountFromRow(value);
      });
    }),
    phoneByCustomerId: new DataLoader<string, string | null>(async (ids) => {
      const linked = new Map<string, string>();
      for (const view of await findAccountViews(db, { customerIds: ids })) {
        known.set(view.phone, view);
        linked.set(view.customer_id!, view.phone);
        if (view.cardType) tierById.prime(view.cardType.id, tierFromRow(view.cardType));
      }
      const rest = ids.filter((id) => !linked.has(id));
      const { phones, unopened: opening } = await phonesOfUnlinkedCustomers(db, deps.customers, rest);
      for (const [phone, id] of opening) unopened.set(phone, id);
      return ids.map((id) => linked.get(id) ?? phones.get(id) ?? null);
    }),
    tierById,
    detailsByPhone,
    lotsByPhone: new DataLoader<string, readonly BonusLot[]>(async (phones) => {
      // Lots read with the account are current when its details were served as stored (nothing was read from BonusPlus since).
      const current = (phone: string) => {
        const view = known.get(phone);
        return view && detailsAreServable(deps, view) ? view.lots : undefined;
      };
      const ready = await detailsByPhone.loadMany(phones);
      const rows = await findLotsByPhones(db, phones.filter((p, i) => ready[i] === true && !current(p)));
      return phones.map((phone, i) => {
        const state = ready[i];
        if (state instanceof Error) return state;
        return (current(phone) ?? rows.filter((r) => r.phone === phone)).map(bonusLotFromRow);
      });
    }),
  };
}
