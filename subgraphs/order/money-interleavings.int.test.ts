import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import type { Identity } from '../../platform/identity.js';
import { createOutboxRelay } from '../../platform/outbox.js';
import { startTestGraph, type TestGraph } from '../../test/support/graph-harness.js';
import { availableOffers, bonusPlusCustomer, registerEnrolled } from '../../test/support/order-fixtures.js';
import { createTurnstile, type Turnstile } from '../../test/support/turnstile.js';
import { cancelOrder } from './cancel/cancel.service.js';
import type { OrderDeps } from './order.deps.js';
import { lineIdOf } from './order.model.js';
import { orderOutboxHandlers } from './order.runtime.js';
import type { OrderDb } from './order.table.js';
import { expireOrders } from './placement/order-expiry.service.js';
import { releaseOrderHolds } from './placement/order-holds.service.js';
import { recordPayment, registerSale } from './payment/payment.service.js';
import { placeOrder } from './placement/place-order.service.js';
import { returnOrderLines } from './returns/return.service.js';

// Money rules over interleavings (issue 18, item 8b). Each run: a fresh enrolled customer with a
// paid two-unit order A (its sale in BonusPlus) and a placed, unpaid order B, both spending
// bonuses; then 2–5 concurrent calls of the order services (place, pay, cancel, expire, the sale,
// a hold release, a return, an outbox relay pass) whose upstream calls and replies take turns in an
// order fast-check picks; then the outbox drained; then the money invariants. Replay a failure with
// the seed and path it prints: MONEY_SEED=… MONEY_PATH=… (runs: MONEY_RUNS, 20 by default).

const RUNS = Number(process.env.MONEY_RUNS ?? 20);
const REPLAY = process.env.MONEY_SEED ? { seed: Number(process.env.MONEY_SEED), path: process.env.MONEY_PATH } : {};
const WELCOME = 1000;

type Target = 'A' | 'B' | 'C';
type Op =
  | { kind: 'place'; spend: number }
  | { kind: 'pay'; target: Target; part: 'rest' | 'half' }
  | { kind: 'cancel' | 'expire' | 'sale' | 'release'; target: Target }
  | { kind: 'return'; target: Target; quantity: number }
  | { kind: 'relay' };

// B (placed, unpaid) is where most races are; C exists only once a concurrent placement got far enough.
const target = fc.constantFrom<Target>('A', 'B', 'B', 'B', 'C');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('place' as const), spend: fc.constantFrom(0, 100, 200) }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pay' as const), target, part: fc.constantFrom<'rest' | 'half'>('rest', 'half') }) },
  fc.record({ kind: fc.constantFrom('cancel' as const, 'expire' as const, 'sale' as const, 'release' as const), target }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('return' as const), target, quantity: fc.constantFrom(1, 2) }) },
  fc.record({ kind: fc.constant('relay' as const) }),
);

const CASHIER: Identity = { kind: 'staff', staffId: 'cashier-interleavings', roles: ['cashier'] };

let t: TestGraph;
let deps: OrderDeps;
let offers: { id: string; price: number }[];
let runNo = 0;

beforeAll(async () => {
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: String(WELCOME), RETAILCRM_RPS: '1000', BONUSPLUS_RPS: '2000', UPSTREAM_TIMEOUT_MS: '15000' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  deps = t.graph.order.deps;
  // The cheapest two: 200 bonuses fit the Silver cap, and a run's purchases stay below Gold's
  // 30,000 roubles (a tier change would change what is earned between placement and sale).
  offers = await availableOffers(t, 2, 1);
  if (offers.some((o) => o.price < 70_000 || o.price > 500_000)) throw new Error(`offers priced ${offers.map((o) => o.price)} kopecks do not fit the bonus figures of this test`);
  for (const offer of offers) {
    await t.database.db.updateTable('inventory.stock').set((eb) => ({ in_hand: eb('in_hand', '+', 10_000) })).where('offer_id', '=', offer.id).execute();
  }
}, 120_000);
afterAll(async () => t?.close());

const db = () => t.database.db as Kysely<OrderDb>;

