/**
 * OData v3 Atom, what a 1C publication answers to a read that asks for no JSON (no `$format=json`,
 * no `Accept: application/json`): the Atom publishing format is OData v3's default. Feeds and
 * entries carry the row's properties under `m:properties` as 1C prints them; the exact element
 * details of a real base (`link` elements, `m:type` of every property) are ASSUMED.
 */

const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  d: 'http://schemas.microsoft.com/ado/2007/08/dataservices',
  m: 'http://schemas.microsoft.com/ado/2007/08/dataservices/metadata',
  scheme: 'http://schemas.microsoft.com/ado/2007/08/dataservices/scheme',
};

export const ATOM_HEADERS = { 'content-type': 'application/atom+xml;type=feed;charset=utf-8', DataServiceVersion: '3.0' };
export const ATOM_ENTRY_HEADERS = { 'content-type': 'application/atom+xml;type=entry;charset=utf-8', DataServiceVersion: '3.0' };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function edmType(value: unknown): string | undefined {
  if (typeof value === 'boolean') return 'Edm.Boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Edm.Int64' : 'Edm.Double';
  return undefined;
}

function property(name: string, value: unknown): string {
  if (value === null || value === undefined) return `<d:${name} m:null="true"/>`;
  if (Array.isArray(value)) return `<d:${name}>${value.map((v) => element(v)).join('')}</d:${name}>`;
  if (typeof value === 'object') return `<d:${name}>${properties(value as Record<string, unknown>)}</d:${name}>`;
  const type = edmType(value);
  return `<d:${name}${type ? ` m:type="${type}"` : ''}>${escape(String(value))}</d:${name}>`;
}

function element(value: unknown): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return `<d:element>${properties(value as Record<string, unknown>)}</d:element>`;
  return property('element', value);
}

const properties = (row: Record<string, unknown>) =>
  Object.entries(row)
    .filter(([name]) => !name.includes('@') && !name.startsWith('odata.'))
    .map(([name, value]) => property(name, value))
    .join('');

function entry(set: string, row: Record<string, unknown>, base: string, updated: string): string {
  const id = typeof row.Ref_Key === 'string' ? `${base}/${set}(guid'${row.Ref_Key}')` : `${base}/${set}`;
  return (
    `<entry><id>${escape(id)}</id><category term="StandardODATA.${escape(set)}" scheme="${NS.scheme}"/>` +
    `<title type="text"/><updated>${updated}</updated><author/>` +
    `<content type="application/xml"><m:properties>${properties(row)}</m:properties></content></entry>`
  );
}

const namespaces = (base: string) => `xmlns="${NS.atom}" xmlns:d="${NS.d}" xmlns:m="${NS.m}" xml:base="${escape(base)}/"`;

/** A feed of rows (an entity set, a virtual table), with `m:count` when `$inlinecount` asked for it. */
export function atomFeed(set: string, rows: readonly Record<string, unknown>[], count: number | undefined, base: string, now = new Date()): string {
  const updated = now.toISOString();
  return (
    `<?xml version="1.0" encoding="UTF-8"?><feed ${namespaces(base)}>` +
    `<id>${escape(`${base}/${set}`)}</id><title type="text">${escape(set)}</title><updated>${updated}</updated>` +
    (count !== undefined ? `<m:count>${count}</m:count>` : '') +
    rows.map((row) => entry(set, row, base, updated)).join('') +
    `</feed>`
  );
}

/** One object (`Set(guid'…')`) as an Atom entry document. */
export function atomEntry(set: string, row: Record<string, unknown>, base: string, now = new Date()): string {
  const body = entry(set, row, base, now.toISOString());
  return `<?xml version="1.0" encoding="UTF-8"?>${body.replace('<entry>', `<entry ${namespaces(base)}>`)}`;
}
