import { forbidden, notFound, unauthenticated } from '../../platform/errors.js';
import { canSee } from '../../platform/identity.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import type { Resolvers } from './__generated__/resolvers-types.js';

/**
 * The loyalty subgraph only reads. There is no operation here, for any role, that changes a
 * balance by hand (R12): bonuses move through purchases, payments, returns and program rules.
 */
export const loyaltyResolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Customer: {
    __resolveReference: (reference, ctx) => {
      if (!canSee(ctx.identity, reference.id)) throw ctx.identity.kind === 'anonymous' ? unauthenticated() : forbidden('A customer sees only their own data');
      return reference;
    },
    loyalty: async (customer, _args, ctx) => {
      if (!canSee(ctx.identity, customer.id)) throw forbidden('A customer sees only their own data');
      const phone = (customer as { phone?: string | null }).phone;
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
  },
};
