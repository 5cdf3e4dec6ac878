import { randomUUID } from 'node:crypto';
import { print, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountPageDocument, CatalogueDocument, PlaceOrderDocument, RegisterCustomerDocument, StaffSessionDocument } from '../../clients/__generated__/graphql.js';
import { startGateway } from '../../gateway/gateway.js';
import { createJwtVerifier, issueToken } from '../../platform/identity.js';
import { readSupergraph } from '../../scripts/supergraph.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, registerEnrolled } from '../support/order-fixtures.js';

// Small limits, so a test reaches each with a handful of requests. Callers are told apart by
// X-Forwarded-For (one trusted proxy), so each test has addresses of its own.
const LIMITS = {
  GATEWAY_RATE_LIMITS: 'on',
  GATEWAY_TRUSTED_PROXIES: '1',
  GATEWAY_RATE_CUSTOMER: '12',
  GATEWAY_RATE_STAFF: '40',
  GATEWAY_RATE_ANONYMOUS: '30',
  GATEWAY_REGISTRATIONS_PER_ADDRESS_HOUR: '3',
  GATEWAY_REGISTRATIONS_PER_PHONE_HOUR: '2',
  GATEWAY_FAILED_TOKENS_PER_ADDRESS_MINUTE: '5',
};

let t: TestGraph;
beforeAll(async () => {
  t = await startTestGraph(LIMITS);
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
});
afterAll(async () => t?.close());

interface Answer {
  status: number;
  retryAfter: string | null;
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function send(url: string, query: string | DocumentNode, variables: Record<string, unknown>, options: { token?: string; from?: string } = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.from ? { 'x-forwarded-for': options.from } : {}),
    },
    body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), ...((await res.json()) as object) };
}
const gql = (query: string | DocumentNode, variables: Record<string, unknown> = {}, options: { token?: string; from?: string } = {}) => send(t.graph.gatewayUrl, query, variables, options);

// The clients' own documents: the storefront's sign-up, catalogue and placement, the account page, the staff console's sign-in.
const REGISTER = RegisterCustomerDocument;
const CATALOGUE = CatalogueDocument;
const PLACE = PlaceOrderDocument;
const ME = AccountPageDocument;
const STAFF_SESSION = StaffSessionDocument;
let phoneSeq = 0;
// Valid Russian mobiles, fresh in every test (+7 903 7xx xx xx).
const freshPhone = () => `+79037${String(100000 + phoneSeq++).slice(-6)}`;
const customersWithPhones = async (phones: string[]) =>
  (await t.database.db.selectFrom('customer.customers').select('id').where('phone', 'in', phones).execute()).length;

function expectRateLimited(answer: Answer) {
  expect(answer.status).toBe(429);
  expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['RATE_LIMITED']);
  expect(answer.data ?? null).toBeNull();
}