/** Drains every outbox as if time had passed: messages backing off are made due again. */
async function drainAll(): Promise<void> {
  for (let round = 0; round < 10; round++) {
    await sql`update platform.outbox set available_at = now() where status = 'pending'`.execute(t.database.db);
    await t.settle();
    const left = await sql<{ n: number }>`select count(*)::int as n from platform.outbox where status = 'pending'`.execute(t.database.db);
    if (left.rows[0]!.n === 0) return;
  }
  const stuck = await sql<{ topic: string; last_error: string | null }>`select topic, last_error from platform.outbox where status = 'pending' order by id limit 5`.execute(t.database.db);
  throw new Error(`the outbox did not drain: ${JSON.stringify(stuck.rows)}`);
}

interface Run {
  readonly phone: string;
  readonly customer: Identity;
  readonly customerId: string;
  readonly a: string;
  readonly b: string;
  readonly deadBefore: number;
}

async function setUp(): Promise<Run> {
  const phone = `+7916444${String(++runNo).padStart(4, '0')}`;
  const shopper = await registerEnrolled(t, phone);
  const customer: Identity = { kind: 'customer', customerId: shopper.id };
  const a = await placeOrder(deps, customer, { idempotencyKey: randomUUID(), cart: [{ offerId: offers[0]!.id, quantity: 2 }], bonusesToSpend: 100 });
  await drainAll(); // whatever of the placement follows through the outbox (the order in RetailCRM) is done before it is paid
  await recordPayment(deps, t.graph.order.references, CASHIER, { orderId: a.id, idempotencyKey: randomUUID() });
  const b = await placeOrder(deps, customer, { idempotencyKey: randomUUID(), cart: [{ offerId: offers[1]!.id, quantity: 1 }, { offerId: offers[0]!.id, quantity: 1 }], bonusesToSpend: 100 });
  await drainAll();
  const sold = await db().selectFrom('ordering.orders').select('sale_registered_at').where('id', '=', a.id).executeTakeFirstOrThrow();
  if (!sold.sale_registered_at) throw new Error('set-up: the sale of order A was not registered');
  const dead = await sql<{ n: number }>`select count(*)::int as n from platform.outbox where status = 'dead'`.execute(t.database.db);
  return { phone: shopper.phone, customer, customerId: shopper.id, a: a.id, b: b.id, deadBefore: dead.rows[0]!.n };
}

/** The services with BonusPlus, RetailCRM, 1C and the inventory gated by the turnstile. */
function gatedDeps(turnstile: Turnstile): OrderDeps {
  return {
    ...deps,
    bonusPlus: turnstile.gate('bonusplus', deps.bonusPlus),
    crm: turnstile.gate('retailcrm', deps.crm),
    oneC: turnstile.gate('1c', deps.oneC),
    inventory: turnstile.gate('inventory', deps.inventory),
  };
}

/** The order an op names: A, B, or the newest order placed during the run (C), if any yet. */
async function orderOf(run: Run, which: Target): Promise<string | undefined> {
  if (which === 'A') return run.a;
  if (which === 'B') return run.b;
  const newest = await db().selectFrom('ordering.orders').select('id').where('customer_id', '=', run.customerId).where('id', 'not in', [run.a, run.b]).orderBy('created_at', 'desc').executeTakeFirst();
  return newest?.id;
}

async function perform(run: Run, op: Op, d: OrderDeps): Promise<string> {
  if (op.kind === 'place') {
    await placeOrder(d, run.customer, { idempotencyKey: randomUUID(), cart: [{ offerId: offers[1]!.id, quantity: 1 }], bonusesToSpend: op.spend });
    return 'placed';
  }
  if (op.kind === 'relay') {
    const handled = await createOutboxRelay({ db: d.db, handlers: orderOutboxHandlers(d), logger: d.logger }).runOnce();
    return `relayed ${handled}`;
  }
  const id = await orderOf(run, op.target);
  if (!id) return 'no such order yet';
  const row = await db().selectFrom('ordering.orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  switch (op.kind) {
    case 'pay': {
      const owed = row.total - row.paid_total;
      await recordPayment(d, t.graph.order.references, CASHIER, { orderId: id, idempotencyKey: randomUUID(), amount: op.part === 'rest' ? null : Math.max(1, Math.floor(owed / 2)) });
      return 'paid';
    }
    case 'cancel':
      await cancelOrder(d, run.customer, { orderId: id, idempotencyKey: randomUUID() });
      return 'cancelled';
    case 'expire':
      // Its holds' expiry reached: the expiry job runs now (and takes every order due).
      await db().updateTable('ordering.orders').set({ hold_expires_at: sql<Date>`now() - interval '1 second'` }).where('id', '=', id).where('state', '=', 'PLACED').execute();
      return `expired ${await expireOrders(d)}`;
    case 'sale':
      // A second delivery of the sale message, racing whatever else runs.
      await registerSale(d, id);
      return 'sale';
    case 'release':
      // The release message exists only for an ended order.
      if (row.state !== 'CANCELLED' && row.state !== 'EXPIRED' && row.state !== 'FAILED') return 'live: no release queued';
      await releaseOrderHolds(d, id);
      return 'released';
    case 'return': {
      const [line] = await db().selectFrom('ordering.order_lines').selectAll().where('order_id', '=', id).orderBy('line_no').execute();
      await returnOrderLines(d, CASHIER, { orderId: id, idempotencyKey: randomUUID(), lines: [{ lineId: lineIdOf(line!), quantity: op.quantity }] });
      return 'returned';
    }
  }
}

