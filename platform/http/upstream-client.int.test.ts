import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamClient } from './upstream-client.js';

let url: string;
const arrivals: number[] = [];
const server = createServer((_req, res) => {
  arrivals.push(Date.now());
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the upstream client’s request limit', () => {
  it('lets a burst up to the limit go at once and never starts more than the limit in any second', async () => {
    const client = new UpstreamClient({ system: 'retailcrm', baseUrl: url, timeoutMs: 5000, requestsPerSecond: 10 });
    arrivals.length = 0;
    await Promise.all(Array.from({ length: 25 }, () => client.send({ method: 'GET', path: '/', idempotent: true })));
    await client.close();
    arrivals.sort((a, b) => a - b);
    expect(arrivals).toHaveLength(25);
    // The first ten are not spaced out: paced one by one they would span at least 0.95 s, so anything
    // under that tells the two apart, with the rest of the second as room for a busy machine.
    expect(arrivals[9]! - arrivals[0]!).toBeLessThan(900);
    // Starts are a window (1.05 s) apart for every eleventh request; what arrives may shift by the
    // event loop's delays on a busy machine, which is what the 5 % margin is for.
    for (let i = 10; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 10]!).toBeGreaterThanOrEqual(950);
  });
});
