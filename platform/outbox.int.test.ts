import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateSchema } from './db/migrate.js';
import { createLogger } from './logger.js';
import { coalescePending, createOutboxRelay, enqueue, listDeadLetters, PermanentFailure, retryDeadLetter, writeAndEnqueue } from './outbox.js';
import { platformSchema } from './platform.migrations.js';
import { resetStatementCounts, statementCounts } from './db/statement-counter.js';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database.js';

let database: TestDatabase;
const logger = createLogger('test', 'silent');

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateSchema(database.db, platformSchema);
});
afterAll(async () => database?.close());
beforeEach(async () => {
  await database.db.deleteFrom('platform.outbox').execute();
});

const rows = () => database.db.selectFrom('platform.outbox').selectAll().orderBy('id').execute();

describe('transactional outbox', () => {
  it('keeps a message only if its transaction commits', async () => {
    await database.db.transaction().execute(async (trx) => {
      await enqueue(trx, { topic: 't', payload: { n: 1 } });
    });
    await expect(
      database.db.transaction().execute(async (trx) => {
        await enqueue(trx, { topic: 't', payload: { n: 2 } });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect((await rows()).map((r) => r.payload)).toEqual([{ n: 1 }]);
  });

  it('coalesces the pending messages of one topic about one thing: a relay sends once for a burst, and a message taken out is not sent', async () => {
    const phone = (p: string) => ({ topic: 'card', payload: { phone: p } });
    await enqueue(database.db, [phone('+1'), phone('+1'), phone('+2'), { topic: 'other', payload: { phone: '+1' } }, { ...phone('+1'), availableAt: new Date(Date.now() + 60_000) }]);
    const sent: string[] = [];
    const relay = createOutboxRelay({ db: database.db, logger, handlers: {
        card: async (payload: { phone: string }, message) => {
          if (await coalescePending(database.db, 'card', { field: 'phone', value: payload.phone }, message.id)) sent.push(payload.phone);
        },
        other: async () => undefined,
      } });
    await relay.drain();
    // One send for +1's three messages (the one due later too), one for +2's; another topic's message is its own.
    expect(sent).toEqual(['+1', '+2']);
    expect((await rows()).map((r) => [r.topic, r.status])).toEqual([['card', 'done'], ['card', 'done'], ['card', 'done'], ['other', 'done'], ['card', 'done']]);

    // Asked without a message of its own (another topic's handler): every pending one about the thing is taken out.
    await enqueue(database.db, [phone('+3'), phone('+4')]);
    expect(await coalescePending(database.db, 'card', { field: 'phone', value: '+3' })).toBe(true);
    expect((await rows()).slice(-2).map((r) => r.status)).toEqual(['done', 'pending']);
  });

  it('ignores a second message with the same dedupe key', async () => {
    expect(await enqueue(database.db, { topic: 't', payload: 1, dedupeKey: 'k' })).toBe(true);
    expect(await enqueue(database.db, { topic: 't', payload: 2, dedupeKey: 'k' })).toBe(false);
    expect(await rows()).toHaveLength(1);
  });

  it('retries a failing handler with backoff, then moves it to dead letters', async () => {
    await enqueue(database.db, { topic: 'flaky', payload: {} });
    let calls = 0;
    const relay = createOutboxRelay({ db: database.db, logger, handlers: {
        flaky: async () => {
          calls++;
          throw new Error('boom');
        },
      }, maxAttempts: 3, backoffBaseMs: 1 });
    for (let i = 0; i < 10; i++) {
      await relay.runOnce();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(calls).toBe(3);
    const [row] = await rows();
    expect(row).toMatchObject({ status: 'dead', attempts: 3, last_error: 'boom' });
    expect((await listDeadLetters(database.db)).map((d) => d.id)).toEqual([row!.id]);
    expect(await retryDeadLetter(database.db, row!.id)).toBe(true);
    expect((await rows())[0]).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('keeps a message whose upstream is down past its attempts (never a dead letter for an outage), and delivers it once the upstream is back', async () => {
    await enqueue(database.db, { topic: 'outage', payload: {} });
    let calls = 0;
    let down = true;
    const relay = createOutboxRelay({ db: database.db, logger, handlers: {
        outage: async () => {
          calls++;
          if (down) throw Object.assign(new Error('retailcrm: connection failed'), { name: 'UpstreamUnavailableError' });
        },
      }, maxAttempts: 3, backoffBaseMs: 1, backoffMaxMs: 2 });
    for (let i = 0; i < 8; i++) {
      await relay.runOnce();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(calls).toBeGreaterThan(3);
    expect((await rows())[0]).toMatchObject({ status: 'pending' });
    down = false;
    await new Promise((r) => setTimeout(r, 5));
    await relay.runOnce();
    expect((await rows())[0]).toMatchObject({ status: 'done' });
  });

  it('waits at most ten seconds between tries while an upstream is down, a minute for a failure of the message', async () => {
    await enqueue(database.db, { topic: 'outage', payload: {} });
    await enqueue(database.db, { topic: 'broken', payload: {} });
    const relay = createOutboxRelay({ db: database.db, logger, maxAttempts: 100, handlers: {
        outage: async () => {
          throw Object.assign(new Error('retailcrm: circuit open after repeated failures'), { name: 'UpstreamUnavailableError' });
        },
        broken: async () => {
          throw new Error('a bug');
        },
      } });
    // The tenth attempt: the backoff's doubling (500 ms · 2^9) is far past both caps.
    await database.db.updateTable('platform.outbox').set({ attempts: 9 }).execute();
    const before = Date.now();
    await relay.runOnce();
    const after = Date.now();
    // Each delay is its cap ± 20 % jitter, counted from a moment between `before` and `after`.
    const due = Object.fromEntries((await rows()).map((r) => [r.topic, new Date(r.available_at).getTime()]));
    expect(due.outage! - before).toBeGreaterThanOrEqual(8_000);
    expect(due.outage! - after).toBeLessThanOrEqual(12_000);
    expect(due.broken! - before).toBeGreaterThanOrEqual(48_000);
    expect(due.broken! - after).toBeLessThanOrEqual(72_000);
  });

  it('sends a permanent failure straight to dead letters', async () => {
    await enqueue(database.db, { topic: 'bad', payload: {} });
    const relay = createOutboxRelay({ db: database.db, logger, handlers: { bad: async () => Promise.reject(new PermanentFailure('never')) } });
    await relay.runOnce();
    expect((await rows())[0]).toMatchObject({ status: 'dead', attempts: 1 });
  });

  it('handles only its own topics', async () => {
    await enqueue(database.db, { topic: 'mine', payload: 1 });
    await enqueue(database.db, { topic: 'theirs', payload: 2 });
    const seen: unknown[] = [];
    const relay = createOutboxRelay({ db: database.db, logger, handlers: { mine: async (p) => void seen.push(p) } });
    await relay.drain();
    expect(seen).toEqual([1]);
    expect((await rows()).map((r) => r.status)).toEqual(['done', 'pending']);
  });

  it('never delivers one message to two concurrent relays', async () => {
    for (let i = 0; i < 60; i++) await enqueue(database.db, { topic: 'work', payload: i });
    const delivered: number[] = [];
    const handler = async (payload: number) => {
      await new Promise((r) => setTimeout(r, 2));
      delivered.push(payload);
    };
    const relays = Array.from({ length: 4 }, () => createOutboxRelay({ db: database.db, logger, handlers: { work: handler }, batchSize: 5 }));
    await Promise.all(relays.map((r) => r.drain()));
    expect(delivered.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_v, i) => i));
    expect((await rows()).every((r) => r.status === 'done' && r.attempts === 1)).toBe(true);
  });

  it('redelivers a message whose relay died mid-handling once the lease ends', async () => {
    await enqueue(database.db, { topic: 'crash', payload: {} });
    const dying = createOutboxRelay({ db: database.db, logger, leaseMs: 2_000, handlers: { crash: () => new Promise(() => undefined) } });
    void dying.runOnce(); // never settles: the process "died" holding the claim
    while ((await rows())[0]!.attempts === 0) await new Promise((r) => setTimeout(r, 5));
    let handled = 0;
    const healthy = createOutboxRelay({ db: database.db, logger, handlers: { crash: async () => void handled++ } });
    expect(await healthy.runOnce()).toBe(0); // still leased
    // Past the lease by a whole millisecond: Postgres keeps microseconds, a JS Date only milliseconds.
    while (new Date((await rows())[0]!.available_at).getTime() + 1 >= Date.now()) await new Promise((r) => setTimeout(r, 50));
    expect(await healthy.runOnce()).toBe(1);
    expect(handled).toBe(1);
  });
  it('stops between messages when its task is stopped, and gives back at once the ones not begun', async () => {
    for (let n = 0; n < 10; n++) await enqueue(database.db, { topic: 'slow', payload: { n } });
    const handled: number[] = [];
    let secondBegun!: () => void;
    const second = new Promise<void>((resolve) => (secondBegun = resolve));
    const relay = createOutboxRelay({
      db: database.db,
      logger,
      pollIntervalMs: 60_000,
      handlers: {
        slow: async (payload) => {
          handled.push((payload as { n: number }).n);
          if (handled.length === 2) secondBegun();
          await new Promise((r) => setTimeout(r, 20));
        },
      },
    });
    relay.task.start();
    await second;
    await relay.task.stop(); // asked while the second message is being handled
    expect(handled).toEqual([0, 1]);
    const after = await rows();
    expect(after.filter((r) => r.status === 'done').map((r) => (r.payload as { n: number }).n)).toEqual([0, 1]);
    const givenBack = after.filter((r) => r.status === 'pending');
    expect(givenBack).toHaveLength(8);
    // Due now, not at the end of the claim's minute-long lease, and the claim is not an attempt.
    for (const row of givenBack) {
      expect(row.attempts).toBe(0);
      expect(new Date(row.available_at).getTime()).toBeLessThan(Date.now() + 30_000);
    }
    const next = createOutboxRelay({ db: database.db, logger, handlers: { slow: async (payload) => void handled.push((payload as { n: number }).n) } });
    expect(await next.drain()).toBe(8);
    expect(handled).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
  it('holds a message that names another (after) until that one is done, then delivers it', async () => {
    await enqueue(database.db, { topic: 'order', payload: { n: 'order' }, after: 'customer:1' });
    await enqueue(database.db, { topic: 'customer', payload: { n: 'customer' }, dedupeKey: 'customer:1', availableAt: new Date(Date.now() + 60_000) });
    const handled: string[] = [];
    const relay = createOutboxRelay({ db: database.db, logger, handlers: { order: async (p) => void handled.push(p.n), customer: async (p) => void handled.push(p.n) } });
    // The customer's message is not due for a minute: the order's waits, neither tried nor failed.
    expect(await relay.drain()).toBe(0);
    expect((await rows()).find((r) => r.topic === 'order')).toMatchObject({ status: 'pending', attempts: 0 });
    await database.db.updateTable('platform.outbox').set({ available_at: new Date() }).where('topic', '=', 'customer').execute();
    expect(await relay.drain()).toBe(2);
    expect(handled).toEqual(['customer', 'order']);
    // A message that names one never queued, or one gone to dead letters, is not held by it.
    await enqueue(database.db, { topic: 'order', payload: { n: 'orphan' }, after: 'customer:never' });
    await enqueue(database.db, { topic: 'customer', payload: { n: 'dead' }, dedupeKey: 'customer:2' });
    await database.db.updateTable('platform.outbox').set({ status: 'dead' }).where('dedupe_key', '=', 'customer:2').execute();
    await enqueue(database.db, { topic: 'order', payload: { n: 'after-dead' }, after: 'customer:2' });
    expect(await relay.drain()).toBe(2);
    expect(handled.slice(2).sort()).toEqual(['after-dead', 'orphan']);
  });

  it('handles up to `concurrency` topics of a batch at once, each topic’s messages one after another in the order they were due', async () => {
    for (let n = 0; n < 12; n++) await enqueue(database.db, { topic: `t${n % 4}`, payload: { n } });
    let inFlight = 0;
    let most = 0;
    const begun: number[] = [];
    const slow = async (payload: unknown) => {
      begun.push((payload as { n: number }).n);
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
    };
    const relay = createOutboxRelay({ db: database.db, logger, concurrency: 3, handlers: { t0: slow, t1: slow, t2: slow, t3: slow } });
    expect(await relay.drain()).toBe(12);
    expect(most).toBe(3);
    for (let topic = 0; topic < 4; topic++) expect(begun.filter((n) => n % 4 === topic)).toEqual([topic, topic + 4, topic + 8]);
    expect((await rows()).every((r) => r.status === 'done' && r.attempts === 1)).toBe(true);
  });

  it('marks a batch’s handled messages done in one statement, and its periodic poll claims no further batch after a short one', async () => {
    for (let n = 0; n < 5; n++) await enqueue(database.db, { topic: 't', payload: { n } });
    const handled: number[] = [];
    const relay = createOutboxRelay({ db: database.db, logger, batchSize: 3, handlers: { t: async (p) => void handled.push(p.n) } });
    resetStatementCounts();
    // A full batch of 3 (claim, done), then a short one of 2 (claim, done): nothing more is claimed.
    expect(await relay.task.runNow()).toBe(5);
    expect(statementCounts().other).toBe(4);
    expect(handled).toEqual([0, 1, 2, 3, 4]);
    expect((await rows()).map((r) => r.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    // What a failed message records is its own: the others of its batch are done.
    await enqueue(database.db, { topic: 't', payload: { n: 5 } });
    await enqueue(database.db, { topic: 'u', payload: {} });
    const mixed = createOutboxRelay({ db: database.db, logger, handlers: { t: async () => undefined, u: async () => { throw new Error('nope'); } } });
    expect(await mixed.runOnce()).toBe(2);
    expect((await rows()).slice(5).map((r) => [r.topic, r.status, r.last_error])).toEqual([['t', 'done', null], ['u', 'pending', 'nope']]);
  });

  it('queues messages with a write in one statement, only when the write found its row', async () => {
    await enqueue(database.db, { topic: 'subject', payload: {}, dedupeKey: 'subject' });
    const [subject] = await rows();
    const touch = (id: string) => database.db.updateTable('platform.outbox').set({ last_error: 'touched' }).where('id', '=', id).returningAll();
    const later = new Date(Date.now() + 3_600_000);
    resetStatementCounts();
    const written = await writeAndEnqueue(database.db, touch(subject!.id), [
      { topic: 'a', payload: { n: 1 }, dedupeKey: 'a:1' },
      { topic: 'b', payload: { n: 2 }, after: 'a:1', availableAt: later },
      { topic: 'a', payload: { n: 3 }, dedupeKey: 'subject' },
    ]);
    expect(statementCounts().other).toBe(1);
    expect(written).toMatchObject({ id: subject!.id, last_error: 'touched' });
    const queued = (await rows()).slice(1);
    // The third's dedupe key was taken: it is not queued, as `enqueue` would not queue it.
    expect(queued.map((r) => [r.topic, r.payload, r.dedupe_key, r.after_key])).toEqual([['a', { n: 1 }, 'a:1', null], ['b', { n: 2 }, null, 'a:1']]);
    expect(new Date(queued[1]!.available_at).getTime()).toBe(later.getTime());
    expect(new Date(queued[0]!.available_at).getTime()).toBeLessThanOrEqual(Date.now());
    // No row written, nothing queued.
    expect(await writeAndEnqueue(database.db, touch('999999999'), [{ topic: 'c', payload: {} }])).toBeUndefined();
    expect((await rows()).some((r) => r.topic === 'c')).toBe(false);
  });
});
