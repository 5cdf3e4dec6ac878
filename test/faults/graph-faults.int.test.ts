import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountPageDocument,
  CallCentreDocument,
  CatalogueDocument,
  CheckoutQuoteDocument,
  PlaceOrderDocument,
  ProductPageDocument,
  RegisterCustomerDocument,
} from '../../clients/__generated__/graphql.js';
import { ERROR_CODES } from '../../platform/errors.js';
import { startProcessGraph, usesCompiledServices, type ProcessGraph } from '../support/process-graph.js';

/**
 * Real faults on the graph as separate processes (as docker-compose runs it) on a real Postgres:
 * a subgraph stopped with SIGSTOP, one killed with SIGKILL under load and started again, and every
 * database connection terminated twice under load. Each test prints the figure it checks.
 * Separate processes cannot share the embedded PGlite, so this file runs on DATABASE_URL only (CI).
 */

const SUBGRAPH_TIMEOUT_MS = 1_500;

// The clients' own documents: the account page (which asks the inventory for the price of each
// line's offer once there are orders), the storefront's product page and sign-up, and the call
// centre's screen, which asks the customer's subgraphs and the inventory in one request.
const ACCOUNT = AccountPageDocument;
const PRODUCT = ProductPageDocument;
const MIXED = CallCentreDocument;
const REGISTER = RegisterCustomerDocument;

type Result = Awaited<ReturnType<ProcessGraph['gql']>> & { data?: any };
const KNOWN = new Set<string>(ERROR_CODES.filter((c) => c !== 'INTERNAL_SERVER_ERROR'));
const codesOf = (r: Result) => (r.errors ?? []).map((e) => e.extensions?.code ?? 'NONE');
/** A reply is typed when it is not a 5xx and every error it carries has a code of the closed set other than INTERNAL_SERVER_ERROR. */
const typed = (r: Result) => r.status < 500 && codesOf(r).every((c) => KNOWN.has(c));

