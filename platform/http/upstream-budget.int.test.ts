import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRetailCrmClient } from '../../connectors/retailcrm/retailcrm.client.js';
import { createRetailCrmEmulator, retailCrmEmulatorSchema, type RetailCrmEmulator, type RetailCrmJournalEntry } from '../../emulators/retailcrm/retailcrm.emulator.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { migrateAll } from '../db/migrate.js';
import { platformSchema } from '../platform.migrations.js';
import type { RunningServer } from './http-server.js';
import { runAsBackground, runIfBudgetFree, sharedUpstreamBudget } from './upstream-budget.js';
import { UpstreamBusyError } from './upstream-client.js';

const KEY = 'budget-test-key';
const OTHER_KEY = 'budget-other-key';
const SITE = 'online';
const LIMIT = 10;

let tdb: TestDatabase;
let emulator: RetailCrmEmulator;
let server: RunningServer;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await migrateAll(tdb.db, [platformSchema, retailCrmEmulatorSchema]);
  // RetailCRM's own limit, as the real account: 10 in any sliding second per key, 503 past it.
  emulator = createRetailCrmEmulator({ db: tdb.db, apiKeys: [KEY, OTHER_KEY], sites: [SITE], requestsPerSecond: LIMIT });
  server = await emulator.start(0);
});
afterAll(async () => {
  await server?.close();
  await tdb?.close();
});
beforeEach(() => emulator.faults.clear());

/** Lookups of `<tag>-<i>` that reached the emulator from `from` on, in order of arrival. */
const arrivalsOf = (tags: readonly string[], from = 0): RetailCrmJournalEntry[] =>
  emulator.journal.slice(from).filter((e) => tags.some((tag) => e.path.startsWith(`/api/v5/customers/${tag}-`)));

/** The most arrivals in any one-second window, as the emulator's sliding limit counts them. */
function mostInOneSecond(entries: readonly RetailCrmJournalEntry[]): number {
  let most = 0;
  for (let i = 0, first = 0; i < entries.length; i++) {
    while (entries[i]!.at - entries[first]!.at >= 1_000) first++;
    most = Math.max(most, i - first + 1);
  }
  return most;
}

/** A client on the key's one budget (held in the test's Postgres, or in memory). */
const sharedClient = (key = KEY) =>
  createRetailCrmClient({
    baseUrl: server.url,
    apiKey: key,
    site: SITE,
    timeoutMs: 5_000,
    budget: sharedUpstreamBudget({ system: 'retailcrm', credential: key, requestsPerSecond: LIMIT, databaseUrl: tdb.url }),
  });

