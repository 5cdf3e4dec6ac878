import type { EmulatorResponse } from '../kit/emulator-server.js';

/**
 * RetailCRM's answers: `{success: true, ...payload}` or `{success: false, errorMsg, errors?}`.
 * The `errorMsg` literals are the ones both official clients map (api-client-php
 * `ApiExceptionFactory`, api-client-go `error.go`); see README for which statuses are observed.
 */
export const ERROR = {
  apiKeyMissing: '"apiKey" is missing.',
  apiKeyWrong: 'Wrong "apiKey" value.',
  accessDenied: 'Access denied.',
  entityFormat: 'Errors in the entity format',
  validation: 'Validation error',
  notFound: 'Not found',
  methodNotFound: 'Method not found',
  methodNotAllowed: 'Method Not Allowed',
  internal: 'Internal Server Error',
} as const;

export const ok = (payload: Record<string, unknown> = {}, status = 200): EmulatorResponse => ({
  status,
  body: { success: true, ...payload },
});

export function fail(status: number, errorMsg: string, errors?: Record<string, string>): EmulatorResponse {
  return { status, body: errors && Object.keys(errors).length > 0 ? { success: false, errorMsg, errors } : { success: false, errorMsg } };
}

export const missingParameter = (name: string) => fail(400, `Parameter '${name}' is missing`);
export const entityErrors = (errors: Record<string, string>) => fail(400, ERROR.entityFormat, errors);
export const validationErrors = (errors: Record<string, string>) => fail(400, ERROR.validation, errors);
export const notFound = () => fail(404, ERROR.notFound);

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

/**
 * An injected failure. 5xx come from the nginx in front of the application, as an HTML page (the
 * PHP client turns HTML into "Account does not exist"); 4xx come as the JSON envelope.
 */
export function injectedFailure(status: number): EmulatorResponse {
  const reason = REASONS[status] ?? 'Error';
  if (status < 500) return fail(status, reason);
  return {
    status,
    headers: { 'content-type': 'text/html' },
    body: `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
  };
}

// The account's time zone: RetailCRM prints local time without a zone; the demo account is in Moscow
// (UTC+3 all year since 2014).
const MOSCOW_OFFSET_MS = 3 * 60 * 60 * 1000;

/** `Y-m-d H:i:s` in the account's time zone. */
export function formatCrmDateTime(date: Date): string {
  return new Date(date.getTime() + MOSCOW_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** `Y-m-d H:i:s` or `Y-m-d` (start of that day) in the account's time zone; undefined when malformed. */
export function parseCrmDateTime(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00'] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const date = new Date(utc - MOSCOW_OFFSET_MS);
  // Reject 2024-02-31 and friends, which Date.UTC would roll over.
  return formatCrmDateTime(date) === `${y}-${mo}-${d} ${h}:${mi}:${s}` ? date : undefined;
}
