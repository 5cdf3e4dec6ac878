import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueDocument, CheckoutQuoteDocument, RegisterCustomerDocument } from '../../clients/__generated__/graphql.js';
import { loadConfig } from '../../platform/config.js';
import { issueToken } from '../../platform/identity.js';
import { emulatorRequests, eventually, gql, setFaults, startGraphProcess, stopGraphProcess, type GraphProcess } from '../support/graph-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * BonusPlus answers 503 to everything: the order subgraph's BonusPlus breaker opens, and the
 * process says so on `/metrics` and `/ready` (degraded, not down); while open, quotes do not reach
 * BonusPlus at all; after the cool-down one probe does; with BonusPlus back, the probe closes it.
 * Counted at the emulator, on a real `npm start` process.
 */

const config = loadConfig({ NODE_ENV: 'test' });
// Long enough for a handful of refused quotes on a loaded machine, short enough to wait out twice.
const COOLDOWN_MS = 4_000;
const CALC = 'PUT /api/retail/calc';
const REFUSED_WHILE_OPEN = 5;

// The storefront's checkout page (clients/storefront/checkout-quote.graphql).
const QUOTE = CheckoutQuoteDocument;

let database: TestDatabase | undefined;
let dataDir: string | undefined;
let graph: GraphProcess | undefined;

beforeAll(async () => {
  if (process.env.DATABASE_URL) database = await createTestDatabase();
  else dataDir = await mkdtemp(join(tmpdir(), 'retail-graph-breaker-'));
});

afterAll(async () => {
  await stopGraphProcess(graph, 'SIGKILL');
  await database?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** The `upstream_circuit_state` and `upstream_circuit_refused_total` series of one client, from a process's `/metrics`. */
async function breakerFigures(base: string, system: string, client: string): Promise<{ state: number; refused: number; text: string }> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  const series = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`system="${system}"`) && l.includes(`client="${client}"`));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return { state: series('upstream_circuit_state') ?? Number.NaN, refused: series('upstream_circuit_refused_total') ?? 0, text };
}

async function ready(base: string): Promise<{ status: number; body: { status: string; upstreams?: { system: string; client: string; state: string }[] } }> {
  const res = await fetch(`${base}/ready`);
  return { status: res.status, body: (await res.json()) as never };
}

const calcRequests = (bonusPlus: string) => emulatorRequests(bonusPlus, (route) => route === CALC);

