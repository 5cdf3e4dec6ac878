import { sql, type Generated, type Kysely, type Migration } from 'kysely';
import type { SchemaModule } from './db/migrate.js';

/**
 * The `platform` schema: the plumbing every module shares in one database. The outbox is a
 * topic-routed queue: a producer enqueues in its own transaction, and the process that handles a
 * topic relays it. Idempotency keys and sync cursors are scoped by name.
 */
const migrations: Record<string, Migration> = {
  '0001_platform': {
    async up(db: Kysely<any>) {
      await db.schema
        .withSchema('platform')
        .createTable('outbox')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('dedupe_key', 'text', (c) => c.unique())
        .addColumn('payload', 'jsonb', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'done', 'dead')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('available_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('processed_at', 'timestamptz')
        .execute();
      await sql`create index outbox_pending_idx on platform.outbox (topic, available_at) where status = 'pending'`.execute(db);

      await db.schema
        .withSchema('platform')
        .createTable('idempotency_keys')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('in_flight', 'done')`))
        .addColumn('response', 'jsonb')
        .addColumn('locked_until', 'timestamptz', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
        .execute();

      await db.schema
        .withSchema('platform')
        .createTable('sync_cursors')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('cursor', 'text', (c) => c.notNull())
        .addColumn('last_success_at', 'timestamptz')
        .addColumn('last_error', 'text')
        .addColumn('last_error_at', 'timestamptz')
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
  '0002_idempotency_retention': {
    // Keys are kept for a retention counted from their answer; the purge walks them oldest first.
    async up(db: Kysely<any>) {
      await db.schema.withSchema('platform').alterTable('idempotency_keys').addColumn('finished_at', 'timestamptz').execute();
      await sql`create index idempotency_keys_age_idx on platform.idempotency_keys ((coalesce(finished_at, created_at)))`.execute(db);
    },
  },
  '0003_upstream_budget': {
    // The request budget every process shares per upstream system and key (platform/http/upstream-budget.ts):
    // rate-limiter-flexible's RateLimiterPostgres table, its shape as that library reads and writes it.
    async up(db: Kysely<any>) {
      await sql`create table platform.upstream_budget (key varchar(255) primary key, points integer not null default 0, expire bigint)`.execute(db);
    },
  },
  '0006_audit_log': {
    // Staff actions and refused attempts at staff-only ones (platform/audit.ts). Append-only: the
    // code has no UPDATE or DELETE of it, and the table refuses them (and TRUNCATE) to anyone.
    async up(db: Kysely<any>) {
      await sql`create table platform.audit_log (
        id bigserial primary key,
        at timestamptz not null default now(),
        request_id text not null,
        subgraph text not null,
        operation text not null,
        actor_kind text not null check (actor_kind in ('anonymous', 'customer', 'staff', 'service')),
        actor text,
        roles text[] not null default '{}',
        argument_ids jsonb not null default '{}',
        result text not null
      )`.execute(db);
      await sql`create index audit_log_actor_idx on platform.audit_log (actor, id)`.execute(db);
      await sql`create index audit_log_operation_idx on platform.audit_log (operation, id)`.execute(db);
      await sql`create function platform.audit_log_refuse_change() returns trigger language plpgsql as $$
        begin
          raise exception 'platform.audit_log is append-only' using errcode = 'insufficient_privilege';
        end
      $$`.execute(db);
      await sql`create trigger audit_log_no_update_or_delete before update or delete on platform.audit_log for each row execute function platform.audit_log_refuse_change()`.execute(db);
      await sql`create trigger audit_log_no_truncate before truncate on platform.audit_log for each statement execute function platform.audit_log_refuse_change()`.execute(db);
    },
  },
  '0005_outbox_after': {
    // A message that waits on another's effect names it (OutboxEnqueue.after) rather than failing
    // and backing off until it is there.
    async up(db: Kysely<any>) {
      await sql`alter table platform.outbox add column after_key text`.execute(db);
    },
  },
  '0007_upstream_budget_fractional_expire': {
    // A slot lasts 1.1 s / the rate: 157.14… ms at 7 requests a second, 1.1 ms at 1,000. The library
    // writes `expire` as now + that in ms, and a bigint refused every fraction: the shared budget
    // failed over to each process's own (insurance) limiter, the sum of them past the upstream's limit.
    async up(db: Kysely<any>) {
      await sql`alter table platform.upstream_budget alter column expire type double precision`.execute(db);
    },
  },
  '0008_outbox_after_index': {
    // What waits on a message, found without reading the whole outbox (`statusesAfter`): done
    // messages are kept.
    async up(db: Kysely<any>) {
      await sql`create index outbox_after_key_idx on platform.outbox (after_key) where after_key is not null`.execute(db);
    },
  },
};

export const platformSchema: SchemaModule = { schema: 'platform', migrations };

export interface OutboxTable {
  id: Generated<number>;
  topic: string;
  dedupe_key: string | null;
  /** The dedupe key of a message this one waits for (OutboxEnqueue.after). */
  after_key: string | null;
  payload: unknown;
  status: Generated<'pending' | 'done' | 'dead'>;
  attempts: Generated<number>;
  available_at: Generated<Date>;
  last_error: string | null;
  created_at: Generated<Date>;
  processed_at: Date | null;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status: 'in_flight' | 'done';
  response: unknown;
  locked_until: Date;
  created_at: Generated<Date>;
  /** When the answer was stored; retention counts from it. */
  finished_at: Date | null;
}

export interface SyncCursorsTable {
  name: string;
  cursor: string;
  last_success_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  updated_at: Generated<Date>;
}

export interface PlatformDb {
  'platform.outbox': OutboxTable;
  'platform.idempotency_keys': IdempotencyKeysTable;
  'platform.sync_cursors': SyncCursorsTable;
}

