import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';
import { HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLErrorExtensions,
  type OperationDefinitionNode,
} from 'graphql';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { eachSelectedField } from '../platform/selection.js';
import type { Identity } from '../platform/identity.js';
import type { Logger } from '../platform/logger.js';
import { normalizePhone } from '../platform/phone.js';

/**
 * Root mutation fields that move money or make an account. An operation may carry one: each alias
 * of one runs it again, so one request with 30 aliases was 30 sign-ups or orders, past any
 * per-request limit.
 */
export const MONEY_AND_ACCOUNT_MUTATIONS: ReadonlySet<string> = new Set(['registerCustomer', 'placeOrder', 'cancelOrder', 'recordPayment', 'returnOrderLines']);

export interface RateLimitSettings {
  /** Shared by every gateway process when set; otherwise each process counts alone. */
  readonly redisUrl?: string | undefined;
  /** Names this deployment's keys in a Redis that others share. */
  readonly keyPrefix?: string;
  readonly windowSeconds: number;
  /** Requests per window, by the token's subject (customers, staff) or by address (anonymous, failed tokens). */
  readonly perCustomer: number;
  readonly perStaff: number;
  readonly perAnonymousAddress: number;
  /** `registerCustomer` attempts per hour. */
  readonly registrationsPerAddress: number;
  readonly registrationsPerPhone: number;
  /** Requests with a token that does not verify, per address and minute, before the address gets 429. */
  readonly failedTokensPerAddress: number;
  /** Proxies in front of the gateway that append to X-Forwarded-For; 0 trusts none and keys by the socket. */
  readonly trustedProxies: number;
}

/** The limits from configuration, or undefined when they are off (`GATEWAY_RATE_LIMITS`). */
export function rateLimitSettings(config: Config): RateLimitSettings | undefined {
  // The suite's harnesses run NODE_ENV=test and send everything from 127.0.0.1: a test that is
  // about limits turns them on with its own small figures.
  const on = config.GATEWAY_RATE_LIMITS ?? (config.NODE_ENV === 'test' ? 'off' : 'on');
  if (on === 'off') return undefined;
  return {
    redisUrl: config.REDIS_URL,
    windowSeconds: config.GATEWAY_RATE_WINDOW_SECONDS,
    perCustomer: config.GATEWAY_RATE_CUSTOMER,
    perStaff: config.GATEWAY_RATE_STAFF,
    perAnonymousAddress: config.GATEWAY_RATE_ANONYMOUS,
    registrationsPerAddress: config.GATEWAY_REGISTRATIONS_PER_ADDRESS_HOUR,
    registrationsPerPhone: config.GATEWAY_REGISTRATIONS_PER_PHONE_HOUR,
    failedTokensPerAddress: config.GATEWAY_FAILED_TOKENS_PER_ADDRESS_MINUTE,
    trustedProxies: config.GATEWAY_TRUSTED_PROXIES,
  };
}

/** What the gateway answers instead of running the request. */
export interface Refusal {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: { errors: { message: string; extensions: Record<string, unknown> }[] };
}

const retryAfterSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function tooMany(ms: number): Refusal {
  const seconds = retryAfterSeconds(ms);
  return {
    status: 429,
    headers: { 'retry-after': String(seconds) },
    body: { errors: [{ message: 'Too many requests; try again later', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: seconds } }] },
  };
}

/** The same refusal from inside Apollo Server: the `http` extension becomes the response's status and headers. */
function tooManyError(ms: number): GraphQLError {
  const seconds = retryAfterSeconds(ms);
  return new GraphQLError('Too many requests; try again later', {
    originalError: new AppError('RATE_LIMITED', 'Too many requests; try again later', { retryAfterSeconds: seconds }),
    // Apollo Server reads `http.headers` as a Map; another package's augmentation types it as a record.
    extensions: { code: 'RATE_LIMITED', retryAfterSeconds: seconds, http: { status: 429, headers: new HeaderMap([['retry-after', String(seconds)]]) } } as unknown as GraphQLErrorExtensions,
  });
}

/**
 * The caller's address: the socket's, or with proxies in front the entry of X-Forwarded-For the
 * outermost trusted one appended (anything left of it the client wrote itself). An IPv6 caller is
 * keyed by its /64, which one subscriber holds whole.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: number): string {
  let address = req.socket.remoteAddress ?? 'unknown';
  const forwarded = req.headers['x-forwarded-for'];
  if (trustedProxies > 0 && forwarded) {
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',').map((s) => s.trim()).filter(Boolean);
    address = hops[Math.max(0, hops.length - trustedProxies)] ?? address;
  }
  if (address.startsWith('::ffff:')) return address.slice(7);
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** The money or account root fields an operation would run, aliases and fragments included, in order. */
export function moneyAndAccountFields(operation: OperationDefinitionNode, document: DocumentNode): FieldNode[] {
  if (operation.operation !== 'mutation') return [];
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  const found: FieldNode[] = [];
  eachSelectedField(operation.selectionSet, fragments, (field) => {
    if (MONEY_AND_ACCOUNT_MUTATIONS.has(field.name.value)) found.push(field);
  });
  return found;
}

/** The phone a `registerCustomer` field asks for, in E.164, or undefined when it is no valid number. */
function registrationPhone(field: FieldNode, variables: Readonly<Record<string, unknown>>): string | undefined {
  const input = field.arguments?.find((a) => a.name.value === 'input');
  if (!input) return undefined;
  const value = valueFromASTUntyped(input.value, variables) as { phone?: unknown } | null | undefined;
  return typeof value?.phone === 'string' ? normalizePhone(value.phone) : undefined;
}

