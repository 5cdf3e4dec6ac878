import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaModule } from '../../platform/db/migrate.js';

const S = 'bonusplus_emulator';
const REASONS = sql.raw(`('registration', 'purchase', 'manual', 'refund', 'expiry')`);

/**
 * Customers, card types and a bonus ledger. Balances are never stored as one mutable number: a
 * credit opens a lot, a debit draws lots down (recorded per lot), and a customer's figures are sums
 * over the lots. CHECKs keep every lot within [0, amount], so no figure can go below zero whatever
 * the code above does; debits lock the customer row, so concurrent ones queue instead of racing.
 */
const migrations: Record<string, Migration> = {
  '0001_customers_and_ledger': {
    async up(db: Kysely<any>) {
      await db.schema
        .withSchema(S)
        .createTable('card_types')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('bonus_percent', sql`numeric(5, 2)`, (c) => c.notNull().check(sql`bonus_percent between 0 and 100`))
        .addColumn('max_debit_percent', sql`numeric(5, 2)`, (c) => c.notNull().check(sql`max_debit_percent between 0 and 100`))
        .addColumn('discount_percent', sql`numeric(5, 2)`, (c) => c.notNull().defaultTo(0).check(sql`discount_percent between 0 and 100`))
        .addColumn('purchases_sum_from_kopecks', 'bigint', (c) => c.notNull().check(sql`purchases_sum_from_kopecks >= 0`))
        .execute();

      await db.schema
        .withSchema(S)
        .createTable('program')
        .addColumn('id', 'smallint', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('debit_multiple', 'integer', (c) => c.notNull().check(sql`debit_multiple >= 1`))
        .addColumn('bonus_activation_days', 'integer', (c) => c.notNull().check(sql`bonus_activation_days >= 0`))
        .addColumn('default_card_type_id', 'integer', (c) => c.notNull().references(`${S}.card_types.id`))
        .addColumn('seeded_at', 'timestamptz')
        .execute();

      // The demo retailer's program as configured in its cabinet (emulators/seed/demo-loyalty.ts);
      // a migration keeps its own copy of the values, as migrations must not change afterwards.
      await sql`insert into ${sql.table(`${S}.card_types`)} (id, name, bonus_percent, max_debit_percent, purchases_sum_from_kopecks)
        values (1, 'Silver', 5, 30, 0), (2, 'Gold', 7, 30, 3000000), (3, 'Platinum', 10, 50, 10000000)`.execute(db);
      await sql`insert into ${sql.table(`${S}.program`)} (id, name, debit_multiple, bonus_activation_days, default_card_type_id)
        values (1, 'Demo fashion retail', 10, 14, 1)`.execute(db);

      await db.schema
        .withSchema(S)
        .createTable('customers')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('phone', 'text', (c) => c.notNull().unique().check(sql`phone ~ '^7[0-9]{10}$'`))
        .addColumn('first_name', 'text')
        .addColumn('last_name', 'text')
        .addColumn('middle_name', 'text')
        .addColumn('email', 'text')
        .addColumn('address', 'text')
        .addColumn('card_number', 'text', (c) => c.notNull().unique())
        .addColumn('card_type_id', 'integer', (c) => c.notNull().references(`${S}.card_types.id`))
        .addColumn('purchases_total_kopecks', 'bigint', (c) => c.notNull().defaultTo(0).check(sql`purchases_total_kopecks >= 0`))
        .addColumn('bonus_debit_denied', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index customers_email_idx on ${sql.table(`${S}.customers`)} (lower(email))`.execute(db);
      // Card numbers the emulator issues itself; demo cards use the 2600 prefix, these 2700.
      await sql`create sequence ${sql.table(`${S}.card_number_seq`)}`.execute(db);

      await db.schema
        .withSchema(S)
        .createTable('bonus_lots')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('customer_id', 'bigint', (c) => c.notNull().references(`${S}.customers.id`))
        .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ${REASONS}`))
        .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount > 0`))
        .addColumn('remaining', 'integer', (c) => c.notNull())
        .addColumn('active_from', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addCheckConstraint('bonus_lots_remaining_within_amount', sql`remaining >= 0 and remaining <= amount`)
        .addCheckConstraint('bonus_lots_expiry_after_activation', sql`expires_at is null or expires_at > active_from`)
        .execute();
      await sql`create index bonus_lots_customer_idx on ${sql.table(`${S}.bonus_lots`)} (customer_id)`.execute(db);

      await db.schema
        .withSchema(S)
        .createTable('bonus_transactions')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('customer_id', 'bigint', (c) => c.notNull().references(`${S}.customers.id`))
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('credit', 'debit')`))
        .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ${REASONS}`))
        .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount > 0`))
        .addColumn('lot_id', 'bigint', (c) => c.unique().references(`${S}.bonus_lots.id`))
        .addColumn('reference', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addCheckConstraint('bonus_transactions_credit_opens_lot', sql`(kind = 'credit') = (lot_id is not null)`)
        .execute();
      await sql`create index bonus_transactions_customer_idx on ${sql.table(`${S}.bonus_transactions`)} (customer_id)`.execute(db);

      await db.schema
        .withSchema(S)
        .createTable('bonus_debit_allocations')
        .addColumn('transaction_id', 'bigint', (c) => c.notNull().references(`${S}.bonus_transactions.id`))
        .addColumn('lot_id', 'bigint', (c) => c.notNull().references(`${S}.bonus_lots.id`))
        .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount > 0`))
        .addPrimaryKeyConstraint('bonus_debit_allocations_pk', ['transaction_id', 'lot_id'])
        .execute();

      // The ledger is history: corrections are new entries, never edits.
      await sql`create function ${sql.table(`${S}.refuse_ledger_change`)}() returns trigger language plpgsql as $$
        begin
          raise exception 'bonus ledger is append-only: % on % refused', tg_op, tg_table_name;
        end
        $$`.execute(db);
      for (const table of ['bonus_transactions', 'bonus_debit_allocations']) {
        await sql`create trigger ${sql.id(`${table}_append_only`)} before update or delete on ${sql.table(`${S}.${table}`)}
          for each row execute function ${sql.table(`${S}.refuse_ledger_change`)}()`.execute(db);
      }
    },
  },
  // PGlite hands `numeric` back as a string whatever parser is configured (int8 parses fine), so
  // percents rendered as "5.00". A float is exact enough for percents like 5, 7.5 or 2.25.
  '0002_card_type_percents_as_float': {
    async up(db: Kysely<any>) {
      await sql`alter table ${sql.table(`${S}.card_types`)}
        alter column bonus_percent type double precision,
        alter column max_debit_percent type double precision,
        alter column discount_percent type double precision`.execute(db);
    },
  },
  // Receipts, reserves and returns. The ledger learns three reasons: `reserve` (a debit holding
  // bonuses for an order), `release` (its credit back) and `return` (earned bonuses taken back).
  '0003_receipts_reserves_returns': {
    async up(db: Kysely<any>) {
      const reasons = sql.raw(`('registration', 'purchase', 'manual', 'refund', 'expiry', 'reserve', 'release', 'return')`);
      for (const table of ['bonus_lots', 'bonus_transactions']) {
        await sql`alter table ${sql.table(`${S}.${table}`)}
          drop constraint ${sql.id(`${table}_reason_check`)},
          add constraint ${sql.id(`${table}_reason_check`)} check (reason in ${reasons})`.execute(db);
      }

      await db.schema
        .withSchema(S)
        .createTable('reserves')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('customer_id', 'bigint', (c) => c.notNull().references(`${S}.customers.id`))
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount > 0`))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('held', 'released', 'consumed')`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('closed_at', 'timestamptz')
        .addUniqueConstraint('reserves_customer_order_key', ['customer_id', 'order_id'])
        .execute();

      await db.schema
        .withSchema(S)
        .createTable('receipts')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('customer_id', 'bigint', (c) => c.notNull().references(`${S}.customers.id`))
        .addColumn('external_id', 'text', (c) => c.unique())
        .addColumn('order_uid', 'uuid', (c) => c.notNull().unique())
        .addColumn('reserve_id', 'bigint', (c) => c.unique().references(`${S}.reserves.id`))
        .addColumn('store', 'text')
        .addColumn('description', 'text')
        .addColumn('cashier', 'text')
        .addColumn('sold_at', 'timestamptz', (c) => c.notNull())
        .addColumn('total_kopecks', 'bigint', (c) => c.notNull().check(sql`total_kopecks >= 0`))
        .addColumn('bonus_debit', 'integer', (c) => c.notNull().check(sql`bonus_debit >= 0`))
        .addColumn('bonus_credit', 'integer', (c) => c.notNull().check(sql`bonus_credit >= 0`))
        .addColumn('credit_lot_id', 'bigint', (c) => c.references(`${S}.bonus_lots.id`))
        // The answer given to the POST, replayed verbatim to a repeat of the same externalId.
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index receipts_customer_idx on ${sql.table(`${S}.receipts`)} (customer_id)`.execute(db);

      await db.schema
        .withSchema(S)
        .createTable('receipt_lines')
        .addColumn('receipt_id', 'bigint', (c) => c.notNull().references(`${S}.receipts.id`))
        .addColumn('ext', 'text', (c) => c.notNull())
        .addColumn('line_no', 'integer', (c) => c.notNull())
        .addColumn('product', 'text', (c) => c.notNull())
        .addColumn('qnt', 'integer', (c) => c.notNull().check(sql`qnt > 0`))
        .addColumn('price_kopecks', 'bigint', (c) => c.notNull().check(sql`price_kopecks >= 0`))
        .addColumn('sum_kopecks', 'bigint', (c) => c.notNull().check(sql`sum_kopecks >= 0`))
        .addColumn('earned', 'integer', (c) => c.notNull().check(sql`earned >= 0`))
        .addColumn('debited', 'integer', (c) => c.notNull().check(sql`debited >= 0`))
        .addPrimaryKeyConstraint('receipt_lines_pk', ['receipt_id', 'ext'])
        .execute();

      await db.schema
        .withSchema(S)
        .createTable('receipt_returns')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('receipt_id', 'bigint', (c) => c.notNull().references(`${S}.receipts.id`))
        .addColumn('external_id', 'text', (c) => c.notNull().unique())
        .addColumn('earned_reversed', 'integer', (c) => c.notNull().check(sql`earned_reversed >= 0`))
        .addColumn('debited_refunded', 'integer', (c) => c.notNull().check(sql`debited_refunded >= 0`))
        // Earned bonuses the customer had already spent: recorded, not taken (the balance never goes below zero).
        .addColumn('unrecovered', 'integer', (c) => c.notNull().check(sql`unrecovered >= 0`))
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();

      await db.schema
        .withSchema(S)
        .createTable('receipt_return_lines')
        .addColumn('return_id', 'bigint', (c) => c.notNull().references(`${S}.receipt_returns.id`))
        .addColumn('receipt_id', 'bigint', (c) => c.notNull())
        .addColumn('ext', 'text', (c) => c.notNull())
        .addColumn('qnt', 'integer', (c) => c.notNull().check(sql`qnt > 0`))
        .addColumn('earned_reversed', 'integer', (c) => c.notNull().check(sql`earned_reversed >= 0`))
        .addColumn('debited_refunded', 'integer', (c) => c.notNull().check(sql`debited_refunded >= 0`))
        .addPrimaryKeyConstraint('receipt_return_lines_pk', ['return_id', 'ext'])
        .addForeignKeyConstraint('receipt_return_lines_line_fk', ['receipt_id', 'ext'], `${S}.receipt_lines`, ['receipt_id', 'ext'])
        .execute();
    },
  },
  // Program rules and expiry. The ledger learns the scheduled program rules `birthday`, `holiday`
  // and `referral` (the welcome bonus stays `registration`); `program_rules` says after how many
  // days the bonuses of each rule burn, as the retailer configures it in the cabinet (ASSUMED: no
  // public source shows expiry settings). An index serves the cross-customer expiring-lots route,
  // and a burned lot gets at most one `expiry` debit.
  '0004_program_rules_and_expiry': {
    async up(db: Kysely<any>) {
      const reasons = sql.raw(`('registration', 'purchase', 'manual', 'refund', 'expiry', 'reserve', 'release', 'return', 'birthday', 'holiday', 'referral')`);
      for (const table of ['bonus_lots', 'bonus_transactions']) {
        await sql`alter table ${sql.table(`${S}.${table}`)}
          drop constraint ${sql.id(`${table}_reason_check`)},
          add constraint ${sql.id(`${table}_reason_check`)} check (reason in ${reasons})`.execute(db);
      }

      await db.schema
        .withSchema(S)
        .createTable('program_rules')
        .addColumn('reason', 'text', (c) => c.primaryKey().check(sql`reason in ('registration', 'birthday', 'holiday', 'referral')`))
        .addColumn('name', 'text', (c) => c.notNull())
        // Days from activation until the rule's bonuses burn; null: they never do.
        .addColumn('expiry_days', 'integer', (c) => c.check(sql`expiry_days > 0`))
        .execute();
      // The demo retailer's settings; the migration keeps its own copy of the values.
      await sql`insert into ${sql.table(`${S}.program_rules`)} (reason, name, expiry_days) values
        ('registration', 'Приветственный бонус', 90),
        ('birthday', 'Бонус ко дню рождения', 30),
        ('holiday', 'Праздничный бонус', 30),
        ('referral', 'Бонус за приглашённого друга', 180)`.execute(db);

      await sql`create index bonus_lots_expiring_idx on ${sql.table(`${S}.bonus_lots`)} (expires_at, id) where remaining > 0 and expires_at is not null`.execute(db);
      await sql`create unique index bonus_transactions_one_expiry_per_lot on ${sql.table(`${S}.bonus_transactions`)} (reference) where reason = 'expiry'`.execute(db);
    },
  },
};

export const bonusPlusEmulatorSchema: SchemaModule = { schema: S, migrations };