// Aliased and mixed mutations are an attacker's operations, not a client's: no client sends two in one request.
describe('one money or account mutation per operation', () => {
  it('30 aliased registrations in one request are refused whole, and nobody is created', async () => {
    const phones = Array.from({ length: 30 }, freshPhone);
    const fields = phones.map((phone, i) => `r${i}: registerCustomer(input: { phone: "${phone}", firstName: "Алиас" }) { customer { id } }`);
    // Thirty aliases are past the shape limits too; whichever rule answers, nothing runs.
    const refused = await gql(`mutation { ${fields.join('\n')} }`, {}, { from: '10.1.0.1' });
    expect(refused.status).toBe(400);
    expect(refused.data ?? null).toBeNull();
    // Two are within every shape limit: this rule alone refuses them.
    const two = await gql(`mutation { ${fields.slice(1, 3).join('\n')} }`, {}, { from: '10.1.0.1' });
    expect(two.status).toBe(400);
    expect(two.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(two.data ?? null).toBeNull();
    expect(await customersWithPhones(phones)).toBe(0);

    // The same field alone is a valid sign-up: the refusal was for the count, not the input.
    const one = await gql(REGISTER, { input: { phone: phones[0], firstName: 'Алиас' } }, { from: '10.1.0.1' });
    expect(one.errors).toBeUndefined();
    expect(await customersWithPhones([phones[0]!])).toBe(1);
  });

  it('hidden in fragments or mixed with another kind, two are still refused', async () => {
    const [a, b] = [freshPhone(), freshPhone()];
    const viaFragments = await gql(
      `mutation { ...One ... on Mutation { second: registerCustomer(input: { phone: "${b}", firstName: "Б" }) { customer { id } } } }
       fragment One on Mutation { registerCustomer(input: { phone: "${a}", firstName: "А" }) { customer { id } } }`,
      {},
      { from: '10.1.0.2' },
    );
    expect(viaFragments.status).toBe(400);
    expect(viaFragments.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const mixed = await gql(
      `mutation($c: CancelOrderInput!) { cancelOrder(input: $c) { order { id } } registerCustomer(input: { phone: "${a}", firstName: "А" }) { customer { id } } }`,
      { c: { orderId: randomUUID(), idempotencyKey: randomUUID() } },
      { from: '10.1.0.2' },
    );
    expect(mixed.status).toBe(400);
    expect(await customersWithPhones([a, b])).toBe(0);
  });

  it('10 aliased placeOrder in one request are refused whole, and no order is placed', async () => {
    const shopper = await registerEnrolled(t, freshPhone());
    const [offer] = await availableOffers(t, 1, 2);
    const field = (i: number) => `p${i}: placeOrder(input: { idempotencyKey: "${randomUUID()}", cart: [{ offerId: "${offer!.id}", quantity: 1 }] }) { order { id } }`;
    const orders = async () => (await t.database.db.selectFrom('ordering.orders').select('id').where('customer_id', '=', shopper.id).execute()).length;

    const refused = await gql(`mutation { ${Array.from({ length: 10 }, (_, i) => field(i)).join('\n')} }`, {}, { token: shopper.token });
    expect(refused.status).toBe(400);
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(await orders()).toBe(0);

    const one = await gql(PLACE, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer!.id, quantity: 1 }] } }, { token: shopper.token });
    expect(one.errors).toBeUndefined();
    expect(await orders()).toBe(1);
  });
});

describe('requests per caller', () => {
  it("a customer's 13th request in the window is 429 with Retry-After; another customer and staff are not affected", async () => {
    const [alice, bob] = [await issueToken(t.config.JWT_SECRET, randomUUID()), await issueToken(t.config.JWT_SECRET, randomUUID())];
    const answers: Answer[] = [];
    for (let i = 0; i < 13; i++) answers.push(await gql(ME, {}, { token: alice }));
    expect(answers.slice(0, 12).map((a) => a.status)).toEqual(Array(12).fill(200));
    expectRateLimited(answers[12]!);

    // Keyed by the token's subject, not the address: Bob comes from the same one.
    expect((await gql(ME, {}, { token: bob })).status).toBe(200);
    const staff = await t.staffToken('manager');
    const staffAnswers: number[] = [];
    for (let i = 0; i < 20; i++) staffAnswers.push((await gql(STAFF_SESSION, {}, { token: staff })).status);
    expect(staffAnswers).toEqual(Array(20).fill(200));
  });

  it("an anonymous address's 31st request is 429; another address is not affected", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await gql(CATALOGUE, { first: 1 }, { from: '10.2.0.1' })).status);
    expect(statuses).toEqual(Array(30).fill(200));
    expectRateLimited(await gql(CATALOGUE, { first: 1 }, { from: '10.2.0.1' }));
    expect((await gql(CATALOGUE, { first: 1 }, { from: '10.2.0.2' })).status).toBe(200);
  });
});