interface ContextWithCaller extends BaseContext {
  readonly identity?: Identity;
  readonly clientAddress?: string;
}

/**
 * Refuses an operation with more than one money or account root field (BAD_USER_INPUT, HTTP 400)
 * before anything runs. Always on, whatever the limits: it is a shape rule, not a rate.
 */
export function oneMoneyMutationPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document }) {
          if (!operation) return;
          const fields = moneyAndAccountFields(operation, document);
          if (fields.length > 1) {
            throw new GraphQLError('An operation may carry one registration, order, payment, cancellation or return; send each in its own request', {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

export interface RateLimits {
  /** Resolves once Redis answers, or after 2 s without it (the process then counts alone until it does). */
  ready(): Promise<void>;
  /** Before Apollo: the address's failed-token lock-out, then the caller's requests per window. */
  admit(req: IncomingMessage, verifyToken: () => Promise<Identity>): Promise<Refusal | undefined>;
  clientAddress(req: IncomingMessage): string;
  /** Registration attempts per address and per phone (staff exempt), counted on the resolved operation. */
  readonly plugin: ApolloServerPlugin<BaseContext>;
  close(): Promise<void>;
}

const HOUR = 3600;

/**
 * Limits per caller, held in Redis when `redisUrl` is set so every gateway process counts into one
 * figure, else in this process's memory. Redis unreachable: each process falls back to counting
 * alone in memory (rate-limiter-flexible's insurance limiter) rather than refusing everyone.
 */
export function createRateLimits(settings: RateLimitSettings, logger?: Logger): RateLimits {
  const prefix = settings.keyPrefix ?? 'retail-graph:rl';
  let redis: Redis | undefined;
  let connected: Promise<void> = Promise.resolve();
  if (settings.redisUrl) {
    // No offline queue: a request must not wait on a Redis that is away; the insurance limiter answers.
    redis = new Redis(settings.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    let warned = false;
    redis.on('error', (error: Error) => {
      if (!warned) logger?.warn({ error: error.message }, 'rate-limit store unreachable; each gateway process counts alone until it is back');
      warned = true;
    });
    redis.on('ready', () => (warned = false));
    const client = redis;
    connected = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  const limiter = (name: string, points: number, duration: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix: `${prefix}:${name}`, points, duration });
    return redis
      ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:${name}`, points, duration, insuranceLimiter: memory, rejectIfRedisNotReady: true })
      : memory;
  };
  const customers = limiter('customer', settings.perCustomer, settings.windowSeconds);
  const staff = limiter('staff', settings.perStaff, settings.windowSeconds);
  const anonymous = limiter('address', settings.perAnonymousAddress, settings.windowSeconds);
  const failedTokens = limiter('failed-token', settings.failedTokensPerAddress, 60);
  const registrationsByAddress = limiter('register-address', settings.registrationsPerAddress, HOUR);
  const registrationsByPhone = limiter('register-phone', settings.registrationsPerPhone, HOUR);

  /** Milliseconds to wait when the key is over its limit, else undefined. */
  const take = async (rl: RateLimiterAbstract, key: string): Promise<number | undefined> => {
    try {
      await rl.consume(key);
      return undefined;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return rejection.msBeforeNext;
      throw rejection;
    }
  };
  const addressOf = (req: IncomingMessage) => clientAddress(req, settings.trustedProxies);

  return {
    ready: () => connected,
    clientAddress: addressOf,
    async admit(req, verifyToken) {
      const address = addressOf(req);
      // Past the failed-token limit the whole address waits, valid tokens too: otherwise the
      // answer to a guess would still tell a good token from a bad one.
      const failures = await failedTokens.get(address);
      if (failures && failures.consumedPoints >= settings.failedTokensPerAddress) return tooMany(failures.msBeforeNext);
      let identity: Identity | undefined;
      try {
        identity = await verifyToken();
      } catch (error) {
        // A refused token is counted here and answered 401/403 by Apollo's context as before; any
        // other failure is the context's to answer, and counts as the address's request.
        if (error instanceof AppError || (error as { name?: unknown })?.name === 'AppError') await take(failedTokens, address);
      }
      const wait =
        identity?.kind === 'customer'
          ? await take(customers, identity.customerId)
          : identity?.kind === 'staff'
            ? await take(staff, identity.staffId)
            : await take(anonymous, address);
      return wait === undefined ? undefined : tooMany(wait);
    },
    plugin: {
      async requestDidStart({ contextValue }) {
        const caller = contextValue as ContextWithCaller;
        // Staff sign customers up at the counter and read any customer by phone anyway: their own
        // request limit bounds them, not the anonymous sign-up limits.
        if (caller.identity?.kind === 'staff') return {};
        const address = caller.clientAddress ?? 'unknown';
        return {
          async didResolveOperation({ operation, document, request }) {
            if (!operation) return;
            const fields = moneyAndAccountFields(operation, document);
            // Hooks run side by side: an operation oneMoneyMutationPlugin refuses counts nothing here.
            const field = fields.length === 1 && fields[0]?.name.value === 'registerCustomer' ? fields[0] : undefined;
            if (!field) return;
            const byAddress = await take(registrationsByAddress, address);
            if (byAddress !== undefined) throw tooManyError(byAddress);
            const phone = registrationPhone(field, request.variables ?? {});
            if (phone === undefined) return;
            const byPhone = await take(registrationsByPhone, phone);
            if (byPhone !== undefined) throw tooManyError(byPhone);
          },
        };
      },
    },
    async close() {
      redis?.disconnect();
    },
  };
}
