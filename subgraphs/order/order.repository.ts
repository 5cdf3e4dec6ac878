import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { CrmOrderItem } from '../../connectors/retailcrm/retailcrm-orders.port.js';
import { statesBefore } from './order.model.js';
import type { OneCOrdersTable, OrderDb, OrderLineRow, OrderLinesTable, OrderRow, OrdersTable, OrderState, PaymentRow, PaymentsTable } from './order.table.js';

const of = (executor: Kysely<any>) => executor as Kysely<OrderDb>;

export const findOrder = (executor: Kysely<any>, id: string): Promise<OrderRow | undefined> =>
  of(executor).selectFrom('ordering.orders').selectAll().where('id', '=', id).executeTakeFirst();

/** An order with its lines (as linesOfOrders reads them), in one statement. */
export async function findOrderWithLines(executor: Kysely<any>, id: string): Promise<{ order: OrderRow; lines: OrderLineRow[] } | undefined> {
  const { rows } = await sql<OrderRow & { order_lines: OrderLineRow[] }>`
    select o.*, (select coalesce(json_agg(l order by l.line_no), '[]'::json) from ordering.order_lines l where l.order_id = o.id) as order_lines
    from ordering.orders o where o.id = ${id}`.execute(executor);
  const row = rows[0];
  if (!row) return undefined;
  const { order_lines: lines, ...order } = row;
  return { order: order as OrderRow, lines };
}

export const findOrderByCrmId = (executor: Kysely<any>, crmId: number): Promise<OrderRow | undefined> =>
  of(executor).selectFrom('ordering.orders').selectAll().where('crm_id', '=', crmId).executeTakeFirst();

/** The live (not FAILED) order placed with this idempotency key. */
export const findOrderByKey = (executor: Kysely<any>, key: string): Promise<OrderRow | undefined> =>
  of(executor).selectFrom('ordering.orders').selectAll().where('idempotency_key', '=', key).where('state', '<>', 'FAILED').executeTakeFirst();

export async function findOrdersByIds(executor: Kysely<any>, ids: readonly string[]): Promise<OrderRow[]> {
  if (ids.length === 0) return [];
  return of(executor).selectFrom('ordering.orders').selectAll().where('id', 'in', ids).execute();
}

/** Inserts an order and its lines; returns both as stored. */
/** An order with its lines, in one statement: never an order without its lines, whenever a process dies. */
export async function insertOrder(executor: Kysely<any>, order: Insertable<OrdersTable>, lines: readonly Insertable<OrderLinesTable>[]): Promise<{ order: OrderRow; lines: OrderLineRow[] }> {
  if (lines.length === 0) return { order: await of(executor).insertInto('ordering.orders').values(order).returningAll().executeTakeFirstOrThrow(), lines: [] };
  const { lines: lineRows, ...row } = await of(executor)
    .with('o', (db) => db.insertInto('ordering.orders').values(order).returningAll())
    .with('l', (db) => db.insertInto('ordering.order_lines').values([...lines]).returningAll())
    .selectFrom('o')
    .selectAll('o')
    .select(sql<OrderLineRow[]>`(select json_agg(l order by l.line_no) from l)`.as('lines'))
    .executeTakeFirstOrThrow();
  return { order: row as OrderRow, lines: lineRows };
}

/**
 * Sets fields of an order, only while it is in one of `from` (when given) and, when the patch moves
 * it, only along the order state machine (`ORDER_TRANSITIONS`). Returns the updated row, or
 * undefined when the order was not in such a state: the caller lost a race and must not act.
 */
export async function updateOrder(executor: Kysely<any>, id: string, patch: Updateable<OrdersTable>, from?: readonly OrderState[]): Promise<OrderRow | undefined> {
  return orderUpdate(executor, id, patch, from)?.executeTakeFirst();
}

