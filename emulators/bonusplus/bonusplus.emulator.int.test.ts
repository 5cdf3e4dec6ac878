import { sql, type Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { DEMO_CARD_TYPES, DEMO_DEBIT_MULTIPLE, demoLoyalty } from '../seed/demo-loyalty.js';
import { demoPerson } from '../seed/demo-people.js';
import { creditBonuses, debitBonuses, type DebitResult } from './bonus-ledger.repository.js';
import type { CustomerJson } from './bonusplus.api.js';
import { bonusPlusEmulatorSchema, createBonusPlusEmulator, type BonusPlusEmulator } from './bonusplus.emulator.js';
import type { BonusPlusEmulatorDb } from './bonusplus.tables.js';

const KEY = 'bp-test-key';
const OTHER_KEY = 'bp-second-key';
const auth = (key: string) => `ApiKey ${Buffer.from(key).toString('base64')}`;
const SEEDED = { onlineCustomers: 3, showroomCustomers: 2 };

const NOT_FOUND = { code: 'CUSTOMER_NOT_FOUND', msg: 'Клиент не найден' };
const ALREADY_EXISTS = { code: 'CUSTOMER_ALREADY_EXISTS', msg: 'Клиент с таким номером телефона уже существует' };
const DENIED = { Message: 'Authorization has been denied for this request.' };
const PHONE_INVALID = { code: 'VALIDATION_ERROR', msg: 'Некорректный номер телефона: ожидается 11 цифр с кодом страны 7' };

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

let testDb: TestDatabase;
let db: Kysely<BonusPlusEmulatorDb>;
let emulator: BonusPlusEmulator;
let server: RunningServer;

async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers: { authorization: auth(KEY), 'content-type': 'application/json', ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${url}${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(server.url, method, path, body, headers);

/** What BonusPlus should show for demo person `index`, straight from the demo seed. */
function seededCustomer(index: number, id: number): CustomerJson {
  const person = demoPerson(index);
  const loyalty = demoLoyalty(index);
  const next = DEMO_CARD_TYPES.find((t) => t.purchasesSumFrom > loyalty.cardType.purchasesSumFrom);
  return {
    id,
    phone: person.phoneDigits,
    person: { fn: person.firstName, ln: person.lastName, mn: person.patronymic },
    email: person.email,
    availableBonuses: loyalty.availableBonuses,
    notActiveBonuses: loyalty.notActiveBonuses,
    allBonuses: loyalty.availableBonuses + loyalty.notActiveBonuses,
    debitedBonuses: loyalty.debitedBonuses,
    discountCardName: loyalty.cardType.name,
    discountCardNumber: loyalty.cardNumber,
    discountCardTypeId: loyalty.cardType.id,
    nextCardName: next?.name ?? null,
    purchasesTotalSum: loyalty.purchasesTotalSum,
    purchasesSumToNextCard: next ? Math.max(0, next.purchasesSumFrom - loyalty.purchasesTotalSum) : null,
    baseDiscountPercent: 0,
    baseBonusDebitPercent: loyalty.cardType.maxDebitPercent,
    bonusDebitDenided: false,
    multiplicityDebitBonus: DEMO_DEBIT_MULTIPLE,
  };
}

/** A brand-new customer on the default card with `bonus` welcome points. */
function newCustomer(id: number, phone: string, card: string, bonus: number, person: CustomerJson['person'] = { fn: null, ln: null, mn: null }, email: string | null = null): CustomerJson {
  return {
    id,
    phone,
    person,
    email,
    availableBonuses: bonus,
    notActiveBonuses: 0,
    allBonuses: bonus,
    debitedBonuses: 0,
    discountCardName: 'Silver',
    discountCardNumber: card,
    discountCardTypeId: 1,
    nextCardName: 'Gold',
    purchasesTotalSum: 0,
    purchasesSumToNextCard: 30_000,
    baseDiscountPercent: 0,
    baseBonusDebitPercent: 30,
    bonusDebitDenided: false,
    multiplicityDebitBonus: 10,
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrateSchema(testDb.db, bonusPlusEmulatorSchema);
  db = testDb.db as Kysely<BonusPlusEmulatorDb>;
  emulator = createBonusPlusEmulator({ db: testDb.db, apiKeys: [KEY, OTHER_KEY], requestsPerSecond: 0 });
  await emulator.seed(SEEDED);
  server = await emulator.start(0);
});

afterEach(() => emulator.faults.clear());

afterAll(async () => {
  await server?.close();
  await testDb?.close();
});

describe('auth', () => {
  it('refuses a missing header, another scheme, an unknown key and a key sent without base64', async () => {
    const attempts = [
      { authorization: '' },
      { authorization: `Bearer ${Buffer.from(KEY).toString('base64')}` },
      { authorization: auth('not-a-key') },
      { authorization: `ApiKey ${KEY}` },
    ];
    for (const headers of attempts) {
      const reply = await api('GET', '/api/account', undefined, headers);
      expect({ status: reply.status, body: reply.body }).toEqual({ status: 401, body: DENIED });
    }
  });

  it('answers any of the configured keys', async () => {
    for (const key of [KEY, OTHER_KEY]) {
      const reply = await api('GET', '/api/account', undefined, { authorization: auth(key) });
      expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: { id: 1, name: 'Demo fashion retail' } });
    }
  });
});

describe('GET customer', () => {
  it('finds a seeded customer by phone, id and card number (ean), with the demo loyalty state', async () => {
    const expected = seededCustomer(1, 2);
    for (const query of [`phone=${expected.phone}`, 'id=2', `ean=${expected.discountCardNumber}`]) {
      const reply = await api('GET', `/api/customer?${query}`);
      expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: expected });
    }
  });

  it('normalises +7, 8 and formatted phones, including a "+" that arrived as a space', async () => {
    const expected = seededCustomer(0, 1);
    const local = expected.phone.slice(1);
    for (const phone of [encodeURIComponent(`+${expected.phone}`), `8${local}`, `+${expected.phone}`, encodeURIComponent(`+7 (${local.slice(0, 3)}) ${local.slice(3, 6)}-${local.slice(6)}`)]) {
      const reply = await api('GET', `/api/customer?phone=${phone}`);
      expect({ phone, status: reply.status, id: reply.body.id }).toEqual({ phone, status: 200, id: 1 });
    }
  });

  it('answers 412 CUSTOMER_NOT_FOUND for an unknown phone, VALIDATION_ERROR for a malformed one or none', async () => {
    expect(await api('GET', '/api/customer?phone=79990000001')).toMatchObject({ status: 412, body: NOT_FOUND });
    expect(await api('GET', '/api/customer?phone=12345')).toMatchObject({ status: 412, body: PHONE_INVALID });
    expect(await api('GET', '/api/customer')).toMatchObject({ status: 412, body: { code: 'VALIDATION_ERROR', msg: 'Укажите phone, id или ean' } });
  });
});

