import { subgraphTypeDefs, type SubgraphDefinition } from '../../platform/subgraph-server.js';
import { createLoyaltyContext, type LoyaltyContext } from './loyalty.context.js';
import type { LoyaltyDeps } from './loyalty.deps.js';
import { loyaltyResolvers } from './loyalty.resolvers.js';

const typeDefs = subgraphTypeDefs('loyalty');

/** The loyalty subgraph as data: schema, resolvers and per-request context. */
export function buildLoyaltySubgraph(deps: LoyaltyDeps): SubgraphDefinition<LoyaltyContext> {
  return {
    name: 'loyalty',
    typeDefs,
    resolvers: loyaltyResolvers,
    createContext: (identity) => createLoyaltyContext(deps, identity),
  };
}
