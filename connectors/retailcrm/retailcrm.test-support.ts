import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createRetailCrmEmulator, retailCrmEmulatorSchema, type RetailCrmEmulator } from '../../emulators/retailcrm/retailcrm.emulator.js';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { createRetailCrmClient } from './retailcrm.client.js';

export interface RetailCrmTestEnv {
  tdb: TestDatabase;
  emulator: RetailCrmEmulator;
  server: RunningServer;
  crm: ReturnType<typeof createRetailCrmClient>;
}

/**
 * For a connector test file: the RetailCRM emulator on a fresh database and a client of it, set up
 * once per file, with faults cleared and the emulator emptied before each test.
 */
export function useRetailCrmEmulator(key: string, site = 'online'): RetailCrmTestEnv {
  const env = {} as RetailCrmTestEnv;
  beforeAll(async () => {
    env.tdb = await createTestDatabase();
    await migrateSchema(env.tdb.db, retailCrmEmulatorSchema);
    env.emulator = createRetailCrmEmulator({ db: env.tdb.db, apiKeys: [key], sites: [site], requestsPerSecond: 1_000 });
    env.server = await env.emulator.start(0);
    env.crm = createRetailCrmClient({ baseUrl: env.server.url, apiKey: key, site, timeoutMs: 2_000, requestsPerSecond: 1_000 });
  });
  afterAll(async () => {
    await env.crm?.close();
    await env.server?.close();
    await env.tdb?.close();
  });
  beforeEach(async () => {
    env.emulator.faults.clear();
    await env.emulator.reset();
  });
  return env;
}
