import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { printSchema, Supergraph } from '@apollo/federation-internals';
import {
  buildSchema,
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  type GraphQLField,
  type ObjectTypeDefinitionNode,
  type StringValueNode,
} from 'graphql';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountPageDocument, PlaceOrderDocument } from '../../clients/__generated__/graphql.js';
import { demoExternalId } from '../../emulators/seed/demo-ids.js';
import { IDENTITY_HEADER, issueToken, signInternalIdentity } from '../../platform/identity.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, registerEnrolled, type Shopper } from '../support/order-fixtures.js';

let t: TestGraph;
let alice: Shopper;
let bob: Shopper;
let bobOrder: { id: string; lineId: string };
/** Everything of Bob's that must never reach Alice. */
let bobSecrets: string[];
let aliceCard: string;

// The customer's account page (clients/account/account-page.graphql).
const ACCOUNT = AccountPageDocument;

beforeAll(async () => {
  t = await startTestGraph({ RETAILCRM_RPS: '200', BONUSPLUS_RPS: '500' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  alice = await registerEnrolled(t, '+79035550101', 'Алиса');
  bob = await registerEnrolled(t, '+79035550202', 'Борис');
  const [offer] = await availableOffers(t, 1, 2);
  const placed = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer!.id, quantity: 1 }] } }, bob.token);
  expect(placed.errors).toBeUndefined();
  bobOrder = { id: placed.data.placeOrder.order.id, lineId: placed.data.placeOrder.order.lines[0].id };
  await t.settle();
  const bobAccount = (await t.gql(ACCOUNT, {}, bob.token)).data.me;
  const aliceAccount = (await t.gql(ACCOUNT, {}, alice.token)).data.me;
  expect(bobAccount.loyalty.cardNumber).toBeTruthy();
  expect(aliceAccount.loyalty.cardNumber).not.toBe(bobAccount.loyalty.cardNumber);
  aliceCard = aliceAccount.loyalty.cardNumber;
  bobSecrets = [bob.id, bob.phone, bob.phone.slice(1), bobAccount.loyalty.cardNumber, bobOrder.id, bobOrder.lineId, 'Борис'];
}, 180_000);
afterAll(async () => t?.close());

async function post(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } };
}

