import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { AppError } from './errors.js';
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

/**
 * Runs `work` once per (scope, key). The same key with the same input returns the stored outcome
 * (a typed business error is stored and replayed too); with other input it is a typed error.
 * Concurrent duplicates wait for the first call. An unexpected failure forgets the key, so the
 * caller may retry; a call whose process died is taken over once its lease has run out.
 */
export async function withIdempotency<T>(executor: Kysely<any>, call: IdempotentCall, work: () => Promise<T>): Promise<T> {
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
      .returning('key')
      .executeTakeFirst();

    if (claimed) return run(db, call, requestHash, work);

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
    .set({ status: 'done', response: JSON.stringify(outcome) })
    .where('scope', '=', call.scope)
    .where('key', '=', call.key)
    .execute();
  return replay<T>(outcome);
}

function replay<T>(outcome: StoredOutcome): T {
  if (outcome.ok) return outcome.value as T;
  throw new AppError(outcome.code, outcome.message, outcome.details);
}
