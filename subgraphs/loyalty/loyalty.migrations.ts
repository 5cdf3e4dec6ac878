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
};

export const loyaltySchema: SchemaModule = { schema: 'loyalty', migrations };
