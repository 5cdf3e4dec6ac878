import type { Insertable, Kysely } from 'kysely';
import type { CrmOrder, CrmOrderHistoryRecord } from '../../../connectors/retailcrm/retailcrm-orders.port.js';
import { enqueue } from '../../../platform/outbox.js';
import { markSyncFailure, readCursor, saveCursor } from '../../../platform/sync-cursor.js';
import type { CrmReferences } from './crm-references.js';
import type { OrderDeps } from '../order.deps.js';
import { cancelInOneCMessage, crmStatusMessage, registerSaleMessage, releaseHoldsMessage, sendToOneCMessage } from '../order.messages.js';
import { canMove, crmGroupStep, fulfilmentStep, isTerminal, stateOfCrmGroup, UNCERTAIN_PAYMENT } from '../order.model.js';
import { findOrder, insertOrder, linkCrmItems, replaceLines, replacePayments, updateOrder } from '../order.repository.js';
import type { OrderLinesTable, OrderRow, OrdersTable } from '../order.table.js';

export const ORDER_HISTORY_CURSOR = 'order.retailcrm.orders-history';
/** RetailCRM status (approval group) the graph sets on an order approved by its full payment. */
export const CRM_PAID_STATUS = 'prepayed';
const PAGE = 100;


export interface OrderSyncResult {
  readonly records: number;
  readonly orders: number;
  readonly cursor: number;
}

/**
 * Keeps the order read model current from RetailCRM's `orders/history` (F2, F5): each page names
 * the orders that changed, their current state is read with one `orders?filter[ids][]` call, and
 * every order is applied with the new cursor in one transaction.
 */
export async function syncOrders(deps: OrderDeps, references: CrmReferences, signal?: AbortSignal): Promise<OrderSyncResult> {
  const stored = await readCursor(deps.db, ORDER_HISTORY_CURSOR);
  let cursor = Number(stored?.cursor ?? 0);
  let records = 0;
  let orders = 0;
  try {
    for (;;) {
      if (signal?.aborted) break; // asked to stop: the cursor is saved with every page
      const { history } = await deps.crm.ordersHistory(cursor, PAGE);
      if (history.length === 0) break;
      const echoes = await echoesOfOwnCreations(deps.db, history);
      const ids = [...new Set(history.map((h) => h.order.id))].filter((id) => !echoes.has(id));
      const current = ids.length > 0 ? (await deps.crm.listOrders({ ids }, { limit: PAGE })).orders : [];
      const last = history[history.length - 1]!.id;
      if (current.length === 0) await saveCursor(deps.db, ORDER_HISTORY_CURSOR, String(last));
      else
        await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
          for (const order of current) await applyCrmOrder(trx, references, order);
          await saveCursor(trx, ORDER_HISTORY_CURSOR, String(last));
        });
      cursor = last;
      records += history.length;
      orders += current.length;
      if (history.length < PAGE) break;
    }
    if (records === 0) await saveCursor(deps.db, ORDER_HISTORY_CURSOR, String(cursor));
    return { records, orders, cursor };
  } catch (error) {
    await markSyncFailure(deps.db, ORDER_HISTORY_CURSOR, error, String(cursor));
    throw error;
  }
}

/**
 * Orders of this page whose every record is their creation by the graph's own API key
 * (`apiKey.current`) and whose creation the relay has recorded here (their RetailCRM id is known):
 * the relay wrote what RetailCRM answered, so reading them back would tell nothing. Anything else
 * on the same page (a manager's edit, a trigger's, a payment) has the order read as usual.
 */
async function echoesOfOwnCreations(db: Kysely<any>, history: readonly CrmOrderHistoryRecord[]): Promise<Set<number>> {
  const own = new Map<number, boolean>();
  for (const h of history) own.set(h.order.id, (own.get(h.order.id) ?? true) && h.created === true && h.source === 'api' && h.apiKey?.current === true);
  const candidates = [...own].filter(([, ours]) => ours).map(([id]) => id);
  if (candidates.length === 0) return new Set();
  const recorded = await db.selectFrom('ordering.orders').select('crm_id').where('crm_id', 'in', candidates).execute();
  return new Set(recorded.map((r) => r.crm_id as number));
}