describe('POST customer', () => {
  it('creates a customer on the default card with the welcome bonus as a registration credit', async () => {
    const reply = await api('POST', '/api/customer', { phone: '79990001001', fn: 'Анна', ln: 'Смирнова', mn: 'Олеговна', email: 'anna@example.ru', card: '5550001001', regBonus: 500 });
    const expected = newCustomer(reply.body.id, '79990001001', '5550001001', 500, { fn: 'Анна', ln: 'Смирнова', mn: 'Олеговна' }, 'anna@example.ru');
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: expected });
    expect(reply.body.id).toBeGreaterThan(SEEDED.onlineCustomers + SEEDED.showroomCustomers);
    expect((await api('GET', '/api/customer?phone=79990001001')).body).toEqual(expected);

    const ledger = await db
      .selectFrom('bonusplus_emulator.bonus_transactions')
      .select(['kind', 'reason', 'amount'])
      .where('customer_id', '=', reply.body.id)
      .execute();
    expect(ledger).toEqual([{ kind: 'credit', reason: 'registration', amount: 500 }]);
  });

  it('issues a card number when none is given and credits nothing without regBonus', async () => {
    const reply = await api('POST', '/api/customer', { phone: '+7 999 000-10-02' });
    expect(reply.status).toBe(200);
    expect(reply.body.discountCardNumber).toMatch(/^2700\d{9}$/);
    expect(reply.body).toEqual(newCustomer(reply.body.id, '79990001002', reply.body.discountCardNumber, 0));
  });

  it('answers 412 CUSTOMER_ALREADY_EXISTS for a known phone in any form, and a card number cannot be issued twice', async () => {
    await api('POST', '/api/customer', { phone: '79990001003' });
    expect(await api('POST', '/api/customer', { phone: '89990001003', regBonus: 100 })).toMatchObject({ status: 412, body: ALREADY_EXISTS });
    expect(await api('POST', '/api/customer', { phone: '79990001004', card: demoLoyalty(0).cardNumber })).toMatchObject({
      status: 412,
      body: { code: 'CARD_ALREADY_EXISTS', msg: 'Карта с таким номером уже выдана другому клиенту' },
    });
    expect(await api('GET', '/api/customer?phone=79990001004')).toMatchObject({ status: 412, body: NOT_FOUND });
  });

  it('creates one customer when the same phone is posted concurrently', async () => {
    const replies = await Promise.all(Array.from({ length: 6 }, () => api('POST', '/api/customer', { phone: '79990001005', regBonus: 300 })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 412, 412, 412, 412, 412]);
    expect(replies.filter((r) => r.status === 412).map((r) => r.body)).toEqual(Array(5).fill(ALREADY_EXISTS));
    expect((await api('GET', '/api/customer?phone=79990001005')).body.availableBonuses).toBe(300);
  });

  it('answers 400 to broken JSON, 415 to a body that is not JSON, 412 VALIDATION_ERROR to bad fields', async () => {
    expect(await api('POST', '/api/customer', '{"phone": "7999')).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', msg: 'Тело запроса не является корректным JSON' } });
    expect(await api('POST', '/api/customer', 'phone=79990001006', { 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({
      status: 415,
      body: { Message: "The request entity's media type 'application/x-www-form-urlencoded' is not supported for this resource." },
    });
    expect(await api('POST', '/api/customer', { phone: '12345' })).toMatchObject({ status: 412, body: PHONE_INVALID });
    const badBonus = await api('POST', '/api/customer', { phone: '79990001006', regBonus: 10.5 });
    expect(badBonus.status).toBe(412);
    expect(badBonus.body.code).toBe('VALIDATION_ERROR');
    expect(badBonus.body.msg).toMatch(/^regBonus: /);
    expect(await api('GET', '/api/customer?phone=79990001006')).toMatchObject({ status: 412, body: NOT_FOUND });
  });
});

describe('PATCH customer/{phone}', () => {
  it('moves the customer to another card type by name, repeatably', async () => {
    const created = (await api('POST', '/api/customer', { phone: '79990002001', regBonus: 50 })).body as CustomerJson;
    const gold = { ...created, discountCardName: 'Gold', discountCardTypeId: 2, nextCardName: 'Platinum', purchasesSumToNextCard: 100_000 };
    for (let i = 0; i < 2; i++) {
      const reply = await api('PATCH', '/api/customer/79990002001', { newCard: 'Gold' });
      expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: gold });
    }
    const platinum = await api('PATCH', '/api/customer/89990002001', { newCard: 'platinum' });
    expect(platinum.body).toEqual({ ...created, discountCardName: 'Platinum', discountCardTypeId: 3, nextCardName: null, purchasesSumToNextCard: null, baseBonusDebitPercent: 50 });
  });

  it('answers 412 for an unknown card type, an unknown phone and a missing newCard', async () => {
    await api('POST', '/api/customer', { phone: '79990002002' });
    expect(await api('PATCH', '/api/customer/79990002002', { newCard: 'Diamond' })).toMatchObject({ status: 412, body: { code: 'CARD_TYPE_NOT_FOUND', msg: 'Тип карты «Diamond» не найден' } });
    expect(await api('PATCH', '/api/customer/79990002999', { newCard: 'Gold' })).toMatchObject({ status: 412, body: NOT_FOUND });
    expect(await api('PATCH', '/api/customer/79990002002', {})).toMatchObject({ status: 412, body: { code: 'VALIDATION_ERROR', msg: 'newCard: newCard обязателен' } });
  });
});

