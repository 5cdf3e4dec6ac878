import { sql, type Kysely, type Migration } from 'kysely';
import { runScript, type SchemaModule } from '../../platform/db/migrate.js';

const migrations: Record<string, Migration> = {
  '0001_customers': {
    async up(db: Kysely<any>) {
      await db.schema
        .withSchema('customer')
        .createTable('customers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('retailcrm_id', 'integer', (c) => c.unique())
        .addColumn('bonusplus_id', 'integer')
        .addColumn('onec_guid', 'text')
        .addColumn('phone', 'text', (c) => c.unique())
        .addColumn('first_name', 'text')
        .addColumn('last_name', 'text')
        .addColumn('patronymic', 'text')
        .addColumn('email', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index customers_created_idx on customer.customers (created_at desc, id desc)`.execute(db);
      await sql`create index customers_email_idx on customer.customers (lower(email))`.execute(db);

      await db.schema
        .withSchema('customer')
        .createTable('registrations')
        .addColumn('phone', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
  '0002_showroom_import': {
    async up(db: Kysely<any>) {
      await runScript(
        db,
        `
        create table customer.showroom_import_runs (
          id bigserial primary key,
          status text not null check (status in ('RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED')),
          owner text not null,
          next_row integer not null default 1 check (next_row >= 1),
          customers_read integer not null default 0,
          imported integer not null default 0,
          already_known integer not null default 0,
          failed integer not null default 0,
          started_at timestamptz not null default now(),
          heartbeat_at timestamptz not null default now(),
          finished_at timestamptz,
          error text
        );
        create table customer.showroom_import_failures (
          run_id bigint not null references customer.showroom_import_runs (id) on delete cascade,
          bonusplus_id integer not null,
          phone text not null,
          reason text not null,
          failed_at timestamptz not null default now(),
          primary key (run_id, bonusplus_id)
        );
        create table customer.showroom_imports (
          phone text primary key,
          customer_id text not null unique,
          bonusplus_id integer not null,
          run_id bigint not null,
          claimed_at timestamptz not null default now(),
          retailcrm_id integer,
          imported_at timestamptz
        );`,
      );
    },
  },
  '0003_onec_counterparty': {
    async up(db: Kysely<any>) {
      // The identity map's 1C side is a partner (onec_guid) and its counterparty, both named on every 1C document.
      await sql`alter table customer.customers add column onec_counterparty_guid text`.execute(db);
    },
  },
};

export const customerSchema: SchemaModule = { schema: 'customer', migrations };
