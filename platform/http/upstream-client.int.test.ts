import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamClient } from './upstream-client.js';

let url: string;
const arrivals: number[] = [];
/** How many of the next requests the server refuses with 429 and `Retry-After: 1`. */
let refuseNext = 0;
const server = createServer((_req, res) => {
  arrivals.push(Date.now());
  if (refuseNext > 0) {
    refuseNext--;
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end('{}');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the upstream client’s request limit', () => {
  it('never starts more than the limit in any second', async () => {
    const client = new UpstreamClient({ system: 'retailcrm', baseUrl: url, timeoutMs: 5000, requestsPerSecond: 10 });
    arrivals.length = 0;
    await Promise.all(Array.from({ length: 25 }, () => client.send({ method: 'GET', path: '/', idempotent: true })));
    await client.close();
    arrivals.sort((a, b) => a - b);
    expect(arrivals).toHaveLength(25);
    // Starts are paced one slot (1.1 × 1/rps) apart, so any eleven span 1.1 s; what arrives may shift by
    // the event loop's delays on a busy machine, which is what the 10 % margin is for.
    for (let i = 10; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 10]!).toBeGreaterThanOrEqual(1_000);
  });

  // Across clients and processes: upstream-budget.int.test.ts.
  it('waits out the Retry-After of a rate-limit answer before its next request, the retry and the others alike', async () => {
    const client = new UpstreamClient({ system: 'retailcrm', baseUrl: url, timeoutMs: 5000, requestsPerSecond: 100 });
    arrivals.length = 0;
    refuseNext = 1;
    await client.send({ method: 'GET', path: '/', idempotent: true });
    const refusedAt = arrivals[0]!;
    await Promise.all(Array.from({ length: 5 }, () => client.send({ method: 'GET', path: '/', idempotent: true })));
    await client.close();
    // The refused request, its retry, then the five: none of them inside the second it was told to wait.
    expect(arrivals).toHaveLength(7);
    expect(arrivals.slice(1).filter((at) => at < refusedAt + 1_000)).toEqual([]);
  });
});
