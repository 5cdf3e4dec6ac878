import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/** The graph's answer could not be used: refused (a code such as FORBIDDEN), or failed. */
export class GraphQLProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }

  /** The token is not one the console may use: signing in again is the only way on. */
  get refusesToken(): boolean {
    return this.code === 'UNAUTHENTICATED' || this.code === 'FORBIDDEN';
  }
}

interface GraphQLError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

/** A usable answer, with the errors of any part the graph could not serve (e.g. BonusPlus down). */
export interface Answer<TData> {
  readonly data: TData;
  readonly partial: string[];
}

const printed = new WeakMap<object, string>();

/**
 * Sends one of the clients' typed documents to the same origin's `/graphql` as any client does,
 * with the staff token as a bearer token. Throws a `GraphQLProblem` when a root field failed (a bad
 * phone, an order that cannot be returned) or when any error refuses the caller.
 */
export async function request<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, token: string): Promise<Answer<TData>> {
  let query = printed.get(document);
  if (query === undefined) printed.set(document, (query = print(document)));
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new GraphQLProblem('NETWORK', 'The gateway could not be reached', 0);
  }
  let body: { data?: TData | null; errors?: GraphQLError[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new GraphQLProblem('BAD_RESPONSE', `The gateway answered HTTP ${response.status} without GraphQL`, response.status);
  }
  const errors = body.errors ?? [];
  const refusal = errors.find((e) => e.extensions?.code === 'UNAUTHENTICATED' || e.extensions?.code === 'FORBIDDEN');
  // A root field that failed is the whole answer failing; a deeper one is a part left out.
  const first = refusal ?? errors.find((e) => body.data == null || (e.path?.length ?? 0) <= 1);
  if (first) throw new GraphQLProblem(first.extensions?.code ?? 'ERROR', first.message, response.status);
  if (body.data == null) throw new GraphQLProblem('BAD_RESPONSE', `The gateway answered HTTP ${response.status} with no data`, response.status);
  return { data: body.data, partial: errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`) };
}