describe('POST customer/list', () => {
  it('filters by phones (any form) and card numbers, in id order, with the same bodies as GET', async () => {
    const phones = [demoPerson(2).phoneDigits, `+${demoPerson(0).phoneDigits}`, '79990009999'];
    const reply = await api('POST', '/api/customer/list', { phone: phones });
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: [seededCustomer(0, 1), seededCustomer(2, 3)] });
    const byCard = await api('POST', '/api/customer/list', { cardNumber: [demoLoyalty(4).cardNumber] });
    expect(byCard.body).toEqual([seededCustomer(4, 5)]);
    const byEmail = await api('POST', '/api/customer/list', { email: [demoPerson(3).email.toUpperCase()] });
    expect(byEmail.body).toEqual([seededCustomer(3, 4)]);
  });

  it('pages with 1-based startRow and rowCount (numeric strings too)', async () => {
    const ids = async (filter: object) => ((await api('POST', '/api/customer/list', filter)).body as CustomerJson[]).map((c) => c.id);
    expect(await ids({ startRow: 1, rowCount: 2 })).toEqual([1, 2]);
    expect(await ids({ startRow: '3', rowCount: '2' })).toEqual([3, 4]);
    const all = await ids({ rowCount: 1000 });
    expect(all.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(await ids({})).toEqual(all);
  });

  it('filters by lastUpdateDate intervals: a ledger entry (a program-rule credit) changes the customer, and every request is journalled', async () => {
    const ids = async (filter: object) => ((await api('POST', '/api/customer/list', filter)).body as CustomerJson[]).map((c) => c.id);
    // Milliseconds here, microseconds in Postgres: step past the last change before taking the mark.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const t0 = new Date().toISOString();
    const before = await ids({ lastUpdateDate: [{ to: t0 }], rowCount: 1000 });
    expect(before).toContain(2);
    const credited = await fetch(`${server.url}/__emulator/rules/holiday`, { method: 'POST', body: JSON.stringify({ phone: demoPerson(1).phoneDigits, amount: 70 }) });
    expect(credited.status).toBe(200);

    const journalled = emulator.requests.length;
    expect(await ids({ lastUpdateDate: [{ from: t0 }] })).toEqual([2]);
    expect(emulator.requests.slice(journalled)).toEqual([{ method: 'POST', path: '/api/customer/list', body: JSON.stringify({ lastUpdateDate: [{ from: t0 }] }) }]);
    expect(await ids({ lastUpdateDate: [{ to: t0 }], rowCount: 1000 })).toEqual(before.filter((id) => id !== 2));
    // Any interval matches; other filters still apply.
    expect(await ids({ lastUpdateDate: [{ from: '2000-01-01', to: '2000-01-02' }, { from: t0 }], phone: [demoPerson(1).phoneDigits, demoPerson(0).phoneDigits] })).toEqual([2]);
    expect(await api('POST', '/api/customer/list', { lastUpdateDate: [{ from: 'yesterday' }] })).toMatchObject({ status: 412, body: { code: 'VALIDATION_ERROR' } });
  });

  it('refuses rowCount over 1000 and startRow below 1', async () => {
    expect(await api('POST', '/api/customer/list', { rowCount: 1001 })).toMatchObject({ status: 412, body: { code: 'VALIDATION_ERROR', msg: 'rowCount: от 1 до 1000' } });
    expect(await api('POST', '/api/customer/list', { startRow: 0 })).toMatchObject({ status: 412, body: { code: 'VALIDATION_ERROR', msg: 'startRow: нумерация строк начинается с 1' } });
  });
});

