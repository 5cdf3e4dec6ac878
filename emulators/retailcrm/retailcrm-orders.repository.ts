import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { OrderHistoryInsert, OrderHistoryRow, RetailCrmEmulatorDb } from './retailcrm-emulator.table.js';
import { orderRowFromState, STATUS_GROUP, stateFromOrderRow, stateFromPaymentRow, type OrderState, type PaymentState } from './retailcrm-order.model.js';
import type { By } from './retailcrm-request.js';

type Db = Kysely<RetailCrmEmulatorDb>;

export async function findOrder(db: Db, by: By, key: string, site: string | undefined, forUpdate = false): Promise<OrderState | undefined> {
  let query = db.selectFrom('retailcrm_emulator.orders').selectAll();
  query = by === 'id' ? query.where('id', '=', Number(key)) : query.where('external_id', '=', key);
  if (site !== undefined) query = query.where('site', '=', site);
  query = query.orderBy('id').limit(1);
  if (forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? stateFromOrderRow(row) : undefined;
}

export async function orderExternalIdTaken(db: Db, site: string, externalId: string, exceptId?: number): Promise<boolean> {
  let query = db.selectFrom('retailcrm_emulator.orders').select('id').where('site', '=', site).where('external_id', '=', externalId);
  if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

export async function nextItemId(db: Db): Promise<number> {
  const { rows } = await sql<{ id: string | number }>`select nextval('retailcrm_emulator.order_item_ids') as id`.execute(db);
  return Number(rows[0]!.id);
}

/** Inserts an order; its number is its id with the site letter, as RetailCRM numbers web orders ("1234A"). */
export async function insertOrder(db: Db, state: Omit<OrderState, 'id' | 'number'>): Promise<OrderState> {
  const { rows } = await sql<{ id: string | number }>`select nextval(pg_get_serial_sequence('retailcrm_emulator.orders', 'id')) as id`.execute(db);
  const id = Number(rows[0]!.id);
  const row = await db
    .insertInto('retailcrm_emulator.orders')
    .values({ ...orderRowFromState({ ...state, id, number: `${id}A` }), id })
    .returningAll()
    .executeTakeFirstOrThrow();
  return stateFromOrderRow(row);
}

export async function updateOrder(db: Db, state: OrderState): Promise<void> {
  await db.updateTable('retailcrm_emulator.orders').set(orderRowFromState(state)).where('id', '=', state.id).execute();
}

export interface OrderFilter {
  readonly ids?: readonly number[];
  readonly externalIds?: readonly string[];
  readonly numbers?: readonly string[];
  readonly customerId?: number;
  readonly customerExternalId?: string;
  readonly extendedStatus?: readonly string[];
  readonly sites?: readonly string[];
}

type OrdersEb = ExpressionBuilder<RetailCrmEmulatorDb, 'retailcrm_emulator.orders'>;

function orderConditions(eb: OrdersEb, f: OrderFilter): Expression<SqlBool> {
  const c: Expression<SqlBool>[] = [];
  if (f.ids) c.push(f.ids.length ? eb('id', 'in', [...f.ids]) : sql<SqlBool>`false`);
  if (f.externalIds) c.push(f.externalIds.length ? eb('external_id', 'in', [...f.externalIds]) : sql<SqlBool>`false`);
  if (f.numbers) c.push(f.numbers.length ? eb('number', 'in', [...f.numbers]) : sql<SqlBool>`false`);
  if (f.sites?.length) c.push(eb('site', 'in', [...f.sites]));
  if (f.customerId !== undefined) c.push(eb('customer_id', '=', f.customerId));
  if (f.customerExternalId !== undefined) {
    c.push(eb('customer_id', 'in', eb.selectFrom('retailcrm_emulator.customers').select('id').where('external_id', '=', f.customerExternalId)));
  }
  if (f.extendedStatus?.length) {
    // extendedStatus takes status codes and group codes alike.
    const codes = new Set<string>();
    for (const code of f.extendedStatus) {
      if (STATUS_GROUP.has(code)) codes.add(code);
      for (const [status, group] of STATUS_GROUP) if (group === code) codes.add(status);
    }
    c.push(codes.size ? eb('status', 'in', [...codes]) : sql<SqlBool>`false`);
  }
  return eb.and(c);
}

export async function listOrders(db: Db, filter: OrderFilter, limit: number, page: number): Promise<{ orders: OrderState[]; total: number }> {
  const [rows, count] = await Promise.all([
    db.selectFrom('retailcrm_emulator.orders').selectAll().where((eb) => orderConditions(eb, filter)).orderBy('id').limit(limit).offset((page - 1) * limit).execute(),
    db.selectFrom('retailcrm_emulator.orders').select((eb) => eb.fn.countAll<number>().as('total')).where((eb) => orderConditions(eb, filter)).executeTakeFirstOrThrow(),
  ]);
  return { orders: rows.map(stateFromOrderRow), total: Number(count.total) };
}

export async function paymentsOf(db: Db, orderIds: readonly number[]): Promise<Map<number, PaymentState[]>> {
  const out = new Map<number, PaymentState[]>(orderIds.map((id) => [id, []]));
  if (orderIds.length === 0) return out;
  const rows = await db.selectFrom('retailcrm_emulator.payments').selectAll().where('order_id', 'in', [...orderIds]).orderBy('id').execute();
  for (const row of rows) out.get(row.order_id)?.push(stateFromPaymentRow(row));
  return out;
}

export async function findPayment(db: Db, by: By, key: string): Promise<PaymentState | undefined> {
  let query = db.selectFrom('retailcrm_emulator.payments').selectAll();
  query = by === 'id' ? query.where('id', '=', Number(key)) : query.where('external_id', '=', key);
  const row = await query.forUpdate().executeTakeFirst();
  return row ? stateFromPaymentRow(row) : undefined;
}

export async function paymentExternalIdTaken(db: Db, externalId: string): Promise<boolean> {
  return (await db.selectFrom('retailcrm_emulator.payments').select('id').where('external_id', '=', externalId).executeTakeFirst()) !== undefined;
}

export async function insertPayment(db: Db, p: Omit<PaymentState, 'id'>): Promise<PaymentState> {
  const row = await db
    .insertInto('retailcrm_emulator.payments')
    .values({ order_id: p.orderId, external_id: p.externalId, type: p.type, status: p.status, amount: p.amount, paid_at: p.paidAt, comment: p.comment })
    .returningAll()
    .executeTakeFirstOrThrow();
  return stateFromPaymentRow(row);
}

export async function updatePayment(db: Db, p: PaymentState): Promise<void> {
  await db
    .updateTable('retailcrm_emulator.payments')
    .set({ external_id: p.externalId, type: p.type, status: p.status, amount: p.amount, paid_at: p.paidAt, comment: p.comment })
    .where('id', '=', p.id)
    .execute();
}

/**
 * Keeps the customers' `ordersCount`, `totalSumm`, `averageSumm` in step with their orders (orders
 * of the cancel group count in `ordersCount` but not towards the sums). One statement for any
 * number of customers, so that the seed recomputes hundreds at once.
 */
export async function refreshCustomerSums(db: Db, customerIds: readonly (number | null)[]): Promise<void> {
  const ids = [...new Set(customerIds.filter((id): id is number => id !== null))];
  if (ids.length === 0) return;
  const cancel = [...STATUS_GROUP].filter(([, g]) => g === 'cancel').map(([s]) => s);
  const counted = sql`o.status not in (${sql.join(cancel)})`;
  await sql`
    update retailcrm_emulator.customers c
    set orders_count = s.count,
        total_summ = s.total / 100,
        average_summ = case when s.counted > 0 then round(s.total / s.counted) / 100 else 0 end
    from (
      select c2.id,
             count(o.id) as count,
             coalesce(sum(o.total_summ) filter (where ${counted}), 0)::numeric as total,
             count(o.id) filter (where ${counted}) as counted
      from retailcrm_emulator.customers c2
      left join retailcrm_emulator.orders o on o.customer_id = c2.id
      where c2.id in (${sql.join(ids)})
      group by c2.id
    ) s
    where c.id = s.id`.execute(db);
}

/** Reserves `count` order ids, ascending (the orders' serial sequence). */
export async function reserveOrderIds(db: Db, count: number): Promise<number[]> {
  if (count === 0) return [];
  const { rows } = await sql<{ id: string | number }>`select nextval(pg_get_serial_sequence('retailcrm_emulator.orders', 'id')) as id from generate_series(1, ${count})`.execute(db);
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** Reserves `count` order line ids, ascending. */
export async function reserveItemIds(db: Db, count: number): Promise<number[]> {
  if (count === 0) return [];
  const { rows } = await sql<{ id: string | number }>`select nextval('retailcrm_emulator.order_item_ids') as id from generate_series(1, ${count})`.execute(db);
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

const CHUNK = 500;

/** Inserts orders whose ids were reserved (reserveOrderIds), in multi-row batches. */
export async function insertOrders(db: Db, states: readonly OrderState[]): Promise<void> {
  for (let i = 0; i < states.length; i += CHUNK) {
    await db.insertInto('retailcrm_emulator.orders').values(states.slice(i, i + CHUNK).map((s) => ({ ...orderRowFromState(s), id: s.id }))).execute();
  }
}

/** Inserts payments in multi-row batches; returns them with their ids, in the order given. */
export async function insertPayments(db: Db, payments: readonly Omit<PaymentState, 'id'>[]): Promise<PaymentState[]> {
  const out: PaymentState[] = [];
  for (let i = 0; i < payments.length; i += CHUNK) {
    const rows = await db
      .insertInto('retailcrm_emulator.payments')
      .values(payments.slice(i, i + CHUNK).map((p) => ({ order_id: p.orderId, external_id: p.externalId, type: p.type, status: p.status, amount: p.amount, paid_at: p.paidAt, comment: p.comment })))
      .returningAll()
      .execute();
    out.push(...rows.map(stateFromPaymentRow).sort((a, b) => a.id - b.id));
  }
  return out;
}

export async function insertOrderHistory(db: Db, records: readonly OrderHistoryInsert[]): Promise<void> {
  for (let i = 0; i < records.length; i += CHUNK) await db.insertInto('retailcrm_emulator.order_history').values(records.slice(i, i + CHUNK)).execute();
}

export interface OrderHistoryFilter {
  readonly sinceId?: number;
  readonly orderId?: number;
  readonly orderExternalId?: string;
  readonly startDate?: Date;
  readonly endDate?: Date;
}

type HistoryEb = ExpressionBuilder<RetailCrmEmulatorDb, 'retailcrm_emulator.order_history'>;

function historyConditions(eb: HistoryEb, f: OrderHistoryFilter): Expression<SqlBool> {
  const c: Expression<SqlBool>[] = [];
  if (f.sinceId !== undefined) c.push(eb('id', '>', f.sinceId));
  if (f.orderId !== undefined) c.push(eb('order_id', '=', f.orderId));
  if (f.orderExternalId !== undefined) c.push(eb('order_id', 'in', eb.selectFrom('retailcrm_emulator.orders').select('id').where('external_id', '=', f.orderExternalId)));
  if (f.startDate) c.push(eb('created_at', '>=', f.startDate));
  if (f.endDate) c.push(eb('created_at', '<=', f.endDate));
  return eb.and(c);
}

export async function listOrderHistory(db: Db, filter: OrderHistoryFilter, limit: number, page: number): Promise<{ records: OrderHistoryRow[]; total: number }> {
  const [records, count] = await Promise.all([
    db.selectFrom('retailcrm_emulator.order_history').selectAll().where((eb) => historyConditions(eb, filter)).orderBy('id').limit(limit).offset((page - 1) * limit).execute(),
    db.selectFrom('retailcrm_emulator.order_history').select((eb) => eb.fn.countAll<number>().as('total')).where((eb) => historyConditions(eb, filter)).executeTakeFirstOrThrow(),
  ]);
  return { records: records.map((r) => ({ ...r, id: Number(r.id) })), total: Number(count.total) };
}

/** Empties orders, payments and their history: for tests. */
export async function clearOrders(db: Db): Promise<void> {
  await sql`truncate retailcrm_emulator.order_history, retailcrm_emulator.payments, retailcrm_emulator.orders restart identity`.execute(db);
  await sql`alter sequence retailcrm_emulator.order_item_ids restart`.execute(db);
}
