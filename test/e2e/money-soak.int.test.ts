import { print, type DocumentNode } from 'graphql';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../platform/errors.js';
import type { FaultInput } from '../../emulators/kit/faults.js';
import {
  AccountPageDocument,
  CancelOrderDocument,
  OrderDetailsDocument,
  OrderLinesDocument,
  PlaceOrderDocument,
  RecordPaymentDocument,
  ReturnOrderLinesDocument,
  ReturnPreviewDocument,
} from '../../clients/__generated__/graphql.js';
import { ORDER_TOPICS } from '../../subgraphs/order/order.messages.js';
import { PAYMENT_CLAIM_MS } from '../../subgraphs/order/payment/payment.service.js';
import { startTestGraph, type GraphQLResult, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, bonusPlusCustomer, registerEnrolled, type Shopper } from '../support/order-fixtures.js';
import { seededRandom, seedFromEnv, type SeededRandom } from '../support/seeded-random.js';

/*
 * A bank-style soak: thousands of random money operations from many concurrent callers through the
 * gateway while BonusPlus and RetailCRM fail, slow down, drop replies and throttle; then, with the
 * faults off and the outbox settled, the books must balance across the graph, BonusPlus and RetailCRM.
 * SOAK_OPERATIONS sets the size (a developer runs 10,000), SOAK_SEED replays a run's choices (1 by
 * default; `random` draws one).
 */
const OPERATIONS = Number(process.env.SOAK_OPERATIONS ?? 2000);
// The suite runs one fixed seed, so that `npm test` asks the same of every machine; SOAK_SEED=random
// explores a new one (printed, to replay).
const SEED = seedFromEnv(process.env.SOAK_SEED === 'random' ? undefined : (process.env.SOAK_SEED ?? '1'));
const CUSTOMERS = Number(process.env.SOAK_CUSTOMERS ?? 24);
const CALLERS_PER_CUSTOMER = 2;
const WAVE = 250;
const WELCOME = 2000;
const LATE_RESERVE_TOPIC = ORDER_TOPICS.releaseLateReserve;
/** The longest an emulator holds a request here (the `stall` fault), with a margin. */
const HELD_AT_MOST_MS = 7_000;
const OFFER_POOL = 40;

type OpKind = 'place' | 'place-retry' | 'pay-full' | 'pay-partial' | 'pay-duplicates' | 'pay-retry' | 'cancel' | 'return-partial' | 'return-full' | 'expire' | 'account';

const WEIGHTS: Record<OpKind, number> = {
  place: 26,
  'place-retry': 4,
  'pay-full': 14,
  'pay-partial': 8,
  'pay-duplicates': 5,
  'pay-retry': 5,
  cancel: 8,
  'return-partial': 10,
  'return-full': 5,
  expire: 5,
  account: 5,
};

interface KnownOrder {
  readonly id: string;
  status: string;
  paid: boolean;
}

interface Caller {
  readonly shopper: Shopper;
  readonly orders: KnownOrder[];
}

const TYPED = new Set<string>(ERROR_CODES.filter((c) => c !== 'INTERNAL_SERVER_ERROR'));

class Tally {
  readonly outcomes = new Map<string, Map<string, number>>();
  readonly codes = new Map<string, number>();
  readonly untyped: string[] = [];
  readonly faults = new Map<string, number>();
  readonly background = new Map<string, number>();
  readonly backgroundMs = new Map<string, number>();
  /** Per order: what the soak did to it, when (seconds into the run) and with what answer; printed for suspect orders. */
  readonly journal = new Map<string, string[]>();
  readonly startedAt = Date.now();
  /** Answers that contradict an idempotency promise: the same key gave two different results. */
  readonly keyBreaks: string[] = [];
  http5xx = 0;

  outcome(kind: string, outcome: string) {
    const byOutcome = this.outcomes.get(kind) ?? new Map<string, number>();
    this.outcomes.set(kind, byOutcome);
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
  }

  note(orderId: string, text: string) {
    const entries = this.journal.get(orderId) ?? [];
    this.journal.set(orderId, entries);
    entries.push(`${((Date.now() - this.startedAt) / 1000).toFixed(1)}s ${text}`);
  }

  static bump(map: Map<string, number>, key: string) {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

let t: TestGraph;
let cashier: string;
let manager: string;
let callers: Caller[];
let offers: { id: string; price: number }[];
const tally = new Tally();

/** One request through the gateway; every answer is counted by HTTP status and error code. */
async function call<T = any>(query: DocumentNode, variables: Record<string, unknown>, token: string, label: string): Promise<GraphQLResult<T>> {
  let status = 0;
  let text = '';
  try {
    const res = await fetch(t.graph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: print(query), variables }),
    });
    status = res.status;
    text = await res.text();
  } catch (error) {
    tally.untyped.push(`${label}: no answer (${String(error)})`);
    return { status: 0, errors: [{ message: 'no answer', extensions: { code: 'NO_ANSWER' } }] };
  }
  if (status >= 500) tally.http5xx++;
  let body: Omit<GraphQLResult<T>, 'status'>;
  try {
    body = JSON.parse(text);
  } catch {
    tally.untyped.push(`${label}: HTTP ${status}, not JSON: ${text.slice(0, 120)}`);
    return { status, errors: [{ message: 'not JSON', extensions: { code: 'NOT_JSON' } }] };
  }
  for (const error of body.errors ?? []) {
    const code = error.extensions?.code ?? 'NO_CODE';
    Tally.bump(tally.codes, code);
    if (!TYPED.has(code)) tally.untyped.push(`${label}: ${code} ${error.message} ${JSON.stringify(error.path ?? [])}`);
  }
  if (status >= 500 && !(body.errors ?? []).length) tally.untyped.push(`${label}: HTTP ${status} without errors`);
  return { status, ...body };
}

