import type { OneCCatalogPort, OneCPriceCursor, OneCStockCursor, OneCWarehouse } from '../../../connectors/onec/onec.port.js';
import type { CatalogSource, SourcePage } from './catalog-source.js';
import type { WarehouseKind, WarehousesTable } from '../inventory.table.js';

export interface OneCSourceOptions {
  /** Code or name of the 1C warehouse that serves online orders (1C types it as a stockroom like the central one). */
  readonly onlineWarehouse: string;
}

const HOLD_PRIORITY: Record<WarehouseKind, number> = { ONLINE: 0, CENTRAL: 1, SHOWROOM: 2 };

function kindOf(w: OneCWarehouse, online: string): WarehouseKind {
  if (w.code === online || w.name === online) return 'ONLINE';
  return w.type === 'retail' ? 'SHOWROOM' : 'CENTRAL';
}

/** A full page means there may be more after its last row; a short one was the last. */
const pageOf = <Raw, Row>(raw: readonly Raw[], top: number, rows: readonly Row[], cursorOf: (last: Raw) => string): SourcePage<Row> => ({
  rows,
  next: raw.length < top ? null : cursorOf(raw[raw.length - 1]!),
});

/**
 * The 1C connector as the sync's source: decodes 1C's shapes into read-model rows. Offers are
 * characteristics of their product; a price set for a product as a whole is kept under the
 * product's id and applies to the offers without a price of their own. Deleted objects are left
 * out. Categories and brands are read once per catalog run (at its first products page).
 */
export function oneCCatalogSource(port: OneCCatalogPort, options: OneCSourceOptions): CatalogSource {
  let names: Promise<{ categories: Map<string, string>; brands: Map<string, string> }> | undefined;
  const lookups = () =>
    Promise.all([port.listCategories(), port.listBrands()]).then(([categories, brands]) => ({
      categories: new Map(categories.map((c) => [c.ref, c.name])),
      brands: new Map(brands.map((b) => [b.ref, b.name])),
    }));

  return {
    async warehouses(): Promise<WarehousesTable[]> {
      return (await port.listWarehouses())
        .filter((w) => !w.deleted)
        .map((w) => {
          const kind = kindOf(w, options.onlineWarehouse);
          return { id: w.ref, name: w.name, kind, city: w.city ?? null, address: w.address ?? null, hold_priority: HOLD_PRIORITY[kind] };
        });
    },
    async products(after, top) {
      if (after === null || !names) names = lookups();
      const { categories, brands } = await names;
      const raw = await port.listProducts({ ...(after ? { afterRef: after } : {}), top });
      const rows = raw
        .filter((p) => !p.deleted)
        .map((p) => {
          const brand = p.brandRef ? (brands.get(p.brandRef) ?? null) : null;
          const category = p.categoryRef ? (categories.get(p.categoryRef) ?? null) : null;
          return { id: p.ref, article: p.article, name: p.name, brand, category, search_text: [p.name, p.article, brand].filter(Boolean).join(' ').toLowerCase() };
        });
      return pageOf(raw, top, rows, (last) => last.ref);
    },
    async offers(after, top) {
      const raw = await port.listCharacteristics({ ...(after ? { afterRef: after } : {}), top });
      const rows = raw
        .filter((c) => !c.deleted && c.productRef)
        .map((c) => ({ id: c.ref, product_id: c.productRef!, size: c.size ?? null, colour: c.colour ?? null }));
      return pageOf(raw, top, rows, (last) => last.ref);
    },
    async prices(after, top) {
      const raw = await port.listPrices({ ...(after ? { after: JSON.parse(after) as OneCPriceCursor } : {}), top });
      const rows = raw.map((p) => ({ offer_id: p.characteristicRef ?? p.productRef, price: p.priceKopecks }));
      return pageOf(raw, top, rows, (last) => JSON.stringify({ productRef: last.productRef, ...(last.characteristicRef ? { characteristicRef: last.characteristicRef } : {}) } satisfies OneCPriceCursor));
    },
    async barcodes(after, top) {
      const raw = await port.listBarcodes({ ...(after ? { afterBarcode: after } : {}), top });
      const rows = raw.filter((b) => b.characteristicRef).map((b) => ({ offer_id: b.characteristicRef!, barcode: b.barcode }));
      return pageOf(raw, top, rows, (last) => last.barcode);
    },
    async stock(after, top) {
      const raw = await port.listStock({ ...(after ? { after: JSON.parse(after) as OneCStockCursor } : {}), top });
      const rows = raw
        .filter((s) => s.characteristicRef)
        .map((s) => ({ offer_id: s.characteristicRef!, warehouse_id: s.warehouseRef, in_hand: s.inHand, reserved: s.reserved }));
      return pageOf(raw, top, rows, (last) =>
        JSON.stringify({ productRef: last.productRef, ...(last.characteristicRef ? { characteristicRef: last.characteristicRef } : {}), warehouseRef: last.warehouseRef } satisfies OneCStockCursor),
      );
    },
  };
}
