import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layering a newcomer can rely on: a subgraph's folder can be deleted or replaced without
 * touching another's. What crosses a subgraph boundary (an outbox message: topic, payload type and
 * its schema) lives in `contracts/`, owned by its producer and read by its consumer.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SUBGRAPHS = join(ROOT, 'subgraphs');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every relative import of a file, resolved to a path from the repository's root. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)]
    .map((m) => m[1] ?? m[2]!)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(ROOT, resolve(dirname(file), spec)));
}

const subgraphOf = (path: string) => /^subgraphs\/([^/]+)\//.exec(path)?.[1];

describe('layout', () => {
  it('no subgraph imports another subgraph’s folder (shared messages live in contracts/)', () => {
    const crossings: string[] = [];
    let checked = 0;
    for (const file of sourcesUnder(SUBGRAPHS)) {
      const from = subgraphOf(relative(ROOT, file));
      for (const target of importsOf(file)) {
        checked++;
        const to = subgraphOf(target);
        if (to && from && to !== from) crossings.push(`${relative(ROOT, file)} → ${target}`);
      }
    }
    expect(checked).toBeGreaterThan(100); // the scan did read the imports
    expect(crossings).toEqual([]);
  });

  it('contracts/ depend on nothing of a subgraph', () => {
    const crossings = sourcesUnder(join(ROOT, 'contracts')).flatMap((file) => importsOf(file).filter((t) => t.startsWith('subgraphs/')).map((t) => `${relative(ROOT, file)} → ${t}`));
    expect(crossings).toEqual([]);
  });
});