// `_entities` is the subgraphs' own protocol, not a client's operation: these call a subgraph
// directly, as someone past the gateway would, to probe whose objects it gives out.
const asCustomer = async (customerId: string) => ({ [IDENTITY_HEADER]: await signInternalIdentity({ kind: 'customer', customerId }, t.config.GATEWAY_IDENTITY_SECRET) });
const LOYALTY_ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id loyalty { cardNumber balance { active pending spent } transactions(first: 5) { edges { node { id amount } } } } } } }`;

describe('caller tokens at the gateway', () => {
  it('a token whose roles are all unknown is FORBIDDEN with HTTP 403, not 500', async () => {
    const godMode = await new SignJWT({ roles: ['superuser'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(t.config.JWT_SECRET));
    const answer = await t.gql(ACCOUNT, {}, godMode);
    expect(answer.status).toBe(403);
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(answer.data).toBeUndefined();
  });

  it('a token with no expiry, or one living longer than the maximum, is UNAUTHENTICATED with HTTP 401', async () => {
    const key = new TextEncoder().encode(t.config.JWT_SECRET);
    const forever = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(alice.id).setIssuedAt().sign(key);
    const tooLong = await issueToken(t.config.JWT_SECRET, alice.id, [], '30d');
    const staffTooLong = await issueToken(t.config.JWT_SECRET, 'staff-long', ['manager'], '13h');
    for (const token of [forever, tooLong, staffTooLong]) {
      const answer = await t.gql(ACCOUNT, {}, token);
      expect(answer.status).toBe(401);
      expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(answer.data).toBeUndefined();
    }
    // The tokens the harness and `npm run tokens` issue (12 h) pass.
    expect((await t.gql(ACCOUNT, {}, alice.token)).data.me.id).toBe(alice.id);
  });
});

describe('Customer.loyalty is keyed by the customer id, never by the phone a representation carries', () => {
  it("Alice's identity with Bob's phone reads Alice's card, never Bob's", async () => {
    const answer = await post(t.graph.urls.loyalty!, LOYALTY_ENTITIES, { r: [{ __typename: 'Customer', id: alice.id, phone: bob.phone }] }, await asCustomer(alice.id));
    expect(answer.status).toBe(200);
    expect(answer.body.data?._entities[0]?.loyalty?.cardNumber).toBe(aliceCard);
    for (const secret of bobSecrets) expect(answer.text).not.toContain(secret);
  });

  it('also for customers whose account is not linked to their id (seed customers: the phone comes from the customer subgraph)', async () => {
    const [x, y] = [demoExternalId(1), demoExternalId(2)];
    const read = async (id: string) => (await t.gql(ACCOUNT, {}, await t.customerToken(id))).data.me as { phone: string; loyalty: { cardNumber: string } | null };
    const [own, other] = [await read(x), await read(y)];
    expect(own.loyalty?.cardNumber).toBeTruthy();
    expect(other.loyalty?.cardNumber).toBeTruthy();
    const answer = await post(t.graph.urls.loyalty!, LOYALTY_ENTITIES, { r: [{ __typename: 'Customer', id: x, phone: other.phone }] }, await asCustomer(x));
    expect(answer.body.data?._entities[0]?.loyalty?.cardNumber).toBe(own.loyalty!.cardNumber);
    expect(answer.text).not.toContain(other.loyalty!.cardNumber);
  });
});

// --- The BOLA sweep, generated from the schema ---
// An attacker's operations, not a client's: every entity and every id-taking field, asked with another customer's ids.

const supergraphText = await readFile(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
// Through SDL: federation-internals loads graphql's CommonJS build, this file its ES build.
const apiSchema = buildSchema(printSchema(Supergraph.build(supergraphText).apiSchema()));

/**
 * Every entity type, in every subgraph that resolves it, must be classified here: whose object a
 * representation of it is. A new entity type fails the sweep until it is.
 */
const ENTITY_OWNERS: Record<string, 'customer' | 'order' | 'staff' | 'catalog'> = {
  Customer: 'customer',
  Order: 'order',
  Reconciliation: 'staff',
  // The catalog is the same for every caller: no customer's object to take.
  Product: 'catalog',
  Offer: 'catalog',
  Warehouse: 'catalog',
};

function entityTypes(): { type: string; graph: string }[] {
  const found: { type: string; graph: string }[] = [];
  for (const def of parse(supergraphText).definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    for (const directive of (def as ObjectTypeDefinitionNode).directives ?? []) {
      if (directive.name.value !== 'join__type') continue;
      const arg = (name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;
      const key = arg('key');
      const resolvable = arg('resolvable');
      if (!key || (resolvable && resolvable.kind === Kind.BOOLEAN && !resolvable.value)) continue;
      found.push({ type: def.name.value, graph: (arg('graph') as unknown as StringValueNode).value.toLowerCase() });
    }
  }
  return found;
}

/** Every field a subgraph resolves for the type (its own schema file), leaves and one level of nested leaves. */
async function selectionIn(graph: string, type: string): Promise<string> {
  const schema = buildSchema((await readFile(new URL(`../../schema/${graph}.graphql`, import.meta.url), 'utf8')).replace(/extend schema[\s\S]*?\)\s*\n/, ''), { assumeValid: true, assumeValidSDL: true });
  const selection = (fields: Record<string, GraphQLField<unknown, unknown>>, depth: number): string =>
    Object.values(fields)
      .filter((f) => !f.astNode?.directives?.some((d) => d.name.value === 'external') && !f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined))
      .map((f) => {
        const named = getNamedType(f.type);
        if (isLeafType(named)) return f.name;
        if (depth > 0 && isObjectType(named)) return `${f.name} { __typename ${selection(named.getFields(), depth - 1)} }`;
        return '';
      })
      .join(' ');
  const object = schema.getType(type);
  if (!isObjectType(object)) throw new Error(`${type} is not an object type in ${graph}`);
  return selection(object.getFields(), 1);
}

const REFUSED = new Set(['FORBIDDEN', 'NOT_FOUND', 'UNAUTHENTICATED']);

describe('BOLA sweep: with customer A, every object of customer B is refused or null', () => {
  it('every entity type through _entities on its subgraph: B\'s object, and A\'s key with B\'s other fields', async () => {
    const bobObject: Record<string, Record<string, unknown>> = {
      customer: { id: bob.id, phone: bob.phone },
      order: { id: bobOrder.id, customerId: bob.id, phone: bob.phone },
      staff: { id: new Date().toISOString() },
    };
    const aliceKeyBobFields: Record<string, Record<string, unknown>> = {
      customer: { id: alice.id, phone: bob.phone },
    };
    const swept: string[] = [];
    for (const { type, graph } of entityTypes()) {
      const owner = ENTITY_OWNERS[type];
      expect(owner, `classify entity type ${type} in ENTITY_OWNERS`).toBeDefined();
      if (owner === 'catalog') continue;
      const url = t.graph.urls[graph];
      expect(url, `no URL for subgraph ${graph}`).toBeDefined();
      const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} { ${await selectionIn(graph, type)} } } }`;
      const theirs = await post(url!, query, { r: [{ __typename: type, ...bobObject[owner!] }] }, await asCustomer(alice.id));
      const entity = theirs.body.data?._entities?.[0] ?? null;
      const codes = (theirs.body.errors ?? []).map((e) => e.extensions?.code);
      expect(entity === null || codes.some((c) => REFUSED.has(c ?? '')), `${type}@${graph}: ${theirs.text}`).toBe(true);
      for (const secret of bobSecrets) expect(theirs.text, `${type}@${graph} leaks ${secret}`).not.toContain(secret);
      expect(theirs.status).toBeLessThan(500);
      const mixed = aliceKeyBobFields[owner!];
      if (mixed) {
        const answer = await post(url!, query, { r: [{ __typename: type, ...mixed }] }, await asCustomer(alice.id));
        for (const secret of bobSecrets) expect(answer.text, `${type}@${graph} with A's key leaks ${secret}`).not.toContain(secret);
      }
      swept.push(`${type}@${graph}`);
    }
    console.log('entity sweep:', swept.join(', '));
    expect(swept).toEqual(expect.arrayContaining(['Customer@customer', 'Customer@loyalty', 'Customer@order', 'Order@order', 'Reconciliation@loyalty']));
  });

  it('every Query field taking an id, customerId or orderId, through the gateway with B\'s id', async () => {
    const query = apiSchema.getQueryType()!;
    // Values for the other required arguments, by input type.
    const inputs: Record<string, () => unknown> = {
      CartLineInput: () => [{ offerId: 'any', quantity: 1 }],
      ReturnLineInput: () => [{ lineId: bobOrder.lineId, quantity: 1 }],
    };
    const swept: string[] = [];
    for (const field of Object.values(query.getFields())) {
      const idArg = field.args.find((a) => ['id', 'customerId', 'orderId'].includes(a.name));
      if (!idArg) continue;
      const returned = getNamedType(field.type).name;
      const target = idArg.name === 'customerId' || returned === 'Customer' ? bob.id : idArg.name === 'orderId' || returned === 'Order' ? bobOrder.id : undefined;
      if (target === undefined) {
        expect(['Product', 'Offer'], `classify ${field.name}(${idArg.name})`).toContain(returned);
        continue; // the catalog: the same for every caller
      }
      const args = field.args.filter((a) => a === idArg || isNonNullType(a.type));
      const variables: Record<string, unknown> = {};
      for (const arg of args) {
        if (arg === idArg) variables[arg.name] = target;
        else {
          const make = inputs[getNamedType(arg.type).name];
          expect(make, `a value for ${field.name}(${arg.name}: ${arg.type})`).toBeDefined();
          variables[arg.name] = make!();
        }
      }
      const named = getNamedType(field.type);
      const leaves = (fields: Record<string, GraphQLField<unknown, unknown>>) =>
        Object.values(fields).filter((f) => isLeafType(getNamedType(f.type)) && !f.args.some((a) => isNonNullType(a.type))).map((f) => f.name).join(' ');
      const selection = isObjectType(named)
        ? `{ __typename ${leaves(named.getFields())} ${Object.values(named.getFields())
            .filter((f) => isObjectType(getNamedType(f.type)) && !f.args.some((a) => isNonNullType(a.type)))
            .map((f) => `${f.name} { __typename ${leaves((getNamedType(f.type) as any).getFields())} }`)
            .join(' ')} }`
        : '';
      const text = `query(${args.map((a) => `$${a.name}: ${a.type}`).join(', ')}) { ${field.name}(${args.map((a) => `${a.name}: $${a.name}`).join(', ')}) ${selection} }`;
      const res = await fetch(t.graph.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` }, body: JSON.stringify({ query: text, variables }) });
      const body = await res.text();
      const answer = JSON.parse(body) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
      const codes = (answer.errors ?? []).map((e) => e.extensions?.code ?? '');
      expect(answer.data?.[field.name] ?? null, `${field.name}: ${body}`).toBeNull();
      // Null without an error (an order that is not yours is not there) or with a refusal; nothing else.
      expect(codes.every((c) => REFUSED.has(c)), `${field.name}: ${body}`).toBe(true);
      for (const secret of bobSecrets) expect(body, `${field.name} leaks ${secret}`).not.toContain(secret);
      swept.push(`${field.name}(${idArg.name})`);
    }
    console.log('query sweep:', swept.join(', '));
    expect(swept).toEqual(expect.arrayContaining(['customer(id)', 'order(id)', 'checkoutQuote(customerId)', 'returnPreview(orderId)']));
  });
});
