import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { UpstreamUnavailableError } from '../../platform/http/upstream-client.js';
import { CaptureServer, type CapturedRequest } from '../../test/support/capture-server.js';
import { BonusPlusCustomerExistsError, createBonusPlusClient } from './bonusplus.client.js';
import { BonusPlusApiError, BonusPlusRetailError, type BpCustomer } from './bonusplus.port.js';

const RAW_KEY = 'raw-key-из-кабинета';
const AUTHORIZATION = `ApiKey ${Buffer.from(RAW_KEY, 'utf8').toString('base64')}`;

const capture = new CaptureServer();
const captured = capture.requests;

beforeAll(async () => {
  await capture.start();
});
afterAll(() => capture.stop());

let client: ReturnType<typeof createBonusPlusClient>;
beforeEach(() => {
  capture.reset();
  // A fresh client per test: the circuit breaker must not carry failures from one test to the next.
  client = createBonusPlusClient({ baseUrl: `${capture.url}/`, apiKey: RAW_KEY, timeoutMs: 1_000, requestsPerSecond: 0 });
});
afterEach(() => client.close());

/** A customer as BonusPlus sends it: nulls where nothing is known. */
const wireCustomer = {
  id: 42,
  phone: '79161234567',
  person: { fn: 'Анна', ln: 'Смирнова', mn: null },
  email: null,
  availableBonuses: 500,
  notActiveBonuses: 40,
  allBonuses: 540,
  debitedBonuses: 10,
  discountCardName: 'Silver',
  discountCardNumber: '2600000000042',
  discountCardTypeId: 1,
  nextCardName: 'Gold',
  purchasesTotalSum: 1234.5,
  purchasesSumToNextCard: 28765.5,
  baseDiscountPercent: 0,
  baseBonusDebitPercent: 30,
  bonusDebitDenided: false,
  multiplicityDebitBonus: 10,
};

const domainCustomer: BpCustomer = {
  id: 42,
  phone: '79161234567',
  person: { fn: 'Анна', ln: 'Смирнова' },
  availableBonuses: 500,
  notActiveBonuses: 40,
  allBonuses: 540,
  debitedBonuses: 10,
  discountCardName: 'Silver',
  discountCardNumber: '2600000000042',
  discountCardTypeId: 1,
  nextCardName: 'Gold',
  purchasesTotalSum: 1234.5,
  purchasesSumToNextCard: 28765.5,
  baseDiscountPercent: 0,
  baseBonusDebitPercent: 30,
  bonusDebitDenided: false,
  multiplicityDebitBonus: 10,
};

/** The parts of a request the API cares about. */
const request = (c: CapturedRequest) => ({
  method: c.method,
  url: c.url,
  authorization: c.headers.authorization,
  contentType: c.headers['content-type'],
  contentLength: c.headers['content-length'],
  body: c.body,
});

