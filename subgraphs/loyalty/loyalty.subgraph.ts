import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { SubgraphDefinition } from '../../platform/subgraph-server.js';
import { createLoyaltyContext, type LoyaltyContext } from './loyalty.context.js';
import type { LoyaltyDeps } from './loyalty.deps.js';
import { loyaltyResolvers } from './loyalty.resolvers.js';

const typeDefs = parse(readFileSync(new URL('../../schema/loyalty.graphql', import.meta.url), 'utf8'));

/** The loyalty subgraph as data: schema, resolvers and per-request context. */
export function buildLoyaltySubgraph(deps: LoyaltyDeps): SubgraphDefinition<LoyaltyContext> {
  return {
    name: 'loyalty',
    typeDefs,
    resolvers: loyaltyResolvers,
    createContext: (identity) => createLoyaltyContext(deps, identity),
  };
}
