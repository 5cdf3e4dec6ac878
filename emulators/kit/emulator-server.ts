import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { listen, metricsRoute, readBody, sendJson, BodyTooLargeError, type RunningServer } from '../../platform/http/http-server.js';
import { countStatementsAs } from '../../platform/db/statement-counter.js';
import { FaultSwitches, faultSettingsSchema } from './faults.js';

export interface EmulatorRequest {
  readonly method: string;
  /** Path without the query string, percent-decoded per segment by the router. */
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** Raw body text ('' when none). */
  readonly body: string;
}

export interface EmulatorResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type EmulatorHandler = (req: EmulatorRequest) => Promise<EmulatorResponse> | EmulatorResponse;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: EmulatorHandler;
}

/** Method + path routing with `:name` segments. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: EmulatorHandler): this {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    this.routes.push({ method, pattern, names, handler });
    return this;
  }

  match(method: string, path: string): { handler: EmulatorHandler; params: Record<string, string> } | 'method-not-allowed' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      return { handler: route.handler, params };
    }
    return pathMatched ? 'method-not-allowed' : undefined;
  }
}

export interface EmulatorServerOptions {
  readonly name: string;
  readonly router: Router;
  readonly faults: FaultSwitches;
  /** The system's own answer for an unknown route, a wrong method and an injected failure. */
  readonly errors: {
    notFound(req: EmulatorRequest): EmulatorResponse;
    methodNotAllowed(req: EmulatorRequest): EmulatorResponse;
    injected(status: number): EmulatorResponse;
    internal(): EmulatorResponse;
  };
  /** Runs before routing (auth, rate limits); a response here ends the request. */
  readonly guard?: (req: EmulatorRequest) => Promise<EmulatorResponse | undefined> | EmulatorResponse | undefined;
  /** Extra control routes under `/__emulator/` (seed, drift, clock ...). */
  readonly control?: Router;
}

function write(res: ServerResponse, response: EmulatorResponse): void {
  const headers = { ...response.headers };
  if (response.body === undefined) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  if (typeof response.body === 'string') {
    res.writeHead(response.status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(response.body);
    return;
  }
  sendJson(res, response.status, response.body, headers);
}

/**
 * Starts an emulator: the system's routes behind its guard and the fault switches, plus the
 * control API at `/__emulator/faults` (GET shows, POST sets, DELETE clears) and
 * `/__emulator/requests` (how many requests reached it, by `METHOD /path`), and `/metrics`.
 */
export async function startEmulatorServer(options: EmulatorServerOptions, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  const { faults, router, errors } = options;

  // Requests that reached the emulator by `METHOD /path`, faulted or not: a client's breaker is seen
  // from the outside by what it stops sending.
  const received = new Map<string, number>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    if (!url.pathname.startsWith('/__emulator/')) received.set(`${method} ${url.pathname}`, (received.get(`${method} ${url.pathname}`) ?? 0) + 1);
    let body = '';
    try {
      body = await readBody(req, 10_000_000);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return write(res, { status: 413, body: { error: 'body too large' } });
      throw error;
    }
    const request: EmulatorRequest = { method, path: url.pathname, params: {}, query: url.searchParams, headers: req.headers, body };

    if (url.pathname.startsWith('/__emulator/')) return write(res, await control(request));

    const decision = faults.decide(method, url.pathname);
    if (decision.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.kind === 'fail') return write(res, errors.injected(decision.status));

    const guarded = await options.guard?.(request);
    if (guarded) return write(res, guarded);

    const matched = router.match(method, url.pathname);
    if (matched === undefined) return write(res, errors.notFound(request));
    if (matched === 'method-not-allowed') return write(res, errors.methodNotAllowed(request));
    let response: EmulatorResponse;
    try {
      response = await matched.handler({ ...request, params: matched.params });
    } catch {
      response = errors.internal();
    }
    if (decision.drop) {
      // The change is applied; the caller never learns it.
      req.socket.destroy();
      return;
    }
    write(res, response);
  };

  const control = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    if (req.path === '/__emulator/faults') {
      if (req.method === 'GET') return { status: 200, body: faults.current };
      if (req.method === 'DELETE') {
        faults.clear();
        return { status: 200, body: faults.current };
      }
      if (req.method === 'POST') {
        const parsed = faultSettingsSchema.safeParse(req.body ? JSON.parse(req.body) : {});
        if (!parsed.success) return { status: 400, body: { error: parsed.error.issues.map((i) => i.message).join('; ') } };
        return { status: 200, body: faults.set(parsed.data) };
      }
    }
    if (req.path === '/__emulator/requests' && req.method === 'GET') return { status: 200, body: Object.fromEntries(received) };
    const matched = options.control?.match(req.method, req.path.slice('/__emulator'.length));
    if (matched && matched !== 'method-not-allowed') return matched.handler({ ...req, params: matched.params });
    return { status: 404, body: { error: `no control route ${req.method} ${req.path}` } };
  };

  return listen(
    {
      '/metrics': metricsRoute(),
      // In one process with the graph, an emulator's statements are not a subgraph's.
      '*': (req, res) =>
        countStatementsAs('emulator', () => handle(req, res)).catch(() => {
          if (!res.headersSent) write(res, errors.internal());
        }),
    },
    port,
    host,
  );
}