/** The statement of `updateOrder`, returning the row, to run with others (`writeAndEnqueue`); none when no state may make the move. */
export function orderUpdate(executor: Kysely<any>, id: string, patch: Updateable<OrdersTable>, from?: readonly OrderState[]) {
  let allowed = from;
  if (patch.state !== undefined) {
    const before = statesBefore(patch.state as OrderState);
    allowed = from ? from.filter((s) => before.includes(s)) : before;
  }
  let query = of(executor)
    .updateTable('ordering.orders')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id);
  if (allowed) {
    if (allowed.length === 0) return undefined;
    query = query.where('state', 'in', [...allowed]);
  }
  return query.returningAll();
}

/**
 * The version of a customer's bonuses as far as our orders know them: the latest change of any of
 * their orders, which every placement, payment, cancel, return and expiry makes. A remembered
 * BonusPlus calculation under an older version is not theirs any more.
 */
export async function bonusVersionOf(executor: Kysely<any>, customerId: string): Promise<string> {
  const row = await of(executor)
    .selectFrom('ordering.orders')
    // The predicate of orders_customer_idx, so that the index answers it.
    .where('customer_id', '=', customerId)
    .where('state', 'not in', ['PENDING', 'FAILED'])
    .select((eb) => [eb.fn.max('updated_at').as('latest'), eb.fn.countAll<string>().as('n')])
    .executeTakeFirst();
  const latest = row?.latest as Date | string | null | undefined;
  return `${latest ? new Date(latest).getTime() : 0}:${row?.n ?? 0}`;
}

/** Sets each line's earned bonuses (by line number) and the order's total of them; lines not named keep theirs. */
export async function setEarnedBonuses(executor: Kysely<any>, orderId: string, lines: readonly OrderLineRow[], earnedByLine: ReadonlyMap<number, number>, patch: Updateable<OrdersTable> = {}): Promise<void> {
  let total = 0;
  for (const line of lines) {
    const figure = earnedByLine.get(line.line_no) ?? line.bonuses_earned;
    total += figure;
    if (figure !== line.bonuses_earned) await of(executor).updateTable('ordering.order_lines').set({ bonuses_earned: figure }).where('order_id', '=', orderId).where('line_no', '=', line.line_no).execute();
  }
  await of(executor).updateTable('ordering.orders').set({ ...patch, bonuses_earned: total }).where('id', '=', orderId).execute();
}

/**
 * Records which RetailCRM item is each line (matched by offer: an order has one line per offer),
 * for lines that have none yet, in one statement. Items the graph split off for returns are not the lines' own.
 */
export async function linkCrmItems(executor: Kysely<any>, orderId: string, items: readonly CrmOrderItem[]): Promise<void> {
  await linkCrmItemsSql(orderId, items).execute(executor);
}

function linkCrmItemsSql(orderId: string, items: readonly CrmOrderItem[]) {
  const own = items.filter((i) => i.status !== 'returned');
  return sql`update ordering.order_lines l set crm_item_id = v.item_id
    from unnest(${own.map((i) => i.offer.xmlId ?? i.offer.externalId ?? '')}::text[], ${own.map((i) => i.id)}::int[]) as v(offer_id, item_id)
    where l.order_id = ${orderId} and l.crm_item_id is null and l.offer_id = v.offer_id`;
}

/** What RetailCRM answered to the creation of an order. */
export interface CrmCreation {
  readonly crmId: number;
  readonly number: string;
  readonly status: string;
  readonly createdAt: Date;
  readonly total: number;
  readonly deliveryCost: number;
  readonly items: readonly CrmOrderItem[];
}

/**
 * Records what RetailCRM made of an order the graph created there (its id, number, status and
 * figures) and which item is each line, in one statement; the order as it is after it.
 */
export async function recordCrmCreation(executor: Kysely<any>, orderId: string, crm: CrmCreation): Promise<OrderRow | undefined> {
  const recorded = orderUpdate(executor, orderId, { crm_id: crm.crmId, number: crm.number, crm_status: crm.status, crm_created_at: crm.createdAt, total: crm.total, delivery_cost: crm.deliveryCost })!;
  return of(executor)
    .with('recorded', () => recorded)
    .with('linked', () => sql`(${linkCrmItemsSql(orderId, crm.items)})` as never)
    .selectFrom('recorded')
    .selectAll()
    .executeTakeFirst() as Promise<OrderRow | undefined>;
}