/** Every money rule, read from our rows, BonusPlus, RetailCRM and the outbox after the run settled. */
async function moneyProblems(run: Run): Promise<string[]> {
  const problems: string[] = [];
  const orders = await db().selectFrom('ordering.orders').selectAll().where('customer_id', '=', run.customerId).orderBy('created_at').execute();
  const ids = orders.map((o) => o.id);
  const lines = await db().selectFrom('ordering.order_lines').selectAll().where('order_id', 'in', ids).execute();
  const returns = await db().selectFrom('ordering.returns').selectAll().where('order_id', 'in', ids).execute();
  const returnLines = returns.length ? await db().selectFrom('ordering.return_lines').selectAll().where('return_id', 'in', returns.map((r) => r.id)).execute() : [];
  const reserves = await sql<{ order_id: string; status: string }>`select order_id, status from bonusplus_emulator.reserves where order_id = any(${ids}::text[])`.execute(t.database.db);
  const receipts = await sql<{ external_id: string; id: string }>`select external_id, id::text from bonusplus_emulator.receipts where external_id = any(${ids}::text[])`.execute(t.database.db);
  const bpReturned = await sql<{ external_id: string; ext: string; bought: number; back: number }>`
    select r.external_id, l.ext, l.qnt as bought, coalesce((select sum(x.qnt)::int from bonusplus_emulator.receipt_return_lines x where x.receipt_id = l.receipt_id and x.ext = l.ext), 0) as back
      from bonusplus_emulator.receipts r join bonusplus_emulator.receipt_lines l on l.receipt_id = r.id
     where r.external_id = any(${ids}::text[])`.execute(t.database.db);

  let expected = WELCOME;
  for (const o of orders) {
    const name = o.id === run.a ? 'A' : o.id === run.b ? 'B' : o.id.slice(0, 8);
    const ended = o.state === 'CANCELLED' || o.state === 'EXPIRED' || o.state === 'FAILED';
    if (ended && o.bonus_hold === 'HELD') problems.push(`order ${name} is ${o.state} and still holds ${o.bonuses_spent} bonuses`);
    const reserve = reserves.rows.find((r) => r.order_id === o.id)?.status;
    if (ended && reserve === 'held') problems.push(`order ${name} is ${o.state} and BonusPlus still holds its reserve`);
    const expectedReserve = ({ HELD: 'held', CONSUMED: 'consumed', RELEASED: 'released' } as Record<string, string | undefined>)[o.bonus_hold];
    if (reserve !== expectedReserve && !(reserve === undefined && o.bonus_hold === 'RELEASED')) problems.push(`order ${name}: bonus_hold ${o.bonus_hold} but the BonusPlus reserve is ${reserve ?? 'absent'}`);
    // A return takes its lines out of the order's sums, and the graph records no refund payment in
    // RetailCRM: the money given back (`returns.refund`) is what squares the two.
    const refunded = returns.filter((r) => r.order_id === o.id).reduce((s, r) => s + r.refund, 0);
    if (o.paid_total - refunded > o.total) problems.push(`order ${name} is paid ${o.paid_total} (${refunded} refunded) of ${o.total}`);
    const crm = await deps.crm.getOrder(o.id, 'externalId');
    const crmPaid = (crm?.payments ?? []).reduce((s, p) => s + p.amountKopecks, 0);
    if (crm && crmPaid - refunded > crm.totalSummKopecks) problems.push(`order ${name} has ${crmPaid} in RetailCRM payments (${refunded} refunded) for a total of ${crm.totalSummKopecks}`);
    // A cancel never gives money back, so it must not happen to an order with money taken (or being taken).
    if ((o.state === 'CANCELLED' || o.state === 'EXPIRED') && (o.paid_total > 0 || crmPaid > 0)) problems.push(`order ${name} is ${o.state} with ${Math.max(o.paid_total, crmPaid)} paid`);
    const receipt = receipts.rows.find((r) => r.external_id === o.id);
    if (receipt && !o.fully_paid_at) problems.push(`order ${name} (${o.state}) is a sale in BonusPlus but not fully paid`);
    if (receipt && !o.sale_registered_at) problems.push(`order ${name} is a sale in BonusPlus that the order does not know of`);
    if (o.sale_registered_at || o.bonus_hold === 'HELD') expected -= o.bonuses_spent;
    if (o.sale_registered_at) expected += o.bonuses_earned;
  }
  for (const r of returns) {
    if (r.status !== 'COMPLETED') problems.push(`return ${r.id.slice(0, 8)} is ${r.status}`);
    if (r.bonusplus_done_at) expected += r.spent_refunded - (r.earned_reversed - r.unrecovered);
  }
  for (const line of lines) {
    const back = returnLines.filter((l) => returns.some((r) => r.id === l.return_id && r.order_id === line.order_id) && l.line_no === line.line_no).reduce((s, l) => s + l.quantity, 0);
    if (line.returned_quantity > line.quantity || back > line.quantity) problems.push(`line ${line.order_id.slice(0, 8)}:${line.line_no} bought ${line.quantity}, returned ${line.returned_quantity} (return lines say ${back})`);
    if (back !== line.returned_quantity) problems.push(`line ${line.order_id.slice(0, 8)}:${line.line_no}: returned_quantity ${line.returned_quantity} but its returns add up to ${back}`);
  }
  for (const l of bpReturned.rows) if (l.back > l.bought) problems.push(`BonusPlus took back ${l.back} of ${l.bought} units of receipt ${l.external_id.slice(0, 8)} line ${l.ext}`);

  const bp = await bonusPlusCustomer(t, run.phone);
  if (bp.availableBonuses !== expected || bp.notActiveBonuses !== 0) {
    problems.push(`BonusPlus has ${bp.availableBonuses} active + ${bp.notActiveBonuses} pending bonuses; the orders say ${expected}`);
  }
  const dead = await sql<{ topic: string; last_error: string }>`select topic, last_error from platform.outbox where status = 'dead' order by id offset ${run.deadBefore}`.execute(t.database.db);
  for (const m of dead.rows) problems.push(`dead letter ${m.topic}: ${m.last_error}`);
  return problems;
}

