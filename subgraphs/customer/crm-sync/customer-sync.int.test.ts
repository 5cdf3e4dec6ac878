import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetailCrmCustomersPort } from '../../../connectors/retailcrm/retailcrm.port.js';
import { createLogger } from '../../../platform/logger.js';
import { readCursor } from '../../../platform/sync-cursor.js';
import { startTestGraph, type TestGraph } from '../../../test/support/graph-harness.js';
import { emulatorRequests } from '../../../test/support/graph-process.js';
import { CUSTOMER_BOOTSTRAP_CURSOR, CUSTOMER_HISTORY_CURSOR, syncCustomers } from './customer-sync.service.js';

/**
 * The first history sync takes stock of the customers the shop already had; only customers created
 * in RetailCRM after it are enrolled (R3). Here the first sync is stopped after its first page of
 * three, as a process asked to stop would be, and the rest must still count as taking stock.
 */
let t: TestGraph;

beforeAll(async () => {
  // 250 customers in RetailCRM's history: three pages of 100.
  t = await startTestGraph({ SEED_ONLINE_CUSTOMERS: '250' });
});
afterAll(async () => t?.close());

const enrolments = () => t.database.db.selectFrom('platform.outbox').select('payload').where('topic', '=', 'loyalty.enroll').execute();

describe('the first customer history sync', () => {
  it('stopped after one page, resumes as the first sync: none of the existing customers is enrolled; one created afterwards is', async () => {
    const crm = t.graph.upstream.customerCrm;
    const stopping = new AbortController();
    // A port that asks to stop once the first page has been read, like SIGTERM arriving mid-sync.
    const stoppedAfterOnePage: RetailCrmCustomersPort = Object.assign(Object.create(crm) as RetailCrmCustomersPort, {
      customersHistory: async (...args: Parameters<RetailCrmCustomersPort['customersHistory']>) => {
        const page = await crm.customersHistory(...args);
        stopping.abort();
        return page;
      },
    });
    const first = await syncCustomers({ db: t.database.db, crm: stoppedAfterOnePage, logger: createLogger('test', 'silent') }, stopping.signal);
    expect(first.records).toBe(100);
    expect((await readCursor(t.database.db, CUSTOMER_BOOTSTRAP_CURSOR))?.cursor).toBe('in-progress');

    const rest = await t.graph.customer.sync.runNow();
    expect(rest.records).toBeGreaterThanOrEqual(150);
    expect(Number((await t.database.db.selectFrom('customer.customers').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)).toBeGreaterThanOrEqual(250);
    expect(await enrolments()).toEqual([]);
    expect((await readCursor(t.database.db, CUSTOMER_BOOTSTRAP_CURSOR))?.cursor).toBe('done');

    // From now on a customer created in RetailCRM (by a manager, say) is new, and is enrolled.
    await crm.createCustomer({ firstName: 'Новая', phones: [{ number: '+79165550101' }] });
    await t.graph.customer.sync.runNow();
    expect((await enrolments()).map((e) => (e.payload as { phone: string }).phone)).toEqual(['+79165550101']);
  });
});

describe('the customer history sync, caught up', () => {
  it('takes customers created on a page from their creation records, with no read; one changed since in a kept field is read', async () => {
    const crm = t.graph.upstream.customerCrm;
    await t.graph.customer.sync.runNow();
    const reads = () => emulatorRequests(t.graph.urls.retailCrm!, (route) => route === 'GET /api/v5/customers');
    const row = (id: number) => t.database.db.selectFrom('customer.customers').select(['first_name', 'last_name', 'email', 'phone']).where('retailcrm_id', '=', id).executeTakeFirstOrThrow();
    const before = await reads();
    const first = await crm.createCustomer({ firstName: 'Снимок', lastName: 'Первый', email: 'first@example.ru', phones: [{ number: '+79165550201' }] });
    const second = await crm.createCustomer({ firstName: 'Снимок', phones: [{ number: '+79165550202' }] });
    expect((await t.graph.customer.sync.runNow()).customers).toBe(2);
    expect((await reads()) - before).toBe(0);
    expect(await row(first.id)).toEqual({ first_name: 'Снимок', last_name: 'Первый', email: 'first@example.ru', phone: '+79165550201' });
    await t.graph.customer.sync.runNow(); // the echo of the externalIds the sync gave them

    // Created and renamed on one page: read, and written as it is now.
    const renamed = await crm.createCustomer({ firstName: 'Снимок', phones: [{ number: '+79165550203' }] });
    await crm.editCustomer(renamed.id, 'id', { firstName: 'Переименован' });
    const beforeRename = await reads();
    expect((await t.graph.customer.sync.runNow()).customers).toBe(1);
    expect((await reads()) - beforeRename).toBe(1);
    expect(await row(renamed.id)).toMatchObject({ first_name: 'Переименован', phone: '+79165550203' });
    expect(await row(second.id)).toMatchObject({ first_name: 'Снимок', phone: '+79165550202' });
  });

  it('passes over a customer whose changes are all outside the read model (the loyalty figures the graph writes to the card), and reads one changed in a kept field', async () => {
    const crm = t.graph.upstream.customerCrm;
    await t.graph.customer.sync.runNow(); // what the test before left (its customer's new externalId)
    const { id } = await crm.createCustomer({ firstName: 'Карта', phones: [{ number: '+79165550102' }] });
    expect((await t.graph.customer.sync.runNow()).customers).toBe(1);
    await t.graph.customer.sync.runNow(); // the echo of the externalId the sync gave it
    const cardReads = () => emulatorRequests(t.graph.urls.retailCrm!, (route) => route === 'GET /api/v5/customers');
    const row = () => t.database.db.selectFrom('customer.customers').select(['first_name', 'synced_at']).where('retailcrm_id', '=', id).executeTakeFirstOrThrow();
    const readsBefore = await cardReads();
    const { synced_at: syncedBefore } = await row();

    // What the loyalty side writes after every change of the customer's pending bonuses.
    await crm.editCustomer(id, 'id', { discountCardNumber: '7000123', customFields: { bonus_card_number: '7000123', bonus_active: 300, bonus_pending: 150 } });
    const passed = await t.graph.customer.sync.runNow();
    expect(passed.records).toBe(4);
    expect(passed.customers).toBe(0);
    expect(await cardReads()).toBe(readsBefore);
    expect((await row()).synced_at).toEqual(syncedBefore);
    expect(Number((await readCursor(t.database.db, CUSTOMER_HISTORY_CURSOR))?.cursor)).toBe(passed.cursor);

    // A page with the figures and a change of the name reads the card and writes the name.
    await crm.editCustomer(id, 'id', { firstName: 'Карина', customFields: { bonus_pending: 0 } });
    const read = await t.graph.customer.sync.runNow();
    expect(read.customers).toBe(1);
    expect(await cardReads()).toBe(readsBefore + 1);
    expect((await row()).first_name).toBe('Карина');
  });
});
