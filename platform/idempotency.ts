import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { AppError } from './errors.js';
import type { Logger } from './logger.js';
import { createPeriodicTask, type PeriodicTask } from './periodic-task.js';
import type { PlatformDb } from './platform.migrations.js';

/** What every mutation accepts as its idempotency key. */
export const idempotencyKeySchema = z.string().min(8, 'must be at least 8 characters').max(200, 'must be at most 200 characters');

/** Canonical JSON (sorted keys) so that the same input always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const hashOf = (input: unknown) => createHash('sha256').update(canonicalJson(input)).digest('hex');

type StoredOutcome = { ok: true; value: unknown } | { ok: false; code: AppError['code']; message: string; details?: Record<string, unknown> };

export interface IdempotentCall {
  /** The operation, e.g. `customer.register`: keys are unique per scope. */
  readonly scope: string;
  readonly key: string;
  /** What the caller asked for; the same key with other input is IDEMPOTENCY_KEY_REUSED. */
  readonly input: unknown;
  /** How long an unfinished first call blocks the others before one may take over. */
  readonly leaseMs?: number;
  /** How long a concurrent duplicate waits for the first call to finish. */
  readonly waitMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How `work` came to run: `resumed` when the key's claim was taken over from a request whose lease ran out (its process died), so it may have left work half-done. */
export interface Claim {
  readonly resumed: boolean;
}

/**
 * Runs `work` once per (scope, key). The same key with the same input returns the stored outcome
 * (a typed business error is stored and replayed too); with other input it is a typed error.
 * Concurrent duplicates wait for the first call. An unexpected failure forgets the key, so the
 * caller may retry; a call whose process died is taken over once its lease has run out.
 */

export async function withIdempotency<T>(executor: Kysely<any>, call: IdempotentCall, work: (claim: Claim) => Promise<T>): Promise<T> {
  const db = executor as Kysely<PlatformDb>;
  const requestHash = hashOf(call.input);
  const leaseMs = call.leaseMs ?? 30_000;
  const deadline = Date.now() + (call.waitMs ?? leaseMs + 5_000);

  for (;;) {
    const claimed = await db
      .insertInto('platform.idempotency_keys')
      .values({
        scope: call.scope,
        key: call.key,
        request_hash: requestHash,
        status: 'in_flight',
        response: null,
        finished_at: null,
        locked_until: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval`,
      })
      .onConflict((oc) =>
        // An abandoned claim (its lease over) of the same request is taken over.
        oc
          .columns(['scope', 'key'])
          .doUpdateSet({ locked_until: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval` })
          .where('platform.idempotency_keys.status', '=', 'in_flight')
          .where('platform.idempotency_keys.locked_until', '<', sql<Date>`now()`)
          .where('platform.idempotency_keys.request_hash', '=', requestHash),
      )
      // xmax is 0 on a row this statement inserted, and set on one it updated (an abandoned claim taken over).
      .returning(['key', sql<boolean>`xmax <> 0`.as('resumed')])
      .executeTakeFirst();

    if (claimed) return run(db, call, requestHash, () => work({ resumed: claimed.resumed }));

    const row = await db
      .selectFrom('platform.idempotency_keys')
      .select(['request_hash', 'status', 'response'])
      .where('scope', '=', call.scope)
      .where('key', '=', call.key)
      .executeTakeFirst();
    if (!row) continue; // forgotten between our insert and select: claim again
    if (row.request_hash !== requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was already used with a different request');
    }
    if (row.status === 'done') return replay<T>(row.response as StoredOutcome);
    if (Date.now() > deadline) throw new AppError('IDEMPOTENCY_KEY_IN_FLIGHT', 'A request with this idempotency key is still in progress');
    await sleep(25 + Math.random() * 50);
  }
}

async function run<T>(db: Kysely<PlatformDb>, call: IdempotentCall, requestHash: string, work: () => Promise<T>): Promise<T> {
  let outcome: StoredOutcome;
  try {
    const value = await work();
    // Stored and first answers must be the same: both go through JSON.
    outcome = { ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
  } catch (error) {
    if (!(error instanceof AppError) || error.code === 'UPSTREAM_UNAVAILABLE' || error.code === 'INTERNAL_SERVER_ERROR') {
      await db.deleteFrom('platform.idempotency_keys').where('scope', '=', call.scope).where('key', '=', call.key).where('request_hash', '=', requestHash).execute();
      throw error;
    }
    outcome = { ok: false, code: error.code, message: error.message, ...(error.details ? { details: { ...error.details } } : {}) };
  }
  await db
    .updateTable('platform.idempotency_keys')
    .set({ status: 'done', response: JSON.stringify(outcome), finished_at: sql<Date>`now()` })
    .where('scope', '=', call.scope)
    .where('key', '=', call.key)
    .execute();
  return replay<T>(outcome);
}

function replay<T>(outcome: StoredOutcome): T {
  if (outcome.ok) return outcome.value as T;
  throw new AppError(outcome.code, outcome.message, outcome.details);
}

/** The shortest retention the graph promises: a client may retry a mutation for a day and get its first answer. */
export const MIN_IDEMPOTENCY_RETENTION_HOURS = 24;

export interface IdempotencyPurgeOptions {
  /** Keys answered (or abandoned) longer ago than this are forgotten; at least MIN_IDEMPOTENCY_RETENTION_HOURS. */
  readonly retentionHours: number;
  /** The clock, injected so tests can move it; now by default. */
  readonly now?: Date;
  /** Rows deleted per statement: each batch is its own short statement, so no lock is held for long. */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
}

/**
 * Forgets idempotency keys past retention, in batches, until none is left or `signal` aborts.
 * A key's age counts from its answer (`finished_at`), or from its claim for one never answered;
 * a claim whose lease is still live is never touched, however old, so a running call keeps its key.
 * After the purge the same key runs the mutation again.
 */
export async function purgeIdempotencyKeys(executor: Kysely<any>, options: IdempotencyPurgeOptions): Promise<{ purged: number; batches: number }> {
  if (options.retentionHours < MIN_IDEMPOTENCY_RETENTION_HOURS) throw new Error(`idempotency keys are kept at least ${MIN_IDEMPOTENCY_RETENTION_HOURS} h`);
  const db = executor as Kysely<PlatformDb>;
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.retentionHours * 3_600_000);
  const batchSize = options.batchSize ?? 1_000;
  let purged = 0;
  let batches = 0;
  while (!options.signal?.aborted) {
    // SKIP LOCKED: a row another transaction is updating (a call finishing) is left for the next run.
    const result = await sql`
      delete from platform.idempotency_keys k
       using (select scope, key from platform.idempotency_keys
               where coalesce(finished_at, created_at) < ${cutoff} and locked_until < ${now}
               order by coalesce(finished_at, created_at)
               limit ${batchSize}
               for update skip locked) due
       where k.scope = due.scope and k.key = due.key
      returning 1 as gone`.execute(db);
    // Counted from the rows: not every dialect reports a raw statement's affected rows.
    const deleted = result.rows.length;
    batches++;
    purged += deleted;
    if (deleted < batchSize) break;
  }
  return { purged, batches };
}

/** The hourly purge, for the process that owns idempotent mutations (one per process; several processes may share a database). */
export function createIdempotencyPurge(executor: Kysely<any>, options: { retentionHours: number; logger: Logger; intervalMs?: number }): PeriodicTask<{ purged: number; batches: number }> {
  return createPeriodicTask(
    'idempotency key purge',
    options.intervalMs ?? 3_600_000,
    (signal) => purgeIdempotencyKeys(executor, { retentionHours: options.retentionHours, signal }),
    options.logger,
  );
}
