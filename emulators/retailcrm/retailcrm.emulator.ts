import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/database.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { Router, startEmulatorServer, type EmulatorRequest, type EmulatorResponse } from '../kit/emulator-server.js';
import { FaultSwitches } from '../kit/faults.js';
import { list, map, parseForm, parseQuery, scalar, type PhpParams } from './php-params.js';
import { SlidingWindowLimiter } from '../kit/rate-limiter.js';
import {
  applyPatch,
  blankCustomer,
  customerRef,
  diffCustomer,
  parseCustomerPatch,
  toApiCustomer,
  type CustomerPatch,
  type CustomerState,
} from './retailcrm-customer.model.js';
import {
  clearCustomers,
  customFieldTypes,
  externalIdTaken,
  findCustomer,
  findCustomersByIds,
  insertCustomers,
  insertHistory,
  listCustomers,
  listHistory,
  lockWrites,
  updateCustomer,
  type CustomerFilter,
  type HistoryFilter,
} from './retailcrm-customers.repository.js';
import type { HistoryInsert, RetailCrmEmulatorDb } from './retailcrm-emulator.table.js';
import {
  ERROR,
  entityErrors,
  fail,
  formatCrmDateTime,
  injectedFailure,
  missingParameter,
  notFound,
  ok,
  validationErrors,
} from './retailcrm-envelope.js';
import { seedCustomers } from './retailcrm-seed.js';
import { clearOrders } from './retailcrm-orders.repository.js';
import { addOrderRoutes } from './retailcrm-orders.routes.js';
import { apiKeyOf, byOf, historyFilterOf, historyRecordBase, INTEGER, isResponse, json, pageOf, pagination, unsupportedFilters } from './retailcrm-request.js';

export { retailCrmEmulatorSchema } from './retailcrm-emulator.migrations.js';
export { demoCustomerExternalId } from './retailcrm-seed.js';

export interface RetailCrmEmulatorOptions {
  readonly db: Database;
  /** Keys the account accepts; each covers every site. */
  readonly apiKeys: readonly string[];
  /** Site (shop) codes; seeded customers live on the first. */
  readonly sites: readonly string[];
  /** Per API key, within any one-second window. Default 10, as the real API. */
  readonly requestsPerSecond?: number;
}

/** One request that passed the fault switches, as the rate limit saw it. */
export interface RetailCrmJournalEntry {
  /** When it arrived (epoch ms). */
  readonly at: number;
  readonly method: string;
  /** Without the query string. */
  readonly path: string;
  /** Refused by the per-key rate limit (503). */
  readonly limited: boolean;
}

export interface RetailCrmEmulator {
  readonly faults: FaultSwitches;
  /**
   * The last 10,000 API requests past the fault switches, oldest first (also `GET /__emulator/journal`):
   * what a test counts per second to see what several processes together sent.
   */
  readonly journal: readonly RetailCrmJournalEntry[];
  /**
   * Idempotent: seeds once (if no customers exist): demo people 0..onlineCustomers-1 and their
   * orders (demoOrdersOf), dated back from `now` (default: the current time).
   */
  seed(o: { onlineCustomers: number; now?: Date }): Promise<void>;
  /** Empties customers, orders, payments and both histories (custom field definitions stay). For tests. */
  reset(): Promise<void>;
  start(port: number, host?: string): Promise<RunningServer>;
}

const CUSTOMER_FILTERS = new Set(['ids', 'externalIds', 'name', 'email', 'sites']);

function customerFilterOf(params: PhpParams): CustomerFilter | EmulatorResponse {
  const filter = map(params.filter) ?? {};
  const refused = unsupportedFilters(filter, CUSTOMER_FILTERS);
  if (refused) return refused;
  const errors: Record<string, string> = {};
  const strings = (key: string): string[] | undefined => {
    if (filter[key] === undefined) return undefined;
    const values = list(filter[key]);
    if (values.some((v) => typeof v !== 'string')) errors[`filter[${key}]`] = 'This value is not valid.';
    return values.filter((v): v is string => typeof v === 'string');
  };
  const ids = strings('ids');
  if (ids?.some((id) => !INTEGER.test(id))) errors['filter[ids]'] = 'This value is not valid.';
  const result: CustomerFilter = {
    ids: ids?.map(Number),
    externalIds: strings('externalIds'),
    name: scalar(filter.name),
    email: scalar(filter.email),
    sites: strings('sites'),
  };
  return Object.keys(errors).length > 0 ? validationErrors(errors) : result;
}




