import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/database.js';
import type { SchemaModule } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { z } from 'zod';
import { Router, startEmulatorServer, type EmulatorRequest, type EmulatorResponse } from '../kit/emulator-server.js';
import { FaultSwitches } from '../kit/faults.js';
import { bonusLotJson, bonusPlusRouter, normalisePhone } from './bonusplus.api.js';
import { burnExpiredLots, creditProgramRule, customersWithExpiredLots } from './bonus-ledger.repository.js';
import { findCustomer } from './customer.repository.js';
import { PROGRAM_RULES, type ProgramRule } from './bonusplus.tables.js';
import { activatePending } from './receipt.service.js';
import { bonusPlusEmulatorSchema as schemaModule } from './bonusplus.migrations.js';
import { seedDemoCustomers } from './bonusplus.seed.js';
import type { BonusPlusEmulatorDb } from './bonusplus.tables.js';
import { SlidingWindowLimiter } from '../kit/rate-limiter.js';

/** The emulator's tables: schema `bonusplus_emulator`. */
export const bonusPlusEmulatorSchema: SchemaModule = schemaModule;

/** ASSUMED: BonusPlus publishes no rate limit; the emulator enforces this many requests a second per key. */
export const BONUSPLUS_ASSUMED_REQUESTS_PER_SECOND = 20;

export interface BonusPlusEmulatorOptions {
  readonly db: Database;
  /** Raw keys, as issued in the cabinet; clients send `Authorization: ApiKey <base64(key)>`. */
  readonly apiKeys: readonly string[];
  /** Per key; 0 turns the limit off. Defaults to BONUSPLUS_ASSUMED_REQUESTS_PER_SECOND. */
  readonly requestsPerSecond?: number;
  /**
   * Days a sale's accrual stays "not active" (`notActiveBonuses`); the program's
   * `bonus_activation_days` (14) when absent. 0 makes a sale's bonuses active at once.
   */
  readonly bonusActivationDays?: number;
}

/** An API request the emulator let through to its routes. */
export interface BonusPlusRequestRecord {
  readonly method: string;
  readonly path: string;
  /** Raw body text ('' when none). */
  readonly body: string;
}

/** Requests kept in `requests`: enough for a test to count what it caused, bounded for long runs. */
const REQUEST_LOG_SIZE = 1000;

export interface BonusPlusEmulator {
  readonly faults: FaultSwitches;
  /**
   * The latest API requests let through (authenticated, within the rate limit), oldest first, at
   * most 1,000: tests count the calls the graph made at the source.
   */
  readonly requests: readonly BonusPlusRequestRecord[];
  /** Idempotent: seeds once. Online customers are demo people 0..online-1, showroom-only ones online..online+showroom-1. */
  seed(o: { onlineCustomers: number; showroomCustomers: number }): Promise<void>;
  /** `url` is the base URL (e.g. http://127.0.0.1:4102); the API lives under `/api/`. */
  start(port: number, host?: string): Promise<RunningServer>;
}

// Framework-level answers have the ASP.NET Web API shape `{Message}`, not the API's `{code, msg}`
// (ASSUMED: BonusPlus is an ASP.NET Web API app, judging by its /api/Help pages).
const UNAUTHORIZED: EmulatorResponse = { status: 401, body: { Message: 'Authorization has been denied for this request.' } };
const INTERNAL: EmulatorResponse = { status: 500, body: { Message: 'An error has occurred.' } };
const rateLimited = (retryAfterMs: number): EmulatorResponse => ({
  status: 429,
  headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  body: { code: 'TOO_MANY_REQUESTS', msg: 'Превышен лимит запросов к API' },
});

const JSON_MEDIA_TYPES = new Set(['application/json', 'text/json']);