describe('registration and failed tokens', () => {
  it('a burst of sign-ups from one address is 429 after the limit, and the refused one creates nobody', async () => {
    const phones = Array.from({ length: 4 }, freshPhone);
    const answers: Answer[] = [];
    for (const phone of phones) answers.push(await gql(REGISTER, { input: { phone, firstName: 'Серия' } }, { from: '10.3.0.1' }));
    expect(answers.slice(0, 3).map((a) => a.errors)).toEqual([undefined, undefined, undefined]);
    expectRateLimited(answers[3]!);
    expect(await customersWithPhones(phones)).toBe(3);
    expect(await customersWithPhones([phones[3]!])).toBe(0);

    const elsewhere = await gql(REGISTER, { input: { phone: phones[3], firstName: 'Серия' } }, { from: '10.3.0.2' });
    expect(elsewhere.errors).toBeUndefined();
    // A manager signing a caller up from the same address is bounded by staff's own limit only.
    const byStaff = await gql(REGISTER, { input: { phone: freshPhone(), firstName: 'Звонок' } }, { from: '10.3.0.1', token: await t.staffToken('manager') });
    expect(byStaff.errors).toBeUndefined();
  });

  it('asking about one phone from many addresses is 429 after the per-phone limit: CUSTOMER_ALREADY_EXISTS is not an oracle', async () => {
    // The same number in two spellings is one phone.
    const phone = freshPhone();
    const spelled = `8${phone.slice(2, 5)} ${phone.slice(5, 8)}-${phone.slice(8, 10)}-${phone.slice(10)}`;
    const first = await gql(REGISTER, { input: { phone, firstName: 'Один' } }, { from: '10.4.0.1' });
    expect(first.errors).toBeUndefined();
    const again = await gql(REGISTER, { input: { phone: spelled, firstName: 'Один' } }, { from: '10.4.0.2' });
    expect(again.errors?.[0]?.extensions?.code).toBe('CUSTOMER_ALREADY_EXISTS');
    expectRateLimited(await gql(REGISTER, { input: { phone, firstName: 'Один' } }, { from: '10.4.0.3' }));
  });

  it('after 5 bad tokens in a minute the address gets 429, a valid token from it too; other addresses are not affected', async () => {
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad';
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await gql(ME, {}, { token: forged, from: '10.5.0.1' })).status);
    expect(statuses).toEqual(Array(5).fill(401));
    expectRateLimited(await gql(ME, {}, { token: forged, from: '10.5.0.1' }));
    const valid = await issueToken(t.config.JWT_SECRET, randomUUID());
    expectRateLimited(await gql(ME, {}, { token: valid, from: '10.5.0.1' }));
    expect((await gql(ME, {}, { token: valid, from: '10.5.0.2' })).status).toBe(200);
    expect((await gql(ME, {}, { token: forged, from: '10.5.0.2' })).status).toBe(401);
  });
});

describe('shared across gateway processes', () => {
  it.skipIf(!process.env.REDIS_URL)('two gateways on one Redis count one figure per customer', async () => {
    const supergraphSdl = await readSupergraph();
    const { customer, order, loyalty, inventory } = t.graph.urls as Record<string, string>;
    const keyPrefix = `rate-limits-test:${randomUUID()}`;
    const start = () =>
      startGateway({
        supergraphSdl,
        subgraphUrls: { customer: customer!, order: order!, loyalty: loyalty!, inventory: inventory! },
        verifyToken: createJwtVerifier({ secret: t.config.JWT_SECRET }),
        identitySecret: t.config.GATEWAY_IDENTITY_SECRET,
        port: 0,
        rateLimits: {
          redisUrl: process.env.REDIS_URL,
          keyPrefix,
          windowSeconds: 60,
          perCustomer: 6,
          perStaff: 100,
          perAnonymousAddress: 100,
          registrationsPerAddress: 100,
          registrationsPerPhone: 100,
          failedTokensPerAddress: 100,
          trustedProxies: 0,
        },
      });
    const [one, two] = [await start(), await start()];
    try {
      const token = await issueToken(t.config.JWT_SECRET, randomUUID());
      const statuses: number[] = [];
      // Alternating: each gateway sees only 3 of the 6, so alone neither would refuse the 7th.
      for (let i = 0; i < 6; i++) statuses.push((await send(`${(i % 2 === 0 ? one : two).url}/graphql`, ME, {}, { token })).status);
      expect(statuses).toEqual(Array(6).fill(200));
      expectRateLimited(await send(`${one.url}/graphql`, ME, {}, { token }));
      expectRateLimited(await send(`${two.url}/graphql`, ME, {}, { token }));
    } finally {
      await one.close();
      await two.close();
    }
  });
});
