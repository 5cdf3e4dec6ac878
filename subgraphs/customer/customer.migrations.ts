import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaModule } from '../../platform/db/migrate.js';

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
};

export const customerSchema: SchemaModule = { schema: 'customer', migrations };
