import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { creditBonuses, debitBonuses } from './bonus-ledger.repository.js';
import { bonusPlusEmulatorSchema, createBonusPlusEmulator, type BonusPlusEmulator } from './bonusplus.emulator.js';
import type { BonusPlusEmulatorDb } from './bonusplus.tables.js';

const KEY = 'bp-expiry-key';
const auth = `ApiKey ${Buffer.from(KEY).toString('base64')}`;
const DAY = 86_400_000;
const DENIED = { Message: 'Authorization has been denied for this request.' };

let testDb: TestDatabase;
let db: Kysely<BonusPlusEmulatorDb>;
let emulator: BonusPlusEmulator;
let server: RunningServer;

interface Reply {
  status: number;
  body: any;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: auth }): Promise<Reply> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...headers } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(`${server.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const control = (path: string, body: unknown) => call('POST', `/__emulator${path}`, body, {});

let nextPhone = 79990008000;
/** A new customer; answers its phone and BonusPlus id. */
async function customer(regBonus = 0): Promise<{ phone: string; id: number }> {
  const phone = String(nextPhone++);
  const created = await call('POST', '/api/customer', { phone, ...(regBonus ? { regBonus } : {}) });
  expect(created.status).toBe(200);
  return { phone, id: created.body.id as number };
}
const available = async (phone: string) => (await call('GET', `/api/customer?phone=${phone}`)).body.availableBonuses as number;
const lotsOf = async (customerId: number) =>
  db.selectFrom('bonusplus_emulator.bonus_lots').select(['id', 'reason', 'amount', 'remaining']).where('customer_id', '=', customerId).orderBy('id').execute();
const inDays = (days: number) => new Date(Date.now() + days * DAY);

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrateSchema(testDb.db, bonusPlusEmulatorSchema);
  db = testDb.db as Kysely<BonusPlusEmulatorDb>;
  emulator = createBonusPlusEmulator({ db: testDb.db, apiKeys: [KEY], requestsPerSecond: 0 });
  server = await emulator.start(0);
});
afterEach(() => emulator.faults.clear());
afterAll(async () => {
  await server?.close();
  await testDb?.close();
});

describe('debits and expiry', () => {
  it('draws the soonest-expiring lots first and lots without expiry last, whatever order they were credited in', async () => {
    const { id } = await customer();
    const never = await creditBonuses(db, { customerId: id, amount: 100, reason: 'purchase' });
    const late = await creditBonuses(db, { customerId: id, amount: 100, reason: 'purchase', expiresAt: inDays(60) });
    const soon = await creditBonuses(db, { customerId: id, amount: 100, reason: 'purchase', expiresAt: inDays(10) });
    const middle = await creditBonuses(db, { customerId: id, amount: 100, reason: 'purchase', expiresAt: inDays(30) });

    const debit = await db.transaction().execute((trx) => debitBonuses(trx, { customerId: id, amount: 250, reason: 'purchase' }));
    expect(debit.ok).toBe(true);
    const remaining = new Map((await lotsOf(id)).map((l) => [l.id, l.remaining]));
    expect([never, late, soon, middle].map((l) => remaining.get(l.lotId))).toEqual([100, 50, 0, 0]);
  });

  it('stops counting an expired lot at once and writes it off once, dated when it expired', async () => {
    const { phone, id } = await customer(200);
    const expiredAt = new Date(Date.now() - DAY);
    const lot = await creditBonuses(db, { customerId: id, amount: 70, reason: 'birthday', activeFrom: new Date(Date.now() - 31 * DAY), expiresAt: expiredAt });
    expect(await available(phone)).toBe(200);

    const first = await call('GET', `/api/customer/${phone}/transactions`);
    expect(first.status).toBe(200);
    const burns = (first.body as any[]).filter((t) => t.reason === 'expiry');
    expect(burns).toEqual([{ id: expect.any(Number), kind: 'debit', reason: 'expiry', amount: 70, date: expiredAt.toISOString(), reference: `lot:${lot.lotId}`, expiresAt: expiredAt.toISOString() }]);
    const again = await call('GET', `/api/customer/${phone}/transactions`);
    expect((again.body as any[]).filter((t) => t.reason === 'expiry')).toHaveLength(1);
    expect(await control('/burn', { phone })).toEqual({ status: 200, body: { burned: 0 } });

    const after = (await call('GET', `/api/customer?phone=${phone}`)).body;
    // Expiry is not spending.
    expect([after.availableBonuses, after.debitedBonuses]).toEqual([200, 0]);
    expect((await lotsOf(id)).find((l) => l.id === lot.lotId)?.remaining).toBe(0);
  });

  it('burns everyone through the control route, once', async () => {
    const a = await customer();
    const b = await customer();
    for (const { id } of [a, b]) await creditBonuses(db, { customerId: id, amount: 40, reason: 'holiday', activeFrom: new Date(Date.now() - 2 * DAY), expiresAt: new Date(Date.now() - 1000) });
    const burned = await control('/burn', {});
    expect(burned.status).toBe(200);
    expect(burned.body.burned).toBeGreaterThanOrEqual(80);
    expect(await control('/burn', {})).toEqual({ status: 200, body: { burned: 0 } });
    const ledger = await db.selectFrom('bonusplus_emulator.bonus_transactions').select(['customer_id', 'amount']).where('reason', '=', 'expiry').where('customer_id', 'in', [a.id, b.id]).orderBy('customer_id').execute();
    expect(ledger).toEqual([
      { customer_id: a.id, amount: 40 },
      { customer_id: b.id, amount: 40 },
    ]);
  });
});

describe('program rules', () => {
  it('gives the welcome bonus (regBonus) the registration rule expiry of 90 days', async () => {
    const before = Date.now();
    const { phone } = await customer(500);
    const lots = (await call('GET', `/api/customer/${phone}/bonuses`)).body as any[];
    expect(lots).toHaveLength(1);
    expect(lots[0]).toMatchObject({ reason: 'registration', amount: 500, remaining: 500 });
    const activeFrom = Date.parse(lots[0].activeFrom);
    expect(activeFrom).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(lots[0].expiresAt) - activeFrom).toBe(90 * DAY);
  });

  it('credits birthday, holiday and referral bonuses with their reason and the expiry the program sets for each', async () => {
    const { phone } = await customer(500);
    const days: Record<string, number> = {};
    for (const [rule, amount] of [['birthday', 300], ['holiday', 200], ['referral', 1000]] as const) {
      const credited = await control(`/rules/${rule}`, { phone: `+${phone}`, amount });
      expect(credited.status).toBe(200);
      expect(credited.body).toMatchObject({ reason: rule, amount, remaining: amount });
      days[rule] = (Date.parse(credited.body.expiresAt) - Date.parse(credited.body.activeFrom)) / DAY;
    }
    expect(days).toEqual({ birthday: 30, holiday: 30, referral: 180 });
    expect(await available(phone)).toBe(2_000);
    const ledger = (await call('GET', `/api/customer/${phone}/transactions`)).body as any[];
    expect(ledger.map((t) => [t.kind, t.reason, t.amount])).toEqual([
      ['credit', 'referral', 1000],
      ['credit', 'holiday', 200],
      ['credit', 'birthday', 300],
      ['credit', 'registration', 500],
    ]);
  });

  it('refuses an unknown rule, an unknown customer and a bad amount', async () => {
    const { phone } = await customer();
    expect((await control('/rules/manual', { phone, amount: 10 })).status).toBe(404);
    expect((await control('/rules/birthday', { phone: '79990008999', amount: 10 })).status).toBe(404);
    expect((await control('/rules/birthday', { phone, amount: 0 })).status).toBe(400);
    expect((await control('/rules/birthday', { phone: '123', amount: 10 })).status).toBe(400);
    expect(await available(phone)).toBe(0);
  });
});

describe('GET customer/{phone}/bonuses (ASSUMED route)', () => {
  it('lists the lots with something left, soonest expiry first, never-expiring last; spent and expired lots are left out', async () => {
    const { phone, id } = await customer(500);
    const pending = await creditBonuses(db, { customerId: id, amount: 80, reason: 'purchase', activeFrom: inDays(14) });
    const spent = await creditBonuses(db, { customerId: id, amount: 50, reason: 'holiday', expiresAt: inDays(5) });
    await creditBonuses(db, { customerId: id, amount: 20, reason: 'holiday', activeFrom: new Date(Date.now() - 2 * DAY), expiresAt: new Date(Date.now() - DAY) });
    const birthday = (await control('/rules/birthday', { phone, amount: 300 })).body;
    await db.transaction().execute((trx) => debitBonuses(trx, { customerId: id, amount: 50, reason: 'purchase' }));

    const lots = await call('GET', `/api/customer/8${phone.slice(1)}/bonuses`);
    expect(lots.status).toBe(200);
    expect((lots.body as any[]).map((l) => [l.id, l.reason, l.amount, l.remaining])).toEqual([
      [birthday.id, 'birthday', 300, 300],
      [expect.any(Number), 'registration', 500, 500],
      [pending.lotId, 'purchase', 80, 80],
    ]);
    expect((lots.body as any[]).some((l) => l.id === spent.lotId)).toBe(false);
    expect(lots.body[2]).toEqual({ id: pending.lotId, reason: 'purchase', amount: 80, remaining: 80, activeFrom: expect.any(String), expiresAt: null });
  });

  it('answers 412 for an unknown or malformed phone and 401 without the key', async () => {
    expect((await call('GET', '/api/customer/79990008998/bonuses')).body.code).toBe('CUSTOMER_NOT_FOUND');
    expect((await call('GET', '/api/customer/123/bonuses')).body.code).toBe('VALIDATION_ERROR');
    expect(await call('GET', '/api/customer/79990008998/bonuses', undefined, {})).toEqual({ status: 401, body: DENIED });
  });
});

describe('GET customer/{phone}/transactions (ASSUMED route)', () => {
  it('pages the ledger newest first with a 1-based startRow', async () => {
    const { phone, id } = await customer(500);
    await control('/rules/holiday', { phone, amount: 100 });
    await db.transaction().execute((trx) => debitBonuses(trx, { customerId: id, amount: 150, reason: 'purchase', reference: 'receipt:x' }));
    const all = (await call('GET', `/api/customer/${phone}/transactions?startRow=1&rowCount=10`)).body as any[];
    expect(all.map((t) => [t.kind, t.reason, t.amount, t.reference])).toEqual([
      ['debit', 'purchase', 150, 'receipt:x'],
      ['credit', 'holiday', 100, null],
      ['credit', 'registration', 500, null],
    ]);
    expect(all[0].expiresAt).toBeNull();
    expect(all[1].expiresAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    expect((await call('GET', `/api/customer/${phone}/transactions?startRow=2&rowCount=1`)).body).toEqual([all[1]]);
    expect((await call('GET', `/api/customer/${phone}/transactions?startRow=4`)).body).toEqual([]);
  });

  it('refuses bad paging and an unknown phone with 412', async () => {
    const { phone } = await customer();
    for (const query of ['rowCount=0', 'rowCount=1001', 'startRow=0', 'rowCount=ten']) {
      const reply = await call('GET', `/api/customer/${phone}/transactions?${query}`);
      expect([query, reply.status, reply.body.code]).toEqual([query, 412, 'VALIDATION_ERROR']);
    }
    expect((await call('GET', '/api/customer/79990008997/transactions')).body.code).toBe('CUSTOMER_NOT_FOUND');
  });
});

describe('POST bonus/expiring (ASSUMED route)', () => {
  it('pages the lots of every customer expiring before the date, in lot id order, with their phone', async () => {
    const a = await customer();
    const b = await customer();
    const first = await creditBonuses(db, { customerId: a.id, amount: 50, reason: 'birthday', expiresAt: inDays(3) });
    const second = await creditBonuses(db, { customerId: b.id, amount: 60, reason: 'holiday', expiresAt: inDays(2) });
    const spent = await creditBonuses(db, { customerId: b.id, amount: 60, reason: 'holiday', expiresAt: new Date(Date.now() + 1.5 * DAY) });
    await db.transaction().execute((trx) => debitBonuses(trx, { customerId: b.id, amount: 60, reason: 'purchase' }));
    const pending = await creditBonuses(db, { customerId: a.id, amount: 70, reason: 'purchase', activeFrom: inDays(1), expiresAt: new Date(Date.now() + 3.5 * DAY) });
    await creditBonuses(db, { customerId: a.id, amount: 80, reason: 'referral', expiresAt: inDays(5) });
    await creditBonuses(db, { customerId: a.id, amount: 90, reason: 'referral', activeFrom: new Date(Date.now() - 2 * DAY), expiresAt: new Date(Date.now() - 1000) });

    const before = inDays(4).toISOString();
    const page = await call('POST', '/api/bonus/expiring', { before, startRow: 1, rowCount: 10 });
    expect(page.status).toBe(200);
    expect((page.body as any[]).map((l) => [l.id, l.phone, l.reason, l.remaining])).toEqual([
      [first.lotId, a.phone, 'birthday', 50],
      [second.lotId, b.phone, 'holiday', 60],
      [pending.lotId, a.phone, 'purchase', 70],
    ]);
    expect((page.body as any[]).some((l) => l.id === spent.lotId)).toBe(false);
    expect(page.body[0]).toEqual({ id: first.lotId, phone: a.phone, reason: 'birthday', amount: 50, remaining: 50, activeFrom: expect.any(String), expiresAt: expect.any(String) });
    const paged = [
      ...(await call('POST', '/api/bonus/expiring', { before, startRow: 1, rowCount: 2 })).body,
      ...(await call('POST', '/api/bonus/expiring', { before, startRow: 3, rowCount: 2 })).body,
    ];
    expect(paged).toEqual(page.body);
    const byDate = await call('POST', '/api/bonus/expiring', { before: inDays(2.2).toISOString().slice(0, 10) });
    expect(byDate.status).toBe(200);
  });

  it('refuses a missing or malformed date and bad paging with 412, and goes through the fault switches', async () => {
    expect((await call('POST', '/api/bonus/expiring', {})).body.code).toBe('VALIDATION_ERROR');
    expect((await call('POST', '/api/bonus/expiring', { before: 'tomorrow' })).body.code).toBe('VALIDATION_ERROR');
    expect((await call('POST', '/api/bonus/expiring', { before: inDays(1).toISOString(), startRow: 0 })).body.code).toBe('VALIDATION_ERROR');
    emulator.faults.set({ failStatus: 503, failCount: 1, pathPattern: '^POST /api/bonus/expiring$' });
    expect((await call('POST', '/api/bonus/expiring', { before: inDays(1).toISOString() })).status).toBe(503);
    expect((await call('POST', '/api/bonus/expiring', { before: inDays(1).toISOString() })).status).toBe(200);
  });
});

describe('reserves keep the expiry of what they hold', () => {
  const ITEMS = [{ ext: 'A', product: 'P-1', qnt: 1, price: 2000, sum: 2000 }];
  const lots = async (phone: string) => ((await call('GET', `/api/customer/${phone}/bonuses`)).body as any[]).map((l) => [l.reason, l.remaining, l.expiresAt]);

  it('gives released bonuses back with their expiry, and a sale consuming a reserve spends the soonest-expiring bonuses', async () => {
    const { phone } = await customer(500);
    const birthday = (await control('/rules/birthday', { phone, amount: 300 })).body;
    const welcome = (await lots(phone)).find(([reason]) => reason === 'registration')!;

    expect((await call('PATCH', `/api/customer/${phone}/balance/reserve`, { id: 'order-1', amount: 300 })).status).toBe(204);
    expect(await lots(phone)).toEqual([welcome]);
    expect((await call('PATCH', `/api/customer/${phone}/balance/reserve`, { id: 'order-1', amount: -300 })).status).toBe(204);
    expect(await lots(phone)).toEqual([['release', 300, birthday.expiresAt], welcome]);

    // The hold takes the restored birthday bonuses and 100 of the welcome bonus; the sale spends the same.
    expect((await call('PATCH', `/api/customer/${phone}/balance/reserve`, { id: 'order-2', amount: 400 })).status).toBe(204);
    const sale = await call('POST', '/api/retail', { phone, items: ITEMS, bonusDebit: 400, externalId: 'receipt-expiry-1', reserveId: 'order-2' });
    expect(sale.status).toBe(200);
    // The welcome lot itself is drawn down (not a restored copy of it); the accrual (pending, no expiry) comes last.
    expect(await lots(phone)).toEqual([['registration', 400, welcome[2]], ['purchase', 80, null]]);
    expect(await available(phone)).toBe(400);
  });
});
