import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER } from '../platform/identity.js';
import { subgraphFetcher, type SubgraphFetcher } from './subgraph-fetch.js';

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
