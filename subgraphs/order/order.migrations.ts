import type { Migration } from 'kysely';
import { runScript, type SchemaModule } from '../../platform/db/migrate.js';

const migrations: Record<string, Migration> = {
  '0001_orders': {
    async up(db) {
      await runScript(
        db,
        `
        create table ordering.orders (
          id text primary key,
          origin text not null check (origin in ('graph', 'crm')),
          customer_id text not null,
          phone text,
          crm_id integer unique,
          number text,
          idempotency_key text,
          request_hash text,
          state text not null check (state in ('PENDING', 'PLACED', 'APPROVED', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'EXPIRED', 'FAILED')),
          crm_status text,
          crm_status_group text,
          items_total bigint not null default 0,
          bonuses_spent integer not null default 0 check (bonuses_spent >= 0),
          bonuses_earned integer not null default 0 check (bonuses_earned >= 0),
          delivery_cost bigint not null default 0,
          total bigint not null default 0,
          paid_total bigint not null default 0,
          fully_paid_at timestamptz,
          sale_registered_at timestamptz,
          stock_hold_id text,
          stock_hold_lines jsonb,
          bonus_hold text not null default 'NONE' check (bonus_hold in ('NONE', 'HELD', 'RELEASED', 'CONSUMED')),
          hold_expires_at timestamptz,
          delivery_address text,
          comment text,
          failure text,
          crm_created_at timestamptz,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        );
        create unique index orders_idempotency_key_idx on ordering.orders (idempotency_key) where state <> 'FAILED';
        create index orders_customer_idx on ordering.orders (customer_id, created_at desc, id desc) where state not in ('PENDING', 'FAILED');
        create index orders_pending_idx on ordering.orders (updated_at) where state = 'PENDING';
        create index orders_hold_expiry_idx on ordering.orders (hold_expires_at) where state = 'PLACED';

        create table ordering.order_lines (
          order_id text not null references ordering.orders (id) on delete cascade,
          line_no integer not null,
          crm_item_id integer,
          offer_id text not null,
          product_id text,
          product_name text not null,
          quantity integer not null check (quantity > 0),
          price bigint not null check (price >= 0),
          discount bigint not null default 0 check (discount >= 0),
          bonuses_spent integer not null default 0 check (bonuses_spent >= 0),
          bonuses_earned integer not null default 0 check (bonuses_earned >= 0),
          total bigint not null,
          primary key (order_id, line_no)
        );

        create table ordering.payments (
          order_id text not null references ordering.orders (id) on delete cascade,
          crm_id integer not null,
          external_id text,
          type text not null,
          status text not null,
          paid boolean not null,
          amount bigint not null,
          paid_at timestamptz,
          primary key (order_id, crm_id)
        );

        create table ordering.onec_orders (
          order_id text not null references ordering.orders (id) on delete cascade,
          warehouse_id text not null,
          external_number text not null unique,
          ref text unique,
          posted boolean not null default false,
          state text,
          state_changed_at text,
          primary key (order_id, warehouse_id)
        )
        `,
      );
    },
  },
  '0002_returns': {
    async up(db) {
      await runScript(
        db,
        `
        alter table ordering.orders drop constraint orders_state_check;
        alter table ordering.orders add constraint orders_state_check
          check (state in ('PENDING', 'PLACED', 'APPROVED', 'SHIPPED', 'DELIVERED', 'RETURNED', 'CANCELLED', 'EXPIRED', 'FAILED'));
        alter table ordering.order_lines add column returned_quantity integer not null default 0;
        alter table ordering.order_lines add constraint order_lines_returned_check check (returned_quantity between 0 and quantity);
        alter table ordering.order_lines add column crm_return_item_id integer;

        create table ordering.returns (
          id text primary key,
          order_id text not null references ordering.orders (id),
          status text not null check (status in ('PENDING', 'COMPLETED')),
          refund bigint not null,
          earned_reversed integer not null,
          spent_refunded integer not null,
          unrecovered integer not null default 0,
          bonusplus_done_at timestamptz,
          crm_done_at timestamptz,
          onec_done_at timestamptz,
          created_at timestamptz not null default now(),
          completed_at timestamptz
        );
        create index returns_order_idx on ordering.returns (order_id, created_at);

        create table ordering.return_lines (
          return_id text not null references ordering.returns (id) on delete cascade,
          line_no integer not null,
          quantity integer not null check (quantity > 0),
          refund bigint not null,
          earned_reversed integer not null,
          spent_refunded integer not null,
          primary key (return_id, line_no)
        )
        `,
      );
    },
  },
  '0003_state_machine_and_payment_claim': {
    async up(db) {
      await runScript(
        db,
        `
        alter table ordering.orders drop constraint orders_state_check;
        alter table ordering.orders add constraint orders_state_check
          check (state in ('PENDING', 'PLACED', 'APPROVED', 'SHIPPED', 'DELIVERED', 'PARTIALLY_RETURNED', 'RETURNED', 'CANCELLED', 'EXPIRED', 'FAILED'));
        alter table ordering.orders add column payment_claim text;
        alter table ordering.orders add column payment_claim_until timestamptz;
        -- Orders fully returned before the state machine were moved back by RetailCRM's history.
        update ordering.orders o set state = 'RETURNED'
          where state in ('APPROVED', 'SHIPPED', 'DELIVERED')
            and exists (select 1 from ordering.order_lines l where l.order_id = o.id)
            and not exists (select 1 from ordering.order_lines l where l.order_id = o.id and l.returned_quantity < l.quantity);
        update ordering.orders o set state = 'PARTIALLY_RETURNED'
          where state in ('APPROVED', 'SHIPPED', 'DELIVERED')
            and exists (select 1 from ordering.order_lines l where l.order_id = o.id and l.returned_quantity > 0)
        `,
      );
    },
  },
  '0004_sale_figures': {
    async up(db) {
      // When an order's earned bonuses were fixed by BonusPlus's calculation for its sale: a retry of
      // the sale (its reply lost) keeps those figures rather than asking again under a newer tier.
      await runScript(db, `alter table ordering.orders add column sale_figures_at timestamptz`);
    },
  },
  '0005_bonus_figures_pending': {
    async up(db) {
      // An order placed while BonusPlus had no request to spare for its estimate: what it will earn
      // is asked in the background, before it is sent to RetailCRM (or fixed by its sale).
      await runScript(db, `alter table ordering.orders add column bonus_figures_pending boolean not null default false`);
    },
  },
  '0006_sale_claims': {
    async up(db) {
      // One sale of a customer at a time across the order processes: a sale moves their card's tier,
      // so another sale's figures fixed before it and sent after it would be credited at another rate.
      await runScript(db, `create table ordering.sale_claims (phone text primary key, order_id text not null, until timestamptz not null)`);
    },
  },
};

export const orderSchema: SchemaModule = { schema: 'ordering', migrations };
