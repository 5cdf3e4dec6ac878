import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, readSupergraph } from '../scripts/supergraph.js';

describe('schema', () => {
  it('the committed supergraph is what the subgraph schemas compose to (run `npm run compose`)', async () => {
    expect(await readSupergraph()).toBe(await composeSupergraph());
  });

  it('generated resolver types match the schemas (run `npm run codegen`)', async () => {
    const run = promisify(execFile);
    await expect(run('npx', ['graphql-codegen', '--config', 'codegen.ts', '--check'], { timeout: 120_000 })).resolves.toBeDefined();
  }, 120_000);
});
