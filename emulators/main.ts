import { migrateAll } from '../platform/db/migrate.js';
import { runService } from '../platform/service-main.js';
import { bonusPlusEmulatorSchema, createBonusPlusEmulator } from './bonusplus/bonusplus.emulator.js';
import { createOneCEmulator, oneCEmulatorSchema } from './onec/onec.emulator.js';
import { createRetailCrmEmulator, retailCrmEmulatorSchema } from './retailcrm/retailcrm.emulator.js';

// The emulators as their own process (docker-compose): stand-ins for RetailCRM, BonusPlus and 1C.
await runService('emulators', async (config, db) => {
  await migrateAll(db, [retailCrmEmulatorSchema, bonusPlusEmulatorSchema, oneCEmulatorSchema]);
  const retailCrm = createRetailCrmEmulator({ db, apiKeys: [config.RETAILCRM_API_KEY], sites: [config.RETAILCRM_SITE] });
  const bonusPlus = createBonusPlusEmulator({ db, apiKeys: [config.BONUSPLUS_API_KEY] });
  const oneC = createOneCEmulator({ db, users: [{ login: config.ONEC_LOGIN, password: config.ONEC_PASSWORD }] });
  if (config.SEED_DEMO) {
    await retailCrm.seed({ onlineCustomers: config.SEED_ONLINE_CUSTOMERS });
    await bonusPlus.seed({ onlineCustomers: config.SEED_ONLINE_CUSTOMERS, showroomCustomers: config.SEED_SHOWROOM_CUSTOMERS });
    await oneC.seed({ products: config.SEED_CATALOG_PRODUCTS });
  }
  const crmServer = await retailCrm.start(config.RETAILCRM_EMULATOR_PORT, config.HOST);
  const bpServer = await bonusPlus.start(config.BONUSPLUS_EMULATOR_PORT, config.HOST);
  const oneCServer = await oneC.start(config.ONEC_EMULATOR_PORT, config.HOST);
  return {
    banner: [`RetailCRM emulator at ${crmServer.url}`, `BonusPlus emulator at ${bpServer.url}`, `1C emulator at ${oneCServer.url}/trade`],
    close: async () => {
      await Promise.all([crmServer.close(), bpServer.close(), oneCServer.close()]);
    },
  };
});
