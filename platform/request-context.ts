import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Identity } from './identity.js';
import { addLogFields, type Logger } from './logger.js';

/** The header that carries a request's id: answered by the gateway, sent with every subgraph call. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** One request as its process serves it: its id, and what its access line says. */
export interface RequestScope {
  readonly requestId: string;
  operationName?: string | undefined;
  caller?: Identity['kind'] | undefined;
  readonly errorCodes: string[];
}

const scopes = new AsyncLocalStorage<RequestScope>();

// Every line logged while a request is served carries its id, whichever logger writes it (the
// connectors' included): the scope travels with the request's async work.
addLogFields(() => {
  const scope = scopes.getStore();
  return scope ? { requestId: scope.requestId } : undefined;
});

/** The request being served, when there is one (none in periodic tasks). */
export const currentRequest = (): RequestScope | undefined => scopes.getStore();
export const currentRequestId = (): string | undefined => scopes.getStore()?.requestId;

// W3C trace context: version-traceid-parentid-flags, lowercase hex; an all-zero id is invalid, and
// version ff is forbidden. A later version may append fields after the flags.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
// What the graph itself sends between its processes: a UUID, or a trace id.
const REQUEST_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The trace id of a valid `traceparent` header, or undefined. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const match = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  if (!match) return undefined;
  const [, version, traceId, parentId, , rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  return traceId;
}

/**
 * Where a process takes a request's id from. `edge` (the gateway): a valid `traceparent`'s trace
 * id, else a new UUID; a caller's own `x-request-id` is never taken, or a caller could give its
 * requests another's id. `inner` (subgraphs): the `x-request-id` the gateway or another subgraph
 * sent, when it has the shape the graph makes, then the same as `edge`.
 */
export type RequestIdSource = 'edge' | 'inner';

export function requestIdFor(req: IncomingMessage, source: RequestIdSource): string {
  if (source === 'inner') {
    const sent = header(req, REQUEST_ID_HEADER)?.trim().toLowerCase();
    if (sent && REQUEST_ID.test(sent)) return sent;
  }
  return traceIdOf(header(req, 'traceparent')) ?? randomUUID();
}

export interface RequestScopeOptions {
  readonly source: RequestIdSource;
  /** Where the access line goes: one line per request, when it has been answered. */
  readonly logger?: Logger | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * Serves a request inside its scope: the request id is made (or taken), answered in
 * `x-request-id`, readable by everything the request runs (`currentRequestId`), and one access
 * line is logged when the answer has gone: operation name, caller kind, duration, HTTP status and
 * the error codes (filled by `requestScopePlugin`).
 */
export function withRequestScope(options: RequestScopeOptions, handler: Handler): Handler {
  return (req, res) => {
    const scope: RequestScope = { requestId: requestIdFor(req, options.source), errorCodes: [] };
    res.setHeader(REQUEST_ID_HEADER, scope.requestId);
    const started = performance.now();
    const logger = options.logger;
    if (logger) {
      res.once('close', () => {
        logger.info(
          {
            requestId: scope.requestId,
            operationName: scope.operationName ?? null,
            caller: scope.caller ?? null,
            durationMs: Math.round((performance.now() - started) * 10) / 10,
            status: res.statusCode,
            errorCodes: [...new Set(scope.errorCodes)],
            ...(res.writableFinished ? {} : { aborted: true }),
          },
          'request',
        );
      });
    }
    return scopes.run(scope, () => handler(req, res));
  };
}

const codeOf = (error: { extensions?: Record<string, unknown> | undefined }): string => {
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
};

/**
 * Fills the access line of the request in scope: its operation name, its caller's kind and the
 * codes of the errors it answers (as the client sees them). Shared by the gateway and every
 * subgraph; a request whose context could not be made (a bad token, no gateway identity) still
 * gets its code.
 */
export function requestScopePlugin<TContext extends BaseContext & { readonly identity?: Identity }>(): ApolloServerPlugin<TContext> {
  return {
    async contextCreationDidFail({ error }) {
      currentRequest()?.errorCodes.push(codeOf(error as { extensions?: Record<string, unknown> }));
    },
    async requestDidStart() {
      return {
        async willSendResponse({ request, response, contextValue, operationName }) {
          const scope = currentRequest();
          if (!scope) return;
          scope.operationName = operationName ?? request.operationName ?? undefined;
          scope.caller = contextValue.identity?.kind;
          if (response.body.kind === 'single') for (const error of response.body.singleResult.errors ?? []) scope.errorCodes.push(codeOf(error));
        },
      };
    },
  };
}
