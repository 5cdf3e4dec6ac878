import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamUnavailableError } from '../../platform/http/upstream-client.js';
import { CaptureServer } from '../../test/support/capture-server.js';
import { createRetailCrmClient } from './retailcrm.client.js';
import { RetailCrmApiError } from './retailcrm.port.js';

const capture = new CaptureServer();
const clients: ReturnType<typeof createRetailCrmClient>[] = [];

function client() {
  const c = createRetailCrmClient({ baseUrl: capture.url, apiKey: 'test-key', site: 'online', timeoutMs: 2_000, requestsPerSecond: 1_000 });
  clients.push(c);
  return c;
}

const form = (body: string) => [...new URLSearchParams(body).entries()];

const crmCustomer = {
  type: 'customer',
  id: 4770,
  externalId: 'ext-5',
  isContact: false,
  createdAt: '2022-03-11 15:39:08',
  vip: false,
  bad: false,
  site: 'online',
  contragent: { contragentType: 'individual' },
  tags: [],
  customFields: { bonus_active: 120, bonus_card_type: 'Gold' },
  firstName: 'Omega',
  lastName: 'Test',
  sex: 'female',
  email: 'omega@omega.com',
  birthday: '1990-01-02',
  phones: [{ number: '79094055045' }, { number: '+79094055044' }],
  discountCardNumber: 'DC-7',
};

const mapped = {
  id: 4770,
  externalId: 'ext-5',
  site: 'online',
  createdAt: '2022-03-11 15:39:08',
  firstName: 'Omega',
  lastName: 'Test',
  sex: 'female',
  email: 'omega@omega.com',
  birthday: '1990-01-02',
  phones: [{ number: '79094055045' }, { number: '+79094055044' }],
  customFields: { bonus_active: 120, bonus_card_type: 'Gold' },
  discountCardNumber: 'DC-7',
};