/** What RetailCRM holds as paid on an order: its payments in a status that completes payment. */
export async function paidInCrm(references: CrmReferences, order: Pick<CrmOrder, 'payments'>): Promise<number> {
  let paid = 0;
  for (const p of order.payments) if (await references.paymentComplete(p.status)) paid += p.amountKopecks;
  return paid;
}

/** Our id of a RetailCRM order: its externalId, or one made from its CRM id for orders from elsewhere. */
export const orderIdOf = (order: Pick<CrmOrder, 'id' | 'externalId'>) => order.externalId ?? `crm-${order.id}`;

/**
 * Applies RetailCRM's current state of an order to the read model, in the caller's transaction,
 * and queues what follows from it: a fully paid order is recorded as a sale in BonusPlus (R8, R9);
 * an order a manager confirmed, or that was paid, goes to 1C (R15); an order cancelled in the CRM
 * gives its holds back (R7). Orders still being placed are left to their placement.
 */
export async function applyCrmOrder(trx: Kysely<any>, references: CrmReferences, crm: CrmOrder): Promise<OrderRow | undefined> {
  const id = orderIdOf(crm);
  const customerId = crm.customer?.externalId;
  const existing = await trx.selectFrom('ordering.orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst() as OrderRow | undefined;
  if (existing && (existing.state === 'PENDING' || existing.state === 'FAILED')) return existing;
  if (!existing && !customerId) return undefined; // not one of our customers' orders (yet)

  const group = await references.statusGroup(crm.status);
  const payments = await Promise.all(
    crm.payments.map(async (p) => ({ order_id: id, crm_id: p.id, external_id: p.externalId ?? null, type: p.type, status: p.status, paid: await references.paymentComplete(p.status), amount: p.amountKopecks, paid_at: p.paidAt ? new Date(p.paidAt) : null })),
  );
  const paidTotal = await paidInCrm(references, crm);
  const total = crm.totalSummKopecks;
  const fullyPaid = crm.fullPaidAt !== undefined || (total > 0 && paidTotal >= total);
  const itemsTotal = crm.items.reduce((s, i) => s + i.initialPriceKopecks * i.quantity, 0);
  const common = {
    crm_id: crm.id,
    number: crm.number,
    crm_status: crm.status,
    crm_status_group: group ?? null,
    paid_total: paidTotal,
    total,
    delivery_cost: total - crm.summKopecks,
  };

  if (!existing) {
    const fullyPaidAt = fullyPaid ? new Date(crm.fullPaidAt ?? Date.now()) : null;
    const row: Insertable<OrdersTable> = {
      id,
      origin: 'crm',
      customer_id: customerId!,
      phone: crm.phone ?? null,
      idempotency_key: null,
      request_hash: null,
      state: stateOfCrmGroup(group),
      ...common,
      items_total: itemsTotal,
      bonuses_spent: Math.round(crm.bonusesChargeTotal),
      bonuses_earned: Math.round(crm.bonusesCreditTotal),
      fully_paid_at: fullyPaidAt,
      // Orders made outside the graph were (or will be) recorded in BonusPlus by whoever made them.
      sale_registered_at: fullyPaidAt,
      stock_hold_id: null,
      stock_hold_lines: null,
      hold_expires_at: null,
      delivery_address: null,
      comment: null,
      failure: null,
      crm_created_at: new Date(crm.createdAt),
      created_at: new Date(crm.createdAt),
    };
    await insertOrder(trx, row, linesOf(id, crm));
    await replacePayments(trx, id, payments);
    return findOrder(trx, id);
  }

  const patch: Parameters<typeof updateOrder>[2] = { ...common };
  if (existing.origin === 'crm') {
    // RetailCRM is the only record of these orders; still, no feed moves an order back or out of an end.
    const next = crmGroupStep(existing.state, group);
    Object.assign(patch, { ...(next ? { state: next } : {}), items_total: itemsTotal, bonuses_spent: Math.round(crm.bonusesChargeTotal), bonuses_earned: Math.round(crm.bonusesCreditTotal) });
    if (fullyPaid && !existing.fully_paid_at) Object.assign(patch, { fully_paid_at: new Date(crm.fullPaidAt ?? Date.now()), sale_registered_at: new Date() });
    await replaceLines(trx, id, linesOf(id, crm));
  } else if (!isTerminal(existing.state)) {
    // A payment whose reply was lost may still be on its way into RetailCRM (held there past the
    // connector's timeout): its absence now proves nothing, and clearing the claim on it let a second
    // payment of the whole total through before the first landed (the money soak, seed 1). The claim
    // goes once RetailCRM shows the order paid in full (nothing more can be taken), else when its
    // lease runs out (PAYMENT_CLAIM_MS after the reply was lost), as any claim does.
    if (existing.payment_claim === UNCERTAIN_PAYMENT && fullyPaid) Object.assign(patch, { payment_claim: null, payment_claim_until: null });
    if (group === 'cancel') {
      // A manager cancelled it in RetailCRM. A paid order is not cancelled: it comes back as a return.
      if (!existing.fully_paid_at && canMove(existing.state, 'CANCELLED')) {
        patch.state = 'CANCELLED';
        await enqueue(trx, releaseHoldsMessage(id));
        if (existing.state !== 'PLACED') await enqueue(trx, cancelInOneCMessage(id));
      }
    } else {
      // Confirmed by a manager (out of the `new` group) or by its full payment.
      const confirmed = fullyPaid || (group !== undefined && group !== 'new');
      let state = existing.state;
      if (confirmed) state = fulfilmentStep(state, 'APPROVED') ?? state;
      state = fulfilmentStep(state, stateOfCrmGroup(group)) ?? state;
      if (state !== existing.state) patch.state = state;
      if (existing.state === 'PLACED' && state !== 'PLACED') await enqueue(trx, sendToOneCMessage(id));
      // Approved by its payment alone: managers see it moved on in RetailCRM too.
      if (state === 'APPROVED' && group === 'new') await enqueue(trx, crmStatusMessage({ orderId: id, status: CRM_PAID_STATUS }));
    }
    if (fullyPaid && !existing.fully_paid_at && patch.state !== 'CANCELLED') {
      patch.fully_paid_at = new Date(crm.fullPaidAt ?? Date.now());
      await enqueue(trx, registerSaleMessage(id));
    }
  }
  if (existing.origin === 'graph') await linkCrmItems(trx, id, crm.items);
  await replacePayments(trx, id, payments);
  // Most reads change nothing (the echo of the graph's own write, an order read again): the row is
  // not written again, and its updated_at (the customer's bonus version) stays.
  if (patch.state === undefined && changesNothing(existing, patch)) return existing;
  return updateOrder(trx, id, patch);
}

/** Whether every field of the patch already has its value in the row. */
function changesNothing(row: OrderRow, patch: Parameters<typeof updateOrder>[2]): boolean {
  return Object.entries(patch).every(([field, value]) => {
    const now = row[field as keyof OrderRow];
    return value instanceof Date && now instanceof Date ? value.getTime() === now.getTime() : value === now;
  });
}

function linesOf(orderId: string, crm: CrmOrder): Insertable<OrderLinesTable>[] {
  return crm.items.map((item, i) => {
    const discount = item.discountManualAmountKopecks * item.quantity;
    const charged = Math.round(item.bonusesChargeTotal);
    return {
      order_id: orderId,
      line_no: i + 1,
      crm_item_id: item.id,
      offer_id: item.offer.xmlId ?? item.offer.externalId ?? String(item.offer.id ?? ''),
      product_id: null,
      product_name: item.productName ?? item.offer.name ?? '',
      quantity: item.quantity,
      price: item.initialPriceKopecks,
      discount,
      bonuses_spent: charged,
      bonuses_earned: Math.round(item.bonusesCreditTotal),
      total: Math.max(0, item.initialPriceKopecks * item.quantity - discount - charged * 100),
    };
  });
}