describe('an upstream cut off by its circuit breaker', () => {
  it('is open on /metrics and degraded on /ready; refused calls never reach it; one probe after the cool-down; closed again once it heals', async () => {
    graph = await startGraphProcess({
      // Every quote asks BonusPlus here (no remembered calculations): the quotes are how the test reaches it.
      env: { ...(database?.url ? { DATABASE_URL: database.url } : { PGLITE_DATA_DIR: join(dataDir!, 'pglite') }), UPSTREAM_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS), ORDER_BONUS_CALCULATION_CACHE_SECONDS: '0' },
    });
    const { urls } = graph;

    // Every server of the process has /metrics with the process figures.
    for (const base of [urls.customer, urls.order, urls.loyalty, urls.inventory, urls.retailCrm, urls.bonusPlus, urls.oneC, urls.gatewayBase]) {
      const res = await fetch(`${base}/metrics`);
      expect(res.status, base).toBe(200);
      expect(await res.text(), base).toContain('process_cpu_user_seconds_total');
    }

    const registered = await gql(urls.gateway, RegisterCustomerDocument, { input: { phone: '+79161234581', firstName: 'Нина' } });
    expect(registered.errors).toBeUndefined();
    const token = await issueToken(config.JWT_SECRET, registered.data.registerCustomer.customer.id as string);
    const offer = await eventually('the catalog', async () => {
      const found = await gql(urls.gateway, CatalogueDocument, { first: 50 });
      return ((found.data?.products.edges ?? []) as any[]).flatMap((e) => e.node.offers).find((o: { inStock: boolean }) => o.inStock) as { id: string } | undefined;
    });
    const quote = async () => {
      const since = performance.now();
      const answer = await gql(urls.gateway, QUOTE, { cart: [{ offerId: offer.id, quantity: 1 }] }, token);
      expect(answer.errors).toBeUndefined();
      return { loyaltyAvailable: answer.data.checkoutQuote.loyaltyAvailable as boolean, ms: performance.now() - since };
    };

    // Healthy: BonusPlus calculates the quote, the breaker is closed, the process is ready.
    await eventually('a quote BonusPlus calculates', async () => ((await quote()).loyaltyAvailable ? true : undefined));
    expect((await breakerFigures(urls.order, 'bonusplus', 'order')).state).toBe(0);
    expect((await ready(urls.order)).body.status).toBe('ready');

    await setFaults(urls.bonusPlus, { failStatus: 503 });
    let failing = 0;
    while ((await breakerFigures(urls.order, 'bonusplus', 'order')).state !== 2) {
      expect((await quote()).loyaltyAvailable).toBe(false);
      failing++;
      expect(failing, 'quotes before the breaker opens').toBeLessThanOrEqual(5);
    }
    const opened = await ready(urls.order);
    expect(opened.status).toBe(200);
    expect(opened.body.status).toBe('degraded');
    expect(opened.body.upstreams).toContainEqual({ system: 'bonusplus', client: 'order', state: 'open' });

    // Open: the quotes still answer (without loyalty), and not one of them reaches BonusPlus.
    const calcBefore = await calcRequests(urls.bonusPlus);
    const refusedBefore = (await breakerFigures(urls.order, 'bonusplus', 'order')).refused;
    const refusedQuotes: number[] = [];
    for (let i = 0; i < REFUSED_WHILE_OPEN; i++) {
      const answer = await quote();
      expect(answer.loyaltyAvailable).toBe(false);
      refusedQuotes.push(answer.ms);
    }
    const calcWhileOpen = (await calcRequests(urls.bonusPlus)) - calcBefore;
    const refusedWhileOpen = (await breakerFigures(urls.order, 'bonusplus', 'order')).refused - refusedBefore;
    expect(calcWhileOpen).toBe(0);
    expect(refusedWhileOpen).toBe(REFUSED_WHILE_OPEN);

    // After the cool-down, the next quote's call is the one probe; it fails and the breaker opens again.
    await new Promise((r) => setTimeout(r, COOLDOWN_MS + 200));
    const probeBefore = await calcRequests(urls.bonusPlus);
    expect((await quote()).loyaltyAvailable).toBe(false);
    const probes = (await calcRequests(urls.bonusPlus)) - probeBefore;
    expect(probes).toBe(1);
    expect((await breakerFigures(urls.order, 'bonusplus', 'order')).state).toBe(2);

    // BonusPlus heals: after the cool-down the probe succeeds and closes the breaker.
    await setFaults(urls.bonusPlus, {});
    await new Promise((r) => setTimeout(r, COOLDOWN_MS + 200));
    const healedBefore = await calcRequests(urls.bonusPlus);
    expect((await quote()).loyaltyAvailable).toBe(true);
    const healedCalls = (await calcRequests(urls.bonusPlus)) - healedBefore;
    expect((await breakerFigures(urls.order, 'bonusplus', 'order')).state).toBe(0);
    expect((await ready(urls.order)).body.upstreams ?? []).not.toContainEqual(expect.objectContaining({ client: 'order' }));
    // The loyalty subgraph's own BonusPlus client closes when its background work next gets through.
    const back = await eventually('the process ready again', async () => {
      const answer = await ready(urls.order);
      return answer.body.status === 'ready' ? answer : undefined;
    });
    expect(back.status).toBe(200);

    console.log(
      [
        'breaker figures (order subgraph → BonusPlus, 503 for everything):',
        `  quotes until it opened: ${failing}`,
        `  while open: ${REFUSED_WHILE_OPEN} quotes, ${calcWhileOpen} calc requests reached BonusPlus, ${refusedWhileOpen} calls refused by the breaker`,
        `  a refused quote through the gateway took ${refusedQuotes.map((ms) => ms.toFixed(0)).join(', ')} ms`,
        `  after the ${COOLDOWN_MS} ms cool-down: ${probes} probe reached BonusPlus (failed, open again)`,
        `  healed: ${healedCalls} calc request closed it`,
      ].join('\n'),
    );
  }, 240_000);
});
