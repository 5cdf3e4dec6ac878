import { createHash, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { BonusPlusRetailError, type BpSaleItem } from '../../../connectors/bonusplus/bonusplus.port.js';
import { AppError, badInput, notFound } from '../../../platform/errors.js';
import { UpstreamUnavailableError } from '../../../platform/http/upstream-client.js';
import { idempotencyKeySchema, withIdempotency } from '../../../platform/idempotency.js';
import { requireStaff, type Identity } from '../../../platform/identity.js';
import { enqueue, PermanentFailure } from '../../../platform/outbox.js';
import { loyaltyRefreshMessage } from '../../../contracts/loyalty-refresh.message.js';
import { invalid, saleItemsOfLines } from '../checkout/checkout.service.js';
import type { CrmReferences } from '../crm-sync/crm-references.js';
import type { OrderDeps } from '../order.deps.js';
import type { OrderDb, OrderLineRow, OrderRow, OrderState } from '../order.table.js';
import { isVisible, orderFromRow, UNCERTAIN_PAYMENT, type Order } from '../order.model.js';
import { findOrder, linesOfOrders, setEarnedBonuses, updateOrder } from '../order.repository.js';
import { applyCrmOrder, paidInCrm } from '../crm-sync/order-sync.service.js';
import { createOrderInCrm, CustomerNotInCrmYet } from '../placement/place-order.service.js';
import { queuePendingBonuses } from '../pending-bonuses.service.js';

/**
 * Records a fully paid order in BonusPlus as one receipt with its lines (F5, R8, R9): the bonus
 * reserve becomes the sale's debit and the earned bonuses are credited. Keyed by the order id as
 * the receipt's externalId, so the outbox may deliver it twice with one effect.
 */
export async function registerSale(deps: OrderDeps, orderId: string): Promise<void> {
  const order = await findOrder(deps.db, orderId);
  if (!order || order.origin !== 'graph' || !order.fully_paid_at || order.sale_registered_at) return;
  if (order.phone) {
    const lines = await linesOfOrders(deps.db, [order.id]);
    const items = saleItemsOfLines(lines);
    if (!(await claimSale(deps.db, order.phone, order.id))) throw new SaleOfCustomerInFlight(order.id);
    try {
      if (!order.sale_figures_at) await fixSaleFigures(deps, order, lines, items);
      await deps.bonusPlus.registerSale({
        externalId: order.id,
        phone: order.phone,
        items,
        bonusDebit: order.bonuses_spent,
        ...(order.bonus_hold === 'HELD' ? { reserveId: order.id } : {}),
        ...(order.number ? { desc: `RetailCRM ${order.number}` } : {}),
      });
    } catch (error) {
      // A refusal (no such customer, the debit no longer covered) will not change by retrying: an operator decides.
      if (error instanceof BonusPlusRetailError) {
        await releaseSale(deps.db, order.phone, order.id);
        throw new PermanentFailure(`sale of order ${order.id} refused by BonusPlus: ${error.code}`);
      }
      // Otherwise the sale may still land (its reply lost, or held past the timeout): the claim stays
      // until its lease runs out, or until this order's sale is retried and answered.
      throw error;
    }
    await releaseSale(deps.db, order.phone, order.id);
  }
  await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
    await updateOrder(trx, order.id, { sale_registered_at: new Date(), ...(order.bonus_hold === 'HELD' ? { bonus_hold: 'CONSUMED' as const } : {}) });
    if (order.phone) await enqueue(trx, loyaltyRefreshMessage(order.phone));
    await queuePendingBonuses(trx, order.id);
  });
}

/** The end of a claim's lease taken now: the database's clock, the same for every process. */
const leaseUntil = (ms: number) => sql<Date>`now() + ${`${ms} milliseconds`}::interval`;

/** How long a customer's sale keeps their other sales waiting when its process cannot say how it ended. */
export const SALE_CLAIM_MS = 60_000;

/**
 * A sale of the customer with this phone is being registered by another order: this one waits (the
 * outbox tries it again, never giving up for it). A sale moves the card's tier, so figures fixed
 * by a calculation before another sale lands would not be what BonusPlus credits after it.
 */
export class SaleOfCustomerInFlight extends Error {
  readonly transient = true;
  constructor(orderId: string) {
    super(`order ${orderId}: another sale of its customer is being registered in BonusPlus; this one follows`);
  }
}

/** Takes the customer's sale claim for this order: free, lapsed, or this order's already. */
async function claimSale(db: Kysely<any>, phone: string, orderId: string): Promise<boolean> {
  const taken = await (db as Kysely<OrderDb>)
    .insertInto('ordering.sale_claims')
    .values({ phone, order_id: orderId, until: leaseUntil(SALE_CLAIM_MS) })
    .onConflict((oc) =>
      oc
        .column('phone')
        .doUpdateSet({ order_id: orderId, until: leaseUntil(SALE_CLAIM_MS) })
        .where((eb) => eb.or([eb('ordering.sale_claims.until', '<', sql<Date>`now()`), eb('ordering.sale_claims.order_id', '=', orderId)])),
    )
    .returning('order_id')
    .executeTakeFirst();
  return taken !== undefined;
}

