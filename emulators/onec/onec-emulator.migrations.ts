import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaModule } from '../../platform/db/migrate.js';

const S = 'onec_emulator';
const EMPTY = sql`'00000000-0000-0000-0000-000000000000'::uuid`;

const migrations: Record<string, Migration> = {
  '0001_catalog_prices_stock': {
    async up(db: Kysely<any>) {
      const schema = db.schema.withSchema(S);
      await schema
        .createTable('seed_state')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('seeded_at', 'timestamptz')
        .addColumn('products', 'integer')
        .execute();
      await sql`insert into ${sql.table(`${S}.seed_state`)} (id) values (1)`.execute(db);

      await schema
        .createTable('catalog_objects')
        .addColumn('entity_set', 'text', (c) => c.notNull())
        .addColumn('ref', 'uuid', (c) => c.notNull())
        .addColumn('data_version', 'text', (c) => c.notNull())
        .addColumn('deletion_mark', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('predefined', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('is_folder', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('parent_ref', 'uuid', (c) => c.notNull().defaultTo(EMPTY))
        .addColumn('code', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('attrs', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addPrimaryKeyConstraint('catalog_objects_pk', ['entity_set', 'ref'])
        .execute();

      await schema
        .createTable('products')
        .addColumn('ref', 'uuid', (c) => c.primaryKey())
        .addColumn('data_version', 'text', (c) => c.notNull())
        .addColumn('deletion_mark', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('is_folder', 'boolean', (c) => c.notNull())
        .addColumn('parent_ref', 'uuid', (c) => c.notNull().defaultTo(EMPTY))
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('article', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('full_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('product_type', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('kind_ref', 'uuid', (c) => c.notNull().defaultTo(EMPTY))
        .addColumn('unit_ref', 'uuid', (c) => c.notNull().defaultTo(EMPTY))
        .addColumn('brand_ref', 'uuid', (c) => c.notNull().defaultTo(EMPTY))
        .addColumn('uses_characteristics', 'boolean', (c) => c.notNull().defaultTo(false))
        .execute();
      await sql`create index products_parent_idx on ${sql.table(`${S}.products`)} (parent_ref)`.execute(db);
      await sql`create index products_article_idx on ${sql.table(`${S}.products`)} (article)`.execute(db);

      await schema
        .createTable('characteristics')
        .addColumn('ref', 'uuid', (c) => c.primaryKey())
        .addColumn('data_version', 'text', (c) => c.notNull())
        .addColumn('deletion_mark', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('owner_ref', 'uuid', (c) => c.notNull())
        .addColumn('owner_type', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('print_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('extra_attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .execute();
      await sql`create index characteristics_owner_idx on ${sql.table(`${S}.characteristics`)} (owner_ref)`.execute(db);

      await schema
        .createTable('barcodes')
        .addColumn('barcode', 'text', (c) => c.primaryKey())
        .addColumn('product_ref', 'uuid', (c) => c.notNull())
        .addColumn('characteristic_ref', 'uuid', (c) => c.notNull().defaultTo(EMPTY))
        .addColumn('package_ref', 'uuid', (c) => c.notNull().defaultTo(EMPTY))
        .execute();
      await sql`create index barcodes_product_idx on ${sql.table(`${S}.barcodes`)} (product_ref, characteristic_ref)`.execute(db);

      await schema
        .createTable('prices')
        .addColumn('recorder', 'uuid', (c) => c.notNull())
        .addColumn('line_number', 'integer', (c) => c.notNull().check(sql`line_number > 0`))
        .addColumn('period', sql`timestamp(0)`, (c) => c.notNull())
        .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('price_type_ref', 'uuid', (c) => c.notNull())
        .addColumn('product_ref', 'uuid', (c) => c.notNull())
        .addColumn('characteristic_ref', 'uuid', (c) => c.notNull().defaultTo(EMPTY))
        .addColumn('price_kopecks', 'bigint', (c) => c.notNull().check(sql`price_kopecks >= 0`))
        .addColumn('currency_ref', 'uuid', (c) => c.notNull())
        .addColumn('package_ref', 'uuid', (c) => c.notNull().defaultTo(EMPTY))
        .addPrimaryKeyConstraint('prices_pk', ['recorder', 'line_number'])
        .execute();
      await sql`create index prices_dims_period_idx on ${sql.table(`${S}.prices`)} (price_type_ref, product_ref, characteristic_ref, period)`.execute(db);

      await schema
        .createTable('price_slice_last')
        .addColumn('price_type_ref', 'uuid', (c) => c.notNull())
        .addColumn('product_ref', 'uuid', (c) => c.notNull())
        .addColumn('characteristic_ref', 'uuid', (c) => c.notNull())
        .addColumn('period', sql`timestamp(0)`, (c) => c.notNull())
        .addColumn('price_kopecks', 'bigint', (c) => c.notNull())
        .addColumn('currency_ref', 'uuid', (c) => c.notNull())
        .addColumn('package_ref', 'uuid', (c) => c.notNull())
        .addPrimaryKeyConstraint('price_slice_last_pk', ['price_type_ref', 'product_ref', 'characteristic_ref'])
        .execute();
      // Keyset pages over all price types at once run in (product, characteristic) order.
      await sql`create index price_slice_last_product_idx on ${sql.table(`${S}.price_slice_last`)} (product_ref, characteristic_ref)`.execute(db);

      await schema
        .createTable('stock_movements')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('period', sql`timestamp(0)`, (c) => c.notNull())
        .addColumn('recorder', 'uuid', (c) => c.notNull())
        .addColumn('recorder_type', 'text', (c) => c.notNull())
        .addColumn('product_ref', 'uuid', (c) => c.notNull())
        .addColumn('characteristic_ref', 'uuid', (c) => c.notNull())
        .addColumn('warehouse_ref', 'uuid', (c) => c.notNull())
        .addColumn('in_hand', 'integer', (c) => c.notNull())
        .addColumn('reserved', 'integer', (c) => c.notNull())
        .addColumn('reserved_for_order', 'integer', (c) => c.notNull())
        .execute();
      await sql`create index stock_movements_period_idx on ${sql.table(`${S}.stock_movements`)} (period)`.execute(db);

      await schema
        .createTable('stock_balances')
        .addColumn('product_ref', 'uuid', (c) => c.notNull())
        .addColumn('characteristic_ref', 'uuid', (c) => c.notNull())
        .addColumn('warehouse_ref', 'uuid', (c) => c.notNull())
        .addColumn('in_hand', 'integer', (c) => c.notNull())
        .addColumn('reserved', 'integer', (c) => c.notNull())
        .addColumn('reserved_for_order', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('stock_balances_pk', ['product_ref', 'characteristic_ref', 'warehouse_ref'])
        // Like 1C's totals: a cell with nothing left is not kept.
        .addCheckConstraint('stock_balances_non_zero', sql`in_hand <> 0 or reserved <> 0 or reserved_for_order <> 0`)
        .execute();
      await sql`create index stock_balances_warehouse_idx on ${sql.table(`${S}.stock_balances`)} (warehouse_ref, product_ref, characteristic_ref)`.execute(db);
    },
  },
  '0002_order_documents': {
    async up(db: Kysely<any>) {
      const schema = db.schema.withSchema(S);
      // Orders, sales and returns in one table, as `catalog_objects` holds the small catalogs:
      // header attributes under their 1C names in `attrs`, the table part Товары in `lines`.
      await schema
        .createTable('documents')
        .addColumn('ref', 'uuid', (c) => c.primaryKey())
        .addColumn('entity_set', 'text', (c) => c.notNull())
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('date', sql`timestamp(0)`, (c) => c.notNull())
        .addColumn('posted', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('deletion_mark', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('data_version', 'text', (c) => c.notNull())
        .addColumn('attrs', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('lines', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addUniqueConstraint('documents_number_uq', ['entity_set', 'number'])
        .execute();
      // The integration's lookups: our order number, the sale of an order, the return of ours.
      await sql`create index documents_customer_number_idx on ${sql.table(`${S}.documents`)} (entity_set, (coalesce(attrs->>'НомерПоДаннымКлиента', '')))`.execute(db);
      await sql`create index documents_incoming_number_idx on ${sql.table(`${S}.documents`)} (entity_set, (coalesce(attrs->>'НомерВходящегоДокумента', '')))`.execute(db);
      await sql`create index documents_order_idx on ${sql.table(`${S}.documents`)} (entity_set, (coalesce((attrs->>'ЗаказКлиента_Key')::uuid, ${EMPTY})))`.execute(db);

      await schema
        .createTable('document_counters')
        .addColumn('entity_set', 'text', (c) => c.primaryKey())
        .addColumn('last_number', 'integer', (c) => c.notNull())
        .execute();

      await schema
        .createTable('order_states')
        .addColumn('order_ref', 'uuid', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('changed_at', sql`timestamp(0)`, (c) => c.notNull())
        .addColumn('delivered', 'boolean', (c) => c.notNull().defaultTo(false))
        .execute();
      await sql`create index order_states_changed_idx on ${sql.table(`${S}.order_states`)} (changed_at, order_ref)`.execute(db);
    },
  },
};

/** The emulator's tables: schema `onec_emulator`. */
export const oneCEmulatorSchema: SchemaModule = { schema: S, migrations };
