import DataLoader from 'dataloader';
import type { Identity } from '../../platform/identity.js';
import type { BaseSubgraphContext } from '../../platform/subgraph-server.js';
import type { CrmReferences } from './crm-sync/crm-references.js';
import type { OrderDeps } from './order.deps.js';
import { lineFromRow, paymentFromRow, type OneCOrder, type OrderLine, type Payment } from './order.model.js';
import { oneCOrderFromRow } from './onec/onec-exchange.service.js';
import { decodeCursor } from '../../platform/cursor.js';
import { badInput } from '../../platform/errors.js';
import { customerOrdersPage, findOrdersByIds, firstOrdersPagesWithDetails, linesOfOrders, oneCOrdersOfOrders, orderCounts, paymentsOfOrders, type OrderCounts } from './order.repository.js';
import type { OrderRow } from './order.table.js';
import { loadReturns, type OrderReturn } from './returns/return.service.js';

export interface OrderContext extends BaseSubgraphContext {
  readonly deps: OrderDeps;
  readonly references: CrmReferences;
  /** Orders by id; lines, payments and counts per order or customer: one SQL query per kind per request. */
  readonly orderById: DataLoader<string, OrderRow | undefined>;
  readonly linesByOrder: DataLoader<string, OrderLine[]>;
  readonly paymentsByOrder: DataLoader<string, Payment[]>;
  readonly countsByCustomer: DataLoader<string, OrderCounts>;
  readonly returnsByOrder: DataLoader<string, OrderReturn[]>;
  readonly oneCOrdersByOrder: DataLoader<string, OneCOrder[]>;
  /** Pages of customers' orders: the first pages of many customers in one query, later pages one by one. */
  readonly ordersPage: DataLoader<OrdersPageKey, OrdersPage, string>;
}

export interface OrdersPageKey {
  readonly customerId: string;
  readonly first: number;
  /** Cursor of the last order of the previous page. */
  readonly after: string | null;
}

export interface OrdersPage {
  readonly rows: OrderRow[];
  readonly hasNextPage: boolean;
}

/** The loaders a first page of orders fills with what it read beside the orders. */
type PageCompanions = Pick<OrderContext, 'linesByOrder' | 'paymentsByOrder' | 'countsByCustomer'>;

async function loadPages(deps: OrderDeps, companions: PageCompanions, keys: readonly OrdersPageKey[]): Promise<OrdersPage[]> {
  const firstPages = new Map<number, string[]>();
  for (const key of keys) if (key.after === null) firstPages.set(key.first, [...(firstPages.get(key.first) ?? []), key.customerId]);
  const found = new Map<string, OrdersPage>();
  for (const [first, ids] of firstPages) {
    for (const [id, page] of await firstOrdersPagesWithDetails(deps.db, ids, first)) {
      found.set(`${id}:${first}`, page);
      // The account page asks for these next: read with the page, not once more (prime keeps what a loader already has).
      companions.countsByCustomer.prime(id, page.counts);
      for (const [orderId, lines] of page.lines) companions.linesByOrder.prime(orderId, lines.map(lineFromRow));
      for (const [orderId, payments] of page.payments) companions.paymentsByOrder.prime(orderId, payments.map(paymentFromRow));
    }
  }
  return Promise.all(
    keys.map(async ({ customerId, first, after }) => {
      if (after === null) return found.get(`${customerId}:${first}`)!;
      const [createdAt, id] = decodeCursor(after, 2) as [string, string];
      const at = new Date(createdAt);
      if (Number.isNaN(at.getTime())) throw badInput('Malformed cursor');
      return customerOrdersPage(deps.db, customerId, first, { createdAt: at, id });
    }),
  );
}

const group = <R, T>(keys: readonly string[], rows: readonly R[], keyOf: (row: R) => string, map: (row: R) => T): T[][] => {
  const byKey = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) byKey.get(keyOf(row))?.push(map(row));
  return keys.map((k) => byKey.get(k)!);
};

export function createOrderContext(deps: OrderDeps, references: CrmReferences, identity: Identity): OrderContext {
  const companions: PageCompanions = {
    linesByOrder: new DataLoader(async (ids) => group(ids, await linesOfOrders(deps.db, ids), (r) => r.order_id, lineFromRow)),
    paymentsByOrder: new DataLoader(async (ids) => group(ids, await paymentsOfOrders(deps.db, ids), (r) => r.order_id, paymentFromRow)),
    countsByCustomer: new DataLoader(async (ids) => {
      const counts = await orderCounts(deps.db, ids);
      return ids.map((id) => counts.get(id) ?? { total: 0, boughtOut: 0, refused: 0 });
    }),
  };
  return {
    identity,
    deps,
    references,
    orderById: new DataLoader(async (ids) => {
      const rows = new Map((await findOrdersByIds(deps.db, ids)).map((r) => [r.id, r]));
      return ids.map((id) => rows.get(id));
    }),
    ...companions,
    returnsByOrder: new DataLoader(async (ids) => group(ids, await loadReturns(deps.db, { orderIds: ids }), (r) => r.orderId, (r) => r)),
    oneCOrdersByOrder: new DataLoader(async (ids) => group(ids, await oneCOrdersOfOrders(deps.db, ids), (r) => r.order_id, oneCOrderFromRow)),
    ordersPage: new DataLoader((keys) => loadPages(deps, companions, keys), { cacheKeyFn: (k) => JSON.stringify([k.customerId, k.first, k.after]) }),
  };
}
