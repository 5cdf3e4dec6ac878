import { describe, expect, it } from 'vitest';
import { list, parseForm, parseQuery, scalar } from './php-params.js';

const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('PHP-style parameters', () => {
  it('nests bracketed keys and appends [] as the next index', () => {
    const params = parseQuery(new URLSearchParams('filter[ids][]=1&filter[ids][]=2&filter[customFields][nps][min]=5&limit=20'));
    expect(plain(params)).toEqual({ filter: { ids: { 0: '1', 1: '2' }, customFields: { nps: { min: '5' } } }, limit: '20' });
    expect(list(params.filter && typeof params.filter === 'object' ? params.filter.ids : undefined)).toEqual(['1', '2']);
  });

  it('reads the explicit indexes http_build_query sends like []', () => {
    const params = parseQuery(new URLSearchParams('filter%5Bids%5D%5B0%5D=7&filter%5Bids%5D%5B1%5D=8&filter%5Bids%5D%5B%5D=9'));
    expect(plain(params)).toEqual({ filter: { ids: { 0: '7', 1: '8', 2: '9' } } });
  });

  it('keeps lists in index order beyond ten items', () => {
    const query = new URLSearchParams(Array.from({ length: 12 }, (_v, i) => ['x[]', String(i)]));
    expect(list(parseQuery(query).x)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
  });

  it('decodes a form body with JSON in one field, + as space', () => {
    const body = new URLSearchParams({ customer: JSON.stringify({ firstName: 'Анна Мария' }), site: 'online', by: 'externalId' }).toString();
    const form = parseForm(body);
    expect(JSON.parse(scalar(form.customer)!)).toEqual({ firstName: 'Анна Мария' });
    expect([scalar(form.site), scalar(form.by)]).toEqual(['online', 'externalId']);
  });

  it('treats a map where a scalar is expected as absent, and a scalar as a list of one', () => {
    const params = parseQuery(new URLSearchParams('limit[]=20&ids=5'));
    expect(scalar(params.limit)).toBeUndefined();
    expect(list(params.ids)).toEqual(['5']);
  });

  it('refuses prototype keys and keeps malformed keys flat', () => {
    const params = parseQuery(new URLSearchParams('__proto__[x]=1&a[constructor]=2&b]c=3&d[e=4'));
    expect(plain(params)).toEqual({ 'b]c': '3', 'd[e': '4' });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
