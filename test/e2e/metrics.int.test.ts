import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountPageDocument, CatalogueDocument, PlaceOrderDocument, RegisterCustomerDocument } from '../../clients/__generated__/graphql.js';
import { loadConfig } from '../../platform/config.js';
import { issueToken } from '../../platform/identity.js';
import { eventually, gql, setFaults, startGraphProcess, stopGraphProcess } from '../support/graph-process.js';
import { startProcessGraph } from '../support/process-graph.js';

/**
 * `/metrics` after real work, read as Prometheus reads it. On Postgres (DATABASE_URL) each part
 * runs in a process of its own, so each figure is read from the process that must report it: the
 * customer subgraph's outbox and sync lag, the order subgraph's bonus holds, the inventory's stock
 * holds, the gateway's per-subgraph and per-operation latency and its errors by code. On PGlite
 * `npm start`'s one process reports them all on every port.
 */

const onPostgres = Boolean(process.env.DATABASE_URL);

// An operation that is none of the clients' documents: the gateway must not name a figure after it.
const NOT_A_CLIENTS = /* GraphQL */ `query NoSuchClientQuery { products(first: 50) { edges { node { offers { id price inStock } } } } }`;

interface Graph {
  readonly gateway: string;
  /** Base URLs (no /graphql) of the processes that serve each part's /metrics. */
  readonly metrics: { readonly gateway: string; readonly customer: string; readonly order: string; readonly inventory: string };
  readonly retailCrm: string;
  token(customerId: string): Promise<string>;
  close(): Promise<void>;
}

let graph: Graph | undefined;
let dataDir: string | undefined;

const base = (url: string) => url.replace(/\/graphql$/, '');

beforeAll(async () => {
  const env = { LOYALTY_WELCOME_BONUS: '2000', GATEWAY_RATE_LIMITS: 'off' };
  if (onPostgres) {
    const p = await startProcessGraph(env);
    graph = {
      gateway: p.urls.gateway,
      metrics: { gateway: base(p.urls.gateway), customer: base(p.urls.subgraph.customer), order: base(p.urls.subgraph.order), inventory: base(p.urls.subgraph.inventory) },
      retailCrm: p.urls.retailCrm,
      token: (id) => p.customerToken(id),
      close: () => p.close(),
    };
  } else {
    dataDir = await mkdtemp(join(tmpdir(), 'metrics-'));
    const one = await startGraphProcess({ env: { ...env, PGLITE_DATA_DIR: join(dataDir, 'pglite') } });
    graph = {
      gateway: one.urls.gateway,
      metrics: { gateway: one.urls.gatewayBase, customer: one.urls.customer, order: one.urls.order, inventory: one.urls.inventory },
      retailCrm: one.urls.retailCrm,
      token: (id) => issueToken(loadConfig({ NODE_ENV: 'test' }).JWT_SECRET, id),
      close: () => stopGraphProcess(one),
    };
  }
}, 240_000);

