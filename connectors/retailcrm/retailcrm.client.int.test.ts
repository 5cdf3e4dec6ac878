import { describe, expect, it } from 'vitest';
import { demoCustomerExternalId } from '../../emulators/retailcrm/retailcrm.emulator.js';
import { demoPerson } from '../../emulators/seed/demo-people.js';
import { createRetailCrmClient } from './retailcrm.client.js';
import { useRetailCrmEmulator } from './retailcrm.test-support.js';

const KEY = 'graph-key';
const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

const env = useRetailCrmEmulator(KEY);

describe('RetailCRM connector against the emulator', () => {
  it('creates, reads by externalId, edits custom fields, and sees its changes in the history as its own', async () => {
    await env.emulator.seed({ onlineCustomers: 5 });
    const externalId = '0b7c6f1e-6d1a-4f3a-9a37-0c6a1f2b9d11';
    const { id } = await env.crm.createCustomer({
      externalId,
      firstName: 'Вера',
      lastName: 'Смирнова',
      email: 'vera@example.ru',
      phones: [{ number: '+79161230000' }],
      customFields: { bonus_card_number: '2600000001234', bonus_active: 0 },
    });

    expect(await env.crm.getCustomer(externalId, 'externalId')).toEqual({
      id,
      externalId,
      site: 'online',
      createdAt: expect.stringMatching(DATE_TIME),
      firstName: 'Вера',
      lastName: 'Смирнова',
      email: 'vera@example.ru',
      phones: [{ number: '+79161230000' }],
      customFields: { bonus_card_number: '2600000001234', bonus_active: 0 },
    });

    expect(await env.crm.editCustomer(externalId, 'externalId', { customFields: { bonus_active: 150, bonus_card_type: 'Silver' } })).toEqual({ id });
    // Same edit again: same state, no new history.
    await env.crm.editCustomer(externalId, 'externalId', { customFields: { bonus_active: 150, bonus_card_type: 'Silver' } });
    expect((await env.crm.getCustomer(id, 'id'))?.customFields).toEqual({ bonus_card_number: '2600000001234', bonus_active: 150, bonus_card_type: 'Silver' });

    const { history, pagination } = await env.crm.customersHistory(5, 100);
    expect(pagination).toEqual({ limit: 100, totalCount: 3, currentPage: 1, totalPageCount: 1 });
    const ref = { id, externalId, site: 'online' };
    expect(history).toEqual([
      {
        id: 6,
        createdAt: expect.stringMatching(DATE_TIME),
        created: true,
        source: 'api',
        field: 'id',
        apiKey: { current: true },
        oldValue: null,
        newValue: id,
        customer: ref,
        snapshot: expect.objectContaining({ id, externalId, firstName: 'Вера', customFields: { bonus_card_number: '2600000001234', bonus_active: 0 } }),
      },
      { id: 7, createdAt: expect.stringMatching(DATE_TIME), source: 'api', field: 'custom_bonus_active', apiKey: { current: true }, oldValue: 0, newValue: 150, customer: ref },
      { id: 8, createdAt: expect.stringMatching(DATE_TIME), source: 'api', field: 'custom_bonus_card_type', apiKey: { current: true }, oldValue: null, newValue: 'Silver', customer: ref },
    ]);
  });

  it('addresses an externalId with a slash and a space through the path', async () => {
    const { id } = await env.crm.createCustomer({ externalId: 'shop/42 x', firstName: 'Слэш' });
    expect((await env.crm.getCustomer('shop/42 x', 'externalId'))?.id).toBe(id);
    expect(await env.crm.editCustomer('shop/42 x', 'externalId', { lastName: 'Пробелов' })).toEqual({ id });
    expect((await env.crm.getCustomer(id, 'id'))?.lastName).toBe('Пробелов');
  });

  it('finds a seeded customer by phone through filter[name] and attaches our id to a CRM-made one', async () => {
    await env.emulator.seed({ onlineCustomers: 10 });
    const manual = demoPerson(9);
    const { customers } = await env.crm.listCustomers({ name: `8${manual.phoneDigits.slice(1)}` }, { limit: 20 });
    expect(customers.map((c) => [c.email, c.externalId])).toEqual([[manual.email, undefined]]);
    await env.crm.fixExternalIds([{ id: customers[0]!.id, externalId: 'ours-9' }]);
    expect((await env.crm.getCustomer('ours-9', 'externalId'))?.id).toBe(customers[0]!.id);
    const ids = (await env.crm.listCustomers({ externalIds: [demoCustomerExternalId(0)!, 'ours-9'] })).customers.map((c) => c.externalId).sort();
    expect(ids).toEqual([demoCustomerExternalId(0), 'ours-9'].sort());
  });

  it('a keyed create whose reply is lost is retried and resolves with the customer it did create', async () => {
    env.emulator.faults.set({ dropAfterApply: true, dropCount: 1, pathPattern: '^POST /api/v5/customers/create$' });
    const before = env.crm.upstream.requestCount;
    const result = await env.crm.createCustomer({ externalId: 'lost-reply-1', firstName: 'Эхо' });
    expect(result).toEqual({ id: 1, alreadyExisted: true });
    // The lost create, its retry (refused as a duplicate), and the lookup.
    expect(env.crm.upstream.requestCount - before).toBe(3);
    const { customers, pagination } = await env.crm.listCustomers({ externalIds: ['lost-reply-1'] });
    expect([customers.map((c) => c.id), pagination.totalCount]).toEqual([[1], 1]);
  });

  it('maps a validation refusal to RetailCrmApiError and an outage to UpstreamUnavailableError', async () => {
    await expect(env.crm.createCustomer({ externalId: 'bad-email', email: 'nope' })).rejects.toMatchObject({
      name: 'RetailCrmApiError',
      status: 400,
      errorMsg: 'Errors in the entity format',
      errors: { email: 'This value is not a valid email address.' },
    });
    expect(await env.crm.getCustomer('nobody', 'externalId')).toBeUndefined();
    env.emulator.faults.set({ down: true });
    const outage = createRetailCrmClient({ baseUrl: env.server.url, apiKey: KEY, site: 'online', timeoutMs: 500, requestsPerSecond: 1_000 });
    try {
      await expect(outage.customersHistory(0, 20)).rejects.toMatchObject({ name: 'UpstreamUnavailableError', system: 'retailcrm' });
    } finally {
      await outage.close();
    }
  });
});
