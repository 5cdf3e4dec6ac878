import { Agent, request } from 'undici';
import { AppError, ERROR_CODES, type ErrorCode } from '../errors.js';
import { IDENTITY_HEADER, identitySigner, type Identity } from '../identity.js';
import { currentRequestId, REQUEST_ID_HEADER } from '../request-context.js';

// The request this call serves travels on with it; a periodic task's call carries none.
const requestIdHeader = (): Record<string, string> => {
  const id = currentRequestId();
  return id ? { [REQUEST_ID_HEADER]: id } : {};
};

export interface SubgraphClientOptions {
  readonly url: string;
  readonly identitySecret: string;
  /** Who we are when no caller identity is passed on. */
  readonly service: string;
  readonly timeoutMs: number;
}

export interface SubgraphClient {
  /**
   * Runs an operation against another subgraph, as this service or on behalf of `identity`. A
   * typed error of the other subgraph is rethrown as the same AppError; an unreachable or failing
   * subgraph is UPSTREAM_UNAVAILABLE.
   */
  request<T>(query: string, variables?: Record<string, unknown>, identity?: Identity): Promise<T>;
}

const KNOWN = new Set<string>(ERROR_CODES);

/**
 * One keep-alive pool for the calls between subgraphs, through undici's `request` rather than
 * `fetch`: fetch wraps each call in web streams and an AbortSignal, which cost more CPU than a
 * short call's own work (see the gateway's subgraph-fetch.ts and bench/README.md).
 */
const pool = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** A client for subgraph-to-subgraph calls inside the graph, carrying a signed identity like the gateway's. */
export function createSubgraphClient(options: SubgraphClientOptions): SubgraphClient {
  const sign = identitySigner(options.identitySecret);
  const tokenFor = (identity?: Identity): Promise<string> => sign(identity ?? { kind: 'service', service: options.service });
  const unavailable = (why: string) => new AppError('UPSTREAM_UNAVAILABLE', `A part of the graph is unavailable (${why})`);

  return {
    async request<T>(query: string, variables: Record<string, unknown> = {}, identity?: Identity): Promise<T> {
      let status: number;
      let text: string;
      try {
        const response = await request(options.url, {
          dispatcher: pool,
          method: 'POST',
          headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: await tokenFor(identity), ...requestIdHeader() },
          body: JSON.stringify({ query, variables }),
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        });
        status = response.statusCode;
        text = await response.body.text();
      } catch (error) {
        throw unavailable(TIMEOUTS.has((error as { code?: string }).code ?? '') ? 'timeout' : 'unreachable');
      }
      let body: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] } | undefined;
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        body = undefined;
      }
      const first = body?.errors?.[0];
      if (first) {
        const { code, ...details } = first.extensions ?? {};
        if (typeof code === 'string' && KNOWN.has(code) && code !== 'INTERNAL_SERVER_ERROR') throw new AppError(code as ErrorCode, first.message, details);
        throw unavailable(`error ${typeof code === 'string' ? code : status}`);
      }
      if (status < 200 || status >= 300 || !body?.data) throw unavailable(`status ${status}`);
      return body.data;
    },
  };
}
