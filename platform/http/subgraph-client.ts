import { AppError, ERROR_CODES, type ErrorCode } from '../errors.js';
import { IDENTITY_HEADER, identitySigner, type Identity } from '../identity.js';

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

/** A client for subgraph-to-subgraph calls inside the graph, carrying a signed identity like the gateway's. */
export function createSubgraphClient(options: SubgraphClientOptions): SubgraphClient {
  const sign = identitySigner(options.identitySecret);
  const tokenFor = (identity?: Identity): Promise<string> => sign(identity ?? { kind: 'service', service: options.service });
  const unavailable = (why: string) => new AppError('UPSTREAM_UNAVAILABLE', `A part of the graph is unavailable (${why})`);

  return {
    async request<T>(query: string, variables: Record<string, unknown> = {}, identity?: Identity): Promise<T> {
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: await tokenFor(identity) },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw unavailable(error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'unreachable');
      }
      const body = (await response.json().catch(() => undefined)) as { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] } | undefined;
      const first = body?.errors?.[0];
      if (first) {
        const { code, ...details } = first.extensions ?? {};
        if (typeof code === 'string' && KNOWN.has(code) && code !== 'INTERNAL_SERVER_ERROR') throw new AppError(code as ErrorCode, first.message, details);
        throw unavailable(`error ${typeof code === 'string' ? code : response.status}`);
      }
      if (!response.ok || !body?.data) throw unavailable(`status ${response.status}`);
      return body.data;
    },
  };
}
