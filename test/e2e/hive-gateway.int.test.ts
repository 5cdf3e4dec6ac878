import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { print, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountPageDocument, CallCentreDocument, CheckoutQuoteDocument, PlaceOrderDocument } from '../../clients/__generated__/graphql.js';
import { issueToken, signInternalIdentity } from '../../platform/identity.js';
import { freePort } from '../support/free-port.js';
import { startTestGraph, type GraphQLResult, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, registerEnrolled, type Shopper } from '../support/order-fixtures.js';

/**
 * Hive Gateway, started as an operator would (its CLI, the committed supergraph, the committed
 * `deploy/hive-gateway.config.ts`), in front of the same subgraphs as our gateway: the client
 * documents answer the same data through both, and a caller is refused the same way by both.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HIVE_CLI = createRequire(import.meta.url).resolve('@graphql-hive/gateway').replace(/index\.(c?js)$/, 'bin.js');

let t: TestGraph;
let hive: ChildProcess;
let hiveUrl: string;
let shopper: Shopper;
let other: Shopper;
let staff: string;

async function post(url: string, query: string | DocumentNode, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GraphQLResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables }),
  });
  return { status: res.status, ...((await res.json()) as object) };
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * The same operation through both gateways, one after the other, ours read again after Hive's: a
 * first read may refresh a read model (the loyalty figures), so the pair compared is the one whose
 * two reads of ours agree, i.e. nothing moved in between.
 */
async function both(query: string | DocumentNode, variables: Record<string, unknown>, headers: Record<string, string>) {
  let ours = await post(t.graph.gatewayUrl, query, variables, headers);
  for (let attempt = 0; ; attempt++) {
    const theirs = await post(hiveUrl, query, variables, headers);
    const again = await post(t.graph.gatewayUrl, query, variables, headers);
    if (JSON.stringify(again) === JSON.stringify(ours) || attempt === 2) return { ours: again, hive: theirs };
    ours = again;
  }
}

const codes = (r: GraphQLResult) => (r.errors ?? []).map((e) => e.extensions?.code);

beforeAll(async () => {
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '1000' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  const port = await freePort();
  hiveUrl = `http://127.0.0.1:${port}/graphql`;
  // The README's command line: Hive's own CLI loads the TypeScript config and what it imports.
  hive = spawn(process.execPath, [HIVE_CLI, 'supergraph', 'schema/supergraph.graphql', '--config-path', 'deploy/hive-gateway.config.ts', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      JWT_SECRET: t.config.JWT_SECRET,
      GATEWAY_IDENTITY_SECRET: t.config.GATEWAY_IDENTITY_SECRET,
      CUSTOMER_URL: t.graph.urls.customer!,
      ORDER_URL: t.graph.urls.order!,
      LOYALTY_URL: t.graph.urls.loyalty!,
      INVENTORY_URL: t.graph.urls.inventory!,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // Ready when it answers a query (its own health route says nothing about the supergraph): a probe, no client's document.
  for (let i = 0; ; i++) {
    try {
      if ((await post(hiveUrl, '{ __typename }')).status === 200) break;
    } catch {
      // not listening yet
    }
    if (hive.exitCode !== null || i > 300) throw new Error(`Hive Gateway did not start (exit ${hive.exitCode})`);
    await new Promise((r) => setTimeout(r, 200));
  }

  shopper = await registerEnrolled(t, '+79165550001', 'Ольга');
  other = await registerEnrolled(t, '+79165550002', 'Пётр');
  staff = await t.staffToken('manager');
  const [offer] = await availableOffers(t, 1, 2);
  const placed = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer!.id, quantity: 1 }] } }, shopper.token);
  if (placed.errors) throw new Error(JSON.stringify(placed.errors));
  await t.settle();
}, 180_000);

afterAll(async () => {
  if (hive && hive.exitCode === null) {
    const exited = new Promise((r) => hive.once('exit', r));
    hive.kill('SIGTERM');
    await exited;
  }
  await t?.close();
});

