import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Interactive: someone waits for the answer (a registration, a placement, a payment, a return, a
 * checkout quote). Background: nobody does (history syncs, the outbox relays, expiry warnings,
 * reconciliation, the BonusPlus follow).
 */
export type UpstreamPriority = 'interactive' | 'background';

interface WorkKind {
  readonly priority: UpstreamPriority;
  /** Start a request only if the budget has a slot free this moment; never queue for one. */
  readonly onlyIfFreeNow?: boolean;
}

const kindOfWork = new AsyncLocalStorage<WorkKind>();

/** Runs `work` as background work: every upstream call made inside it gives way to interactive ones. */
export function runAsBackground<T>(work: () => T): T {
  return kindOfWork.run({ priority: 'background' }, work);
}

/**
 * Runs `work` as interactive work that would rather do without the upstream than wait for it: a
 * request made inside it starts only if the budget has a slot free now (nobody queued before it),
 * else fails at once with `UpstreamBusyError`. For what is worth asking when it costs no wait (the
 * estimate of an order's bonuses at placement), and done later in the background otherwise.
 */
export function runIfBudgetFree<T>(work: () => T): T {
  return kindOfWork.run({ priority: 'interactive', onlyIfFreeNow: true }, work);
}

/** Background inside `runAsBackground` (periodic tasks, outbox relays), interactive everywhere else (resolvers). */
export function currentUpstreamPriority(): UpstreamPriority {
  return kindOfWork.getStore()?.priority ?? 'interactive';
}

/** Whether the work running now asked for no wait on the budget (`runIfBudgetFree`). */
export function onlyIfBudgetFreeNow(): boolean {
  return kindOfWork.getStore()?.onlyIfFreeNow === true;
}

/** The request budget of one upstream system and key. */
export interface UpstreamBudget {
  /** Resolves when one more request may start. Interactive calls waiting in any process go first. */
  take(priority: UpstreamPriority): Promise<void>;
  /** Takes a slot only if one is free now and no interactive call here waits for one; false otherwise. */
  tryTake(): Promise<boolean>;
  /** The upstream asked to wait (`Retry-After`, its own limiter): no process starts a request on this key for `ms`. */
  pause(ms: number): Promise<void>;
  /** Lets go of this handle; the last one of a store closes its connections. */
  release(): Promise<void>;
}

export interface SharedBudgetOptions {
  readonly system: string;
  /** The API key or login the upstream counts by. Only a hash of it names the budget. */
  readonly credential: string;
  readonly requestsPerSecond: number;
  /** Held in this Postgres for every process on it; in this process's memory without one (PGlite: one process). */
  readonly databaseUrl?: string;
}

// The upstream counts in a sliding second (RetailCRM: 10 in any second per key). Requests paced one
// per slot, each slot 10 % longer than 1/rps, can never put 11 in one second, and arrivals jittered
// by the network or a busy event loop up to a tenth of a second still cannot. A fixed window of rps
// points would let a full window's burst on each side of its boundary through: twice the limit.
const SLOT_MARGIN = 1.1;

/** What a budget of `requestsPerSecond` lets through, sustained, with the slot margin taken off. */
export const sustainedRequestsPerSecond = (requestsPerSecond: number): number => requestsPerSecond / SLOT_MARGIN;

const TABLE = { schemaName: 'platform', tableName: 'upstream_budget' } as const;

class Budget {
  private readonly waiting: Record<UpstreamPriority, (() => void)[]> = { interactive: [], background: [] };
  private pumping = false;
  /** Set while background waits behind interactive calls elsewhere: an interactive call here ends that wait. */
  private yielding: AbortController | undefined;
  readonly slotMs: number;

  constructor(
    private readonly key: string,
    private readonly slots: RateLimiterAbstract,
    /** Where waiting interactive calls announce themselves to other processes (none in memory: one process). */
    private readonly demand: RateLimiterAbstract | undefined,
    slotSeconds: number,
  ) {
    this.slotMs = slotSeconds * 1000;
  }

  take(priority: UpstreamPriority): Promise<void> {
    return new Promise((resolve) => {
      this.waiting[priority].push(resolve);
      if (priority === 'interactive') this.yielding?.abort();
      void this.pump();
    });
  }

  async tryTakeNow(): Promise<boolean> {
    if (this.waiting.interactive.length > 0) return false;
    return (await this.tryTake()) === 0;
  }

  async pause(ms: number): Promise<void> {
    // A block of 0 s never ends in the store.
    if (ms <= 0) return;
    try {
      const current = await this.slots.get(this.key);
      if (current && current.consumedPoints > this.slots.points && current.msBeforeNext >= ms) return;
      await this.slots.block(this.key, ms / 1000);
    } catch {
      // The store is unreachable: this process at least waits.
      await sleep(ms);
    }
  }

