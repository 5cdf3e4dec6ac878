import type { Kysely } from 'kysely';
import type { BonusPlusCustomersPort, BonusPlusLedgerPort } from '../../connectors/bonusplus/bonusplus.port.js';
import type { RetailCrmCustomersPort } from '../../connectors/retailcrm/retailcrm.port.js';
import type { Logger } from '../../platform/logger.js';

/** What the loyalty subgraph needs from the outside world. */
export interface LoyaltyDeps {
  readonly db: Kysely<any>;
  readonly bonusPlus: BonusPlusCustomersPort & BonusPlusLedgerPort;
  readonly crm: Pick<RetailCrmCustomersPort, 'editCustomer' | 'listCustomers'>;
  readonly logger: Logger;
  readonly settings: {
    readonly welcomeBonus: number;
    readonly defaultCardType: string;
    /** Figures older than this are read again from BonusPlus. */
    readonly readModelTtlMs: number;
    /** Lots expiring within this many days get a warning on the CRM card (once per lot). */
    readonly expiryWarningDays: number;
  };
}
