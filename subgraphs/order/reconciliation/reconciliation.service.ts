import type { Kysely } from 'kysely';
import type { CrmOrder } from '../../../connectors/retailcrm/retailcrm-orders.port.js';
import type { PlatformDb } from '../../../platform/platform.migrations.js';
import type { Difference, ReconciliationSection } from '../../../platform/reconciliation.js';
import type { CrmReferences } from '../crm-sync/crm-references.js';
import type { OrderDeps } from '../order.deps.js';
import { createInCrmMessage } from '../order.messages.js';
import type { OrderDb, OrderRow, OrderState } from '../order.table.js';

const PAGE = 100;
const LIVE_IN_ONEC: ReadonlySet<OrderState> = new Set(['APPROVED', 'SHIPPED', 'DELIVERED', 'PARTIALLY_RETURNED', 'RETURNED']);
const ENDED: ReadonlySet<OrderState> = new Set(['CANCELLED', 'EXPIRED']);

/** Which RetailCRM status groups agree with each of our states. */
const CRM_GROUPS: Partial<Record<OrderState, readonly string[]>> = {
  PLACED: ['new'],
  APPROVED: ['approval', 'assembling'],
  SHIPPED: ['delivery'],
  DELIVERED: ['complete'],
  // A return marks RetailCRM's lines, not its status: the order stays where fulfilment had taken it.
  PARTIALLY_RETURNED: ['approval', 'assembling', 'delivery', 'complete'],
  RETURNED: ['approval', 'assembling', 'delivery', 'complete', 'cancel'],
  CANCELLED: ['cancel'],
  EXPIRED: ['cancel'],
};

const value = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * Compares the orders placed through the graph with RetailCRM and 1C, and lists every
 * disagreement: the order missing in RetailCRM (not one whose creation there is still queued), a
 * status out of step, bonuses spent that differ;
 * an order whose goods should be reserved in 1C (approved, shipped …) with no posted 1C order or
 * other quantities; a cancelled order still holding a reserve in 1C. Orders of the last `days`
 * are checked (default: all). Reads only: one RetailCRM call per 100 orders, one 1C call per 1C order.
 */
export async function reconcileOrders(deps: OrderDeps, references: CrmReferences, options: { days?: number } = {}): Promise<ReconciliationSection> {
  let query = (deps.db as Kysely<OrderDb>).selectFrom('ordering.orders').selectAll().where('origin', '=', 'graph').where('state', 'not in', ['PENDING', 'FAILED']);
  if (options.days) query = query.where('created_at', '>=', new Date(Date.now() - options.days * 86_400_000));
  const orders = await query.orderBy('created_at').execute();
  const differences: Difference[] = [];

  for (let i = 0; i < orders.length; i += PAGE) {
    const page = orders.slice(i, i + PAGE);
    const { orders: inCrm } = await deps.crm.listOrders({ externalIds: page.map((o) => o.id) }, { limit: PAGE });
    const byId = new Map(inCrm.map((o) => [o.externalId, o]));
    const onTheirWay = await ordersOnTheirWayToCrm(deps, page.filter((o) => o.crm_id === null && !byId.has(o.id)));
    for (const order of page) if (!onTheirWay.has(order.id)) differences.push(...(await compareWithCrm(references, order, byId.get(order.id))));
  }
  for (const order of orders) differences.push(...(await compareWithOneC(deps, order)));
  return { checked: orders.length, differences };
}

/**
 * Of these orders RetailCRM does not have, those whose creation there is still queued in the outbox
 * (placed a moment ago, or waiting out RetailCRM's limit or an outage): on their way, not missing.
 * One whose message went to dead letters is missing.
 */
async function ordersOnTheirWayToCrm(deps: OrderDeps, orders: readonly OrderRow[]): Promise<Set<string>> {
  if (orders.length === 0) return new Set();
  const keyOf = new Map(orders.map((o) => [createInCrmMessage(o.id).dedupeKey!, o.id]));
  const queued = await (deps.db as Kysely<PlatformDb>).selectFrom('platform.outbox').select('dedupe_key').where('status', '=', 'pending').where('dedupe_key', 'in', [...keyOf.keys()]).execute();
  return new Set(queued.map((m) => keyOf.get(m.dedupe_key!)!));
}

