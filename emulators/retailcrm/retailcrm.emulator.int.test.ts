import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { demoLoyalty } from '../seed/demo-loyalty.js';
import { demoOrdersOf } from '../seed/demo-orders.js';
import { demoPerson } from '../seed/demo-people.js';
import { createRetailCrmEmulator, demoCustomerExternalId, retailCrmEmulatorSchema, type RetailCrmEmulator } from './retailcrm.emulator.js';

const KEY = 'key-shop';
const OTHER_KEY = 'key-1c';
const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

let tdb: TestDatabase;
let emulator: RetailCrmEmulator;
let server: RunningServer;

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}

/** GET with the key in the X-API-KEY header (null: no key at all). */
async function get(path: string, key: string | null = KEY, base = server.url): Promise<Answer> {
  return answer(await fetch(`${base}${path}`, { headers: key === null ? {} : { 'X-API-KEY': key } }));
}

async function post(path: string, form: Record<string, string>, key: string | null = KEY, base = server.url): Promise<Answer> {
  return answer(
    await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(key === null ? {} : { 'X-API-KEY': key }) },
      body: new URLSearchParams(form).toString(),
    }),
  );
}

const create = (customer: Record<string, unknown>, site = 'online', key = KEY) =>
  post('/api/v5/customers/create', { site, customer: JSON.stringify(customer) }, key);

const q = (params: [string, string][]) => new URLSearchParams(params).toString();

const CANCELLED = new Set(['cancel-other', 'no-product', 'already-buyed', 'delyvery-did-not-suit']);

/** The customer's figures worked out from its generated orders: the cancel group counts in ordersCount only. */
function demoSums(i: number) {
  const orders = demoOrdersOf(i);
  const counted = orders.filter((o) => !CANCELLED.has(o.status));
  const kopecks = counted.reduce(
    (t, o) => t + o.deliveryKopecks + o.lines.reduce((s, l) => s + Math.max(0, (l.priceKopecks - l.discountKopecks) * l.quantity - l.bonusesChargeKopecks), 0),
    0,
  );
  return { ordersCount: orders.length, totalSumm: kopecks / 100, marginSumm: kopecks / 100, averageSumm: counted.length > 0 ? Math.round(kopecks / counted.length) / 100 : 0 };
}