describe('one RetailCRM budget per key', () => {
  it('the emulator enforces its own limit (so zero refusals below mean the budget held)', async () => {
    const answers = await Promise.all(
      Array.from({ length: LIMIT + 3 }, () => fetch(`${server.url}/api/v5/customers/raw-0?by=externalId`, { headers: { 'X-API-KEY': OTHER_KEY } })),
    );
    const refused = answers.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(refused[0]!.headers.get('retry-after')).toBe('1');
  });

  it('gives a slot to interactive calls before the background calls queued in the same process', async () => {
    const background = sharedClient();
    const interactive = sharedClient();
    const mark = emulator.journal.length;
    const calls = [
      ...Array.from({ length: 20 }, (_, i) => runAsBackground(() => background.getCustomer(`bg1-${i}`, 'externalId'))),
      ...Array.from({ length: 5 }, (_, i) => interactive.getCustomer(`it1-${i}`, 'externalId')),
    ];
    await Promise.all(calls);
    await Promise.all([background.close(), interactive.close()]);

    const arrived = arrivalsOf(['bg1', 'it1'], mark);
    expect(arrived).toHaveLength(25);
    expect(arrived.filter((e) => e.limited)).toEqual([]);
    // Issued after the twenty background calls, the five interactive ones still go first; at most
    // the slot the background queue already held goes before them.
    const lastInteractive = arrived.findLastIndex((e) => e.path.includes('/it1-'));
    expect(lastInteractive).toBeLessThanOrEqual(5);
    expect(mostInOneSecond(arrived)).toBeLessThanOrEqual(LIMIT);
  });

  it('work that asks not to wait (runIfBudgetFree) is sent when a slot is free, refused at once with nothing sent when not', async () => {
    // A key of its own, so that no slot taken by the tests before it is still running out.
    const client = sharedClient(OTHER_KEY);
    const mark = emulator.journal.length;
    // The budget is idle: the first such call goes.
    await runIfBudgetFree(() => client.getCustomer('free1-0', 'externalId'));
    // Twenty ordinary calls queue for their slots; one that will not wait is refused while they do.
    const queued = Array.from({ length: 20 }, (_, i) => client.getCustomer(`queued1-${i}`, 'externalId'));
    await sleep(50);
    await expect(runIfBudgetFree(() => client.getCustomer('free1-1', 'externalId'))).rejects.toBeInstanceOf(UpstreamBusyError);
    await Promise.all(queued);
    // A refusal is not the upstream's failure: the breaker still lets calls through.
    expect(client.upstream.circuit.state).toBe('closed');
    await client.close();
    expect(arrivalsOf(['free1'], mark).map((e) => e.path.split('?')[0])).toEqual(['/api/v5/customers/free1-0']);
    expect(arrivalsOf(['queued1'], mark)).toHaveLength(20);
  });

  it('a Retry-After one client meets holds back the other clients of the key', async () => {
    const first = createRetailCrmClient({
      baseUrl: server.url,
      apiKey: KEY,
      site: SITE,
      timeoutMs: 5_000,
      resilience: { maxRetries: 0 },
      budget: sharedUpstreamBudget({ system: 'retailcrm', credential: KEY, requestsPerSecond: LIMIT, databaseUrl: tdb.url }),
    });
    const second = sharedClient();
    emulator.faults.set({ failStatus: 503, failCount: 1, retryAfterSeconds: 3, pathPattern: '/customers/pause1-a' });
    // No retries: the call fails once the back-off is recorded, and only then does the other client start.
    await expect(first.getCustomer('pause1-a-0', 'externalId')).rejects.toThrow(/503/);
    const refusedBy = Date.now();
    const mark = emulator.journal.length;
    await Promise.all(Array.from({ length: 3 }, (_, i) => second.getCustomer(`pause1-b-${i}`, 'externalId')));
    await Promise.all([first.close(), second.close()]);

    const arrived = arrivalsOf(['pause1-b'], mark);
    expect(arrived).toHaveLength(3);
    // The block is three seconds from the 503; two of them are certainly still ahead when the call has failed.
    expect(arrived.filter((e) => e.at < refusedBy + 2_000)).toEqual([]);
  });
});

const SCRIPT = fileURLToPath(new URL('../../test/support/retailcrm-burst.script.ts', import.meta.url));

interface Burster {
  send(burst: { tag: string; count: number; priority: 'interactive' | 'background' }): void;
  done(tag: string): Promise<{ ok: number; failed: number; errors: string[] }>;
  close(): Promise<void>;
}

/** A process with the three RetailCRM clients of a graph process, on the test database's budget. */
async function startBurster(): Promise<Burster> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: {
      ...process.env,
      VITEST: '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: tdb.url!,
      RETAILCRM_URL: server.url,
      RETAILCRM_API_KEY: KEY,
      RETAILCRM_SITE: SITE,
      RETAILCRM_RPS: String(LIMIT),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const finished = new Map<string, (result: { ok: number; failed: number; errors: string[] }) => void>();
  const results = new Map<string, { ok: number; failed: number; errors: string[] }>();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'ready') return ready();
    const result = JSON.parse(line) as { done: string; ok: number; failed: number; errors: string[] };
    results.set(result.done, result);
    finished.get(result.done)?.(result);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([isReady, exited.then(() => Promise.reject(new Error(`the burst script exited:\n${stderr.join('\n')}`)))]);
  return {
    send: (burst) => child.stdin!.write(`${JSON.stringify(burst)}\n`),
    done: (tag) => (results.has(tag) ? Promise.resolve(results.get(tag)!) : new Promise((resolve) => finished.set(tag, resolve))),
    async close() {
      child.stdin!.end();
      await exited;
    },
  };
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(5);
}

