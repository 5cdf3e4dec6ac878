import { sql, type Kysely } from 'kysely';
import type { InventoryDb, OfferRow, ProductRow, WarehouseRow } from './inventory.table.js';

type Db = Kysely<InventoryDb>;
type OfferWithArticle = OfferRow & { article: string };
/** An offer with its product's columns: whoever reads an offer reads its product in the same statement. */
export type OfferWithProduct = OfferWithArticle & { product_name: string; product_brand: string | null; product_category: string | null };

export async function findProducts(db: Db, ids: readonly string[]): Promise<ProductRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('inventory.products').selectAll().where('id', 'in', [...ids]).execute();
}

/** The product of an article with its offers (ordered as findOffersOfProducts orders them), in one statement. */
export async function findProductByArticle(db: Db, article: string): Promise<{ product: ProductRow; offers: OfferWithArticle[] } | undefined> {
  const { rows } = await sql<ProductRow & { product_offers: OfferWithArticle[] }>`
    select p.*,
      (select coalesce(json_agg(json_build_object('id', o.id, 'product_id', o.product_id, 'size', o.size, 'colour', o.colour, 'barcode', o.barcode, 'price', o.price, 'article', p.article)
                 order by o.colour, length(o.size), o.size), '[]'::json)
         from inventory.offers o where o.product_id = p.id) as product_offers
    from inventory.products p where p.article = ${article} order by p.id limit 1`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const { product_offers, ...product } = row;
  return { product: product as ProductRow, offers: product_offers };
}

const offers = (db: Db) =>
  db
    .selectFrom('inventory.offers as o')
    .innerJoin('inventory.products as p', 'p.id', 'o.product_id')
    .select(['o.id', 'o.product_id', 'o.size', 'o.colour', 'o.barcode', 'o.price', 'p.article', 'p.name as product_name', 'p.brand as product_brand', 'p.category as product_category']);

export async function findOffers(db: Db, ids: readonly string[]): Promise<OfferWithProduct[]> {
  if (ids.length === 0) return [];
  return offers(db).where('o.id', 'in', [...ids]).execute();
}

export async function findOfferByBarcode(db: Db, barcode: string): Promise<OfferWithProduct | undefined> {
  return offers(db).where('o.barcode', '=', barcode).executeTakeFirst();
}

/** Offers of several products, by colour then size, in one query. */
export async function findOffersOfProducts(db: Db, productIds: readonly string[]): Promise<OfferWithProduct[]> {
  if (productIds.length === 0) return [];
  return offers(db).where('o.product_id', 'in', [...productIds]).orderBy('o.product_id').orderBy('o.colour').orderBy(sql`length(o.size)`).orderBy('o.size').execute();
}

export async function listWarehouses(db: Db): Promise<WarehouseRow[]> {
  return db.selectFrom('inventory.warehouses').selectAll().orderBy('hold_priority').orderBy('name').execute();
}

export interface ProductSearch {
  readonly text?: string | null;
  readonly brand?: string | null;
  readonly category?: string | null;
  readonly size?: string | null;
  readonly colour?: string | null;
  readonly inStockAtWarehouse?: string | null;
  readonly inStockInCity?: string | null;
  readonly first: number;
  readonly after?: { name: string; id: string } | undefined;
}

/** Products by name, keyset-paginated on (name, id); offer and stock filters are EXISTS subqueries. */
export async function searchProducts(db: Db, search: ProductSearch): Promise<{ rows: ProductRow[]; hasNextPage: boolean }> {
  let query = db.selectFrom('inventory.products as p').selectAll('p');
  if (search.text) {
    for (const word of search.text.toLowerCase().split(/\s+/).filter(Boolean)) {
      query = query.where('p.search_text', 'like', `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
  }
  if (search.brand) query = query.where('p.brand', '=', search.brand);
  if (search.category) query = query.where('p.category', '=', search.category);
  const stockFilter = search.inStockAtWarehouse || search.inStockInCity;
  if (search.size || search.colour || stockFilter) {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('inventory.offers as o')
          .select(sql`1`.as('one'))
          .whereRef('o.product_id', '=', 'p.id')
          .$if(!!search.size, (q) => q.where('o.size', '=', search.size!))
          .$if(!!search.colour, (q) => q.where('o.colour', '=', search.colour!))
          .$if(!!stockFilter, (q) =>
            q.where(({ exists: stockExists, selectFrom: from }) =>
              stockExists(
                from('inventory.stock as s')
                  .innerJoin('inventory.warehouses as w', 'w.id', 's.warehouse_id')
                  .select(sql`1`.as('one'))
                  .whereRef('s.offer_id', '=', 'o.id')
                  .where(sql<boolean>`s.in_hand - s.reserved > 0`)
                  .$if(!!search.inStockAtWarehouse, (s) => s.where('w.id', '=', search.inStockAtWarehouse!))
                  .$if(!!search.inStockInCity, (s) => s.where('w.city', '=', search.inStockInCity!)),
              ),
            ),
          ),
      ),
    );
  }
  if (search.after) {
    const { name, id } = search.after;
    query = query.where((eb) => eb.or([eb('p.name', '>', name), eb.and([eb('p.name', '=', name), eb('p.id', '>', id)])]));
  }
  const rows = await query.orderBy('p.name').orderBy('p.id').limit(search.first + 1).execute();
  return { rows: rows.slice(0, search.first), hasNextPage: rows.length > search.first };
}
