import { z } from 'zod';
import { UpstreamClient, UpstreamUnavailableError, type UpstreamResilience } from '../../platform/http/upstream-client.js';
import {
  RetailCrmApiError,
  type CrmBy,
  type CrmCustomer,
  type CrmCustomerFilter,
  type CrmCustomerHistoryRecord,
  type CrmCustomerInput,
  type CrmPageLimit,
  type CrmPagination,
  type RetailCrmCustomersPort,
} from './retailcrm.port.js';

export interface RetailCrmClientOptions {
  /** The account's root, e.g. `https://shop.retailcrm.ru` (without `/api/v5`). */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Site (shop) code the customers are created in and looked up by externalId in. */
  readonly site: string;
  readonly timeoutMs: number;
  /** Client-side limit; RetailCRM allows 10 per second per key, shared by every client of that key. Default 10. */
  readonly requestsPerSecond?: number;
  /** Retries and circuit breaker, when the defaults of UpstreamClient do not fit. */
  readonly resilience?: UpstreamResilience;
}

const API = '/api/v5';

// ---- PHP-style encoding, as the official clients send it -------------------------------------

type QueryValue = string | number | readonly (string | number)[] | undefined;

/** `key=v` pairs, lists as repeated `key[]=v`, keys and values percent-encoded. */
function queryString(params: Readonly<Record<string, QueryValue>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) parts.push(`${encodeURIComponent(`${key}[]`)}=${encodeURIComponent(String(item))}`);
    } else {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
    }
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** `application/x-www-form-urlencoded`; nested entities travel as JSON in one field. */
function formBody(fields: Readonly<Record<string, string | undefined>>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) form.append(key, value);
  return form.toString();
}

// ---- Response shapes: only what we read; RetailCRM omits absent fields, some clients send null ------

const optionalString = z.string().nullish().transform((v) => v ?? undefined);

const customerSchema = z.object({
  id: z.number().int(),
  externalId: z.union([z.string(), z.number()]).nullish().transform((v) => (v === null || v === undefined ? undefined : String(v))),
  site: optionalString,
  createdAt: z.string(),
  firstName: optionalString,
  lastName: optionalString,
  patronymic: optionalString,
  email: optionalString,
  sex: optionalString,
  birthday: optionalString,
  phones: z
    .array(z.object({ number: z.union([z.string(), z.number()]).transform(String) }))
    .nullish()
    .transform((v) => v ?? []),
  // PHP prints an empty map as [] — seen in RetailCRM's own history fixtures.
  customFields: z
    .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
    .nullish()
    .transform((v) => (v && !Array.isArray(v) ? v : {})),
  discountCardNumber: optionalString,
});

const paginationSchema = z.object({
  limit: z.number(),
  totalCount: z.number(),
  currentPage: z.number(),
  totalPageCount: z.number(),
});

// Loose: creation and deletion records carry the whole customer in the same field.
const customerRefSchema = z.looseObject({
  id: z.number().int(),
  externalId: z.union([z.string(), z.number()]).nullish().transform((v) => (v === null || v === undefined ? undefined : String(v))),
  site: optionalString,
});

const historyRecordSchema = z.object({
  id: z.number().int(),
  createdAt: z.string(),
  created: z.boolean().optional(),
  deleted: z.boolean().optional(),
  source: z.string(),
  field: z.string(),
  oldValue: z.unknown(),
  newValue: z.unknown(),
  apiKey: z.object({ current: z.boolean() }).optional(),
  user: z.object({ id: z.number().int() }).optional(),
  customer: customerRefSchema,
});

const listResponse = z.object({ pagination: paginationSchema, customers: z.array(customerSchema) });
const getResponse = z.object({ customer: customerSchema });
const idResponse = z.object({ id: z.number().int() });
const historyResponse = z.object({ generatedAt: z.string(), history: z.array(historyRecordSchema), pagination: paginationSchema });

