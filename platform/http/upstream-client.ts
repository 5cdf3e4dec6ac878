import { setTimeout as sleep } from 'node:timers/promises';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import { Counter, Gauge, Histogram, register } from 'prom-client';
import { Agent, request } from 'undici';
import { createLogger, type Logger } from '../logger.js';
import { currentUpstreamPriority, localUpstreamBudget, onlyIfBudgetFreeNow, type UpstreamBudget } from './upstream-budget.js';

export type UpstreamSystem = 'retailcrm' | 'bonusplus' | 'onec';

export interface UpstreamClientOptions {
  readonly system: UpstreamSystem;
  readonly baseUrl: string;
  /** Per attempt. */
  readonly timeoutMs: number;
  /**
   * The request budget of this system and key, shared with every client of the key (`sharedUpstreamBudget`);
   * the client releases it on close. Without one, `requestsPerSecond` gives the client a budget of its own.
   */
  readonly budget?: UpstreamBudget;
  /** A budget of this client's own, when no shared one is given; 0 or absent: no limit. */
  readonly requestsPerSecond?: number;
  readonly maxRetries?: number;
  /** Consecutive failures that open the circuit, and how long it stays open. */
  readonly breakerThreshold?: number;
  readonly breakerHalfOpenAfterMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Which part of the process owns this client (the `client` label of the breaker figures): a
   * process may hold several clients of one system, each with its own breaker. Defaults to the
   * process's name (`setUpstreamClientOwner`).
   */
  readonly client?: string;
}

/** The knobs of the failure policies a connector may pass through from its own options. */
export type UpstreamResilience = Partial<Pick<UpstreamClientOptions, 'maxRetries' | 'breakerThreshold' | 'breakerHalfOpenAfterMs'>>;

export interface UpstreamRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with query string, relative to the base URL. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * True for reads and for writes carrying a natural idempotent key: only these are retried
   * after a timeout, a dropped connection or a 5xx. Any request is retried after a rate-limit
   * answer, which the upstream gives before doing anything.
   */
  readonly idempotent: boolean;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

/** The upstream could not be reached or kept failing: the caller maps it to UPSTREAM_UNAVAILABLE. */
export class UpstreamUnavailableError extends Error {
  constructor(
    readonly system: UpstreamSystem,
    message: string,
    readonly status?: number,
  ) {
    super(`${system}: ${message}`);
    this.name = 'UpstreamUnavailableError';
  }
}

/**
 * Work that asked not to wait (`runIfBudgetFree`) met a budget with no slot free: nothing was sent.
 * An UpstreamUnavailableError, so code that does without the upstream when it is down does
 * without it here too.
 */
export class UpstreamBusyError extends UpstreamUnavailableError {
  constructor(system: UpstreamSystem) {
    super(system, 'request budget busy; not sent');
    this.name = 'UpstreamBusyError';
  }
}

class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    /** The upstream refused before doing anything (rate limit): safe to retry any request. */
    readonly notApplied: boolean,
  ) {
    super(message);
  }
}

const requestsTotal = (register.getSingleMetric('upstream_requests_total') as Counter<string> | undefined) ??
  new Counter({ name: 'upstream_requests_total', help: 'Requests sent to systems of record, by route (keys as placeholders)', labelNames: ['system', 'method', 'route', 'outcome'] });
