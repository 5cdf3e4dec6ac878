import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER } from '../platform/identity.js';
import { DEADLINE_HEADER, subgraphFetcher, SubgraphUnavailableError, type SubgraphFetcher } from './subgraph-fetch.js';

/** A subgraph stand-in that holds every reply until the test releases it, and counts what arrived. */
let server: Server;
let url: string;
let received: { identity: string; body: string }[] = [];
let held: (() => void)[] = [];
let fetcher: SubgraphFetcher;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const call = { identity: String(req.headers[IDENTITY_HEADER] ?? ''), body };
      received.push(call);
      const n = received.length;
      held.push(() => {
        const status = body.includes('broken') ? 502 : 200;
        res.writeHead(status, { 'content-type': 'application/json', 'x-call': String(n) }).end(JSON.stringify({ data: { call: n, nested: { seen: [] } } }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

afterEach(async () => {
  releaseAll();
  await fetcher?.close();
  received = [];
  held = [];
});

function releaseAll() {
  const waiting = held;
  held = [];
  for (const reply of waiting) reply();
}

/** Waits until the stand-in has received `n` calls. */
async function arrived(n: number) {
  for (let i = 0; i < 200 && received.length < n; i++) await new Promise((r) => setTimeout(r, 5));
  expect(received).toHaveLength(n);
}

const post = (body: object, identity = 'signed-alice') =>
  fetcher.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: identity }, body: JSON.stringify(body) });

// What the gateway's query planner sends a subgraph (its protocol, not a client's document); toy texts elsewhere here are never parsed.
const READ = { query: 'query Account__customer__0{me{id}}', variables: {} };
const WRITE = { query: 'mutation Place__order__0($input:PlaceOrderInput!){placeOrder(input:$input){order{id}}}', variables: { input: {} } };

describe('subgraph fetcher', () => {
  it('sends identical reads of one caller once, and gives each its own parsed reply', async () => {
    fetcher = subgraphFetcher();
    const replies = Array.from({ length: 5 }, () => post(READ));
    await arrived(1);
    releaseAll();
    const bodies = await Promise.all((await Promise.all(replies)).map((r) => r.json() as Promise<{ data: { call: number; nested: { seen: string[] } } }>));
    expect(bodies.map((b) => b.data.call)).toEqual([1, 1, 1, 1, 1]);
    bodies[0]!.data.nested.seen.push('merged by request 0');
    expect(bodies[1]!.data.nested.seen).toEqual([]);
    expect(fetcher.counts).toEqual({ sent: 1, joined: 4 });
  });

  it('does not join reads of different callers, different bodies, or a read that has answered', async () => {
    fetcher = subgraphFetcher();
    const first = [post(READ, 'signed-alice'), post(READ, 'signed-bob'), post({ ...READ, variables: { x: 1 } }, 'signed-alice')];
    await arrived(3);
    releaseAll();
    await Promise.all(first);
    const again = post(READ, 'signed-alice');
    await arrived(4);
    releaseAll();
    expect((await again).headers.get('x-call')).toBe('4');
    expect(fetcher.counts.joined).toBe(0);
  });

  it('never joins mutations', async () => {
    fetcher = subgraphFetcher();
    const writes = [post(WRITE), post(WRITE)];
    await arrived(2);
    releaseAll();
    expect((await Promise.all(writes)).map((r) => r.status)).toEqual([200, 200]);
  });

  it("lets a caller read its own write: a read after the caller's mutation does not join an older read", async () => {
    fetcher = subgraphFetcher();
    const before = post(READ);
    await arrived(1);
    const write = post(WRITE);
    await arrived(2);
    held.splice(1, 1)[0]!(); // the mutation answers while the older read still waits
    await write;
    const after = post(READ);
    await arrived(3);
    releaseAll();
    expect((await before).headers.get('x-call')).toBe('1');
    expect((await after).headers.get('x-call')).toBe('3');
  });

  it('passes a failed reply on with its status', async () => {
    fetcher = subgraphFetcher();
    const reply = post({ query: 'query broken{x}' });
    await arrived(1);
    releaseAll();
    const response = await reply;
    expect([response.status, response.ok, response.statusText]).toEqual([502, false, 'Bad Gateway']);
  });
});

describe('time limits on subgraph calls', () => {
  it('a subgraph that never answers fails the call as unavailable (timeout), once: the call is not sent again', async () => {
    fetcher = subgraphFetcher({ timeoutMs: 100 });
    const error = await fetcher.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"mutation { never }"}' }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(SubgraphUnavailableError);
    expect((error as SubgraphUnavailableError).reason).toBe('timeout');
    expect(received).toHaveLength(1);
  });

  it("a request whose deadline has passed sends nothing; one near its deadline gets only what is left", async () => {
    fetcher = subgraphFetcher({ timeoutMs: 60_000 });
    const past = await fetcher.fetch(url, { method: 'POST', headers: { [DEADLINE_HEADER]: String(Date.now() - 1) }, body: '{"query":"{ a }"}' }).then(() => undefined, (e: unknown) => e);
    expect((past as SubgraphUnavailableError).reason).toBe('deadline');
    expect(received).toHaveLength(0);
    const near = await fetcher.fetch(url, { method: 'POST', headers: { [DEADLINE_HEADER]: String(Date.now() + 100) }, body: '{"query":"{ b }"}' }).then(() => undefined, (e: unknown) => e);
    expect((near as SubgraphUnavailableError).reason).toBe('deadline');
    expect(received).toHaveLength(1);
  });

  it('a subgraph that is not there is unavailable (unreachable), with no retry', async () => {
    fetcher = subgraphFetcher({ timeoutMs: 5_000 });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const error = await fetcher.fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body: '{"query":"{ c }"}' }).then(() => undefined, (e: unknown) => e);
    expect((error as SubgraphUnavailableError).reason).toBe('unreachable');
    expect(fetcher.counts.sent).toBe(1);
  });
});