describe('card types, routing', () => {
  it('lists the demo program card types (ASSUMED route)', async () => {
    const reply = await api('GET', '/api/discountCardType');
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 200,
      body: DEMO_CARD_TYPES.map((t) => ({ id: t.id, name: t.name, bonusPercent: t.bonusPercent, maxDebitPercent: t.maxDebitPercent, purchasesSumFrom: t.purchasesSumFrom })),
    });
  });

  it('answers unknown routes 404 and wrong methods 405, ASP.NET style', async () => {
    const missing = await api('GET', '/api/nothing-here');
    expect({ status: missing.status, body: missing.body }).toEqual({
      status: 404,
      body: { Message: `No HTTP resource was found that matches the request URI '${server.url}/api/nothing-here'.` },
    });
    expect(await api('GET', '/api/customer/list')).toMatchObject({ status: 405, body: { Message: "The requested resource does not support http method 'GET'." } });
  });
});

describe('rate limit (ASSUMED 20/s per key by default)', () => {
  it('answers 429 with Retry-After past the limit, per key, and lets the client in again after it', async () => {
    const limited = createBonusPlusEmulator({ db: testDb.db, apiKeys: [KEY, OTHER_KEY], requestsPerSecond: 2 });
    const limitedServer = await limited.start(0);
    try {
      const replies = await Promise.all(Array.from({ length: 8 }, () => call(limitedServer.url, 'GET', '/api/account')));
      const ok = replies.filter((r) => r.status === 200);
      const refused = replies.filter((r) => r.status !== 200);
      // A burst of 2, plus at most one token refilled (every 500 ms) while the burst is in flight.
      expect(ok.length).toBeGreaterThanOrEqual(2);
      expect(ok.length).toBeLessThanOrEqual(3);
      for (const r of refused) {
        expect({ status: r.status, retryAfter: r.headers.get('retry-after'), body: r.body }).toEqual({
          status: 429,
          retryAfter: '1',
          body: { code: 'TOO_MANY_REQUESTS', msg: 'Превышен лимит запросов к API' },
        });
      }
      expect((await call(limitedServer.url, 'GET', '/api/account', undefined, { authorization: auth(OTHER_KEY) })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await call(limitedServer.url, 'GET', '/api/account')).status).toBe(200);
    } finally {
      await limitedServer.close();
    }
  });
});

