import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../platform/identity.js';
import { startGraphProcess, stopGraphProcess, type GraphProcess } from '../support/graph-process.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** What a production deployment sets: real-looking secrets (production refuses the development ones), an issuer and an audience. */
const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: 'prod-like-jwt-secret-9f3a1c7e5b2d4f6a8c0e',
  GATEWAY_IDENTITY_SECRET: 'prod-like-identity-secret-1b3d5f7a9c2e4a6c8e0f',
  JWT_ISSUER: 'https://id.retail.example',
  JWT_AUDIENCE: 'retail-graph',
  LOG_LEVEL: 'warn',
};

let t: TestGraph;
let child: ChildProcess | undefined;
let childDir: string | undefined;
let npmStart: GraphProcess | undefined;
let npmStartDatabase: TestDatabase | undefined;
/** The gateways to check: startGraph's in-process, `npm start`'s (scripts/start.ts) and gateway/main.ts's, each its own process. */
const entries: { name: string; url: string; metricsUrl?: string }[] = [];
let staff: string;

beforeAll(async () => {
  t = await startTestGraph({ ...PRODUCTION, METRICS_PORT: '0' });
  entries.push({ name: 'startGraph', url: t.graph.gatewayUrl, metricsUrl: t.graph.urls.metrics });
  staff = await issueToken(PRODUCTION.JWT_SECRET, 'staff-prod', ['manager'], '1h', { issuer: PRODUCTION.JWT_ISSUER, audience: PRODUCTION.JWT_AUDIENCE });

  childDir = await mkdtemp(join(tmpdir(), 'gateway-main-'));
  const main = fileURLToPath(new URL('../../gateway/main.ts', import.meta.url));
  child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: {
      ...process.env,
      ...PRODUCTION,
      GATEWAY_PORT: '0',
      PGLITE_DATA_DIR: join(childDir, 'pglite'),
      CUSTOMER_URL: t.graph.urls.customer!,
      ORDER_URL: t.graph.urls.order!,
      LOYALTY_URL: t.graph.urls.loyalty!,
      INVENTORY_URL: t.graph.urls.inventory!,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child!.once('exit', (code) => reject(new Error(`gateway/main.ts exited with ${code}`)));
    createInterface({ input: child!.stdout! }).on('line', (line) => {
      const found = /gateway at (http:\/\/\S+\/graphql)/.exec(line);
      if (found) resolve(found[1]!);
    });
  });
  entries.push({ name: 'gateway/main.ts', url });

  // On a database of its own: a fresh Postgres database, or a PGlite folder.
  npmStartDatabase = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
  npmStart = await startGraphProcess({
    env: {
      ...PRODUCTION,
      ...(npmStartDatabase?.url ? { DATABASE_URL: npmStartDatabase.url } : { PGLITE_DATA_DIR: join(childDir, 'npm-start-pglite') }),
      SEED_CATALOG_PRODUCTS: '20',
      SEED_ONLINE_CUSTOMERS: '10',
      SEED_SHOWROOM_CUSTOMERS: '5',
    },
  });
  entries.push({ name: 'npm start (scripts/start.ts)', url: npmStart.urls.gateway });
}, 300_000);

afterAll(async () => {
  await stopGraphProcess(npmStart);
  await npmStartDatabase?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  if (childDir) await rm(childDir, { recursive: true, force: true });
  await t?.close();
});

async function post(url: string, query: string, token?: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query }) });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } };
}

