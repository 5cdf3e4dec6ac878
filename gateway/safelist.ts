import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from '@apollo/server';
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import { GraphQLError, type DocumentNode } from 'graphql';
import { AppError, toGraphQLError } from '../platform/errors.js';
import type { Identity } from '../platform/identity.js';

/** `enforce`: only the clients' own operations for customers and anonymous callers; `off`: any operation (development, tests). */
export type SafelistMode = 'enforce' | 'off';

/** Operation id (sha256 hex of its canonical text) → that text. */
export type OperationManifest = ReadonlyMap<string, string>;

/**
 * Written by `npm run codegen` from clients/**\/*.graphql (client preset, persisted documents), so
 * the manifest is exactly the documents the clients are typed against; `npm run build` copies it
 * into dist/ next to the schema.
 */
export const MANIFEST_FILE = new URL('../clients/__generated__/persisted-documents.json', import.meta.url);

export function loadOperationManifest(file: URL | string = MANIFEST_FILE): OperationManifest {
  const entries = Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>);
  if (entries.length === 0) throw new Error(`the operation manifest ${String(file)} lists no operation`);
  return new Map(entries);
}

export const safelistMode = (nodeEnv: string | undefined = process.env.NODE_ENV): SafelistMode => (nodeEnv === 'production' ? 'enforce' : 'off');

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The same key as the manifest's: the client preset hashes this canonical print (sorted, one line). */
export const operationId = (document: Parameters<typeof printExecutableGraphQLDocument>[0]) => sha256(printExecutableGraphQLDocument(document));

const notAllowed = () => toGraphQLError(new AppError('OPERATION_NOT_ALLOWED', 'This operation is not one the clients send'));

/** The refusal in place of validation errors: Apollo wraps it as a validation failure, whose status and (through the AppError) code and message it keeps. */
const refusal = () => {
  const { message, extensions } = notAllowed();
  return new GraphQLError(message, { extensions, originalError: new AppError('OPERATION_NOT_ALLOWED', message) });
};

/**
 * The production safelist. A customer or anonymous caller runs only an operation in the manifest:
 * by id (`extensions.persistedQuery.sha256Hash`, or a top-level `documentId`) or as its full text
 * in any formatting. Staff keep ad-hoc operations (the playground). Automatic persisted queries
 * serve the manifest's ids only: a text sent with its hash is never remembered, so no client can
 * register an operation of its own.
 *
 * The refusal takes the place of validation's answer: anything else is OPERATION_NOT_ALLOWED (403)
 * whether the schema would take it or not, so a caller who may not run ad-hoc operations learns
 * nothing about the schema from validation messages (introspection included). Only a text that
 * does not parse gets its syntax error (400), which says nothing about the schema.
 */
export function operationSafelist<TContext extends BaseContext & { readonly identity: Identity }>(manifest: OperationManifest): {
  readonly plugin: ApolloServerPlugin<TContext>;
  readonly persistedQueries: NonNullable<ApolloServerOptions<TContext>['persistedQueries']>;
} {
  // Apollo Server keeps one parsed document per query text: its canonical id is worked out once.
  const listed = new WeakMap<DocumentNode, boolean>();
  const inManifest = (document: DocumentNode) => {
    let known = listed.get(document);
    if (known === undefined) listed.set(document, (known = manifest.has(operationId(document))));
    return known;
  };
  return {
    persistedQueries: {
      cache: {
        // Apollo prefixes its keys (`apq:`); the id is what follows the last colon.
        get: async (key: string) => manifest.get(key.slice(key.lastIndexOf(':') + 1)),
        set: async () => undefined,
        delete: async () => false,
      },
    },
    plugin: {
      async requestDidStart({ request }) {
        // The GraphQL-over-HTTP draft's `documentId` (in a POST body or a GET's query string): the same id, resolved as Apollo's extension is.
        const http = request.http;
        const documentId = http?.method === 'GET' ? new URLSearchParams(http.search).get('documentId') : (http?.body as { documentId?: unknown } | undefined)?.documentId;
        if (typeof documentId === 'string' && request.query === undefined && !request.extensions?.persistedQuery) {
          request.extensions = { ...request.extensions, persistedQuery: { version: 1, sha256Hash: documentId } };
        }
        const allowed = ({ contextValue, queryHash, document }: { contextValue: TContext; queryHash?: string | undefined; document?: DocumentNode | undefined }) =>
          contextValue.identity.kind === 'staff' ||
          // By id, or the manifest's own text: the hash Apollo already made; other formatting: the canonical print's.
          (queryHash !== undefined && manifest.has(queryHash)) ||
          (document !== undefined && inManifest(document));
        return {
          // Validation still runs (Apollo answers anything thrown here with a 500), but what it
          // found is replaced by the one refusal before Apollo answers: no message about the schema.
          async validationDidStart(context) {
            if (allowed(context)) return;
            return async (errors) => {
              // Called without awaiting: the array must be changed before the first await.
              if (errors?.length) (errors as GraphQLError[]).splice(0, errors.length, refusal());
            };
          },
          // Valid, or cached by the gateway as validated (parsing and validation skipped): refused here.
          async didResolveOperation(context) {
            if (!allowed(context)) throw notAllowed();
          },
        };
      },
    },
  };
}
