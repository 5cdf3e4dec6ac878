import { describe, expect, it } from 'vitest';
import { useRetailCrmEmulator } from './retailcrm.test-support.js';
import type { CrmOrderInput } from './retailcrm-orders.port.js';

const KEY = 'graph-key';
const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const DRESS = 'a1b2c3d4-0000-4000-8000-000000000001';
const SHOES = 'a1b2c3d4-0000-4000-8000-000000000002';

const env = useRetailCrmEmulator(KEY);

/**
 * Two lines: 2 × 4990.90 with 100.50 off per unit and 300 bonuses charged on the line, 1 × 1500 with 200 bonuses;
 * delivery 300. summ = (4990.90 − 100.50) × 2 − 300 + 1500 − 200 = 10780.80; totalSumm = 11080.80.
 */
const orderFor = (customerExternalId: string, externalId = 'web-1'): CrmOrderInput => ({
  externalId,
  customer: { externalId: customerExternalId },
  firstName: 'Вера',
  phone: '+79161230000',
  items: [
    { offer: { xmlId: DRESS }, productName: 'Платье', quantity: 2, initialPriceKopecks: 499090, discountManualAmountKopecks: 10050, bonusesChargeTotal: 300, bonusesCreditTotal: 34 },
    { offer: { xmlId: SHOES }, productName: 'Туфли', quantity: 1, initialPriceKopecks: 150000, bonusesChargeTotal: 200 },
  ],
  deliveryCostKopecks: 30000,
  customFields: { bonus_hold_id: 'h-1' },
});

