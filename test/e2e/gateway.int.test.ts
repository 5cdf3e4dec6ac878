import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerByPhoneDocument, RegisterCustomerDocument } from '../../clients/__generated__/graphql.js';
import { compiledPlans, resultShapingInstalled } from '../../gateway/result-shaping.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';

let t: TestGraph;
beforeAll(async () => {
  t = await startTestGraph();
  await t.settle();
});
afterAll(async () => t?.close());

const base = () => t.graph.urls.playground!;

describe('the gateway', () => {
  it('answers health and readiness', async () => {
    const health = await fetch(`${base()}health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base()}ready`);
    expect(await ready.json()).toEqual({ status: 'ready', subgraphs: 4, of: 4 });
  });

  it('serves a playground that loads nothing from the internet', async () => {
    const page = await fetch(base(), { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/graphql');
    expect(html.length).toBeGreaterThan(100_000); // GraphiQL itself is inlined
    const external = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)=["'](https?:)?\/\//gi)];
    expect(external).toEqual([]);
  });

  it('shapes responses on a plan compiled once per operation text (gateway/result-shaping.ts)', async () => {
    expect(resultShapingInstalled()).toBe(true);
    const staff = await t.staffToken('manager');
    const call = () => t.gql(CustomerByPhoneDocument, { phone: '+79160000037' }, staff);
    const before = compiledPlans();
    const first = await call();
    expect(first.data.customerByPhone.loyalty.cardNumber).toBe('2600000000001');
    const once = compiledPlans();
    expect(once).toBe(before + 1);
    // Asked again, with other variables: the same parsed document, so the same plan.
    const again = await Promise.all([call(), t.gql(CustomerByPhoneDocument, { phone: '+79160000038' }, staff), call()]);
    expect(again.map((r) => r.errors)).toEqual([undefined, undefined, undefined]);
    expect(again[0]!.data).toEqual(first.data);
    expect(compiledPlans()).toBe(once);
  });

  it('reports a subgraph that is down as UPSTREAM_UNAVAILABLE and still answers the rest (R18)', async () => {
    const staff = await t.staffToken('manager');
    const call = () => t.gql(CustomerByPhoneDocument, { phone: '+79160000037' }, staff);
    const healthy = await call();
    expect(healthy.errors).toBeUndefined();
    expect(healthy.data.customerByPhone.loyalty.cardNumber).toBe('2600000000001');
    await t.graph.loyalty.server.close();
    const degraded = await call();
    expect(degraded.data.customerByPhone.firstName).toBe(healthy.data.customerByPhone.firstName);
    expect(degraded.data.customerByPhone.loyalty).toBeNull();
    expect(degraded.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(JSON.stringify(degraded.errors)).not.toMatch(/127\.0\.0\.1|http:\/\//);
  });

  it('rejects abusive queries before they reach a subgraph', async () => {
    // An attacker's operation, not a client's: one field under forty aliases.
    const aliases = `{ ${Array.from({ length: 40 }, (_v, i) => `a${i}: me { id }`).join(' ')} }`;
    const result = await t.gql(aliases, {}, await t.staffToken('admin'));
    // Refused with one fixed message: which limit, and its value, stay on the server.
    expect(result.status).toBe(400);
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_LARGE']);
    expect(result.errors?.[0]?.message).not.toMatch(/alias|\d/i);
  });
});

describe('input that cannot hurt', () => {
  it('a NUL or other control character in a variable or an inline string is BAD_USER_INPUT with HTTP 400, and nothing is created', async () => {
    const nul = await t.gql(RegisterCustomerDocument, { input: { phone: '+7 916 700-00-01', firstName: 'Ни\u0000на' } });
    expect(nul.status).toBe(400);
    expect(nul.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    // A control character inside the operation's text: no client's document has one, they send input as variables.
    const bell = await t.gql(`mutation { registerCustomer(input: { phone: "+79167000002", firstName: "\\u0007Анна" }) { customer { id } } }`);
    expect(bell.status).toBe(400);
    expect(bell.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const rows = await t.database.db.selectFrom('customer.customers').select('id').where('phone', 'in', ['+79167000001', '+79167000002']).execute();
    expect(rows).toEqual([]);
    // Line breaks and tabs are text, not control: a comment may carry them.
    const fine = await t.gql(RegisterCustomerDocument, { input: { phone: '+7 916 700-00-03', firstName: 'Вера' } });
    expect(fine.errors).toBeUndefined();
  });
});
