import type { EmulatorRequest, EmulatorResponse } from '../kit/emulator-server.js';
import { parseForm, scalar, type PhpParams } from './php-params.js';
import { validationErrors } from './retailcrm-envelope.js';

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
