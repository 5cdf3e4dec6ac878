import { subgraphTypeDefs, type SubgraphDefinition } from '../../platform/subgraph-server.js';
import { createCustomerContext, type CustomerContext, type CustomerServices } from './customer.context.js';
import { customerResolvers } from './customer.resolvers.js';

const typeDefs = subgraphTypeDefs('customer');

/** The customer subgraph as data: schema, resolvers and per-request context. No ports, no timers. */
export function buildCustomerSubgraph(deps: CustomerServices): SubgraphDefinition<CustomerContext> {
  return {
    name: 'customer',
    // Staff actions and refused attempts at staff-only ones go to the audit trail (platform/audit.ts).
    audit: { db: deps.db },
    typeDefs,
    resolvers: customerResolvers,
    createContext: (identity) => createCustomerContext(deps, identity),
  };
}
