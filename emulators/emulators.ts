import type { Config } from '../platform/config.js';
import type { Database } from '../platform/db/database.js';
import { migrateAll } from '../platform/db/migrate.js';
import type { RunningServer } from '../platform/http/http-server.js';
import { bonusPlusEmulatorSchema, createBonusPlusEmulator, type BonusPlusEmulator } from './bonusplus/bonusplus.emulator.js';
import { createOneCEmulator, oneCEmulatorSchema, type OneCEmulator } from './onec/onec.emulator.js';
import { createRetailCrmEmulator, retailCrmEmulatorSchema, type RetailCrmEmulator } from './retailcrm/retailcrm.emulator.js';

export const EMULATOR_SCHEMAS = [retailCrmEmulatorSchema, bonusPlusEmulatorSchema, oneCEmulatorSchema] as const;

export interface RunningEmulators {
  readonly retailCrm: RetailCrmEmulator;
  readonly bonusPlus: BonusPlusEmulator;
  readonly oneC: OneCEmulator;
  /** Base URLs the connectors take: RetailCRM and BonusPlus roots, 1C up to its publication. */
  readonly urls: { readonly retailCrm: string; readonly bonusPlus: string; readonly oneC: string };
  close(): Promise<void>;
}

/**
 * The three systems of record, emulated on one database: migrated, seeded with the demo retailer
 * (when SEED_DEMO), listening on their configured ports, accepting the configured credentials.
 */
export async function startEmulators(config: Config, db: Database): Promise<RunningEmulators> {
  await migrateAll(db, EMULATOR_SCHEMAS);
  // The emulated CRM allows what the account is configured for (RetailCRM's own limit is 10/s).
  const retailCrm = createRetailCrmEmulator({ db, apiKeys: [config.RETAILCRM_API_KEY], sites: [config.RETAILCRM_SITE], requestsPerSecond: config.RETAILCRM_RPS });
  const bonusPlus = createBonusPlusEmulator({ db, apiKeys: [config.BONUSPLUS_API_KEY], requestsPerSecond: config.BONUSPLUS_RPS, bonusActivationDays: config.BONUSPLUS_EMULATOR_ACTIVATION_DAYS });
  const oneC = createOneCEmulator({ db, users: [{ login: config.ONEC_LOGIN, password: config.ONEC_PASSWORD }] });
  if (config.SEED_DEMO) {
    await retailCrm.seed({ onlineCustomers: config.SEED_ONLINE_CUSTOMERS });
    await bonusPlus.seed({ onlineCustomers: config.SEED_ONLINE_CUSTOMERS, showroomCustomers: config.SEED_SHOWROOM_CUSTOMERS });
    await oneC.seed({ products: config.SEED_CATALOG_PRODUCTS, onlineCustomers: config.SEED_ONLINE_CUSTOMERS, showroomCustomers: config.SEED_SHOWROOM_CUSTOMERS });
  }
  const servers: RunningServer[] = [];
  try {
    servers.push(await retailCrm.start(config.RETAILCRM_EMULATOR_PORT, config.HOST));
    servers.push(await bonusPlus.start(config.BONUSPLUS_EMULATOR_PORT, config.HOST));
    servers.push(await oneC.start(config.ONEC_EMULATOR_PORT, config.HOST));
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    throw error;
  }
  const [crm, bp, onec] = servers as [RunningServer, RunningServer, RunningServer];
  return {
    retailCrm,
    bonusPlus,
    oneC,
    urls: { retailCrm: crm.url, bonusPlus: bp.url, oneC: `${onec.url}/trade` },
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
