import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));
export const SUPERGRAPH_FILE = `${SCHEMA_DIR}supergraph.graphql`;

/**
 * The subgraphs of the graph and their default URLs. The URLs baked into the supergraph are the
 * embedded default's; the gateway overrides them from its config.
 */
export const SUBGRAPHS = [
  { name: 'customer', url: 'http://127.0.0.1:4001/graphql' },
  { name: 'order', url: 'http://127.0.0.1:4002/graphql' },
  { name: 'loyalty', url: 'http://127.0.0.1:4003/graphql' },
  { name: 'inventory', url: 'http://127.0.0.1:4004/graphql' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

/** Composes `schema/<name>.graphql` into a Federation 2 supergraph; throws with every composition error. */
export async function composeSupergraph(): Promise<string> {
  const files = new Set(await readdir(SCHEMA_DIR));
  const services = await Promise.all(
    SUBGRAPHS.map(async ({ name, url }) => {
      if (!files.has(`${name}.graphql`)) throw new Error(`schema/${name}.graphql is missing`);
      return { name, url, typeDefs: parse(await readFile(`${SCHEMA_DIR}${name}.graphql`, 'utf8')) };
    }),
  );
  const result = composeServices(services);
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  return `${result.supergraphSdl.trimEnd()}\n`;
}

export async function readSupergraph(): Promise<string> {
  return readFile(SUPERGRAPH_FILE, 'utf8');
}