/** A control route's JSON body, or its 400. */
function controlBody<T>(req: EmulatorRequest, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; response: EmulatorResponse } {
  let json: unknown = {};
  try {
    json = req.body.trim() ? JSON.parse(req.body) : {};
  } catch {
    return { ok: false, response: { status: 400, body: { error: 'body is not JSON' } } };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, response: { status: 400, body: { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') } } };
  return { ok: true, value: parsed.data };
}

export function createBonusPlusEmulator(o: BonusPlusEmulatorOptions): BonusPlusEmulator {
  const db = o.db as Kysely<BonusPlusEmulatorDb>;
  const faults = new FaultSwitches();
  const tokens = new Set(o.apiKeys.map((key) => Buffer.from(key, 'utf8').toString('base64')));
  const rate = o.requestsPerSecond ?? BONUSPLUS_ASSUMED_REQUESTS_PER_SECOND;
  const limiter = rate > 0 ? new SlidingWindowLimiter(rate) : undefined;
  const router = bonusPlusRouter(db, o.bonusActivationDays !== undefined ? { bonusActivationDays: o.bonusActivationDays } : {});

  // Test control: `POST /__emulator/activate {phone?, externalId?}` makes pending accruals active
  // now (all of them, one customer's, or one receipt's) and answers `{activated: <bonuses>}`.
  const activateBody = z.object({ phone: z.string().optional(), externalId: z.string().optional() });
  const ruleBody = z.object({ phone: z.string(), amount: z.number().int().min(1).max(1_000_000) });
  const burnBody = z.object({ phone: z.string().optional() });
  const control = new Router()
    .on('POST', '/activate', async (req) => {
      const parsed = controlBody(req, activateBody);
      if (!parsed.ok) return parsed.response;
      const phone = parsed.value.phone === undefined ? undefined : normalisePhone(parsed.value.phone);
      if (parsed.value.phone !== undefined && !phone) return { status: 400, body: { error: 'phone is not a phone number' } };
      const activated = await activatePending(db, { ...(phone ? { phone } : {}), ...(parsed.value.externalId !== undefined ? { externalId: parsed.value.externalId } : {}) });
      return { status: 200, body: { activated } };
    })
    // Test control: `POST /__emulator/rules/{birthday|holiday|referral|registration} {phone, amount}`
    // credits as BonusPlus's own scheduled rule would (its reason, active now, the rule's expiry)
    // and answers the lot.
    .on('POST', '/rules/:rule', async (req) => {
      const rule = req.params.rule as ProgramRule;
      if (!PROGRAM_RULES.includes(rule)) return { status: 404, body: { error: `no program rule ${req.params.rule}; known: ${PROGRAM_RULES.join(', ')}` } };
      const parsed = controlBody(req, ruleBody);
      if (!parsed.ok) return parsed.response;
      const phone = normalisePhone(parsed.value.phone);
      if (!phone) return { status: 400, body: { error: 'phone is not a phone number' } };
      const customer = await findCustomer(db, { phone });
      if (!customer) return { status: 404, body: { error: `no customer with phone ${phone}` } };
      const lot = await db.transaction().execute(async (trx) => {
        const { lotId } = await creditProgramRule(trx, { customerId: customer.row.id, rule, amount: parsed.value.amount });
        return trx.selectFrom('bonusplus_emulator.bonus_lots').selectAll().where('id', '=', lotId).executeTakeFirstOrThrow();
      });
      return { status: 200, body: bonusLotJson(lot) };
    })
    // Test control: `POST /__emulator/burn {phone?}` writes off expired lots now (one customer's or
    // everyone's) as BonusPlus's nightly run would, and answers `{burned: <bonuses>}`.
    .on('POST', '/burn', async (req) => {
      const parsed = controlBody(req, burnBody);
      if (!parsed.ok) return parsed.response;
      let ids: number[];
      if (parsed.value.phone !== undefined) {
        const phone = normalisePhone(parsed.value.phone);
        if (!phone) return { status: 400, body: { error: 'phone is not a phone number' } };
        const customer = await findCustomer(db, { phone });
        if (!customer) return { status: 404, body: { error: `no customer with phone ${phone}` } };
        ids = [customer.row.id];
      } else {
        ids = await customersWithExpiredLots(db);
      }
      let burned = 0;
      for (const id of ids) burned += await db.transaction().execute((trx) => burnExpiredLots(trx, id));
      return { status: 200, body: { burned } };
    });

  const requests: BonusPlusRequestRecord[] = [];
  const guard = (req: EmulatorRequest): EmulatorResponse | undefined => {
    if (!req.path.startsWith('/api/')) return undefined;
    const match = /^ApiKey\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const token = match?.[1];
    if (!token || !tokens.has(token)) return UNAUTHORIZED;
    const slot = limiter?.tryAcquire(token);
    if (slot && !slot.ok) return rateLimited(slot.retryAfterMs);
    // ASP.NET refuses a body it has no formatter for before the action runs.
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (req.body.length > 0 && !JSON_MEDIA_TYPES.has(mediaType)) {
      return { status: 415, body: { Message: `The request entity's media type '${mediaType || 'application/octet-stream'}' is not supported for this resource.` } };
    }
    requests.push({ method: req.method, path: req.path, body: req.body });
    if (requests.length > REQUEST_LOG_SIZE) requests.splice(0, requests.length - REQUEST_LOG_SIZE);
    return undefined;
  };

  return {
    faults,
    requests,
    seed: (counts) => seedDemoCustomers(db, counts),
    start: (port, host) =>
      startEmulatorServer(
        {
          name: 'bonusplus',
          router,
          faults,
          guard,
          control,
          errors: {
            notFound: (req) => ({
              status: 404,
              body: { Message: `No HTTP resource was found that matches the request URI 'http://${req.headers.host ?? 'localhost'}${req.path}'.` },
            }),
            methodNotAllowed: (req) => ({ status: 405, body: { Message: `The requested resource does not support http method '${req.method}'.` } }),
            injected: (status) => (status === 429 ? rateLimited(1000) : status >= 500 ? { ...INTERNAL, status } : { status, body: { code: 'EMULATED_FAULT', msg: `Injected failure ${status}` } }),
            internal: () => INTERNAL,
          },
        },
        port,
        host,
      ),
  };
}
