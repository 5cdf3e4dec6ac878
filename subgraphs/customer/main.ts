import { bonusPlusFromConfig, retailCrmFromConfig } from '../../connectors/connectors.js';
import { migrateAll } from '../../platform/db/migrate.js';
import { platformSchema } from '../../platform/platform.migrations.js';
import { runService } from '../../platform/service-main.js';
import { customerSchema } from './customer.migrations.js';
import { startCustomerRuntime } from './customer.runtime.js';

// The customer subgraph as its own process (docker-compose); `npm start` runs it in-process instead.
await runService('customer', async (config, db, logger) => {
  await migrateAll(db, [platformSchema, customerSchema]);
  const crm = retailCrmFromConfig(config);
  const bonusPlus = bonusPlusFromConfig(config);
  const runtime = await startCustomerRuntime(
    { db, crm, bonusPlus, logger },
    {
      port: config.CUSTOMER_PORT,
      host: config.HOST,
      identitySecret: config.GATEWAY_IDENTITY_SECRET,
      syncIntervalMs: config.CUSTOMER_SYNC_INTERVAL_MS,
      outboxPollMs: config.OUTBOX_POLL_INTERVAL_MS,
      outboxMaxAttempts: config.OUTBOX_MAX_ATTEMPTS,
      showroomImportIntervalMs: config.CUSTOMER_SHOWROOM_IMPORT_INTERVAL_MS,
    },
  );
  return {
    banner: [`customer subgraph at ${runtime.server.url}`],
    close: async () => {
      await runtime.close();
      await crm.close();
      await bonusPlus.close();
    },
  };
});
