import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderDetailsDocument, PlaceOrderDocument, RecordPaymentDocument, ReturnOrderLinesDocument, ReturnPreviewDocument } from '../../clients/__generated__/graphql.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, bonusPlusCustomer, crmOrder, registerEnrolled, type Shopper } from '../support/order-fixtures.js';

// The account page's own documents (clients/account/).
const ORDER = OrderDetailsDocument;
const PREVIEW = ReturnPreviewDocument;
const RETURN = ReturnOrderLinesDocument;

// The same tests on both ways a return reaches BonusPlus (BONUSPLUS_RETURN_STRATEGY).
describe.each(['retail-return', 'balance-patch'] as const)('returns with BONUSPLUS_RETURN_STRATEGY=%s', (strategy) => {
let t: TestGraph;
let cashier: string;

beforeAll(async () => {
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '2000', BONUSPLUS_RETURN_STRATEGY: strategy });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  cashier = await t.staffToken('cashier');
});
afterAll(async () => t?.close());

/** A paid, shipped three-line order (3 + 1 + 1 units) that spent 300 bonuses and earned some. */
async function paidShippedOrder(shopper: Shopper) {
  const [a, b, c] = await availableOffers(t, 3, 3);
  const placed = await t.gql(
    PlaceOrderDocument,
    { input: { idempotencyKey: randomUUID(), bonusesToSpend: 300, cart: [{ offerId: a!.id, quantity: 3 }, { offerId: b!.id, quantity: 1 }, { offerId: c!.id, quantity: 1 }] } },
    shopper.token,
  );
  if (placed.errors) throw new Error(JSON.stringify(placed.errors));
  const id = placed.data.placeOrder.order.id as string;
  await t.gql(RecordPaymentDocument, { input: { orderId: id, idempotencyKey: randomUUID() } }, cashier);
  await t.settle();
  for (const row of await t.database.db.selectFrom('ordering.onec_orders').select('ref').where('order_id', '=', id).execute()) await t.graph.emulators!.oneC.shipOrder(row.ref!);
  await t.graph.order.oneCPoll.runNow();
  await t.settle();
  const order = (await t.gql(ORDER, { id }, shopper.token)).data.order;
  expect(order.status).toBe('SHIPPED');
  return order;
}

/**
 * What BonusPlus recorded for the return, per line: the receipt's return lines under the
 * retail-return route; under balance-patch, the two keyed balance moves (totals, as line '*').
 */
async function bonusPlusReturnLines(returnId: string) {
  if (strategy === 'balance-patch') {
    const moves = await t.database.db
      .selectFrom('bonusplus_emulator.bonus_transactions')
      .select(['kind', 'reason', 'amount', 'reference'])
      .where('reference', 'in', [`return:${returnId}:refund`, `return:${returnId}:take-back`])
      .execute();
    expect(moves.every((m) => m.reason === 'manual' && m.kind === (m.reference!.endsWith(':refund') ? 'credit' : 'debit'))).toBe(true);
    const lines = await t.database.db.selectFrom('ordering.return_lines').select('quantity').where('return_id', '=', returnId).execute();
    if (moves.length === 0) return [];
    return [
      {
        ext: '*',
        qnt: lines.reduce((s, l) => s + l.quantity, 0),
        earned_reversed: moves.filter((m) => m.kind === 'debit').reduce((s, m) => s + m.amount, 0),
        debited_refunded: moves.filter((m) => m.kind === 'credit').reduce((s, m) => s + m.amount, 0),
        moves: moves.length,
      },
    ];
  }
  return t.database.db
    .selectFrom('bonusplus_emulator.receipt_return_lines as l')
    .innerJoin('bonusplus_emulator.receipt_returns as r', 'r.id', 'l.return_id')
    .select(['l.ext', 'l.qnt', 'l.earned_reversed', 'l.debited_refunded'])
    .where('r.external_id', '=', returnId)
    .orderBy('l.ext')
    .execute();
}

async function oneCReturn(returnId: string) {
  const filter = encodeURIComponent(`НомерВходящегоДокумента eq '${returnId}'`);
  const res = await fetch(`${t.graph.urls.oneC}/odata/standard.odata/Document_ВозвратТоваровОтКлиента?$format=json&$filter=${filter}`, {
    headers: { authorization: `Basic ${Buffer.from(`${t.config.ONEC_LOGIN}:${t.config.ONEC_PASSWORD}`).toString('base64')}` },
  });
  return ((await res.json()) as { value: any[] }).value;
}

