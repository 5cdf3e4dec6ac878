import { migrateAll } from '../platform/db/migrate.js';
import { runService } from '../platform/service-main.js';
import { bonusPlusEmulatorSchema, createBonusPlusEmulator } from './bonusplus/bonusplus.emulator.js';
import { createRetailCrmEmulator, retailCrmEmulatorSchema } from './retailcrm/retailcrm.emulator.js';

// The emulators as their own process (docker-compose): stand-ins for RetailCRM and BonusPlus.
await runService('emulators', async (config, db) => {
  await migrateAll(db, [retailCrmEmulatorSchema, bonusPlusEmulatorSchema]);
  const retailCrm = createRetailCrmEmulator({ db, apiKeys: [config.RETAILCRM_API_KEY], sites: [config.RETAILCRM_SITE] });
  const bonusPlus = createBonusPlusEmulator({ db, apiKeys: [config.BONUSPLUS_API_KEY] });
  if (config.SEED_DEMO) {
    await retailCrm.seed({ onlineCustomers: config.SEED_ONLINE_CUSTOMERS });
    await bonusPlus.seed({ onlineCustomers: config.SEED_ONLINE_CUSTOMERS, showroomCustomers: config.SEED_SHOWROOM_CUSTOMERS });
  }
  const crmServer = await retailCrm.start(config.RETAILCRM_EMULATOR_PORT, config.HOST);
  const bpServer = await bonusPlus.start(config.BONUSPLUS_EMULATOR_PORT, config.HOST);
  return {
    banner: [`RetailCRM emulator at ${crmServer.url}`, `BonusPlus emulator at ${bpServer.url}`],
    close: async () => {
      await Promise.all([crmServer.close(), bpServer.close()]);
    },
  };
});