beforeAll(() => capture.start());
afterEach(async () => {
  capture.reset();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => capture.stop());

describe('the requests it sends', () => {
  it('listCustomers: GET customers with bracketed filter keys, limit and page, the key in X-API-KEY', async () => {
    capture.reply(200, { success: true, pagination: { limit: 50, totalCount: 51, currentPage: 2, totalPageCount: 2 }, customers: [crmCustomer, { ...crmCustomer, id: 1, externalId: undefined, customFields: [] }] });
    const result = await client().listCustomers({ ids: [1, 4770], externalIds: ['ext-5'], name: '89161234567', email: 'a@b.ru' }, { limit: 50, page: 2 });

    expect(capture.requests).toHaveLength(1);
    const [req] = capture.requests;
    expect([req!.method, req!.rawPath, req!.body]).toEqual(['GET', '/api/v5/customers', '']);
    expect(req!.query).toEqual([
      ['filter[ids][]', '1'],
      ['filter[ids][]', '4770'],
      ['filter[externalIds][]', 'ext-5'],
      ['filter[name]', '89161234567'],
      ['filter[email]', 'a@b.ru'],
      ['limit', '50'],
      ['page', '2'],
    ]);
    expect(req!.headers['x-api-key']).toBe('test-key');
    expect(result).toEqual({
      customers: [mapped, { ...mapped, id: 1, externalId: undefined, customFields: {} }].map((c) => JSON.parse(JSON.stringify(c))),
      pagination: { limit: 50, totalCount: 51, currentPage: 2, totalPageCount: 2 },
    });
  });

  it('listCustomers with an empty id list sends nothing and finds nothing', async () => {
    expect(await client().listCustomers({ ids: [] }, { limit: 100 })).toEqual({ customers: [], pagination: { limit: 100, totalCount: 0, currentPage: 1, totalPageCount: 0 } });
    expect(capture.requests).toEqual([]);
  });

  it('getCustomer: GET customers/{id} with by and site, the id percent-encoded', async () => {
    capture.reply(200, { success: true, customer: crmCustomer }).reply(200, { success: true, customer: crmCustomer });
    const c = client();
    expect(await c.getCustomer('ext/5 a', 'externalId')).toEqual(mapped);
    expect(await c.getCustomer(4770, 'id')).toEqual(mapped);
    expect(capture.requests.map((r) => [r.method, r.rawPath, r.query])).toEqual([
      ['GET', '/api/v5/customers/ext%2F5%20a', [['by', 'externalId'], ['site', 'online']]],
      ['GET', '/api/v5/customers/4770', [['by', 'id'], ['site', 'online']]],
    ]);
  });

  it('createCustomer: POST customers/create, form with customer=<json> and site', async () => {
    capture.reply(201, { success: true, id: 77 });
    const input = { externalId: 'ours-1', firstName: 'Анна', phones: [{ number: '+79161234567' }], customFields: { bonus_active: 10 } };
    expect(await client().createCustomer(input)).toEqual({ id: 77 });
    const [req] = capture.requests;
    expect([req!.method, req!.rawPath, req!.query]).toEqual(['POST', '/api/v5/customers/create', []]);
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req!.headers['x-api-key']).toBe('test-key');
    expect(form(req!.body)).toEqual([
      ['customer', JSON.stringify(input)],
      ['site', 'online'],
    ]);
  });

  it('editCustomer: POST customers/{id}/edit, form with customer=<json>, by and site', async () => {
    capture.reply(200, { success: true, id: 4770 });
    const patch = { customFields: { bonus_active: 5, bonus_pending: null } };
    expect(await client().editCustomer('ext-5', 'externalId', patch)).toEqual({ id: 4770 });
    const [req] = capture.requests;
    expect([req!.method, req!.rawPath]).toEqual(['POST', '/api/v5/customers/ext-5/edit']);
    expect(form(req!.body)).toEqual([
      ['customer', '{"customFields":{"bonus_active":5,"bonus_pending":null}}'],
      ['by', 'externalId'],
      ['site', 'online'],
    ]);
  });

  it('fixExternalIds: POST customers/fix-external-ids, form with customers=<json>; nothing for no rows', async () => {
    capture.reply(200, { success: true });
    const c = client();
    await c.fixExternalIds([]);
    await c.fixExternalIds([{ id: 1, externalId: 'a' }, { id: 2, externalId: 'b' }]);
    expect(capture.requests.map((r) => [r.method, r.rawPath, form(r.body)])).toEqual([
      ['POST', '/api/v5/customers/fix-external-ids', [['customers', '[{"id":1,"externalId":"a"},{"id":2,"externalId":"b"}]']]],
    ]);
  });

  it('customersHistory: GET customers/history with filter[sinceId] and limit; maps records and creation snapshots', async () => {
    capture.reply(200, {
      success: true,
      generatedAt: '2021-02-16 15:41:11',
      history: [
        { id: 2695, createdAt: '2018-10-05 13:49:08', created: true, source: 'api', field: 'id', apiKey: { current: false }, oldValue: null, newValue: 4770, customer: { ...crmCustomer, customFields: [] } },
        { id: 2699, createdAt: '2018-10-05 14:36:34', source: 'user', user: { id: 23 }, field: 'external_id', oldValue: null, newValue: '3', customer: { id: 983, externalId: '3', site: 'presta' } },
        { id: 2700, createdAt: '2018-10-05 14:40:00', source: 'api', field: 'custom_bonus_active', apiKey: { current: true }, oldValue: 1, newValue: 2, customer: { id: 983, site: 'presta' } },
      ],
      pagination: { limit: 100, totalCount: 3, currentPage: 1, totalPageCount: 1 },
    });
    const result = await client().customersHistory(2691, 100);
    const [req] = capture.requests;
    expect([req!.method, req!.rawPath, req!.query]).toEqual(['GET', '/api/v5/customers/history', [['filter[sinceId]', '2691'], ['limit', '100']]]);
    expect(result).toEqual({
      generatedAt: '2021-02-16 15:41:11',
      pagination: { limit: 100, totalCount: 3, currentPage: 1, totalPageCount: 1 },
      history: [
        {
          id: 2695,
          createdAt: '2018-10-05 13:49:08',
          created: true,
          source: 'api',
          field: 'id',
          apiKey: { current: false },
          oldValue: null,
          newValue: 4770,
          customer: { id: 4770, externalId: 'ext-5', site: 'online' },
          snapshot: { ...mapped, customFields: {} },
        },
        { id: 2699, createdAt: '2018-10-05 14:36:34', source: 'user', user: { id: 23 }, field: 'external_id', oldValue: null, newValue: '3', customer: { id: 983, externalId: '3', site: 'presta' } },
        { id: 2700, createdAt: '2018-10-05 14:40:00', source: 'api', field: 'custom_bonus_active', apiKey: { current: true }, oldValue: 1, newValue: 2, customer: { id: 983, site: 'presta' } },
      ],
    });
  });
});