async function releaseSale(db: Kysely<any>, phone: string, orderId: string): Promise<void> {
  await (db as Kysely<OrderDb>).deleteFrom('ordering.sale_claims').where('phone', '=', phone).where('order_id', '=', orderId).execute();
}

/**
 * What each line earns is fixed at the sale, by the customer's card then (a tier reached since the
 * order was placed earns more). BonusPlus's answer to the sale names no per-line figures, so its
 * calculation of the same receipt, asked once just before the sale is sent, is what the order
 * records and its returns take back. Fixed once: a retry of the sale after a lost reply, when the
 * first one may have moved the card up a tier, keeps these figures.
 */
async function fixSaleFigures(deps: OrderDeps, order: OrderRow, lines: readonly OrderLineRow[], items: readonly BpSaleItem[]): Promise<void> {
  // Asked as what is paid for each line after its bonuses, with no debit: the debit itself is held
  // by the order's reserve, which a calculation does not see, and would be refused as not covered
  // (its earned figures then counted on the full price).
  const spentOn = new Map(lines.map((l) => [String(l.line_no), l.bonuses_spent * 100]));
  const paidItems = items.map((i) => ({ ...i, sumKopecks: Math.max(0, i.sumKopecks - (spentOn.get(i.ext) ?? 0)) }));
  const calc = await deps.bonusPlus.calculate({ phone: order.phone!, items: paidItems, bonusDebit: 0 });
  const earned = new Map(calc.lines.map((l) => [l.ext, l.earned]));
  await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
    const db = trx as Kysely<OrderDb>;
    const fixed = await db.updateTable('ordering.orders').set({ sale_figures_at: new Date() }).where('id', '=', order.id).where('sale_figures_at', 'is', null).returning('id').executeTakeFirst();
    if (!fixed) return; // another delivery of the sale fixed them first
    await setEarnedBonuses(trx, order.id, lines, new Map([...earned].map(([ext, figure]) => [Number(ext), figure])), { bonus_figures_pending: false });
  });
}

export interface RecordPaymentInput {
  readonly orderId: string;
  readonly idempotencyKey: string;
  readonly amount?: number | null;
  readonly type?: string | null;
}

const paymentSchema = z.object({
  orderId: z.string().min(1).max(100),
  idempotencyKey: idempotencyKeySchema,
  amount: z.number().int('must be whole kopecks').positive('must be positive').nullable(),
  type: z.enum(['cash', 'bank-card']),
});

/** How long one payment may hold its order's claim: a caller that dies mid-way gives the order back after this. */
export const PAYMENT_CLAIM_MS = 60_000;
/** How long a second payment of the same order waits for the first before it is refused as busy. */
const PAYMENT_WAIT_MS = 20_000;

/** States in which an order takes payments. */
const PAYABLE: readonly OrderState[] = ['PLACED', 'APPROVED', 'SHIPPED', 'DELIVERED'];

/**
 * A showroom payment taken by a cashier: added to the order in RetailCRM (keyed by the
 * idempotency key), then the order is read back and applied, so a payment that completes the order
 * queues its sale in BonusPlus at once.
 *
 * Payments of one order run one at a time (a claim on the order row, see `claimOrderForPayment`),
 * and each works out what is still owed from RetailCRM's own payments under that claim, so two
 * cashiers' taps at once, or a payment made in RetailCRM meanwhile, never take more than the total.
 */
export async function recordPayment(deps: OrderDeps, references: CrmReferences, identity: Identity, input: RecordPaymentInput): Promise<Order> {
  requireStaff(identity, 'cashier', 'admin');
  const parsed = paymentSchema.safeParse({ ...input, amount: input.amount ?? null, type: input.type ?? 'cash' });
  if (!parsed.success) throw invalid('payment', parsed.error);
  const { orderId, idempotencyKey, amount, type } = parsed.data;
  return withIdempotency(deps.db, { scope: 'order.payment', key: `${orderId}:${idempotencyKey}`, input: { orderId, amount, type } }, async () => {
    const claim = randomUUID();
    let order = await claimOrderForPayment(deps.db, orderId, claim);
    let moneyMayHaveMoved = false;
    try {
      // The money is taken in RetailCRM: an order still on its way there goes first.
      if (order.crm_id === null) order = await reachCrmNow(deps, order);
      const externalId = `pay-${createHash('sha256').update(`${orderId}:${idempotencyKey}`).digest('hex').slice(0, 32)}`;
      const before = await deps.crm.getOrder(order.id, 'externalId');
      if (!before) throw new Error(`order ${order.id} is missing in RetailCRM`);
      // A retry whose first attempt reached RetailCRM but lost its reply: that payment is this one.
      if (!before.payments.some((p) => p.externalId === externalId)) {
        const paid = await paidInCrm(references, before);
        const remaining = Math.min(before.totalSummKopecks, order.total) - Math.max(paid, order.paid_total);
        const paying = amount ?? remaining;
        if (paying <= 0 || remaining <= 0) throw badInput('The order is already paid');
        if (paying > remaining) throw badInput('The payment is more than the order still owes', { remaining });
        await stillClaimed(deps.db, orderId, claim);
        moneyMayHaveMoved = true;
        await deps.crm.createPayment({ externalId: order.id }, { externalId, type, status: 'paid', amountKopecks: paying });
      }
      const crmOrder = await deps.crm.getOrder(order.id, 'externalId');
      if (!crmOrder) throw new Error(`order ${order.id} is missing in RetailCRM`);
      const updated = await (deps.db as Kysely<any>).transaction().execute(async (trx) => {
        const applied = await applyCrmOrder(trx, references, crmOrder);
        await releasePaymentClaim(trx, orderId, claim);
        return applied;
      });
      return orderFromRow(updated ?? order);
    } catch (error) {
      // A payment whose reply was lost may be in RetailCRM: the order stays claimed as UNCERTAIN, so
      // no cancel or expiry ends it, until the history sync reads RetailCRM's truth (and any payment
      // that went through) or the claim lapses.
      if (moneyMayHaveMoved && error instanceof UpstreamUnavailableError) await markPaymentUncertain(deps.db, orderId, claim).catch(() => undefined);
      else await releasePaymentClaim(deps.db, orderId, claim).catch(() => undefined);
      if (error instanceof UpstreamUnavailableError) throw new AppError('UPSTREAM_UNAVAILABLE', 'RetailCRM is unavailable; the payment was not recorded. Try again with the same key');
      throw error;
    }
  });
}

