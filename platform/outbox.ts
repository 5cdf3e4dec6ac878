import { sql, type Expression, type Kysely, type OperationNode, type RawBuilder } from 'kysely';
import { eachAtMost } from './concurrency.js';
import { transientFailure } from './errors.js';
import type { Logger } from './logger.js';
import { createPeriodicTask, type PeriodicTask } from './periodic-task.js';
import type { PlatformDb, OutboxTable } from './platform.migrations.js';
import type { Selectable } from 'kysely';

export type OutboxMessage = Selectable<OutboxTable>;

export interface OutboxEnqueue {
  readonly topic: string;
  readonly payload: unknown;
  /** A natural key: a second enqueue with the same key is ignored (one effect per fact). */
  readonly dedupeKey?: string;
  /** Earliest time to deliver; now by default. */
  readonly availableAt?: Date;
  /**
   * The dedupe key of a message whose effect this one needs (an order's way to RetailCRM needs its
   * customer's): not delivered while that message is pending. Once it is done, or dead, or was never
   * queued, this one goes as any other; its handler still checks what it needs.
   */
  readonly after?: string;
}

/**
 * Adds messages in the caller's transaction, so that they exist if and only if the change that
 * produced them was committed. Returns false when none was added (each dedupe key already queued).
 */
export async function enqueue(executor: Kysely<any>, messages: OutboxEnqueue | readonly OutboxEnqueue[]): Promise<boolean> {
  const all = Array.isArray(messages) ? messages : [messages as OutboxEnqueue];
  if (all.length === 0) return false;
  // Several messages go in one statement, each with its own columns (a time not given is now).
  const result = await sql<{ id: string }>`${enqueueWhere(all, sql`true`)} returning id`.execute(executor);
  return result.rows.length > 0;
}

/**
 * Runs `write` (an INSERT, UPDATE or DELETE … RETURNING, or a SELECT: any Kysely query that returns
 * rows) and queues `messages` when it returned a row, in one statement: as atomic as the write and
 * `enqueue` in a transaction, in one round trip where that takes four. Resolves with the first row,
 * or undefined when there was none (and nothing was queued).
 */
export async function writeAndEnqueue<Row>(executor: Kysely<any>, write: Expression<Row> | { toOperationNode(): OperationNode }, messages: readonly OutboxEnqueue[]): Promise<Row | undefined> {
  const db = (executor as Kysely<any>).with('written', () => write as never);
  const queued = messages.length === 0 ? db : db.with('queued', () => sql`(${enqueueWhere(messages, sql`exists (select 1 from written)`)})` as never);
  return (await queued.selectFrom('written').selectAll().executeTakeFirst()) as Row | undefined;
}

/**
 * The statement that queues `messages` when `condition` holds, a message whose dedupe key is
 * queued already left out: `enqueue`'s (with `true`), and a data-modifying CTE's of a caller's own
 * statement, whose other parts `condition` may name.
 */
export function enqueueWhere(messages: readonly OutboxEnqueue[], condition: RawBuilder<unknown>): RawBuilder<unknown> {
  const rows = messages.map((m) => sql`(${m.topic}::text, ${JSON.stringify(m.payload)}::jsonb, ${m.dedupeKey ?? null}::text, ${m.after ?? null}::text, ${m.availableAt ?? null}::timestamptz)`);
  return sql`insert into platform.outbox (topic, payload, dedupe_key, after_key, available_at)
    select m.topic, m.payload, m.dedupe_key, m.after_key, coalesce(m.available_at, now())
      from (values ${sql.join(rows)}) as m(topic, payload, dedupe_key, after_key, available_at)
     where ${condition}
    on conflict (dedupe_key) do nothing`;
}

/**
 * For a handler that sends the current state of one thing (not a change to it), such as a
 * customer's figures to their RetailCRM card: takes the other pending messages of `topic` about the
 * same thing (`payload ->> field = value`) out of the queue as done, in one statement, since the
 * send that follows reads the state after it and so covers what each of them was queued for. One
 * upstream call then serves a burst of changes, where a call each would spend a rate-limited
 * budget on the same figures. A message due later (a retry in its backoff) is covered as well.
 *
 * `current` is the message being handled, left as it is. Returns false when that message was itself
 * taken out so by another handler whose send covers it: this one need not send. A message taken out
 * while another relay is handling it is sent once more, harmlessly (the send is of a state).
 */
export async function coalescePending(executor: Kysely<any>, topic: string, key: { readonly field: string; readonly value: string }, current?: OutboxMessage['id']): Promise<boolean> {
  const id = current ?? null;
  const result = await sql<{ status: string | null }>`
    with mine as (select status from platform.outbox where id = ${id}::bigint),
    taken as (
      update platform.outbox
         set status = 'done', processed_at = now(), last_error = null
       where topic = ${topic} and status = 'pending' and payload ->> ${key.field} = ${key.value} and id is distinct from ${id}::bigint
         and coalesce((select status from mine), 'pending') = 'pending'
      returning id)
    select (select status from mine) as status`.execute(executor);
  return (result.rows[0]?.status ?? 'pending') === 'pending';
}

