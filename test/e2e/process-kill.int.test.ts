import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueDocument, PlaceOrderDocument, RegisterCustomerDocument } from '../../clients/__generated__/graphql.js';
import { loadConfig } from '../../platform/config.js';
import { issueToken } from '../../platform/identity.js';
import { EPHEMERAL_PORTS } from '../../scripts/graph.js';
import { bonusPlusLookup } from '../support/bonusplus-lookup.js';
import { emulatorRequests, eventually, gql } from '../support/graph-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The README's start command (`scripts/start.ts`) as a real process, killed with SIGKILL in the
 * middle of a placement and started again on the same database: nothing is lost and nothing is
 * done twice. Everything is read through the graph and the emulators' own APIs, as a client and
 * the systems of record see it.
 */

const START = fileURLToPath(new URL('../../scripts/start.ts', import.meta.url));
const config = loadConfig({ NODE_ENV: 'test' });

interface Urls {
  readonly gateway: string;
  readonly retailCrm: string;
  readonly bonusPlus: string;
}

interface GraphProcess {
  readonly urls: Urls;
  readonly child: ChildProcess;
}

let database: TestDatabase | undefined;
let dataDir: string | undefined;
let running: GraphProcess | undefined;

/** The database settings both lives of the graph share: a fresh Postgres database, or a PGlite folder. */
const databaseEnv = (): Record<string, string> => (database?.url ? { DATABASE_URL: database.url } : { PGLITE_DATA_DIR: join(dataDir!, 'pglite') });

async function startProcess(): Promise<GraphProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', START], {
    env: {
      ...process.env,
      ...EPHEMERAL_PORTS,
      ...databaseEnv(),
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      LOYALTY_WELCOME_BONUS: '2000',
      // A placement left PENDING for 3 s is taken for abandoned (and its key's claim lapses as soon),
      // and the check runs every half second.
      ORDER_PLACEMENT_TIMEOUT_MS: '3000',
      ORDER_EXPIRY_INTERVAL_MS: '500',
      UPSTREAM_TIMEOUT_MS: '60000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const urls = await new Promise<Urls>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the graph did not start in 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`the graph exited with ${code}`)));
    const found: Record<string, string> = {};
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const gateway = /GraphQL\s+(\S+)/.exec(line)?.[1];
      if (gateway) found.gateway = gateway;
      const emulators = /RetailCRM\s+(\S+)\s+BonusPlus\s+(\S+)/.exec(line);
      if (emulators) [found.retailCrm, found.bonusPlus] = [emulators[1]!, emulators[2]!];
      if (found.gateway && found.retailCrm && found.bonusPlus) {
        clearTimeout(timer);
        resolve(found as unknown as Urls);
      }
    });
  });
  return { urls, child };
}

/** Sends the signal and resolves with the exit code once the process has ended (null when a signal ended it). */
async function kill(graph: GraphProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (graph.child.exitCode !== null || graph.child.signalCode !== null) return graph.child.exitCode;
  const exited = new Promise<number | null>((resolve) => graph.child.once('exit', (code) => resolve(code)));
  graph.child.kill(signal);
  return exited;
}

async function bonusBalance(urls: Urls, phone: string): Promise<number | undefined> {
  const { status, body } = await bonusPlusLookup(urls.bonusPlus, config.BONUSPLUS_API_KEY, phone);
  return status === 200 ? (body as { availableBonuses: number }).availableBonuses : undefined;
}

async function crmOrdersOf(urls: Urls, externalId: string): Promise<number> {
  const res = await fetch(`${urls.retailCrm}/api/v5/orders?filter[externalIds][]=${externalId}&apiKey=${config.RETAILCRM_API_KEY}`);
  const body = (await res.json()) as { orders?: unknown[] };
  return body.orders?.length ?? 0;
}

// The storefront's own documents (clients/storefront/).
const PLACE = PlaceOrderDocument;
const IN_STOCK = CatalogueDocument;

