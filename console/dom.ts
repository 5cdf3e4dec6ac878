/** What `h` accepts as children: nodes, text, or nothing (skipped). */
export type Child = Node | string | number | null | undefined | false;

type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/**
 * Builds an element. Text always goes in as text nodes, never as markup, so nothing a customer
 * record holds (a name, a product) can become script.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A table with a caption, column headers and rows (the first cell of each row is its header). */
export function table(caption: string, columns: string[], rows: Child[][], attributes: Attributes = {}): HTMLTableElement {
  return h(
    'table',
    attributes,
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map(([first, ...rest]) => h('tr', {}, h('th', { scope: 'row' }, first), rest.map((cell) => h('td', {}, cell))))),
  );
}

/** A description list of label → value pairs. */
export function facts(label: string, pairs: [string, Child][]): HTMLDListElement {
  return h('dl', { 'aria-label': label }, pairs.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value ?? '—')]));
}

/** Money in kopecks as roubles with kopecks, no grouping: what a receipt shows. */
export const roubles = (kopecks: number): string => `${kopecks < 0 ? '−' : ''}${Math.floor(Math.abs(kopecks) / 100)}.${String(Math.abs(kopecks) % 100).padStart(2, '0')} ₽`;

/** A date-time as the operator reads it (the browser's locale and zone). */
export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');
