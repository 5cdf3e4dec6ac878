import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Supergraph } from '@apollo/federation-internals';
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import { buildASTSchema, getOperationAST, parse, validate, type GraphQLSchema } from 'graphql';
import { readSupergraph } from './supergraph.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const CLIENTS_DIR = `${ROOT}clients/`;
export const MANIFEST_PATH = 'clients/__generated__/persisted-documents.json';

/** What clients may ask: the committed supergraph without its join directives and @inaccessible fields. */
export async function clientSchema(): Promise<GraphQLSchema> {
  // Built from the AST by this module's graphql: federation's own GraphQLSchema may come from graphql's other (CJS) build.
  return buildASTSchema(Supergraph.build(await readSupergraph()).apiSchema().toAST());
}

/**
 * The manifest the clients' documents (clients/**\/*.graphql) make: id (sha256 hex of the canonical
 * print, the client preset's own rule) → that print. Throws, naming the file, for a document with
 * other than one named operation or one that the schema refuses.
 */
export async function manifestOfDocuments(schema?: GraphQLSchema): Promise<Record<string, string>> {
  const api = schema ?? (await clientSchema());
  const files = (await readdir(CLIENTS_DIR, { recursive: true })).filter((f) => f.endsWith('.graphql')).sort();
  if (files.length === 0) throw new Error('clients/ holds no .graphql document');
  const entries = await Promise.all(
    files.map(async (file) => {
      const document = parse(await readFile(`${CLIENTS_DIR}${file}`, 'utf8'));
      const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
      if (operations.length !== 1 || !operations[0]!.name) throw new Error(`clients/${file}: one named operation per document`);
      const errors = validate(api, document);
      if (errors.length) throw new Error(`clients/${file}: ${errors.map((e) => e.message).join('; ')}`);
      const body = printExecutableGraphQLDocument(document);
      return [createHash('sha256').update(body).digest('hex'), body] as const;
    }),
  );
  return Object.fromEntries(entries);
}

export async function committedManifest(): Promise<Record<string, string>> {
  return JSON.parse(await readFile(`${ROOT}${MANIFEST_PATH}`, 'utf8')) as Record<string, string>;
}

/** Apollo's persisted-query manifest format, which Apollo Router (and Hive Gateway) enforce as a safelist. */
export interface ApolloPersistedQueryManifest {
  readonly format: 'apollo-persisted-query-manifest';
  readonly version: 1;
  readonly operations: readonly { readonly id: string; readonly name: string; readonly type: 'query' | 'mutation' | 'subscription'; readonly body: string }[];
}

/** The same safelist for a team that serves the supergraph with Apollo Router instead (README, "Scaling out"). */
export function apolloManifest(manifest: Readonly<Record<string, string>>): ApolloPersistedQueryManifest {
  const operations = Object.entries(manifest).map(([id, body]) => {
    const operation = getOperationAST(parse(body));
    if (!operation?.name) throw new Error(`manifest entry ${id} is not one named operation`);
    return { id, name: operation.name.value, type: operation.operation, body };
  });
  return { format: 'apollo-persisted-query-manifest', version: 1, operations: operations.sort((a, b) => a.name.localeCompare(b.name)) };
}
