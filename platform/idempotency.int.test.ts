import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from './db/migrate.js';
import { AppError } from './errors.js';
import { withIdempotency } from './idempotency.js';
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
