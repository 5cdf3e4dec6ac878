import { describe, expect, it } from 'vitest';
import { freePort } from '../test/support/free-port.js';
import { adminGraphql } from './admin-client.js';

describe('operator commands when the gateway cannot be reached', () => {
  it('name the address and the refusal instead of "fetch failed"', async () => {
    const port = await freePort();
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
