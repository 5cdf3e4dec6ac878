import { describe, expect, it } from 'vitest';
import { upstreamRoute } from './upstream-client.js';

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
