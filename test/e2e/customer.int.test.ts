import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerByPhoneDocument, CustomerSearchDocument, RegisterCustomerDocument } from '../../clients/__generated__/graphql.js';
import { CUSTOMER_HISTORY_CURSOR } from '../../subgraphs/customer/crm-sync/customer-sync.service.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { crmApi } from '../support/order-fixtures.js';

let t: TestGraph;
let staff: string;

beforeAll(async () => {
  t = await startTestGraph();
  await t.settle();
  staff = await t.staffToken('manager');
});
afterAll(async () => t?.close());

async function crmCustomersWithPhone(digits: string) {
  const res = await crmApi(t, `customers?filter[name]=${digits}`);
  return ((await res.json()) as { customers: unknown[] }).customers;
}

describe('customer reads for staff', () => {
  it('pages through every seeded customer, newest first, with no overlap', async () => {
    const seen: string[] = [];
    const dates: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (let guard = 0; guard < 20; guard++) {
      const page: any = await t.gql(CustomerSearchDocument, { first: 7, after }, staff);
      expect(page.errors).toBeUndefined();
      total = page.data.customers.totalCount;
      for (const edge of page.data.customers.edges) {
        seen.push(edge.node.id);
        dates.push(edge.node.createdAt);
      }
      if (!page.data.customers.pageInfo.hasNextPage) break;
      after = page.data.customers.pageInfo.endCursor;
    }
    expect(total).toBe(t.config.SEED_ONLINE_CUSTOMERS);
    expect(new Set(seen).size).toBe(total);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('searches by name, phone in any form and e-mail', async () => {
    const byPhone = await t.gql(CustomerSearchDocument, { search: '8 916 000-00-37' }, staff);
    expect(byPhone.data.customers.totalCount).toBe(1);
    const found = byPhone.data.customers.edges[0].node;
    expect(found.phone).toBe('+79160000037');
    const byName = await t.gql(CustomerSearchDocument, { search: found.lastName }, staff);
    expect(byName.data.customers.edges.map((e: any) => e.node.id)).toContain(found.id);
    const byEmail = await t.gql(CustomerSearchDocument, { search: found.email.toUpperCase() }, staff);
    expect(byEmail.data.customers.edges.map((e: any) => e.node.id)).toEqual([found.id]);
  });

  it('refuses malformed paging with BAD_USER_INPUT', async () => {
    for (const variables of [{ first: 0 }, { first: 101 }, { after: 'not-a-cursor' }, { search: 'x'.repeat(101) }]) {
      const result = await t.gql(CustomerSearchDocument, variables, staff);
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
    }
    const phone = await t.gql(CustomerByPhoneDocument, { phone: 'not a phone' }, staff);
    expect(phone.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('RetailCRM failures', () => {
  it('registration while RetailCRM is down answers at once; the customer reaches RetailCRM, once, when it is back', async () => {
    t.graph.emulators!.retailCrm.faults.set({ failStatus: 500 });
    const registered = await t.gql(RegisterCustomerDocument, { input: { phone: '+79201234567', firstName: 'Фёдор' } });
    expect(registered.errors).toBeUndefined();
    expect(registered.data.registerCustomer.customer.phone).toBe('+79201234567');
    const again = await t.gql(RegisterCustomerDocument, { input: { phone: '+79201234567', firstName: 'Фёдор' } });
    expect(again.errors?.[0]?.extensions?.code).toBe('CUSTOMER_ALREADY_EXISTS');
    await t.graph.customer.relay.drain();
    await t.healUpstreams();
    expect(await t.database.db.selectFrom('customer.registrations').selectAll().execute()).toEqual([]);
    expect(await crmCustomersWithPhone('79201234567')).toEqual([]);
    await t.database.db.updateTable('platform.outbox').set({ available_at: new Date() }).where('status', '=', 'pending').execute();
    await t.settle();
    const crm = (await crmCustomersWithPhone('79201234567')) as { externalId: string }[];
    expect(crm.map((c) => c.externalId)).toEqual([registered.data.registerCustomer.customer.id]);
  });

  it('a create that RetailCRM applied but whose reply was lost yields one customer', async () => {
    t.graph.emulators!.retailCrm.faults.set({ dropAfterApply: true, dropCount: 1, pathPattern: 'customers/create' });
    const result = await t.gql(RegisterCustomerDocument, { input: { phone: '+79207654321', firstName: 'Лев' } });
    expect(result.errors).toBeUndefined();
    await t.graph.customer.relay.drain();
    await t.healUpstreams();
    await t.database.db.updateTable('platform.outbox').set({ available_at: new Date() }).where('status', '=', 'pending').execute();
    await t.settle();
    const crm = (await crmCustomersWithPhone('79207654321')) as { externalId: string }[];
    expect(crm).toHaveLength(1);
    expect(crm[0]!.externalId).toBe(result.data.registerCustomer.customer.id);
  });

  it('the history sync records a failure, keeps its cursor, and the graph keeps answering from the read model', async () => {
    const before = await t.database.db.selectFrom('platform.sync_cursors').selectAll().where('name', '=', CUSTOMER_HISTORY_CURSOR).executeTakeFirstOrThrow();
    t.graph.emulators!.retailCrm.faults.set({ down: true });
    await expect(t.graph.customer.sync.runNow()).rejects.toThrow();
    const failed = await t.database.db.selectFrom('platform.sync_cursors').selectAll().where('name', '=', CUSTOMER_HISTORY_CURSOR).executeTakeFirstOrThrow();
    expect(failed.cursor).toBe(before.cursor);
    expect(failed.last_error).toMatch(/retailcrm/);
    const answer = await t.gql(CustomerByPhoneDocument, { phone: '+79160000037' }, staff);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.customerByPhone.firstName).toBeTruthy();
    await t.healUpstreams();
    await t.graph.customer.sync.runNow();
    const recovered = await t.database.db.selectFrom('platform.sync_cursors').selectAll().where('name', '=', CUSTOMER_HISTORY_CURSOR).executeTakeFirstOrThrow();
    expect(recovered.last_error).toBeNull();
  });

  it('an edit made in RetailCRM reaches the graph with the next sync', async () => {
    const found = await t.gql(CustomerByPhoneDocument, { phone: '+79160000074' }, staff);
    const id = found.data.customerByPhone.id;
    const body = new URLSearchParams({ apiKey: t.config.RETAILCRM_API_KEY, by: 'externalId', site: t.config.RETAILCRM_SITE, customer: JSON.stringify({ email: 'new.address@example.ru', lastName: 'Новикова' }) });
    const edit = (await (await fetch(`${t.graph.urls.retailCrm}/api/v5/customers/${id}/edit`, { method: 'POST', body })).json()) as { success: boolean };
    expect(edit.success).toBe(true);
    await t.graph.customer.sync.runNow();
    const after = await t.gql(CustomerByPhoneDocument, { phone: '+79160000074' }, staff);
    expect(after.data.customerByPhone).toMatchObject({ id, email: 'new.address@example.ru', lastName: 'Новикова' });
  });
});
