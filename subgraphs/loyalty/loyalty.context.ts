import DataLoader from 'dataloader';
import type { AppError } from '../../platform/errors.js';
import type { Identity } from '../../platform/identity.js';
import type { BaseSubgraphContext } from '../../platform/subgraph-server.js';
import type { LoyaltyDeps } from './loyalty.deps.js';
import { accountFromRow, tierFromRow, type LoyaltyAccount, type LoyaltyTier } from './loyalty.model.js';
import { loadAccounts, loadCardTypes } from './loyalty-read.service.js';

export interface LoyaltyContext extends BaseSubgraphContext {
  readonly deps: LoyaltyDeps;
  /** Accounts by E.164 phone, batched per request (one BonusPlus call at most per batch). */
  readonly accountByPhone: DataLoader<string, LoyaltyAccount | null>;
  /** Card types by id, read once per request. */
  readonly tierById: DataLoader<number, LoyaltyTier | null>;
}

export function createLoyaltyContext(deps: LoyaltyDeps, identity: Identity): LoyaltyContext {
  return {
    identity,
    deps,
    accountByPhone: new DataLoader<string, LoyaltyAccount | null>(async (phones) => {
      const found = await loadAccounts(deps, phones);
      return phones.map((phone): LoyaltyAccount | null | AppError => {
        const value = found.get(phone);
        if (value === undefined) return null;
        return value instanceof Error ? value : accountFromRow(value);
      });
    }),
    tierById: new DataLoader(async (ids) => {
      const types = new Map((await loadCardTypes(deps)).map((t) => [t.id, tierFromRow(t)]));
      return ids.map((id) => types.get(id) ?? null);
    }),
  };
}