describe('fault switches', () => {
  it('fails the given number of matching requests with the given status', async () => {
    emulator.faults.set({ failStatus: 503, failCount: 1, pathPattern: '^GET /api/account$' });
    expect(await api('GET', '/api/account')).toMatchObject({ status: 503, body: { Message: 'An error has occurred.' } });
    expect((await api('GET', `/api/customer?phone=${demoPerson(0).phoneDigits}`)).status).toBe(200);
    expect((await api('GET', '/api/account')).status).toBe(200);
  });

  it('is driven over HTTP too, and adds latency', async () => {
    const set = await fetch(`${server.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ latencyMs: 300 }) });
    expect(set.status).toBe(200);
    const started = performance.now();
    expect((await api('GET', '/api/account')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await fetch(`${server.url}/__emulator/faults`, { method: 'DELETE' });
    expect(emulator.faults.current.latencyMs).toBe(0);
  });

  it('dropAfterApply creates the customer but loses the reply; the retry then gets CUSTOMER_ALREADY_EXISTS', async () => {
    emulator.faults.set({ dropAfterApply: true, dropCount: 1, pathPattern: '^POST /api/customer$' });
    await expect(api('POST', '/api/customer', { phone: '79990003001', regBonus: 500 })).rejects.toThrow();
    expect(await api('POST', '/api/customer', { phone: '79990003001', regBonus: 500 })).toMatchObject({ status: 412, body: ALREADY_EXISTS });
    const stored = await api('GET', '/api/customer?phone=79990003001');
    expect({ status: stored.status, available: stored.body.availableBonuses }).toEqual({ status: 200, available: 500 });
  });
});

describe('bonus ledger', () => {
  const customerIdOf = async (phone: string, regBonus: number) => (await api('POST', '/api/customer', { phone, regBonus })).body.id as number;
  const debit = (customerId: number, amount: number) => db.transaction().execute((trx) => debitBonuses(trx, { customerId, amount, reason: 'manual' }));

  it('never lets concurrent debits take more than the balance', async () => {
    const customerId = await customerIdOf('79990004001', 100);
    const results: DebitResult[] = await Promise.all(Array.from({ length: 12 }, () => debit(customerId, 30)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual(Array(9).fill('INSUFFICIENT_BONUSES'));
    const after = (await api('GET', '/api/customer?phone=79990004001')).body;
    expect({ available: after.availableBonuses, debited: after.debitedBonuses }).toEqual({ available: 10, debited: 90 });
    const lots = await db.selectFrom('bonusplus_emulator.bonus_lots').select(['amount', 'remaining']).where('customer_id', '=', customerId).execute();
    expect(lots).toEqual([{ amount: 100, remaining: 10 }]);
  });

  it('spends soonest-expiring active lots first and leaves not-yet-active bonuses alone', async () => {
    const customerId = await customerIdOf('79990004002', 100);
    const day = 86_400_000;
    const expiring = await creditBonuses(db, { customerId, amount: 50, reason: 'manual', expiresAt: new Date(Date.now() + 10 * day) });
    await creditBonuses(db, { customerId, amount: 40, reason: 'purchase', activeFrom: new Date(Date.now() + 14 * day) });
    const before = (await api('GET', '/api/customer?phone=79990004002')).body;
    expect([before.availableBonuses, before.notActiveBonuses, before.allBonuses]).toEqual([150, 40, 190]);

    const spent = await debit(customerId, 60);
    expect(spent.ok).toBe(true);
    const allocations = await db
      .selectFrom('bonusplus_emulator.bonus_debit_allocations')
      .select(['lot_id', 'amount'])
      .where('transaction_id', '=', spent.ok ? spent.transactionId : -1)
      .orderBy('amount', 'desc')
      .execute();
    expect(allocations[0]).toEqual({ lot_id: expiring.lotId, amount: 50 });
    expect(allocations[1]?.amount).toBe(10);
    expect(await debit(customerId, 91)).toEqual({ ok: false, code: 'INSUFFICIENT_BONUSES', available: 90 });
    const after = (await api('GET', '/api/customer?phone=79990004002')).body;
    expect([after.availableBonuses, after.notActiveBonuses, after.debitedBonuses]).toEqual([90, 40, 60]);
  });

  it('refuses, in the database itself, a negative lot and any edit of the ledger', async () => {
    const customerId = await customerIdOf('79990004003', 20);
    await expect(sql`update bonusplus_emulator.bonus_lots set remaining = remaining - 21 where customer_id = ${customerId}`.execute(db)).rejects.toThrow(/bonus_lots_remaining_within_amount/);
    await expect(sql`update bonusplus_emulator.bonus_transactions set amount = 1 where customer_id = ${customerId}`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from bonusplus_emulator.bonus_transactions where customer_id = ${customerId}`.execute(db)).rejects.toThrow(/append-only/);
    expect((await api('GET', '/api/customer?phone=79990004003')).body.availableBonuses).toBe(20);
  });
});

