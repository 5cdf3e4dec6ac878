import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apolloManifest, committedManifest, manifestOfDocuments } from '../scripts/operation-manifest.js';

describe('the clients’ operations', () => {
  it('the committed manifest is exactly the documents in clients/, each valid against the supergraph (run `npm run codegen`)', async () => {
    const documents = await manifestOfDocuments();
    expect(Object.keys(documents).length).toBeGreaterThanOrEqual(13);
    expect(await committedManifest()).toEqual(documents);
  });

  it('the build’s Apollo-format manifest names each operation, its type and its id = sha256 of its body', async () => {
    const manifest = apolloManifest(await committedManifest());
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    for (const operation of manifest.operations) expect(createHash('sha256').update(operation.body).digest('hex')).toBe(operation.id);
    const byName = Object.fromEntries(manifest.operations.map((o) => [o.name, o.type]));
    expect(byName).toMatchObject({ AccountPage: 'query', CheckoutQuote: 'query', PlaceOrder: 'mutation', RegisterCustomer: 'mutation', CancelOrder: 'mutation', ReturnPreview: 'query', ReturnOrderLines: 'mutation', CustomerByPhone: 'query', CustomerCard: 'query', StockByArticle: 'query', RecordPayment: 'mutation', Reconciliation: 'query' });
  });
});
