import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { bonusPlusEmulatorSchema, createBonusPlusEmulator } from './bonusplus.emulator.js';
import type { BonusPlusEmulatorDb } from './bonusplus.tables.js';

const KEY = 'bp-receipt-key';
const auth = `ApiKey ${Buffer.from(KEY).toString('base64')}`;

let testDb: TestDatabase;
let db: Kysely<BonusPlusEmulatorDb>;
/** The program's 14-day activation. */
let server: RunningServer;
/** Same database, accruals active at once. */
let instant: RunningServer;

interface Reply {
  status: number;
  body: any;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const init: RequestInit = { method, headers: { authorization: auth, 'content-type': 'application/json' } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(`${url}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const api = (method: string, path: string, body?: unknown) => call(server.url, method, path, body);

let nextPhone = 79990007000;
async function customer(regBonus: number): Promise<string> {
  const phone = String(nextPhone++);
  expect((await api('POST', '/api/customer', { phone, ...(regBonus ? { regBonus } : {}) })).status).toBe(200);
  return phone;
}
const figures = async (phone: string) => {
  const c = (await api('GET', `/api/customer?phone=${phone}`)).body;
  return { available: c.availableBonuses, notActive: c.notActiveBonuses, debited: c.debitedBonuses, purchases: c.purchasesTotalSum, card: c.discountCardName };
};

/** 2,000.00 roubles in three lines; Silver: 5 % accrual, 30 % cap, multiple 10. */
const ITEMS = [
  { ext: 'A', product: 'P-1', qnt: 2, price: 500, sum: 1000 },
  { ext: 'B', product: 'P-2', qnt: 1, price: 333.33, sum: 333.33 },
  { ext: 'C', product: 'P-3', qnt: 1, price: 666.67, sum: 666.67 },
];
const line = (ext: string, cb: number, db: number, dbp: number, messages: string[] = []) => ({ ext, cb, db, ds: 0, dp: 0, ids: 0, idp: 0, cbp: 5, dbp, messages });

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrateSchema(testDb.db, bonusPlusEmulatorSchema);
  db = testDb.db as Kysely<BonusPlusEmulatorDb>;
  server = await createBonusPlusEmulator({ db: testDb.db, apiKeys: [KEY], requestsPerSecond: 0 }).start(0);
  instant = await createBonusPlusEmulator({ db: testDb.db, apiKeys: [KEY], requestsPerSecond: 0, bonusActivationDays: 0 }).start(0);
});

afterAll(async () => {
  await server?.close();
  await instant?.close();
  await testDb?.close();
});

describe('PUT retail/calc', () => {
  it('splits the debit by largest remainder, accrues on what is paid, and caps by the per-line caps too', async () => {
    const phone = await customer(5_000);
    const before = await figures(phone);
    const calc = await api('PUT', '/api/retail/calc', { phone, items: ITEMS, bonusDebit: 500 });
    expect(calc).toEqual({
      status: 200,
      body: {
        // 250 + 83.3325 + 166.6675: the point left over goes to C. cb = floor(5 % of sum − db).
        discount: [line('A', 37, 250, 25), line('B', 12, 83, 24.9), line('C', 24, 167, 25.05)],
        // 30 % of 2,000 = 600, but the line caps 300 + 99 + 200 = 599; down to the multiple of 10.
        maxDebitBonuses: 590,
        multiplicityDebitBonus: 10,
        bonusDebit: 500,
        availableBonuses: 5_000,
        messages: [],
        debitError: null,
      },
    });
    expect(await figures(phone)).toEqual(before);
  });

  it('still calculates a debit above the cap, above the balance or not a multiple, with the most allowed and a message', async () => {
    const rich = await customer(5_000);
    const aboveCap = (await api('PUT', '/api/retail/calc', { phone: rich, items: ITEMS, bonusDebit: 700 })).body;
    expect([aboveCap.bonusDebit, aboveCap.debitError, aboveCap.discount.map((d: any) => d.db)]).toEqual([590, { code: 'BONUS_DEBIT_ABOVE_MAX', msg: 'Можно списать не более 590 бонусов' }, [295, 98, 197]]);
    const odd = (await api('PUT', '/api/retail/calc', { phone: rich, items: ITEMS, bonusDebit: 505 })).body;
    expect([odd.bonusDebit, odd.debitError.code, odd.messages]).toEqual([500, 'BONUS_DEBIT_NOT_MULTIPLE', ['Списание бонусов должно быть кратно 10']]);
    const poor = await customer(120);
    const short = (await api('PUT', '/api/retail/calc', { phone: poor, items: ITEMS, bonusDebit: 300 })).body;
    expect([short.bonusDebit, short.maxDebitBonuses, short.debitError.code]).toEqual([120, 120, 'NOT_ENOUGH_BONUSES']);
  });

  it('answers 412 for an unknown customer and for lines sharing an ext', async () => {
    expect((await api('PUT', '/api/retail/calc', { phone: '79990006999', items: ITEMS, bonusDebit: 0 })).body.code).toBe('CUSTOMER_NOT_FOUND');
    const twice = await api('PUT', '/api/retail/calc', { phone: '79990006999', items: [ITEMS[0], ITEMS[0]], bonusDebit: 0 });
    expect([twice.status, twice.body.code]).toEqual([412, 'VALIDATION_ERROR']);
  });
});

describe('PATCH customer/{phone}/balance (§2.3)', () => {
  const patch = (phone: string, body: unknown) => api('PATCH', `/api/customer/${phone}/balance`, body);

  it('credits and debits the balance as `manual`, the comment in the transactions; an overdraft or a bad body is refused and changes nothing', async () => {
    const phone = await customer(1_000);
    expect(await patch(phone, { amount: 250, comment: 'return:r-1:refund' })).toEqual({ status: 200, body: { phoneNumber: phone, amount: 250 } });
    expect(await patch(`+7 (${phone.slice(1, 4)}) ${phone.slice(4)}`, { amount: -100 })).toEqual({ status: 200, body: { phoneNumber: phone, amount: -100 } });
    expect(await figures(phone)).toMatchObject({ available: 1_150, debited: 100 });
    const ledger = (await api('GET', `/api/customer/${phone}/transactions`)).body;
    expect(ledger.slice(0, 2).map((t: any) => [t.kind, t.reason, t.amount, t.reference, t.expiresAt])).toEqual([
      ['debit', 'manual', 100, null, null],
      ['credit', 'manual', 250, 'return:r-1:refund', null],
    ]);

    expect((await patch(phone, { amount: -1_151 })).body).toEqual({ code: 'NOT_ENOUGH_BONUSES', msg: 'Недостаточно бонусов: доступно 1150' });
    expect((await patch(phone, { amount: 0 })).body.code).toBe('VALIDATION_ERROR');
    expect((await patch(phone, { amount: 1.5 })).body.code).toBe('VALIDATION_ERROR');
    expect((await patch('79990006999', { amount: 10 })).body.code).toBe('CUSTOMER_NOT_FOUND');
    expect(await figures(phone)).toMatchObject({ available: 1_150, debited: 100 });
    expect((await api('GET', `/api/customer/${phone}/transactions`)).body).toHaveLength(ledger.length);
  });

  it('is not idempotent: the same call twice moves the balance twice (so the connector keys it itself)', async () => {
    const phone = await customer(0);
    await patch(phone, { amount: 40, comment: 'same' });
    await patch(phone, { amount: 40, comment: 'same' });
    expect(await figures(phone)).toMatchObject({ available: 80 });
  });
});

describe('PATCH customer/{phone}/balance/reserve', () => {
  const reserve = (phone: string, id: string, amount: number) => api('PATCH', `/api/customer/${phone}/balance/reserve`, { id, amount });

  it('reserves once per order, releases with a negative amount, and treats an unknown or released reserve as a no-op', async () => {
    const phone = await customer(5_000);
    expect(await reserve(phone, 'order-1', 300)).toEqual({ status: 204, body: undefined });
    expect(await reserve(phone, 'order-1', 300)).toEqual({ status: 204, body: undefined });
    expect(await figures(phone)).toMatchObject({ available: 4_700, debited: 0 });
    expect((await reserve(phone, 'order-1', 200)).body.code).toBe('RESERVE_AMOUNT_MISMATCH');
    expect((await reserve(phone, 'order-2', 4_701)).body).toEqual({ code: 'NOT_ENOUGH_BONUSES', msg: 'Недостаточно бонусов: доступно 4700' });
    expect(await reserve(phone, 'order-1', -300)).toEqual({ status: 204, body: undefined });
    expect(await reserve(phone, 'order-1', -300)).toEqual({ status: 204, body: undefined });
    expect(await reserve(phone, 'never-reserved', -50)).toEqual({ status: 204, body: undefined });
    expect(await figures(phone)).toMatchObject({ available: 5_000, debited: 0 });
    expect((await reserve(phone, 'order-1', 300)).body.code).toBe('RESERVE_CLOSED');
    expect((await reserve('79990006999', 'order-1', 300)).body.code).toBe('CUSTOMER_NOT_FOUND');
  });

  it('lets exactly 50 of 100 concurrent reserves of 100 through from 5,000, never below zero', async () => {
    const phone = await customer(5_000);
    const replies = await Promise.all(Array.from({ length: 100 }, (_v, i) => reserve(phone, `burst-${i}`, 100)));
    expect(replies.filter((r) => r.status === 204)).toHaveLength(50);
    expect(replies.filter((r) => r.status === 412).map((r) => r.body.code)).toEqual(Array(50).fill('NOT_ENOUGH_BONUSES'));
    expect(await figures(phone)).toMatchObject({ available: 0, debited: 0 });
    const lots = await db.selectFrom('bonusplus_emulator.bonus_lots as l').innerJoin('bonusplus_emulator.customers as c', 'c.id', 'l.customer_id').select('l.remaining').where('c.phone', '=', phone).execute();
    expect(lots).toEqual([{ remaining: 0 }]);
    expect(await db.selectFrom('bonusplus_emulator.reserves').select('id').where('status', '=', 'held').where('order_id', 'like', 'burst-%').execute()).toHaveLength(50);
  });
});

describe('POST retail', () => {
  it('consumes the reserve, records the lines, accrues pending bonuses, and replays a repeated externalId', async () => {
    const phone = await customer(5_000);
    await api('PATCH', `/api/customer/${phone}/balance/reserve`, { id: 'order-7', amount: 500 });
    const sale = { phone, items: ITEMS, bonusDebit: 500, externalId: 'receipt-7', reserveId: 'order-7', store: 'Тверская', desc: 'заказ 7', cashier: 'site' };
    const first = await api('POST', '/api/retail', sale);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ orderUrl: null, customer: { phone, availableBonuses: 4_500, notActiveBonuses: 73, allBonuses: 4_573, debitedBonuses: 500, purchasesTotalSum: 2_000 } });
    expect(first.body.orderUid).toMatch(/^[0-9a-f-]{36}$/);
    expect(await api('POST', '/api/retail', sale)).toEqual(first);
    expect(await api('POST', '/api/retail', { ...sale, bonusDebit: 0 })).toEqual(first);
    expect(await figures(phone)).toEqual({ available: 4_500, notActive: 73, debited: 500, purchases: 2_000, card: 'Silver' });
    const lines = await db.selectFrom('bonusplus_emulator.receipt_lines').select(['ext', 'qnt', 'sum_kopecks', 'earned', 'debited']).where('receipt_id', '=', first.body.id).orderBy('line_no').execute();
    expect(lines).toEqual([
      { ext: 'A', qnt: 2, sum_kopecks: 100_000, earned: 37, debited: 250 },
      { ext: 'B', qnt: 1, sum_kopecks: 33_333, earned: 12, debited: 83 },
      { ext: 'C', qnt: 1, sum_kopecks: 66_667, earned: 24, debited: 167 },
    ]);
    expect((await api('PATCH', `/api/customer/${phone}/balance/reserve`, { id: 'order-7', amount: -500 })).status).toBe(204);
    expect((await figures(phone)).available).toBe(4_500);
  });

  it('refuses a debit above the cap, above the balance or not a multiple, changing nothing, the reserve kept', async () => {
    const phone = await customer(5_000);
    await api('PATCH', `/api/customer/${phone}/balance/reserve`, { id: 'order-8', amount: 100 });
    for (const [bonusDebit, code] of [[600, 'BONUS_DEBIT_ABOVE_MAX'], [105, 'BONUS_DEBIT_NOT_MULTIPLE']] as const) {
      const reply = await api('POST', '/api/retail', { phone, items: ITEMS, bonusDebit, externalId: `bad-${bonusDebit}`, reserveId: 'order-8' });
      expect([reply.status, reply.body.code]).toEqual([412, code]);
    }
    const poor = await customer(50);
    expect((await api('POST', '/api/retail', { phone: poor, items: ITEMS, bonusDebit: 60 })).body.code).toBe('NOT_ENOUGH_BONUSES');
    expect((await api('POST', '/api/retail', { phone, items: ITEMS, bonusDebit: 0, reserveId: 'no-such-order' })).body.code).toBe('RESERVE_NOT_FOUND');
    expect(await figures(phone)).toEqual({ available: 4_900, notActive: 0, debited: 0, purchases: 0, card: 'Silver' });
    expect(await db.selectFrom('bonusplus_emulator.receipts').select('id').where('external_id', 'like', 'bad-%').execute()).toEqual([]);
  });

  it('moves pending accruals to active through the control route; with no activation delay they are active at once', async () => {
    const phone = await customer(0);
    await api('POST', '/api/retail', { phone, items: ITEMS, bonusDebit: 0, externalId: 'receipt-pending' });
    // Floored per line: 50 + 16 + 33.
    expect(await figures(phone)).toMatchObject({ available: 0, notActive: 99 });
    const activated = await fetch(`${server.url}/__emulator/activate`, { method: 'POST', body: JSON.stringify({ externalId: 'receipt-pending' }) });
    expect(await activated.json()).toEqual({ activated: 99 });
    expect(await figures(phone)).toMatchObject({ available: 99, notActive: 0 });

    const paid = await customer(0);
    expect((await call(instant.url, 'POST', '/api/retail', { phone: paid, items: ITEMS, bonusDebit: 0, externalId: 'receipt-paid' })).body.customer).toMatchObject({ availableBonuses: 99, notActiveBonuses: 0 });
  });

  it('upgrades the card when the purchases total passes a threshold', async () => {
    const phone = await customer(0);
    await api('POST', '/api/retail', { phone, items: [{ ext: '1', product: 'coat', qnt: 1, price: 30_000, sum: 30_000 }], bonusDebit: 0 });
    expect(await figures(phone)).toMatchObject({ purchases: 30_000, card: 'Gold', notActive: 1_500 });
  });
});

describe('POST retail/return (ASSUMED route)', () => {
  const sell = async (externalId: string, regBonus = 5_000, bonusDebit = 500) => {
    const phone = await customer(regBonus);
    expect((await call(instant.url, 'POST', '/api/retail', { phone, items: ITEMS, bonusDebit, externalId })).status).toBe(200);
    return phone;
  };
  const giveBack = (externalId: string, receiptExternalId: string, items: { ext: string; qnt: number }[]) => api('POST', '/api/retail/return', { externalId, receiptExternalId, items });

  it('takes back earned and gives back spent bonuses per returned unit; two halves equal the whole; replays by externalId', async () => {
    const phone = await sell('receipt-r1');
    expect(await figures(phone)).toMatchObject({ available: 4_573, debited: 500 });
    const first = await giveBack('return-1', 'receipt-r1', [{ ext: 'A', qnt: 1 }]);
    // A earned 37 and spent 250 on 2 units: ceil(37/2) = 19 back, floor(250/2) = 125 refunded.
    expect(first.body).toMatchObject({ externalId: 'return-1', items: [{ ext: 'A', qnt: 1, cb: 19, db: 125 }], cb: 19, db: 125, unrecovered: 0, customer: { availableBonuses: 4_679 } });
    expect(await giveBack('return-1', 'receipt-r1', [{ ext: 'A', qnt: 1 }])).toEqual(first);
    const second = await giveBack('return-2', 'receipt-r1', [{ ext: 'A', qnt: 1 }, { ext: 'B', qnt: 1 }, { ext: 'C', qnt: 1 }]);
    expect(second.body).toMatchObject({ items: [{ ext: 'A', qnt: 1, cb: 18, db: 125 }, { ext: 'B', qnt: 1, cb: 12, db: 83 }, { ext: 'C', qnt: 1, cb: 24, db: 167 }], unrecovered: 0 });
    expect(await figures(phone)).toMatchObject({ available: 5_000, notActive: 0, purchases: 0 });
    const over = await giveBack('return-3', 'receipt-r1', [{ ext: 'B', qnt: 1 }]);
    expect([over.status, over.body.code]).toEqual([412, 'RETURN_QUANTITY_EXCEEDED']);
    expect((await giveBack('return-4', 'no-receipt', [{ ext: 'B', qnt: 1 }])).body.code).toBe('RECEIPT_NOT_FOUND');
    expect((await giveBack('return-5', 'receipt-r1', [{ ext: 'Z', qnt: 1 }])).body.code).toBe('RECEIPT_LINE_NOT_FOUND');
  });

  it('takes back only what is there when the earned bonuses were spent, and records the rest as unrecovered', async () => {
    const phone = await sell('receipt-r2', 0, 0);
    expect((await figures(phone)).available).toBe(99);
    await api('PATCH', `/api/customer/${phone}/balance/reserve`, { id: 'spend-all', amount: 99 });
    const back = await giveBack('return-r2', 'receipt-r2', ITEMS.map((i) => ({ ext: i.ext, qnt: i.qnt })));
    expect(back.body).toMatchObject({ cb: 99, db: 0, unrecovered: 99, customer: { availableBonuses: 0 } });
  });

  it('no sequence of partial returns creates bonuses; returning everything restores the balance exactly', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('A', 'B', 'C'), fc.integer({ min: 1, max: 2 })), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(0, 100, 300, 590),
        async (wanted, bonusDebit) => {
          const receipt = `prop-${n++}`;
          const phone = await sell(receipt, 5_000, bonusDebit);
          const bought = new Map(ITEMS.map((i) => [i.ext, i.qnt]));
          const lines = new Map((await db.selectFrom('bonusplus_emulator.receipt_lines as l').innerJoin('bonusplus_emulator.receipts as r', 'r.id', 'l.receipt_id').select(['l.ext', 'l.earned', 'l.debited']).where('r.external_id', '=', receipt).execute()).map((l) => [l.ext, l]));
          const returned = new Map<string, number>();
          let k = 0;
          const exactAfter = () => [...returned].reduce((a, [ext, q]) => a - (lines.get(ext)!.earned * q) / bought.get(ext)! + (lines.get(ext)!.debited * q) / bought.get(ext)!, 0);
          const start = (await figures(phone)).available;
          for (const [ext, q] of wanted) {
            const qnt = Math.min(q, bought.get(ext)! - (returned.get(ext) ?? 0));
            if (qnt === 0) continue;
            expect((await giveBack(`${receipt}-${k++}`, receipt, [{ ext, qnt }])).status).toBe(200);
            returned.set(ext, (returned.get(ext) ?? 0) + qnt);
            expect((await figures(phone)).available - start).toBeLessThanOrEqual(exactAfter() + 1e-9);
          }
          const rest = ITEMS.map((i) => ({ ext: i.ext, qnt: i.qnt - (returned.get(i.ext) ?? 0) })).filter((i) => i.qnt > 0);
          if (rest.length) expect((await giveBack(`${receipt}-rest`, receipt, rest)).status).toBe(200);
          expect(await figures(phone)).toMatchObject({ available: 5_000, notActive: 0 });
        },
      ),
      { numRuns: 12 },
    );
  });
});
