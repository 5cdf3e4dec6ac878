import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaModule } from '../../platform/db/migrate.js';

const migrations: Record<string, Migration> = {
  '0001_accounts': {
    async up(db: Kysely<any>) {
      await sql`create sequence loyalty.card_number_seq`.execute(db);
      await db.schema
        .withSchema('loyalty')
        .createTable('accounts')
        .addColumn('phone', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.unique())
        .addColumn('bonusplus_id', 'integer')
        .addColumn('card_number', 'text', (c) => c.notNull().unique())
        .addColumn('card_type_id', 'integer')
        .addColumn('available', 'integer', (c) => c.notNull().defaultTo(0).check(sql`available >= 0`))
        .addColumn('pending', 'integer', (c) => c.notNull().defaultTo(0).check(sql`pending >= 0`))
        .addColumn('spent', 'integer', (c) => c.notNull().defaultTo(0).check(sql`spent >= 0`))
        .addColumn('purchases_total', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('enrolling', 'active')`))
        .addColumn('synced_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .withSchema('loyalty')
        .createTable('card_types')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('bonus_percent', 'numeric', (c) => c.notNull())
        .addColumn('max_debit_percent', 'numeric', (c) => c.notNull())
        .addColumn('purchases_sum_from', 'bigint', (c) => c.notNull())
        .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
  // Lots and the ledger of each account, read from BonusPlus when an account's page asks for
  // them (`details_synced_at`; cleared whenever a refresh finds the figures changed).
  '0002_lots_and_ledger': {
    async up(db: Kysely<any>) {
      await db.schema.withSchema('loyalty').alterTable('accounts').addColumn('details_synced_at', 'timestamptz').execute();
      await db.schema
        .withSchema('loyalty')
        .createTable('bonus_lots')
        .addColumn('phone', 'text', (c) => c.notNull().references('loyalty.accounts.phone'))
        .addColumn('lot_id', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('amount', 'integer', (c) => c.notNull())
        .addColumn('remaining', 'integer', (c) => c.notNull().check(sql`remaining >= 0`))
        .addColumn('active_from', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz')
        .addPrimaryKeyConstraint('bonus_lots_pk', ['phone', 'lot_id'])
        .execute();
      await db.schema
        .withSchema('loyalty')
        .createTable('bonus_transactions')
        .addColumn('phone', 'text', (c) => c.notNull().references('loyalty.accounts.phone'))
        .addColumn('transaction_id', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('credit', 'debit')`))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount >= 0`))
        .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz')
        .addColumn('reference', 'text')
        .addPrimaryKeyConstraint('bonus_transactions_pk', ['phone', 'transaction_id'])
        .execute();
      await sql`create index bonus_transactions_page_idx on loyalty.bonus_transactions (phone, occurred_at desc, transaction_id desc)`.execute(db);
    },
  },
  // What live orders will earn, as the order subgraph tells it: added to BonusPlus's
  // not-yet-active bonuses to show pending bonuses before a sale reaches BonusPlus (R8).
  '0004_order_pending_bonuses': {
    async up(db: Kysely<any>) {
      await db.schema
        .withSchema('loyalty')
        .createTable('order_pending_bonuses')
        .addColumn('order_id', 'text', (c) => c.primaryKey())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('bonuses', 'integer', (c) => c.notNull().check(sql`bonuses >= 0`))
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index order_pending_bonuses_phone_idx on loyalty.order_pending_bonuses (phone) where bonuses > 0`.execute(db);
    },
  },
  // Customer reconciliation runs and what each has read so far, page by page, so a run that
  // stops or fails half-way continues from its last page instead of reading every upstream again.
  '0005_reconciliation_runs': {
    async up(db: Kysely<any>) {
      await db.schema
        .withSchema('loyalty')
        .createTable('reconciliation_runs')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'done')`))
        .addColumn('phase', 'text', (c) => c.notNull().check(sql`phase in ('bonusplus', 'retailcrm', 'compare')`))
        .addColumn('next_row', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('next_page', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('pages_read', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('owner', 'text')
        .addColumn('heartbeat_at', 'timestamptz')
        .addColumn('error', 'text')
        .addColumn('result', 'jsonb')
        .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('finished_at', 'timestamptz')
        .execute();
      await sql`create unique index reconciliation_runs_one_running on loyalty.reconciliation_runs ((true)) where status = 'running'`.execute(db);
      await db.schema
        .withSchema('loyalty')
        .createTable('reconciliation_records')
        .addColumn('run_id', 'integer', (c) => c.notNull().references('loyalty.reconciliation_runs.id').onDelete('cascade'))
        .addColumn('system', 'text', (c) => c.notNull().check(sql`system in ('BonusPlus', 'RetailCRM')`))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('record', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('reconciliation_records_pk', ['run_id', 'system', 'key'])
        .execute();
    },
  },
};

export const loyaltySchema: SchemaModule = { schema: 'loyalty', migrations };