  // One loop per budget and process asks the store, so a queue of a hundred calls costs one query per
  // slot, not a hundred; the slot it wins goes to the first interactive waiter, else the first background one.
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.interactive.length + this.waiting.background.length > 0) {
        const interactive = this.waiting.interactive.length > 0;
        if (!interactive) {
          const yieldMs = await this.interactiveElsewhere();
          if (yieldMs > 0) {
            this.yielding = new AbortController();
            await sleep(yieldMs, undefined, { signal: this.yielding.signal }).catch(() => undefined);
            this.yielding = undefined;
            continue;
          }
        }
        const waitMs = await this.tryTake();
        if (waitMs === 0) {
          (this.waiting.interactive.shift() ?? this.waiting.background.shift())!();
          continue;
        }
        if (interactive) await this.announceInteractive(waitMs);
        await sleep(waitMs);
      }
    } finally {
      this.pumping = false;
    }
  }

  private async tryTake(): Promise<number> {
    try {
      await this.slots.consume(this.key);
      return 0;
    } catch (error) {
      if (error instanceof RateLimiterRes && error.msBeforeNext > 0) return error.msBeforeNext;
      return this.slotMs;
    }
  }

  private async interactiveElsewhere(): Promise<number> {
    if (!this.demand) return 0;
    const announced = await this.demand.get(this.key).catch(() => null);
    return announced && announced.consumedPoints > 0 && announced.msBeforeNext > 0 ? announced.msBeforeNext : 0;
  }

  // Lasts until this process asks again, and one slot more: background elsewhere holds off meanwhile.
  private async announceInteractive(waitMs: number): Promise<void> {
    await this.demand?.block(this.key, (waitMs + this.slotMs) / 1000).catch(() => undefined);
  }
}

function memoryBudget(key: string, requestsPerSecond: number): Budget {
  const slotSeconds = SLOT_MARGIN / requestsPerSecond;
  return new Budget(key, new RateLimiterMemory({ keyPrefix: 'slot', points: 1, duration: slotSeconds }), undefined, slotSeconds);
}

/** A budget of the caller's own, in memory: a client nobody shares a key with (tests, tools). */
export function localUpstreamBudget(requestsPerSecond: number): UpstreamBudget {
  const budget = memoryBudget('local', requestsPerSecond);
  return { take: (p) => budget.take(p), tryTake: () => budget.tryTakeNow(), pause: (ms) => budget.pause(ms), release: async () => undefined };
}

interface PoolEntry {
  readonly pool: pg.Pool;
  users: number;
}
const pools = new Map<string, PoolEntry>();

// Its own small pool, apart from the Kysely one: a budget query never waits behind a long transaction.
function acquirePool(url: string): pg.Pool {
  let entry = pools.get(url);
  if (!entry) {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    // A connection the server drops (restart, failover, pg_terminate_backend) must not take the process
    // down, idle or in use: the query fails, the insurance limiter answers, the pool reconnects.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    entry = { pool, users: 0 };
    pools.set(url, entry);
  }
  entry.users++;
  return entry.pool;
}

async function releasePool(url: string): Promise<void> {
  const entry = pools.get(url);
  if (!entry || --entry.users > 0) return;
  pools.delete(url);
  await entry.pool.end().catch(() => undefined);
}

function postgresBudget(key: string, requestsPerSecond: number, pool: pg.Pool): Budget {
  const slotSeconds = SLOT_MARGIN / requestsPerSecond;
  const common = { storeClient: pool, storeType: 'pool', ...TABLE, tableCreated: true, clearExpiredByTimeout: false };
  const slots = new RateLimiterPostgres({
    ...common,
    keyPrefix: 'slot',
    points: 1,
    duration: slotSeconds,
    // Postgres unreachable: each process paces itself at the whole rate until it is back.
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: 'slot', points: 1, duration: slotSeconds }),
  });
  const demand = new RateLimiterPostgres({ ...common, keyPrefix: 'interactive-waiting', points: 1, duration: slotSeconds });
  return new Budget(key, slots, demand, slotSeconds);
}

interface Shared {
  readonly budget: Budget;
  readonly databaseUrl: string | undefined;
  handles: number;
}
const shared = new Map<string, Shared>();

/**
 * The one budget of `system` and key: every client in this process, and with a database URL every
 * process on that database, takes its requests from it, so that together they never exceed
 * `requestsPerSecond`. Each call returns a handle to release when its client closes.
 */
export function sharedUpstreamBudget(options: SharedBudgetOptions): UpstreamBudget {
  const key = `${options.system}:${createHash('sha256').update(options.credential).digest('hex').slice(0, 32)}`;
  const registryKey = `${options.databaseUrl ?? 'memory'}|${key}|${options.requestsPerSecond}`;
  let entry = shared.get(registryKey);
  if (!entry) {
    const budget = options.databaseUrl ? postgresBudget(key, options.requestsPerSecond, acquirePool(options.databaseUrl)) : memoryBudget(key, options.requestsPerSecond);
    entry = { budget, databaseUrl: options.databaseUrl, handles: 0 };
    shared.set(registryKey, entry);
  }
  entry.handles++;
  const held = entry;
  let released = false;
  return {
    take: (priority) => held.budget.take(priority),
    tryTake: () => held.budget.tryTakeNow(),
    pause: (ms) => held.budget.pause(ms),
    async release() {
      if (released) return;
      released = true;
      if (--held.handles > 0) return;
      shared.delete(registryKey);
      if (held.databaseUrl) await releasePool(held.databaseUrl);
    },
  };
}
