import { subgraphTypeDefs, type SubgraphDefinition } from '../../platform/subgraph-server.js';
import type { CrmReferences } from './crm-sync/crm-references.js';
import { createOrderContext, type OrderContext } from './order.context.js';
import type { OrderDeps } from './order.deps.js';
import { orderResolvers } from './order.resolvers.js';

const typeDefs = subgraphTypeDefs('order');

/** The order subgraph as data: schema, resolvers and per-request context. No ports, no timers. */
export function buildOrderSubgraph(deps: OrderDeps, references: CrmReferences): SubgraphDefinition<OrderContext> {
  return {
    name: 'order',
    // Staff actions and refused attempts at staff-only ones go to the audit trail (platform/audit.ts).
    audit: { db: deps.db, queries: ['reconciliation'] },
    typeDefs,
    resolvers: orderResolvers,
    createContext: (identity) => createOrderContext(deps, references, identity),
  };
}
