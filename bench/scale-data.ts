import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import { createOneCEmulator, oneCEmulatorSchema } from '../emulators/onec/onec.emulator.js';
import { DEMO_SCALE_PRODUCTS } from '../emulators/seed/demo-catalog.js';
import { demoPeople } from '../emulators/seed/demo-people.js';
import type { Database } from '../platform/db/database.js';
import { migrateSchema } from '../platform/db/migrate.js';

/**
 * The scale set of issue #6, generated in the database itself (`insert … select … from
 * generate_series`), so a million customers take seconds rather than a million round trips:
 * customers in the customer read model and in the BonusPlus emulator, the 1C emulator's scale
 * catalog, and millions of order lines in the order read model. Everything is a function of a row
 * number, so the bench can name any customer without reading them back.
 */

export interface ScaleSizes {
  readonly customers: number;
  readonly orderLines: number;
  /** 1C products; each has ~9.5 offers on average (sizes × colours), stocked in 7 warehouses. */
  readonly products: number;
  /** Whether these are the issue's full sizes. */
  readonly full: boolean;
}

const FULL: Omit<ScaleSizes, 'full'> = { customers: 1_000_000, orderLines: 5_000_000, products: DEMO_SCALE_PRODUCTS };
/** What PGlite (one in-process connection, WebAssembly) loads in a minute or two. */
const REDUCED: Omit<ScaleSizes, 'full'> = { customers: 20_000, orderLines: 100_000, products: 1_000 };
/** Phones are 7 digits after +7 985: room for ten million customers. */
const MAX_CUSTOMERS = 10_000_000;

