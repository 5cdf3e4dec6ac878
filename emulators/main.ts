import { startTelemetry } from '../platform/telemetry.js';

// Tracing, when OTEL_* asks for it, hooks http, undici and pg: it starts before anything imports them.
await startTelemetry('emulators');
const { runService } = await import('../platform/service-main.js');
const { startEmulators } = await import('./emulators.js');

// The emulators as their own process (docker-compose): stand-ins for RetailCRM, BonusPlus and 1C.
await runService('emulators', async (config, db) => {
  const emulators = await startEmulators(config, db);
  const { retailCrm, bonusPlus, oneC } = emulators.urls;
  return { banner: [`RetailCRM emulator at ${retailCrm}`, `BonusPlus emulator at ${bonusPlus}`, `1C emulator at ${oneC}`], close: () => emulators.close() };
});