function toCrmCustomer(c: z.infer<typeof customerSchema>): CrmCustomer {
  return {
    id: c.id,
    ...(c.externalId !== undefined ? { externalId: c.externalId } : {}),
    ...(c.site !== undefined ? { site: c.site } : {}),
    createdAt: c.createdAt,
    ...(c.firstName !== undefined ? { firstName: c.firstName } : {}),
    ...(c.lastName !== undefined ? { lastName: c.lastName } : {}),
    ...(c.patronymic !== undefined ? { patronymic: c.patronymic } : {}),
    ...(c.email !== undefined ? { email: c.email } : {}),
    ...(c.sex === 'male' || c.sex === 'female' ? { sex: c.sex } : {}),
    ...(c.birthday !== undefined ? { birthday: c.birthday } : {}),
    phones: c.phones,
    customFields: c.customFields,
    ...(c.discountCardNumber !== undefined ? { discountCardNumber: c.discountCardNumber } : {}),
  };
}

function toHistoryRecord(r: z.infer<typeof historyRecordSchema>): CrmCustomerHistoryRecord {
  const ref = r.customer;
  const full = r.created || r.deleted ? customerSchema.safeParse(r.customer) : undefined;
  return {
    id: r.id,
    createdAt: r.createdAt,
    ...(r.created !== undefined ? { created: r.created } : {}),
    ...(r.deleted !== undefined ? { deleted: r.deleted } : {}),
    source: r.source,
    field: r.field,
    oldValue: r.oldValue ?? null,
    newValue: r.newValue ?? null,
    ...(r.apiKey ? { apiKey: r.apiKey } : {}),
    ...(r.user ? { user: r.user } : {}),
    customer: {
      id: ref.id,
      ...(ref.externalId !== undefined ? { externalId: ref.externalId } : {}),
      ...(ref.site !== undefined ? { site: ref.site } : {}),
    },
    ...(full?.success ? { snapshot: toCrmCustomer(full.data) } : {}),
  };
}