describe('RetailCRM orders connector against the emulator', () => {
  it('creates an order for a customer, pays it in full, cancels it, and reads all of it back and in the history', async () => {
    const { id: customerId } = await env.crm.createCustomer({ externalId: 'cust-1', firstName: 'Вера', lastName: 'Смирнова' });

    const created = await env.crm.createOrder(orderFor('cust-1'));
    expect(created.alreadyExisted).toBeUndefined();
    const orderId = created.order.id;
    const [dress, shoes] = created.order.items;
    const expected = {
      id: orderId,
      number: `${orderId}A`,
      externalId: 'web-1',
      site: 'online',
      status: 'new',
      createdAt: expect.stringMatching(DATE_TIME),
      customer: { id: customerId, externalId: 'cust-1' },
      firstName: 'Вера',
      phone: '+79161230000',
      items: [
        {
          id: dress!.id,
          offer: { xmlId: DRESS, name: 'Платье' },
          productName: 'Платье',
          quantity: 2,
          initialPriceKopecks: 499090,
          discountManualAmountKopecks: 10050,
          bonusesChargeTotal: 300,
          bonusesCreditTotal: 34,
          status: 'new',
        },
        {
          id: shoes!.id,
          offer: { xmlId: SHOES, name: 'Туфли' },
          productName: 'Туфли',
          quantity: 1,
          initialPriceKopecks: 150000,
          discountManualAmountKopecks: 0,
          bonusesChargeTotal: 200,
          bonusesCreditTotal: 0,
          status: 'new',
        },
      ],
      payments: [],
      summKopecks: 1078080,
      totalSummKopecks: 1108080,
      bonusesChargeTotal: 500,
      bonusesCreditTotal: 34,
      customFields: { bonus_hold_id: 'h-1' },
    };
    expect(created.order).toEqual(expected);
    expect(await env.crm.getOrder('web-1', 'externalId')).toEqual(expected);
    expect(await env.crm.listOrders({ customerExternalId: 'cust-1' })).toEqual({ orders: [expected], pagination: { limit: 20, totalCount: 1, currentPage: 1, totalPageCount: 1 } });

    // A complete payment for the whole total: the order becomes fully paid.
    const paymentStatuses = await env.crm.listPaymentStatuses();
    expect(paymentStatuses.find((s) => s.code === 'paid')?.paymentComplete).toBe(true);
    const { id: paymentId } = await env.crm.createPayment({ externalId: 'web-1' }, { externalId: 'pay-1', type: 'bank-card', status: 'paid', amountKopecks: 1108080 });
    // The same keyed payment again finds the first one.
    expect(await env.crm.createPayment({ id: orderId }, { externalId: 'pay-1', type: 'bank-card', status: 'paid', amountKopecks: 1108080 })).toEqual({ id: paymentId, alreadyExisted: true });
    const paid = await env.crm.getOrder(orderId, 'id');
    expect(paid).toEqual({
      ...expected,
      payments: [{ id: paymentId, externalId: 'pay-1', type: 'bank-card', status: 'paid', amountKopecks: 1108080, paidAt: expect.stringMatching(DATE_TIME) }],
      fullPaidAt: expect.stringMatching(DATE_TIME),
    });

    const ref = { id: orderId, externalId: 'web-1', site: 'online', status: 'new' };
    const payment = { id: paymentId, externalId: 'pay-1', type: 'bank-card' };
    const own = { createdAt: expect.stringMatching(DATE_TIME), source: 'api', apiKey: { current: true } };
    const afterPayment = await env.crm.ordersHistory(0, 100);
    expect(afterPayment.history).toEqual([
      { id: 1, ...own, created: true, field: 'status', oldValue: null, newValue: { code: 'new' }, order: ref, snapshot: expected },
      { id: 2, ...own, field: 'payments.status', oldValue: null, newValue: { code: 'paid' }, order: ref, payment },
      { id: 3, ...own, field: 'payments.amount', oldValue: null, newValue: 11080.8, order: ref, payment },
      { id: 4, ...own, field: 'payments.external_id', oldValue: null, newValue: 'pay-1', order: ref, payment },
      { id: 5, ...own, field: 'payments.paid_at', oldValue: null, newValue: paid!.payments[0]!.paidAt, order: ref, payment },
      { id: 6, ...own, field: 'full_paid_at', oldValue: null, newValue: paid!.fullPaidAt, order: ref },
    ]);
    expect(afterPayment.pagination).toEqual({ limit: 100, totalCount: 6, currentPage: 1, totalPageCount: 1 });
    expect(afterPayment.generatedAt).toMatch(DATE_TIME);

    // Cancel: a status of the cancel group.
    const cancel = (await env.crm.listStatuses()).find((s) => s.group === 'cancel' && s.active);
    expect(cancel).toBeDefined();
    const cancelled = await env.crm.editOrder('web-1', 'externalId', { status: cancel!.code });
    expect(cancelled.status).toBe(cancel!.code);
    expect((await env.crm.listOrders({ extendedStatus: ['cancel'] })).orders.map((o) => o.id)).toEqual([orderId]);
    const tail = await env.crm.ordersHistory(6, 20);
    expect(tail.history).toEqual([{ id: 7, ...own, field: 'status', oldValue: { code: 'new' }, newValue: { code: cancel!.code }, order: { ...ref, status: cancel!.code } }]);
  });

  it('a keyed create whose reply is lost is retried and leaves exactly one order', async () => {
    await env.crm.createCustomer({ externalId: 'cust-2', firstName: 'Эхо' });
    env.emulator.faults.set({ dropAfterApply: true, dropCount: 1, pathPattern: '^POST /api/v5/orders/create$' });
    const before = env.crm.upstream.requestCount;
    const result = await env.crm.createOrder(orderFor('cust-2', 'lost-reply-1'));
    expect(result).toMatchObject({ alreadyExisted: true, order: { externalId: 'lost-reply-1', totalSummKopecks: 1108080, customer: { externalId: 'cust-2' } } });
    // The lost create, its retry (refused as a duplicate), and the lookup.
    expect(env.crm.upstream.requestCount - before).toBe(3);
    const { orders, pagination } = await env.crm.listOrders({ externalIds: ['lost-reply-1'] });
    expect([orders.map((o) => o.id), pagination.totalCount]).toEqual([[result.order.id], 1]);
    expect((await env.crm.ordersHistory(0, 20)).history.filter((r) => r.created).map((r) => r.order.id)).toEqual([result.order.id]);
  });

  it('maps a refusal to RetailCrmApiError and an unknown order to undefined', async () => {
    await expect(env.crm.createOrder({ externalId: 'no-items', firstName: 'Пусто' })).rejects.toMatchObject({
      name: 'RetailCrmApiError',
      status: 400,
      errorMsg: 'Errors in the entity format',
      errors: { items: 'This value should not be blank.' },
    });
    expect(await env.crm.getOrder('nobody', 'externalId')).toBeUndefined();
    await expect(env.crm.editOrder('nobody', 'externalId', { status: 'complete' })).rejects.toMatchObject({ name: 'RetailCrmApiError', status: 404, errorMsg: 'Not found' });
    await expect(env.crm.editPayment(999, 'id', { status: 'paid' })).rejects.toMatchObject({ name: 'RetailCrmApiError', status: 404 });
  });
});
