import { STATUS_CODES } from 'node:http';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Counter, Histogram, register } from 'prom-client';
import { Agent, Headers } from 'undici';
import { IDENTITY_HEADER } from '../platform/identity.js';

/** The fetch RemoteGraphQLDataSource takes, and what it reads of a reply. */
export type Fetcher = NonNullable<NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>['fetcher']>;
type FetcherRequestInit = NonNullable<Parameters<Fetcher>[1]>;
type FetcherResponse = Awaited<ReturnType<Fetcher>>;
type FetcherHeaders = FetcherResponse['headers'];

const subgraphCalls =
  (register.getSingleMetric('gateway_subgraph_calls_total') as Counter<string> | undefined) ??
  new Counter({ name: 'gateway_subgraph_calls_total', help: 'Subgraph calls of the gateway: sent, or joined to an identical read in flight', labelNames: ['outcome'] });
const subgraphSeconds =
  (register.getSingleMetric('gateway_subgraph_request_seconds') as Histogram<string> | undefined) ??
  new Histogram({
    name: 'gateway_subgraph_request_seconds',
    help: 'Latency of the calls the gateway sends to each subgraph; outcome ok (2xx), http_error (any other status) or unavailable (no answer)',
    labelNames: ['subgraph', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

/**
 * How the gateway calls its subgraphs.
 *
 * - undici's `request` on one keep-alive pool, not `fetch`: WHATWG fetch wraps every call in web
 *   streams and an AbortSignal, and under the account-page load that was about half of the
 *   gateway's own CPU (bench/README.md). A subgraph reply is small JSON, so it is read whole.
 * - Identical reads in flight are sent once: a query whose subgraph, body and signed identity are
 *   those of a call still waiting for its reply joins that call. Each caller parses the reply
 *   itself, so no two requests share an object the gateway later merges into. Mutations are never
 *   joined, and once a caller's mutation has answered, no later read of that caller joins a read
 *   that started before it (the caller reads its own writes).
 */

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A subgraph reply read whole, in the shape RemoteGraphQLDataSource reads. */
class BufferedResponse implements FetcherResponse {
  readonly bodyUsed = false;
  readonly redirected = false;
  readonly headers: FetcherHeaders;

  constructor(
    readonly url: string,
    private readonly reply: Reply,
  ) {
    const headers = new Headers();
    for (const [name, value] of Object.entries(reply.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    this.headers = headers as unknown as FetcherHeaders;
  }

  get status() {
    return this.reply.status;
  }
  get ok() {
    return this.reply.status >= 200 && this.reply.status < 300;
  }
  get statusText() {
    return STATUS_CODES[this.reply.status] ?? '';
  }
  async text() {
    return this.reply.body;
  }
  async json() {
    return JSON.parse(this.reply.body) as unknown;
  }
  async arrayBuffer() {
    const bytes = Buffer.from(this.reply.body);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  clone() {
    return new BufferedResponse(this.url, this.reply);
  }
}

/** A subgraph operation the planner wrote is a read when it starts with `query` or `{`. */
const READ = /^\{"query":"\s*(?:query\b|\{)/;

export interface SubgraphFetcher {
  readonly fetch: Fetcher;
  /** Names the subgraph at `url` in the figures (`gateway_subgraph_request_seconds`); returns the URL. Unnamed URLs count as `other`. */
  named(url: string, subgraph: string): string;
  /** Calls sent to a subgraph and calls that joined one in flight, since start. */
  readonly counts: { sent: number; joined: number };
  close(): Promise<void>;
}

/** Carries the request's deadline (epoch ms) from the data source to the fetcher, and on to the subgraph. */
export const DEADLINE_HEADER = 'x-retail-deadline';

/**
 * A subgraph that did not answer in time, or could not be reached, or died mid-reply. The gateway
 * answers the other subgraphs' part with one UPSTREAM_UNAVAILABLE error for this one; nothing is
 * retried, so a mutation is never sent twice.
 */
export class SubgraphUnavailableError extends Error {
  constructor(readonly reason: 'timeout' | 'deadline' | 'unreachable', detail: string) {
    super(`subgraph unavailable (${reason}): ${detail}`);
    this.name = 'SubgraphUnavailableError';
  }
}

export interface SubgraphFetcherOptions {
  readonly connections?: number;
  /** The most one subgraph call may take (GATEWAY_SUBGRAPH_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

export function subgraphFetcher(options: SubgraphFetcherOptions = {}): SubgraphFetcher {
  const pool = new Agent({ connections: options.connections ?? 128, keepAliveTimeout: 30_000 });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const targets = new Map<string, { origin: string; path: string }>();
  const names = new Map<string, string>();
  const inFlight = new Map<string, Promise<Reply>>();
  /** The in-flight read keys of each identity, so that its mutation can close them to new joiners. */
  const readsOf = new Map<string, Set<string>>();
  const counts = { sent: 0, joined: 0 };

  const send = async (url: string, init: FetcherRequestInit): Promise<Reply> => {
    let target = targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      targets.set(url, target);
    }
    const deadline = Number(init.headers?.[DEADLINE_HEADER] ?? Number.POSITIVE_INFINITY);
    const budget = Math.min(timeoutMs, deadline - Date.now());
    if (!(budget > 0)) throw new SubgraphUnavailableError('deadline', `the request's deadline passed before ${target.origin} was called`);
    counts.sent++;
    subgraphCalls.inc({ outcome: 'sent' });
    // One timer for the whole call (headers and body): a stopped process sends neither.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), budget);
    const stop = subgraphSeconds.startTimer({ subgraph: names.get(url) ?? 'other' });
    try {
      const response = await pool.request({ origin: target.origin, path: target.path, method: (init.method ?? 'POST') as 'POST', headers: init.headers ?? {}, body: init.body ?? null, signal: abort.signal });
      const reply = { status: response.statusCode, headers: response.headers, body: await response.body.text() };
      stop({ outcome: reply.status >= 200 && reply.status < 300 ? 'ok' : 'http_error' });
      return reply;
    } catch (error) {
      stop({ outcome: 'unavailable' });
      if (abort.signal.aborted) throw new SubgraphUnavailableError(budget < timeoutMs ? 'deadline' : 'timeout', `${target.origin} gave no answer within ${Math.round(budget)} ms`);
      throw new SubgraphUnavailableError('unreachable', `${target.origin}: ${(error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error))}`);
    } finally {
      clearTimeout(timer);
    }
  };

  const fetch: Fetcher = async (url, init = {}) => {
    const body = typeof init.body === 'string' ? init.body : undefined;
    const identity = init.headers?.[IDENTITY_HEADER] ?? '';
    if (body === undefined || !READ.test(body)) {
      try {
        return new BufferedResponse(url, await send(url, init));
      } finally {
        // Reads of this caller already in flight began before the write: later reads do not join them.
        for (const key of readsOf.get(identity) ?? []) inFlight.delete(key);
        readsOf.delete(identity);
      }
    }
    const key = `${url}\n${identity}\n${body}`;
    let reply = inFlight.get(key);
    if (reply) {
      counts.joined++;
      subgraphCalls.inc({ outcome: 'joined' });
    } else {
      reply = send(url, init);
      inFlight.set(key, reply);
      const keys = readsOf.get(identity) ?? new Set<string>();
      keys.add(key);
      readsOf.set(identity, keys);
      const settled = () => {
        if (inFlight.get(key) === reply) inFlight.delete(key);
        keys.delete(key);
        if (keys.size === 0 && readsOf.get(identity) === keys) readsOf.delete(identity);
      };
      reply.then(settled, settled);
    }
    return new BufferedResponse(url, await reply);
  };

  const named = (url: string, subgraph: string) => {
    names.set(url, subgraph);
    return url;
  };
  return { fetch, named, counts, close: () => pool.close() };
}