/** `errors` is a map keyed by field, or (PHP list) an array: flattened to field → message. */
function errorsOf(errors: unknown): Record<string, string> {
  if (errors === null || typeof errors !== 'object') return {};
  const entries = Array.isArray(errors) ? errors.map((v, i) => [String(i), v] as const) : Object.entries(errors);
  return Object.fromEntries(entries.map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

const EMPTY_PAGE = (limit: number): CrmPagination => ({ limit, totalCount: 0, currentPage: 1, totalPageCount: 0 });

/** RetailCRM's answer to a create whose externalId is taken (wording seen in its bulk-upload errors). */
function isDuplicateExternalId(error: RetailCrmApiError): boolean {
  const messages = [error.errorMsg, ...Object.entries(error.errors).map(([k, v]) => `${k} ${v}`)];
  return error.status === 400 && messages.some((m) => /externalId/i.test(m) && /already exists/i.test(m));
}

/**
 * The RetailCRM API v5 connector, customers part, on UpstreamClient (timeouts, retries, rate
 * limit, circuit breaker). Requests are shaped as the official clients shape them: `X-API-KEY`
 * header, bracketed query parameters, form bodies with the entity as JSON in one field.
 * `success: false` answers throw RetailCrmApiError; outages throw UpstreamUnavailableError.
 */
export function createRetailCrmClient(o: RetailCrmClientOptions): RetailCrmCustomersPort & { readonly upstream: UpstreamClient; close(): Promise<void> } {
  const options = Object.freeze({ ...o });
  const upstream = new UpstreamClient({
    system: 'retailcrm',
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    requestsPerSecond: options.requestsPerSecond ?? 10,
    headers: { 'X-API-KEY': options.apiKey },
    ...options.resilience,
  });

  async function call<T>(
    schema: z.ZodType<T>,
    req: { method: 'GET' | 'POST'; path: string; form?: Record<string, string | undefined>; idempotent: boolean },
  ): Promise<T> {
    const response = await upstream.send({
      method: req.method,
      path: `${API}${req.path}`,
      ...(req.form ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: formBody(req.form) } : {}),
      idempotent: req.idempotent,
    });
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      // An HTML page instead of JSON: nginx answering for an account that does not exist (as both official clients read it).
      if (response.status >= 400) throw new RetailCrmApiError(response.status, 'Account does not exist.', {});
      throw new UpstreamUnavailableError('retailcrm', `answered ${response.status} with a body that is not JSON`, response.status);
    }
    const envelope = body as { success?: unknown; errorMsg?: unknown; errors?: unknown } | null;
    if (response.status >= 400 || envelope?.success !== true) {
      const errorMsg = typeof envelope?.errorMsg === 'string' ? envelope.errorMsg : `HTTP ${response.status}`;
      throw new RetailCrmApiError(response.status, errorMsg, errorsOf(envelope?.errors));
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new UpstreamUnavailableError('retailcrm', `unexpected response to ${req.method} ${req.path.split('?')[0]}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, response.status);
    }
    return parsed.data;
  }

  const customerPath = (id: string | number) => `/customers/${encodeURIComponent(String(id))}`;

  async function getCustomer(id: string | number, by: CrmBy): Promise<CrmCustomer | undefined> {
    try {
      const { customer } = await call(getResponse, { method: 'GET', path: `${customerPath(id)}${queryString({ by, site: options.site })}`, idempotent: true });
      return toCrmCustomer(customer);
    } catch (error) {
      if (error instanceof RetailCrmApiError && error.status === 404 && error.errorMsg === 'Not found') return undefined;
      throw error;
    }
  }

  return {
    upstream,

    async listCustomers(filter: CrmCustomerFilter, page: { limit?: CrmPageLimit; page?: number } = {}) {
      if (filter.ids?.length === 0 || filter.externalIds?.length === 0) return { customers: [], pagination: EMPTY_PAGE(page.limit ?? 20) };
      const query = queryString({
        'filter[ids]': filter.ids,
        'filter[externalIds]': filter.externalIds,
        'filter[name]': filter.name,
        'filter[email]': filter.email,
        limit: page.limit,
        page: page.page,
      });
      const { customers, pagination } = await call(listResponse, { method: 'GET', path: `/customers${query}`, idempotent: true });
      return { customers: customers.map(toCrmCustomer), pagination };
    },

    getCustomer,

    async createCustomer(customer: CrmCustomerInput) {
      const keyed = customer.externalId !== undefined;
      try {
        const { id } = await call(idResponse, {
          method: 'POST',
          path: '/customers/create',
          form: { customer: JSON.stringify(customer), site: options.site },
          idempotent: keyed,
        });
        return { id };
      } catch (error) {
        if (!keyed || !(error instanceof RetailCrmApiError) || !isDuplicateExternalId(error)) throw error;
        const existing = await getCustomer(customer.externalId!, 'externalId');
        if (!existing) throw error;
        return { id: existing.id, alreadyExisted: true };
      }
    },

    async editCustomer(id: string | number, by: CrmBy, customer: CrmCustomerInput) {
      // Every field we send is set to an absolute value (no addTags-style increments): a replay is harmless.
      const result = await call(idResponse, {
        method: 'POST',
        path: `${customerPath(id)}/edit`,
        form: { customer: JSON.stringify(customer), by, site: options.site },
        idempotent: true,
      });
      return { id: result.id };
    },

    async fixExternalIds(rows: readonly { id: number; externalId: string }[]) {
      if (rows.length === 0) return;
      await call(z.object({}), {
        method: 'POST',
        path: '/customers/fix-external-ids',
        form: { customers: JSON.stringify(rows.map((r) => ({ id: r.id, externalId: r.externalId }))) },
        idempotent: true,
      });
    },

    async customersHistory(sinceId: number, limit?: CrmPageLimit) {
      const query = queryString({ 'filter[sinceId]': sinceId, limit });
      const response = await call(historyResponse, { method: 'GET', path: `/customers/history${query}`, idempotent: true });
      return { history: response.history.map(toHistoryRecord), pagination: response.pagination, generatedAt: response.generatedAt };
    },

    close: () => upstream.close(),
  };
}
