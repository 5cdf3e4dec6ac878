import { StockByArticleDocument, type StockByArticleQuery } from '../clients/__generated__/graphql.js';
import { h, roubles, table } from './dom.js';
import { request } from './graphql-client.js';

type Product = NonNullable<StockByArticleQuery['productByArticle']>;
type Warehouse = Product['offers'][number]['stock'][number]['warehouse'];

/** Every size and colour of an article against every shop and warehouse: units free to sell. */
export async function stockView(article: string, token: string): Promise<HTMLElement> {
  const { data, partial } = await request(StockByArticleDocument, { article }, token);
  const product = data.productByArticle;
  if (!product) return h('p', { role: 'status' }, `No product has the article ${article}.`);
  const warehouses = new Map<string, Warehouse>();
  for (const offer of product.offers) for (const level of offer.stock) warehouses.set(level.warehouse.id, level.warehouse);
  const columns = [...warehouses.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  const rows = product.offers.map((offer) => {
    const byWarehouse = new Map(offer.stock.map((s) => [s.warehouse.id, s]));
    const cells = columns.map((w) => {
      const level = byWarehouse.get(w.id);
      return level ? h('span', { title: `in hand ${level.inHand}, reserved ${level.reserved}, held ${level.held}` }, level.available) : 0;
    });
    const total = offer.stock.reduce((sum, s) => sum + s.available, 0);
    return [[offer.size, offer.colour].filter(Boolean).join(' / ') || offer.id, offer.price === null ? '—' : roubles(offer.price), ...cells, total];
  });
  return h(
    'article',
    { 'aria-labelledby': 'product-name', class: 'card' },
    h('h3', { id: 'product-name' }, `${product.name} (${product.article})`),
    h('p', {}, [product.brand, product.category].filter(Boolean).join(' · ')),
    partial.length > 0 && h('p', { class: 'warning' }, `Some figures could not be read now: ${partial.join('; ')}`),
    h('div', { class: 'scroll' }, table('Units available by size and shop', ['Size / colour', 'Price', ...columns.map((w) => w.name), 'Total'], rows, { class: 'stock' })),
  );
}
