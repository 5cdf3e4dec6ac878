import type { EmulatorRequest, EmulatorResponse } from '../kit/emulator-server.js';
import { map, parseForm, scalar, type PhpParams } from './php-params.js';
import { formatCrmDateTime, parseCrmDateTime, validationErrors } from './retailcrm-envelope.js';

/** Request plumbing shared by the customers and orders routes: paging, `by`, the caller's key. */

export type By = 'id' | 'externalId';

export const PAGE_LIMITS = new Set([20, 50, 100, 250]);
export const INTEGER = /^\d{1,15}$/;

export type Page = { limit: number; page: number };

export function pageOf(params: PhpParams): Page | EmulatorResponse {
  const limit = params.limit === undefined ? 20 : Number(scalar(params.limit));
  if (!PAGE_LIMITS.has(limit)) return validationErrors({ limit: 'The value you selected is not a valid choice.' });
  const pageText = params.page === undefined ? '1' : scalar(params.page);
  if (pageText === undefined || !INTEGER.test(pageText) || Number(pageText) < 1) return validationErrors({ page: 'This value should be greater than or equal to 1.' });
  return { limit, page: Number(pageText) };
}

export const isResponse = (value: object): value is EmulatorResponse => 'status' in value;

export const pagination = ({ limit, page }: Page, total: number) => ({ limit, totalCount: total, currentPage: page, totalPageCount: Math.ceil(total / limit) });

// Filters the emulator does not implement are refused rather than ignored: silently unfiltered
// results would make a wrong query look right.
export function unsupportedFilters(filter: PhpParams, supported: ReadonlySet<string>): EmulatorResponse | undefined {
  const extra = Object.keys(filter).filter((k) => !supported.has(k));
  if (extra.length === 0) return undefined;
  return validationErrors(Object.fromEntries(extra.map((k) => [`filter[${k}]`, 'This filter is not supported by the emulator.'])));
}

export function byOf(params: PhpParams): By | EmulatorResponse {
  const by = params.by === undefined ? 'externalId' : scalar(params.by);
  if (by === 'id' || by === 'externalId') return by;
  return validationErrors({ by: 'The value you selected is not a valid choice.' });
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The key the request carries: `X-API-KEY` header, else `apiKey` in the query, else in a POST form. */
export function apiKeyOf(req: EmulatorRequest): string | undefined {
  const key = headerValue(req.headers['x-api-key']) || req.query.get('apiKey') || (req.method === 'POST' ? scalar(parseForm(req.body).apiKey) : undefined);
  return key || undefined;
}

export const json = (value: unknown) => JSON.stringify(value ?? null);

/**
 * Reads typed values out of a `filter[...]` block, collecting the API's per-field messages in
 * `errors` instead of stopping at the first bad one.
 */
export function filterReader(filter: PhpParams) {
  const errors: Record<string, string> = {};
  const integer = (key: string): number | undefined => {
    if (filter[key] === undefined) return undefined;
    const text = scalar(filter[key]);
    if (text !== undefined && INTEGER.test(text)) return Number(text);
    errors[`filter[${key}]`] = 'This value is not valid.';
    return undefined;
  };
  const date = (key: string): Date | undefined => {
    if (filter[key] === undefined) return undefined;
    const text = scalar(filter[key]);
    const parsed = text === undefined ? undefined : parseCrmDateTime(text);
    if (!parsed) errors[`filter[${key}]`] = 'This value is not a valid datetime.';
    return parsed;
  };
  return { errors, integer, date };
}

/** What both history feeds filter on, with the entity's own names mapped by the caller. */
export interface HistoryFilterFields {
  readonly sinceId?: number;
  readonly entityId?: number;
  readonly entityExternalId?: string;
  readonly startDate?: Date;
  readonly endDate?: Date;
}

/**
 * `filter[sinceId]`, `filter[<entity>Id]`, `filter[<entity>ExternalId]`, `filter[startDate]`,
 * `filter[endDate]` of `customers/history` and `orders/history`; anything else is refused.
 */
export function historyFilterOf(params: PhpParams, entity: 'customer' | 'order'): HistoryFilterFields | EmulatorResponse {
  const filter = map(params.filter) ?? {};
  const refused = unsupportedFilters(filter, new Set(['sinceId', `${entity}Id`, `${entity}ExternalId`, 'startDate', 'endDate']));
  if (refused) return refused;
  const { errors, integer, date } = filterReader(filter);
  const result: HistoryFilterFields = {
    sinceId: integer('sinceId'),
    entityId: integer(`${entity}Id`),
    entityExternalId: scalar(filter[`${entity}ExternalId`]),
    startDate: date('startDate'),
    endDate: date('endDate'),
  };
  return Object.keys(errors).length > 0 ? validationErrors(errors) : result;
}

/** The part of a history record both feeds share; the caller adds the entity (and item, payment). */
export function historyRecordBase(
  row: {
    id: number;
    created_at: Date;
    created: boolean;
    deleted: boolean;
    source: string;
    user_id: number | null;
    field: string;
    api_key: string | null;
    old_value: unknown;
    new_value: unknown;
  },
  callerKey: string | undefined,
): Record<string, unknown> {
  return {
    id: row.id,
    createdAt: formatCrmDateTime(row.created_at),
    ...(row.created ? { created: true } : {}),
    ...(row.deleted ? { deleted: true } : {}),
    source: row.source,
    ...(row.user_id !== null ? { user: { id: row.user_id } } : {}),
    field: row.field,
    ...(row.source === 'api' ? { apiKey: { current: row.api_key !== null && row.api_key === callerKey } } : {}),
    oldValue: row.old_value ?? null,
    newValue: row.new_value ?? null,
  };
}