describe('money rules over interleaved order services (R5–R10, F4–F7)', () => {
  it('every interleaving of reserve, payment, sale, release, cancel, expiry and return keeps BonusPlus, RetailCRM and the orders agreeing', async () => {
    let explored = 0;
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(opArb, { minLength: 2, maxLength: 5 }), async (s, ops) => {
        const run = await setUp();
        const turnstile = createTurnstile(s);
        const d = gatedDeps(turnstile);
        const outcomes = ops.map((op, i) =>
          turnstile.actor(`#${i} ${op.kind}${'target' in op ? ` ${op.target}` : ''}`, () => perform(run, op, d)).then(
            (result) => result,
            (error: unknown) => {
              // Refusals are answers; anything else is a defect to report with the interleaving.
              if (error instanceof AppError) return error.code;
              throw error;
            },
          ),
        );
        await turnstile.run();
        const results = await Promise.all(outcomes);
        await drainAll();
        const problems = await moneyProblems(run);
        explored++;
        if (process.env.MONEY_TRACE) console.log(`${String(s)}\n${ops.map((op, i) => `${JSON.stringify(op)} → ${results[i]}`).join('\n')}`);
        if (problems.length > 0) throw new Error(`${problems.join('\n')}\noutcomes: ${ops.map((op, i) => `${JSON.stringify(op)} → ${results[i]}`).join('; ')}`);
      }),
      { numRuns: RUNS, endOnFailure: !process.env.MONEY_SHRINK, ...REPLAY },
    );
    expect(explored).toBeGreaterThan(0);
  }, 900_000);
});
