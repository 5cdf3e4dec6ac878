import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from './db/migrate.js';
import { createLogger } from './logger.js';
import { createPeriodicTask } from './periodic-task.js';
import { platformSchema } from './platform.migrations.js';
import { saveCursor, takeScheduledTurn } from './sync-cursor.js';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateSchema(database.db, platformSchema);
});
afterAll(async () => database?.close());

const INTERVAL_MS = 2_000;
/** As if the feed's last run had been `ms` ago. */
const lastRunAgo = (name: string, ms: number) => sql`update platform.sync_cursors set updated_at = now() - ${ms} * interval '1 millisecond' where name = ${name}`.execute(database.db);

describe('scheduled runs of a change feed shared by replicas', () => {
  it('gives a feed never stored its first run, none within the interval of a run, and the next one after it', async () => {
    expect(await takeScheduledTurn(database.db, 'feed-a', INTERVAL_MS)).toBe(true);
    await saveCursor(database.db, 'feed-a', '10');
    expect(await takeScheduledTurn(database.db, 'feed-a', INTERVAL_MS)).toBe(false);
    await lastRunAgo('feed-a', INTERVAL_MS);
    expect(await takeScheduledTurn(database.db, 'feed-a', INTERVAL_MS)).toBe(true);
    // Taken: the turn is this run's, and another process asking now is refused.
    expect(await takeScheduledTurn(database.db, 'feed-a', INTERVAL_MS)).toBe(false);
    // Another feed is its own.
    await saveCursor(database.db, 'feed-b', '1');
    await lastRunAgo('feed-b', INTERVAL_MS);
    expect(await takeScheduledTurn(database.db, 'feed-b', INTERVAL_MS)).toBe(true);
  });

  it('of twelve processes asking at once, one gets the turn', async () => {
    await saveCursor(database.db, 'feed-c', '5');
    await lastRunAgo('feed-c', INTERVAL_MS);
    const turns = await Promise.all(Array.from({ length: 12 }, () => takeScheduledTurn(database.db, 'feed-c', INTERVAL_MS)));
    expect(turns.filter(Boolean)).toHaveLength(1);
  });

  it('a periodic task asks before each scheduled run and skips it when refused; a run asked for now is never refused', async () => {
    let asked = 0;
    let runs = 0;
    let thirdAsk: () => void;
    const askedThrice = new Promise<void>((resolve) => (thirdAsk = resolve));
    const task = createPeriodicTask('feed', 5, async () => ++runs, createLogger('test', 'silent'), {
      turn: async () => {
        if (++asked === 3) thirdAsk();
        return false;
      },
    });
    task.start();
    await askedThrice;
    await task.stop();
    expect(runs).toBe(0);
    expect(await task.runNow()).toBe(1);
  });
});