const outcomeOf = (r: GraphQLResult) => (r.errors?.length ? (r.errors[0]!.extensions?.code ?? 'NO_CODE') : 'ok');

function remember(caller: Caller, order: { id: string; status: string; fullyPaid?: boolean } | undefined) {
  if (!order) return;
  const known = caller.orders.find((o) => o.id === order.id);
  if (known) {
    known.status = order.status;
    known.paid ||= order.fullyPaid === true;
  } else caller.orders.push({ id: order.id, status: order.status, paid: order.fullyPaid === true });
}

/** An order of this customer, preferring those the operation can act on. */
function pickOrder(rng: SeededRandom, caller: Caller, prefer: (o: KnownOrder) => boolean): KnownOrder | undefined {
  const preferred = caller.orders.filter(prefer);
  if (preferred.length && rng.chance(0.9)) return rng.pick(preferred);
  return caller.orders.length ? rng.pick(caller.orders) : undefined;
}

const open = (o: KnownOrder) => o.status === 'PLACED';
const returnable = (o: KnownOrder) => o.paid && o.status !== 'RETURNED';

async function runOperation(index: number, caller: Caller): Promise<void> {
  const rng = seededRandom(SEED, `op:${index}`);
  let kind = rng.weighted(WEIGHTS);
  if (kind !== 'place' && kind !== 'place-retry' && kind !== 'account' && caller.orders.length === 0) kind = 'place';
  const key = (what: string) => `soak-${SEED}-${index}-${what}`;
  const token = caller.shopper.token;
  const label = `op ${index} ${kind}`;

  switch (kind) {
    case 'place':
    case 'place-retry': {
      const lineCount = rng.int(1, 3);
      const cart: { offerId: string; quantity: number }[] = [];
      for (const offer of Array.from({ length: lineCount }, () => rng.pick(offers))) {
        if (!cart.some((l) => l.offerId === offer.id)) cart.push({ offerId: offer.id, quantity: rng.int(1, 2) });
      }
      if (rng.chance(0.03)) cart[0]!.quantity = rng.pick([0, 101]);
      const mode = rng.weighted({ none: 40, valid: 40, invalid: 20 });
      const bonusesToSpend = mode === 'none' ? undefined : mode === 'valid' ? rng.int(1, 60) * 10 : rng.pick([15, 5, 999_990, -10, 12_345]);
      const input = { idempotencyKey: key('place'), cart, ...(bonusesToSpend === undefined ? {} : { bonusesToSpend }) };
      if (kind === 'place') {
        const r = await call(PlaceOrderDocument, { input }, token, label);
        tally.outcome(`${kind}${mode === 'none' ? '' : `/${mode}-bonuses`}`, outcomeOf(r));
        if (r.data) tally.note(r.data.placeOrder.order.id, `op ${index} placed, total ${r.data.placeOrder.order.total}, bonuses ${r.data.placeOrder.order.bonusesSpent}`);
        remember(caller, r.data?.placeOrder?.order);
        return;
      }
      const first = await Promise.all([call(PlaceOrderDocument, { input }, token, label), call(PlaceOrderDocument, { input }, token, label)]);
      const again = await call(PlaceOrderDocument, { input }, token, label);
      const all = [...first, again];
      for (const r of all) tally.outcome(kind, outcomeOf(r));
      const ids = new Set(all.map((r) => r.data?.placeOrder?.order?.id).filter(Boolean));
      if (ids.size > 1) tally.keyBreaks.push(`${label}: one placement key gave orders ${[...ids].join(', ')}`);
      for (const r of all) remember(caller, r.data?.placeOrder?.order);
      for (const id of ids) tally.note(id, `op ${index} placed with one key three times: ${all.map(outcomeOf).join(', ')}`);
      return;
    }
    case 'pay-full':
    case 'pay-partial':
    case 'pay-duplicates':
    case 'pay-retry': {
      const order = pickOrder(rng, caller, open)!;
      let amount: number | undefined;
      if (kind === 'pay-partial' || kind === 'pay-retry') {
        const read = await call(OrderLinesDocument, { id: order.id }, cashier, label);
        const shown = read.data?.order;
        if (shown) {
          remember(caller, shown);
          const remaining = shown.total - shown.paidTotal;
          if (kind === 'pay-partial' && remaining > 1) amount = rng.int(1, remaining - 1);
          if (kind === 'pay-retry' && remaining > 0) amount = rng.chance(0.5) ? remaining : rng.int(1, remaining);
        }
      }
      const pay = (k: string) => call(RecordPaymentDocument, { input: { orderId: order.id, idempotencyKey: k, type: rng.pick(['cash', 'bank-card']), ...(amount === undefined ? {} : { amount }) } }, cashier, label);
      let results: GraphQLResult[];
      if (kind === 'pay-duplicates') {
        results = await Promise.all(Array.from({ length: rng.int(2, 3) }, (_, n) => pay(key(`pay-${n}`))));
      } else if (kind === 'pay-retry') {
        // The same key and the same input: a cashier's double click, then a retry after a lost reply.
        const input = { orderId: order.id, idempotencyKey: key('pay'), type: 'cash', ...(amount === undefined ? {} : { amount }) };
        const twice = await Promise.all([call(RecordPaymentDocument, { input }, cashier, label), call(RecordPaymentDocument, { input }, cashier, label)]);
        results = [...twice, await call(RecordPaymentDocument, { input }, cashier, label)];
      } else {
        results = [await pay(key('pay'))];
      }
      for (const r of results) {
        tally.outcome(kind, outcomeOf(r));
        tally.note(order.id, `op ${index} ${kind}${amount === undefined ? '' : ` ${amount}`}: ${outcomeOf(r)}${r.data ? ` paid ${r.data.recordPayment.order.paidTotal}/${r.data.recordPayment.order.total} ${r.data.recordPayment.order.status}` : ''}`);
        remember(caller, r.data?.recordPayment?.order);
      }
      return;
    }
    case 'cancel': {
      const order = pickOrder(rng, caller, open)!;
      const r = await call(CancelOrderDocument, { input: { orderId: order.id, idempotencyKey: key('cancel') } }, rng.chance(0.7) ? token : manager, label);
      tally.outcome(kind, outcomeOf(r));
      tally.note(order.id, `op ${index} cancel: ${outcomeOf(r)}`);
      remember(caller, r.data?.cancelOrder?.order);
      return;
    }
    case 'return-partial':
    case 'return-full': {
      const order = pickOrder(rng, caller, returnable)!;
      const who = rng.chance(0.5) ? token : cashier;
      // The customer's order page, or the cashier's view of the order's lines.
      const read = await call(who === cashier ? OrderLinesDocument : OrderDetailsDocument, { id: order.id }, who, label);
      const shown = read.data?.order;
      if (!shown) return tally.outcome(kind, `read:${outcomeOf(read)}`);
      remember(caller, shown);
      const left = (shown.lines as { id: string; quantity: number; returnedQuantity: number }[]).map((l) => ({ lineId: l.id, left: l.quantity - l.returnedQuantity }));
      let lines = left.filter((l) => l.left > 0).map((l) => ({ lineId: l.lineId, quantity: kind === 'return-full' ? l.left : rng.int(1, l.left) }));
      if (kind === 'return-partial' && lines.length > 1) lines = lines.filter(() => rng.chance(0.6));
      if (lines.length === 0) lines = [{ lineId: left[0]!.lineId, quantity: 1 }];
      // Now and then a unit more than is left: RETURN_QUANTITY_EXCEEDED, nothing moved.
      if (rng.chance(0.05)) lines[0] = { ...lines[0]!, quantity: lines[0]!.quantity + 1 };
      const preview = await call(ReturnPreviewDocument, { orderId: order.id, lines }, who, label);
      tally.outcome(`${kind}/preview`, outcomeOf(preview));
      const input = { orderId: order.id, idempotencyKey: key('return'), lines };
      const results = rng.chance(0.15) ? await Promise.all([call(ReturnOrderLinesDocument, { input }, who, label), call(ReturnOrderLinesDocument, { input }, who, label)]) : [await call(ReturnOrderLinesDocument, { input }, who, label)];
      const ids = new Set(results.map((r) => r.data?.returnOrderLines?.return?.id).filter(Boolean));
      if (ids.size > 1) tally.keyBreaks.push(`${label}: one return key gave returns ${[...ids].join(', ')}`);
      for (const r of results) {
        tally.outcome(kind, outcomeOf(r));
        tally.note(order.id, `op ${index} ${kind} ${JSON.stringify(lines)}: ${outcomeOf(r)}`);
        remember(caller, r.data?.returnOrderLines?.order);
      }
      return;
    }
    case 'expire': {
      // The order's hold time runs out now rather than after ORDER_HOLD_TTL_SECONDS, racing whatever else is under way.
      const order = pickOrder(rng, caller, open)!;
      const lapsed = sql<Date>`now() - interval '1 second'`;
      const moved = await t.database.db.updateTable('ordering.orders').set({ hold_expires_at: lapsed }).where('id', '=', order.id).where('state', '=', 'PLACED').executeTakeFirst();
      await t.database.db.updateTable('inventory.stock_holds').set({ expires_at: lapsed }).where('idempotency_key', '=', order.id).where('status', '=', 'ACTIVE').execute();
      const ran = await Promise.allSettled([t.graph.order.expiry.runNow(), t.graph.inventory.holdExpiry.runNow()]);
      const outcome = Number(moved.numUpdatedRows) === 0 ? 'not-placed' : ran.every((r) => r.status === 'fulfilled') ? 'ok' : 'task-failed';
      tally.outcome(kind, outcome);
      tally.note(order.id, `op ${index} expire now: ${outcome}`);
      return;
    }
    case 'account': {
      const r = await call(AccountPageDocument, { first: 5 }, token, label);
      tally.outcome(kind, outcomeOf(r));
      for (const edge of r.data?.me?.orders?.edges ?? []) remember(caller, edge.node);
      return;
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The graph's background work, driven by hand as the harness does, in between the operations: each
 * task in its own loop, one relay batch at a time, so an upstream that is slow now holds up only
 * the task waiting on it.
 */
async function backgroundLoops(isRunning: () => boolean) {
  const g = t.graph;
  const steps = {
    'customer sync': () => g.customer.sync.runNow(),
    'order sync': () => g.order.sync.runNow(),
    // Two of each busy relay, as two processes would run them: claims never overlap (SKIP LOCKED).
    'order relay': () => g.order.relay.runOnce(),
    'order relay 2': () => g.order.relay.runOnce(),
    'loyalty relay': () => g.loyalty.relay.runOnce(),
    'loyalty relay 2': () => g.loyalty.relay.runOnce(),
    'customer relay': () => g.customer.relay.runOnce(),
    'order expiry': () => g.order.expiry.runNow(),
    'stock hold expiry': () => g.inventory.holdExpiry.runNow(),
  };
  await Promise.all(
    Object.entries(steps).map(async ([name, step]) => {
      while (isRunning()) {
        await sleep(300);
        const began = Date.now();
        const ran = await step().then(
          () => 'ok',
          () => 'failed',
        );
        Tally.bump(tally.background, `${name} ${ran}`);
        tally.backgroundMs.set(name, (tally.backgroundMs.get(name) ?? 0) + Date.now() - began);
      }
    }),
  );
}

const FAULTS: Record<string, (rng: SeededRandom) => FaultInput> = {
  off: () => ({}),
  '5xx': (rng) => ({ failStatus: rng.pick([500, 502, 503]), failCount: rng.int(2, 30) }),
  slow: (rng) => ({ latencyMs: rng.pick([300, 1000, 2500]) }),
  // Past UPSTREAM_TIMEOUT_MS: the caller gives up while the upstream still applies the request.
  stall: () => ({ latencyMs: 6000 }),
  drop: (rng) => ({ dropAfterApply: true, dropCount: rng.int(1, 5) }),
  '429': (rng) => ({ failStatus: 429, failCount: rng.int(2, 20) }),
  down: () => ({ down: true }),
};

/**
 * Switches BonusPlus and RetailCRM faults on and off on a seeded schedule: a fault window, then a
 * quiet one. A stall past the connectors' timeout only briefly, as each stalled call costs a relay
 * every retry's timeout.
 */
async function faultLoop(wave: number, isRunning: () => boolean) {
  const rng = seededRandom(SEED, `faults:${wave}`);
  const emulators = { BonusPlus: t.graph.emulators!.bonusPlus, RetailCRM: t.graph.emulators!.retailCrm };
  while (isRunning()) {
    let stall = false;
    for (const [name, emulator] of Object.entries(emulators)) {
      const fault = rng.weighted({ off: 2, '5xx': 2, slow: 2, stall: 1, drop: 1, '429': 1, down: 1 });
      stall ||= fault === 'stall' || fault === 'down';
      emulator.faults.set(FAULTS[fault]!(rng));
      Tally.bump(tally.faults, `${name} ${fault}`);
      tally.note('faults', `${name} ${fault}`);
    }
    await sleep(stall ? 1000 : rng.int(1500, 3000));
    for (const emulator of Object.values(emulators)) emulator.faults.clear();
    tally.note('faults', 'off');
    await sleep(rng.int(1500, 3000));
  }
}

beforeAll(async () => {
  t = await startTestGraph({
    LOYALTY_WELCOME_BONUS: String(WELCOME),
    // The shortest hold the config allows: orders left alone in a longer run expire by themselves too.
    ORDER_HOLD_TTL_SECONDS: '60',
    // Every account page read refreshes from BonusPlus: the final comparison is with what BonusPlus says now.
    LOYALTY_READ_MODEL_TTL_MS: '1',
    // The limits are the 429 switch's job here; a busy two-core machine needs slack before a reply counts as lost.
    RETAILCRM_RPS: '300',
    BONUSPLUS_RPS: '600',
    UPSTREAM_TIMEOUT_MS: '4000',
    // A stalled reserve lands 6 s after it was sent, less than this after its placement failed.
    ORDER_LATE_RESERVE_RELEASE_SECONDS: '8',
  });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  cashier = await t.staffToken('cashier');
  manager = await t.staffToken('manager');
  const shoppers = await Promise.all(Array.from({ length: CUSTOMERS }, (_, i) => registerEnrolled(t, `+7916777${String(i).padStart(4, '0')}`)));
  callers = shoppers.map((shopper) => ({ shopper, orders: [] }));
  offers = await availableOffers(t, OFFER_POOL, 2);
  // Enough units that most carts fit; a few offers still run out under the held orders.
  for (const offer of offers.slice(0, OFFER_POOL - 5)) {
    const cell = await t.database.db.selectFrom('inventory.stock').select('warehouse_id').where('offer_id', '=', offer.id).orderBy('warehouse_id').executeTakeFirstOrThrow();
    await t.database.db.updateTable('inventory.stock').set((eb) => ({ in_hand: eb('in_hand', '+', 40) })).where('offer_id', '=', offer.id).where('warehouse_id', '=', cell.warehouse_id).execute();
  }
  for (const shopper of shoppers) expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(WELCOME);
}, 180_000);
afterAll(async () => t?.close());

describe(`money soak (seed ${SEED}, ${OPERATIONS} operations; SOAK_SEED=${SEED} replays it)`, () => {
  it('after random placements, payments, cancels, returns and expiries under faults, the books balance across the graph, BonusPlus and RetailCRM', async () => {
    const started = Date.now();
    console.log(`money soak: SOAK_SEED=${SEED} SOAK_OPERATIONS=${OPERATIONS} customers=${CUSTOMERS} callers=${CUSTOMERS * CALLERS_PER_CUSTOMER} waves of ${WAVE}`);
    // Waves of operations under faults, the outbox settled with the faults off in between, so that
    // later waves pay, return and cancel what earlier ones placed and paid.
    let nextOp = 0;
    let expiryRanAt = new Date();
    for (let wave = 0; nextOp < OPERATIONS; wave++) {
      const waveEnd = Math.min(OPERATIONS, nextOp + WAVE);
      let running = true;
      const background = backgroundLoops(() => running);
      const faults = faultLoop(wave, () => running);
      const workers = callers.flatMap((caller) =>
        Array.from({ length: CALLERS_PER_CUSTOMER }, async () => {
          for (let i = nextOp++; i < waveEnd; i = nextOp++) await runOperation(i, caller);
        }),
      );
      try {
        await Promise.all(workers);
      } finally {
        nextOp = waveEnd;
        running = false;
        await faults;
        await t.healUpstreams();
        await background;
      }
      expiryRanAt = await settleEverything();
    }
    const runSeconds = (Date.now() - started) / 1000;
    const report = await checkBooks(expiryRanAt.getTime());

    console.log(
      [
        `money soak summary (SOAK_SEED=${SEED}, ${OPERATIONS} operations, ${runSeconds.toFixed(1)} s of operations, ${((Date.now() - started) / 1000).toFixed(1)} s in all)`,
        'operations by kind and outcome:',
        ...[...tally.outcomes.entries()].sort().map(([kind, o]) => `  ${kind}: ${[...o.entries()].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`),
        `error codes: ${[...tally.codes.entries()].sort().map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
        `HTTP 5xx answers: ${tally.http5xx}; untyped errors: ${tally.untyped.length}${tally.untyped.length ? `\n    ${tally.untyped.slice(0, 20).join('\n    ')}` : ''}`,
        `faults switched: ${[...tally.faults.entries()].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`,
        `background work: ${[...tally.background.entries()].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`,
        `background seconds: ${[...tally.backgroundMs.entries()].sort().map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)}`).join(', ')}`,
        `orders by state: ${report.states}`,
        ...report.observations,
        `dead letters: ${report.deadLetters.length ? report.deadLetters.join('; ') : 'none'}`,
        ...Object.entries(report.violations).map(([name, list]) => `${name}: ${list.length ? `${list.length} VIOLATIONS\n    ${list.slice(0, 30).join('\n    ')}` : 'holds'}`),
      ].join('\n'),
    );

    // What the soak did to the orders named above, to replay a finding by hand.
    const named = [...new Set([...report.observations, ...Object.values(report.violations).flat()].join(' ').match(/order [0-9a-f-]{36}|[0-9a-f-]{36} (?:EXPIRED|CANCELLED)/g) ?? [])]
      .map((m) => m.match(/[0-9a-f-]{36}/)![0])
      .filter((id) => tally.journal.has(id));
    if (named.length) console.log(`journal of named orders (faults: ${tally.journal.get('faults')!.join('; ')})\n${[...new Set(named)].slice(0, 12).map((id) => `  ${id}: ${tally.journal.get(id)!.join('; ')}`).join('\n')}`);

    expect.soft(tally.http5xx, 'answers with HTTP 5xx').toBe(0);
    expect.soft(tally.untyped, 'untyped errors (INTERNAL_SERVER_ERROR, no code, no answer)').toEqual([]);
    expect.soft(tally.keyBreaks, 'one idempotency key, two effects').toEqual([]);
    expect.soft(report.deadLetters, 'dead letters once the faults are off').toEqual([]);
    for (const [name, list] of Object.entries(report.violations)) expect.soft(list, name).toEqual([]);
    // The soak must have exercised what it claims to.
    for (const kind of ['place', 'place/valid-bonuses', 'pay-full', 'pay-partial', 'pay-duplicates', 'cancel', 'return-partial', 'return-full', 'expire']) {
      expect.soft(tally.outcomes.get(kind)?.get('ok') ?? 0, `${kind} never succeeded`).toBeGreaterThan(0);
    }
  }, 900_000);
});

/**
 * Faults off: every queued message made due now and the background work run until nothing is
 * left. Answers when the last expiry runs started.
 */
async function settleEverything(): Promise<Date> {
  let expiryRanAt = new Date();
  for (let round = 0; round < 30; round++) {
    // Every message is due now but a late release of a reserve: that one waits, as in production,
    // until a reserve request BonusPlus still holds has landed.
    await t.database.db.updateTable('platform.outbox').set({ available_at: new Date() }).where('status', '=', 'pending').where('topic', '!=', LATE_RESERVE_TOPIC).execute();
    const late = await t.database.db.selectFrom('platform.outbox').select(sql<Date | null>`max(available_at)`.as('due')).where('status', '=', 'pending').where('topic', '=', LATE_RESERVE_TOPIC).executeTakeFirstOrThrow();
    if (late.due) await sleep(Math.max(0, new Date(late.due).getTime() - Date.now()));
    await t.settle();
    // A payment whose reply was lost keeps its order claimed until RetailCRM shows it paid in full
    // or the claim's lease (60 s) runs out. Once any request an emulator held (6 s at most) must
    // have landed, the lease is made to run out now, as time would.
    const uncertain = await t.database.db.selectFrom('ordering.orders').select(sql<Date | null>`max(payment_claim_until)`.as('until')).where('payment_claim', '=', 'uncertain').executeTakeFirstOrThrow();
    if (uncertain.until) {
      await sleep(Math.max(0, new Date(uncertain.until).getTime() - PAYMENT_CLAIM_MS + HELD_AT_MOST_MS - Date.now()));
      await t.database.db.updateTable('ordering.orders').set({ payment_claim_until: sql<Date>`now() - interval '1 second'` }).where('payment_claim', '=', 'uncertain').execute();
    }
    expiryRanAt = new Date();
    const expired = await t.graph.order.expiry.runNow();
    await t.graph.inventory.holdExpiry.runNow();
    const pending = await t.database.db.selectFrom('platform.outbox').select(sql<number>`count(*)::int`.as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
    if (pending.n === 0 && (expired as { expired: number }).expired === 0) break;
  }
  return expiryRanAt;
}

interface Books {
  readonly states: string;
  readonly observations: string[];
  readonly deadLetters: string[];
  readonly violations: Record<string, string[]>;
}

/**
 * Every invariant, each with the list of what breaks it (seed, what, which order or customer).
 * `now` is when the last expiry runs started: holds that lapsed later are not theirs to have ended.
 */
async function checkBooks(now: number): Promise<Books> {
  const db = t.database.db;
  const ids = callers.map((c) => c.shopper.id);
  const orders = await db.selectFrom('ordering.orders').selectAll().where('customer_id', 'in', ids).where('origin', '=', 'graph').execute();
  const orderById = new Map(orders.map((o) => [o.id, o]));
  const lines = orders.length ? await db.selectFrom('ordering.order_lines').selectAll().where('order_id', 'in', orders.map((o) => o.id)).execute() : [];
  const returns = orders.length ? await db.selectFrom('ordering.returns').selectAll().where('order_id', 'in', orders.map((o) => o.id)).execute() : [];
  const returnLines = returns.length ? await db.selectFrom('ordering.return_lines').selectAll().where('return_id', 'in', returns.map((r) => r.id)).execute() : [];
  const payments = orders.length ? await db.selectFrom('ordering.payments').selectAll().where('order_id', 'in', orders.map((o) => o.id)).execute() : [];
  const v = {
    'BonusPlus balance = the graph ledger = the account page': [] as string[],
    'no bonus or stock hold outlives its order': [] as string[],
    'no order paid past its total': [] as string[],
    'no return gives back more than was spent or takes back more than was earned': [] as string[],
  };
  const at = `seed ${SEED}`;

  const receipts = await db
    .selectFrom('bonusplus_emulator.receipts')
    .select(['external_id', 'bonus_credit', 'bonus_debit'])
    .where('external_id', 'in', orders.length ? orders.map((o) => o.id) : [''])
    .execute();
  const credited = new Map(receipts.map((r) => [r.external_id!, r.bonus_credit]));

  // 1. The ledger, per customer, from the graph's own records.
  for (const { shopper } of callers) {
    const mine = orders.filter((o) => o.customer_id === shopper.id);
    const earned = mine.filter((o) => o.sale_registered_at).reduce((s, o) => s + o.bonuses_earned, 0);
    const spent = mine.filter((o) => o.bonus_hold === 'HELD' || o.sale_registered_at).reduce((s, o) => s + o.bonuses_spent, 0);
    const myReturns = returns.filter((r) => orderById.get(r.order_id)?.customer_id === shopper.id);
    const givenBack = myReturns.reduce((s, r) => s + r.spent_refunded, 0);
    const takenBack = myReturns.reduce((s, r) => s + r.earned_reversed - r.unrecovered, 0);
    const ledger = WELCOME + earned - spent + givenBack - takenBack;
    const bp = await bonusPlusCustomer(t, shopper.phone);
    const page = await call(AccountPageDocument, { first: 5 }, shopper.token, 'final account page');
    const shown = page.data?.me?.loyalty?.balance;
    if (bp.availableBonuses !== ledger || bp.notActiveBonuses !== 0 || shown?.active !== bp.availableBonuses) {
      // Not part of the invariant: says whether the difference is only what BonusPlus credited at the sale.
      const withReceipts = ledger - earned + mine.filter((o) => o.sale_registered_at).reduce((s, o) => s + (credited.get(o.id) ?? 0), 0);
      v['BonusPlus balance = the graph ledger = the account page'].push(
        `${at}: customer ${shopper.id} (${shopper.phone}): BonusPlus available ${bp.availableBonuses} pending ${bp.notActiveBonuses}, ` +
          `graph ledger ${ledger} (welcome ${WELCOME} + earned ${earned} - spent ${spent} + given back ${givenBack} - taken back ${takenBack}; ` +
          `${withReceipts} with BonusPlus's receipt credits for earned), account page ${JSON.stringify(shown ?? page.errors)}`,
      );
    }
  }
  // Which sales BonusPlus credited differently from what the graph shows: names the orders behind a ledger difference.
  for (const receipt of receipts) {
    const order = orderById.get(receipt.external_id!)!;
    if (receipt.bonus_credit !== order.bonuses_earned || receipt.bonus_debit !== order.bonuses_spent || !order.sale_registered_at) {
      v['BonusPlus balance = the graph ledger = the account page'].push(
        `${at}: order ${order.id} (${order.state}): BonusPlus receipt credit ${receipt.bonus_credit} debit ${receipt.bonus_debit}, graph earned ${order.bonuses_earned} spent ${order.bonuses_spent} sale registered ${order.sale_registered_at !== null}`,
      );
    }
  }

  // 2. Holds. A part-paid order waits for the rest of its money past its expiry (4b6c97e: neither
  // cancelled nor expired once money is taken), so its bonus reserve rightly stays.
  const partPaid = (o: (typeof orders)[number]) => o.paid_total > 0 && !o.fully_paid_at;
  const reserves = await db
    .selectFrom('bonusplus_emulator.reserves as r')
    .innerJoin('bonusplus_emulator.customers as c', 'c.id', 'r.customer_id')
    .select(['r.order_id', 'r.amount', 'r.status', 'c.phone'])
    .where('c.phone', 'in', callers.map((c) => c.shopper.phone.replace(/\D/g, '')))
    .execute();
  for (const reserve of reserves.filter((r) => r.status === 'held')) {
    const order = orderById.get(reserve.order_id);
    const live = order && order.state === 'PLACED' && order.bonus_hold === 'HELD' && ((order.hold_expires_at && order.hold_expires_at.getTime() > now) || partPaid(order));
    if (!live) v['no bonus or stock hold outlives its order'].push(`${at}: BonusPlus reserve of ${reserve.amount} still held for order ${reserve.order_id} (${order ? `${order.state}, bonus_hold ${order.bonus_hold}, expires ${order.hold_expires_at?.toISOString()}, fully paid ${order.fully_paid_at !== null}, sale ${order.sale_registered_at !== null}` : 'unknown to the graph'})`);
  }
  for (const order of orders.filter((o) => o.bonus_hold === 'HELD' && o.bonuses_spent > 0)) {
    const held = reserves.find((r) => r.order_id === order.id && r.status === 'held');
    if (!held || held.amount !== order.bonuses_spent) v['no bonus or stock hold outlives its order'].push(`${at}: order ${order.id} (${order.state}) says ${order.bonuses_spent} bonuses HELD, BonusPlus has ${held ? held.amount : 'no held reserve'}`);
  }
  for (const order of orders.filter((o) => o.state === 'PENDING' || (o.state === 'PLACED' && o.hold_expires_at && o.hold_expires_at.getTime() <= now && !partPaid(o)))) {
    v['no bonus or stock hold outlives its order'].push(`${at}: order ${order.id} still ${order.state} (expiry ${order.hold_expires_at?.toISOString()}) after the expiry and recovery ran`);
  }
  const stockHolds = orders.length ? await db.selectFrom('inventory.stock_holds').selectAll().where('idempotency_key', 'in', orders.map((o) => o.id)).execute() : [];
  for (const hold of stockHolds.filter((h) => h.status === 'ACTIVE' || h.status === 'COMMITTED')) {
    const order = orderById.get(hold.idempotency_key)!;
    const ended = ['CANCELLED', 'EXPIRED', 'FAILED'].includes(order.state);
    const lapsed = hold.status === 'ACTIVE' && hold.expires_at.getTime() <= now;
    if (ended || lapsed) v['no bonus or stock hold outlives its order'].push(`${at}: stock hold ${hold.id} ${hold.status} (expires ${hold.expires_at.toISOString()}) for order ${order.id} ${order.state}`);
  }

  // 3. Payments: the graph's view, and RetailCRM's own payments of each order. After a return the
  // order's total follows RetailCRM's, which leaves returned lines out, while the money paid stays:
  // the bound is then the total the order was placed with (its lines as placed, plus delivery).
  const placedTotal = new Map(orders.map((o) => [o.id, lines.filter((l) => l.order_id === o.id).reduce((s, l) => s + l.total, 0) + o.delivery_cost]));
  const returned = new Set(returns.map((r) => r.order_id));
  const bound = (o: (typeof orders)[number]) => (returned.has(o.id) ? placedTotal.get(o.id)! : o.total);
  for (const order of orders) {
    const recorded = payments.filter((p) => p.order_id === order.id && p.paid).reduce((s, p) => s + p.amount, 0);
    if (order.paid_total > bound(order) || recorded > bound(order)) {
      v['no order paid past its total'].push(`${at}: order ${order.id} (${order.state}) total ${order.total} (as placed ${placedTotal.get(order.id)}), graph paidTotal ${order.paid_total}, graph payments ${recorded}`);
    }
  }
  for (const { shopper } of callers) {
    for (let page = 1; ; page++) {
      const res = await fetch(`${t.graph.urls.retailCrm}/api/v5/orders?apiKey=${t.config.RETAILCRM_API_KEY}&filter[customerExternalId]=${shopper.id}&limit=100&page=${page}`);
      const body = (await res.json()) as { orders: any[]; pagination: { totalPageCount: number } };
      for (const crm of body.orders) {
        const order = orderById.get(crm.externalId);
        const paid = Object.values(crm.payments ?? {}).filter((p: any) => p.status === 'paid').reduce((s: number, p: any) => s + Math.round(p.amount * 100), 0);
        const total = order ? bound(order) : Math.round(crm.totalSumm * 100);
        if (paid > total) v['no order paid past its total'].push(`${at}: RetailCRM order ${crm.externalId} (${crm.status}): paid payments ${paid} kopecks > total ${total} (${Object.keys(crm.payments ?? {}).length} payments)`);
      }
      if (page >= body.pagination.totalPageCount) break;
    }
  }

  // 4. Returns, in the graph's records and in BonusPlus's books of each receipt line.
  for (const line of lines) {
    const parts = returnLines.filter((rl) => rl.line_no === line.line_no && returns.find((r) => r.id === rl.return_id)?.order_id === line.order_id);
    const sum = (f: (p: (typeof parts)[number]) => number) => parts.reduce((s, p) => s + f(p), 0);
    if (sum((p) => p.spent_refunded) > line.bonuses_spent || sum((p) => p.earned_reversed) > line.bonuses_earned || sum((p) => p.quantity) > line.quantity || sum((p) => p.refund) > line.total) {
      v['no return gives back more than was spent or takes back more than was earned'].push(
        `${at}: order ${line.order_id} line ${line.line_no}: returned ${sum((p) => p.quantity)}/${line.quantity} units, spent given back ${sum((p) => p.spent_refunded)}/${line.bonuses_spent}, earned taken back ${sum((p) => p.earned_reversed)}/${line.bonuses_earned}, refund ${sum((p) => p.refund)}/${line.total}`,
      );
    }
  }
  const bpLines = await db
    .selectFrom('bonusplus_emulator.receipt_lines as l')
    .innerJoin('bonusplus_emulator.receipts as r', 'r.id', 'l.receipt_id')
    .leftJoin('bonusplus_emulator.receipt_return_lines as b', (j) => j.onRef('b.receipt_id', '=', 'l.receipt_id').onRef('b.ext', '=', 'l.ext'))
    .select(['r.external_id', 'l.ext', 'l.qnt', 'l.earned', 'l.debited'])
    .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('b.qnt'), sql<number>`0`).as('qnt_back'), eb.fn.coalesce(eb.fn.sum<number>('b.earned_reversed'), sql<number>`0`).as('earned_back'), eb.fn.coalesce(eb.fn.sum<number>('b.debited_refunded'), sql<number>`0`).as('debited_back')])
    .where('r.external_id', 'in', orders.length ? orders.map((o) => o.id) : [''])
    .groupBy(['r.external_id', 'l.ext', 'l.qnt', 'l.earned', 'l.debited'])
    .execute();
  for (const l of bpLines) {
    if (Number(l.qnt_back) > l.qnt || Number(l.earned_back) > l.earned || Number(l.debited_back) > l.debited) {
      v['no return gives back more than was spent or takes back more than was earned'].push(
        `${at}: BonusPlus receipt ${l.external_id} line ${l.ext}: ${l.qnt_back}/${l.qnt} units back, debited given back ${l.debited_back}/${l.debited}, earned taken back ${l.earned_back}/${l.earned}`,
      );
    }
  }

  const waiting = orders.filter((o) => o.state === 'PLACED' && partPaid(o) && o.hold_expires_at && o.hold_expires_at.getTime() <= now);
  const waitingWithoutStock = waiting.filter((o) => !stockHolds.some((h) => h.idempotency_key === o.id && h.status === 'ACTIVE'));
  const byState = new Map<string, number>();
  for (const o of orders) Tally.bump(byState, o.state);
  const dead = await db.selectFrom('platform.outbox').select(['id', 'topic', 'last_error']).where('status', '=', 'dead').execute();
  return {
    states: [...byState.entries()].sort().map(([k, n]) => `${k} ${n}`).join(', '),
    observations: [
      `returned orders whose total dropped below what was paid (RetailCRM's total leaves returned lines out): ${orders.filter((o) => returned.has(o.id) && o.paid_total > o.total).length}`,
      `part-paid orders kept PLACED past their expiry: ${waiting.length}, of them with bonuses still reserved: ${waiting.filter((o) => o.bonus_hold === 'HELD' && o.bonuses_spent > 0).length}, with their stock hold lapsed: ${waitingWithoutStock.length}`,
      `cancelled or expired orders with money taken: ${orders.filter((o) => (o.state === 'CANCELLED' || o.state === 'EXPIRED') && o.paid_total > 0).map((o) => `${o.id} ${o.state} paid ${o.paid_total}/${o.total}`).join(', ') || 'none'}`,
    ],
    deadLetters: dead.map((d) => `#${d.id} ${d.topic}: ${d.last_error}`),
    violations: v,
  };
}
