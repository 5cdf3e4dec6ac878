import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { BonusPlusCustomersPort } from '../../connectors/bonusplus/bonusplus.port.js';
import type { RetailCrmCustomersPort } from '../../connectors/retailcrm/retailcrm.port.js';
import type { Identity } from '../../platform/identity.js';
import type { Logger } from '../../platform/logger.js';
import type { BaseSubgraphContext } from '../../platform/subgraph-server.js';
import { customerFromRow, type Customer } from './customer.model.js';
import { findCustomersByIds } from './customer.repository.js';
import type { CustomerDb, ShowroomImportRunRow } from './customer.table.js';

/** What the customer subgraph needs from the outside world. */
export interface CustomerDeps {
  readonly db: Kysely<any>;
  readonly crm: RetailCrmCustomersPort;
  readonly logger: Logger;
  /** Read by the showroom import (BonusPlus customers, a page at a time). */
  readonly bonusPlus: Pick<BonusPlusCustomersPort, 'listCustomers'>;
}

/** What resolvers get: the deps, and the runtime's starter of a showroom import. */
export interface CustomerServices extends CustomerDeps {
  /** Starts (continues, or joins) a showroom import; resolves when the run is registered, not when it ends. */
  readonly startShowroomImport: () => Promise<ShowroomImportRunRow>;
}

export interface CustomerContext extends BaseSubgraphContext {
  readonly deps: CustomerServices;
  /** Customers by id from the read model, batched per request. */
  readonly customerById: DataLoader<string, Customer | undefined>;
}

export function createCustomerContext(deps: CustomerServices, identity: Identity): CustomerContext {
  const db = deps.db as Kysely<CustomerDb>;
  return {
    identity,
    deps,
    customerById: new DataLoader(async (ids) => {
      const rows = new Map((await findCustomersByIds(db, ids)).map((r) => [r.id, customerFromRow(r)]));
      return ids.map((id) => rows.get(id));
    }),
  };
}
