import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { adminGraphql } from './admin-client.js';

/** A port on this machine that nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('operator commands when the gateway cannot be reached', () => {
  it('name the address and the refusal instead of "fetch failed"', async () => {
    const port = await closedPort();
    process.env.GATEWAY_URL = `http://127.0.0.1:${port}/graphql`;
    try {
      const { gql } = await adminGraphql('test');
      const error = await gql('{ __typename }').then(() => undefined, (e: Error) => e);
      expect(error?.message).toContain(`127.0.0.1:${port}`);
      expect(error?.message).toContain('ECONNREFUSED');
      expect(error?.message).toContain('is the graph running');
      expect(error?.message).not.toBe('fetch failed');
    } finally {
      delete process.env.GATEWAY_URL;
    }
  });
});
