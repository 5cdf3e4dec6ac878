import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createRetailCrmEmulator, demoCustomerExternalId, retailCrmEmulatorSchema, type RetailCrmEmulator } from '../../emulators/retailcrm/retailcrm.emulator.js';
import { demoPerson } from '../../emulators/seed/demo-people.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { createRetailCrmClient } from './retailcrm.client.js';

const KEY = 'graph-key';
const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

let tdb: TestDatabase;
let emulator: RetailCrmEmulator;
let server: RunningServer;
let crm: ReturnType<typeof createRetailCrmClient>;

beforeAll(async () => {
  tdb = await createTestDatabase();
  await migrateSchema(tdb.db, retailCrmEmulatorSchema);
  emulator = createRetailCrmEmulator({ db: tdb.db, apiKeys: [KEY], sites: ['online'], requestsPerSecond: 1_000 });
  server = await emulator.start(0);
  crm = createRetailCrmClient({ baseUrl: server.url, apiKey: KEY, site: 'online', timeoutMs: 2_000, requestsPerSecond: 1_000 });
});

afterAll(async () => {
  await crm?.close();
  await server?.close();
  await tdb?.close();
});

beforeEach(async () => {
  emulator.faults.clear();
  await emulator.reset();
});

describe('RetailCRM connector against the emulator', () => {
  it('creates, reads by externalId, edits custom fields, and sees its changes in the history as its own', async () => {
    await emulator.seed({ onlineCustomers: 5 });
    const externalId = '0b7c6f1e-6d1a-4f3a-9a37-0c6a1f2b9d11';
    const { id } = await crm.createCustomer({
      externalId,
      firstName: 'Вера',
      lastName: 'Смирнова',
      email: 'vera@example.ru',
      phones: [{ number: '+79161230000' }],
      customFields: { bonus_card_number: '2600000001234', bonus_active: 0 },
    });

    expect(await crm.getCustomer(externalId, 'externalId')).toEqual({
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

    expect(await crm.editCustomer(externalId, 'externalId', { customFields: { bonus_active: 150, bonus_card_type: 'Silver' } })).toEqual({ id });
    // Same edit again: same state, no new history.
    await crm.editCustomer(externalId, 'externalId', { customFields: { bonus_active: 150, bonus_card_type: 'Silver' } });
    expect((await crm.getCustomer(id, 'id'))?.customFields).toEqual({ bonus_card_number: '2600000001234', bonus_active: 150, bonus_card_type: 'Silver' });

    const { history, pagination } = await crm.customersHistory(5, 100);
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
    const { id } = await crm.createCustomer({ externalId: 'shop/42 x', firstName: 'Слэш' });
    expect((await crm.getCustomer('shop/42 x', 'externalId'))?.id).toBe(id);
    expect(await crm.editCustomer('shop/42 x', 'externalId', { lastName: 'Пробелов' })).toEqual({ id });
    expect((await crm.getCustomer(id, 'id'))?.lastName).toBe('Пробелов');
  });

  it('finds a seeded customer by phone through filter[name] and attaches our id to a CRM-made one', async () => {
    await emulator.seed({ onlineCustomers: 10 });
    const manual = demoPerson(9);
    const { customers } = await crm.listCustomers({ name: `8${manual.phoneDigits.slice(1)}` }, { limit: 20 });
    expect(customers.map((c) => [c.email, c.externalId])).toEqual([[manual.email, undefined]]);
    await crm.fixExternalIds([{ id: customers[0]!.id, externalId: 'ours-9' }]);
    expect((await crm.getCustomer('ours-9', 'externalId'))?.id).toBe(customers[0]!.id);
    const ids = (await crm.listCustomers({ externalIds: [demoCustomerExternalId(0)!, 'ours-9'] })).customers.map((c) => c.externalId).sort();
    expect(ids).toEqual([demoCustomerExternalId(0), 'ours-9'].sort());
  });

  it('a keyed create whose reply is lost is retried and resolves with the customer it did create', async () => {
    emulator.faults.set({ dropAfterApply: true, dropCount: 1, pathPattern: '^POST /api/v5/customers/create$' });
    const before = crm.upstream.requestCount;
    const result = await crm.createCustomer({ externalId: 'lost-reply-1', firstName: 'Эхо' });
    expect(result).toEqual({ id: 1, alreadyExisted: true });
    // The lost create, its retry (refused as a duplicate), and the lookup.
    expect(crm.upstream.requestCount - before).toBe(3);
    const { customers, pagination } = await crm.listCustomers({ externalIds: ['lost-reply-1'] });
    expect([customers.map((c) => c.id), pagination.totalCount]).toEqual([[1], 1]);
  });

  it('maps a validation refusal to RetailCrmApiError and an outage to UpstreamUnavailableError', async () => {
    await expect(crm.createCustomer({ externalId: 'bad-email', email: 'nope' })).rejects.toMatchObject({
      name: 'RetailCrmApiError',
      status: 400,
      errorMsg: 'Errors in the entity format',
      errors: { email: 'This value is not a valid email address.' },
    });
    expect(await crm.getCustomer('nobody', 'externalId')).toBeUndefined();
    emulator.faults.set({ down: true });
    const outage = createRetailCrmClient({ baseUrl: server.url, apiKey: KEY, site: 'online', timeoutMs: 500, requestsPerSecond: 1_000 });
    try {
      await expect(outage.customersHistory(0, 20)).rejects.toMatchObject({ name: 'UpstreamUnavailableError', system: 'retailcrm' });
    } finally {
      await outage.close();
    }
  });
});