describe('how it reads answers', () => {
  it('maps {success:false} to RetailCrmApiError with status, errorMsg and errors (a PHP list too)', async () => {
    capture
      .reply(400, { success: false, errorMsg: 'Errors in the entity format', errors: { email: 'This value is not a valid email address.' } })
      .reply(400, { success: false, errorMsg: 'Validation error', errors: ['first', { nested: true }] });
    const c = client();
    const first = await c.createCustomer({ email: 'x' }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(RetailCrmApiError);
    expect(first).toMatchObject({ status: 400, errorMsg: 'Errors in the entity format', errors: { email: 'This value is not a valid email address.' } });
    const second = await c.listCustomers({ name: 'x' }).catch((e: unknown) => e);
    expect(second).toMatchObject({ status: 400, errorMsg: 'Validation error', errors: { 0: 'first', 1: '{"nested":true}' } });
  });

  it('getCustomer: 404 "Not found" is undefined; a 404 for an unknown method is an error', async () => {
    capture.reply(404, { success: false, errorMsg: 'Not found' }).reply(404, { success: false, errorMsg: 'Method not found' });
    const c = client();
    expect(await c.getCustomer('nobody', 'externalId')).toBeUndefined();
    await expect(c.getCustomer('x', 'externalId')).rejects.toMatchObject({ name: 'RetailCrmApiError', status: 404, errorMsg: 'Method not found' });
  });

  it('editCustomer of an unknown customer throws RetailCrmApiError 404', async () => {
    capture.reply(404, { success: false, errorMsg: 'Not found' });
    await expect(client().editCustomer(1, 'id', { firstName: 'X' })).rejects.toMatchObject({ name: 'RetailCrmApiError', status: 404, errorMsg: 'Not found' });
  });

  it('createCustomer: a taken externalId resolves with the existing customer id, flagged alreadyExisted', async () => {
    capture
      .reply(400, { success: false, errorMsg: 'Errors in the entity format', errors: { externalId: 'Customer with externalId=ext-5 already exists.' } })
      .reply(200, { success: true, customer: crmCustomer });
    expect(await client().createCustomer({ externalId: 'ext-5', firstName: 'Omega' })).toEqual({ id: 4770, alreadyExisted: true });
    expect(capture.requests.map((r) => [r.method, r.rawPath, r.query])).toEqual([
      ['POST', '/api/v5/customers/create', []],
      ['GET', '/api/v5/customers/ext-5', [['by', 'externalId'], ['site', 'online']]],
    ]);
  });

  it('an HTML error page is "Account does not exist."; an unexpected JSON shape is an outage', async () => {
    capture.reply(404, '<html><center><h1>404 Not Found</h1></center><hr><center>nginx</center></html>', { 'content-type': 'text/html' }).reply(200, { success: true, customers: 'nope' });
    const c = client();
    await expect(c.getCustomer(1, 'id')).rejects.toMatchObject({ name: 'RetailCrmApiError', status: 404, errorMsg: 'Account does not exist.' });
    const error = await c.listCustomers({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
  });

  it('waits out the rate limit (503 + envelope + Retry-After) and retries, even a non-idempotent create', async () => {
    const limited = { success: false, errorMsg: 'API rate limit exceeded: no more than 10 requests per second for one API key.' };
    capture.reply(503, limited, { 'retry-after': '0' }).reply(201, { success: true, id: 9 });
    expect(await client().createCustomer({ firstName: 'Без ключа' })).toEqual({ id: 9 });
    expect(capture.requests.map((r) => r.rawPath)).toEqual(['/api/v5/customers/create', '/api/v5/customers/create']);
  });

  it('retries a keyed create after a 5xx, but never a create without externalId', async () => {
    capture.reply(502, '<html>bad gateway</html>', { 'content-type': 'text/html' }).reply(201, { success: true, id: 10 });
    expect(await client().createCustomer({ externalId: 'ours-2' })).toEqual({ id: 10 });
    expect(capture.requests).toHaveLength(2);

    capture.reset();
    capture.reply(502, '<html>bad gateway</html>', { 'content-type': 'text/html' }).reply(201, { success: true, id: 11 });
    const error = await client().createCustomer({ firstName: 'Без ключа' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ system: 'retailcrm', status: 502 });
    expect(capture.requests).toHaveLength(1);
  });

  it('retries an edit after a 5xx', async () => {
    capture.reply(503, '<html>503 Service Temporarily Unavailable</html>').reply(200, { success: true, id: 3 });
    expect(await client().editCustomer(3, 'id', { firstName: 'Снова' })).toEqual({ id: 3 });
    expect(capture.requests.map((r) => r.rawPath)).toEqual(['/api/v5/customers/3/edit', '/api/v5/customers/3/edit']);
  });
});