/** What the API prints for demo person `i` as seeded (with its seeded orders' figures). */
function seededCustomer(i: number, id: number) {
  const p = demoPerson(i);
  const l = demoLoyalty(i);
  const externalId = demoCustomerExternalId(i);
  return {
    type: 'customer',
    id,
    ...(externalId ? { externalId } : {}),
    isContact: false,
    createdAt: expect.stringMatching(DATE_TIME),
    vip: false,
    bad: false,
    site: 'online',
    contragent: { contragentType: 'individual' },
    tags: [],
    ...demoSums(i),
    costSumm: 0,
    customFields: {
      bonus_card_number: l.cardNumber,
      bonus_card_type: l.cardType.name,
      bonus_active: l.availableBonuses,
      bonus_pending: l.notActiveBonuses,
      bonus_spent: l.debitedBonuses,
    },
    personalDiscount: 0,
    cumulativeDiscount: 0,
    address: { countryIso: 'RU', city: p.city },
    segments: [],
    firstName: p.firstName,
    lastName: p.lastName,
    patronymic: p.patronymic,
    sex: p.sex,
    email: p.email,
    birthday: p.birthday,
    phones: [{ number: `+${p.phoneDigits}` }],
  };
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  await migrateSchema(tdb.db, retailCrmEmulatorSchema);
  emulator = createRetailCrmEmulator({ db: tdb.db, apiKeys: [KEY, OTHER_KEY], sites: ['online', 'outlet'], requestsPerSecond: 10_000 });
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

describe('transport and authentication', () => {
  it('refuses a request without a key and one with a wrong key, with the real messages', async () => {
    expect(await get('/api/v5/customers', null)).toMatchObject({ status: 403, body: { success: false, errorMsg: '"apiKey" is missing.' } });
    expect(await get('/api/v5/customers', 'nope')).toMatchObject({ status: 403, body: { success: false, errorMsg: 'Wrong "apiKey" value.' } });
  });

  it('takes the key from the header, from the apiKey query parameter and from the apiKey form field', async () => {
    const empty = { success: true, pagination: { limit: 20, totalCount: 0, currentPage: 1, totalPageCount: 0 }, customers: [] };
    expect((await get('/api/v5/customers')).body).toEqual(empty);
    expect(await get(`/api/v5/customers?apiKey=${KEY}`, null)).toMatchObject({ status: 200, body: empty });
    const created = await post('/api/v5/customers/create', { apiKey: KEY, site: 'online', customer: JSON.stringify({ firstName: 'Анна' }) }, null);
    expect(created).toMatchObject({ status: 201, body: { success: true, id: 1 } });
  });

  it('answers an unknown method and a wrong HTTP method with the JSON envelope', async () => {
    expect(await get('/api/v5/orders-magic')).toMatchObject({ status: 404, body: { success: false, errorMsg: 'Method not found' } });
    const wrongMethod = await answer(await fetch(`${server.url}/api/v5/customers/create`, { method: 'PUT', headers: { 'X-API-KEY': KEY } }));
    expect(wrongMethod).toMatchObject({ status: 405, body: { success: false, errorMsg: 'Method Not Allowed' } });
  });
});

describe('customers/create and customers/{externalId}', () => {
  const input = {
    externalId: 'c0ffee00-0000-4000-8000-000000000001',
    firstName: 'Мария',
    lastName: 'Петрова',
    patronymic: 'Игоревна',
    sex: 'female',
    email: 'maria@example.ru',
    birthday: '1990-04-05',
    phones: [{ number: '+79161234567' }],
    address: { city: 'Москва', text: 'ул. Тверская, 1' },
    customFields: { bonus_card_number: '2600000009999', bonus_active: '120', not_defined_here: 'ignored' },
    discountCardNumber: 'DC-1',
  };
  const printed = (id: number) => ({
    type: 'customer',
    id,
    externalId: input.externalId,
    isContact: false,
    createdAt: expect.stringMatching(DATE_TIME),
    vip: false,
    bad: false,
    site: 'online',
    contragent: { contragentType: 'individual' },
    tags: [],
    marginSumm: 0,
    totalSumm: 0,
    averageSumm: 0,
    ordersCount: 0,
    costSumm: 0,
    customFields: { bonus_card_number: '2600000009999', bonus_active: 120 },
    personalDiscount: 0,
    cumulativeDiscount: 0,
    discountCardNumber: 'DC-1',
    address: { city: 'Москва', text: 'ул. Тверская, 1' },
    segments: [],
    firstName: 'Мария',
    lastName: 'Петрова',
    patronymic: 'Игоревна',
    sex: 'female',
    email: 'maria@example.ru',
    birthday: '1990-04-05',
    phones: [{ number: '+79161234567' }],
  });

  it('creates (201 {success, id}) and reads the customer back by externalId, by id, with and without site', async () => {
    expect(await create(input)).toMatchObject({ status: 201, body: { success: true, id: 1 } });
    expect(await get(`/api/v5/customers/${input.externalId}`)).toMatchObject({ status: 200, body: { success: true, customer: printed(1) } });
    expect((await get(`/api/v5/customers/${input.externalId}?by=externalId&site=online`)).body).toEqual({ success: true, customer: printed(1) });
    expect((await get('/api/v5/customers/1?by=id')).body).toEqual({ success: true, customer: printed(1) });
    // externalId is unique within a site: the other site does not have it.
    expect(await get(`/api/v5/customers/${input.externalId}?site=outlet`)).toMatchObject({ status: 404, body: { success: false, errorMsg: 'Not found' } });
  });

  it('prints no customFields as [] (PHP empty array) and leaves absent fields out', async () => {
    await create({ firstName: 'Олег' });
    expect((await get('/api/v5/customers/1?by=id')).body.customer).toEqual({
      type: 'customer',
      id: 1,
      isContact: false,
      createdAt: expect.stringMatching(DATE_TIME),
      vip: false,
      bad: false,
      site: 'online',
      contragent: { contragentType: 'individual' },
      tags: [],
      marginSumm: 0,
      totalSumm: 0,
      averageSumm: 0,
      ordersCount: 0,
      costSumm: 0,
      customFields: [],
      personalDiscount: 0,
      cumulativeDiscount: 0,
      segments: [],
      firstName: 'Олег',
      phones: [],
    });
  });

  it('answers lookups that cannot succeed with the real envelopes', async () => {
    expect(await get('/api/v5/customers/nobody')).toMatchObject({ status: 404, body: { success: false, errorMsg: 'Not found' } });
    expect(await get('/api/v5/customers/abc?by=id')).toMatchObject({ status: 400, body: { success: false, errorMsg: 'Validation error', errors: { id: 'ID must be an integer' } } });
    expect(await get('/api/v5/customers/1?by=phone')).toMatchObject({ status: 400, body: { success: false, errorMsg: 'Validation error', errors: { by: 'The value you selected is not a valid choice.' } } });
    expect(await get('/api/v5/customers/1?by=id&site=elsewhere')).toMatchObject({ status: 403, body: { success: false, errorMsg: 'Access denied.' } });
  });

  it('refuses a duplicate externalId on the same site, allows it on another', async () => {
    await create(input);
    expect(await create({ externalId: input.externalId, firstName: 'Другая' })).toEqual({
      status: 400,
      headers: expect.anything(),
      body: { success: false, errorMsg: 'Errors in the entity format', errors: { externalId: `Customer with externalId=${input.externalId} already exists.` } },
    });
    expect(await create({ externalId: input.externalId }, 'outlet')).toMatchObject({ status: 201, body: { success: true, id: 2 } });
  });

  it('explains missing parameters, malformed JSON and invalid fields', async () => {
    expect((await post('/api/v5/customers/create', { site: 'online' })).body).toEqual({ success: false, errorMsg: "Parameter 'customer' is missing" });
    // Two sites: the key cannot tell which one.
    expect((await post('/api/v5/customers/create', { customer: '{}' })).body).toEqual({ success: false, errorMsg: "Parameter 'site' is missing" });
    expect(await post('/api/v5/customers/create', { site: 'online', customer: '{"firstName":' })).toMatchObject({
      status: 400,
      body: { success: false, errorMsg: 'Errors in the entity format', errors: { customer: 'This value is not valid JSON.' } },
    });
    const invalid = await create({ email: 'not-an-email', sex: 'x', phones: 'none', customFields: { bonus_active: 'many' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({
      success: false,
      errorMsg: 'Errors in the entity format',
      errors: {
        email: 'This value is not a valid email address.',
        sex: 'The value you selected is not a valid choice.',
        phones: 'This value should be of type array of {number}.',
        'customFields[bonus_active]': 'This value should be of type integer.',
      },
    });
    expect((await get('/api/v5/customers')).body.pagination.totalCount).toBe(0);
  });

  it('ignores a JSON body: parameters come as a form', async () => {
    const res = await answer(
      await fetch(`${server.url}/api/v5/customers/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-API-KEY': KEY },
        body: JSON.stringify({ site: 'online', customer: { firstName: 'Json' } }),
      }),
    );
    expect(res).toMatchObject({ status: 400, body: { success: false, errorMsg: "Parameter 'site' is missing" } });
  });
});

describe('GET customers: bracketed filters and pagination', () => {
  beforeEach(async () => {
    await emulator.seed({ onlineCustomers: 30 });
  });

  const externalIdsOf = (a: Answer) => a.body.customers.map((c: { externalId?: string }) => c.externalId);

  it('filters by filter[ids][] and filter[externalIds][], PHP [] and [0] alike', async () => {
    const byIds = await get(`/api/v5/customers?${q([['filter[ids][]', '3'], ['filter[ids][]', '5']])}`);
    expect(byIds.body.customers.map((c: { id: number }) => c.id)).toEqual([3, 5]);
    expect(byIds.body.pagination).toEqual({ limit: 20, totalCount: 2, currentPage: 1, totalPageCount: 1 });
    const indexed = await get(`/api/v5/customers?${q([['filter[ids][0]', '3'], ['filter[ids][1]', '5']])}`);
    expect(indexed.body).toEqual(byIds.body);

    const wanted = [demoCustomerExternalId(4)!, demoCustomerExternalId(12)!];
    const byExternal = await get(`/api/v5/customers?${q(wanted.map((id) => ['filter[externalIds][]', id]))}`);
    expect(externalIdsOf(byExternal).sort()).toEqual([...wanted].sort());
  });

  it('matches filter[name] against a phone written any way, by its digits', async () => {
    const person = demoPerson(1); // phone 79160000037
    const d = person.phoneDigits;
    const formats = [d, `8${d.slice(1)}`, `+7 ${d.slice(1, 4)} ${d.slice(4, 7)}-${d.slice(7, 9)}-${d.slice(9)}`, `+7 (${d.slice(1, 4)}) ${d.slice(4)}`, d.slice(1)];
    for (const phone of formats) {
      const res = await get(`/api/v5/customers?${q([['filter[name]', phone]])}`);
      expect({ phone, found: externalIdsOf(res) }).toEqual({ phone, found: [demoCustomerExternalId(1)] });
    }
    expect((await get(`/api/v5/customers?${q([['filter[name]', '+7 999 000-00-00']])}`)).body.customers).toEqual([]);
  });

  it('matches filter[name] against the full name, word by word, case-insensitively', async () => {
    const person = demoPerson(2);
    const res = await get(`/api/v5/customers?${q([['filter[name]', `${person.firstName.toUpperCase()} ${person.lastName}`]])}`);
    expect(res.body.customers.length).toBeGreaterThan(0);
    for (const c of res.body.customers) expect([c.firstName, c.lastName]).toEqual([person.firstName, person.lastName]);
    expect(res.body.customers.some((c: { email: string }) => c.email === person.email)).toBe(true);
  });

  it('filters by filter[email]', async () => {
    const person = demoPerson(7);
    const res = await get(`/api/v5/customers?${q([['filter[email]', person.email.toUpperCase()]])}`);
    expect(res.body.customers).toEqual([seededCustomer(7, res.body.customers[0].id)]);
  });

  it('pages with limit and page, and refuses limits outside 20/50/100/250', async () => {
    const second = await get('/api/v5/customers?limit=20&page=2');
    expect(second.body.pagination).toEqual({ limit: 20, totalCount: 30, currentPage: 2, totalPageCount: 2 });
    expect(second.body.customers.map((c: { id: number }) => c.id)).toEqual(Array.from({ length: 10 }, (_v, i) => 21 + i));
    expect((await get('/api/v5/customers?limit=50')).body.customers).toHaveLength(30);
    expect((await get('/api/v5/customers?page=3')).body).toEqual({ success: true, pagination: { limit: 20, totalCount: 30, currentPage: 3, totalPageCount: 2 }, customers: [] });
    expect(await get('/api/v5/customers?limit=10')).toMatchObject({ status: 400, body: { success: false, errorMsg: 'Validation error', errors: { limit: 'The value you selected is not a valid choice.' } } });
    expect(await get('/api/v5/customers?page=0')).toMatchObject({ status: 400, body: { success: false, errorMsg: 'Validation error', errors: { page: 'This value should be greater than or equal to 1.' } } });
  });

  it('refuses filters it does not emulate instead of ignoring them', async () => {
    expect(await get('/api/v5/customers?filter[city]=Москва')).toMatchObject({
      status: 400,
      body: { success: false, errorMsg: 'Validation error', errors: { 'filter[city]': 'This filter is not supported by the emulator.' } },
    });
  });
});

describe('seed', () => {
  it('writes demo people with loyalty custom fields, 1 in 10 without externalId, each with a creation record; once', async () => {
    tdb.queries.count = 0;
    await emulator.seed({ onlineCustomers: 300 });
    console.log(`RetailCRM customer seed (300): ${tdb.queries.count} SQL statements`);
    expect(tdb.queries.count).toBeLessThanOrEqual(30); // 14 when measured: multi-row inserts, not a statement per row
    await emulator.seed({ onlineCustomers: 300 });

    const page = await get('/api/v5/customers?limit=250&page=2');
    expect(page.body.pagination).toEqual({ limit: 250, totalCount: 300, currentPage: 2, totalPageCount: 2 });
    const all = [...(await get('/api/v5/customers?limit=250')).body.customers, ...page.body.customers];
    expect(all.filter((c) => c.externalId === undefined)).toHaveLength(30);
    // Ids run in creation order.
    const created = all.map((c) => c.createdAt);
    expect(created).toEqual([...created].sort());
    const index = (c: { email: string }) => Number(/(\d+)@/.exec(c.email)![1]);
    for (const c of all) expect(c).toEqual(seededCustomer(index(c), c.id));

    const history = await get('/api/v5/customers/history?limit=250&filter[sinceId]=0');
    const more = await get('/api/v5/customers/history?limit=250&page=2');
    const records = [...history.body.history, ...more.body.history];
    expect(records.map((r) => r.customer.id).sort((a, b) => a - b)).toEqual(all.map((c) => c.id).sort((a, b) => a - b));
    expect(records.map((r) => r.id)).toEqual(records.map((_r, i) => i + 1));
    // Creation records carry the customer as created, before any of its orders.
    const asCreated = (c: Record<string, unknown>) => ({ ...c, ordersCount: 0, totalSumm: 0, marginSumm: 0, averageSumm: 0 });
    const byManager = all.find((c) => c.externalId === undefined)!;
    expect(records.find((r) => r.customer.id === byManager.id)).toEqual({
      id: expect.any(Number),
      createdAt: byManager.createdAt,
      created: true,
      source: 'user',
      user: { id: 1 },
      field: 'id',
      oldValue: null,
      newValue: byManager.id,
      customer: asCreated(byManager),
    });
    const byShop = all.find((c) => c.externalId !== undefined)!;
    expect(records.find((r) => r.customer.id === byShop.id)).toMatchObject({ created: true, source: 'api', apiKey: { current: false }, customer: asCreated(byShop) });
  });
});

describe('control routes', () => {
  it('seeds and resets over HTTP', async () => {
    const seeded = await fetch(`${server.url}/__emulator/seed`, { method: 'POST', body: JSON.stringify({ onlineCustomers: 12 }) });
    expect([seeded.status, await seeded.json()]).toEqual([200, { seeded: true }]);
    expect((await get('/api/v5/customers')).body.pagination.totalCount).toBe(12);
    const refused = await fetch(`${server.url}/__emulator/seed`, { method: 'POST', body: JSON.stringify({ onlineCustomers: -1 }) });
    expect(refused.status).toBe(400);
    await fetch(`${server.url}/__emulator/reset`, { method: 'POST' });
    expect((await get('/api/v5/customers')).body.pagination.totalCount).toBe(0);
    expect((await get('/api/v5/customers/history')).body.history).toEqual([]);
  });
});

describe('customers/{externalId}/edit', () => {
  beforeEach(async () => {
    await emulator.seed({ onlineCustomers: 10 });
  });

  it('merges custom fields (null clears, unknown codes ignored), by externalId and by id', async () => {
    const externalId = demoCustomerExternalId(3)!;
    const before = (await get(`/api/v5/customers/${externalId}`)).body.customer;
    const edited = await post(`/api/v5/customers/${externalId}/edit`, {
      by: 'externalId',
      site: 'online',
      customer: JSON.stringify({ customFields: { bonus_active: 777, bonus_pending: null, clothing_size: 'M', made_up: 1 }, firstName: 'Новое' }),
    });
    expect(edited).toMatchObject({ status: 200, body: { success: true, id: before.id } });
    const { bonus_pending: _cleared, ...kept } = before.customFields;
    const after = (await get(`/api/v5/customers/${externalId}`)).body.customer;
    expect(after).toEqual({ ...before, firstName: 'Новое', customFields: { ...kept, bonus_active: 777, clothing_size: 'M' } });

    expect(await post(`/api/v5/customers/${before.id}/edit`, { by: 'id', customer: JSON.stringify({ customFields: { sms_consent: '1' } }) })).toMatchObject({ status: 200, body: { id: before.id } });
    expect((await get(`/api/v5/customers/${before.id}?by=id`)).body.customer.customFields).toEqual({ ...kept, bonus_active: 777, clothing_size: 'M', sms_consent: true });
  });

  it('writes one history record per changed field, and none for a repeated edit', async () => {
    const externalId = demoCustomerExternalId(2)!;
    const person = demoPerson(2);
    const { id } = (await get(`/api/v5/customers/${externalId}`)).body.customer;
    const change = { customer: JSON.stringify({ lastName: 'Новикова', email: 'new@example.ru', phones: [{ number: '+79990001122' }], customFields: { bonus_active: 5 }, address: { city: 'Тула' } }) };
    await post(`/api/v5/customers/${externalId}/edit`, change);
    await post(`/api/v5/customers/${externalId}/edit`, change);
    const res = await get('/api/v5/customers/history?filter[sinceId]=10');
    const ref = { id, externalId, site: 'online' };
    const record = (field: string, oldValue: unknown, newValue: unknown) => ({
      id: expect.any(Number),
      createdAt: expect.stringMatching(DATE_TIME),
      source: 'api',
      field,
      apiKey: { current: true },
      oldValue,
      newValue,
      customer: ref,
    });
    expect(res.body).toEqual({
      success: true,
      generatedAt: expect.stringMatching(DATE_TIME),
      history: [
        record('last_name', person.lastName, 'Новикова'),
        record('email', person.email, 'new@example.ru'),
        record('phones', `+${person.phoneDigits}`, null),
        record('phones', null, '+79990001122'),
        record('address.city', person.city, 'Тула'),
        record('custom_bonus_active', demoLoyalty(2).availableBonuses, 5),
      ],
      pagination: { limit: 20, totalCount: 6, currentPage: 1, totalPageCount: 1 },
    });
    const ids = res.body.history.map((r: { id: number }) => r.id);
    expect(ids).toEqual([11, 12, 13, 14, 15, 16]);
  });

  it('answers 404 for an unknown customer, 400 for missing or invalid input', async () => {
    expect(await post('/api/v5/customers/nobody/edit', { customer: '{"firstName":"X"}' })).toMatchObject({ status: 404, body: { success: false, errorMsg: 'Not found' } });
    expect((await post(`/api/v5/customers/${demoCustomerExternalId(1)}/edit`, {})).body).toEqual({ success: false, errorMsg: "Parameter 'customer' is missing" });
    expect(await post(`/api/v5/customers/${demoCustomerExternalId(1)}/edit`, { customer: '{"customFields":{"bonus_spent":"lots"}}' })).toMatchObject({
      status: 400,
      body: { success: false, errorMsg: 'Errors in the entity format', errors: { 'customFields[bonus_spent]': 'This value should be of type integer.' } },
    });
    expect(await post(`/api/v5/customers/${demoCustomerExternalId(1)}/edit`, { customer: JSON.stringify({ externalId: demoCustomerExternalId(2) }) })).toMatchObject({
      status: 400,
      body: { errorMsg: 'Errors in the entity format', errors: { externalId: `Customer with externalId=${demoCustomerExternalId(2)} already exists.` } },
    });
  });
});

describe('customers/fix-external-ids', () => {
  beforeEach(async () => {
    await emulator.seed({ onlineCustomers: 10 });
  });

  it('attaches externalIds to CRM-made customers and records each as external_id', async () => {
    const manual = (await get(`/api/v5/customers?${q([['filter[email]', demoPerson(9).email]])}`)).body.customers[0];
    expect(manual.externalId).toBeUndefined();
    const res = await post('/api/v5/customers/fix-external-ids', { customers: JSON.stringify([{ id: manual.id, externalId: 'ours-9' }]) }, OTHER_KEY);
    expect(res).toMatchObject({ status: 200, body: { success: true } });
    expect((await get('/api/v5/customers/ours-9')).body.customer).toEqual({ ...manual, externalId: 'ours-9' });
    const history = (await get('/api/v5/customers/history?filter[sinceId]=10', OTHER_KEY)).body.history;
    expect(history).toEqual([
      {
        id: 11,
        createdAt: expect.stringMatching(DATE_TIME),
        source: 'api',
        field: 'external_id',
        apiKey: { current: true },
        oldValue: null,
        newValue: 'ours-9',
        customer: { id: manual.id, externalId: 'ours-9', site: 'online' },
      },
    ]);
    // Repeating it changes nothing.
    await post('/api/v5/customers/fix-external-ids', { customers: JSON.stringify([{ id: manual.id, externalId: 'ours-9' }]) });
    expect((await get('/api/v5/customers/history?filter[sinceId]=11')).body.history).toEqual([]);
  });

  it('refuses the whole batch when one row is unknown or takes a used externalId', async () => {
    expect((await post('/api/v5/customers/fix-external-ids', {})).body).toEqual({ success: false, errorMsg: "Parameter 'customers' is missing" });
    const res = await post('/api/v5/customers/fix-external-ids', {
      customers: JSON.stringify([
        { id: 1, externalId: 'fresh' },
        { id: 999, externalId: 'x' },
        { id: 2, externalId: demoCustomerExternalId(0) },
      ]),
    });
    expect(res).toMatchObject({
      status: 400,
      body: {
        success: false,
        errorMsg: 'Errors in the entity format',
        errors: { 'customers[1][id]': 'Not found', 'customers[2][externalId]': `Customer with externalId=${demoCustomerExternalId(0)} already exists.` },
      },
    });
    expect(await get('/api/v5/customers/fresh')).toMatchObject({ status: 404 });
  });
});

describe('customers/history', () => {
  it('feeds creations and changes in id order; apiKey.current tells our writes from others', async () => {
    await create({ externalId: 'a-1', firstName: 'Ира' }, 'online', KEY);
    await create({ externalId: 'b-1', firstName: 'Пётр' }, 'online', OTHER_KEY);
    await post('/api/v5/customers/a-1/edit', { customer: JSON.stringify({ firstName: 'Ирина' }) }, OTHER_KEY);

    const mine = (await get('/api/v5/customers/history')).body.history;
    expect(mine.map((r: any) => [r.id, r.field, r.created ?? false, r.apiKey.current, r.customer.externalId])).toEqual([
      [1, 'id', true, true, 'a-1'],
      [2, 'id', true, false, 'b-1'],
      [3, 'first_name', false, false, 'a-1'],
    ]);
    // The creation record carries the customer as it was created.
    const now = (await get('/api/v5/customers/a-1')).body.customer;
    expect(now.firstName).toBe('Ирина');
    expect(mine[0].customer).toEqual({ ...now, firstName: 'Ира' });
    const theirs = (await get('/api/v5/customers/history', OTHER_KEY)).body.history;
    expect(theirs.map((r: any) => r.apiKey.current)).toEqual([false, true, true]);

    expect((await get('/api/v5/customers/history?filter[sinceId]=1')).body.history.map((r: any) => r.id)).toEqual([2, 3]);
    expect((await get('/api/v5/customers/history?filter[customerId]=1')).body.history.map((r: any) => r.id)).toEqual([1, 3]);
    expect((await get('/api/v5/customers/history?filter[customerExternalId]=b-1')).body.history.map((r: any) => r.id)).toEqual([2]);
    expect((await get('/api/v5/customers/history?limit=20&page=2')).body.pagination).toEqual({ limit: 20, totalCount: 3, currentPage: 2, totalPageCount: 1 });
  });

  it('filters by startDate and endDate in the account time zone', async () => {
    await emulator.seed({ onlineCustomers: 20 });
    const all = (await get('/api/v5/customers/history')).body.history;
    const pivot = all[10].createdAt as string;
    const since = (await get(`/api/v5/customers/history?${q([['filter[startDate]', pivot]])}`)).body.history;
    expect(since.map((r: any) => r.id)).toEqual(all.filter((r: any) => r.createdAt >= pivot).map((r: any) => r.id));
    const until = (await get(`/api/v5/customers/history?${q([['filter[endDate]', pivot]])}`)).body.history;
    expect(until.map((r: any) => r.id)).toEqual(all.filter((r: any) => r.createdAt <= pivot).map((r: any) => r.id));
    expect(await get('/api/v5/customers/history?filter[startDate]=yesterday')).toMatchObject({
      status: 400,
      body: { success: false, errorMsg: 'Validation error', errors: { 'filter[startDate]': 'This value is not a valid datetime.' } },
    });
  });
});

describe('rate limit', () => {
  it('answers the 11th request within a second with 503, the envelope and Retry-After; then lets through again', async () => {
    const limited = createRetailCrmEmulator({ db: tdb.db, apiKeys: [KEY, OTHER_KEY], sites: ['online'] });
    const running = await limited.start(0);
    try {
      const statuses: number[] = [];
      let refused: Answer | undefined;
      for (let i = 0; i < 12; i++) {
        const res = await get('/api/v5/customers', KEY, running.url);
        statuses.push(res.status);
        if (res.status === 503) refused = res;
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 503, 503]);
      expect(refused!.body).toEqual({ success: false, errorMsg: 'API rate limit exceeded: no more than 10 requests per second for one API key.' });
      expect(refused!.body.errorMsg).toMatch(/limit/i);
      expect(refused!.headers.get('retry-after')).toBe('1');
      // Another key has its own budget.
      expect((await get('/api/v5/customers', OTHER_KEY, running.url)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_050));
      expect((await get('/api/v5/customers', KEY, running.url)).status).toBe(200);
    } finally {
      await running.close();
    }
  });
});

describe('fault switches', () => {
  it('failStatus answers without doing anything, failCount times; 5xx as nginx HTML, 4xx as the envelope', async () => {
    emulator.faults.set({ failStatus: 503, failCount: 1 });
    const failed = await create({ externalId: 'f-1' });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('content-type')).toBe('text/html');
    expect(failed.body).toContain('503 Service Temporarily Unavailable');
    expect(failed.body).not.toMatch(/limit/i);
    expect(await get('/api/v5/customers/f-1')).toMatchObject({ status: 404 });
    emulator.faults.set({ failStatus: 429, failCount: 1 });
    expect(await get('/api/v5/customers')).toMatchObject({ status: 429, body: { success: false, errorMsg: 'Too Many Requests' } });
    expect((await get('/api/v5/customers')).status).toBe(200);
  });

  it('latencyMs delays matching requests only', async () => {
    emulator.faults.set({ latencyMs: 300, pathPattern: '^GET /api/v5/customers/history' });
    // Which requests are delayed is the switch's decision (a time bound on the others would fail on a busy machine).
    expect(emulator.faults.decide('GET', '/api/v5/customers')).toMatchObject({ kind: 'pass', latencyMs: 0 });
    expect(emulator.faults.decide('GET', '/api/v5/customers/history')).toMatchObject({ kind: 'pass', latencyMs: 300 });
    expect((await get('/api/v5/customers')).status).toBe(200);
    const started = Date.now();
    expect((await get('/api/v5/customers/history')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('dropAfterApply applies the change and loses the reply', async () => {
    emulator.faults.set({ dropAfterApply: true, dropCount: 1 });
    await expect(create({ externalId: 'dropped-1', firstName: 'Тень' })).rejects.toThrow();
    expect(await get('/api/v5/customers/dropped-1')).toMatchObject({ status: 200, body: { customer: { externalId: 'dropped-1', firstName: 'Тень' } } });
  });

  it('down resets every connection and applies nothing; set and cleared over HTTP too', async () => {
    const set = await fetch(`${server.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ down: true }) });
    expect(set.status).toBe(200);
    await expect(create({ externalId: 'never' })).rejects.toThrow();
    await fetch(`${server.url}/__emulator/faults`, { method: 'DELETE' });
    expect(await get('/api/v5/customers/never')).toMatchObject({ status: 404, body: { errorMsg: 'Not found' } });
  });
});
