import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { demoProduct } from '../seed/demo-catalog.js';
import { demoOrdersOf, type DemoOrder } from '../seed/demo-orders.js';
import { demoPerson } from '../seed/demo-people.js';
import { formatCrmDateTime } from './retailcrm-envelope.js';
import { createRetailCrmEmulator, demoCustomerExternalId, retailCrmEmulatorSchema, type RetailCrmEmulator } from './retailcrm.emulator.js';

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

describe('seeded orders', () => {
  const NOW = new Date('2026-11-20T09:30:00Z');
  const CUSTOMERS = 300;
  const CANCEL_GROUP = new Set(['no-call', 'no-product', 'already-buyed', 'delyvery-did-not-suit', 'prices-did-not-suit', 'cancel-other', 'return']);
  const at = (secondsAgo: number) => formatCrmDateTime(new Date(NOW.getTime() - secondsAgo * 1000));
  const kopecks = (roubles: number) => Math.round(roubles * 100);

  async function pages(path: string, key: 'orders' | 'history'): Promise<any[]> {
    const out: any[] = [];
    for (let page = 1; ; page++) {
      const res = await call('GET', `${path}${path.includes('?') ? '&' : '?'}limit=100&page=${page}`);
      out.push(...res.body[key]);
      if (page >= res.body.pagination.totalPageCount) return out;
    }
  }

  /** What GET orders prints for a generated order, given the ids the emulator assigned. */
  function expectedOrder(o: DemoOrder, actual: any, customer: unknown) {
    const p = demoPerson(o.customerIndex);
    const lineKopecks = o.lines.map((l) => Math.max(0, (l.priceKopecks - l.discountKopecks) * l.quantity - l.bonusesChargeKopecks));
    const summ = lineKopecks.reduce((a, b) => a + b, 0);
    const total = summ + o.deliveryKopecks;
    const paymentId = Object.keys(actual.payments)[0];
    return {
      bonusesCreditTotal: o.lines.reduce((t, l) => t + l.bonusesCreditKopecks, 0) / 100,
      bonusesChargeTotal: o.lines.reduce((t, l) => t + l.bonusesChargeKopecks, 0) / 100,
      id: actual.id,
      number: `${actual.id}A`,
      externalId: `site-${o.customerIndex}-${o.n}`,
      orderType: 'eshop-individual',
      orderMethod: 'shopping-cart',
      createdAt: at(o.createdSecondsAgo),
      statusUpdatedAt: at(o.statusSecondsAgo),
      summ: summ / 100,
      totalSumm: total / 100,
      prepaySum: o.paid ? total / 100 : 0,
      purchaseSumm: 0,
      firstName: p.firstName,
      lastName: p.lastName,
      phone: `+${p.phoneDigits}`,
      email: p.email,
      customer,
      contact: customer,
      contragent: { contragentType: 'individual' },
      delivery: { code: 'courier', cost: o.deliveryKopecks / 100, netCost: 0, address: { countryIso: 'RU', city: p.city } },
      site: 'online',
      status: o.status,
      items: o.lines.map((l, i) => ({
        id: actual.items[i].id,
        initialPrice: l.priceKopecks / 100,
        discountManualAmount: l.discountKopecks / 100,
        discountTotal: Math.round(l.discountKopecks + l.bonusesChargeKopecks / l.quantity) / 100,
        prices: [{ price: Math.round(l.priceKopecks - l.discountKopecks - l.bonusesChargeKopecks / l.quantity) / 100, quantity: l.quantity }],
        bonusesChargeTotal: l.bonusesChargeKopecks / 100,
        bonusesCreditTotal: l.bonusesCreditKopecks / 100,
        createdAt: at(o.createdSecondsAgo),
        quantity: l.quantity,
        status: o.status === 'complete' ? 'completed' : o.status === 'new' || CANCEL_GROUP.has(o.status) ? 'new' : 'in-reserve',
        offer: { externalId: l.offerRef, xmlId: l.offerRef, name: l.productName },
        productName: l.productName,
      })),
      payments: o.paid ? { [paymentId!]: { id: Number(paymentId), status: 'paid', type: 'bank-card', amount: total / 100, paidAt: at(o.statusSecondsAgo) } } : {},
      ...(o.paid ? { fullPaidAt: at(o.statusSecondsAgo) } : {}),
      fromApi: true,
      shipped: false,
      currency: 'RUB',
      customFields: [],
    };
  }

  it('seeds each customer its generated orders, whole, in bulk (a bounded number of statements, not one per row)', async () => {
    tdb.queries.count = 0;
    await emulator.seed({ onlineCustomers: CUSTOMERS, now: NOW });
    console.log(`RetailCRM order seed (${CUSTOMERS} customers): ${tdb.queries.count} SQL statements`);
    expect(tdb.queries.count).toBeLessThanOrEqual(30); // 14 when measured: multi-row inserts, not a statement per row

    // A customer with an externalId, a few orders, a discount and bonuses on its lines.
    const index = Array.from({ length: CUSTOMERS }, (_v, i) => i).find((i) => {
      const orders = demoOrdersOf(i);
      return demoCustomerExternalId(i) && orders.length >= 3 && orders.some((o) => o.paid && o.lines.some((l) => l.discountKopecks > 0 || l.bonusesChargeKopecks > 0));
    })!;
    const generated = demoOrdersOf(index);
    const externalId = demoCustomerExternalId(index)!;
    const res = await call('GET', `/api/v5/orders?filter[customerExternalId]=${externalId}&limit=100`);
    const customer = (await call('GET', `/api/v5/customers/${externalId}?site=online`)).body.customer;
    expect(res.body.orders.map((o: { externalId: string }) => o.externalId)).toEqual(generated.map((o) => o.externalId));
    for (const [i, o] of generated.entries()) expect(res.body.orders[i]).toEqual(expectedOrder(o, res.body.orders[i], customer));
    const richest = generated.findIndex((o) => o.paid && o.lines.some((l) => l.discountKopecks > 0 || l.bonusesChargeKopecks > 0));
    expect(Object.keys(res.body.orders[richest].payments)).toHaveLength(1);
  });

  it('keeps totals, payments and the customers\' figures consistent, with a meaningful mix of statuses', async () => {
    await emulator.seed({ onlineCustomers: CUSTOMERS, now: NOW });
    const orders = await pages('/api/v5/orders', 'orders');
    const customers = await pages('/api/v5/customers', 'customers' as 'orders');
    expect(orders.length).toBe(Array.from({ length: CUSTOMERS }, (_v, i) => demoOrdersOf(i).length).reduce((a, b) => a + b, 0));
    const byCustomer = new Map<number, any[]>(customers.map((c) => [c.id, []]));
    for (const o of orders) {
      byCustomer.get(o.customer.id)!.push(o);
      expect(kopecks(o.totalSumm)).toBe(kopecks(o.summ) + kopecks(o.delivery.cost));
      expect(o.createdAt > o.customer.createdAt && o.createdAt < formatCrmDateTime(NOW)).toBe(true);
      expect(o.items.length).toBeGreaterThanOrEqual(1);
      expect(o.items.length).toBeLessThanOrEqual(4);
      const payments = Object.values(o.payments) as { amount: number; status: string }[];
      if (o.status === 'complete') expect([payments.map((p) => [p.status, p.amount]), o.prepaySum, typeof o.fullPaidAt]).toEqual([[['paid', o.totalSumm]], o.totalSumm, 'string']);
      if (CANCEL_GROUP.has(o.status)) expect([payments, o.prepaySum, o.fullPaidAt]).toEqual([[], 0, undefined]);
    }
    for (const c of customers) {
      const own = byCustomer.get(c.id)!;
      const counted = own.filter((o) => !CANCEL_GROUP.has(o.status));
      const total = counted.reduce((t, o) => t + kopecks(o.totalSumm), 0);
      expect({ id: c.id, ordersCount: c.ordersCount, totalSumm: c.totalSumm, averageSumm: c.averageSumm }).toEqual({
        id: c.id,
        ordersCount: own.length,
        totalSumm: total / 100,
        averageSumm: counted.length ? Math.round(total / counted.length) / 100 : 0,
      });
    }
    const share = (f: (o: any) => boolean) => orders.filter(f).length / orders.length;
    expect(share((o) => o.status === 'complete')).toBeGreaterThan(0.6);
    expect(share((o) => CANCEL_GROUP.has(o.status))).toBeGreaterThan(0.08);
    expect(share((o) => ['new', 'assembling', 'delivering'].includes(o.status))).toBeGreaterThan(0);
    expect(share((o) => o.bonusesChargeTotal > 0)).toBeGreaterThan(0);
    expect(share((o) => o.bonusesCreditTotal > 0)).toBeGreaterThan(0);
    expect(customers.filter((c) => c.ordersCount === 0).length).toBeGreaterThan(0);
    expect(Math.max(...customers.map((c) => c.ordersCount))).toBeLessThanOrEqual(8);
  });

  it('writes one creation record per seeded order, in id order, and seeds only once', async () => {
    await emulator.seed({ onlineCustomers: CUSTOMERS, now: NOW });
    const orders = await pages('/api/v5/orders', 'orders');
    const history = await pages('/api/v5/orders/history?filter[sinceId]=0', 'history');
    expect(history.map((r) => [r.created, r.field, r.order.id])).toEqual(orders.map((o) => [true, 'status', o.id]));
    expect(history.map((r) => r.createdAt)).toEqual(orders.map((o) => o.createdAt));
    // The record holds the order as created, payments as a list; its customer as before its orders.
    const [first] = orders;
    const { customer: _c, contact: _k, ...rest } = first;
    expect(history[0]).toMatchObject({ source: 'api', apiKey: { current: false }, newValue: { code: first.status }, order: { ...rest, payments: Object.values(first.payments) } });

    await emulator.seed({ onlineCustomers: CUSTOMERS, now: NOW });
    expect((await call('GET', '/api/v5/orders?limit=20')).body.pagination.totalCount).toBe(orders.length);
    expect((await call('GET', '/api/v5/orders/history?limit=20')).body.pagination.totalCount).toBe(history.length);
  });
});
