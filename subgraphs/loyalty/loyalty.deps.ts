import type { Kysely } from 'kysely';
import type { BonusPlusCustomersPort, BonusPlusLedgerPort } from '../../connectors/bonusplus/bonusplus.port.js';
import type { RetailCrmCustomersPort } from '../../connectors/retailcrm/retailcrm.port.js';
import type { Logger } from '../../platform/logger.js';
import type { CustomerPhonesPort } from './customer-phones.client.js';
import type { BackgroundRefresh } from './loyalty-read.service.js';

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
  /** Reads accounts again in the background after they were served past their TTL (the runtime's). */
  readonly refresher?: BackgroundRefresh;
  readonly settings: {
    readonly welcomeBonus: number;
    readonly defaultCardType: string;
    /** Figures older than this are read again from BonusPlus. */
    readonly readModelTtlMs: number;
    /**
     * Figures past the TTL by no more than this are served as stored while `refresher` reads them
     * again; 0 or unset (or no refresher): read again before answering.
     */
    readonly readModelServeStaleMs?: number;
    /** Lots expiring within this many days get a warning on the CRM card (once per lot). */
    readonly expiryWarningDays: number;
  };
}
