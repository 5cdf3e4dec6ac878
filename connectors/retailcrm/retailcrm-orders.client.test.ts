import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamUnavailableError } from '../../platform/http/upstream-client.js';
import { CaptureServer } from '../../test/support/capture-server.js';
import { createRetailCrmClient } from './retailcrm.client.js';
import { toKopecks } from './retailcrm-orders.client.js';
import type { CrmOrder } from './retailcrm-orders.port.js';
import { RetailCrmApiError } from './retailcrm.port.js';

const capture = new CaptureServer();
const clients: ReturnType<typeof createRetailCrmClient>[] = [];

function client() {
  const c = createRetailCrmClient({ baseUrl: capture.url, apiKey: 'test-key', site: 'online', timeoutMs: 2_000, requestsPerSecond: 1_000 });
  clients.push(c);
  return c;
}

const form = (body: string) => [...new URLSearchParams(body).entries()];
const PAGE = { limit: 20, totalCount: 1, currentPage: 1, totalPageCount: 1 };

/** An order as RetailCRM prints it: roubles with decimals, payments keyed by id, fields we do not read. */
const crmOrder = {
  slug: 7001,
  id: 7001,
  number: '7001A',
  externalId: 'web-7001',
  orderType: 'eshop-individual',
  orderMethod: 'shopping-cart',
  privilegeType: 'none',
  site: 'online',
  status: 'new',
  statusUpdatedAt: '2024-05-02 10:15:00',
  createdAt: '2024-05-02 10:15:00',
  customer: { type: 'customer', id: 4770, externalId: 'ext-5', site: 'online', firstName: 'Вера' },
  contact: { id: 4770 },
  firstName: 'Вера',
  lastName: 'Смирнова',
  phone: '+79161230000',
  email: 'vera@example.ru',
  items: [
    {
      id: 101,
      offer: { id: 55, externalId: 'sku-55', xmlId: 'a1b2c3d4-0000-4000-8000-000000000055', name: 'Платье, M' },
      productName: 'Платье',
      quantity: 2,
      initialPrice: 4990.9,
      discountManualAmount: 100.5,
      discountTotal: 250.5,
      bonusesChargeTotal: 300,
      bonusesCreditTotal: 34,
      prices: [{ price: 4740.4, quantity: 2 }],
      status: 'new',
    },
    { id: 102, offer: { id: 56 }, quantity: 1, initialPrice: '1500.00', status: 'new' },
  ],
  delivery: { code: 'courier', cost: 300 },
  payments: {
    '9': { id: 9, externalId: 'pay-9', type: 'bank-card', status: 'paid', amount: 9480.8, paidAt: '2024-05-02 10:20:00' },
    '10': { id: 10, type: 'cash', status: 'not-paid', amount: '2000.05' },
  },
  summ: 10980.8,
  totalSumm: 11280.8,
  prepaySum: 9480.8,
  purchaseSumm: 0,
  bonusesChargeTotal: 300,
  bonusesCreditTotal: 34,
  customFields: { bonus_hold_id: 'h-1' },
};

const mappedOrder: CrmOrder = {
  id: 7001,
  number: '7001A',
  externalId: 'web-7001',
  site: 'online',
  status: 'new',
  createdAt: '2024-05-02 10:15:00',
  customer: { id: 4770, externalId: 'ext-5' },
  firstName: 'Вера',
  lastName: 'Смирнова',
  phone: '+79161230000',
  email: 'vera@example.ru',
  items: [
    {
      id: 101,
      offer: { id: 55, externalId: 'sku-55', xmlId: 'a1b2c3d4-0000-4000-8000-000000000055', name: 'Платье, M' },
      productName: 'Платье',
      quantity: 2,
      initialPriceKopecks: 499090,
      discountManualAmountKopecks: 10050,
      bonusesChargeTotal: 300,
      bonusesCreditTotal: 34,
      status: 'new',
    },
    { id: 102, offer: { id: 56 }, quantity: 1, initialPriceKopecks: 150000, discountManualAmountKopecks: 0, bonusesChargeTotal: 0, bonusesCreditTotal: 0, status: 'new' },
  ],
  payments: [
    { id: 9, externalId: 'pay-9', type: 'bank-card', status: 'paid', amountKopecks: 948080, paidAt: '2024-05-02 10:20:00' },
    { id: 10, type: 'cash', status: 'not-paid', amountKopecks: 200005 },
  ],
  summKopecks: 1098080,
  totalSummKopecks: 1128080,
  bonusesChargeTotal: 300,
  bonusesCreditTotal: 34,
  customFields: { bonus_hold_id: 'h-1' },
};