/** Parses `customer=<json>`: missing, malformed and invalid are the API's three different answers. */
async function customerPatchOf(db: Kysely<RetailCrmEmulatorDb>, form: PhpParams): Promise<CustomerPatch | EmulatorResponse> {
  const text = scalar(form.customer);
  if (text === undefined) return missingParameter('customer');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return entityErrors({ customer: 'This value is not valid JSON.' });
  }
  const parsed = parseCustomerPatch(raw, await customFieldTypes(db));
  return parsed.ok ? parsed.patch : entityErrors(parsed.errors);
}

const duplicateExternalId = (externalId: string) => `Customer with externalId=${externalId} already exists.`;

/**
 * A stand-in for the RetailCRM API v5, customers part, over real HTTP: authentication, PHP-style
 * parameters, form bodies with JSON in one field, the error envelope, pagination, the history
 * change feed and the per-key rate limit. See README.md for what is observed and what is assumed.
 */
export function createRetailCrmEmulator(o: RetailCrmEmulatorOptions): RetailCrmEmulator {
  if (o.apiKeys.length === 0) throw new Error('RetailCRM emulator: at least one API key is required');
  if (o.sites.length === 0) throw new Error('RetailCRM emulator: at least one site is required');
  const options = Object.freeze({ apiKeys: [...o.apiKeys], sites: [...o.sites], requestsPerSecond: o.requestsPerSecond ?? 10 });
  const db = o.db as Kysely<RetailCrmEmulatorDb>;
  const keys = new Set(options.apiKeys);
  const faults = new FaultSwitches();
  const limiter = new SlidingWindowLimiter(options.requestsPerSecond);
  const journal: RetailCrmJournalEntry[] = [];
  const JOURNAL_SIZE = 10_000;

  const siteOf = (params: PhpParams): string | undefined | EmulatorResponse => {
    if (params.site === undefined) return undefined;
    const site = scalar(params.site);
    // The emulator's keys cover exactly its sites; another site is one the key may not touch.
    return site !== undefined && options.sites.includes(site) ? site : fail(403, ERROR.accessDenied);
  };

  const guard = (req: EmulatorRequest): EmulatorResponse | undefined => {
    const key = apiKeyOf(req);
    if (!key) return fail(403, ERROR.apiKeyMissing);
    if (!keys.has(key)) return fail(403, ERROR.apiKeyWrong);
    const slot = limiter.tryAcquire(key);
    journal.push({ at: Date.now(), method: req.method, path: req.path, limited: !slot.ok });
    if (journal.length > JOURNAL_SIZE) journal.splice(0, journal.length - JOURNAL_SIZE);
    if (slot.ok) return undefined;
    return {
      status: 503,
      headers: { 'retry-after': String(Math.max(1, Math.ceil(slot.retryAfterMs / 1000))) },
      body: { success: false, errorMsg: `API rate limit exceeded: no more than ${options.requestsPerSecond} requests per second for one API key.` },
    };
  };

  const customersList = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const params = parseQuery(req.query);
    const page = pageOf(params);
    if (isResponse(page)) return page;
    const filter = customerFilterOf(params);
    if (isResponse(filter)) return filter;
    const { customers, total } = await listCustomers(db, filter, page.limit, page.page);
    return ok({ pagination: pagination(page, total), customers: customers.map(toApiCustomer) });
  };

  const history = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const params = parseQuery(req.query);
    const page = pageOf(params);
    if (isResponse(page)) return page;
    const fields = historyFilterOf(params, 'customer');
    if (isResponse(fields)) return fields;
    const filter: HistoryFilter = { sinceId: fields.sinceId, customerId: fields.entityId, customerExternalId: fields.entityExternalId, startDate: fields.startDate, endDate: fields.endDate };
    const generatedAt = formatCrmDateTime(new Date());
    const { records, total } = await listHistory(db, filter, page.limit, page.page);
    const callerKey = apiKeyOf(req);
    return ok({ generatedAt, history: records.map((r) => ({ ...historyRecordBase(r, callerKey), customer: r.customer })), pagination: pagination(page, total) });
  };

  const get = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const params = parseQuery(req.query);
    const by = byOf(params);
    if (typeof by === 'object') return by;
    const site = siteOf(params);
    if (typeof site === 'object') return site;
    const key = req.params.externalId!;
    if (by === 'id' && !INTEGER.test(key)) return validationErrors({ id: 'ID must be an integer' });
    const customer = await findCustomer(db, by, key, site);
    return customer ? ok({ customer: toApiCustomer(customer) }) : notFound();
  };

  const create = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const form = parseForm(req.body);
    let site = siteOf(form);
    if (typeof site === 'object') return site;
    if (site === undefined) {
      if (options.sites.length > 1) return missingParameter('site');
      site = options.sites[0]!;
    }
    const patch = await customerPatchOf(db, form);
    if (isResponse(patch)) return patch;
    const apiKey = apiKeyOf(req)!;
    const onSite = site;
    return db.transaction().execute(async (trx) => {
      await lockWrites(trx);
      if (patch.externalId && (await externalIdTaken(trx, onSite, patch.externalId))) {
        return entityErrors({ externalId: duplicateExternalId(patch.externalId) });
      }
      const now = new Date();
      const [customer] = await insertCustomers(trx, [applyPatch(blankCustomer(onSite, now), patch, now)]);
      await insertHistory(trx, [
        {
          created_at: now,
          customer_id: customer!.id,
          created: true,
          deleted: false,
          source: 'api',
          user_id: null,
          api_key: apiKey,
          field: 'id',
          old_value: null,
          new_value: json(customer!.id),
          customer: json(toApiCustomer(customer!)),
        },
      ]);
      return ok({ id: customer!.id }, 201);
    });
  };

  const edit = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const form = parseForm(req.body);
    const by = byOf(form);
    if (typeof by === 'object') return by;
    const site = siteOf(form);
    if (typeof site === 'object') return site;
    const key = req.params.externalId!;
    if (by === 'id' && !INTEGER.test(key)) return validationErrors({ id: 'ID must be an integer' });
    const patch = await customerPatchOf(db, form);
    if (isResponse(patch)) return patch;
    const apiKey = apiKeyOf(req)!;
    return db.transaction().execute(async (trx) => {
      await lockWrites(trx);
      const before = await findCustomer(trx, by, key, site, true);
      if (!before) return notFound();
      if (patch.externalId && (await externalIdTaken(trx, before.site, patch.externalId, before.id))) {
        return entityErrors({ externalId: duplicateExternalId(patch.externalId) });
      }
      const now = new Date();
      const after = applyPatch(before, patch, now);
      const changes = diffCustomer(before, after);
      if (changes.length > 0) {
        await updateCustomer(trx, after);
        await insertHistory(trx, changes.map((c) => apiChange(after, c.field, c.oldValue, c.newValue, apiKey, now)));
      }
      return ok({ id: before.id });
    });
  };

  const fixExternalIds = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const form = parseForm(req.body);
    const text = scalar(form.customers);
    if (text === undefined) return missingParameter('customers');
    let rows: unknown;
    try {
      rows = JSON.parse(text);
    } catch {
      return entityErrors({ customers: 'This value is not valid JSON.' });
    }
    if (!Array.isArray(rows) || rows.length === 0) return entityErrors({ customers: 'This value should be a non-empty array.' });
    const errors: Record<string, string> = {};
    const pairs: { id: number; externalId: string }[] = [];
    rows.forEach((row: unknown, i) => {
      const r = row as { id?: unknown; externalId?: unknown } | null;
      const id = r?.id;
      const externalId = typeof r?.externalId === 'number' ? String(r.externalId) : r?.externalId;
      if (typeof id !== 'number' || !Number.isSafeInteger(id)) errors[`customers[${i}][id]`] = 'This value should be of type integer.';
      else if (typeof externalId !== 'string' || externalId === '') errors[`customers[${i}][externalId]`] = 'This value should not be blank.';
      else pairs.push({ id, externalId });
    });
    if (Object.keys(errors).length > 0) return entityErrors(errors);
    const apiKey = apiKeyOf(req)!;
    return db.transaction().execute(async (trx) => {
      await lockWrites(trx);
      const found = new Map((await findCustomersByIds(trx, pairs.map((p) => p.id))).map((c) => [c.id, c]));
      const claimed = new Map<string, number>();
      for (const [i, pair] of pairs.entries()) {
        const customer = found.get(pair.id);
        if (!customer) {
          errors[`customers[${i}][id]`] = ERROR.notFound;
          continue;
        }
        const claim = `${customer.site}\u0000${pair.externalId}`;
        const taken = (claimed.has(claim) && claimed.get(claim) !== pair.id) || (await externalIdTaken(trx, customer.site, pair.externalId, pair.id));
        if (taken) errors[`customers[${i}][externalId]`] = duplicateExternalId(pair.externalId);
        claimed.set(claim, pair.id);
      }
      if (Object.keys(errors).length > 0) return entityErrors(errors);
      const now = new Date();
      const records: HistoryInsert[] = [];
      for (const pair of pairs) {
        const before = found.get(pair.id)!;
        if (before.externalId === pair.externalId) continue;
        const after: CustomerState = { ...before, externalId: pair.externalId };
        found.set(pair.id, after);
        await updateCustomer(trx, after);
        records.push(apiChange(after, 'external_id', before.externalId, pair.externalId, apiKey, now));
      }
      await insertHistory(trx, records);
      return ok();
    });
  };

  const router = new Router()
    .on('GET', '/api/v5/customers', customersList)
    .on('GET', '/api/v5/customers/history', history)
    .on('POST', '/api/v5/customers/create', create)
    .on('POST', '/api/v5/customers/fix-external-ids', fixExternalIds)
    .on('GET', '/api/v5/customers/:externalId', get)
    .on('POST', '/api/v5/customers/:externalId/edit', edit);

  const reset = async () => {
    await clearOrders(db);
    await clearCustomers(db);
  };

  const seed = async ({ onlineCustomers, now }: { onlineCustomers: number; now?: Date }) => {
    await seedCustomers(db, options.sites[0]!, onlineCustomers, now);
  };

  const control = new Router()
    .on('POST', '/seed', async (req) => {
      const count = Number((JSON.parse(req.body || '{}') as { onlineCustomers?: unknown }).onlineCustomers);
      if (!Number.isSafeInteger(count) || count < 0) return { status: 400, body: { error: 'onlineCustomers must be a non-negative integer' } };
      await seed({ onlineCustomers: count });
      return { status: 200, body: { seeded: true } };
    })
    .on('POST', '/reset', async () => {
      await reset();
      return { status: 200, body: { reset: true } };
    })
    .on('GET', '/journal', () => ({ status: 200, body: journal }));
  addOrderRoutes(router, control, { db, sites: options.sites, siteOf });

  // A maintenance page or a front-end limiter may say when to come back; the fault switch says it too.
  const injected = (status: number): EmulatorResponse => {
    const response = injectedFailure(status);
    const after = faults.current.retryAfterSeconds;
    return after === undefined ? response : { ...response, headers: { ...response.headers, 'retry-after': String(after) } };
  };

  return {
    faults,
    journal,
    seed,
    reset,
    start: (port, host) =>
      startEmulatorServer(
        {
          name: 'retailcrm',
          router,
          faults,
          guard,
          control,
          errors: {
            notFound: () => fail(404, ERROR.methodNotFound),
            methodNotAllowed: () => fail(405, ERROR.methodNotAllowed),
            injected,
            internal: () => fail(500, ERROR.internal),
          },
        },
        port,
        host,
      ),
  };
}

function apiChange(customer: CustomerState, field: string, oldValue: unknown, newValue: unknown, apiKey: string, now: Date): HistoryInsert {
  return {
    created_at: now,
    customer_id: customer.id,
    created: false,
    deleted: false,
    source: 'api',
    user_id: null,
    api_key: apiKey,
    field,
    old_value: oldValue === null ? null : json(oldValue),
    new_value: newValue === null ? null : json(newValue),
    customer: json(customerRef(customer)),
  };
}
