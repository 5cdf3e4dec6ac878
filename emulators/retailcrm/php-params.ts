/**
 * PHP-style request parameters, as RetailCRM (a PHP application) reads them: `filter[ids][]=1&
 * filter[ids][]=2&filter[customFields][nps][min]=5` becomes nested maps. `[]` appends the next
 * integer index, so a list is a map with keys 0, 1, 2 ...; `[0]`, `[1]` (what PHP's
 * `http_build_query` sends) land in the same place. A later value of the same key wins.
 */
export type PhpValue = string | PhpParams;
export interface PhpParams {
  [key: string]: PhpValue;
}

const MAX_DEPTH = 8;
const MAX_PAIRS = 1_000;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;

const newMap = (): PhpParams => Object.create(null) as PhpParams;

function nextIndex(node: PhpParams): string {
  let max = -1;
  for (const key of Object.keys(node)) {
    if (/^\d+$/.test(key)) max = Math.max(max, Number(key));
  }
  return String(max + 1);
}

/** Parses decoded key/value pairs (a query string or a form body) into nested maps. */
export function parsePhpParams(pairs: Iterable<readonly [string, string]>): PhpParams {
  const root = newMap();
  let count = 0;
  for (const [rawKey, value] of pairs) {
    if (++count > MAX_PAIRS) break;
    const match = KEY.exec(rawKey);
    if (!match) {
      if (!FORBIDDEN.has(rawKey)) root[rawKey] = value;
      continue;
    }
    const segments = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    if (segments.length > MAX_DEPTH || segments.some((s) => FORBIDDEN.has(s))) continue;
    let node = root;
    for (let i = 0; i < segments.length - 1; i++) {
      const key = segments[i] === '' ? nextIndex(node) : segments[i]!;
      const child = node[key];
      if (typeof child === 'object') {
        node = child;
      } else {
        const created = newMap();
        node[key] = created;
        node = created;
      }
    }
    const last = segments[segments.length - 1]!;
    node[last === '' ? nextIndex(node) : last] = value;
  }
  return root;
}

export const parseQuery = (search: URLSearchParams): PhpParams => parsePhpParams(search.entries());

/** An `application/x-www-form-urlencoded` body. */
export const parseForm = (body: string): PhpParams => parsePhpParams(new URLSearchParams(body).entries());

/** A scalar parameter; a map given where a scalar was expected counts as absent. */
export const scalar = (value: PhpValue | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

/** A list parameter (`x[]=a&x[]=b`); a lone scalar counts as a list of one, as PHP code usually does. */
export function list(value: PhpValue | undefined): PhpValue[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [value];
  return Object.values(value);
}

export const map = (value: PhpValue | undefined): PhpParams | undefined => (typeof value === 'object' ? value : undefined);