/** What the graph sends to create that order. */
const orderInput = {
  externalId: 'web-7001',
  status: 'new',
  customer: { externalId: 'ext-5' },
  firstName: 'Вера',
  phone: '+79161230000',
  items: [
    { offer: { xmlId: 'a1b2c3d4-0000-4000-8000-000000000055' }, productName: 'Платье', quantity: 2, initialPriceKopecks: 499090, discountManualAmountKopecks: 10050, bonusesChargeTotal: 300, bonusesCreditTotal: 34 },
    { offer: { id: 56 }, quantity: 1, initialPriceKopecks: 150000 },
  ],
  deliveryCostKopecks: 30000,
  customFields: { bonus_hold_id: 'h-1' },
  payments: [{ externalId: 'pay-9', type: 'bank-card', status: 'paid', amountKopecks: 948080 }],
};

const orderInputWire = {
  externalId: 'web-7001',
  status: 'new',
  customer: { externalId: 'ext-5' },
  firstName: 'Вера',
  phone: '+79161230000',
  items: [
    { offer: { xmlId: 'a1b2c3d4-0000-4000-8000-000000000055' }, productName: 'Платье', quantity: 2, initialPrice: 4990.9, discountManualAmount: 100.5, bonusesChargeTotal: 300, bonusesCreditTotal: 34 },
    { offer: { id: 56 }, quantity: 1, initialPrice: 1500 },
  ],
  delivery: { cost: 300 },
  customFields: { bonus_hold_id: 'h-1' },
  payments: [{ externalId: 'pay-9', type: 'bank-card', status: 'paid', amount: 9480.8 }],
};

const duplicateOrder = { success: false, errorMsg: 'Errors in the entity format', errors: { externalId: 'Order with externalId=web-7001 already exists.' } };
const rateLimited = { success: false, errorMsg: 'API rate limit exceeded: no more than 10 requests per second for one API key.' };