/** Replaces an order's lines (RetailCRM is the record of what was ordered). */
export async function replaceLines(executor: Kysely<any>, orderId: string, lines: readonly Insertable<OrderLinesTable>[]): Promise<void> {
  await of(executor).deleteFrom('ordering.order_lines').where('order_id', '=', orderId).execute();
  if (lines.length > 0) await of(executor).insertInto('ordering.order_lines').values([...lines]).execute();
}

/** Replaces an order's payments with RetailCRM's current list. */
export async function replacePayments(executor: Kysely<any>, orderId: string, payments: readonly Insertable<PaymentsTable>[]): Promise<void> {
  await of(executor).deleteFrom('ordering.payments').where('order_id', '=', orderId).execute();
  if (payments.length > 0) await of(executor).insertInto('ordering.payments').values([...payments]).execute();
}

export async function linesOfOrders(executor: Kysely<any>, orderIds: readonly string[]): Promise<OrderLineRow[]> {
  if (orderIds.length === 0) return [];
  return of(executor).selectFrom('ordering.order_lines').selectAll().where('order_id', 'in', orderIds).orderBy('order_id').orderBy('line_no').execute();
}

export async function paymentsOfOrders(executor: Kysely<any>, orderIds: readonly string[]): Promise<PaymentRow[]> {
  if (orderIds.length === 0) return [];
  return of(executor).selectFrom('ordering.payments').selectAll().where('order_id', 'in', orderIds).orderBy('order_id').orderBy('crm_id').execute();
}

const VISIBLE: readonly OrderState[] = ['PLACED', 'APPROVED', 'SHIPPED', 'DELIVERED', 'PARTIALLY_RETURNED', 'RETURNED', 'CANCELLED', 'EXPIRED'];

/** One page of a customer's visible orders, newest first, with one more row to tell whether more follow. */
export async function customerOrdersPage(
  executor: Kysely<any>,
  customerId: string,
  first: number,
  after?: { createdAt: Date; id: string },
): Promise<{ rows: OrderRow[]; hasNextPage: boolean }> {
  let query = of(executor)
    .selectFrom('ordering.orders')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('state', 'in', [...VISIBLE]);
  if (after) query = query.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(first + 1).execute();
  return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
}

export interface OrderCounts {
  readonly total: number;
  readonly boughtOut: number;
  readonly refused: number;
}

/** Of a customer's visible orders: those bought out (completed), and those refused or cancelled. */
const BOUGHT_OUT = sql<number>`count(*) filter (where state <> 'RETURNED' and (crm_status_group = 'complete' or (crm_status_group is null and state = 'DELIVERED')))`;
const REFUSED = sql<number>`count(*) filter (where state in ('CANCELLED', 'EXPIRED', 'RETURNED'))`;

/** Per customer: visible orders, those bought out (completed) and those refused or cancelled. */
export async function orderCounts(executor: Kysely<any>, customerIds: readonly string[]): Promise<Map<string, OrderCounts>> {
  if (customerIds.length === 0) return new Map();
  const rows = await of(executor)
    .selectFrom('ordering.orders')
    .select((eb) => ['customer_id', eb.fn.countAll<number>().as('total'), BOUGHT_OUT.as('bought_out'), REFUSED.as('refused')])
    .where('customer_id', 'in', customerIds)
    .where('state', 'in', [...VISIBLE])
    .groupBy('customer_id')
    .execute();
  return new Map(rows.map((r) => [r.customer_id, { total: Number(r.total), boughtOut: Number(r.bought_out), refused: Number(r.refused) }]));
}

export async function oneCOrdersOf(executor: Kysely<any>, orderId: string) {
  return oneCOrdersOfOrders(executor, [orderId]);
}

/** The 1C documents of several orders, in one query, by order then number. */
export async function oneCOrdersOfOrders(executor: Kysely<any>, orderIds: readonly string[]) {
  if (orderIds.length === 0) return [];
  return of(executor).selectFrom('ordering.onec_orders').selectAll().where('order_id', 'in', [...orderIds]).orderBy('order_id').orderBy('external_number').execute();
}

