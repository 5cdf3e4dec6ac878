import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { demoProduct } from '../seed/demo-catalog.js';
import { createRetailCrmEmulator, retailCrmEmulatorSchema, type RetailCrmEmulator } from './retailcrm.emulator.js';

const KEY = 'key-shop';
const OTHER_KEY = 'key-1c';
const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

let tdb: TestDatabase;
let emulator: RetailCrmEmulator;
let server: RunningServer;

async function call(method: 'GET' | 'POST', path: string, form?: Record<string, string>, key = KEY): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'X-API-KEY': key, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  return { status: res.status, body: await res.json() };
}

const createOrder = (order: Record<string, unknown>) => call('POST', '/api/v5/orders/create', { site: 'online', order: JSON.stringify(order) });
const xmlId = (i: number) => demoProduct(i).offers[0]!.ref;

/** Two lines: 2 × 1999.90 with 100.50 off per unit and 300 bonuses, 1 × 5000 with 500 bonuses; delivery 300. */
const ORDER = {
  externalId: 'web-1',
  firstName: 'Вера',
  phone: '+79161230000',
  items: [
    { offer: { xmlId: xmlId(0) }, productName: 'Платье', quantity: 2, initialPrice: 1999.9, discountManualAmount: 100.5, bonusesChargeTotal: 300, bonusesCreditTotal: 34 },
    { offer: { xmlId: xmlId(1) }, productName: 'Туфли', quantity: 1, initialPrice: 5000, bonusesChargeTotal: 500, bonusesCreditTotal: 45 },
  ],
  delivery: { code: 'courier', cost: 300 },
  customFields: { bonus_hold_id: 'h-1' },
};

beforeAll(async () => {
  tdb = await createTestDatabase();
  await migrateSchema(tdb.db, retailCrmEmulatorSchema);
  emulator = createRetailCrmEmulator({ db: tdb.db, apiKeys: [KEY, OTHER_KEY], sites: ['online'], requestsPerSecond: 10_000 });
  server = await emulator.start(0);
});

afterAll(async () => {
  await server?.close();
  await tdb?.close();
});

beforeEach(async () => {
  emulator.faults.clear();
  await emulator.reset();
});

describe('orders/create', () => {
  it('computes per-line discounts and bonuses into summ and totalSumm, and prints payments as an object', async () => {
    const created = await createOrder(ORDER);
    expect(created.status).toBe(201);
    const { id, order } = created.body;
    // (1999.90 − 100.50) × 2 − 300 = 3498.80; 5000 − 500 = 4500; summ 7998.80; + 300 delivery.
    expect(order).toMatchObject({
      id,
      number: `${id}A`,
      externalId: 'web-1',
      status: 'new',
      summ: 7998.8,
      totalSumm: 8298.8,
      bonusesChargeTotal: 800,
      bonusesCreditTotal: 79,
      payments: {},
      customFields: { bonus_hold_id: 'h-1' },
      createdAt: expect.stringMatching(DATE_TIME),
    });
    expect(order.items[0]).toMatchObject({ offer: { xmlId: xmlId(0) }, quantity: 2, initialPrice: 1999.9, discountManualAmount: 100.5, discountTotal: 250.5, bonusesChargeTotal: 300, status: 'new' });
    expect((await call('GET', `/api/v5/orders/web-1`)).body.order).toEqual(order);
  });

  it('refuses a duplicate externalId on the site with the entity envelope', async () => {
    await createOrder(ORDER);
    expect(await createOrder(ORDER)).toEqual({
      status: 400,
      body: { success: false, errorMsg: 'Errors in the entity format', errors: { externalId: 'Order with externalId=web-1 already exists.' } },
    });
  });
});

describe('orders/{externalId}/edit', () => {
  it('changes status, items (incl. item status) and merges custom fields, one history record per field', async () => {
    const { body } = await createOrder(ORDER);
    const [a, b] = body.order.items as { id: number }[];
    const edited = await call('POST', '/api/v5/orders/web-1/edit', {
      by: 'externalId',
      site: 'online',
      order: JSON.stringify({ status: 'assembling', items: [{ id: a!.id, quantity: 1 }, { id: b!.id, status: 'canceled' }], customFields: { nps: 5 } }),
    });
    expect(edited.status).toBe(200);
    // (1999.90 − 100.50) × 1 − 300; the cancelled line no longer counts.
    expect(edited.body.order).toMatchObject({ status: 'assembling', summ: 1599.4, totalSumm: 1899.4, customFields: { bonus_hold_id: 'h-1', nps: 5 } });

    const { body: h } = await call('GET', '/api/v5/orders/history?filter[sinceId]=1');
    expect(h.history.map((r: any) => [r.field, r.oldValue, r.newValue, r.apiKey])).toEqual([
      ['status', { code: 'new' }, { code: 'assembling' }, { current: true }],
      ['order_product.quantity', 2, 1, { current: true }],
      ['order_product.status', { code: 'new' }, { code: 'canceled' }, { current: true }],
      ['custom_nps', null, 5, { current: true }],
    ]);
    // Replaying the edit writes nothing.
    await call('POST', '/api/v5/orders/web-1/edit', { order: JSON.stringify({ status: 'assembling', customFields: { nps: 5 } }) });
    expect((await call('GET', '/api/v5/orders/history?filter[sinceId]=1')).body.pagination.totalCount).toBe(4);
  });
});