async function compareWithCrm(references: CrmReferences, order: OrderRow, crm: CrmOrder | undefined): Promise<Difference[]> {
  // An order that ended before the outbox took it to RetailCRM is never created there: nothing to miss.
  if (!crm && order.crm_id === null && (order.state === 'CANCELLED' || order.state === 'EXPIRED')) return [];
  if (!crm) return [{ subject: order.id, field: 'order', values: [{ system: 'graph', value: order.state }, { system: 'RetailCRM', value: null }] }];
  const found: Difference[] = [];
  const group = await references.statusGroup(crm.status);
  if (!(CRM_GROUPS[order.state] ?? []).includes(group ?? '')) {
    found.push({ subject: order.id, field: 'status', values: [{ system: 'graph', value: order.state }, { system: 'RetailCRM', value: `${crm.status} (${group ?? 'unknown group'})` }] });
  }
  if (Math.round(crm.bonusesChargeTotal) !== order.bonuses_spent) {
    found.push({ subject: order.id, field: 'bonusesSpent', values: [{ system: 'graph', value: value(order.bonuses_spent) }, { system: 'RetailCRM', value: value(crm.bonusesChargeTotal) }] });
  }
  return found;
}

async function compareWithOneC(deps: OrderDeps, order: OrderRow): Promise<Difference[]> {
  const sent = await (deps.db as Kysely<OrderDb>).selectFrom('ordering.onec_orders').selectAll().where('order_id', '=', order.id).orderBy('external_number').execute();
  const found: Difference[] = [];
  if (LIVE_IN_ONEC.has(order.state) && sent.length === 0) {
    found.push({ subject: order.id, field: '1C order', values: [{ system: 'graph', value: order.state }, { system: '1C', value: null }] });
  }
  for (const row of sent) {
    const inOneC = await deps.oneC.findOrderByExternalNumber(row.external_number);
    const reserving = inOneC !== undefined && inOneC.posted && inOneC.status !== 'Закрыт';
    // A shipped order's 1C document no longer reserves: it is done, not closed.
    if (!reserving && inOneC && (order.state === 'SHIPPED' || order.state === 'DELIVERED' || order.state === 'PARTIALLY_RETURNED' || order.state === 'RETURNED') && inOneC.status === 'Закрыт' && row.state && row.state !== 'POSTING_REFUSED') continue;
    if (LIVE_IN_ONEC.has(order.state)) {
      if (!reserving) {
        found.push({ subject: order.id, field: `1C order ${row.external_number}`, values: [{ system: 'graph', value: `${order.state}, posted` }, { system: '1C', value: inOneC ? (inOneC.posted ? inOneC.status : 'not posted') : null }] });
        continue;
      }
      const held = new Map<string, number>();
      for (const h of order.stock_hold_lines ?? []) if (h.warehouseId === row.warehouse_id) held.set(h.offerId, (held.get(h.offerId) ?? 0) + h.quantity);
      const inDoc = new Map<string, number>();
      for (const l of inOneC.lines) if (!l.cancelled) inDoc.set(l.characteristicRef ?? l.productRef, (inDoc.get(l.characteristicRef ?? l.productRef) ?? 0) + l.quantity);
      for (const offer of new Set([...held.keys(), ...inDoc.keys()])) {
        if ((held.get(offer) ?? 0) !== (inDoc.get(offer) ?? 0)) {
          found.push({ subject: order.id, field: `units of ${offer} in 1C order ${row.external_number}`, values: [{ system: 'graph', value: value(held.get(offer) ?? 0) }, { system: '1C', value: value(inDoc.get(offer) ?? 0) }] });
        }
      }
    } else if (ENDED.has(order.state) && reserving) {
      found.push({ subject: order.id, field: `1C order ${row.external_number}`, values: [{ system: 'graph', value: order.state }, { system: '1C', value: `${inOneC!.status}, reserving` }] });
    }
  }
  return found;
}
