import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { print, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueDocument, CustomerCardDocument, CustomerSearchDocument, RecordPaymentDocument } from '../../clients/__generated__/graphql.js';
import { issueToken } from '../../platform/identity.js';
import { loadConfig } from '../../platform/config.js';
import { eventually, setFaults, startGraphProcess, stopGraphProcess, type GraphProcess } from '../support/graph-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * `npm start`'s process with LOG_LEVEL=info, its log read line by line as an operator's collector
 * reads it: one request is followed through the gateway, a subgraph and a connector by its id.
 */

interface LogLine {
  readonly msg?: string;
  readonly requestId?: string;
  readonly component?: string;
  readonly subgraph?: string;
  readonly [field: string]: unknown;
}

let database: TestDatabase | undefined;
let dataDir: string | undefined;
let graph: GraphProcess;
const lines: LogLine[] = [];
let staff: string;
let customer: string;

beforeAll(async () => {
  if (process.env.DATABASE_URL) database = await createTestDatabase();
  else dataDir = await mkdtemp(join(tmpdir(), 'retail-graph-request-id-'));
  graph = await startGraphProcess({
    env: { ...(database?.url ? { DATABASE_URL: database.url } : { PGLITE_DATA_DIR: join(dataDir!, 'pglite') }), LOG_LEVEL: 'info', UPSTREAM_BREAKER_COOLDOWN_MS: '50' },
  });
  createInterface({ input: graph.child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // the banner
    }
  });
  const secret = loadConfig({ NODE_ENV: 'test' }).JWT_SECRET;
  staff = await issueToken(secret, 'staff-manager-7', ['manager']);
  customer = await issueToken(secret, randomUUID());
}, 180_000);

afterAll(async () => {
  await stopGraphProcess(graph, 'SIGKILL');
  await database?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Sends one of the clients' documents through the gateway. */
async function send(document: DocumentNode, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(graph.urls.gateway, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: print(document), variables }) });
  const body = (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
  return { status: res.status, requestId: res.headers.get('x-request-id')!, ...body };
}

/** The lines of one request, once its access lines (the gateway's and `subgraphs`') are out. */
const linesOf = (requestId: string, subgraphs: string[]) =>
  eventually(`the access lines of ${requestId}`, async () => {
    const mine = lines.filter((l) => l.requestId === requestId);
    const access = mine.filter((l) => l.msg === 'request');
    const done = access.some((l) => l.component === 'gateway') && subgraphs.every((s) => access.some((l) => l.subgraph === s));
    return done ? mine : undefined;
  });

// The storefront's catalogue (anonymous), the staff console's customer list and card, the cashier's payment.
const CATALOGUE = CatalogueDocument;
const CARD = CustomerCardDocument;