export async function saveOneCOrder(executor: Kysely<any>, row: Insertable<OneCOrdersTable>): Promise<void> {
  await of(executor)
    .insertInto('ordering.onec_orders')
    .values(row)
    .onConflict((oc) =>
      // A known ref is never forgotten and a posted order never becomes unposted.
      oc.columns(['order_id', 'warehouse_id']).doUpdateSet({ ref: sql`coalesce(excluded.ref, ordering.onec_orders.ref)`, posted: sql`ordering.onec_orders.posted or excluded.posted` }),
    )
    .execute();
}

export interface DetailedOrdersPage {
  readonly rows: OrderRow[];
  readonly hasNextPage: boolean;
  /** The customer's counts over all their visible orders (orderCounts). */
  readonly counts: OrderCounts;
  /** The lines and payments of each order of the page (linesOfOrders, paymentsOfOrders). */
  readonly lines: Map<string, OrderLineRow[]>;
  readonly payments: Map<string, PaymentRow[]>;
}

/**
 * The first page of several customers' orders, with what the account page shows beside it, in one
 * statement (the account page, staff lists): each customer's counts, and each order's lines and
 * payments (JSON arrays, read back into rows). For each customer a lateral index scan stops after
 * `first + 1` orders, so a customer with a thousand orders costs what one with twenty does, but
 * for the count of them.
 */
export async function firstOrdersPagesWithDetails(executor: Kysely<any>, customerIds: readonly string[], first: number): Promise<Map<string, DetailedOrdersPage>> {
  const pages = new Map<string, DetailedOrdersPage>();
  if (customerIds.length === 0) return pages;
  const { rows } = await sql<Record<string, any>>`
    select c.id as page_customer_id, k.total as page_total, k.bought_out as page_bought_out, k.refused as page_refused, o.*,
      (select coalesce(json_agg(l order by l.line_no), '[]'::json) from ordering.order_lines l where l.order_id = o.id) as page_lines,
      (select coalesce(json_agg(p order by p.crm_id), '[]'::json) from ordering.payments p where p.order_id = o.id) as page_payments
    from unnest(${[...customerIds]}::text[]) with ordinality as c(id, n)
    cross join lateral (
      select count(*) as total, ${BOUGHT_OUT} as bought_out, ${REFUSED} as refused
      from ordering.orders where customer_id = c.id and state in (${sql.join(VISIBLE)})
    ) k
    left join lateral (
      select * from ordering.orders
      where customer_id = c.id and state in (${sql.join(VISIBLE)})
      order by created_at desc, id desc
      limit ${first + 1}
    ) o on true
    order by c.n, o.created_at desc, o.id desc`.execute(executor);
  for (const { page_customer_id: customerId, page_total, page_bought_out, page_refused, page_lines, page_payments, ...order } of rows) {
    let page = pages.get(customerId);
    if (!page) {
      page = { rows: [], hasNextPage: false, counts: { total: Number(page_total), boughtOut: Number(page_bought_out), refused: Number(page_refused) }, lines: new Map(), payments: new Map() };
      pages.set(customerId, page);
    }
    if (order.id === null) continue; // no visible order: the counts' row alone
    if (page.rows.length === first) {
      (page as { hasNextPage: boolean }).hasNextPage = true;
      continue;
    }
    page.rows.push(order as OrderRow);
    page.lines.set(order.id, page_lines as OrderLineRow[]);
    // JSON carries the time as text; the row as the driver reads it carries a Date.
    page.payments.set(order.id, (page_payments as (PaymentRow & { paid_at: string | null })[]).map((p) => ({ ...p, paid_at: p.paid_at === null ? null : new Date(p.paid_at) })));
  }
  for (const id of customerIds) if (!pages.has(id)) pages.set(id, { rows: [], hasNextPage: false, counts: { total: 0, boughtOut: 0, refused: 0 }, lines: new Map(), payments: new Map() });
  return pages;
}
