import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { loadConfig } from '../platform/config.js';
import { issueToken } from '../platform/identity.js';

export interface AdminGraphql {
  readonly url: string;
  /** Sends one of the admin client's documents (clients/admin/), or an operation's text, and returns its data; GraphQL errors throw. */
  gql<TData, TVariables = Record<string, unknown>>(query: TypedDocumentNode<TData, TVariables> | string, variables?: TVariables): Promise<TData>;
}

/**
 * What the operator commands (`npm run sync:catalog`, `npm run reconcile` …) use to talk to the
 * running graph: its gateway (GATEWAY_URL, or the configured port on this machine) as an admin.
 */
export async function adminGraphql(command: string): Promise<AdminGraphql> {
  const config = loadConfig();
  const url = process.env.GATEWAY_URL ?? `http://127.0.0.1:${config.GATEWAY_PORT}/graphql`;
  const token = await issueToken(config.JWT_SECRET, `${command}-command`, ['admin'], '1h');
  return {
    url,
    async gql<TData, TVariables>(query: TypedDocumentNode<TData, TVariables> | string, variables?: TVariables): Promise<TData> {
      const text = typeof query === 'string' ? query : print(query);
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: text, variables: variables ?? {} }) });
      } catch (error) {
        throw new Error(unreachable(url, error));
      }
      const reply = await res.text();
      let body: { data?: TData; errors?: { message: string; extensions?: { code?: string } }[] };
      try {
        body = JSON.parse(reply);
      } catch {
        throw new Error(`${url} answered HTTP ${res.status} with no GraphQL reply: ${reply.slice(0, 200)}`);
      }
      if (body.errors?.length) throw new Error(body.errors.map((e) => `${e.extensions?.code ?? ''} ${e.message}`).join('; '));
      return body.data!;
    },
  };
}

/**
 * Why the gateway could not be reached, in words an operator can act on: undici's `fetch failed`
 * hides the cause (a refused connection, an unknown host, a timeout) one level down.
 */
export function unreachable(url: string, error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string; address?: string; port?: number } })?.cause;
  const where = cause?.address ? `${cause.address}${cause.port ? `:${cause.port}` : ''}` : new URL(url).host;
  const why =
    cause?.code === 'ECONNREFUSED' ? 'connection refused: is the graph running (npm start), and is GATEWAY_URL or GATEWAY_PORT right?'
    : cause?.code === 'ENOTFOUND' ? 'unknown host: check GATEWAY_URL'
    : cause?.code === 'ETIMEDOUT' || cause?.code === 'UND_ERR_CONNECT_TIMEOUT' ? 'the connection timed out'
    : (cause?.message ?? (error instanceof Error ? error.message : String(error)));
  return `cannot reach the gateway at ${url} (${where}${cause?.code ? `, ${cause.code}` : ''}): ${why}`;
}