describe('returns (F7, R10, R15)', () => {
  it('1 of 3 units of one line: preview and effect agree per line in BonusPlus, RetailCRM, 1C and the graph; the rest reverses exactly everything', async () => {
    const shopper = await registerEnrolled(t, '+79164440001');
    const order = await paidShippedOrder(shopper);
    const [lineA, lineB, lineC] = order.lines;
    expect(lineA.quantity).toBe(3);
    const before = await bonusPlusCustomer(t, shopper.phone);

    const first = [{ lineId: lineA.id, quantity: 1 }];
    const preview = (await t.gql(PREVIEW, { orderId: order.id, lines: first }, cashier)).data.returnPreview;
    expect(preview.lines).toEqual([
      {
        lineId: lineA.id,
        quantity: 1,
        refund: Math.floor(lineA.total / 3),
        earnedReversed: Math.ceil(lineA.bonusesEarned / 3),
        spentRefunded: Math.floor(lineA.bonusesSpent / 3),
      },
    ]);

    const made = await t.gql(RETURN, { input: { orderId: order.id, idempotencyKey: randomUUID(), lines: first } }, cashier);
    expect(made.errors).toBeUndefined();
    const ret = made.data.returnOrderLines.return;
    expect(ret).toMatchObject({ status: 'COMPLETED', unrecovered: 0, refund: preview.refund, earnedReversed: preview.earnedReversed, spentRefunded: preview.spentRefunded });
    expect(ret.lines).toEqual(preview.lines);
    expect(made.data.returnOrderLines.order.lines.map((l: any) => l.returnedQuantity)).toEqual([1, 0, 0]);

    // BonusPlus: the same figures on the receipt's line, and the balance moved by exactly them.
    expect(await bonusPlusReturnLines(ret.id)).toEqual([
      strategy === 'retail-return'
        ? { ext: '1', qnt: 1, earned_reversed: preview.earnedReversed, debited_refunded: preview.spentRefunded }
        : { ext: '*', qnt: 1, earned_reversed: preview.earnedReversed, debited_refunded: preview.spentRefunded, moves: 2 },
    ]);
    const after = await bonusPlusCustomer(t, shopper.phone);
    expect(after.availableBonuses).toBe(before.availableBonuses - preview.earnedReversed + preview.spentRefunded);

    // RetailCRM: the line split into the units kept and the returned unit, bonuses shared the same way.
    const crm = await crmOrder(t, order.id);
    const ofA = crm.items.filter((i: any) => i.offer.xmlId === lineA.offer.id);
    expect(ofA.map((i: any) => [i.quantity, i.status, i.bonusesChargeTotal, i.bonusesCreditTotal]).sort()).toEqual(
      [
        [2, expect.any(String), lineA.bonusesSpent - preview.spentRefunded, lineA.bonusesEarned - preview.earnedReversed],
        [1, 'returned', preview.spentRefunded, preview.earnedReversed],
      ].sort(),
    );
    expect(ofA.find((i: any) => i.status !== 'returned').status).not.toBe('returned');

    // 1C: a posted return document of one unit against the sale.
    const docs = await oneCReturn(ret.id);
    expect(docs).toHaveLength(1);
    expect(docs[0].Posted).toBe(true);

    // Return the rest: every figure of every line comes back exactly, nothing more.
    const rest = [
      { lineId: lineA.id, quantity: 2 },
      { lineId: lineB.id, quantity: 1 },
      { lineId: lineC.id, quantity: 1 },
    ];
    const second = await t.gql(RETURN, { input: { orderId: order.id, idempotencyKey: randomUUID(), lines: rest } }, cashier);
    expect(second.errors).toBeUndefined();
    expect(second.data.returnOrderLines.order.status).toBe('RETURNED');
    const shown = (await t.gql(ORDER, { id: order.id }, shopper.token)).data.order;
    for (const line of shown.lines) {
      const parts = shown.returns.flatMap((r: any) => r.lines.filter((l: any) => l.lineId === line.id));
      expect(parts.reduce((s: number, p: any) => s + p.earnedReversed, 0)).toBe(line.bonusesEarned);
      expect(parts.reduce((s: number, p: any) => s + p.spentRefunded, 0)).toBe(line.bonusesSpent);
      expect(parts.reduce((s: number, p: any) => s + p.refund, 0)).toBe(line.total);
      expect(line.returnedQuantity).toBe(line.quantity);
    }
    const end = await bonusPlusCustomer(t, shopper.phone);
    const earned = shown.lines.reduce((s: number, l: any) => s + l.bonusesEarned, 0);
    expect(end.availableBonuses).toBe(before.availableBonuses - earned + 300);
    expect((await crmOrder(t, order.id)).items.every((i: any) => i.status === 'returned')).toBe(true);
  });

  it('a returned line replaced in RetailCRM by another edit (its id gone) does not stop the next return: RetailCRM says which line stands, and it is updated', async () => {
    const shopper = await registerEnrolled(t, strategy === 'retail-return' ? '+79164440011' : '+79164440012');
    const order = await paidShippedOrder(shopper);
    const [lineA] = order.lines;
    const once = await t.gql(RETURN, { input: { orderId: order.id, idempotencyKey: randomUUID(), lines: [{ lineId: lineA.id, quantity: 1 }] } }, cashier);
    expect(once.data.returnOrderLines.return.status).toBe('COMPLETED');

    // Another edit of the order (a second return completed at the same time, or a repeat whose answer
    // was lost) replaced the returned line: same units, a new id; the graph still remembers the old one.
    const row = await t.database.db.selectFrom('retailcrm_emulator.orders').select(['id', 'items']).where('external_id', '=', order.id).executeTakeFirstOrThrow();
    const items = (typeof row.items === 'string' ? JSON.parse(row.items) : row.items) as { id: number; status: string }[];
    const replaced = items.map((i) => (i.status === 'returned' ? { ...i, id: i.id + 100_000 } : i));
    await t.database.db.updateTable('retailcrm_emulator.orders').set({ items: JSON.stringify(replaced) as never }).where('id', '=', row.id).execute();

    const again = await t.gql(RETURN, { input: { orderId: order.id, idempotencyKey: randomUUID(), lines: [{ lineId: lineA.id, quantity: 1 }] } }, cashier);
    expect(again.errors).toBeUndefined();
    expect(again.data.returnOrderLines.return.status).toBe('COMPLETED');
    const ofA = (await crmOrder(t, order.id)).items.filter((i: any) => i.offer.xmlId === lineA.offer.id);
    expect(ofA.map((i: any) => [i.quantity, i.status === 'returned']).sort()).toEqual([[1, false], [2, true]].sort());
    const remembered = await t.database.db.selectFrom('ordering.order_lines').select('crm_return_item_id').where('order_id', '=', order.id).where('line_no', '=', 1).executeTakeFirstOrThrow();
    expect(remembered.crm_return_item_id).toBe(ofA.find((i: any) => i.status === 'returned').id);
  });

  it('more than was bought, another customer’s order, or an unpaid one: a typed error and nothing changed; the same return twice has one effect', async () => {
    const shopper = await registerEnrolled(t, '+79164440002');
    const order = await paidShippedOrder(shopper);
    const lineA = order.lines[0];
    const bp = await bonusPlusCustomer(t, shopper.phone);

    const tooMany = await t.gql(RETURN, { input: { orderId: order.id, idempotencyKey: randomUUID(), lines: [{ lineId: lineA.id, quantity: 4 }] } }, cashier);
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'RETURN_QUANTITY_EXCEEDED', returnable: 3 });
    const stranger = await registerEnrolled(t, '+79164440003');
    const foreign = await t.gql(RETURN, { input: { orderId: order.id, idempotencyKey: randomUUID(), lines: [{ lineId: lineA.id, quantity: 1 }] } }, stranger.token);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const badLine = await t.gql(PREVIEW, { orderId: order.id, lines: [{ lineId: 'no-such-line', quantity: 1 }] }, cashier);
    expect(badLine.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(bp.availableBonuses);
    expect(await t.database.db.selectFrom('ordering.returns').select('id').where('order_id', '=', order.id).execute()).toHaveLength(0);

    const key = randomUUID();
    const input = { orderId: order.id, idempotencyKey: key, lines: [{ lineId: lineA.id, quantity: 2 }] };
    const twice = await Promise.all([t.gql(RETURN, { input }, shopper.token), t.gql(RETURN, { input }, shopper.token)]);
    expect(twice.map((r) => r.errors)).toEqual([undefined, undefined]);
    expect(twice[0]!.data.returnOrderLines.return.id).toBe(twice[1]!.data.returnOrderLines.return.id);
    expect(await t.database.db.selectFrom('ordering.returns').select('id').where('order_id', '=', order.id).execute()).toHaveLength(1);
    const moved = twice[0]!.data.returnOrderLines.return;
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(bp.availableBonuses - moved.earnedReversed + moved.spentRefunded);

    const unpaid = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: lineA.offer.id, quantity: 1 }] } }, shopper.token);
    const unpaidOrder = unpaid.data.placeOrder.order;
    const early = await t.gql(RETURN, { input: { orderId: unpaidOrder.id, idempotencyKey: randomUUID(), lines: [{ lineId: unpaidOrder.lines[0].id, quantity: 1 }] } }, cashier);
    expect(early.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('with BonusPlus down the return is recorded and completed by the outbox later, once', async () => {
    const shopper = await registerEnrolled(t, '+79164440004');
    const order = await paidShippedOrder(shopper);
    const bp = await bonusPlusCustomer(t, shopper.phone);
    t.graph.emulators!.bonusPlus.faults.set({ down: true });
    let ret: any;
    try {
      const made = await t.gql(RETURN, { input: { orderId: order.id, idempotencyKey: randomUUID(), lines: [{ lineId: order.lines[1].id, quantity: 1 }] } }, cashier);
      expect(made.errors).toBeUndefined();
      ret = made.data.returnOrderLines.return;
      expect(ret.status).toBe('PENDING');
    } finally {
      await t.healUpstreams();
    }
    await t.database.db.updateTable('platform.outbox').set({ available_at: new Date() }).execute();
    await t.settle();
    const shown = (await t.gql(ORDER, { id: order.id }, shopper.token)).data.order;
    expect(shown.returns).toHaveLength(1);
    expect(shown.returns[0]).toMatchObject({ id: ret.id, status: 'COMPLETED', earnedReversed: ret.earnedReversed, spentRefunded: ret.spentRefunded });
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(bp.availableBonuses - ret.earnedReversed + ret.spentRefunded);
    const recorded = await bonusPlusReturnLines(ret.id);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ earned_reversed: ret.earnedReversed, debited_refunded: ret.spentRefunded });
  });

  it.runIf(strategy === 'balance-patch')('a balance move whose reply is lost is found in the transactions on the retry, not made twice', async () => {
    const shopper = await registerEnrolled(t, '+79164440005');
    const order = await paidShippedOrder(shopper);
    const bp = await bonusPlusCustomer(t, shopper.phone);
    const patches = () => t.graph.emulators!.bonusPlus.requests.filter((r) => r.method === 'PATCH' && /^\/api\/customer\/\d+\/balance$/.test(r.path)).length;
    const sentBefore = patches();
    // The refund credit is applied, then the connection drops: the graph never hears of it.
    t.graph.emulators!.bonusPlus.faults.set({ dropAfterApply: true, dropCount: 1, pathPattern: '^PATCH /api/customer/\\d+/balance$' });
    let ret: any;
    try {
      const made = await t.gql(RETURN, { input: { orderId: order.id, idempotencyKey: randomUUID(), lines: [{ lineId: order.lines[0].id, quantity: 3 }] } }, cashier);
      expect(made.errors).toBeUndefined();
      ret = made.data.returnOrderLines.return;
      expect(ret.status).toBe('PENDING');
      expect(ret.spentRefunded).toBeGreaterThan(0);
    } finally {
      await t.healUpstreams();
    }
    await t.database.db.updateTable('platform.outbox').set({ available_at: new Date() }).execute();
    await t.settle();
    const shown = (await t.gql(ORDER, { id: order.id }, shopper.token)).data.order;
    expect(shown.returns[0]).toMatchObject({ id: ret.id, status: 'COMPLETED' });
    // One credit (the lost one) and one debit reached BonusPlus; the retry sent only the debit.
    expect(patches() - sentBefore).toBe(2);
    expect(await bonusPlusReturnLines(ret.id)).toEqual([{ ext: '*', qnt: 3, earned_reversed: ret.earnedReversed, debited_refunded: ret.spentRefunded, moves: 2 }]);
    expect((await bonusPlusCustomer(t, shopper.phone)).availableBonuses).toBe(bp.availableBonuses - ret.earnedReversed + ret.spentRefunded);
  });
});
});