describe('GET orders', () => {
  it('filters by ids, externalIds, numbers, extendedStatus (codes and groups) and pages', async () => {
    for (let i = 0; i < 3; i++) await createOrder({ ...ORDER, externalId: `web-${i}` });
    await call('POST', '/api/v5/orders/web-2/edit', { order: JSON.stringify({ status: 'no-product' }) });
    const list = async (q: string) => (await call('GET', `/api/v5/orders?${q}`)).body;
    expect((await list('filter[externalIds][]=web-0&filter[externalIds][]=web-2')).orders.map((o: any) => o.externalId)).toEqual(['web-0', 'web-2']);
    expect((await list('filter[numbers][]=2A')).orders.map((o: any) => o.id)).toEqual([2]);
    expect((await list('filter[extendedStatus][]=cancel')).orders.map((o: any) => o.externalId)).toEqual(['web-2']);
    expect((await list('filter[extendedStatus][]=new')).orders.map((o: any) => o.externalId)).toEqual(['web-0', 'web-1']);
    const page = await list('limit=20&page=2');
    expect([page.orders, page.pagination]).toEqual([[], { limit: 20, totalCount: 3, currentPage: 2, totalPageCount: 1 }]);
    expect((await call('GET', '/api/v5/orders?limit=7')).status).toBe(400);
    expect((await call('GET', '/api/v5/orders/statuses?externalIds[]=web-2')).body).toEqual({ success: true, orders: [{ id: 3, externalId: 'web-2', status: 'no-product', group: 'cancel' }] });
  });
});

describe('payments', () => {
  it('creates and edits payments, prints them keyed by id, and sets fullPaidAt when complete payments cover totalSumm', async () => {
    await createOrder(ORDER);
    const first = await call('POST', '/api/v5/orders/payments/create', { site: 'online', payment: JSON.stringify({ order: { externalId: 'web-1' }, type: 'bank-card', status: 'paid', amount: 5000, externalId: 'pay-1' }) });
    expect(first).toEqual({ status: 201, body: { success: true, id: 1 } });
    const second = await call('POST', '/api/v5/orders/payments/create', { payment: JSON.stringify({ order: { id: 1 }, type: 'cash', amount: 3298.8 }) });
    expect(second.body.id).toBe(2);
    let order = (await call('GET', '/api/v5/orders/1?by=id')).body.order;
    expect(order.payments).toEqual({
      '1': { id: 1, status: 'paid', type: 'bank-card', externalId: 'pay-1', amount: 5000, paidAt: expect.stringMatching(DATE_TIME) },
      '2': { id: 2, status: 'not-paid', type: 'cash', amount: 3298.8 },
    });
    expect(order.fullPaidAt).toBeUndefined();
    expect(await call('POST', '/api/v5/orders/payments/2/edit', { by: 'id', payment: JSON.stringify({ status: 'paid' }) })).toEqual({ status: 200, body: { success: true } });
    order = (await call('GET', '/api/v5/orders/web-1')).body.order;
    expect(order.fullPaidAt).toMatch(DATE_TIME);
    const duplicate = await call('POST', '/api/v5/orders/payments/create', { payment: JSON.stringify({ order: { id: 1 }, type: 'cash', amount: 1, externalId: 'pay-1' }) });
    expect(duplicate.body.errors).toEqual({ externalId: 'Payment with externalId=pay-1 already exists.' });
    const fields = (await call('GET', '/api/v5/orders/history?filter[orderExternalId]=web-1&limit=50')).body.history.map((r: any) => r.field);
    expect(fields).toEqual(['status', 'payments.status', 'payments.amount', 'payments.external_id', 'payments.paid_at', 'payments.status', 'payments.amount', 'payments.status', 'payments.paid_at', 'full_paid_at']);
  });
});

describe('history, control routes and references', () => {
  it('flags creation with the whole order, tells our key from another, and records manager moves as source user', async () => {
    await createOrder(ORDER);
    const status = await fetch(`${server.url}/__emulator/orders/web-1/status`, { method: 'POST', body: JSON.stringify({ status: 'complete' }) });
    expect(status.status).toBe(200);
    const pay = await fetch(`${server.url}/__emulator/orders/web-1/pay`, { method: 'POST', body: '{}' });
    expect(await pay.json()).toEqual({ paymentId: 1, amount: 8298.8 });

    const { body } = await call('GET', '/api/v5/orders/history?filter[sinceId]=0', undefined, OTHER_KEY);
    const [creation, move] = body.history;
    expect(creation).toMatchObject({ id: 1, created: true, source: 'api', field: 'status', apiKey: { current: false }, oldValue: null, newValue: { code: 'new' } });
    expect(creation.order).toMatchObject({ id: 1, externalId: 'web-1', summ: 7998.8, payments: [] });
    expect(move).toEqual({ id: 2, createdAt: expect.stringMatching(DATE_TIME), source: 'user', user: { id: 1 }, field: 'status', oldValue: { code: 'new' }, newValue: { code: 'complete' }, order: { id: 1, externalId: 'web-1', site: 'online', status: 'complete' } });
    expect(body.history.at(-1)).toMatchObject({ field: 'full_paid_at', source: 'user' });
    expect((await call('GET', '/api/v5/orders/history?filter[sinceId]=2&limit=20')).body.history[0].id).toBe(3);
  });

  it('serves reference/statuses with groups and reference/payment-statuses with paymentComplete', async () => {
    const { body: s } = await call('GET', '/api/v5/reference/statuses');
    expect([s.statuses.complete.group, s.statuses['cancel-other'].group, s.statuses.return.group, s.statuses.new.group]).toEqual(['complete', 'cancel', 'cancel', 'new']);
    const { body: p } = await call('GET', '/api/v5/reference/payment-statuses');
    expect([p.paymentStatuses.paid.paymentComplete, p.paymentStatuses['not-paid'].paymentComplete, p.paymentStatuses.fail.paymentComplete]).toEqual([true, false, false]);
  });
});
