import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CaptureServer } from '../../test/support/capture-server.js';
import { UpstreamClient, upstreamRoute } from './upstream-client.js';

describe('the route an upstream failure is logged under', () => {
  it('has no query string and no key: phones, numbers, UUIDs and OData keys become placeholders', () => {
    expect(upstreamRoute('/api/v5/customers/9b2c6d1e-4f3a-4b5c-8d7e-0f1a2b3c4d5e?by=externalId&site=shop')).toBe('/api/v5/customers/:id');
    expect(upstreamRoute('/api/v5/orders/4770/edit')).toBe('/api/v5/orders/:id/edit');
    expect(upstreamRoute('/customer/79161234567/balance')).toBe('/customer/:id/balance');
    expect(upstreamRoute('/customer/%2B79161234567')).toBe('/customer/:id');
    expect(upstreamRoute("/odata/standard.odata/Catalog_Номенклатура(guid'1f2e3d4c')?$format=json")).toBe('/odata/standard.odata/Catalog_Номенклатура(:key)');
    expect(upstreamRoute('/api/retail/calc')).toBe('/api/retail/calc');
  });
});

describe('upstream figures on /metrics', () => {
  it('counts and times each request under its system and route, never under a key', async () => {
    const upstream = await new CaptureServer().start();
    upstream.reply(200, {});
    upstream.reply(404, {});
    const client = new UpstreamClient({ system: 'bonusplus', baseUrl: upstream.url, timeoutMs: 5_000, maxRetries: 0 });
    try {
      await client.send({ method: 'GET', path: '/customer/%2B79161234567', idempotent: true });
      await client.send({ method: 'GET', path: '/customer/%2B79167654321', idempotent: true });
    } finally {
      await client.close();
      await upstream.stop();
    }
    const text = await register.metrics();
    expect(text).toContain('upstream_requests_total{system="bonusplus",method="GET",route="/customer/:id",outcome="200"} 1');
    expect(text).toContain('upstream_requests_total{system="bonusplus",method="GET",route="/customer/:id",outcome="404"} 1');
    expect(text).toMatch(/upstream_request_seconds_count\{system="bonusplus",route="\/customer\/:id"\} 2/);
    expect(text).not.toContain('79161234567');
  });
});
