import { z } from 'zod';
import { UpstreamUnavailableError, type UpstreamClient } from '../../platform/http/upstream-client.js';
import { RetailCrmApiError, type CrmPagination } from './retailcrm.port.js';

/** Transport shared by the customers and orders parts of the RetailCRM client. */

export const API = '/api/v5';

// ---- PHP-style encoding, as the official clients send it -------------------------------------

export type QueryValue = string | number | readonly (string | number)[] | undefined;

/** `key=v` pairs, lists as repeated `key[]=v`, keys and values percent-encoded. */
export function queryString(params: Readonly<Record<string, QueryValue>>): string {
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
export function formBody(fields: Readonly<Record<string, string | undefined>>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) form.append(key, value);
  return form.toString();
}

export const optionalString = z.string().nullish().transform((v) => v ?? undefined);

export const paginationSchema = z.object({
  limit: z.number(),
  totalCount: z.number(),
  currentPage: z.number(),
  totalPageCount: z.number(),
});

/** `errors` is a map keyed by field, or (PHP list) an array: flattened to field → message. */
function errorsOf(errors: unknown): Record<string, string> {
  if (errors === null || typeof errors !== 'object') return {};
  const entries = Array.isArray(errors) ? errors.map((v, i) => [String(i), v] as const) : Object.entries(errors);
  return Object.fromEntries(entries.map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** The fields every history record has, in both `customers/history` and `orders/history`. */
export const historyRecordBaseSchema = z.object({
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
});

export const EMPTY_PAGE = (limit: number): CrmPagination => ({ limit, totalCount: 0, currentPage: 1, totalPageCount: 0 });

/** RetailCRM's answer to a create whose externalId is taken (wording seen in its bulk-upload errors). */
export function isDuplicateExternalId(error: RetailCrmApiError): boolean {
  const messages = [error.errorMsg, ...Object.entries(error.errors).map(([k, v]) => `${k} ${v}`)];
  return error.status === 400 && messages.some((m) => /externalId/i.test(m) && /already exists/i.test(m));
}


export interface CrmRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly form?: Record<string, string | undefined>;
  readonly idempotent: boolean;
}

export type CrmCall = <T>(schema: z.ZodType<T>, req: CrmRequest) => Promise<T>;

/**
 * One request through UpstreamClient: form encoding, the envelope check (`success: false` →
 * RetailCrmApiError), the response schema (a surprise → UpstreamUnavailableError).
 */
export function createCall(upstream: UpstreamClient): CrmCall {
  return async function call<T>(schema: z.ZodType<T>, req: CrmRequest): Promise<T> {
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
  };
}