describe('NODE_ENV=production: one profile, whichever command starts the gateway', () => {
  it('has every entry up', () => {
    expect(entries.map((e) => e.name)).toEqual(['startGraph', 'gateway/main.ts', 'npm start (scripts/start.ts)']);
  });

  it('refuses introspection, even for staff: an anonymous caller at the safelist, before validation; staff by validation, introspection being off', async () => {
    // Introspection, not a client's operation: no client asks for the schema in production.
    for (const { name, url } of entries) {
      for (const query of [`{ __schema { queryType { name } types { name } } }`, `{ __type(name: "Customer") { fields { name } } }`]) {
        const anonymous = await post(url, query);
        expect(anonymous.body.data, name).toBeUndefined();
        expect(anonymous.status, name).toBe(403);
        expect(anonymous.body.errors?.map((e) => e.extensions?.code), name).toEqual(['OPERATION_NOT_ALLOWED']);
        expect(anonymous.text, name).not.toMatch(/introspection/i);
        const byStaff = await post(url, query, staff);
        expect(byStaff.body.data, name).toBeUndefined();
        expect(byStaff.status, name).toBe(400);
        expect(byStaff.body.errors?.map((e) => e.extensions?.code), name).toEqual(['GRAPHQL_VALIDATION_FAILED']);
        expect(byStaff.body.errors?.[0]?.message, name).toMatch(/introspection/i);
      }
    }
  });

  it('serves no playground: `/` and a browser GET of /graphql are not GraphiQL', async () => {
    for (const { name, url } of entries) {
      const root = await fetch(url.replace(/\/graphql$/, '/'), { headers: { accept: 'text/html' } });
      expect(root.status, name).toBe(404);
      expect(await root.text(), name).not.toMatch(/<html|graphiql/i);
      const browser = await fetch(url, { headers: { accept: 'text/html' } });
      expect(browser.headers.get('content-type') ?? '', name).not.toContain('text/html');
      expect(await browser.text(), name).not.toMatch(/<html|graphiql/i);
    }
  });

  it('serves /metrics only on METRICS_PORT, never on the GraphQL port', async () => {
    for (const { name, url, metricsUrl } of entries) {
      const onPublic = await fetch(url.replace(/\/graphql$/, '/metrics'));
      expect(onPublic.status, name).toBe(404);
      expect(await onPublic.text(), name).not.toContain('process_cpu');
      if (metricsUrl) {
        expect(new URL(metricsUrl).port).not.toBe(new URL(url).port);
        const metrics = await fetch(metricsUrl);
        expect(metrics.status).toBe(200);
        expect(await metrics.text()).toContain('process_cpu_user_seconds_total');
      }
    }
    expect(entries[0]!.metricsUrl).toBeDefined();
  });

  it('suggests no field names and shows no stack', async () => {
    // A misspelt field, not a client's operation: what someone probing the schema sends.
    for (const { name, url } of entries) {
      const answer = await post(url, `{ customr(id: "1") { id } }`, staff);
      expect(answer.status, name).toBe(400);
      expect(answer.body.errors?.[0]?.extensions?.code, name).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(answer.text, name).not.toMatch(/Did you mean|customer"/);
      expect(answer.text, name).not.toMatch(/stacktrace|\bat .*\.ts:\d+/);
    }
  });
});

// Shape-limit probes, not clients' operations: each is valid and sized just at or just past a limit.

/** `me { orders { edges { node { lines { offer { product { … } } } } } } }`: the product's fields sit at depth 8. */
const deep = (productSelection: string) => `{ me { orders { edges { node { lines { offer { product { ${productSelection} } } } } } } } }`;

describe('shape limits: tight, silent, HTTP 400', () => {
  const expectTooLarge = (answer: Awaited<ReturnType<typeof post>>, what: string) => {
    expect(answer.status, what).toBe(400);
    expect(answer.body.data, what).toBeUndefined();
    expect(answer.body.errors?.map((e) => e.extensions?.code), what).toEqual(['QUERY_TOO_LARGE']);
    // No limit and no measured figure: nothing to bisect against.
    expect(answer.body.errors?.[0]?.message, what).not.toMatch(/\d/);
  };
  const expectRuns = (answer: Awaited<ReturnType<typeof post>>, what: string) => {
    expect(answer.status, what).toBe(200);
    expect(answer.text, what).not.toContain('QUERY_TOO_LARGE');
  };

  it('depth: 8 runs, 9 is refused', async () => {
    for (const { name, url } of entries) {
      expectRuns(await post(url, deep('id name'), staff), `${name} depth 8`);
      expectTooLarge(await post(url, deep('offers { id }'), staff), `${name} depth 9`);
    }
  });

  it('aliases: 10 run, 11 are refused', async () => {
    const aliased = (n: number) => `{ ${Array.from({ length: n }, (_v, i) => `w${i}: warehouses { id }`).join(' ')} }`;
    for (const { name, url } of entries) {
      expectRuns(await post(url, aliased(10), staff), `${name} 10 aliases`);
      expectTooLarge(await post(url, aliased(11), staff), `${name} 11 aliases`);
    }
  });

  it('directives, tokens and cost are bounded too', async () => {
    // One directive per field (graphql-js allows @include once per place).
    const directives = (n: number) => `query($yes: Boolean = true) { warehouses @include(if: $yes) { ${['id', 'name', 'kind', 'city', 'address'].map((f, i) => (i < n - 1 ? `${f} @include(if: $yes)` : f)).join(' ')} } }`;
    for (const { name, url } of entries) {
      expectRuns(await post(url, directives(5), staff), `${name} 5 directives`);
      expectTooLarge(await post(url, directives(6), staff), `${name} 6 directives`);
      // 600 tokens: refused by the parser before anything else looks at it.
      expectTooLarge(await post(url, `{ warehouses { ${'id '.repeat(597)}} }`, staff), `${name} tokens`);
      // Shallow, no alias, few tokens: pages of pages, 100 × 100, costlier than any client's operation by far.
      expectTooLarge(await post(url, `{ customers(first: 100) { edges { node { orders(first: 100) { totalCount } } } } }`, staff), `${name} cost`);
      expectRuns(await post(url, `{ customers(first: 100) { edges { node { id } } } }`, staff), `${name} one page`);
    }
  });

  it('a syntax error is GRAPHQL_PARSE_FAILED with HTTP 400, never 500', async () => {
    // Malformed texts, not clients' operations.
    for (const { name, url } of entries) {
      for (const text of ['{', 'query {', 'query { me { id }', '}}}']) {
        const answer = await post(url, text, staff);
        expect(answer.status, `${name}: ${text}`).toBe(400);
        expect(answer.body.errors?.[0]?.extensions?.code, `${name}: ${text}`).toBe('GRAPHQL_PARSE_FAILED');
      }
    }
  });
});
