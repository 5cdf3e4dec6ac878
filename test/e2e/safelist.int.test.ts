import { createHash } from 'node:crypto';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountPageDocument, CheckoutQuoteDocument, CustomerByPhoneDocument, RegisterCustomerDocument } from '../../clients/__generated__/graphql.js';
import { createGateway, startGateway } from '../../gateway/gateway.js';
import { loadOperationManifest } from '../../gateway/safelist.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { callerTokenVerifier } from '../../platform/identity.js';
import { readSupergraph } from '../../scripts/supergraph.js';
import { startTestGraph, type GraphQLResult, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, registerEnrolled, type Shopper } from '../support/order-fixtures.js';

let t: TestGraph;
/** The same graph behind a second gateway with the production safelist on. */
let production: RunningServer;
let shopper: Shopper;
let supergraphSdl: string;

beforeAll(async () => {
  t = await startTestGraph();
  await t.graph.inventory.catalogSync.runNow();
  shopper = await registerEnrolled(t, '+79165550001');
  const { customer, order, loyalty, inventory } = t.graph.urls;
  supergraphSdl = await readSupergraph();
  production = await startGateway({
    supergraphSdl,
    subgraphUrls: { customer: customer!, order: order!, loyalty: loyalty!, inventory: inventory! },
    verifyToken: callerTokenVerifier(t.config),
    identitySecret: t.config.GATEWAY_IDENTITY_SECRET,
    safelist: 'enforce',
    port: 0,
    host: '127.0.0.1',
  });
});
afterAll(async () => {
  await production?.close();
  await t?.close();
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The id the client preset embeds in each document (`__meta__.hash`), as a client sends it. */
const idOf = (document: object) => (document as { __meta__: { hash: string } }).__meta__.hash;

async function post(body: Record<string, unknown>, token?: string): Promise<GraphQLResult> {
  const res = await fetch(`${production.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, ...((await res.json()) as object) };
}

const persisted = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });
const codeOf = (result: GraphQLResult) => result.errors?.map((e) => e.extensions?.code);

// The texts below are not clients' documents on purpose: ad-hoc operations the manifest does not
// hold, a client's document altered, probes of the schema and malformed text, all for the safelist to refuse.
describe('the operation safelist in production', () => {
  it('runs a client operation for a customer by its id, Apollo-style or as `documentId`', async () => {
    const byExtension = await post({ extensions: persisted(idOf(AccountPageDocument)), variables: { first: 5 } }, shopper.token);
    expect(byExtension.errors).toBeUndefined();
    expect(byExtension.data.me).toMatchObject({ id: shopper.id, phone: shopper.phone, orders: { totalCount: 0 } });

    const byDocumentId = await post({ documentId: idOf(AccountPageDocument), variables: { first: 5 } }, shopper.token);
    expect(byDocumentId).toEqual(byExtension);

    const search = new URLSearchParams({ documentId: idOf(AccountPageDocument), variables: JSON.stringify({ first: 5 }) });
    const res = await fetch(`${production.url}/graphql?${search}`, { headers: { authorization: `Bearer ${shopper.token}`, 'apollo-require-preflight': 'true' } });
    expect({ status: res.status, ...((await res.json()) as object) }).toEqual(byExtension);
  });

  it('runs a client operation sent as its full text, in the manifest’s form or the client’s own formatting', async () => {
    const manifest = loadOperationManifest();
    const [offer] = await availableOffers(t, 1, 1);
    const variables = { cart: [{ offerId: offer!.id, quantity: 1 }], bonusesToSpend: 0 };
    const asManifest = await post({ query: manifest.get(idOf(CheckoutQuoteDocument)), variables }, shopper.token);
    expect(asManifest.errors).toBeUndefined();
    expect(asManifest.data.checkoutQuote.lines[0].offer.id).toBe(offer!.id);
    // graphql-js's print: line breaks, indentation and field order other than the manifest's.
    const printed = print(CheckoutQuoteDocument);
    expect(manifest.has(sha256(printed))).toBe(false);
    const asPrinted = await post({ query: printed, variables }, shopper.token);
    expect(asPrinted).toEqual(asManifest);
  });

  it('refuses an ad-hoc operation from a customer or an anonymous caller with OPERATION_NOT_ALLOWED (403), and it changes nothing', async () => {
    const own = await post({ query: '{ me { id phone } }' }, shopper.token);
    expect(own.status).toBe(403);
    expect(own.data).toBeUndefined();
    expect(codeOf(own)).toEqual(['OPERATION_NOT_ALLOWED']);

    // The registration document with one field more is another operation: refused, and no one is registered.
    const phone = '+79165550002';
    const widened = print(RegisterCustomerDocument).replace('lastName', 'lastName email');
    const anonymous = await post({ query: widened, variables: { input: { phone, firstName: 'Анна' } } });
    expect(anonymous.status).toBe(403);
    expect(codeOf(anonymous)).toEqual(['OPERATION_NOT_ALLOWED']);
    const staff = await t.staffToken('manager');
    expect((await t.gql(CustomerByPhoneDocument, { phone }, staff)).data.customerByPhone).toBeNull();

    const registered = await post({ query: print(RegisterCustomerDocument), variables: { input: { phone, firstName: 'Анна' } } });
    expect(registered.errors).toBeUndefined();
    expect(registered.data.registerCustomer.customer).toMatchObject({ phone, firstName: 'Анна' });
  });

  it('refuses before validation: what the schema would refuse is OPERATION_NOT_ALLOWED (403) too, so it tells a customer or anonymous caller nothing about the schema', async () => {
    const probes = [
      // Unknown fields: validation would name them, and with suggestions on, their neighbours.
      '{ me { id passwordHash } }',
      'mutation { registerCustomer(input: { phone: "+79165550003", firstName: "A", isAdmin: true }) { customer { id } } }',
      // Introspection: off in production, a validation refusal for whoever gets that far.
      '{ __schema { types { name fields { name } } } }',
      '{ __type(name: "Customer") { fields { name } } }',
    ];
    const staff = await t.staffToken('manager');
    for (const query of probes) {
      for (const token of [undefined, shopper.token]) {
        const answer = await post({ query }, token);
        expect(answer.status, query).toBe(403);
        expect(answer.data, query).toBeUndefined();
        expect(codeOf(answer), query).toEqual(['OPERATION_NOT_ALLOWED']);
        expect(JSON.stringify(answer), query).not.toMatch(/Cannot query|Did you mean|passwordHash|isAdmin|__schema|__type|introspection/i);
      }
      // Staff may run ad-hoc operations, so they get the schema's own answer: a validation failure.
      const byStaff = await post({ query }, staff);
      expect(byStaff.status, query).toBe(400);
      expect(codeOf(byStaff), query).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    }
    // A text that does not parse says nothing about the schema: its syntax error, 400, for anyone.
    const broken = await post({ query: '{ me { id ' });
    expect(broken.status).toBe(400);
    expect(codeOf(broken)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('refuses a document staff ran before (validated and cached by the gateway) just the same', async () => {
    const query = '{ warehouses { id name city } }';
    const staff = await t.staffToken('manager');
    expect((await post({ query }, staff)).errors).toBeUndefined();
    for (const token of [undefined, shopper.token]) {
      const answer = await post({ query }, token);
      expect(answer.status).toBe(403);
      expect(codeOf(answer)).toEqual(['OPERATION_NOT_ALLOWED']);
    }
  });

  it('registers no automatic persisted query: a new text sent with its hash is refused, and its hash stays unknown', async () => {
    const text = '{ me { id email } }';
    const customer = await post({ query: text, extensions: persisted(sha256(text)) }, shopper.token);
    expect(customer.status).toBe(403);
    expect(codeOf(customer)).toEqual(['OPERATION_NOT_ALLOWED']);

    // Staff may run it, but that registers nothing either.
    const staff = await t.staffToken('manager');
    const staffRun = await post({ query: '{ warehouses { name } }', extensions: persisted(sha256('{ warehouses { name } }')) }, staff);
    expect(staffRun.errors).toBeUndefined();
    for (const [hash, token] of [[sha256(text), shopper.token], [sha256('{ warehouses { name } }'), shopper.token], [sha256('{ warehouses { name } }'), staff]] as const) {
      expect(codeOf(await post({ extensions: persisted(hash) }, token))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    }
  });

  it('lets staff run ad-hoc operations (the playground)', async () => {
    const staff = await t.staffToken('manager');
    const result = await post({ query: `query($p: String!) { customerByPhone(phone: $p) { id firstName } }`, variables: { p: shopper.phone } }, staff);
    expect(result.errors).toBeUndefined();
    expect(result.data.customerByPhone.id).toBe(shopper.id);
  });

  it('every client operation passes the production gateway’s shape limits and validation, by id', async () => {
    const manifest = loadOperationManifest();
    expect(manifest.size).toBeGreaterThanOrEqual(13);
    for (const [id, body] of manifest) {
      // No variables: operations that need some stop at variable coercion, after every shape and validation rule ran.
      const result = await post({ extensions: persisted(id) }, shopper.token);
      expect(result.status, body).toBeLessThan(500);
      expect(codeOf(result) ?? [], body).not.toEqual(expect.arrayContaining([expect.stringMatching(/QUERY_TOO_LARGE|GRAPHQL_VALIDATION_FAILED|GRAPHQL_PARSE_FAILED|OPERATION_NOT_ALLOWED|PERSISTED_QUERY_NOT_FOUND|INTERNAL_SERVER_ERROR/)]));
    }
  });

  it('is on by default with NODE_ENV=production, whichever entry creates the gateway', async () => {
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    const { server, subgraphs } = (() => {
      try {
        return createGateway({ supergraphSdl, subgraphUrls: {}, verifyToken: callerTokenVerifier(t.config), identitySecret: t.config.GATEWAY_IDENTITY_SECRET });
      } finally {
        process.env.NODE_ENV = nodeEnv;
      }
    })();
    await server.start();
    try {
      const response = await server.executeOperation({ query: '{ me { id } }' }, { contextValue: { identity: { kind: 'customer', customerId: shopper.id }, deadline: Date.now() + 10_000 } });
      expect(response.http.status).toBe(403);
      expect(response.body.kind === 'single' && response.body.singleResult.errors?.map((e) => e.extensions?.code)).toEqual(['OPERATION_NOT_ALLOWED']);
    } finally {
      await server.stop();
      await subgraphs.close();
    }
  });

  it('is off outside production: the test profile’s gateway still runs a customer’s ad-hoc query', async () => {
    const result = await t.gql('{ me { id } }', {}, shopper.token);
    expect(result.errors).toBeUndefined();
    expect(result.data.me.id).toBe(shopper.id);
  });
});
