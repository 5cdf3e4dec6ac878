import type { Kysely } from 'kysely';
import type { BonusPlusCustomersPort } from '../../connectors/bonusplus/bonusplus.port.js';
import type { RetailCrmCustomersPort } from '../../connectors/retailcrm/retailcrm.port.js';
import type { Logger } from '../../platform/logger.js';

/** What the loyalty subgraph needs from the outside world. */
export interface LoyaltyDeps {
  readonly db: Kysely<any>;
  readonly bonusPlus: BonusPlusCustomersPort;
  readonly crm: Pick<RetailCrmCustomersPort, 'editCustomer'>;
  readonly logger: Logger;
  readonly settings: {
    readonly welcomeBonus: number;
    readonly defaultCardType: string;
    /** Figures older than this are read again from BonusPlus. */
    readonly readModelTtlMs: number;
  };
}