describe('seed', () => {
  it('is idempotent', async () => {
    await emulator.seed({ onlineCustomers: 10, showroomCustomers: 10 });
    const seeded = await db.selectFrom('bonusplus_emulator.customers').select('phone').where('phone', 'like', '7916%').execute();
    expect(seeded).toHaveLength(SEEDED.onlineCustomers + SEEDED.showroomCustomers);
  });

  it('loads 420 demo customers well under two seconds, each with the demo loyalty state', async () => {
    const fresh = await createTestDatabase();
    try {
      await migrateSchema(fresh.db, bonusPlusEmulatorSchema);
      const big = createBonusPlusEmulator({ db: fresh.db, apiKeys: [KEY], requestsPerSecond: 0 });
      const started = performance.now();
      await big.seed({ onlineCustomers: 300, showroomCustomers: 120 });
      expect(performance.now() - started).toBeLessThan(2_000);
      const bigServer = await big.start(0);
      try {
        const first = (await call(bigServer.url, 'POST', '/api/customer/list', { startRow: 1, rowCount: 1000 })).body as CustomerJson[];
        expect(first).toHaveLength(420);
        expect(first).toEqual(Array.from({ length: 420 }, (_v, i) => seededCustomer(i, i + 1)));
      } finally {
        await bigServer.close();
      }
    } finally {
      await fresh.close();
    }
  });
});
