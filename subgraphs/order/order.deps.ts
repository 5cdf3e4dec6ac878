import type { Kysely } from 'kysely';
import type { BonusPlusCustomersPort, BonusPlusRetailPort } from '../../connectors/bonusplus/bonusplus.port.js';
import type { OneCOrdersPort } from '../../connectors/onec/onec-orders.port.js';
import type { RetailCrmOrdersPort } from '../../connectors/retailcrm/retailcrm-orders.port.js';
import type { Logger } from '../../platform/logger.js';
import type { CalculationCache } from './checkout/calculation-cache.js';
import type { CustomerDirectory, InventoryService } from './graph-services.js';

export interface OrderSettings {
  /** How long stock and bonus holds last while an order awaits confirmation or payment. */
  readonly holdTtlSeconds: number;
  /** A placement unfinished after this long is finished (RetailCRM has the order) or undone. */
  readonly placementTimeoutMs: number;
  /** Whether customers may return their own orders through the graph (or only staff may). */
  readonly customerReturns: boolean;
  /** How long a BonusPlus calculation of a cart is remembered (0: not at all). */
  readonly calculationCacheSeconds?: number;
  /**
   * How long after a placement failed with its bonus reserve unanswered the reserve is given back
   * again: by then any request still on its way to BonusPlus has landed or never will.
   */
  readonly lateReserveReleaseSeconds: number;
}

/** What the order subgraph needs from the outside world. */
export interface OrderDeps {
  readonly db: Kysely<any>;
  readonly crm: RetailCrmOrdersPort;
  readonly bonusPlus: BonusPlusRetailPort & Pick<BonusPlusCustomersPort, 'findCustomer'>;
  readonly oneC: OneCOrdersPort;
  readonly customers: CustomerDirectory;
  readonly inventory: InventoryService;
  readonly logger: Logger;
  readonly settings: OrderSettings;
  /** BonusPlus's calculations remembered for a moment (`withCalculationCache`); absent, every quote asks. */
  readonly calculations?: CalculationCache;
}
