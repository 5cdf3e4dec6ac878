import { z } from 'zod';

const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-0123456789';
const DEV_IDENTITY_SECRET = 'dev-only-gateway-identity-secret-0123456789';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const url = (fallback: string) => z.string().url().default(fallback);
const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z.string().url().optional(),
  PGLITE_DATA_DIR: z.string().default('.data/pglite'),
  /** Statements with parameters go to Postgres as named prepared statements (platform/db/prepared-statements.ts); false for a pooler that does not keep them per client. */
  DATABASE_PREPARED_STATEMENTS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /**
   * How long a stopping process lets its requests in flight finish before it cuts them (then
   * background work stops and the database closes, whatever this is).
   */
  SHUTDOWN_GRACE_MS: ms(10_000),

  JWT_SECRET: z.string().min(32).default(DEV_JWT_SECRET),
  JWT_JWKS_URL: z.string().url().optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  /** The longest a caller's token may live (exp − iat): longer ones, and ones with no exp, are refused. */
  JWT_MAX_CUSTOMER_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(24),
  JWT_MAX_STAFF_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  GATEWAY_IDENTITY_SECRET: z.string().min(32).default(DEV_IDENTITY_SECRET),
  /** How long the gateway waits for one subgraph call before it answers without that part (UPSTREAM_UNAVAILABLE). */
  GATEWAY_SUBGRAPH_TIMEOUT_MS: ms(10_000),
  /** How long one request may take through the gateway in all: no subgraph call starts or runs past it. */
  GATEWAY_REQUEST_DEADLINE_MS: ms(20_000),
  /** How long the gateway answers synced entity fields (an offer's price, a product's name) from memory; 0: never (`gateway/entity-cache.ts`). */
  GATEWAY_ENTITY_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
  /** Where the gateways keep their rate-limit counters, so every gateway process counts into one; unset, each counts alone. */
  REDIS_URL: z.string().url().optional(),
  /** Limits per caller at the gateway: on by default, off unless set under NODE_ENV=test (every test request comes from 127.0.0.1). */
  GATEWAY_RATE_LIMITS: z.enum(['on', 'off']).optional(),
  GATEWAY_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Requests per window by one customer (token subject), one staff member, one anonymous address. */
  GATEWAY_RATE_CUSTOMER: z.coerce.number().int().min(1).default(300),
  GATEWAY_RATE_STAFF: z.coerce.number().int().min(1).default(1200),
  GATEWAY_RATE_ANONYMOUS: z.coerce.number().int().min(1).default(60),
  /** registerCustomer attempts per hour from one address and for one phone: what bounds phone enumeration. */
  GATEWAY_REGISTRATIONS_PER_ADDRESS_HOUR: z.coerce.number().int().min(1).default(20),
  GATEWAY_REGISTRATIONS_PER_PHONE_HOUR: z.coerce.number().int().min(1).default(5),
  /** Requests with a token that does not verify, per address and minute; past it the address gets 429 until the minute ends. */
  GATEWAY_FAILED_TOKENS_PER_ADDRESS_MINUTE: z.coerce.number().int().min(1).default(20),
  /** Proxies in front of the gateway that append the caller to X-Forwarded-For (0: the socket's address is the caller's). */
  GATEWAY_TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),

  HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: port(4000),
  /**
   * Where the gateway serves `/metrics` (on HOST): never on the GraphQL port, which faces callers.
   * Unset: the GraphQL port serves it too, except in production.
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  CUSTOMER_PORT: port(4001),
  ORDER_PORT: port(4002),
  LOYALTY_PORT: port(4003),
  INVENTORY_PORT: port(4004),
  RETAILCRM_EMULATOR_PORT: port(4101),
  BONUSPLUS_EMULATOR_PORT: port(4102),
  ONEC_EMULATOR_PORT: port(4103),

  CUSTOMER_URL: url('http://127.0.0.1:4001/graphql'),
  LOYALTY_URL: url('http://127.0.0.1:4003/graphql'),
  INVENTORY_URL: url('http://127.0.0.1:4004/graphql'),

  RETAILCRM_URL: url('http://127.0.0.1:4101'),
  RETAILCRM_API_KEY: z.string().min(1).default('demo-retailcrm-key'),
  RETAILCRM_SITE: z.string().min(1).default('fashion-shop'),
  RETAILCRM_RPS: z.coerce.number().positive().default(10),
  BONUSPLUS_URL: url('http://127.0.0.1:4102'),
  BONUSPLUS_API_KEY: z.string().min(1).default('demo-bonusplus-key'),
  /** Requests per second the BonusPlus account allows (ASSUMED: the public docs give no figure). */
  BONUSPLUS_RPS: z.coerce.number().positive().default(20),
  /**
   * The emulated program's delay before a sale's bonuses become active. The graph records a sale
   * only once the order is fully paid (R8), so the demo program activates them at once.
   */
  BONUSPLUS_EMULATOR_ACTIVATION_DAYS: z.coerce.number().int().min(0).default(0),
  /**
   * How a return reaches BonusPlus: `retail-return` (the ASSUMED receipt route) or `balance-patch`
   * (the documented `PATCH customer/{phone}/balance`); see the README's Decisions.
   */
  BONUSPLUS_RETURN_STRATEGY: z.enum(['retail-return', 'balance-patch']).default('retail-return'),
  ONEC_URL: url('http://127.0.0.1:4103/trade'),
  ONEC_LOGIN: z.string().min(1).default('integration'),
  ONEC_PASSWORD: z.string().min(1).default('demo-1c-password'),
  /** Code or name of the 1C warehouse that serves the online shop. */
  ONEC_ONLINE_WAREHOUSE: z.string().min(1).default('Интернет-магазин'),
  UPSTREAM_TIMEOUT_MS: ms(5000),
  /** How long a connector fails fast after repeated failures before it tries the upstream again. */
  UPSTREAM_BREAKER_COOLDOWN_MS: ms(5000),

  LOYALTY_WELCOME_BONUS: z.coerce.number().int().min(0).default(500),
  LOYALTY_DEFAULT_CARD_TYPE: z.string().min(1).default('Silver'),
  LOYALTY_READ_MODEL_TTL_MS: ms(60_000),
  /**
   * An account read past its TTL by no more than this is served as stored while BonusPlus is read
   * again in the background (one call for every account due at once), so an account page never
   * waits on BonusPlus's budget for figures it holds. 0: read again before answering.
   */
  LOYALTY_READ_MODEL_SERVE_STALE_MS: z.coerce.number().int().min(0).default(10 * 60_000),
  /** Lots expiring within this many days get a warning on the customer's CRM card, once per lot. */
  LOYALTY_EXPIRY_WARNING_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  /** How often the expiring-bonuses warning run looks for lots (daily). */
  LOYALTY_EXPIRY_CHECK_INTERVAL_MS: ms(24 * 3600_000),

  CUSTOMER_SYNC_INTERVAL_MS: ms(2_000),
  /**
   * How often the showroom import (BonusPlus → RetailCRM, F10) runs by itself: at start-up, then
   * this long after each run. 0 (the default): only when an admin asks (`npm run import:showroom`).
   */
  CUSTOMER_SHOWROOM_IMPORT_INTERVAL_MS: z.coerce.number().int().min(0).default(0),
  ORDER_URL: url('http://127.0.0.1:4002/graphql'),
  /** How long an order's stock and bonus holds last while it awaits confirmation or payment. */
  ORDER_HOLD_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(86_400),
  /** A placement that has not finished after this long (its process died) is finished or undone. */
  ORDER_PLACEMENT_TIMEOUT_MS: ms(5 * 60_000),
  /**
   * A placement that failed while its bonus reserve was unanswered gives the reserve back at once
   * and again this long after: a request BonusPlus was still holding may land after the first
   * release (a release of nothing is a no-op there). Longer than any upstream or proxy keeps a request.
   */
  ORDER_LATE_RESERVE_RELEASE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(180),
  /** How often RetailCRM's order history, 1C's order states and lapsed holds are checked. */
  ORDER_SYNC_INTERVAL_MS: ms(2_000),
  ORDER_ONEC_POLL_INTERVAL_MS: ms(10_000),
  ORDER_EXPIRY_INTERVAL_MS: ms(30_000),
  /**
   * How long BonusPlus's calculation of a cart is remembered for the same customer (0: never). A
   * change of the customer's orders or a bonus move by this process forgets it at once; a change
   * made outside the graph (a showroom purchase, bonuses burning, new program rules) shows after it.
   */
  ORDER_BONUS_CALCULATION_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** Whether customers may return their own paid orders through the graph; staff always may. */
  ORDER_CUSTOMER_RETURNS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  INVENTORY_CATALOG_SYNC_INTERVAL_MS: ms(3 * 3600_000),
  INVENTORY_STOCK_SYNC_INTERVAL_MS: ms(60_000),
  INVENTORY_SYNC_PAGE_SIZE: z.coerce.number().int().min(10).max(5000).default(1000),
  /**
   * How long an offer's price and 1C stock figures are remembered by an inventory process (0:
   * never). Holds are read on every request; a newer stock snapshot empties the cache at once.
   */
  INVENTORY_STOCK_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /**
   * How long an idempotency key replays its stored answer (hours, at least 24); an hourly job forgets
   * older ones, after which the same key runs the mutation again.
   */
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(24).default(24),
  OUTBOX_POLL_INTERVAL_MS: ms(500),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(12),
  /**
   * Messages each outbox relay handles at once. Above one, a relay keeps RetailCRM's budget busy
   * while a handler does its own work between calls; handlers are safe in any order, as they must
   * be for relays in several processes.
   */
  OUTBOX_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),

  SEED_DEMO: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  SEED_ONLINE_CUSTOMERS: z.coerce.number().int().min(0).default(300),
  SEED_SHOWROOM_CUSTOMERS: z.coerce.number().int().min(0).default(120),
  SEED_CATALOG_PRODUCTS: z.coerce.number().int().min(0).default(600),
});

export type Config = Readonly<z.infer<typeof schema>>;

/**
 * Parses the environment once, fails fast with every problem listed, and freezes the result.
 * Production refuses the development secrets.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const config = parsed.data;
  if (config.NODE_ENV === 'production') {
    if (config.JWT_SECRET === DEV_JWT_SECRET && !config.JWT_JWKS_URL) throw new Error('invalid configuration: set JWT_SECRET or JWT_JWKS_URL in production');
    if (config.GATEWAY_IDENTITY_SECRET === DEV_IDENTITY_SECRET) throw new Error('invalid configuration: set GATEWAY_IDENTITY_SECRET in production');
    // A token minted for another service of the same identity provider must not open this one.
    if (!config.JWT_ISSUER || !config.JWT_AUDIENCE) throw new Error('invalid configuration: set JWT_ISSUER and JWT_AUDIENCE in production');
  }
  return Object.freeze(config);
}
