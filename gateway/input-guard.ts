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

/**
 * The longest string any argument or input field may be, at the gateway: the longest a field
 * takes is an order's comment (1,000 characters); each field's own bound is checked again where
 * it is used (README, "Input bounds"). Longer text never travels to a subgraph.
 */
export const MAX_STRING_LENGTH = 2000;

/** What is wrong with a string, if anything. */
const problemOf = (text: string): 'control' | 'length' | undefined => (text.length > MAX_STRING_LENGTH ? 'length' : CONTROL.test(text) ? 'control' : undefined);

/** The path of the first string in `value` (variables) with a control character or over the length, and what is wrong with it. */
export function badStringAt(value: unknown, path: string): { readonly path: string; readonly problem: 'control' | 'length' } | undefined {
  if (typeof value === 'string') {
    const problem = problemOf(value);
    return problem ? { path, problem } : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = badStringAt(item, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = badStringAt(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}

/** Apollo Server keeps one parsed document per query text: each is looked through once. */
const literalProblems = new WeakMap<DocumentNode, 'control' | 'length' | undefined>();

function literalProblem(document: DocumentNode): 'control' | 'length' | undefined {
  if (literalProblems.has(document)) return literalProblems.get(document);
  let found: 'control' | 'length' | undefined;
  visit(document, {
    [Kind.STRING]: (node) => {
      found ??= problemOf(node.value);
    },
  });
  literalProblems.set(document, found);
  return found;
}

/**
 * A request whose `operationName` names no operation in its document, or that sends several
 * operations and names none. Apollo Server refuses that itself (OPERATION_RESOLUTION_FAILURE, 400)
 * only when it executes the schema; behind @apollo/gateway the gateway's planner threw instead,
 * an INTERNAL_SERVER_ERROR with HTTP 500.
 */
const unresolved = (operationName: string | undefined) =>
  new GraphQLError(operationName ? 'The document has no operation of that name' : 'The document has several operations: name the one to run (operationName)', {
    extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
  });

const MESSAGES = { control: 'Text may not contain control characters', length: `Text may be at most ${MAX_STRING_LENGTH} characters long` } as const;

const refused = (where: string, problem: 'control' | 'length') => new GraphQLError(MESSAGES[problem], { extensions: { code: 'BAD_USER_INPUT', field: where, http: { status: 400 } } });

/**
 * Refuses, at the gateway and before any subgraph is called, an operation whose variables or
 * inline string arguments carry a control character or run past `MAX_STRING_LENGTH`:
 * BAD_USER_INPUT, HTTP 400, nothing changed;
 * and a request that names no operation of its document (OPERATION_RESOLUTION_FAILURE, 400).
 */
export function inputGuard<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          if (!operation) throw unresolved(request.operationName ?? undefined);
          const bad = badStringAt(request.variables ?? {}, '');
          if (bad) throw refused(bad.path || 'variables', bad.problem);
          const inline = literalProblem(document);
          if (inline) throw refused('query', inline);
        },
      };
    },
  };
}
