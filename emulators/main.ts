import { runService } from '../platform/service-main.js';
import { startEmulators } from './emulators.js';

// The emulators as their own process (docker-compose): stand-ins for RetailCRM, BonusPlus and 1C.
await runService('emulators', async (config, db) => {
  const emulators = await startEmulators(config, db);
  const { retailCrm, bonusPlus, oneC } = emulators.urls;
  return { banner: [`RetailCRM emulator at ${retailCrm}`, `BonusPlus emulator at ${bonusPlus}`, `1C emulator at ${oneC}`], close: () => emulators.close() };
});
