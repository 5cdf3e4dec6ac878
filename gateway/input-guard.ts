import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';

/**
 * Strings that no field of this graph takes: NUL and the other C0 control characters (tab, line
 * feed and carriage return aside). Postgres refuses a NUL in text outright, which surfaced as an
 * untyped INTERNAL_SERVER_ERROR after the request had reached a subgraph; nothing in a name, a
 * phone, an address or a comment needs the others.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** The path of the first string with a control character in `value` (variables), or undefined. */
export function controlCharacterAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return CONTROL.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = controlCharacterAt(item, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = controlCharacterAt(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}

function literalWithControl(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.STRING]: (node) => {
      if (CONTROL.test(node.value)) found = true;
    },
  });
  return found;
}

const refused = (where: string) =>
  new GraphQLError('Text may not contain control characters', { extensions: { code: 'BAD_USER_INPUT', field: where, http: { status: 400 } } });

/**
 * Refuses, at the gateway and before any subgraph is called, an operation whose variables or
 * inline string arguments carry a control character: BAD_USER_INPUT, HTTP 400, nothing changed.
 */
export function inputGuard<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const where = controlCharacterAt(request.variables ?? {}, '');
          if (where !== undefined) throw refused(where || 'variables');
          if (literalWithControl(document)) throw refused('query');
        },
      };
    },
  };
}
