import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext, type ContextFunction } from '@apollo/server';
import { collectDefaultMetrics, register } from 'prom-client';
import { brokenCircuits } from './upstream-client.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

const MAX_BODY_BYTES = 1_000_000;
/** How far past the limit a body is still read (and dropped) so that its sender gets the 413 rather than a reset connection. */
const DRAIN_FACTOR = 8;

export class BodyTooLargeError extends Error {}

/**
 * Reads a request body, refusing anything over the limit. The rest of a body over it is read and
 * dropped: leaving the loop destroys the socket, and a client still sending would see a reset
 * connection instead of its 413. A body going on far past the limit is cut all the same.
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit * DRAIN_FACTOR) throw new BodyTooLargeError(`body over ${limit} bytes`);
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit) throw new BodyTooLargeError(`body over ${limit} bytes`);
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * How often the event-loop lag is sampled. prom-client's default (10 ms) wakes an idle process a
 * hundred times a second: 5–7 ms of CPU a second in each process, a third of what the graph spends
 * at rest (bench/README.md, eighth pass). A stall longer than this still shows (it holds up a sample,
 * by its length less at most this); the lag's percentiles come from ten samples a second, not a hundred.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * `/metrics` of any process: prom-client's process figures (CPU, memory, event-loop lag, handles)
 * and whatever the process's modules registered (upstream requests and breakers, subgraph calls).
 */
export function metricsRoute(): RouteHandler {
  // One registry per process and several servers per process (`npm start`): the defaults once.
  if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics({ eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return async (_req, res) => {
    const text = await register.metrics();
    res.writeHead(200, { 'content-type': register.contentType, 'content-length': Buffer.byteLength(text) }).end(text);
  };
}

/**
 * A `/ready` answer: 503 when the process cannot serve; otherwise 200, `degraded` with the
 * upstreams whose breaker is not closed — what does not need them is still served, so a load
 * balancer must keep sending traffic.
 */
export function sendReadiness(res: ServerResponse, ready: boolean, details: Record<string, unknown> = {}): void {
  const upstreams = brokenCircuits();
  const status = !ready ? 'not ready' : upstreams.length > 0 ? 'degraded' : 'ready';
  sendJson(res, ready ? 200 : 503, { status, ...details, ...(upstreams.length > 0 ? { upstreams } : {}) });
}

/**
 * Serves an Apollo Server on node:http: POST/GET on `path`, plus extra routes (health, readiness,
 * a playground). Small enough to own, and it keeps Express out of the hot path.
 */
export function apolloHandler<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  context: ContextFunction<[{ req: IncomingMessage }], TContext>,
): RouteHandler {
  return async (req, res) => {
    let body: unknown;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req);
      } catch (error) {
        if (error instanceof BodyTooLargeError) return sendJson(res, 413, { errors: [{ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } }] });
        throw error;
      }
      try {
        body = text.length > 0 ? JSON.parse(text) : {};
      } catch {
        return sendJson(res, 400, { errors: [{ message: 'Body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const result = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method?.toUpperCase() ?? 'GET', headers, search: url.search, body },
      context: () => context({ req }),
    });
    for (const [key, value] of result.headers) res.setHeader(key, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

// Set when the process begins to stop: a server closed before then (tests, start-up failures) closes
// at once; one closed during a shutdown first lets its requests in flight finish, until this time.
let drainUntil = 0;
const drainWaiters = new Set<() => void>();

/** The process is stopping: servers closed from now on wait up to `graceMs` for their requests in flight. */
export function beginDrain(graceMs: number): void {
  drainUntil = Date.now() + graceMs;
}

/** Stop waiting: every server closing now, or later, cuts its requests in flight at once. */
export function endDrain(): void {
  drainUntil = 0;
  for (const wake of drainWaiters) wake();
}

/**
 * Listens with a route table; unknown paths get 404, thrown errors a bare 500. Closing stops new
 * connections at once, answers requests that still arrive on kept-alive ones with 503, and (while
 * the process drains, `beginDrain`) waits for the requests in flight before it cuts the rest.
 */
export async function listen(routes: Record<string, RouteHandler>, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  let inFlight = 0;
  let closing = false;
  let idle: (() => void) | undefined;
  const server = createServer((req, res) => {
    if (closing) return sendJson(res, 503, { error: 'shutting down' }, { connection: 'close', 'retry-after': '1' });
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = routes[path] ?? routes['*'];
    if (!handler) return sendJson(res, 404, { error: 'not found' });
    Promise.resolve(handler(req, res)).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const drain = async () => {
    const wait = drainUntil - Date.now();
    if (inFlight === 0 || wait <= 0) return;
    let wake!: () => void;
    const done = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(wake, wait);
    idle = wake;
    drainWaiters.add(wake);
    await done;
    clearTimeout(timer);
    drainWaiters.delete(wake);
  };
  return {
    server,
    port: address.port,
    url: `http://${host}:${address.port}`,
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await drain();
      server.closeAllConnections();
      await closed;
    },
  };
}
