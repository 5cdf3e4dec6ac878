import type { Kysely, Migration } from 'kysely';
import { runScript, type SchemaModule } from '../../platform/db/migrate.js';

const migrations: Record<string, Migration> = {
  '0001_catalog_and_stock': {
    async up(db: Kysely<any>) {
      await runScript(
        db,
        `
        create table inventory.warehouses (
          id text primary key,
          name text not null,
          kind text not null check (kind in ('SHOWROOM', 'CENTRAL', 'ONLINE')),
          city text,
          address text,
          hold_priority integer not null
        );
        create table inventory.products (
          id text primary key,
          article text not null,
          name text not null,
          brand text,
          category text,
          search_text text not null
        );
        create index products_article_idx on inventory.products (article);
        create index products_name_idx on inventory.products (name, id);
        create table inventory.offers (
          id text primary key,
          product_id text not null references inventory.products (id) on delete cascade,
          size text,
          colour text,
          barcode text,
          price bigint check (price >= 0)
        );
        create index offers_product_idx on inventory.offers (product_id);
        create index offers_barcode_idx on inventory.offers (barcode);
        create table inventory.stock (
          offer_id text not null references inventory.offers (id) on delete cascade,
          warehouse_id text not null references inventory.warehouses (id) on delete cascade,
          in_hand integer not null check (in_hand >= 0),
          reserved integer not null check (reserved >= 0),
          primary key (offer_id, warehouse_id)
        );
        create index stock_warehouse_idx on inventory.stock (warehouse_id);

        create table inventory.stock_holds (
          id uuid primary key,
          idempotency_key text not null unique,
          request_hash text not null,
          status text not null check (status in ('ACTIVE', 'COMMITTED', 'RELEASED', 'EXPIRED')),
          expires_at timestamptz not null,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        );
        create index stock_holds_active_idx on inventory.stock_holds (expires_at) where status = 'ACTIVE';
        create table inventory.stock_hold_lines (
          hold_id uuid not null references inventory.stock_holds (id) on delete cascade,
          offer_id text not null,
          warehouse_id text not null,
          quantity integer not null check (quantity > 0),
          primary key (hold_id, offer_id, warehouse_id)
        );
        create index stock_hold_lines_offer_idx on inventory.stock_hold_lines (offer_id, warehouse_id);

        create table inventory.sync_runs (
          id bigserial primary key,
          kind text not null check (kind in ('CATALOG', 'STOCK')),
          status text not null check (status in ('RUNNING', 'SUCCEEDED', 'FAILED')),
          phase text not null,
          cursor text,
          rows_read integer not null default 0,
          started_at timestamptz not null default now(),
          heartbeat_at timestamptz not null default now(),
          finished_at timestamptz,
          error text
        );
        create index sync_runs_kind_idx on inventory.sync_runs (kind, id desc);

        create table inventory.staging_warehouses (run_id bigint not null, like inventory.warehouses);
        create table inventory.staging_products (run_id bigint not null, like inventory.products);
        create table inventory.staging_offers (run_id bigint not null, id text not null, product_id text not null, size text, colour text);
        create table inventory.staging_prices (run_id bigint not null, offer_id text not null, price bigint not null);
        create table inventory.staging_barcodes (run_id bigint not null, offer_id text not null, barcode text not null);
        create table inventory.staging_stock (run_id bigint not null, like inventory.stock);
        create index staging_warehouses_run_idx on inventory.staging_warehouses (run_id);
        create index staging_products_run_idx on inventory.staging_products (run_id);
        create index staging_offers_run_idx on inventory.staging_offers (run_id);
        create index staging_prices_run_idx on inventory.staging_prices (run_id);
        create index staging_barcodes_run_idx on inventory.staging_barcodes (run_id);
        create index staging_stock_run_idx on inventory.staging_stock (run_id, offer_id, warehouse_id);
      `,
      );
    },
  },
  '0002_staging_lookups': {
    async up(db: Kysely<any>) {
      // The swap's "what did this run not see" deletes look rows up by (run, key).
      await runScript(
        db,
        `
        create index staging_products_key_idx on inventory.staging_products (run_id, id);
        create index staging_offers_key_idx on inventory.staging_offers (run_id, id);
        create index staging_warehouses_key_idx on inventory.staging_warehouses (run_id, id);
      `,
      );
    },
  },
};

export const inventorySchema: SchemaModule = { schema: 'inventory', migrations };