/** A count from the environment (`1_000_000` allowed), or the fallback when unset; anything else throws. */
export function countFromEnv(name: string, fallback: number, max: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be a whole number from 1 to ${max}, not ${raw}`);
  return value;
}

/** The full set on Postgres, a reduced one on PGlite; SCALE_CUSTOMERS, SCALE_ORDER_LINES, SCALE_PRODUCTS override either. */
export function scaleSizes(onPostgres: boolean, env: NodeJS.ProcessEnv = process.env): ScaleSizes {
  const base = onPostgres ? FULL : REDUCED;
  const sizes = {
    customers: countFromEnv('SCALE_CUSTOMERS', base.customers, MAX_CUSTOMERS, env),
    orderLines: countFromEnv('SCALE_ORDER_LINES', base.orderLines, 100_000_000, env),
    products: countFromEnv('SCALE_PRODUCTS', base.products, 1_000_000, env),
  };
  return { ...sizes, full: sizes.customers >= FULL.customers && sizes.orderLines >= FULL.orderLines && sizes.products >= FULL.products };
}

// Ids far above what the emulators and the seed hand out, so a scale row never meets a seeded one.
const RETAILCRM_ID_BASE = 10_000_000;
const BONUSPLUS_ID_BASE = 10_000_000;
const CRM_ORDER_ID_BASE = 10_000_000;
/** A stride coprime with 10^7: consecutive customers get scattered phones, every phone still unique. */
const PHONE_STRIDE = 7919;
/** Customers joined over the last three years. */
const HISTORY_SECONDS = 3 * 365 * 86_400;

const md5Uuid = (text: string) => {
  const h = createHash('md5').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** Our id of scale customer `i` (0-based). The SQL twin is `customerIdSql`. */
export const scaleCustomerId = (i: number): string => md5Uuid(`scale-customer-${i}`);
/** E.164 phone of scale customer `i`: +7 985 …, a block no demo person uses (they are +7 916 …). */
export const scalePhone = (i: number): string => `+7985${String((i * PHONE_STRIDE) % 10_000_000).padStart(7, '0')}`;

const customerIdSql = (i: RawBuilder<unknown>) => sql<string>`md5('scale-customer-' || ${i})::uuid::text`;
const phoneDigitsSql = (i: RawBuilder<unknown>) => sql<string>`'7985' || lpad(((${i} * ${sql.lit(PHONE_STRIDE)}) % 10000000)::text, 7, '0')`;
const orderIdSql = (o: RawBuilder<unknown>) => sql<string>`md5('scale-order-' || ${o})::uuid::text`;
/** A deterministic non-negative pseudo-random bigint of a bigint. */
const hashSql = (x: RawBuilder<unknown>) => sql<number>`abs(hashint8(${x})::bigint)`;

/**
 * Runs `load` on one connection with bulk-load session settings (no wait for the WAL flush, memory
 * for hashing and sorting), and puts them back afterwards: the pool hands that connection to the
 * graph next. PGlite has one connection and little memory; it keeps its settings.
 */
async function onLoadingConnection<T>(db: Database, onPostgres: boolean, load: (conn: Database) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    if (onPostgres) {
      await sql`set synchronous_commit = off`.execute(conn);
      await sql`set work_mem = '256MB'`.execute(conn);
      await sql`set maintenance_work_mem = '512MB'`.execute(conn);
    }
    try {
      return await load(conn);
    } finally {
      if (onPostgres) await sql`reset all`.execute(conn);
    }
  });
}

/** Seeds the 1C emulator with its scale catalog (`products` demo products and their offers, prices, barcodes, stock). */
export async function seedScaleCatalog(db: Database, products: number): Promise<void> {
  await migrateSchema(db, oneCEmulatorSchema);
  await createOneCEmulator({ db, users: [] }).seed({ products });
}

/** Offers and stock cells in the inventory read model. */
export async function catalogSize(db: Database): Promise<{ offers: number; cells: number }> {
  const count = async (table: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);
  return { offers: await count('inventory.offers'), cells: await count('inventory.stock') };
}

export interface LoadedCustomers {
  readonly readModelMs: number;
  readonly bonusPlusMs: number;
}

/**
 * Scale customers 0…count-1: one row each in the customer read model (the identity map, with
 * RetailCRM, BonusPlus and 1C ids), and in the BonusPlus emulator a customer with a card (80 %
 * Silver, 15 % Gold, 5 % Platinum) and the welcome bonus as a lot with its ledger credit, as
 * enrolment leaves them. The welcome lot is left without expiry: it plays no part in what is
 * measured, and every customer keeps a balance to calculate with. The customers are not in the
 * RetailCRM emulator: nothing measured here asks RetailCRM.
 */
export async function loadScaleCustomers(db: Database, o: { count: number; welcomeBonus: number; onPostgres: boolean }): Promise<LoadedCustomers> {
  // Names, patronymics and cities of demo people, cycled: realistic widths and spreads of values.
  const people = demoPeople(0, 997);
  const list = (pick: (p: (typeof people)[number]) => string) => sql`${people.map(pick)}::text[]`;
  const person = (values: RawBuilder<unknown>) => sql<string>`(${values})[1 + i % ${sql.lit(people.length)}]`;
  const i = sql.ref('i');
  const today = new Date();
  const createdAt = sql`${today}::timestamptz - (${hashSql(i)} % ${sql.lit(HISTORY_SECONDS)}) * interval '1 second'`;
  const series = sql`generate_series(0::bigint, ${sql.lit(o.count - 1)}) as s(i)`;

  return onLoadingConnection(db, o.onPostgres, async (conn) => {
    let started = performance.now();
    await sql`insert into customer.customers (id, retailcrm_id, bonusplus_id, onec_guid, phone, first_name, last_name, patronymic, email, created_at, synced_at)
      select ${customerIdSql(i)}, ${sql.lit(RETAILCRM_ID_BASE)} + i, ${sql.lit(BONUSPLUS_ID_BASE)} + i, md5('scale-1c-' || i)::uuid::text,
        '+' || ${phoneDigitsSql(i)}, ${person(list((p) => p.firstName))}, ${person(list((p) => p.lastName))}, ${person(list((p) => p.patronymic))},
        'customer' || i || '@example.ru', ${createdAt}, ${today}::timestamptz
      from ${series}`.execute(conn);
    const readModelMs = performance.now() - started;

    started = performance.now();
    await sql`insert into bonusplus_emulator.customers (id, phone, first_name, last_name, middle_name, email, address, card_number, card_type_id, purchases_total_kopecks, created_at, updated_at)
      overriding system value
      select ${sql.lit(BONUSPLUS_ID_BASE)} + i, ${phoneDigitsSql(i)}, ${person(list((p) => p.firstName))}, ${person(list((p) => p.lastName))}, ${person(list((p) => p.patronymic))},
        'customer' || i || '@example.ru', ${person(list((p) => p.city))}, '2800' || lpad(i::text, 9, '0'),
        case when i % 20 = 0 then 3 when i % 20 < 4 then 2 else 1 end,
        case when i % 20 = 0 then 10000000 + ${hashSql(i)} % 20000000 when i % 20 < 4 then 3000000 + ${hashSql(i)} % 7000000 else ${hashSql(i)} % 3000000 end,
        ${createdAt}, ${createdAt}
      from ${series}`.execute(conn);
    await sql`insert into bonusplus_emulator.bonus_lots (id, customer_id, reason, amount, remaining, active_from, expires_at, created_at)
      overriding system value
      select id, id, 'registration', ${sql.lit(o.welcomeBonus)}, ${sql.lit(o.welcomeBonus)}, created_at, null, created_at
      from bonusplus_emulator.customers where id >= ${sql.lit(BONUSPLUS_ID_BASE)}`.execute(conn);
    await sql`insert into bonusplus_emulator.bonus_transactions (customer_id, kind, reason, amount, lot_id, reference, created_at)
      select customer_id, 'credit', 'registration', amount, id, null, created_at
      from bonusplus_emulator.bonus_lots where id >= ${sql.lit(BONUSPLUS_ID_BASE)}`.execute(conn);
    return { readModelMs, bonusPlusMs: performance.now() - started };
  });
}

/**
 * Lines per order, cycled: 16 orders, 50 lines (1 to 6 per order, 3.1 on average), so N lines make
 * N × 16 / 50 orders exactly when N is a multiple of 50.
 */
const LINE_PATTERN = [1, 2, 1, 4, 3, 1, 6, 2, 4, 1, 5, 2, 3, 4, 5, 6];
/** Every 64th order belongs to one of the few heavy buyers, ~200 orders each: the account page's worst case. */
const HEAVY_EVERY = 64;
const HEAVY_ORDERS_EACH = 200;

export interface LoadedOrders {
  readonly orders: number;
  readonly lines: number;
  /** Scale customers 0…heavyCustomers-1 have ~200 orders each; the others ~1.6 on average. */
  readonly heavyCustomers: number;
  readonly ms: number;
}

/**
 * Orders of the scale customers in the order read model, with their lines: ~`lines` lines in
 * orders of 1–6 lines (quantities 1–3) of offers drawn from the synced catalog at their prices,
 * placed over three years, in a realistic mix of states (two thirds delivered, a tenth cancelled;
 * orders in progress are recent), 30 % placed through the graph, one in five spending bonuses.
 * Needs the catalog synced into the inventory read model first.
 *
 * The order lines' foreign key is not checked row by row while loading (as pg_restore does):
 * every line's order is made by the statement before it.
 */
export async function loadScaleOrders(db: Database, o: { lines: number; customers: number; onPostgres: boolean }): Promise<LoadedOrders> {
  const started = performance.now();
  const orders = Math.ceil((o.lines * LINE_PATTERN.length) / LINE_PATTERN.reduce((a, b) => a + b, 0));
  const heavyCustomers = Math.max(1, Math.min(o.customers, Math.floor(orders / HEAVY_EVERY / HEAVY_ORDERS_EACH)));
  
  return onLoadingConnection(db, o.onPostgres, async (conn) => {
    await sql`drop table if exists bench_scale_offers`.execute(conn);
    await sql`drop table if exists bench_scale_orders`.execute(conn);
    await sql`create unlogged table bench_scale_offers as
      select (row_number() over (order by o.id) - 1)::int as n, o.id, o.product_id, p.name, o.price
      from inventory.offers o join inventory.products p on p.id = o.product_id
      where o.price is not null`.execute(conn);
    await sql`alter table bench_scale_offers add primary key (n)`.execute(conn);
    const offers = Number((await sql<{ n: number }>`select count(*) as n from bench_scale_offers`.execute(conn)).rows[0]!.n);
    if (offers === 0) throw new Error('no priced offers in the inventory read model: sync the catalog first');

    // One row per order: whose, which state, when. States in progress are recent; the rest spread over three years.
    const b = sql.ref('b');
    await sql`create unlogged table bench_scale_orders as
      select o,
        case when o % ${sql.lit(HEAVY_EVERY)} = 0 then (o / ${sql.lit(HEAVY_EVERY)}) % ${sql.lit(heavyCustomers)} else ${hashSql(sql`-1 - o`)} % ${sql.lit(o.customers)} end as customer,
        st.state,
        ${new Date()}::timestamptz - (${hashSql(sql`o + 3000000000`)} % (case when st.state in ('PLACED', 'APPROVED', 'SHIPPED') then 14 else 1095 end * 86400)) * interval '1 second' as created_at,
        o % 10 < 3 or st.state = 'FAILED' as graph,
        o % 5 = 0 as spends,
        case when o % 3 = 0 then 0 else 30000 end as delivery
      from generate_series(0::bigint, ${sql.lit(orders - 1)}) as s(o)
      cross join lateral (select ${hashSql(sql`o + 6000000000`)} % 100 as b) bucket
      cross join lateral (select case when ${b} < 66 then 'DELIVERED' when ${b} < 76 then 'CANCELLED' when ${b} < 81 then 'RETURNED' when ${b} < 86 then 'SHIPPED'
        when ${b} < 90 then 'APPROVED' when ${b} < 94 then 'PLACED' when ${b} < 98 then 'EXPIRED' else 'FAILED' end as state) st`.execute(conn);
    await sql`alter table bench_scale_orders add primary key (o)`.execute(conn);

    // The lines of every order, as one query both inserts read: an offer and a quantity drawn from (order, line).
    const lines = sql`select bo.o, bo.state, l.n as line_no, so.id as offer_id, so.product_id, so.name as product_name, so.price, q.quantity,
        case when bo.spends then (so.price * q.quantity / 1000)::int else 0 end as spent
      from bench_scale_orders bo
      cross join lateral generate_series(1, (${sql.raw(`array[${LINE_PATTERN.join(', ')}]`)})[(1 + bo.o % ${sql.lit(LINE_PATTERN.length)})::int]) as l(n)
      cross join lateral (select ${hashSql(sql`bo.o * 8 + l.n`)} as h) hh
      join bench_scale_offers so on so.n = (hh.h % ${sql.lit(offers)})::int
      cross join lateral (select case when hh.h / ${sql.lit(offers)} % 100 < 80 then 1 when hh.h / ${sql.lit(offers)} % 100 < 95 then 2 else 3 end as quantity) q`;

    const status = sql`(values ('DELIVERED', 'complete', 'complete'), ('RETURNED', 'complete', 'complete'), ('CANCELLED', 'cancel-other', 'cancel'),
      ('EXPIRED', 'cancel-other', 'cancel'), ('SHIPPED', 'send-to-delivery', 'delivery'), ('APPROVED', 'assembling', 'assembling'), ('PLACED', 'new', 'new'),
      ('FAILED', null, null)) as crm(state, status, status_group)`;
    const paid = sql`(bo.state in ('DELIVERED', 'RETURNED') or (bo.state = 'SHIPPED' and bo.o % 2 = 0))`;
    await sql`with lines as (${lines}),
      sums as (select o, sum(price * quantity) as items_total, sum(spent) as spent, sum(price * quantity - spent * 100) as lines_total,
        sum((price * quantity - spent * 100) / 2000) as earned from lines group by o)
      insert into ordering.orders (id, origin, customer_id, phone, crm_id, number, idempotency_key, request_hash, state, crm_status, crm_status_group,
        items_total, bonuses_spent, bonuses_earned, delivery_cost, total, paid_total, fully_paid_at, sale_registered_at, bonus_hold, crm_created_at, created_at, updated_at)
      select ${orderIdSql(sql.ref('bo.o'))}, case when bo.graph then 'graph' else 'crm' end, ${customerIdSql(sql.ref('bo.customer'))}, '+' || ${phoneDigitsSql(sql.ref('bo.customer'))},
        case when bo.state <> 'FAILED' then ${sql.lit(CRM_ORDER_ID_BASE)} + bo.o end, case when bo.state <> 'FAILED' then (${sql.lit(CRM_ORDER_ID_BASE)} + bo.o) || 'A' end,
        case when bo.graph then 'scale-order-' || bo.o end, case when bo.graph then md5('scale-request-' || bo.o) end,
        bo.state, crm.status, crm.status_group,
        s.items_total, s.spent, s.earned, bo.delivery, s.lines_total + bo.delivery,
        case when ${paid} then s.lines_total + bo.delivery else 0 end,
        case when ${paid} then bo.created_at + interval '2 days' end, case when ${paid} then bo.created_at + interval '2 days' end,
        case when not bo.graph or s.spent = 0 then 'NONE' when bo.state in ('DELIVERED', 'RETURNED', 'SHIPPED') then 'CONSUMED'
          when bo.state in ('PLACED', 'APPROVED') then 'HELD' else 'RELEASED' end,
        case when bo.state <> 'FAILED' then bo.created_at end, bo.created_at, bo.created_at
      from bench_scale_orders bo join sums s on s.o = bo.o join ${status} on crm.state = bo.state`.execute(conn);

    // Superuser only (CI's postgres is); elsewhere the foreign key is checked row by row, only slower.
    const skipForeignKeys = await sql`set session_replication_role = replica`.execute(conn).then(() => true, () => false);
    try {
      await sql`with lines as (${lines})
        insert into ordering.order_lines (order_id, line_no, crm_item_id, offer_id, product_id, product_name, quantity, price, discount, bonuses_spent, bonuses_earned, total, returned_quantity)
        select ${orderIdSql(sql.ref('o'))}, line_no, case when state <> 'FAILED' then (o * 8 + line_no)::int end, offer_id, product_id, product_name, quantity, price, 0,
          spent, (price * quantity - spent * 100) / 2000, price * quantity - spent * 100, case when state = 'RETURNED' then quantity else 0 end
        from lines`.execute(conn);
    } finally {
      if (skipForeignKeys) await sql`set session_replication_role = origin`.execute(conn);
    }
    const lineCount = Number((await sql<{ n: number }>`select count(*) as n from ordering.order_lines`.execute(conn)).rows[0]!.n);
    await sql`drop table bench_scale_offers`.execute(conn);
    await sql`drop table bench_scale_orders`.execute(conn);
    return { orders, lines: lineCount, heavyCustomers, ms: performance.now() - started };
  });
}

/**
 * What autovacuum and the checkpointer would have done long before anyone measured: visibility
 * maps and hint bits set, planner statistics of the loaded tables (and of everything else), and
 * the gigabytes just written flushed, so the measurements do not compete with a checkpoint.
 */
export async function settleScaleSet(db: Database): Promise<void> {
  await sql`vacuum (analyze) customer.customers, bonusplus_emulator.customers, bonusplus_emulator.bonus_lots, bonusplus_emulator.bonus_transactions, ordering.orders, ordering.order_lines`.execute(db);
  await sql`analyze`.execute(db);
  // Superuser or pg_checkpoint only; without it the checkpointer catches up on its own schedule.
  await sql`checkpoint`.execute(db).catch(() => undefined);
}

/** What a loaded scale set holds, kept beside it so a later run can measure it again without loading. */
export interface ScaleSet {
  readonly customers: number;
  readonly heavyCustomers: number;
  readonly orders: number;
  readonly lines: number;
  readonly products: number;
}

export async function rememberScaleSet(db: Database, set: ScaleSet): Promise<void> {
  await sql`create table bench_scale_set (facts jsonb not null)`.execute(db);
  await sql`insert into bench_scale_set (facts) values (${JSON.stringify(set)})`.execute(db);
}

export async function recallScaleSet(db: Database): Promise<ScaleSet> {
  const row = await sql<{ facts: ScaleSet | string }>`select facts from bench_scale_set`.execute(db).then((r) => r.rows[0], () => undefined);
  if (!row) throw new Error('this database holds no scale set: keep one with SCALE_KEEP_DATABASE=1 first');
  return typeof row.facts === 'string' ? (JSON.parse(row.facts) as ScaleSet) : row.facts;
}
