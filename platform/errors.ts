import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * The closed set of error codes a client can see in `extensions.code`. Anything else is masked
 * as INTERNAL_SERVER_ERROR with no detail.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  /** In production, a customer or anonymous caller sent an operation that is not in the clients' manifest (HTTP 403). */
  'OPERATION_NOT_ALLOWED',
  'BAD_USER_INPUT',
  'CUSTOMER_ALREADY_EXISTS',
  'INSUFFICIENT_BONUSES',
  'BONUS_LIMIT_EXCEEDED',
  'BONUS_MULTIPLE_MISMATCH',
  'OUT_OF_STOCK',
  'STOCK_HOLD_EXPIRED',
  'ORDER_NOT_CANCELLABLE',
  'ORDER_BUSY',
  'RETURN_QUANTITY_EXCEEDED',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_FLIGHT',
  'UPSTREAM_UNAVAILABLE',
  /** Over a per-caller limit at the gateway (HTTP 429 with Retry-After). */
  'RATE_LIMITED',
  /** The operation is deeper, wider or costlier than any the graph's clients send (graphql-armor's limits). */
  'QUERY_TOO_LARGE',
  'INTERNAL_SERVER_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  OPERATION_NOT_ALLOWED: 403,
  UNAUTHENTICATED: 401,
  RATE_LIMITED: 429,
  // A caller refused before any resolver runs (a token whose roles are all unknown): without a
  // status Apollo Server answers a context error with 500.
  FORBIDDEN: 403,
};

/** The one error class the code throws on purpose. `details` must be safe to show a client. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new AppError('BAD_USER_INPUT', message, details);
export const notFound = (message: string) => new AppError('NOT_FOUND', message);
export const forbidden = (message = 'Not allowed for this caller') => new AppError('FORBIDDEN', message);
export const unauthenticated = (message = 'Authentication required') => new AppError('UNAUTHENTICATED', message);

export function toGraphQLError(error: AppError): GraphQLError {
  const status = HTTP_STATUS[error.code];
  return new GraphQLError(error.message, {
    extensions: { code: error.code, ...(error.details ?? {}), ...(status ? { http: { status } } : {}) },
  });
}

const KNOWN_CODES = new Set<string>(ERROR_CODES);
// Codes that graphql-js and Apollo Server raise themselves for malformed requests.
const REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE']);

// Duck-typed on purpose: graphql ships CJS and ESM builds, and Apollo's packages may load the
// other one, so `instanceof GraphQLError` is not reliable across them.
function originalOf(error: unknown): unknown {
  let current = error as { originalError?: unknown } | undefined;
  while (current && typeof current === 'object' && current.originalError && current.originalError !== current) {
    current = current.originalError as { originalError?: unknown };
  }
  return current;
}

/** SQLSTATEs of a database that is gone or going for a moment (admin shutdown, crash, failover, connection lost). */
const DATABASE_GONE = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
/** SQLSTATEs that a second try of the same request may well not meet (serialization, deadlock, lock or statement timeout). */
const DATABASE_CONTENDED = new Set(['40001', '40P01', '55P03', '57014']);
const CONNECTION_LOST = /Connection terminated|not queryable|ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect/i;

/**
 * A failure that says nothing about the request but that a part of the graph could not do it now:
 * the database dropped the connection or was too busy, or a system of record is down. The caller
 * may send the same request again (mutations with the same idempotency key), so it is
 * UPSTREAM_UNAVAILABLE rather than an opaque INTERNAL_SERVER_ERROR.
 */
export function transientFailure(error: unknown): AppError | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { code, message, name } = error as { code?: unknown; message?: unknown; name?: unknown };
  if (name === 'UpstreamUnavailableError') return new AppError('UPSTREAM_UNAVAILABLE', 'A system of record is unavailable; try again later');
  if (typeof code === 'string' && DATABASE_CONTENDED.has(code)) return new AppError('UPSTREAM_UNAVAILABLE', 'The request met a busy moment and was not done; try again');
  if ((typeof code === 'string' && DATABASE_GONE.has(code)) || (typeof message === 'string' && CONNECTION_LOST.test(message))) {
    return new AppError('UPSTREAM_UNAVAILABLE', 'The database is unavailable for a moment; try again');
  }
  return undefined;
}

/** A statement refused by a unique index (Postgres 23505, on PGlite as on a server). */
export const isUniqueViolation = (error: unknown): boolean => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

/**
 * `formatError` for every server: our AppErrors keep their code and message, request errors from
 * graphql-js keep theirs, a transient failure (`transientFailure`) is UPSTREAM_UNAVAILABLE, and
 * everything else becomes an opaque INTERNAL_SERVER_ERROR (no stack, SQL or upstream URL reaches a
 * client).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const found = originalOf(error);
  const original = found instanceof AppError ? found : (transientFailure(found) ?? found);
  if (original instanceof AppError) {
    const { extensions, ...rest } = formatted;
    const { stacktrace: _stack, ...ext } = extensions ?? {};
    return { ...rest, message: original.message, extensions: { ...ext, code: original.code, ...(original.details ?? {}) } };
  }
  const code = formatted.extensions?.code;
  // Apollo Server refuses some malformed requests with HTTP 400 and no code of their own (an automatic
  // persisted query whose hash is not its text's), which it then labels INTERNAL_SERVER_ERROR: a bad
  // request, not an internal error.
  if ((code === undefined || code === 'INTERNAL_SERVER_ERROR') && (found as { extensions?: { http?: { status?: unknown } } } | undefined)?.extensions?.http?.status === 400) {
    return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
  }
  if (typeof code === 'string' && (KNOWN_CODES.has(code) || REQUEST_CODES.has(code)) && code !== 'INTERNAL_SERVER_ERROR') {
    const { stacktrace: _stack, ...ext } = formatted.extensions ?? {};
    return { ...formatted, extensions: ext };
  }
  return {
    message: 'Internal server error',
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
