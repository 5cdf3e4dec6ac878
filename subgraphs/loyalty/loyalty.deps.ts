import type { Kysely } from 'kysely';
import type { BonusPlusCustomersPort, BonusPlusLedgerPort } from '../../connectors/bonusplus/bonusplus.port.js';
import type { RetailCrmCustomersPort } from '../../connectors/retailcrm/retailcrm.port.js';
import type { Logger } from '../../platform/logger.js';
import type { CustomerPhonesPort } from './customer-phones.client.js';

/** What the loyalty subgraph needs from the outside world. */
export interface LoyaltyDeps {
  readonly db: Kysely<any>;
  readonly bonusPlus: BonusPlusCustomersPort & BonusPlusLedgerPort;
  readonly crm: Pick<RetailCrmCustomersPort, 'editCustomer' | 'listCustomers'>;
  readonly logger: Logger;
  /**
   * The customer subgraph, for the phones of customers whose account is not linked to their id.
   * Without it only linked accounts are served.
   */
  readonly customers?: CustomerPhonesPort;
  readonly settings: {
    readonly welcomeBonus: number;
    readonly defaultCardType: string;
    /** Figures older than this are read again from BonusPlus. */
    readonly readModelTtlMs: number;
    /** Lots expiring within this many days get a warning on the CRM card (once per lot). */
    readonly expiryWarningDays: number;
  };
}
