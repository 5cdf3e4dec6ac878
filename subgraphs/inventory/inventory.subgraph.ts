import { subgraphTypeDefs, type SubgraphDefinition } from '../../platform/subgraph-server.js';
import { createInventoryContext, type InventoryContext, type InventoryDeps } from './inventory.context.js';
import { inventoryResolvers } from './inventory.resolvers.js';

const typeDefs = subgraphTypeDefs('inventory');

/** The inventory subgraph as data: schema, resolvers and per-request context. */
export function buildInventorySubgraph(deps: InventoryDeps): SubgraphDefinition<InventoryContext> {
  return {
    name: 'inventory',
    // Staff actions and refused attempts at staff-only ones go to the audit trail (platform/audit.ts).
    audit: { db: deps.db },
    typeDefs,
    resolvers: inventoryResolvers,
    createContext: (identity) => createInventoryContext(deps, identity),
  };
}
