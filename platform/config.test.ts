import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const secrets = { JWT_SECRET: 'prod-like-jwt-secret-9f3a1c7e5b2d4f6a8c0e', GATEWAY_IDENTITY_SECRET: 'prod-like-identity-secret-1b3d5f7a9c2e4a6c8e0f' };

describe('production configuration', () => {
  it('requires an issuer and an audience for caller tokens', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ...secrets })).toThrow(/JWT_ISSUER and JWT_AUDIENCE/);
    expect(() => loadConfig({ NODE_ENV: 'production', ...secrets, JWT_ISSUER: 'https://id.example' })).toThrow(/JWT_ISSUER and JWT_AUDIENCE/);
    const config = loadConfig({ NODE_ENV: 'production', ...secrets, JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'retail-graph' });
    expect([config.JWT_MAX_CUSTOMER_TTL_HOURS, config.JWT_MAX_STAFF_TTL_HOURS]).toEqual([24, 12]);
    // Development keeps working without them.
    expect(loadConfig({ NODE_ENV: 'development' }).JWT_ISSUER).toBeUndefined();
  });
});