describe('Hive Gateway with deploy/hive-gateway.config.ts, beside ours', () => {
  it('the account page: the same data for the same customer token', async () => {
    const { ours, hive: theirs } = await both(AccountPageDocument, {}, bearer(shopper.token));
    expect(ours.errors).toBeUndefined();
    expect(ours.data.me.id).toBe(shopper.id);
    expect(ours.data.me.orders.totalCount).toBe(1);
    expect(ours.data.me.loyalty.balance.active).toBeGreaterThan(0);
    expect(theirs).toEqual(ours);
  });

  it('the checkout quote: the same lines, stock and bonuses', async () => {
    const offers = await availableOffers(t, 2, 1);
    const variables = { cart: offers.map((o) => ({ offerId: o.id, quantity: 1 })), bonusesToSpend: 100 };
    const { ours, hive: theirs } = await both(CheckoutQuoteDocument, variables, bearer(shopper.token));
    expect(ours.errors).toBeUndefined();
    expect(ours.data.checkoutQuote.lines).toHaveLength(2);
    expect(ours.data.checkoutQuote.loyaltyAvailable).toBe(true);
    expect(theirs).toEqual(ours);
  });

  it('the call-centre view: the same customer, orders and stock for a staff token', async () => {
    const product = await t.database.db.selectFrom('inventory.products').select('article').orderBy('id').executeTakeFirstOrThrow();
    const { ours, hive: theirs } = await both(CallCentreDocument, { phone: shopper.phone, article: product.article }, bearer(staff));
    expect(ours.errors).toBeUndefined();
    expect(ours.data.customerByPhone.id).toBe(shopper.id);
    expect(ours.data.productByArticle.offers.length).toBeGreaterThan(0);
    expect(theirs).toEqual(ours);
  });

  it('a customer reading another customer: the same refusal and the same (empty) data from both', async () => {
    // Probing for another's record by id (BOLA): no customer's screen sends it.
    const query = `query($id: ID!) { customer(id: $id) { id phone loyalty { balance { active } } } }`;
    const { ours, hive: theirs } = await both(query, { id: other.id }, bearer(shopper.token));
    expect(codes(ours).length).toBeGreaterThan(0);
    expect(codes(theirs)).toEqual(codes(ours));
    expect(theirs.data ?? null).toEqual(ours.data ?? null);
    expect(JSON.stringify(theirs)).not.toContain(other.phone);
  });

  it('a refused token is UNAUTHENTICATED with HTTP 401 from both, before any subgraph answers', async () => {
    const forged = await issueToken('not-the-secret-of-this-graph-at-all', shopper.id);
    const expired = await issueToken(t.config.JWT_SECRET, shopper.id, [], '-1m');
    for (const headers of [bearer(forged), bearer(expired), { authorization: 'Basic abc' }]) {
      const { ours, hive: theirs } = await both(AccountPageDocument, {}, headers);
      expect([ours.status, codes(ours)]).toEqual([401, ['UNAUTHENTICATED']]);
      expect([theirs.status, codes(theirs)]).toEqual([401, ['UNAUTHENTICATED']]);
      expect(theirs.data ?? null).toBeNull();
    }
    const unknownRole = await issueToken(t.config.JWT_SECRET, 'staff-x', ['janitor' as never]);
    const { ours, hive: theirs } = await both(AccountPageDocument, {}, bearer(unknownRole));
    expect([theirs.status, codes(theirs)]).toEqual([ours.status, codes(ours)]);
    expect(codes(theirs)).toEqual(['FORBIDDEN']);
  });

  it('without a token nothing of a customer comes back, and an identity header sent by the caller is not passed on', async () => {
    const anonymous = await both(AccountPageDocument, {}, {});
    expect(anonymous.hive.data?.me ?? null).toBeNull();
    expect(codes(anonymous.hive)).toEqual(codes(anonymous.ours));
    expect(codes(anonymous.hive).length).toBeGreaterThan(0);

    // A well-signed staff identity in the caller's own request: Hive replaces it with the caller's (anonymous).
    const smuggled = await signInternalIdentity({ kind: 'staff', staffId: 'intruder', roles: ['admin'] }, t.config.GATEWAY_IDENTITY_SECRET);
    const call = await post(hiveUrl, CallCentreDocument, { phone: shopper.phone, article: 'x' }, { 'x-retail-identity': smuggled });
    expect(call.data?.customerByPhone ?? null).toBeNull();
    expect(codes(call)).toContain('UNAUTHENTICATED');
    expect(JSON.stringify(call)).not.toContain(shopper.id);
  });
});
