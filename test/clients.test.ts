import { describe, expect, it } from 'vitest';
import { committedManifest, manifestOfDocuments } from '../scripts/operation-manifest.js';

describe('the clients’ operations', () => {
  it('the committed manifest is exactly the documents in clients/, each valid against the supergraph (run `npm run codegen`)', async () => {
    const documents = await manifestOfDocuments();
    expect(Object.keys(documents).length).toBeGreaterThanOrEqual(13);
    expect(await committedManifest()).toEqual(documents);
  });
});
