import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountPageDocument, CatalogueDocument, PlaceOrderDocument, RegisterCustomerDocument } from '../../clients/__generated__/graphql.js';
import { startProcessGraph, type ProcessGraph } from '../support/process-graph.js';

/**
 * The gateway's entity cache (gateway/entity-cache.ts) when the inventory dies (SIGKILL), on the
 * graph as separate processes on a real Postgres: what the gateway remembers is still answered,
 * what it does not is the one typed error it always was. DATABASE_URL only (CI).
 */

let g: ProcessGraph;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let phoneSeq = 0;
const nextPhone = () => `+7918${String(Date.now() % 1_000_000).padStart(6, '0')}${String(++phoneSeq % 10)}`;

/** A new customer with one order of one unit of `offerId`: their token. */
async function customerWithOrder(offerId: string): Promise<string> {
  const registered = await g.gql(RegisterCustomerDocument, { input: { phone: nextPhone(), firstName: 'Кэш' } });
  expect(registered.errors).toBeUndefined();
  const token = await g.customerToken(registered.data.registerCustomer.customer.id);
  const placed = await g.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId, quantity: 1 }] } }, token);
  expect(placed.errors).toBeUndefined();
  return token;
}

const linePrice = (page: { data?: any }) => page.data?.me?.orders.edges[0]?.node.lines[0]?.offer.price as number | null | undefined;

describe.skipIf(!process.env.DATABASE_URL)('the gateway’s entity cache when the inventory dies (real processes, real Postgres)', () => {
  let remembered: string;
  let notRemembered: string;
  let prices: number[];

  beforeAll(async () => {
    g = await startProcessGraph({ GATEWAY_SUBGRAPH_TIMEOUT_MS: '1500', GATEWAY_ENTITY_CACHE_SECONDS: '300' });
    let offers: { id: string; price: number; inStock: boolean }[] = [];
    // The catalog reaches the inventory's read model by its own first sync.
    for (let i = 0; i < 120 && offers.length < 2; i++) {
      const page = await g.gql(CatalogueDocument, { first: 20 }).catch(() => undefined);
      offers = (page?.data?.products?.edges ?? []).flatMap((e: any) => e.node.offers).filter((o: any) => o.inStock && o.price);
      if (offers.length < 2) await sleep(500);
    }
    expect(offers.length).toBeGreaterThanOrEqual(2);
    prices = [offers[0]!.price, offers[1]!.price];
    remembered = await customerWithOrder(offers[0]!.id);
    notRemembered = await customerWithOrder(offers[1]!.id);
  }, 240_000);
  afterAll(async () => g?.close(), 60_000);

  it('a page whose offers the gateway remembers is answered whole while the inventory is dead; another has its prices missing, typed; started again, the inventory answers', async () => {
    const before = await g.gql(AccountPageDocument, {}, remembered);
    expect(before.errors).toBeUndefined();
    expect(linePrice(before)).toBe(prices[0]);

    await g.kill('inventory');
    try {
      const during = await g.gql(AccountPageDocument, {}, remembered);
      expect(during.errors).toBeUndefined();
      expect(linePrice(during)).toBe(prices[0]);

      const other = await g.gql(AccountPageDocument, {}, notRemembered);
      expect(other.data?.me?.id).toBeTruthy();
      expect(linePrice(other)).toBeNull();
      expect((other.errors ?? []).map((e) => e.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
    } finally {
      await g.restart('inventory');
    }
    const after = await g.gql(AccountPageDocument, {}, notRemembered);
    expect(after.errors).toBeUndefined();
    expect(linePrice(after)).toBe(prices[1]);
  }, 120_000);
});