describe('requests', () => {
  it('findCustomer: GET customer?phone= with the phone as digits, the base64 key and the JSON content type', async () => {
    capture.enqueue({ status: 200, body: wireCustomer });
    expect(await client.findCustomer('+79161234567')).toEqual(domainCustomer);
    expect(captured.map(request)).toEqual([
      { method: 'GET', url: '/api/customer?phone=79161234567', authorization: AUTHORIZATION, contentType: 'application/json', contentLength: undefined, body: '' },
    ]);
  });

  it('createCustomer: POST customer with exactly the given fields', async () => {
    capture.enqueue({ status: 200, body: wireCustomer });
    const created = await client.createCustomer({ phone: '+79161234567', fn: 'Анна', ln: 'Смирнова', email: 'anna@example.ru', card: '2600000000042', regBonus: 500 });
    expect(created).toEqual(domainCustomer);
    const body = '{"phone":"79161234567","fn":"Анна","ln":"Смирнова","email":"anna@example.ru","card":"2600000000042","regBonus":500}';
    expect(captured.map(request)).toEqual([
      { method: 'POST', url: '/api/customer', authorization: AUTHORIZATION, contentType: 'application/json', contentLength: String(Buffer.byteLength(body)), body },
    ]);
  });

  it('changeCardType: PATCH customer/{phone} with {newCard}', async () => {
    capture.enqueue({ status: 200, body: { ...wireCustomer, discountCardName: 'Gold', discountCardTypeId: 2 } });
    const changed = await client.changeCardType('8 916 123-45-67', 'Gold');
    expect(changed).toEqual({ ...domainCustomer, discountCardName: 'Gold', discountCardTypeId: 2 });
    expect(captured.map(request)).toEqual([
      { method: 'PATCH', url: '/api/customer/79161234567', authorization: AUTHORIZATION, contentType: 'application/json', contentLength: '18', body: '{"newCard":"Gold"}' },
    ]);
  });

  it('listCustomers: POST customer/list with the filter, phones as digits', async () => {
    capture.enqueue({ status: 200, body: [wireCustomer, { ...wireCustomer, id: 43, phone: '79161234568', person: null }] });
    const list = await client.listCustomers({ phone: ['+79161234567', '79161234568'], cardNumber: ['2600000000042'], startRow: 1, rowCount: 2 });
    expect(list).toEqual([domainCustomer, { ...domainCustomer, id: 43, phone: '79161234568', person: {} }]);
    const body = '{"phone":["79161234567","79161234568"],"cardNumber":["2600000000042"],"startRow":1,"rowCount":2}';
    expect(captured.map(request)).toEqual([
      { method: 'POST', url: '/api/customer/list', authorization: AUTHORIZATION, contentType: 'application/json', contentLength: String(body.length), body },
    ]);
  });

  it('listCustomers: lastUpdateDate as DateTimeIntervals with ISO instants', async () => {
    capture.enqueue({ status: 200, body: [] });
    await client.listCustomers({ lastUpdateDate: [{ from: new Date('2025-03-01T10:00:00Z') }, { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-01-02T00:00:00Z') }], startRow: 1001, rowCount: 1000 });
    const body = '{"lastUpdateDate":[{"from":"2025-03-01T10:00:00.000Z"},{"from":"2025-01-01T00:00:00.000Z","to":"2025-01-02T00:00:00.000Z"}],"startRow":1001,"rowCount":1000}';
    expect(captured.map(request)).toEqual([
      { method: 'POST', url: '/api/customer/list', authorization: AUTHORIZATION, contentType: 'application/json', contentLength: String(body.length), body },
    ]);
  });

  it('listCardTypes: GET discountCardType', async () => {
    const types = [{ id: 1, name: 'Silver', bonusPercent: 5, maxDebitPercent: 30, purchasesSumFrom: 0 }];
    capture.enqueue({ status: 200, body: types });
    expect(await client.listCardTypes()).toEqual(types);
    expect(captured.map(request)).toEqual([
      { method: 'GET', url: '/api/discountCardType', authorization: AUTHORIZATION, contentType: 'application/json', contentLength: undefined, body: '' },
    ]);
  });

  it('refuses a phone BonusPlus cannot take without sending anything', async () => {
    const error = await client.findCustomer('12-34').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('BAD_USER_INPUT');
    expect(captured).toHaveLength(0);
  });
});

describe('answers', () => {
  it('maps 412 CUSTOMER_NOT_FOUND on find to undefined', async () => {
    capture.enqueue({ status: 412, body: { code: 'CUSTOMER_NOT_FOUND', msg: 'Клиент не найден' } });
    expect(await client.findCustomer('79161234567')).toBeUndefined();
  });

  it('maps CUSTOMER_ALREADY_EXISTS to its own class, still a BonusPlusApiError with the code', async () => {
    capture.enqueue({ status: 412, body: { code: 'CUSTOMER_ALREADY_EXISTS', msg: 'exists' } });
    const error = await client.createCustomer({ phone: '79161234567' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BonusPlusCustomerExistsError);
    expect(error).toBeInstanceOf(BonusPlusApiError);
    expect({ ...(error as BonusPlusApiError) }).toMatchObject({ status: 412, code: 'CUSTOMER_ALREADY_EXISTS', msg: 'exists' });
  });

  it('maps other 4xx to BonusPlusApiError, framework answers without a code to HTTP_<status>', async () => {
    capture.enqueue({ status: 412, body: { code: 'CARD_TYPE_NOT_FOUND', msg: 'no such card' } });
    await expect(client.changeCardType('79161234567', 'Diamond')).rejects.toMatchObject({ name: 'BonusPlusApiError', status: 412, code: 'CARD_TYPE_NOT_FOUND', msg: 'no such card' });
    capture.enqueue({ status: 401, body: { Message: 'Authorization has been denied for this request.' } });
    await expect(client.findCustomer('79161234567')).rejects.toMatchObject({ status: 401, code: 'HTTP_401', msg: 'Authorization has been denied for this request.' });
    expect(captured).toHaveLength(2);
  });

  it('retries a create whose reply was lost; the retry answering CUSTOMER_ALREADY_EXISTS surfaces as such', async () => {
    capture.enqueue({ drop: true }, { status: 412, body: { code: 'CUSTOMER_ALREADY_EXISTS', msg: 'exists' } });
    await expect(client.createCustomer({ phone: '79161234567', regBonus: 500 })).rejects.toBeInstanceOf(BonusPlusCustomerExistsError);
    const body = '{"phone":"79161234567","regBonus":500}';
    const sent = { method: 'POST', url: '/api/customer', authorization: AUTHORIZATION, contentType: 'application/json', contentLength: String(body.length), body };
    expect(captured.map(request)).toEqual([sent, sent]);
  });

  it('retries reads after a 5xx and after a 429, honouring Retry-After', async () => {
    capture.enqueue({ status: 500, body: { Message: 'An error has occurred.' } }, { status: 429, headers: { 'retry-after': '0' }, body: { code: 'TOO_MANY_REQUESTS', msg: 'slow down' } }, { status: 200, body: wireCustomer });
    expect(await client.findCustomer('79161234567')).toEqual(domainCustomer);
    expect(captured).toHaveLength(3);
    expect(client.upstream.requestCount).toBe(3);
  });

  it('gives UpstreamUnavailableError when BonusPlus keeps failing or answers nonsense', async () => {
    capture.enqueue(...Array.from({ length: 4 }, () => ({ status: 503, body: { Message: 'An error has occurred.' } })));
    await expect(client.listCardTypes()).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(captured).toHaveLength(4);
    capture.enqueue({ status: 200, body: { ...wireCustomer, availableBonuses: 'many' } });
    await expect(client.findCustomer('79161234567')).rejects.toThrow(/unexpected shape \(availableBonuses: /);
    capture.enqueue({ status: 200, body: '<html>maintenance</html>' });
    await expect(client.findCustomer('79161234567')).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it('fails fast while the circuit is open, and tries again after the half-open time', async () => {
    const fragile = createBonusPlusClient({ baseUrl: capture.url, apiKey: RAW_KEY, timeoutMs: 1_000, requestsPerSecond: 0, maxRetries: 0, breakerThreshold: 2, breakerHalfOpenAfterMs: 150 });
    try {
      capture.enqueue({ status: 503, body: {} }, { status: 503, body: {} });
      for (let i = 0; i < 2; i++) await expect(fragile.listCardTypes()).rejects.toBeInstanceOf(UpstreamUnavailableError);
      await expect(fragile.listCardTypes()).rejects.toThrow(/circuit open/);
      expect(captured).toHaveLength(2);
      await new Promise((r) => setTimeout(r, 200));
      capture.enqueue({ status: 200, body: [] });
      expect(await fragile.listCardTypes()).toEqual([]);
      expect(captured).toHaveLength(3);
    } finally {
      await fragile.close();
    }
  });
});

describe('receipts', () => {
  const sale = {
    phone: '+79161234567',
    items: [
      { ext: 'L1', product: 'offer-1', qnt: 2, priceKopecks: 50_000, sumKopecks: 100_000 },
      { ext: 'L2', product: 'offer-2', qnt: 1, priceKopecks: 33_333, sumKopecks: 33_333, discountKopecks: 1_050, category: 'coats' },
    ],
    bonusDebit: 300,
    store: 'online',
    date: new Date('2025-03-01T10:00:00.000Z'),
  };
  const wireItems = [
    { ext: 'L1', product: 'offer-1', qnt: 2, price: 500, sum: 1000 },
    { ext: 'L2', product: 'offer-2', qnt: 1, price: 333.33, sum: 333.33, ds: 10.5, cat: 'coats' },
  ];
  const sent = (method: string, url: string, body: string) => ({ method, url, authorization: AUTHORIZATION, contentType: 'application/json', contentLength: String(Buffer.byteLength(body)), body });

  it('calculate: PUT retail/calc with roubles, answered in whole bonuses and kopecks', async () => {
    capture.reply(200, {
      discount: [
        { ext: 'L1', cb: 38, db: 225, ds: 0, dp: 0, ids: 0, idp: 0, cbp: 5, dbp: 22.5, messages: [] },
        { ext: 'L2', cb: 12, db: 75, ds: 10.5, dp: 0, ids: 0, idp: 0, cbp: 5, dbp: 22.5, messages: [] },
      ],
      maxDebitBonuses: 390,
      multiplicityDebitBonus: 10,
      bonusDebit: 300,
      debitError: null,
    });
    expect(await client.calculate(sale)).toEqual({
      lines: [
        { ext: 'L1', earned: 38, debited: 225, discountKopecks: 0 },
        { ext: 'L2', earned: 12, debited: 75, discountKopecks: 1_050 },
      ],
      maxDebitBonuses: 390,
      debitMultiple: 10,
      bonusDebit: 300,
      earnedTotal: 50,
    });
    const body = JSON.stringify({ phone: '79161234567', items: wireItems, bonusDebit: 300, store: 'online', date: '2025-03-01T10:00:00.000Z' });
    expect(captured.map(request)).toEqual([sent('PUT', '/api/retail/calc', body)]);
  });

  it('calculate reports a debit that was not allowed as asked', async () => {
    capture.reply(200, { discount: [], maxDebitBonuses: 0, multiplicityDebitBonus: 10, bonusDebit: 0, debitError: { code: 'NOT_ENOUGH_BONUSES', msg: 'мало' } });
    expect((await client.calculate({ ...sale, items: [] })).debitProblem).toBe('NOT_ENOUGH_BONUSES');
  });

  it('reserve and release: PATCH customer/{phone}/balance/reserve with {id, ±amount}, 204', async () => {
    capture.reply(204, undefined).reply(204, undefined);
    await client.reserve('+79161234567', 'order-1', 300);
    await client.release('+79161234567', 'order-1', 300);
    expect(captured.map(request)).toEqual([
      sent('PATCH', '/api/customer/79161234567/balance/reserve', '{"id":"order-1","amount":300}'),
      sent('PATCH', '/api/customer/79161234567/balance/reserve', '{"id":"order-1","amount":-300}'),
    ]);
    await expect(client.reserve('+79161234567', 'order-1', 0)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(captured).toHaveLength(2);
  });

  it('maps 412 codes of the receipt routes to BonusPlusRetailError', async () => {
    capture.reply(412, { code: 'NOT_ENOUGH_BONUSES', msg: 'Недостаточно бонусов: доступно 10' });
    const error = await client.reserve('79161234567', 'order-2', 300).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BonusPlusRetailError);
    expect(error).toBeInstanceOf(BonusPlusApiError);
    expect({ ...(error as BonusPlusRetailError) }).toMatchObject({ status: 412, code: 'NOT_ENOUGH_BONUSES', msg: 'Недостаточно бонусов: доступно 10' });
  });

  it('registerSale: POST retail with externalId and reserveId; retried after a lost reply', async () => {
    capture.enqueue({ drop: true }, { status: 200, body: { id: 7, orderUid: '0b6b5c2e-7d3a-4c55-9c1e-2f1f7f0a7a11', orderUrl: null, customer: wireCustomer } });
    expect(await client.registerSale({ ...sale, externalId: 'order-1', reserveId: 'order-1', desc: 'заказ', cashier: 'site' })).toEqual({
      id: 7,
      orderUid: '0b6b5c2e-7d3a-4c55-9c1e-2f1f7f0a7a11',
      customer: domainCustomer,
    });
    const body = JSON.stringify({ phone: '79161234567', items: wireItems, bonusDebit: 300, store: 'online', date: '2025-03-01T10:00:00.000Z', externalId: 'order-1', reserveId: 'order-1', desc: 'заказ', cashier: 'site' });
    expect(captured.map(request)).toEqual([sent('POST', '/api/retail', body), sent('POST', '/api/retail', body)]);
  });

  it('registerReturn: POST retail/return (ASSUMED route)', async () => {
    capture.reply(200, { id: 3, externalId: 'ret-1', receiptId: 7, items: [{ ext: 'L1', qnt: 1, cb: 19, db: 113 }], cb: 19, db: 113, unrecovered: 0, customer: wireCustomer });
    expect(await client.registerReturn({ externalId: 'ret-1', receiptExternalId: 'order-1', items: [{ ext: 'L1', qnt: 1 }] })).toEqual({
      id: 3,
      lines: [{ ext: 'L1', qnt: 1, earnedReversed: 19, debitedRefunded: 113 }],
      earnedReversed: 19,
      debitedRefunded: 113,
      unrecovered: 0,
      customer: domainCustomer,
    });
    expect(captured.map(request)).toEqual([sent('POST', '/api/retail/return', '{"externalId":"ret-1","receiptExternalId":"order-1","items":[{"ext":"L1","qnt":1}]}')]);
  });
});

describe('returns by PATCH customer/{phone}/balance (returnStrategy balance-patch)', () => {
  let patching: ReturnType<typeof createBonusPlusClient>;
  beforeEach(() => {
    patching = createBonusPlusClient({ baseUrl: capture.url, apiKey: RAW_KEY, timeoutMs: 1_000, requestsPerSecond: 0, returnStrategy: 'balance-patch' });
  });
  afterEach(() => patching.close());
  const input = { externalId: 'ret-1', receiptExternalId: 'order-1', phone: '+79161234567', items: [{ ext: '1', qnt: 1, earnedReversed: 19, spentRefunded: 113 }] };
  const entry = (id: number, kind: string, amount: number, reference: string) => ({ id, kind, reason: 'manual', amount, date: '2026-03-01T10:00:00.000Z', reference, expiresAt: null });

  it('reads the transactions, credits the spent bonuses, debits the earned ones (at most the balance), each with its key', async () => {
    capture.reply(200, [entry(5, 'credit', 500, 'registration')]).reply(200, { phoneNumber: '79161234567', amount: 113 });
    capture.reply(200, { ...wireCustomer, availableBonuses: 10 }).reply(200, { phoneNumber: '79161234567', amount: -10 }).reply(200, { ...wireCustomer, availableBonuses: 0 });
    const receipt = await patching.registerReturn(input);
    expect(receipt).toMatchObject({ id: null, earnedReversed: 19, debitedRefunded: 113, unrecovered: 9, lines: [{ ext: '1', qnt: 1, earnedReversed: 19, debitedRefunded: 113 }] });
    expect(captured.map((c) => `${c.method} ${c.url} ${c.body}`)).toEqual([
      'GET /api/customer/79161234567/transactions?rowCount=1000 ',
      'PATCH /api/customer/79161234567/balance {"amount":113,"comment":"return:ret-1:refund"}',
      'GET /api/customer?phone=79161234567 ',
      'PATCH /api/customer/79161234567/balance {"amount":-10,"comment":"return:ret-1:take-back"}',
      'GET /api/customer?phone=79161234567 ',
    ]);
  });

  it('a move already in the transactions is not made again; a lost reply is not retried by the client', async () => {
    capture.reply(200, [entry(9, 'credit', 113, 'return:ret-1:refund')]).reply(200, wireCustomer).enqueue({ drop: true });
    await expect(patching.registerReturn(input)).rejects.toBeInstanceOf(UpstreamUnavailableError);
    capture.reply(200, [entry(10, 'debit', 19, 'return:ret-1:take-back'), entry(9, 'credit', 113, 'return:ret-1:refund')]).reply(200, wireCustomer);
    expect(await patching.registerReturn(input)).toMatchObject({ unrecovered: 0, earnedReversed: 19, debitedRefunded: 113 });
    expect(captured.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual(['{"amount":-19,"comment":"return:ret-1:take-back"}']);
  });
});

describe('lots and the ledger (ASSUMED routes)', () => {
  const wireLot = { id: 7, reason: 'birthday', amount: 300, remaining: 120, activeFrom: '2026-03-01T09:00:00.000Z', expiresAt: '2026-03-31T09:00:00.000Z' };
  const lot = { id: 7, reason: 'birthday', amount: 300, remaining: 120, activeFrom: new Date('2026-03-01T09:00:00.000Z'), expiresAt: new Date('2026-03-31T09:00:00.000Z') };

  it('listBonusLots: GET customer/{phone}/bonuses, dates as Dates, a missing expiry as null', async () => {
    capture.enqueue({ status: 200, body: [wireLot, { ...wireLot, id: 8, reason: 'purchase', expiresAt: null }] });
    expect(await client.listBonusLots('+79161234567')).toEqual([lot, { ...lot, id: 8, reason: 'purchase', expiresAt: null }]);
    expect(captured.map(request)).toEqual([
      { method: 'GET', url: '/api/customer/79161234567/bonuses', authorization: AUTHORIZATION, contentType: 'application/json', contentLength: undefined, body: '' },
    ]);
  });

  it('listTransactions: GET customer/{phone}/transactions with the page in the query string, or none', async () => {
    const entry = { id: 11, kind: 'debit', reason: 'expiry', amount: 120, date: '2026-03-31T09:00:00.000Z', reference: 'lot:7', expiresAt: '2026-03-31T09:00:00.000Z' };
    capture.enqueue({ status: 200, body: [entry, { ...entry, id: 10, kind: 'credit', reason: 'registration', reference: null, expiresAt: null }] }, { status: 200, body: [] });
    expect(await client.listTransactions('89161234567', { startRow: 101, rowCount: 100 })).toEqual([
      { id: 11, kind: 'debit', reason: 'expiry', amount: 120, date: new Date('2026-03-31T09:00:00.000Z'), reference: 'lot:7', expiresAt: new Date('2026-03-31T09:00:00.000Z') },
      { id: 10, kind: 'credit', reason: 'registration', amount: 120, date: new Date('2026-03-31T09:00:00.000Z'), reference: null, expiresAt: null },
    ]);
    expect(await client.listTransactions('79161234567')).toEqual([]);
    expect(captured.map(request)).toEqual([
      { method: 'GET', url: '/api/customer/79161234567/transactions?startRow=101&rowCount=100', authorization: AUTHORIZATION, contentType: 'application/json', contentLength: undefined, body: '' },
      { method: 'GET', url: '/api/customer/79161234567/transactions', authorization: AUTHORIZATION, contentType: 'application/json', contentLength: undefined, body: '' },
    ]);
  });

  it('listExpiringLots: POST bonus/expiring with the date as an ISO instant and the page', async () => {
    capture.enqueue({ status: 200, body: [{ ...wireLot, phone: '79161234567' }] });
    expect(await client.listExpiringLots(new Date('2026-03-08T00:00:00.000Z'), { startRow: 1, rowCount: 500 })).toEqual([{ ...lot, phone: '79161234567' }]);
    const body = '{"before":"2026-03-08T00:00:00.000Z","startRow":1,"rowCount":500}';
    expect(captured.map(request)).toEqual([
      { method: 'POST', url: '/api/bonus/expiring', authorization: AUTHORIZATION, contentType: 'application/json', contentLength: String(body.length), body },
    ]);
  });

  it('refuses an answer of another shape, and passes 412 CUSTOMER_NOT_FOUND on as a BonusPlusApiError', async () => {
    capture.enqueue({ status: 200, body: [{ ...wireLot, activeFrom: 'yesterday' }] });
    await expect(client.listBonusLots('79161234567')).rejects.toThrow(/unexpected shape \(0\.activeFrom: /);
    capture.enqueue({ status: 200, body: [{ id: 1, kind: 'gift', reason: 'x', amount: 1, date: '2026-03-31T09:00:00.000Z' }] });
    await expect(client.listTransactions('79161234567')).rejects.toBeInstanceOf(UpstreamUnavailableError);
    capture.enqueue({ status: 412, body: { code: 'CUSTOMER_NOT_FOUND', msg: 'Клиент не найден' } });
    await expect(client.listBonusLots('79161234567')).rejects.toMatchObject({ status: 412, code: 'CUSTOMER_NOT_FOUND' });
  });
});