/**
 * The statuses the messages of `topic` that wait on `afterKey` (OutboxEnqueue.after) have now: e.g.
 * whether the card writes queued for a customer's creation are still to go, went, or failed.
 */
export async function statusesAfter(executor: Kysely<any>, topic: string, afterKey: string): Promise<ReadonlySet<OutboxMessage['status']>> {
  const rows = await (executor as Kysely<PlatformDb>).selectFrom('platform.outbox').select('status').distinct().where('after_key', '=', afterKey).where('topic', '=', topic).execute();
  return new Set(rows.map((r) => r.status));
}

/** The status of the message queued with `dedupeKey`, if one was. */
export async function statusOf(executor: Kysely<any>, dedupeKey: string): Promise<OutboxMessage['status'] | undefined> {
  return (await (executor as Kysely<PlatformDb>).selectFrom('platform.outbox').select('status').where('dedupe_key', '=', dedupeKey).executeTakeFirst())?.status;
}

/** Handles one message. Throwing means "try again later"; `PermanentFailure` sends it to dead letters at once. */
export type OutboxHandler = (payload: any, message: OutboxMessage) => Promise<void>;

export class PermanentFailure extends Error {}

/** How long a handled message may wait to be marked done with the rest of its batch. */
const DONE_FLUSH_MS = 1_000;

/** A failure of the moment (an upstream or the database down, a message waiting on another's effect): tried again, never dead-lettered for it. */
export function isTransient(error: unknown): boolean {
  return transientFailure(error) !== undefined || (typeof error === 'object' && error !== null && (error as { transient?: unknown }).transient === true);
}

/**
 * A message's payload as its contract's schema reads it. A payload that does not fit will not fit
 * on a retry either: it goes to dead letters for an operator, and changes nothing.
 */