describe.skipIf(!process.env.DATABASE_URL)('the budget kept in the database', () => {
  it('holds its slots there at a rate whose slot is not a whole millisecond (7 a second: 157.14… ms)', async () => {
    const credential = 'budget-fraction-key';
    const budget = sharedUpstreamBudget({ system: 'retailcrm', credential, requestsPerSecond: 7, databaseUrl: tdb.url });
    try {
      const hash = createHash('sha256').update(credential).digest('hex').slice(0, 32);
      const slotsOf = () => sql<{ key: string; expire: number }>`select key, expire from platform.upstream_budget where key like ${`slot%${hash}%`}`.execute(tdb.db);
      await budget.take('interactive');
      const before = Date.now();
      await budget.take('interactive');
      const { rows } = await slotsOf();
      // Written by the second take: a slot of this key, ending about one slot (157 ms) after it was taken.
      expect(rows).toHaveLength(1);
      expect(Number(rows[0]!.expire)).toBeGreaterThan(before);
    } finally {
      await budget.release();
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)('one RetailCRM budget for every process on the database', () => {
  let a: Burster;
  let b: Burster;
  beforeAll(async () => {
    [a, b] = await Promise.all([startBurster(), startBurster()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('two processes bursting 60 calls each never put more than the limit into any second, and none is refused', async () => {
    const mark = emulator.journal.length;
    a.send({ tag: 'burst-a', count: 60, priority: 'interactive' });
    b.send({ tag: 'burst-b', count: 60, priority: 'interactive' });
    expect(await a.done('burst-a')).toMatchObject({ ok: 60, failed: 0 });
    expect(await b.done('burst-b')).toMatchObject({ ok: 60, failed: 0 });

    const arrived = arrivalsOf(['burst-a', 'burst-b'], mark);
    expect(arrived.filter((e) => e.limited)).toEqual([]);
    // Each call arrived once: nothing was refused and sent again.
    expect(arrived).toHaveLength(120);
    expect(mostInOneSecond(arrived)).toBeLessThanOrEqual(LIMIT);
    // Both processes had their turns from the start, not one after the other.
    expect(new Set(arrived.slice(0, 20).map((e) => e.path.split('/')[4]!.split('-')[1]))).toEqual(new Set(['a', 'b']));
  });

  it('interactive calls of one process go before the background calls another process has queued', async () => {
    const mark = emulator.journal.length;
    a.send({ tag: 'bg2', count: 20, priority: 'background' });
    // The background queue holds the budget before the interactive calls arrive.
    await until(() => arrivalsOf(['bg2'], mark).length >= 2);
    const before = emulator.journal.length;
    b.send({ tag: 'it2', count: 5, priority: 'interactive' });
    expect(await b.done('it2')).toMatchObject({ ok: 5, failed: 0 });
    expect(await a.done('bg2')).toMatchObject({ ok: 20, failed: 0 });

    const after = arrivalsOf(['bg2', 'it2'], before);
    const lastInteractive = after.findLastIndex((e) => e.path.includes('/it2-'));
    // The five interactive calls among the first seven arrivals after they were issued: the slot
    // taken when they came, and one the other process won before it saw them waiting.
    expect(lastInteractive).toBeLessThanOrEqual(6);
    const all = arrivalsOf(['bg2', 'it2'], mark);
    expect(all.filter((e) => e.limited)).toEqual([]);
    expect(mostInOneSecond(all)).toBeLessThanOrEqual(LIMIT);
  });

  it('a Retry-After seen by one process stops the other process for that time', async () => {
    emulator.faults.set({ failStatus: 503, failCount: 1, retryAfterSeconds: 3, pathPattern: '/customers/pause2-a' });
    a.send({ tag: 'pause2-a', count: 1, priority: 'interactive' });
    // The back-off is in the shared store before the other process starts.
    let blockedUntil = 0;
    await until(async () => {
      const { rows } = await sql<{ expire: number }>`select expire from platform.upstream_budget where key like 'slot:retailcrm:%' and points > 1`.execute(tdb.db);
      blockedUntil = rows[0]?.expire ?? 0;
      return blockedUntil > Date.now() + 1_000;
    });
    const mark = emulator.journal.length;
    b.send({ tag: 'pause2-b', count: 5, priority: 'interactive' });
    expect(await b.done('pause2-b')).toMatchObject({ ok: 5, failed: 0 });
    // The 503 was answered as an outage and retried once the back-off had passed.
    expect(await a.done('pause2-a')).toMatchObject({ ok: 1, failed: 0 });

    const arrived = arrivalsOf(['pause2-b'], mark);
    expect(arrived).toHaveLength(5);
    expect(arrived.filter((e) => e.at < blockedUntil)).toEqual([]);
  });
});
