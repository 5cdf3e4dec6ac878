import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaModule } from '../../platform/db/migrate.js';
import type { CustomFieldType } from './retailcrm-emulator.table.js';

/**
 * The account's customer custom fields. The loyalty ones mirror BonusPlus into the CRM card; the
 * last two are ordinary shop fields, there so that not every custom field is a loyalty one.
 */
export const CUSTOMER_CUSTOM_FIELDS: readonly { code: string; name: string; type: CustomFieldType }[] = [
  { code: 'bonus_card_number', name: 'Номер бонусной карты', type: 'string' },
  { code: 'bonus_card_type', name: 'Тип бонусной карты', type: 'string' },
  { code: 'bonus_active', name: 'Активные бонусы', type: 'integer' },
  { code: 'bonus_pending', name: 'Неактивные бонусы', type: 'integer' },
  { code: 'bonus_spent', name: 'Списано бонусов', type: 'integer' },
  { code: 'clothing_size', name: 'Размер одежды', type: 'string' },
  { code: 'sms_consent', name: 'Согласие на SMS-рассылку', type: 'boolean' },
];

const migrations: Record<string, Migration> = {
  '0001_customers': {
    async up(db: Kysely<any>) {
      const schema = db.schema.withSchema('retailcrm_emulator');
      await schema
        .createTable('customers')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('external_id', 'text')
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('first_name', 'text')
        .addColumn('last_name', 'text')
        .addColumn('patronymic', 'text')
        .addColumn('sex', 'text')
        .addColumn('email', 'text')
        .addColumn('birthday', 'text')
        .addColumn('phones', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('phone_digits', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('address', 'jsonb')
        .addColumn('custom_fields', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('discount_card_number', 'text')
        .addColumn('personal_discount', 'numeric', (c) => c.notNull().defaultTo(0))
        .addColumn('cumulative_discount', 'numeric', (c) => c.notNull().defaultTo(0))
        .addColumn('orders_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('total_summ', 'numeric', (c) => c.notNull().defaultTo(0))
        .addColumn('average_summ', 'numeric', (c) => c.notNull().defaultTo(0))
        .addColumn('vip', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('bad', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('is_contact', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('manager_id', 'integer')
        .addColumn('email_marketing_unsubscribed_at', 'timestamptz')
        .execute();
      // externalId is unique within a site, as in the real CRM.
      await sql`create unique index customers_site_external_id_uq on retailcrm_emulator.customers (site, external_id) where external_id is not null`.execute(db);
      await sql`create index customers_external_id_idx on retailcrm_emulator.customers (external_id)`.execute(db);
      await sql`create index customers_email_idx on retailcrm_emulator.customers (lower(email))`.execute(db);

      await schema
        .createTable('custom_fields')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('string', 'text', 'integer', 'numeric', 'boolean', 'date')`))
        .addColumn('ordering', 'integer', (c) => c.notNull())
        .execute();
      await db
        .insertInto('retailcrm_emulator.custom_fields')
        .values(CUSTOMER_CUSTOM_FIELDS.map((f, i) => ({ ...f, ordering: (i + 1) * 10 })))
        .execute();

      await schema
        .createTable('history')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('customer_id', 'integer', (c) => c.notNull())
        .addColumn('created', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('deleted', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('api_key', 'text')
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('old_value', 'jsonb')
        .addColumn('new_value', 'jsonb')
        .addColumn('customer', 'jsonb', (c) => c.notNull())
        .execute();
      await sql`create index history_customer_idx on retailcrm_emulator.history (customer_id, id)`.execute(db);
      await sql`create index history_created_at_idx on retailcrm_emulator.history (created_at)`.execute(db);
    },
  },
  '0002_orders': {
    async up(db: Kysely<any>) {
      const schema = db.schema.withSchema('retailcrm_emulator');
      // Money columns hold kopecks (the API prints roubles with two decimals).
      await schema
        .createTable('orders')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('external_id', 'text')
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_updated_at', 'timestamptz', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('customer_id', 'integer')
        .addColumn('first_name', 'text')
        .addColumn('last_name', 'text')
        .addColumn('phone', 'text')
        .addColumn('email', 'text')
        .addColumn('items', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('delivery', 'jsonb')
        .addColumn('custom_fields', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('total_summ', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('full_paid_at', 'timestamptz')
        .execute();
      await sql`create unique index orders_site_external_id_uq on retailcrm_emulator.orders (site, external_id) where external_id is not null`.execute(db);
      await sql`create index orders_customer_idx on retailcrm_emulator.orders (customer_id)`.execute(db);
      await sql`create sequence retailcrm_emulator.order_item_ids`.execute(db);

      await schema
        .createTable('payments')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('order_id', 'integer', (c) => c.notNull().references('retailcrm_emulator.orders.id'))
        .addColumn('external_id', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('paid_at', 'timestamptz')
        .addColumn('comment', 'text')
        .execute();
      await sql`create unique index payments_external_id_uq on retailcrm_emulator.payments (external_id) where external_id is not null`.execute(db);
      await sql`create index payments_order_idx on retailcrm_emulator.payments (order_id)`.execute(db);

      await schema
        .createTable('order_history')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('order_id', 'integer', (c) => c.notNull())
        .addColumn('created', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('deleted', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('api_key', 'text')
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('old_value', 'jsonb')
        .addColumn('new_value', 'jsonb')
        .addColumn('order', 'jsonb', (c) => c.notNull())
        .addColumn('item', 'jsonb')
        .addColumn('payment', 'jsonb')
        .execute();
      await sql`create index order_history_order_idx on retailcrm_emulator.order_history (order_id, id)`.execute(db);
      await sql`create index order_history_created_at_idx on retailcrm_emulator.order_history (created_at)`.execute(db);
    },
  },
  '0003_expiry_warning_fields': {
    // The two fields the loyalty subgraph writes when bonuses are about to burn (the account's
    // triggers send the SMS or e-mail from them).
    async up(db: Kysely<any>) {
      await db
        .insertInto('retailcrm_emulator.custom_fields')
        .values([
          { code: 'bonus_expiring_amount', name: 'Бонусы к сгоранию', type: 'integer', ordering: 80 },
          { code: 'bonus_expiring_at', name: 'Дата сгорания бонусов', type: 'date', ordering: 90 },
        ])
        .onConflict((oc) => oc.column('code').doNothing())
        .execute();
    },
  },
};

export const retailCrmEmulatorSchema: SchemaModule = { schema: 'retailcrm_emulator', migrations };