describe('one request id from the gateway through every process, on every log line', () => {
  it('the gateway answers a new id in x-request-id and never takes the caller’s own; a valid traceparent gives its trace id', async () => {
    const plain = await send(CATALOGUE, { first: 1 });
    expect(plain.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const again = await send(CATALOGUE, { first: 1 });
    expect(again.requestId).not.toBe(plain.requestId);

    const forged = await send(CATALOGUE, { first: 1 }, { 'x-request-id': plain.requestId });
    expect(forged.requestId).not.toBe(plain.requestId);

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traced = await send(CATALOGUE, { first: 1 }, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(traced.requestId).toBe(traceId);
    for (const invalid of [`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `ff-${traceId}-00f067aa0ba902b7-01`, `00-${traceId.toUpperCase()}-00f067aa0ba902b7-01`, 'garbage']) {
      const refused = await send(CATALOGUE, { first: 1 }, { traceparent: invalid });
      expect(refused.requestId, invalid).not.toBe(traceId);
      expect(refused.requestId, invalid).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('a request through gateway and subgraphs: each process writes one access line under the id (operation, caller kind, duration, status, error codes)', async () => {
    // Once the history sync has brought the seeded customers, a search finds one; their card asks all three subgraphs.
    const listed = await eventually('a customer in the read model', async () => {
      const found = await send(CustomerSearchDocument, { first: 1 }, { authorization: `Bearer ${staff}` });
      return found.data?.customers.edges.length === 1 ? found : undefined;
    });
    const asked = await send(CARD, { id: listed.data.customers.edges[0].node.id }, { authorization: `Bearer ${staff}` });
    expect(asked.errors).toBeUndefined();
    const mine = await linesOf(asked.requestId, ['customer', 'loyalty', 'order']);
    const access = mine.filter((l) => l.msg === 'request');
    const gateway = access.filter((l) => l.component === 'gateway');
    expect(gateway).toHaveLength(1);
    expect(gateway[0]).toMatchObject({ operationName: 'CustomerCard', caller: 'staff', status: 200, errorCodes: [] });
    expect(typeof gateway[0]!.durationMs).toBe('number');
    for (const subgraph of ['customer', 'loyalty', 'order']) {
      const line = access.filter((l) => l.subgraph === subgraph);
      expect(line.length, subgraph).toBeGreaterThanOrEqual(1);
      // The gateway asks subgraphs as the caller: the caller kind is the same.
      expect(line[0], subgraph).toMatchObject({ caller: 'staff', status: 200, errorCodes: [] });
    }

    const refused = await send(RecordPaymentDocument, { input: { orderId: randomUUID(), idempotencyKey: randomUUID() } }, { authorization: `Bearer ${customer}` });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const refusedLines = (await linesOf(refused.requestId, ['order'])).filter((l) => l.msg === 'request');
    expect(refusedLines.find((l) => l.component === 'gateway')).toMatchObject({ operationName: 'RecordPayment', caller: 'customer', status: 200, errorCodes: ['FORBIDDEN'] });
    expect(refusedLines.find((l) => l.subgraph === 'order')).toMatchObject({ caller: 'customer', errorCodes: ['FORBIDDEN'] });

    // A subgraph called without the gateway's identity still logs the refusal, with an id of its own
    // (a call past the gateway, not a client's operation).
    const direct = await fetch(`${graph.urls.customer}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(direct.status).toBe(401);
    const directId = direct.headers.get('x-request-id')!;
    const directLine = await eventually('the subgraph’s access line of a refused call', async () => lines.find((l) => l.requestId === directId && l.msg === 'request'));
    expect(directLine).toMatchObject({ subgraph: 'customer', status: 401, errorCodes: ['UNAUTHENTICATED'] });
  });

  it('a failed RetailCRM call is logged with system, route, status and attempt, under the id of the request that made it', async () => {
    const unknown = randomUUID();
    // The customer subgraph reads a customer it does not hold from RetailCRM: 500 for that, every time.
    await setFaults(graph.urls.retailCrm, { failStatus: 500, pathPattern: `^GET /api/v5/customers/${unknown}` });
    const asked = await send(CARD, { id: unknown }, { authorization: `Bearer ${staff}` });
    await setFaults(graph.urls.retailCrm, {});
    expect(asked.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const mine = await linesOf(asked.requestId, ['customer']);
    const failures = mine.filter((l) => l.msg === 'upstream call failed');
    // A read is retried: each failed attempt is a line, numbered; no phone or id in the route.
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures.map((l) => l.attempt)).toEqual(failures.map((_, i) => i + 1));
    for (const line of failures) expect(line).toMatchObject({ system: 'retailcrm', route: 'GET /api/v5/customers/:id', status: 500 });
    expect(JSON.stringify(failures)).not.toContain(unknown);
    expect(mine.find((l) => l.msg === 'request' && l.subgraph === 'customer')).toMatchObject({ caller: 'staff', errorCodes: ['UPSTREAM_UNAVAILABLE'] });
    expect(mine.find((l) => l.msg === 'request' && l.component === 'gateway')).toMatchObject({ operationName: 'CustomerCard', errorCodes: ['UPSTREAM_UNAVAILABLE'] });
  });
});
