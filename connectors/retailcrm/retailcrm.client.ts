import { z } from 'zod';
import type { UpstreamBudget } from '../../platform/http/upstream-budget.js';
import { UpstreamClient, type UpstreamResilience } from '../../platform/http/upstream-client.js';
import { createCall, EMPTY_PAGE, historyRecordBaseSchema, isDuplicateExternalId, optionalString, paginationSchema, queryString } from './retailcrm.transport.js';
import { retailCrmOrders } from './retailcrm-orders.client.js';
import type { RetailCrmOrdersPort } from './retailcrm-orders.port.js';
import {
  RetailCrmApiError,
  type CrmBy,
  type CrmCustomer,
  type CrmCustomerFilter,
  type CrmCustomerHistoryRecord,
  type CrmCustomerInput,
  type CrmPageLimit,
  type RetailCrmCustomersPort,
} from './retailcrm.port.js';

export interface RetailCrmClientOptions {
  /** The account's root, e.g. `https://shop.retailcrm.ru` (without `/api/v5`). */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Site (shop) code the customers are created in and looked up by externalId in. */
  readonly site: string;
  readonly timeoutMs: number;
  /** The key's request budget, shared by every client and process using the key (`sharedUpstreamBudget`); the client releases it on close. */
  readonly budget?: UpstreamBudget;
  /** Without a `budget`, one of the client's own at this rate; RetailCRM allows 10 per second per key. Default 10. */
  readonly requestsPerSecond?: number;
  /** Retries and circuit breaker, when the defaults of UpstreamClient do not fit. */
  readonly resilience?: UpstreamResilience;
}


// ---- Response shapes: only what we read; RetailCRM omits absent fields, some clients send null ------


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


// Loose: creation and deletion records carry the whole customer in the same field.
const customerRefSchema = z.looseObject({
  id: z.number().int(),
  externalId: z.union([z.string(), z.number()]).nullish().transform((v) => (v === null || v === undefined ? undefined : String(v))),
  site: optionalString,
});

const historyRecordSchema = historyRecordBaseSchema.extend({
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

/**
 * The RetailCRM API v5 connector (customers and orders parts), on UpstreamClient (timeouts, retries, rate
 * limit, circuit breaker). Requests are shaped as the official clients shape them: `X-API-KEY`
 * header, bracketed query parameters, form bodies with the entity as JSON in one field.
 * `success: false` answers throw RetailCrmApiError; outages throw UpstreamUnavailableError.
 */
export function createRetailCrmClient(o: RetailCrmClientOptions): RetailCrmCustomersPort & RetailCrmOrdersPort & { readonly upstream: UpstreamClient; close(): Promise<void> } {
  const options = Object.freeze({ ...o });
  const upstream = new UpstreamClient({
    system: 'retailcrm',
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    requestsPerSecond: options.requestsPerSecond ?? 10,
    ...(options.budget ? { budget: options.budget } : {}),
    headers: { 'X-API-KEY': options.apiKey },
    ...options.resilience,
  });

  const call = createCall(upstream);

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
    ...retailCrmOrders(call, options.site),

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
