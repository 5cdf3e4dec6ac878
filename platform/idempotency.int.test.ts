import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from './db/migrate.js';
import { AppError } from './errors.js';
import { sql, type KyselyPlugin } from 'kysely';
import { purgeIdempotencyKeys, withIdempotency } from './idempotency.js';
import { platformSchema } from './platform.migrations.js';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await migrateSchema(database.db, platformSchema);
});
afterAll(async () => database?.close());

describe('idempotency keys', () => {
  it('runs the work once and replays the stored result', async () => {
    let runs = 0;
    const call = { scope: 'test', key: 'a', input: { cart: [1, 2], amount: 100 } };
    const first = await withIdempotency(database.db, call, async () => ({ order: ++runs }));
    const second = await withIdempotency(database.db, { ...call, input: { amount: 100, cart: [1, 2] } }, async () => ({ order: ++runs }));
    expect(first).toEqual({ order: 1 });
    expect(second).toEqual({ order: 1 });
    expect(runs).toBe(1);
  });

  it('refuses the same key with another input', async () => {
    await withIdempotency(database.db, { scope: 'test', key: 'b', input: { n: 1 } }, async () => 'x');
    await expect(withIdempotency(database.db, { scope: 'test', key: 'b', input: { n: 2 } }, async () => 'y')).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('replays a typed business error, and forgets an unexpected one', async () => {
    const business = { scope: 'test', key: 'c', input: 1 };
    await expect(withIdempotency(database.db, business, async () => Promise.reject(new AppError('INSUFFICIENT_BONUSES', 'not enough')))).rejects.toMatchObject({ code: 'INSUFFICIENT_BONUSES' });
    let ran = false;
    await expect(withIdempotency(database.db, business, async () => void (ran = true))).rejects.toMatchObject({ code: 'INSUFFICIENT_BONUSES' });
    expect(ran).toBe(false);

    const crash = { scope: 'test', key: 'd', input: 1 };
    await expect(withIdempotency(database.db, crash, async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await withIdempotency(database.db, crash, async () => 'second try')).toBe('second try');
  });

  it('runs once when the same key arrives 20 times at once', async () => {
    let runs = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        withIdempotency(database.db, { scope: 'test', key: 'e', input: { x: 1 } }, async () => {
          runs++;
          await new Promise((r) => setTimeout(r, 50));
          return { id: runs };
        }),
      ),
    );
    expect(runs).toBe(1);
    expect(new Set(results.map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify({ id: 1 })]));
  });

  it('lets a new call take over a key whose first call died', async () => {
    const call = { scope: 'test', key: 'f', input: 1, leaseMs: 50 };
    void withIdempotency(database.db, call, () => new Promise(() => undefined));
    await new Promise((r) => setTimeout(r, 100));
    expect(await withIdempotency(database.db, call, async () => 'taken over')).toBe('taken over');
  });
});

const HOUR = 3_600_000;
const keysOf = (scope: string) => database.db.selectFrom('platform.idempotency_keys').select(['key', 'status', 'finished_at']).where('scope', '=', scope).execute();

describe('idempotency key retention', () => {
  it('replays the stored answer until the retention is over, then forgets the key and runs it again', async () => {
    let runs = 0;
    const call = { scope: 'retention', key: 'r-1', input: { amount: 100 } };
    expect(await withIdempotency(database.db, call, async () => ({ run: ++runs }))).toEqual({ run: 1 });
    const [row] = await keysOf('retention');
    const answeredAt = row!.finished_at!.getTime();

    await purgeIdempotencyKeys(database.db, { retentionHours: 24, now: new Date(answeredAt + 24 * HOUR - 60_000) });
    expect(await keysOf('retention')).toHaveLength(1);
    expect(await withIdempotency(database.db, call, async () => ({ run: ++runs }))).toEqual({ run: 1 });

    // The other tests' keys are as old by this clock: only this scope's rows are looked at.
    await purgeIdempotencyKeys(database.db, { retentionHours: 24, now: new Date(answeredAt + 24 * HOUR + 60_000) });
    expect(await keysOf('retention')).toEqual([]);
    expect(await withIdempotency(database.db, call, async () => ({ run: ++runs }))).toEqual({ run: 2 });
  });

  it('never purges a claim whose lease is live, however old; an abandoned one goes once retention and lease are both over', async () => {
    let finish!: (v: string) => void;
    const running = withIdempotency(database.db, { scope: 'lease', key: 'l-1', input: 1, leaseMs: 100 * HOUR }, () => new Promise<string>((r) => (finish = r)));
    await expect.poll(() => keysOf('lease')).toHaveLength(1);
    const start = Date.now();

    await purgeIdempotencyKeys(database.db, { retentionHours: 24, now: new Date(start + 48 * HOUR) });
    expect(await keysOf('lease')).toMatchObject([{ key: 'l-1', status: 'in_flight' }]);
    // A duplicate still waits for the running call rather than running the work a second time.
    await expect(withIdempotency(database.db, { scope: 'lease', key: 'l-1', input: 1, waitMs: 0 }, async () => 'twice')).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_FLIGHT' });

    await purgeIdempotencyKeys(database.db, { retentionHours: 24, now: new Date(start + 101 * HOUR) });
    expect(await keysOf('lease')).toEqual([]);
    finish('done late');
    expect(await running).toBe('done late');
  });

  it('purges 10,000 old keys in bounded batches, one short statement each, and keeps the recent ones', async () => {
    await sql`insert into platform.idempotency_keys (scope, key, request_hash, status, response, locked_until, created_at, finished_at)
      select 'bulk', 'k-' || n, 'h', 'done', '{"ok":true,"value":null}'::jsonb, now() - interval '30 hours', now() - interval '30 hours', now() - interval '30 hours'
        from generate_series(1, 10000) as n`.execute(database.db);
    for (const key of ['fresh-1', 'fresh-2']) await withIdempotency(database.db, { scope: 'bulk', key, input: 1 }, async () => key);

    const deletedPerStatement: number[] = [];
    const counter: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        deletedPerStatement.push(args.result.rows.length);
        return args.result;
      },
    };
    const result = await purgeIdempotencyKeys(database.db.withPlugin(counter), { retentionHours: 24, batchSize: 1_000 });
    expect(result).toEqual({ purged: 10_000, batches: 11 });
    expect(deletedPerStatement).toEqual([...Array(10).fill(1_000), 0]);
    expect((await keysOf('bulk')).map((k) => k.key).sort()).toEqual(['fresh-1', 'fresh-2']);
  });

  it('refuses a retention shorter than the documented day', async () => {
    await expect(purgeIdempotencyKeys(database.db, { retentionHours: 23 })).rejects.toThrow('at least 24 h');
  });
});
