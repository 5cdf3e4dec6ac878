import { loadConfig } from '../platform/config.js';
import { issueToken } from '../platform/identity.js';

/**
 * What the operator commands (`npm run sync:catalog`, `npm run reconcile` …) use to talk to the
 * running graph: its gateway (GATEWAY_URL, or the configured port on this machine) as an admin.
 */
export async function adminGraphql(command: string): Promise<{ url: string; gql: <T>(query: string, variables?: Record<string, unknown>) => Promise<T> }> {
  const config = loadConfig();
  const url = process.env.GATEWAY_URL ?? `http://127.0.0.1:${config.GATEWAY_PORT}/graphql`;
  const token = await issueToken(config.JWT_SECRET, `${command}-command`, ['admin'], '1h');
  return {
    url,
    async gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
      if (body.errors?.length) throw new Error(body.errors.map((e) => `${e.extensions?.code ?? ''} ${e.message}`).join('; '));
      return body.data!;
    },
  };
}