async function reachCrmNow(deps: OrderDeps, order: OrderRow): Promise<OrderRow> {
  try {
    return (await createOrderInCrm(deps, order.id)) ?? order;
  } catch (error) {
    if (error instanceof CustomerNotInCrmYet) throw new AppError('UPSTREAM_UNAVAILABLE', 'The order has not reached RetailCRM yet; try again in a moment');
    throw error;
  }
}

/**
 * Takes the order's payment claim (a row-level lease: RetailCRM is called while it is held, which
 * no database transaction should span), waiting while another payment holds it. An order that
 * cannot be paid is refused at once; one still busy after the wait is ORDER_BUSY, and the cashier
 * may simply try again.
 */
async function claimOrderForPayment(executor: Kysely<any>, orderId: string, claim: string): Promise<OrderRow> {
  const db = executor as Kysely<OrderDb>;
  const deadline = Date.now() + PAYMENT_WAIT_MS;
  for (;;) {
    const claimed = await db
      .updateTable('ordering.orders')
      .set({ payment_claim: claim, payment_claim_until: leaseUntil(PAYMENT_CLAIM_MS) })
      .where('id', '=', orderId)
      .where('state', 'in', [...PAYABLE])
      .where((eb) => eb.or([eb('payment_claim_until', 'is', null), eb('payment_claim_until', '<', sql<Date>`now()`)]))
      .returningAll()
      .executeTakeFirst();
    if (claimed) return claimed;
    const order = await findOrder(db, orderId);
    if (!order || !isVisible(order)) throw notFound('No such order');
    if (!PAYABLE.includes(order.state)) throw badInput(`A ${order.state.toLowerCase().replace('_', ' ')} order cannot be paid`);
    if (Date.now() > deadline) throw new AppError('ORDER_BUSY', 'Another payment of this order is being taken; try again in a moment');
    await sleep(40 + Math.random() * 40);
  }
}

/** Refuses to go on when the claim has lapsed and may be someone else's now (a fence before the money moves). */
async function stillClaimed(executor: Kysely<any>, orderId: string, claim: string): Promise<void> {
  const row = await (executor as Kysely<OrderDb>)
    .selectFrom('ordering.orders')
    .select(sql<boolean>`payment_claim = ${claim} and payment_claim_until > now()`.as('held'))
    .where('id', '=', orderId)
    .executeTakeFirst();
  if (!row?.held) throw new AppError('ORDER_BUSY', 'The payment took too long and was not recorded; try again with the same key');
}

async function markPaymentUncertain(executor: Kysely<any>, orderId: string, claim: string): Promise<void> {
  await (executor as Kysely<OrderDb>)
    .updateTable('ordering.orders')
    .set({ payment_claim: UNCERTAIN_PAYMENT, payment_claim_until: leaseUntil(PAYMENT_CLAIM_MS) })
    .where('id', '=', orderId)
    .where('payment_claim', '=', claim)
    .execute();
}

async function releasePaymentClaim(executor: Kysely<any>, orderId: string, claim: string): Promise<void> {
  await (executor as Kysely<OrderDb>).updateTable('ordering.orders').set({ payment_claim: null, payment_claim_until: null }).where('id', '=', orderId).where('payment_claim', '=', claim).execute();
}

/** Whether a payment of the order is being taken now: a cancel or an expiry waits its turn. */
export const paymentInProgress = (order: Pick<OrderRow, 'payment_claim_until'>): boolean => order.payment_claim_until !== null && order.payment_claim_until.getTime() > Date.now();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