beforeAll(() => capture.start());
afterEach(async () => {
  capture.reset();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => capture.stop());

describe('the requests it sends and how it maps the answers', () => {
  it('createOrder: POST orders/create, form site and order=<json> with money in roubles; maps the order to kopecks', async () => {
    capture.reply(201, { success: true, id: 7001, order: crmOrder });
    expect(await client().createOrder(orderInput)).toEqual({ order: mappedOrder });

    expect(capture.requests).toHaveLength(1);
    const [req] = capture.requests;
    expect([req!.method, req!.rawPath, req!.query]).toEqual(['POST', '/api/v5/orders/create', []]);
    expect(req!.headers['x-api-key']).toBe('test-key');
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const fields = form(req!.body);
    expect(fields.map(([k]) => k)).toEqual(['site', 'order']);
    expect(fields[0]).toEqual(['site', 'online']);
    expect(JSON.parse(fields[1]![1])).toEqual(orderInputWire);
  });

  it('editOrder: POST orders/{id}/edit, form order=<json>, by and site; the id percent-encoded', async () => {
    capture.reply(200, { success: true, id: 7001, order: { ...crmOrder, status: 'cancel-other', payments: [] } });
    const result = await client().editOrder('web/7001 x', 'externalId', { status: 'cancel-other', items: [{ id: 101, quantity: 1, discountManualAmountKopecks: 5 }], customFields: { nps: 5 } });
    expect(result).toEqual({ ...mappedOrder, status: 'cancel-other', payments: [] });
    const [req] = capture.requests;
    expect([req!.method, req!.rawPath, req!.query]).toEqual(['POST', '/api/v5/orders/web%2F7001%20x/edit', []]);
    expect(req!.headers['x-api-key']).toBe('test-key');
    expect(form(req!.body)).toEqual([
      ['order', JSON.stringify({ status: 'cancel-other', items: [{ id: 101, quantity: 1, discountManualAmount: 0.05 }], customFields: { nps: 5 } })],
      ['by', 'externalId'],
      ['site', 'online'],
    ]);
  });

  it('getOrder: GET orders/{id} with by and site; payments printed as a list are read the same', async () => {
    const asList = { ...crmOrder, payments: Object.values(crmOrder.payments), fullPaidAt: '2024-05-02 10:21:00' };
    capture.reply(200, { success: true, order: crmOrder }).reply(200, { success: true, order: asList });
    const c = client();
    expect(await c.getOrder('web-7001', 'externalId')).toEqual(mappedOrder);
    expect(await c.getOrder(7001, 'id')).toEqual({ ...mappedOrder, fullPaidAt: '2024-05-02 10:21:00' });
    expect(capture.requests.map((r) => [r.method, r.rawPath, r.query, r.body, r.headers['x-api-key']])).toEqual([
      ['GET', '/api/v5/orders/web-7001', [['by', 'externalId'], ['site', 'online']], '', 'test-key'],
      ['GET', '/api/v5/orders/7001', [['by', 'id'], ['site', 'online']], '', 'test-key'],
    ]);
  });

  it('listOrders: GET orders with bracketed filter keys, limit and page; an empty id list sends nothing', async () => {
    const pagination = { limit: 50, totalCount: 51, currentPage: 2, totalPageCount: 2 };
    capture.reply(200, { success: true, pagination, orders: [crmOrder, { id: 1, number: '1A', status: 'new', createdAt: '2024-01-01 00:00:00', payments: [], customFields: [] }] });
    const c = client();
    const result = await c.listOrders(
      { ids: [1, 7001], externalIds: ['web-7001'], numbers: ['7001A'], customerId: 4770, customerExternalId: 'ext-5', extendedStatus: ['new', 'cancel'] },
      { limit: 50, page: 2 },
    );
    expect(result).toEqual({
      orders: [
        mappedOrder,
        { id: 1, number: '1A', status: 'new', createdAt: '2024-01-01 00:00:00', items: [], payments: [], summKopecks: 0, totalSummKopecks: 0, bonusesChargeTotal: 0, bonusesCreditTotal: 0, customFields: {} },
      ],
      pagination,
    });
    expect(await c.listOrders({ numbers: [] }, { limit: 100 })).toEqual({ orders: [], pagination: { limit: 100, totalCount: 0, currentPage: 1, totalPageCount: 0 } });

    expect(capture.requests).toHaveLength(1);
    const [req] = capture.requests;
    expect([req!.method, req!.rawPath, req!.body, req!.headers['x-api-key']]).toEqual(['GET', '/api/v5/orders', '', 'test-key']);
    expect(req!.query).toEqual([
      ['filter[ids][]', '1'],
      ['filter[ids][]', '7001'],
      ['filter[externalIds][]', 'web-7001'],
      ['filter[numbers][]', '7001A'],
      ['filter[customerId]', '4770'],
      ['filter[customerExternalId]', 'ext-5'],
      ['filter[extendedStatus][]', 'new'],
      ['filter[extendedStatus][]', 'cancel'],
      ['limit', '50'],
      ['page', '2'],
    ]);
  });

  it('ordersHistory: GET orders/history with filter[sinceId] and limit; creation records carry a mapped snapshot', async () => {
    const pagination = { limit: 100, totalCount: 3, currentPage: 1, totalPageCount: 1 };
    capture.reply(200, {
      success: true,
      generatedAt: '2024-05-02 11:00:00',
      history: [
        { id: 41, createdAt: '2024-05-02 10:15:00', created: true, source: 'api', field: 'status', apiKey: { current: true }, oldValue: null, newValue: { code: 'new' }, order: { ...crmOrder, payments: [] } },
        {
          id: 42,
          createdAt: '2024-05-02 10:20:00',
          source: 'user',
          user: { id: 1 },
          field: 'payments.status',
          oldValue: null,
          newValue: { code: 'paid' },
          order: { id: 7001, externalId: 'web-7001', site: 'online', status: 'new' },
          payment: { id: 9, type: 'bank-card', externalId: 'pay-9' },
        },
        { id: 43, createdAt: '2024-05-02 10:30:00', source: 'api', field: 'order_product.quantity', apiKey: { current: false }, oldValue: 2, newValue: 1, order: { id: 7001, site: 'online' }, item: { id: 101, offer: { id: 55 } } },
      ],
      pagination,
    });
    const result = await client().ordersHistory(40, 100);
    const [req] = capture.requests;
    expect([req!.method, req!.rawPath, req!.query, req!.headers['x-api-key']]).toEqual(['GET', '/api/v5/orders/history', [['filter[sinceId]', '40'], ['limit', '100']], 'test-key']);
    expect(result).toEqual({
      generatedAt: '2024-05-02 11:00:00',
      pagination,
      history: [
        {
          id: 41,
          createdAt: '2024-05-02 10:15:00',
          created: true,
          source: 'api',
          field: 'status',
          apiKey: { current: true },
          oldValue: null,
          newValue: { code: 'new' },
          order: { id: 7001, externalId: 'web-7001', site: 'online', status: 'new' },
          snapshot: { ...mappedOrder, payments: [] },
        },
        {
          id: 42,
          createdAt: '2024-05-02 10:20:00',
          source: 'user',
          user: { id: 1 },
          field: 'payments.status',
          oldValue: null,
          newValue: { code: 'paid' },
          order: { id: 7001, externalId: 'web-7001', site: 'online', status: 'new' },
          payment: { id: 9, type: 'bank-card', externalId: 'pay-9' },
        },
        { id: 43, createdAt: '2024-05-02 10:30:00', source: 'api', field: 'order_product.quantity', apiKey: { current: false }, oldValue: 2, newValue: 1, order: { id: 7001, site: 'online' }, item: { id: 101 } },
      ],
    });
  });

  it('createPayment: POST orders/payments/create, form payment=<json with the order ref, amount in roubles> and site', async () => {
    capture.reply(201, { success: true, id: 11 }).reply(201, { success: true, id: 12 });
    const c = client();
    expect(await c.createPayment({ externalId: 'web-7001' }, { externalId: 'pay-11', type: 'bank-card', status: 'paid', amountKopecks: 499090 })).toEqual({ id: 11 });
    expect(await c.createPayment({ id: 7001 }, { type: 'cash', amountKopecks: 5 })).toEqual({ id: 12 });
    expect(capture.requests.map((r) => [r.method, r.rawPath, r.query, r.headers['x-api-key'], form(r.body)])).toEqual([
      ['POST', '/api/v5/orders/payments/create', [], 'test-key', [['payment', '{"order":{"externalId":"web-7001"},"externalId":"pay-11","type":"bank-card","status":"paid","amount":4990.9}'], ['site', 'online']]],
      ['POST', '/api/v5/orders/payments/create', [], 'test-key', [['payment', '{"order":{"id":7001},"type":"cash","amount":0.05}'], ['site', 'online']]],
    ]);
  });

  it('editPayment: POST orders/payments/{id}/edit, form payment=<json>, by and site', async () => {
    capture.reply(200, { success: true });
    await expect(client().editPayment(9, 'id', { status: 'paid', amountKopecks: 948080 })).resolves.toBeUndefined();
    const [req] = capture.requests;
    expect([req!.method, req!.rawPath, req!.query, req!.headers['x-api-key']]).toEqual(['POST', '/api/v5/orders/payments/9/edit', [], 'test-key']);
    expect(form(req!.body)).toEqual([
      ['payment', '{"status":"paid","amount":9480.8}'],
      ['by', 'id'],
      ['site', 'online'],
    ]);
  });

  it('listStatuses: GET reference/statuses, the object keyed by code read as a list', async () => {
    capture.reply(200, {
      success: true,
      statuses: {
        new: { name: 'Новый', code: 'new', active: true, ordering: 10, group: 'new' },
        'cancel-other': { name: 'Отменён', code: 'cancel-other', active: false, ordering: 160, group: 'cancel' },
        complete: { name: 'Выполнен', code: 'complete', ordering: 150, group: 'complete' },
      },
    });
    expect(await client().listStatuses()).toEqual([
      { code: 'new', name: 'Новый', group: 'new', active: true },
      { code: 'cancel-other', name: 'Отменён', group: 'cancel', active: false },
      { code: 'complete', name: 'Выполнен', group: 'complete', active: true },
    ]);
    expect(capture.requests.map((r) => [r.method, r.rawPath, r.query, r.body, r.headers['x-api-key']])).toEqual([['GET', '/api/v5/reference/statuses', [], '', 'test-key']]);
  });

  it('listPaymentStatuses: GET reference/payment-statuses with paymentComplete', async () => {
    capture.reply(200, {
      success: true,
      paymentStatuses: {
        'not-paid': { name: 'Не оплачен', code: 'not-paid', active: true, defaultForCrm: true, paymentComplete: false, ordering: 10 },
        paid: { name: 'Оплачен', code: 'paid', active: true, paymentComplete: true, ordering: 50, paymentTypes: ['bank-card', 'cash'] },
        fail: { name: 'Ошибка', code: 'fail', active: true, ordering: 60 },
      },
    });
    expect(await client().listPaymentStatuses()).toEqual([
      { code: 'not-paid', name: 'Не оплачен', paymentComplete: false },
      { code: 'paid', name: 'Оплачен', paymentComplete: true },
      { code: 'fail', name: 'Ошибка', paymentComplete: false },
    ]);
    expect(capture.requests.map((r) => [r.method, r.rawPath, r.query, r.body, r.headers['x-api-key']])).toEqual([['GET', '/api/v5/reference/payment-statuses', [], '', 'test-key']]);
  });
});

describe('money', () => {
  it('converts roubles to kopecks by their decimal text, and refuses more than two decimals', () => {
    expect([4990.9, '4990.90', 0.1 + 0.2, 19.99, 0.07, '-12.3', 1999999.99, '7'].map(toKopecks)).toEqual([499090, 499090, 30, 1999, 7, -1230, 199999999, 700]);
    expect([4990.905, '4990.905', '1e3', '', 'abc'].map(toKopecks)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('refuses an answer whose amount has more than two decimals as an outage, never rounding it', async () => {
    capture
      .reply(200, { success: true, order: { ...crmOrder, totalSumm: 11280.805 } })
      .reply(200, { success: true, order: { ...crmOrder, payments: { '9': { ...crmOrder.payments['9'], amount: '9480.801' } } } });
    const c = client();
    const first = await c.getOrder(7001, 'id').catch((e: unknown) => e);
    expect(first).toBeInstanceOf(UpstreamUnavailableError);
    expect(first).toMatchObject({ system: 'retailcrm', message: expect.stringContaining('not an amount of money: 11280.805') });
    const second = await c.getOrder(7001, 'id').catch((e: unknown) => e);
    // Inside the payments union zod reports the union, not the amount: only the refusal is certain.
    expect(second).toBeInstanceOf(UpstreamUnavailableError);
    expect(second).toMatchObject({ system: 'retailcrm', message: expect.stringContaining('unexpected response to GET /orders/7001') });
    // A malformed answer is not retried: the same answer would come back.
    expect(capture.requests).toHaveLength(2);
  });

  it('refuses to send an amount that is not whole kopecks', async () => {
    await expect(client().createPayment({ id: 1 }, { type: 'cash', amountKopecks: 10.5 })).rejects.toBeInstanceOf(RangeError);
    expect(capture.requests).toEqual([]);
  });
});

describe('errors', () => {
  it('maps {success:false} to RetailCrmApiError with status, errorMsg and errors', async () => {
    capture
      .reply(400, { success: false, errorMsg: 'Errors in the entity format', errors: { items: 'This value should not be blank.' } })
      .reply(400, { success: false, errorMsg: 'Validation error', errors: { 'filter[customerId]': 'This value is not valid.' } })
      .reply(200, { success: false, errorMsg: 'Access denied.' });
    const c = client();
    const first = await c.createOrder({ firstName: 'Без товаров' }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(RetailCrmApiError);
    expect(first).toMatchObject({ status: 400, errorMsg: 'Errors in the entity format', errors: { items: 'This value should not be blank.' } });
    await expect(c.listOrders({ customerId: 1 })).rejects.toMatchObject({ name: 'RetailCrmApiError', status: 400, errorMsg: 'Validation error', errors: { 'filter[customerId]': 'This value is not valid.' } });
    await expect(c.listStatuses()).rejects.toMatchObject({ name: 'RetailCrmApiError', status: 200, errorMsg: 'Access denied.' });
    expect(capture.requests).toHaveLength(3);
  });

  it('getOrder: 404 "Not found" is undefined; editOrder and editPayment of an unknown one throw 404', async () => {
    capture.reply(404, { success: false, errorMsg: 'Not found' }).reply(404, { success: false, errorMsg: 'Not found' }).reply(404, { success: false, errorMsg: 'Not found' });
    const c = client();
    expect(await c.getOrder('nobody', 'externalId')).toBeUndefined();
    await expect(c.editOrder('nobody', 'externalId', { status: 'complete' })).rejects.toMatchObject({ name: 'RetailCrmApiError', status: 404, errorMsg: 'Not found' });
    await expect(c.editPayment(404, 'id', { status: 'paid' })).rejects.toMatchObject({ name: 'RetailCrmApiError', status: 404, errorMsg: 'Not found' });
    expect(capture.requests.map((r) => [r.method, r.rawPath])).toEqual([
      ['GET', '/api/v5/orders/nobody'],
      ['POST', '/api/v5/orders/nobody/edit'],
      ['POST', '/api/v5/orders/payments/404/edit'],
    ]);
  });

  it('createOrder: a taken externalId resolves with the existing order, flagged alreadyExisted, after a lookup by externalId', async () => {
    capture.reply(400, duplicateOrder).reply(200, { success: true, order: crmOrder });
    expect(await client().createOrder(orderInput)).toEqual({ order: mappedOrder, alreadyExisted: true });
    expect(capture.requests.map((r) => [r.method, r.rawPath, r.query])).toEqual([
      ['POST', '/api/v5/orders/create', []],
      ['GET', '/api/v5/orders/web-7001', [['by', 'externalId'], ['site', 'online']]],
    ]);
  });

  it('createOrder: a duplicate refusal without an externalId of ours, or one whose order cannot be found, stays an error', async () => {
    capture.reply(400, duplicateOrder).reply(400, duplicateOrder).reply(404, { success: false, errorMsg: 'Not found' });
    const c = client();
    await expect(c.createOrder({ ...orderInput, externalId: undefined })).rejects.toMatchObject({ name: 'RetailCrmApiError', status: 400, errors: duplicateOrder.errors });
    await expect(c.createOrder(orderInput)).rejects.toMatchObject({ name: 'RetailCrmApiError', status: 400, errors: duplicateOrder.errors });
    expect(capture.requests.map((r) => r.rawPath)).toEqual(['/api/v5/orders/create', '/api/v5/orders/create', '/api/v5/orders/web-7001']);
  });

  it('createPayment: a taken externalId resolves with the payment found on its order', async () => {
    capture
      .reply(400, { success: false, errorMsg: 'Errors in the entity format', errors: { externalId: 'Payment with externalId=pay-9 already exists.' } })
      .reply(200, { success: true, order: crmOrder });
    expect(await client().createPayment({ id: 7001 }, { externalId: 'pay-9', type: 'bank-card', status: 'paid', amountKopecks: 948080 })).toEqual({ id: 9, alreadyExisted: true });
    expect(capture.requests.map((r) => [r.method, r.rawPath, r.query])).toEqual([
      ['POST', '/api/v5/orders/payments/create', []],
      ['GET', '/api/v5/orders/7001', [['by', 'id'], ['site', 'online']]],
    ]);
  });
});

describe('retries', () => {
  const limit = () => capture.reply(503, rateLimited, { 'retry-after': '0' });

  it('retries every idempotent call after a 503 rate-limit answer, sending the same request again', async () => {
    const c = client();
    const cases: [() => Promise<unknown>, { status: number; body: unknown }, unknown][] = [
      [() => c.createOrder(orderInput), { status: 201, body: { success: true, id: 7001, order: crmOrder } }, { order: mappedOrder }],
      [() => c.editOrder(7001, 'id', { status: 'complete' }), { status: 200, body: { success: true, id: 7001, order: crmOrder } }, mappedOrder],
      [() => c.getOrder(7001, 'id'), { status: 200, body: { success: true, order: crmOrder } }, mappedOrder],
      [() => c.listOrders({ ids: [7001] }), { status: 200, body: { success: true, pagination: PAGE, orders: [crmOrder] } }, { orders: [mappedOrder], pagination: PAGE }],
      [() => c.ordersHistory(0), { status: 200, body: { success: true, generatedAt: '2024-05-02 11:00:00', history: [], pagination: PAGE } }, { history: [], pagination: PAGE, generatedAt: '2024-05-02 11:00:00' }],
      [() => c.createPayment({ id: 7001 }, { externalId: 'pay-11', type: 'cash', amountKopecks: 100 }), { status: 201, body: { success: true, id: 11 } }, { id: 11 }],
      [() => c.editPayment(9, 'id', { status: 'paid' }), { status: 200, body: { success: true } }, undefined],
      [() => c.listStatuses(), { status: 200, body: { success: true, statuses: {} } }, []],
      [() => c.listPaymentStatuses(), { status: 200, body: { success: true, paymentStatuses: {} } }, []],
    ];
    for (const [run, answer, expected] of cases) {
      capture.reset();
      limit();
      capture.reply(answer.status, answer.body);
      expect(await run()).toEqual(expected);
      expect(capture.requests).toHaveLength(2);
      const [first, second] = capture.requests;
      expect([second!.method, second!.url, second!.body]).toEqual([first!.method, first!.url, first!.body]);
    }
  });

  it('retries a keyed create after a 5xx, but never a create without externalId', async () => {
    capture.reply(502, '<html>bad gateway</html>', { 'content-type': 'text/html' }).reply(201, { success: true, id: 7001, order: crmOrder });
    expect(await client().createOrder(orderInput)).toEqual({ order: mappedOrder });
    expect(capture.requests).toHaveLength(2);

    capture.reset();
    capture.reply(502, '<html>bad gateway</html>', { 'content-type': 'text/html' });
    const error = await client().createOrder({ ...orderInput, externalId: undefined }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UpstreamUnavailableError', system: 'retailcrm', status: 502 });
    expect(capture.requests).toHaveLength(1);

    capture.reset();
    capture.reply(502, '<html>bad gateway</html>', { 'content-type': 'text/html' });
    await expect(client().createPayment({ id: 7001 }, { type: 'cash', amountKopecks: 100 })).rejects.toMatchObject({ name: 'UpstreamUnavailableError', status: 502 });
    expect(capture.requests).toHaveLength(1);
  });

  it('a keyed create whose reply is lost is retried and, refused as a duplicate, resolves with the order it made', async () => {
    capture.enqueue({ drop: true });
    capture.reply(400, duplicateOrder).reply(200, { success: true, order: crmOrder });
    expect(await client().createOrder(orderInput)).toEqual({ order: mappedOrder, alreadyExisted: true });
    expect(capture.requests.map((r) => [r.method, r.rawPath])).toEqual([
      ['POST', '/api/v5/orders/create'],
      ['POST', '/api/v5/orders/create'],
      ['GET', '/api/v5/orders/web-7001'],
    ]);
  });
});