let g: ProcessGraph;
/** A customer with an order from the start: their account page asks the inventory too. */
let token: string;
/** A customer who places nothing: their account page needs no inventory (an order's lines show the offer's price). */
let reader: { phone: string; token: string };
let staff: string;
let productId: string;
let article: string;
let phoneSeq = 0;
const nextPhone = () => `+7917${String(Date.now() % 1_000_000).padStart(6, '0')}${String(++phoneSeq % 10)}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `op` from `workers` callers back to back until `stop()` says so; every result with when it started. */
async function load(workers: number, op: (i: number) => Promise<Result>, done: () => boolean) {
  const results: { at: number; done: number; result: Result }[] = [];
  await Promise.all(
    Array.from({ length: workers }, async (_v, w) => {
      for (let i = w; !done(); i += workers) {
        const at = Date.now();
        const result = await op(i).catch((error: unknown) => ({ status: 599, errors: [{ message: String(error), extensions: { code: 'CLIENT_FAILED' } }] }) as Result);
        results.push({ at, done: Date.now(), result });
      }
    }),
  );
  return results;
}

describe.skipIf(!process.env.DATABASE_URL)('the graph as separate processes survives its faults (real processes, real Postgres)', () => {
  beforeAll(async () => {
    // No entity cache at the gateway: an account page's prices must come from the inventory each
    // time, or a page remembered from before the fault would hide it (gateway/entity-cache.ts).
    g = await startProcessGraph({ GATEWAY_SUBGRAPH_TIMEOUT_MS: String(SUBGRAPH_TIMEOUT_MS), OUTBOX_POLL_INTERVAL_MS: '200', GATEWAY_ENTITY_CACHE_SECONDS: '0' });
    console.log(`fault tests on ${usesCompiledServices() ? 'the compiled services (dist/)' : 'the sources under tsx (dist/ is older than the sources)'}`);
    const registered = await g.gql(REGISTER, { input: { phone: nextPhone(), firstName: 'Сбой' } });
    expect(registered.errors).toBeUndefined();
    token = await g.customerToken(registered.data.registerCustomer.customer.id);
    const readerRegistered = await g.gql(REGISTER, { input: { phone: nextPhone(), firstName: 'Читатель' } });
    expect(readerRegistered.errors).toBeUndefined();
    reader = { phone: readerRegistered.data.registerCustomer.customer.phone, token: await g.customerToken(readerRegistered.data.registerCustomer.customer.id) };
    staff = await g.staffToken('manager');
    // The catalog reaches the inventory's read model by its own first sync.
    for (let i = 0; i < 120 && !productId; i++) {
      // Waiting, not testing: a refused or failed poll is asked again (a gateway that has ended says so in what follows).
      const page = await g.gql(CatalogueDocument, { first: 1 }).catch((error: unknown) => (console.log(String(error)), undefined));
      productId = page?.data?.products?.edges?.[0]?.node?.id;
      article = page?.data?.products?.edges?.[0]?.node?.article;
      if (!productId) await sleep(500);
    }
    expect(productId).toBeTruthy();
    const offer = (await g.gql(CatalogueDocument, { first: 20 })).data.products.edges.flatMap((e: any) => e.node.offers).find((o: any) => o.inStock && o.price);
    const placed = await g.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer.id, quantity: 1 }] } }, token);
    expect(placed.errors).toBeUndefined();
  }, 240_000);
  afterAll(async () => g?.close(), 60_000);

  it('a mixed load (account page, checkout quote, placement) on separate processes: no INTERNAL_SERVER_ERROR, every refusal from the closed set', async () => {
    const offers = (await g.gql(CatalogueDocument, { first: 20 })).data.products.edges.flatMap((e: any) => e.node.offers).filter((o: any) => o.inStock);
    expect(offers.length).toBeGreaterThan(3);
    const cart = (i: number) => [{ offerId: offers[i % offers.length].id, quantity: 1 }];
    let stop = false;
    const results = load(
      8,
      (i) =>
        i % 3 === 0
          ? g.gql(ACCOUNT, {}, token)
          : i % 3 === 1
            ? g.gql(CheckoutQuoteDocument, { cart: cart(i) }, token)
            : g.gql(PlaceOrderDocument, { input: { idempotencyKey: `mixed-${i}-${Date.now()}`, cart: cart(i) } }, token),
      () => stop,
    );
    await sleep(6_000);
    stop = true;
    const all = await results;
    const byCode = new Map<string, number>();
    for (const { result } of all) for (const code of codesOf(result).length ? codesOf(result) : ['OK']) byCode.set(code, (byCode.get(code) ?? 0) + 1);
    console.log(`mixed load: ${all.length} operations: ${[...byCode].map(([c, n]) => `${c} ${n}`).join(', ')}`);
    expect(all.length).toBeGreaterThan(30);
    expect(byCode.get('INTERNAL_SERVER_ERROR') ?? 0).toBe(0);
    expect(all.filter((r) => !typed(r.result)).map((r) => r.result.errors)).toEqual([]);
    expect(byCode.get('OK') ?? 0).toBeGreaterThan(all.length / 2);
  }, 120_000);

  it('a stalled subgraph (SIGSTOP): the gateway answers within its timeout with the other parts and one typed error, and sends a mutation once', async () => {
    const inventory = g.services.inventory.child;
    inventory.kill('SIGSTOP');
    try {
      const started = Date.now();
      const mixed = await g.gql(MIXED, { phone: reader.phone, article }, staff);
      const waited = Date.now() - started;
      console.log(`stalled inventory: answered in ${waited} ms (subgraph timeout ${SUBGRAPH_TIMEOUT_MS} ms)`);
      expect(mixed.status).toBe(200);
      expect(mixed.data?.customerByPhone?.id).toBeTruthy();
      expect(mixed.data?.productByArticle).toBeNull();
      expect(codesOf(mixed)).toEqual(['UPSTREAM_UNAVAILABLE']);
      // Not a hang: this answer came while the inventory was still stopped (it goes on only below).
      // How long it took is printed above, never asserted: a time bound fails on a busy machine.
    } finally {
      inventory.kill('SIGCONT');
    }
    const after = await g.gql(PRODUCT, { article });
    expect(after.errors).toBeUndefined();
    expect(after.data.productByArticle.id).toBe(productId);

    // A registration sent to a stalled customer subgraph times out at the gateway and is not sent again.
    const customer = g.services.customer.child;
    const phone = nextPhone();
    customer.kill('SIGSTOP');
    let answer: Result;
    try {
      answer = await g.gql(REGISTER, { input: { phone, firstName: 'Один' } });
    } finally {
      customer.kill('SIGCONT');
    }
    expect(codesOf(answer)).toEqual(['UPSTREAM_UNAVAILABLE']);
    await sleep(1_000); // the stopped process may still work off what reached its socket
    const rows = await g.database.db.selectFrom('customer.customers').select('id').where('phone', '=', phone).execute();
    console.log(`registration to a stalled subgraph: ${rows.length} customer row(s) after it resumed`);
    expect(rows.length).toBeLessThanOrEqual(1);
  }, 120_000);

  it('a subgraph killed under load (SIGKILL): the rest answers 100 %, its part is a typed error, in flight too; started again, it is used at once', async () => {
    let phase: 'before' | 'down' | 'restarted' = 'before';
    let stop = false;
    // Each request is labelled with the phase it was sent in: the account pages of a customer with
    // no order (no inventory part) and of one with an order (the lines' prices are the inventory's).
    const run = load(6, (i) => {
      const sentIn = phase;
      return g.gql(ACCOUNT, {}, i % 2 === 0 ? reader.token : token).then((r) => Object.assign(r, { phase: sentIn, kind: i % 2 === 0 ? 'account' : 'mixed' }));
    }, () => stop);
    await sleep(1_500);
    phase = 'down';
    await g.kill('inventory');
    await sleep(2_000);
    await g.restart('inventory');
    phase = 'restarted';
    const firstAfter = await g.gql(PRODUCT, { article });
    await sleep(1_500);
    stop = true;
    const results = (await run).map((r) => r.result as Result & { phase: string; kind: string });

    const account = results.filter((r) => r.kind === 'account');
    const mixed = results.filter((r) => r.kind === 'mixed');
    const mixedFailed = mixed.filter((r) => r.errors);
    console.log(
      `inventory killed under load: ${account.length} account pages without orders (${account.filter((r) => r.errors).length} failed), ` +
        `${mixed.length} with an order (${mixedFailed.length} with the inventory part missing: ${[...new Set(mixedFailed.flatMap(codesOf))].join(', ') || 'none'})`,
    );
    expect(account.length).toBeGreaterThan(10);
    expect(account.filter((r) => r.errors)).toEqual([]);
    expect(mixed.filter((r) => !typed(r))).toEqual([]);
    // Partial data: the customer's part is there even when the inventory's is not.
    const pricesMissing = (r: Result) => r.data?.me?.orders.edges.length > 0 && r.data.me.orders.edges.every((e: any) => e.node.lines.every((l: any) => l.offer.price === null));
    expect(mixedFailed.every((r) => r.data?.me?.id && pricesMissing(r) && codesOf(r).every((c) => c === 'UPSTREAM_UNAVAILABLE'))).toBe(true);
    expect(mixedFailed.length).toBeGreaterThan(0);
    // The first call after the restart is served: no gateway restart, no warm-up.
    expect(firstAfter.errors).toBeUndefined();
    expect(mixed.filter((r) => r.phase === 'restarted' && r.errors)).toEqual([]);
    expect(g.alive()).toEqual(['emulators', 'inventory', 'customer', 'loyalty', 'order', 'gateway']);
  }, 180_000);

  it('every database connection terminated twice under load: no process exits, errors are typed and only during the outage, background work resumes', async () => {
    const terminations: number[] = [];
    let stop = false;
    const run = load(
      6,
      // Writes too, but few: each sign-up queues work for RetailCRM's and BonusPlus's budgets, and a
      // backlog of hundreds would keep the enrolment checked below waiting its turn.
      (i) => (i % 12 === 0 ? g.gql(REGISTER, { input: { phone: nextPhone(), firstName: 'Нагрузка' } }) : i % 2 === 1 ? g.gql(ACCOUNT, {}, token) : g.gql(PRODUCT, { article })),
      () => stop,
    );
    await sleep(1_000);
    let cut = 0;
    for (const _round of [1, 2]) {
      terminations.push(Date.now());
      cut += await g.terminateBackends();
      await sleep(1_500);
    }
    stop = true;
    const during = await run;
    const failed = during.filter((r) => r.result.errors);
    const lastCut = terminations[terminations.length - 1]!;
    const lastFailure = Math.max(0, ...failed.map((r) => r.at));
    console.log(
      `database connections terminated twice (${cut} backends): ${during.length} operations, ${failed.length} failed ` +
        `(${[...new Set(failed.flatMap((r) => codesOf(r.result)))].join(', ') || 'none'}); last failure ${lastFailure ? `${lastFailure - lastCut} ms after the last cut` : 'none'}`,
    );
    expect(cut).toBeGreaterThan(5);
    expect(g.alive()).toEqual(['emulators', 'inventory', 'customer', 'loyalty', 'order', 'gateway']);
    expect(during.filter((r) => !typed(r.result)).map((r) => r.result.errors)).toEqual([]);
    // Failures only around the cuts: none that had finished before the first one.
    expect(failed.filter((r) => r.done < terminations[0]!)).toEqual([]);

    // After the outage: ≥ 99 % of a fresh batch succeeds.
    const after = await Promise.all(Array.from({ length: 100 }, (_v, i) => (i % 2 ? g.gql(ACCOUNT, {}, token) : g.gql(PRODUCT, { article }))));
    const ok = after.filter((r) => !r.errors).length;
    console.log(`after the outage: ${ok} of 100 operations succeeded`);
    expect(ok).toBeGreaterThanOrEqual(99);

    // Background work resumed by itself: a sign-up now is enrolled by the loyalty process's relay.
    const registered = await g.gql(REGISTER, { input: { phone: nextPhone(), firstName: 'После' } });
    expect(registered.errors).toBeUndefined();
    const newToken = await g.customerToken(registered.data.registerCustomer.customer.id);
    let card: string | undefined;
    const since = Date.now();
    for (let i = 0; i < 240 && !card; i++) {
      card = (await g.gql(ACCOUNT, {}, newToken)).data?.me?.loyalty?.cardNumber;
      if (!card) await sleep(500);
    }
    console.log(`enrolment after the outage: ${card ? `${Date.now() - since} ms` : 'never'}`);
    expect(card).toMatch(/^\d{13}$/);
    expect(g.services.order.exits).toEqual([]);
  }, 180_000);
});