const requestSeconds = (register.getSingleMetric('upstream_request_seconds') as Histogram<string> | undefined) ??
  new Histogram({ name: 'upstream_request_seconds', help: 'Latency of requests to systems of record, by route', labelNames: ['system', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

const circuitState = (register.getSingleMetric('upstream_circuit_state') as Gauge<string> | undefined) ??
  new Gauge({ name: 'upstream_circuit_state', help: 'Circuit breaker of each upstream client: 0 closed, 1 half-open, 2 open', labelNames: ['system', 'client'] });
const circuitRefused = (register.getSingleMetric('upstream_circuit_refused_total') as Counter<string> | undefined) ??
  new Counter({ name: 'upstream_circuit_refused_total', help: 'Calls refused without a request because the circuit was open', labelNames: ['system', 'client'] });

export type CircuitStateName = 'closed' | 'half-open' | 'open';

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};
const STATE_VALUES: Record<CircuitStateName, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface UpstreamCircuit {
  readonly system: UpstreamSystem;
  readonly client: string;
  readonly state: CircuitStateName;
}

// The clients this process holds, for `/ready`: an answer about the process, whichever server asks.
const liveClients = new Set<UpstreamClient>();
let defaultOwner = 'main';

/** Names the clients created from now on that were not given a `client` of their own (a process names them after itself). */
export function setUpstreamClientOwner(owner: string): void {
  defaultOwner = owner;
}

/** Every upstream client of this process whose circuit is not closed: it refuses calls (open) or lets one probe through (half-open). */
export function brokenCircuits(): UpstreamCircuit[] {
  return [...liveClients].map((client) => client.circuit).filter((circuit) => circuit.state !== 'closed');
}

const RATE_LIMIT_STATUSES = new Set([429, 503]);

let logger: Logger | undefined;
const upstreamLogger = (): Logger => (logger ??= createLogger('upstream'));

/**
 * A request's path as a route for logs: no query string, and a segment holding a key (a phone,
 * a number, a UUID) or an OData key in parentheses becomes a placeholder, so no customer's phone
 * reaches a log line.
 */
export function upstreamRoute(path: string): string {
  return path
    .split('?')[0]!
    .replace(/\([^)]*\)/g, '(:key)')
    .split('/')
    .map((segment) => (/\d{3,}|^[0-9a-f-]{16,}$/i.test(segment) || /%2B/i.test(segment) ? ':id' : segment))
    .join('/');
}

function retryAfterMs(headers: UpstreamResponse['headers']): number | undefined {
  const value = headers['retry-after'];
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return Math.min(seconds * 1000, 30_000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min(date - Date.now(), 30_000));
}

/**
 * HTTP client for one system of record: keep-alive pool (undici), per-attempt timeout, retries
 * with exponential backoff for what is safe to retry, `Retry-After` honoured by every process, the
 * request budget of its system and key (interactive calls first), and a circuit breaker that fails
 * fast while the upstream is down. Counts every request it sends, for tests and benchmarks.
 */
export class UpstreamClient {
  readonly system: UpstreamSystem;
  private readonly agent: Agent;
  private readonly base: string;
  private readonly budget: UpstreamBudget | undefined;
  private readonly policy;
  private readonly breaker;
  private owner: string;
  private sent = 0;

  constructor(private readonly options: UpstreamClientOptions) {
    this.system = options.system;
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.agent = new Agent({ connections: 16, keepAliveTimeout: 10_000 });
    const rps = options.requestsPerSecond ?? 0;
    this.budget = options.budget ?? (rps > 0 ? localUpstreamBudget(rps) : undefined);
    const breaker = circuitBreaker(
      handleWhen((e) => !(e instanceof RetryableFailure && e.notApplied)),
      { halfOpenAfter: options.breakerHalfOpenAfterMs ?? 5_000, breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5) },
    );
    this.breaker = breaker;
    this.owner = options.client ?? defaultOwner;
    // Cockatiel moves from open to half-open only when a call arrives after the cool-down: until
    // then the gauge says open, which is what the next caller meets.
    breaker.onStateChange((state) => circuitState.set(this.labels, STATE_VALUES[STATE_NAMES[state]]));
    circuitState.set(this.labels, 0);
    liveClients.add(this);
    const retryPolicy = retry(handleWhen((e) => e instanceof RetryableFailure), {
      maxAttempts: options.maxRetries ?? 3,
      backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }),
    });
    this.policy = wrap(retryPolicy, breaker);
  }

  private get labels() {
    return { system: this.system, client: this.owner };
  }

  /** Its breaker now, as `/ready` and `upstream_circuit_state` tell it. */
  get circuit(): UpstreamCircuit {
    return { system: this.system, client: this.owner, state: STATE_NAMES[this.breaker.state] };
  }

  /** Renames the owner after construction, for a process that builds several clients of one system through shared factories. */
  ownedBy(client: string): void {
    circuitState.remove(this.labels);
    this.owner = client;
    circuitState.set(this.labels, STATE_VALUES[this.circuit.state]);
  }

  /** How many HTTP requests this client has sent (attempts, retries included). */
  get requestCount(): number {
    return this.sent;
  }

  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    // Asked for no wait (`runIfBudgetFree`): the slot is taken here, before the breaker and the
    // retries, so that a busy budget is neither a failure of the upstream nor retried.
    let slotTaken = false;
    if (this.budget && onlyIfBudgetFreeNow()) {
      if (!(await this.budget.tryTake())) throw new UpstreamBusyError(this.system);
      slotTaken = true;
    }
    let attempt = 0;
    try {
      return await this.policy.execute(() => {
        const prepaid = slotTaken;
        slotTaken = false;
        return this.logFailure(req, ++attempt, () => this.attempt(req, prepaid));
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        circuitRefused.inc(this.labels);
        throw new UpstreamUnavailableError(this.system, 'circuit open after repeated failures');
      }
      if (error instanceof RetryableFailure) throw new UpstreamUnavailableError(this.system, error.message, error.status);
      throw error;
    }
  }

  private async attempt(req: UpstreamRequest, slotTaken = false): Promise<UpstreamResponse> {
    if (!slotTaken) await this.budget?.take(currentUpstreamPriority());
    this.sent++;
    const route = upstreamRoute(req.path);
    const stop = requestSeconds.startTimer({ system: this.system, route });
    let response: UpstreamResponse;
    try {
      response = await timeout(this.options.timeoutMs, TimeoutStrategy.Aggressive).execute(async ({ signal }) => {
        const res = await request(`${this.base}${req.path}`, {
          method: req.method,
          headers: { ...this.options.headers, ...req.headers },
          body: req.body,
          signal,
          dispatcher: this.agent,
        });
        return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
      });
    } catch (error) {
      stop();
      const reason = error instanceof TaskCancelledError ? `timed out after ${this.options.timeoutMs} ms` : `connection failed (${(error as Error).message})`;
      requestsTotal.inc({ system: this.system, method: req.method, route, outcome: 'network_error' });
      // Connection refused means nothing reached the upstream; anything else may have been applied.
      const refused = (error as { code?: string }).code === 'ECONNREFUSED';
      if (req.idempotent || refused) throw new RetryableFailure(reason, undefined, refused);
      throw new UpstreamUnavailableError(this.system, reason);
    }
    stop();
    requestsTotal.inc({ system: this.system, method: req.method, route, outcome: String(response.status) });
    const limited = RATE_LIMIT_STATUSES.has(response.status) && this.isRateLimit(response);
    const retryAfter = RATE_LIMIT_STATUSES.has(response.status) ? retryAfterMs(response.headers) : undefined;
    // The upstream counts by key, not by process: its limiter's refusal, or a Retry-After, holds back
    // every process on the budget, and this one's retry waits for it in `take`. Without a Retry-After,
    // a quarter second: room comes back as the oldest requests of the upstream's window age out.
    if (this.budget && (limited || retryAfter !== undefined)) await this.budget.pause(retryAfter ?? 250);
    if (limited) {
      if (!this.budget) await sleep(retryAfter ?? 250);
      throw new RetryableFailure(`rate limited (${response.status})`, response.status, true);
    }
    if (response.status >= 500) {
      if (req.idempotent) throw new RetryableFailure(`answered ${response.status}`, response.status, false);
      throw new UpstreamUnavailableError(this.system, `answered ${response.status}`, response.status);
    }
    return response;
  }

  /**
   * One line per failed attempt (system, route, status, attempt), at warn: written inside the
   * request or task that made the call, so it carries that request's id.
   */
  private async logFailure(req: UpstreamRequest, attempt: number, send: () => Promise<UpstreamResponse>): Promise<UpstreamResponse> {
    try {
      return await send();
    } catch (error) {
      const status = error instanceof RetryableFailure || error instanceof UpstreamUnavailableError ? error.status : undefined;
      upstreamLogger().warn(
        { system: this.system, client: this.owner, route: `${req.method} ${upstreamRoute(req.path)}`, status: status ?? null, attempt, error: (error as Error).message },
        'upstream call failed',
      );
      throw error;
    }
  }

  // RetailCRM answers its rate limit with 503 and a JSON envelope; a bare 503 is an outage.
  private isRateLimit(response: UpstreamResponse): boolean {
    if (response.status === 429) return true;
    return /limit/i.test(response.text);
  }

  async close(): Promise<void> {
    liveClients.delete(this);
    circuitState.remove(this.labels);
    await this.budget?.release();
    await this.agent.close();
  }
}