export function parsePayload<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } } }, payload: unknown, topic: string): T {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new PermanentFailure(`malformed ${topic}: ${parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export interface OutboxRelayOptions {
  readonly db: Kysely<any>;
  readonly handlers: Readonly<Record<string, OutboxHandler>>;
  readonly logger: Logger;
  readonly batchSize?: number;
  readonly maxAttempts?: number;
  /** How long a claimed message stays invisible to other relays (a crashed relay's claim expires). */
  readonly leaseMs?: number;
  /** Backoff before attempt n+1: base * 2^(n-1), capped, with jitter. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** The cap for a failure of the moment (an upstream or the database down): 10 s. */
  readonly transientBackoffMaxMs?: number;
  readonly pollIntervalMs?: number;
  /**
   * How many topics of a batch are handled at once (1 by default); one topic's messages always go
   * one after another, in the order they were due. More than one keeps an upstream's budget busy
   * while one topic's handler does its own database work between calls.
   */
  readonly concurrency?: number;
}

export interface OutboxRelay {
  /**
   * Claims and handles one batch; returns how many messages it handled. Once `signal` is aborted,
   * the batch's messages not yet begun are given back at once, for this or another relay.
   */
  runOnce(signal?: AbortSignal): Promise<number>;
  /** Handles batches until none is due (tests and shutdown), or until `signal` is aborted. */
  drain(maxRounds?: number, signal?: AbortSignal): Promise<number>;
  /** Polls on `pollIntervalMs` until stopped. */
  readonly task: PeriodicTask<number>;
}

/**
 * Delivers outbox messages of the topics this process handles. Claims with `FOR UPDATE SKIP
 * LOCKED` so relays in several processes never take the same message; a claim is a lease that
 * moves `available_at` forward, so a relay that dies mid-message gives it back when the lease ends.
 * Handlers must be idempotent: delivery is at least once.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const db = options.db as Kysely<PlatformDb>;
  const topics = Object.keys(options.handlers);
  const batchSize = options.batchSize ?? 20;
  const maxAttempts = options.maxAttempts ?? 12;
  const leaseMs = options.leaseMs ?? 60_000;
  const backoffBase = options.backoffBaseMs ?? 500;
  // A minute at most between tries of a message that failed on its own account.
  const backoffMax = options.backoffMaxMs ?? 60_000;
  // Ten seconds at most while an upstream or the database is down: a try then costs no request (the
  // circuit breaker answers at once), and once it is back its backlog moves within seconds.
  const transientBackoffMax = Math.min(backoffMax, options.transientBackoffMaxMs ?? 10_000);
  const concurrency = Math.max(1, options.concurrency ?? 1);
  async function claim(): Promise<OutboxMessage[]> {
    if (topics.length === 0) return [];
    const result = await sql<OutboxMessage>`
      update platform.outbox
         set available_at = now() + ${`${leaseMs} milliseconds`}::interval,
             attempts = attempts + 1
       where id in (
         select o.id from platform.outbox o
          where o.status = 'pending' and o.available_at <= now() and o.topic = any(${topics}::text[])
            and (o.after_key is null or not exists (select 1 from platform.outbox d where d.dedupe_key = o.after_key and d.status = 'pending'))
          order by o.available_at, o.id
          limit ${batchSize}
          for update skip locked)
      returning *`.execute(db);
    // UPDATE … RETURNING gives rows in no particular order: handle them in the order they were due.
    return result.rows.sort((a, b) => new Date(a.available_at).getTime() - new Date(b.available_at).getTime() || Number(a.id) - Number(b.id));
  }

  // Messages handled but not yet marked done: marked together, in one statement, at the end of the
  // batch (or once the first has waited DONE_FLUSH_MS, so that a long batch does not let their claims
  // lapse). A relay that dies before marking them has them delivered again, as it would a message it
  // died handling: delivery is at least once.
  const handled: OutboxMessage['id'][] = [];
  let handledSince = 0;
  async function markDone(): Promise<void> {
    if (handled.length === 0) return;
    const ids = handled.splice(0);
    await db.updateTable('platform.outbox').set({ status: 'done', processed_at: new Date(), last_error: null }).where('id', 'in', ids).execute();
  }

  async function settle(message: OutboxMessage, error: unknown): Promise<void> {
    if (error === undefined) {
      if (handled.length === 0) handledSince = Date.now();
      handled.push(message.id);
      if (Date.now() - handledSince >= DONE_FLUSH_MS) await markDone();
      return;
    }
    const text = error instanceof Error ? error.message : String(error);
    // An upstream or the database being down is no fault of the message: it waits, however long
    // the outage lasts, and is never a dead letter for it.
    const dead = error instanceof PermanentFailure || (message.attempts >= maxAttempts && !isTransient(error));
    const delay = Math.min(isTransient(error) ? transientBackoffMax : backoffMax, backoffBase * 2 ** Math.max(0, message.attempts - 1)) * (0.8 + Math.random() * 0.4);
    await db
      .updateTable('platform.outbox')
      .set({
        status: dead ? 'dead' : 'pending',
        last_error: text.slice(0, 2000),
        available_at: new Date(Date.now() + delay),
        ...(dead ? { processed_at: new Date() } : {}),
      })
      .where('id', '=', message.id)
      .execute();
    const log = { id: message.id, topic: message.topic, attempts: message.attempts, error: text };
    if (dead) options.logger.error(log, 'outbox message moved to dead letters');
    else options.logger.warn(log, 'outbox message failed, will retry');
  }

  /** Messages claimed but not begun: due again now, and the claim not counted as an attempt. */
  async function giveBack(messages: readonly OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await db
      .updateTable('platform.outbox')
      .set((eb) => ({ available_at: new Date(), attempts: eb('attempts', '-', 1) }))
      .where('id', 'in', messages.map((m) => m.id))
      .where('status', '=', 'pending')
      .execute();
  }

  async function handle(message: OutboxMessage): Promise<void> {
    const handler = options.handlers[message.topic]!;
    let failure: unknown;
    try {
      await handler(message.payload, message);
    } catch (error) {
      failure = error ?? new Error('handler failed');
    }
    await settle(message, failure);
  }

  async function runOnce(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return 0;
    const messages = await claim();
    // One queue per topic, each in the order its messages were due: a topic's messages are handled
    // one after another (an order reaches RetailCRM after the one placed before it), different
    // topics side by side, up to `concurrency`. Once stopped, no message begins.
    const byTopic = new Map<string, OutboxMessage[]>();
    for (const message of messages) byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), message]);
    const queues = [...byTopic.values()];
    const begun = new Set<OutboxMessage>();
    try {
      await eachAtMost(queues, concurrency, async (queue) => {
        for (const message of queue) {
          if (signal?.aborted) return;
          begun.add(message);
          await handle(message);
        }
      });
    } finally {
      await markDone();
    }
    if (begun.size < messages.length) await giveBack(messages.filter((m) => !begun.has(m)));
    return begun.size;
  }

  async function drain(maxRounds = 100, signal?: AbortSignal): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds && !signal?.aborted; round++) {
      const handled = await runOnce(signal);
      total += handled;
      if (handled === 0) break;
    }
    return total;
  }

  /**
   * The periodic poll: batches until one comes back short of `batchSize` (nothing more was due when
   * it was claimed; what its handlers queued waits for the next poll), at most ten.
   */
  async function poll(signal: AbortSignal): Promise<number> {
    let total = 0;
    for (let round = 0; round < 10 && !signal.aborted; round++) {
      const count = await runOnce(signal);
      total += count;
      if (count < batchSize) break;
    }
    return total;
  }

  return { runOnce, drain, task: createPeriodicTask('outbox relay', options.pollIntervalMs ?? 500, poll, options.logger) };
}

/** Dead letters, newest first: what operators must look at. */
export async function listDeadLetters(executor: Kysely<any>, limit = 100): Promise<OutboxMessage[]> {
  return (executor as Kysely<PlatformDb>)
    .selectFrom('platform.outbox')
    .selectAll()
    .where('status', '=', 'dead')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Puts a dead letter back in the queue (after the cause is fixed). */
export async function retryDeadLetter(executor: Kysely<any>, id: number): Promise<boolean> {
  const result = await (executor as Kysely<PlatformDb>)
    .updateTable('platform.outbox')
    .set({ status: 'pending', attempts: 0, available_at: new Date(), processed_at: null })
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