beforeAll(async () => {
  if (process.env.DATABASE_URL) database = await createTestDatabase();
  else dataDir = await mkdtemp(join(tmpdir(), 'retail-graph-kill-'));
});

afterAll(async () => {
  if (running) await kill(running, 'SIGKILL');
  await database?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a graph process killed in the middle of a placement', () => {
  it('is started again and gives back every hold; the same key then places the order once', async () => {
    running = await startProcess();
    const phone = '+79161234570';
    const registered = await gql(running.urls.gateway, RegisterCustomerDocument, { input: { phone, firstName: 'Вера' } });
    expect(registered.errors).toBeUndefined();
    const customerId = registered.data.registerCustomer.customer.id as string;
    const token = await issueToken(config.JWT_SECRET, customerId);
    // Enrolled by the loyalty subgraph's relay in the background: the welcome bonus is there.
    const before = await eventually('the welcome bonus', async () => ((await bonusBalance(running!.urls, phone)) === 2000 ? 2000 : undefined));
    const offer = await eventually('the catalog', async () => {
      const found = await gql(running!.urls.gateway, IN_STOCK, { first: 50 });
      const offers = (found.data?.products.edges ?? []).flatMap((e: any) => e.node.offers) as { id: string; price: number; inStock: boolean }[];
      return offers.find((o) => o.inStock && o.price >= 200_000);
    });

    // BonusPlus takes a minute to answer the bonus reserve, the placement's last step after the
    // stock hold: the process is killed while it waits.
    const fault = await fetch(`${running.urls.bonusPlus}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 60_000, pathPattern: 'balance/reserve' }) });
    expect(fault.status).toBe(200);
    const key = randomUUID();
    const input = { idempotencyKey: key, cart: [{ offerId: offer.id, quantity: 1 }], bonusesToSpend: 100 };
    const abandoned = gql(running.urls.gateway, PLACE, { input }, token).catch((error: unknown) => error);
    await eventually('the placement waiting on BonusPlus', async () => ((await emulatorRequests(running!.urls.bonusPlus, (route) => route.includes('reserve'))) > 0 ? true : undefined));
    await kill(running, 'SIGKILL');
    expect(await abandoned).toBeInstanceOf(Error);

    // The second life finds the placement abandoned and gives the stock hold (and any reserve) back;
    // RetailCRM never heard of it.
    running = await startProcess();
    await eventually('the abandoned placement undone', async () => ((await gql(running!.urls.gateway, IN_STOCK, { first: 50 })).data ? true : undefined));
    expect(await bonusBalance(running.urls, phone)).toBe(before);
    // Retried as a client does: a typed "try again" (the recovery still undoing the first placement) is tried again.
    const retried = await eventually('the retried placement', async () => {
      const answer = await gql(running!.urls.gateway, PLACE, { input }, token);
      const code = answer.errors?.[0]?.extensions?.code;
      if (code === 'UPSTREAM_UNAVAILABLE' || code === 'IDEMPOTENCY_KEY_IN_FLIGHT') return undefined;
      return answer;
    });
    expect(retried.errors).toBeUndefined();
    const order = retried.data.placeOrder.order;
    expect(order).toMatchObject({ status: 'PLACED', bonusesSpent: 100 });
    expect(await bonusBalance(running.urls, phone)).toBe(before - 100);
    // RetailCRM gets it through the outbox, once.
    expect(await eventually('the order in RetailCRM', async () => ((await crmOrdersOf(running!.urls, order.id)) === 1 ? 1 : undefined))).toBe(1);
    // The same key again is the same order, and changes nothing.
    const again = await gql(running.urls.gateway, PLACE, { input }, token);
    expect(again.data.placeOrder.order.id).toBe(order.id);
    expect(await bonusBalance(running.urls, phone)).toBe(before - 100);
    // Asked to stop, the process ends cleanly even while its relays still have a backlog (the
    // seeded customers' enrolments): they stop between messages and give the rest back.
    expect(await kill(running, 'SIGTERM')).toBe(0);
  }, 120_000);
});
