import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountPageDocument, CustomerByPhoneDocument, RegisterCustomerDocument, StaffSessionDocument } from '../../clients/__generated__/graphql.js';
import { IDENTITY_HEADER, signInternalIdentity } from '../../platform/identity.js';
import { demoExternalId } from '../../emulators/seed/demo-ids.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';

let t: TestGraph;
let alice: string;
let bob: string;

beforeAll(async () => {
  t = await startTestGraph();
  await t.settle();
  const register = async (phone: string, firstName: string) =>
    (await t.gql(RegisterCustomerDocument, { input: { phone, firstName } })).data.registerCustomer.customer.id as string;
  alice = await register('+79031112233', 'Алиса');
  bob = await register('+79032223344', 'Борис');
  await t.settle();
});
afterAll(async () => t?.close());

async function subgraph(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: (await res.json()) as any };
}

// The subgraphs' internal protocol (the gateway's _entities and _service), not a client's: called here without the gateway.
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id loyalty { cardNumber } } } }`;

describe('who may see what', () => {
  it('a customer reads only their own record', async () => {
    // A customer asking for a customer by id probes for another's record (BOLA); no customer's screen sends it.
    const token = await t.customerToken(alice);
    const own = await t.gql(`query($id: ID!) { customer(id: $id) { id firstName } }`, { id: alice }, token);
    expect(own.data.customer).toEqual({ id: alice, firstName: 'Алиса' });
    const other = await t.gql(`query($id: ID!) { customer(id: $id) { id firstName } }`, { id: bob }, token);
    expect(other.data).toEqual({ customer: null });
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('staff-only fields and queries refuse customers and anonymous callers', async () => {
    const token = await t.customerToken(alice);
    // A customer's own record with a staff-only field added: probing, not the account page's document.
    const ids = await t.gql(`{ me { id externalIds { retailCrmId } } }`, {}, token);
    expect(ids.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The staff console's documents, sent with a customer's token or none.
    const byPhone = await t.gql(CustomerByPhoneDocument, { phone: '+79032223344' }, token);
    expect(byPhone.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const list = await t.gql(StaffSessionDocument, {}, token);
    expect(list.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await t.gql(CustomerByPhoneDocument, { phone: '+79032223344' });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const anonymousMe = await t.gql(AccountPageDocument);
    expect(anonymousMe.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const staff = await t.gql(CustomerByPhoneDocument, { phone: '+79032223344' }, await t.staffToken('cashier'));
    expect(staff.errors).toBeUndefined();
    expect(staff.data.customerByPhone.id).toBe(bob);
  });

  it('an invalid or forged token is refused at the gateway', async () => {
    const forged = await t.gql(AccountPageDocument, {}, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad');
    expect(forged.status).toBe(401);
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a subgraph refuses any call without the gateway-signed identity, _entities included', async () => {
    const loyaltyUrl = t.graph.urls.loyalty!;
    const representation = { __typename: 'Customer', id: bob, phone: '+79032223344' };
    const bare = await subgraph(loyaltyUrl, ENTITIES, { r: [representation] });
    expect(bare.status).toBe(401);
    expect(bare.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(bare.body.data).toBeUndefined();

    const wrongKey = await signInternalIdentity({ kind: 'staff', staffId: 'x', roles: ['admin'] }, 'another-secret-of-at-least-32-characters!!');
    const forged = await subgraph(loyaltyUrl, ENTITIES, { r: [representation] }, { [IDENTITY_HEADER]: wrongKey });
    expect(forged.status).toBe(401);

    const customerUrl = t.graph.urls.customer!;
    const service = await subgraph(customerUrl, `{ _service { sdl } }`, {});
    expect(service.status).toBe(401);
  });

  it('a customer identity cannot read another customer through _entities', async () => {
    const asAlice = await signInternalIdentity({ kind: 'customer', customerId: alice }, t.config.GATEWAY_IDENTITY_SECRET);
    for (const url of [t.graph.urls.loyalty!, t.graph.urls.customer!]) {
      const query = url === t.graph.urls.loyalty ? ENTITIES : `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id phone } } }`;
      const stolen = await subgraph(url, query, { r: [{ __typename: 'Customer', id: bob, phone: '+79032223344' }] }, { [IDENTITY_HEADER]: asAlice });
      expect(stolen.body.data?._entities?.[0] ?? null).toBeNull(); // nothing of Bob's leaves the subgraph
      expect(stolen.body.errors[0].extensions.code).toBe('FORBIDDEN');
      const own = await subgraph(url, query, { r: [{ __typename: 'Customer', id: alice, phone: '+79031112233' }] }, { [IDENTITY_HEADER]: asAlice });
      expect(own.body.errors).toBeUndefined();
      expect(own.body.data._entities[0].id).toBe(alice);
    }
  });

  it('no operation in the graph changes a bonus balance by hand, for any role (R12)', async () => {
    // Introspection is the test's means here, not a client's operation.
    const schema = await t.gql(`{ __schema { mutationType { fields { name } } } }`, {}, await t.staffToken('admin'));
    const mutations = schema.data.__schema.mutationType.fields.map((f: { name: string }) => f.name);
    // Orders move bonuses only through holds, payments and cancellations of a purchase; none takes an
    // amount to add. retryOneCPosting posts 1C documents and touches no bonus.
    expect(mutations.sort()).toEqual(['cancelOrder', 'importShowroomCustomers', 'placeOrder', 'recordPayment', 'registerCustomer', 'retryOneCPosting', 'returnOrderLines', 'syncCatalog']);
  });

  it('a seeded online customer sees their own loyalty figures from BonusPlus', async () => {
    const id = demoExternalId(1);
    const me = await t.gql(AccountPageDocument, {}, await t.customerToken(id));
    expect(me.errors).toBeUndefined();
    expect(me.data.me.id).toBe(id);
    expect(me.data.me.loyalty.cardNumber).toBe('2600000000001');
  });
});