afterAll(async () => {
  await graph?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** One process's figures: `name{labels}` → value, as the text exposition format gives them. */
async function scrape(baseUrl: string): Promise<Map<string, number>> {
  const res = await fetch(`${baseUrl}/metrics`);
  expect(res.status).toBe(200);
  const figures = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    figures.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return figures;
}

/** A series' value; labels in the order prom-client prints them (as declared). */
const figure = (figures: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined => {
  const text = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return figures.get(text ? `${name}{${text}}` : name);
};

describe(`/metrics of each process after real work (${onPostgres ? 'separate processes on Postgres' : "npm start's one process on PGlite"})`, () => {
  it('the outbox shows a message RetailCRM cannot take, with its age, and empties once it can; sync lag is reported per source', async () => {
    await eventually('the customer history read once', async () => figure(await scrape(graph!.metrics.customer), 'sync_lag_seconds', { source: 'customer.retailcrm.customers-history' }));
    await setFaults(graph!.retailCrm, { failStatus: 500 });
    try {
      const registered = await gql(graph!.gateway, RegisterCustomerDocument, { input: { phone: '+79161239901', firstName: 'Мера' } });
      expect(registered.errors).toBeUndefined();
      const waiting = await eventually('the creation in RetailCRM pending with an age', async () => {
        const figures = await scrape(graph!.metrics.customer);
        const age = figure(figures, 'outbox_oldest_pending_age_seconds', { topic: 'customer.create-in-crm' });
        return age !== undefined && age > 0 ? figures : undefined;
      });
      expect(figure(waiting, 'outbox_pending_messages', { topic: 'customer.create-in-crm' })).toBe(1);
    } finally {
      await setFaults(graph!.retailCrm, {});
    }
    // RetailCRM back: the relay delivers it at its next try, and the topic's depth falls to 0.
    await eventually('the outbox emptied', async () => ((figure(await scrape(graph!.metrics.customer), 'outbox_pending_messages', { topic: 'customer.create-in-crm' })) === 0 ? true : undefined), 120_000);
  }, 200_000);

  it('a placement with bonuses shows one more stock hold and one more bonus hold; the gateway counts it per subgraph and per operation, and an error by its code', async () => {
    const registered = await gql(graph!.gateway, RegisterCustomerDocument, { input: { phone: '+79161239902', firstName: 'Счёт' } });
    const token = await graph!.token(registered.data.registerCustomer.customer.id as string);
    await eventually('the welcome bonus', async () => ((await gql(graph!.gateway, AccountPageDocument, {}, token)).data?.me.loyalty?.balance.active === 2000 ? true : undefined));
    const offer = await eventually('an offer in stock', async () => {
      const found = await gql(graph!.gateway, CatalogueDocument, { first: 50 });
      return ((found.data?.products.edges ?? []) as { node: { offers: { id: string; price: number; inStock: boolean }[] } }[]).flatMap((e) => e.node.offers).find((o) => o.inStock && o.price >= 200_000);
    });

    const [order0, inventory0, gateway0] = await Promise.all([scrape(graph!.metrics.order), scrape(graph!.metrics.inventory), scrape(graph!.metrics.gateway)]);
    const placed = await gql(graph!.gateway, PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer.id, quantity: 1 }], bonusesToSpend: 100 } }, token);
    expect(placed.errors).toBeUndefined();
    const refused = await gql(graph!.gateway, PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer.id, quantity: 0 }] } }, token);
    expect(refused.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const [order1, inventory1, gateway1] = await Promise.all([scrape(graph!.metrics.order), scrape(graph!.metrics.inventory), scrape(graph!.metrics.gateway)]);

    const delta = (before: Map<string, number>, after: Map<string, number>, name: string, labels: Record<string, string>) => (figure(after, name, labels) ?? 0) - (figure(before, name, labels) ?? 0);
    expect(figure(order1, 'active_holds', { kind: 'bonus' })).toBeDefined();
    expect(delta(order0, order1, 'active_holds', { kind: 'bonus' })).toBe(1);
    expect(delta(order0, order1, 'held_units', { kind: 'bonus' })).toBe(100);
    expect(figure(inventory1, 'active_holds', { kind: 'stock' })).toBeDefined();
    expect(delta(inventory0, inventory1, 'active_holds', { kind: 'stock' })).toBe(1);
    expect(delta(inventory0, inventory1, 'held_units', { kind: 'stock' })).toBe(1);
    // The offer was found in the catalog a snapshot run read from 1C: its age is reported.
    expect(figure(inventory1, 'sync_lag_seconds', { source: 'inventory.onec-catalog' })).toBeGreaterThanOrEqual(0);
    expect(figure(inventory1, 'sync_failing', { source: 'inventory.onec-catalog' })).toBe(0);

    // Both placements reached the order subgraph; each is timed under the client's operation name.
    expect(delta(gateway0, gateway1, 'gateway_subgraph_request_seconds_count', { subgraph: 'order', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(delta(gateway0, gateway1, 'gateway_operation_seconds_count', { operation: 'PlaceOrder' })).toBe(2);
    expect(delta(gateway0, gateway1, 'gateway_errors_total', { code: 'BAD_USER_INPUT' })).toBe(1);
    // An operation that is none of the clients' documents is counted as `other`, never by its own name.
    const before = await scrape(graph!.metrics.gateway);
    await gql(graph!.gateway, NOT_A_CLIENTS);
    const after = await scrape(graph!.metrics.gateway);
    expect(delta(before, after, 'gateway_operation_seconds_count', { operation: 'other' })).toBe(1);
    expect([...after.keys()].some((series) => series.includes('NoSuchClientQuery'))).toBe(false);
  }, 200_000);
});
