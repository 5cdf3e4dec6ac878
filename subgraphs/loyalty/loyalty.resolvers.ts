import type { Kysely } from 'kysely';
import { decodeCursor, encodeCursor } from '../../platform/cursor.js';
import { badInput, forbidden, notFound, unauthenticated } from '../../platform/errors.js';
import { runAsBackground } from '../../platform/http/upstream-budget.js';
import { canSee, requireStaff } from '../../platform/identity.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { bonusTransactionFromRow } from './loyalty.model.js';
import { findTransactionsPage } from './loyalty.repository.js';
import type { LoyaltyDb } from './loyalty.table.js';
import { reconcileCustomers } from './reconciliation/reconciliation.service.js';

const DAY_MS = 86_400_000;
const MAX_WITHIN_DAYS = 3650;
const MAX_PAGE = 100;

function afterTransaction(cursor: string): { occurredAt: Date; id: number } {
  const [at, id] = decodeCursor(cursor, 2) as [string, string];
  const occurredAt = new Date(at);
  if (Number.isNaN(occurredAt.getTime()) || !/^\d{1,15}$/.test(id)) throw badInput('Malformed cursor');
  return { occurredAt, id: Number(id) };
}

/**
 * The loyalty subgraph only reads. There is no operation here, for any role, that changes a
 * balance by hand (R12): bonuses move through purchases, payments, returns and program rules.
 * Everything under `LoyaltyAccount` is reached through `Customer.loyalty`, which checks that the
 * caller is the customer or staff.
 */
export const loyaltyResolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Reconciliation: {
    __resolveReference: (reference, ctx) => {
      requireStaff(ctx.identity, 'admin');
      return { id: reference.id };
    },
    customers: (_r, _a, ctx) => {
      requireStaff(ctx.identity, 'admin');
      // It pages through every customer in both systems: a checkout must not queue behind it.
      return runAsBackground(() => reconcileCustomers(ctx.deps));
    },
  },
  Customer: {
    __resolveReference: (reference, ctx) => {
      if (!canSee(ctx.identity, reference.id)) throw ctx.identity.kind === 'anonymous' ? unauthenticated() : forbidden('A customer sees only their own data');
      return reference;
    },
    loyalty: async (customer, _args, ctx) => {
      if (!canSee(ctx.identity, customer.id)) throw forbidden('A customer sees only their own data');
      // By the id the caller may see, never by the representation's phone, which the caller chooses.
      const phone = await ctx.phoneByCustomerId.load(customer.id);
      if (!phone) return null;
      return ctx.accountByPhone.load(phone);
    },
  },
  LoyaltyAccount: {
    tier: async (account, _args, ctx) => {
      const tier = account.tierId === null ? null : await ctx.tierById.load(account.tierId);
      if (!tier) throw notFound('The account has an unknown card type');
      return tier;
    },
    expiring: async (account, { withinDays }, ctx) => {
      if (!Number.isInteger(withinDays) || withinDays < 0 || withinDays > MAX_WITHIN_DAYS) throw badInput(`withinDays must be between 0 and ${MAX_WITHIN_DAYS}`);
      const now = Date.now();
      const until = now + withinDays * DAY_MS;
      // Lots come soonest expiry first; one that expired since the last read is already gone.
      return (await ctx.lotsByPhone.load(account.phone)).filter((lot) => lot.remaining > 0 && lot.expiresAt !== null && lot.expiresAt.getTime() > now && lot.expiresAt.getTime() <= until);
    },
    transactions: async (account, { first, after }, ctx) => {
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`);
      const cursor = after ? afterTransaction(after) : undefined;
      await ctx.detailsByPhone.load(account.phone);
      const page = await findTransactionsPage(ctx.deps.db as Kysely<LoyaltyDb>, account.phone, { first, ...(cursor ? { after: cursor } : {}) });
      const edges = page.rows.map((row) => ({ cursor: encodeCursor(row.occurred_at.toISOString(), String(row.transaction_id)), node: bonusTransactionFromRow(row) }));
      return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  },
};
