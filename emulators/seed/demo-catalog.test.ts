import { describe, expect, it } from 'vitest';
import {
  DEMO_CATEGORIES,
  DEMO_COLOURS,
  DEMO_PRODUCTS,
  DEMO_SCALE_PRODUCTS,
  DEMO_WAREHOUSES,
  SIZE_SCALES,
  demoBarcode,
  demoCatalog,
  demoProduct,
  demoProducts,
  demoRef,
  ean13CheckDigit,
  isValidEan13,
} from './demo-catalog.js';

describe('demo catalog', () => {
  it('is the same every time, and any product can be computed on its own', () => {
    const catalog = demoCatalog({ products: 50 });
    expect(demoCatalog({ products: 50 })).toEqual(catalog);
    expect(demoProduct(37)).toEqual(catalog.products[37]);
    expect([...demoProducts(20, 3)]).toEqual(catalog.products.slice(20, 23));
  });

  it('has the demo size: 600 products, a few thousand offers, and every GUID and barcode unique', () => {
    const { products } = demoCatalog({ products: DEMO_PRODUCTS });
    const offers = products.flatMap((p) => p.offers);
    expect(products).toHaveLength(600);
    expect(offers.length).toBeGreaterThan(3_000);
    expect(offers.length).toBeLessThan(8_000);
    const refs = [...products.map((p) => p.ref), ...offers.map((o) => o.ref), ...DEMO_CATEGORIES.map((c) => c.ref), ...DEMO_WAREHOUSES.map((w) => w.ref)];
    expect(new Set(refs).size).toBe(refs.length);
    expect(new Set(offers.map((o) => o.barcode)).size).toBe(offers.length);
    expect(new Set(products.map((p) => p.article)).size).toBe(products.length);
  });

  it('makes at least 100 000 offers from the scale set', () => {
    let offers = 0;
    for (const product of demoProducts(0, DEMO_SCALE_PRODUCTS)) offers += product.offers.length;
    expect(offers).toBeGreaterThanOrEqual(100_000);
    expect(offers).toBeLessThan(110_000);
  });

  it('derives GUIDs from kind and index: 1C-shaped, not in index order', () => {
    expect(demoRef('product', 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-11ee-8001-000000000000$/);
    expect(demoRef('characteristic', 3, 5)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-11ee-8002-0000000000c5$/);
    expect(demoProduct(3).offers.map((o) => o.ref)).toEqual(demoProduct(3).offers.map((_o, i) => demoRef('characteristic', 3, i)));
    const refs = Array.from({ length: 20 }, (_v, i) => demoRef('product', i));
    expect([...refs].sort()).not.toEqual(refs);
    expect(() => demoRef('characteristic', 1, 64)).toThrow(RangeError);
  });

  it('gives every offer a valid EAN-13 barcode', () => {
    expect(ean13CheckDigit('460700000000')).toBe(7);
    expect(isValidEan13('4607000000007')).toBe(true);
    expect(isValidEan13('4607000000008')).toBe(false);
    expect(isValidEan13('460700000000')).toBe(false);
    for (const product of demoProducts(0, 200)) {
      for (const offer of product.offers) {
        expect(isValidEan13(offer.barcode)).toBe(true);
        expect(offer.barcode).toBe(demoBarcode(product.index, offer.index));
      }
    }
  });

  it('sizes offers by category (Russian clothes sizes or letters, shoes 35–46, one size for bags) in Russian colours', () => {
    for (const product of demoProducts(0, 300)) {
      const scale = SIZE_SCALES[product.category.sizeScale];
      const sizes = [...new Set(product.offers.map((o) => o.size))];
      const colours = [...new Set(product.offers.map((o) => o.colour))];
      expect(sizes.every((s) => scale.includes(s))).toBe(true);
      expect(colours.every((c) => DEMO_COLOURS.includes(c))).toBe(true);
      // Every size in every colour, nothing twice.
      expect(product.offers).toHaveLength(sizes.length * colours.length);
      expect(product.offers.map((o) => o.description)).toEqual(colours.flatMap((c) => sizes.map((s) => `${s}, ${c}`)));
      expect(product.category.isLeaf).toBe(true);
    }
    const scaleOf = (name: string) => DEMO_CATEGORIES.find((c) => c.name === name)!.sizeScale;
    expect([scaleOf('Платья'), scaleOf('Трикотаж'), scaleOf('Кроссовки'), scaleOf('Сумки')]).toEqual(['clothes-ru', 'clothes-letter', 'shoes', 'one-size']);
    expect(SIZE_SCALES.shoes[0]).toBe('35');
    expect(SIZE_SCALES.shoes.at(-1)).toBe('46');
    expect(SIZE_SCALES['clothes-ru']).toEqual(['40', '42', '44', '46', '48', '50', '52', '54', '56']);
  });

  it('prices offers in whole roubles within the category range, marked-down ones 30 % off', () => {
    for (const product of demoProducts(0, 300)) {
      const [low, high] = product.category.priceRange;
      for (const offer of product.offers) {
        expect(offer.initialPriceKopecks % 100).toBe(0);
        expect(offer.initialPriceKopecks / 100).toBeGreaterThanOrEqual(low);
        expect(offer.initialPriceKopecks / 100).toBeLessThanOrEqual(high);
        expect(String(offer.initialPriceKopecks / 100)).toMatch(/990$/);
        if (product.markedDown) expect(Math.abs(offer.priceKopecks / offer.initialPriceKopecks - 0.7)).toBeLessThan(0.02);
        else expect(offer.priceKopecks).toBe(offer.initialPriceKopecks);
      }
    }
  });

  it('has seven warehouses: five showrooms, the central and the online one; showrooms hold less', () => {
    expect(DEMO_WAREHOUSES.map((w) => [w.name, w.role, w.type, w.city])).toEqual([
      ['Шоурум Москва, Тверская', 'showroom', 'РозничныйМагазин', 'Москва'],
      ['Шоурум Москва, Патриаршие', 'showroom', 'РозничныйМагазин', 'Москва'],
      ['Шоурум Москва, Сити', 'showroom', 'РозничныйМагазин', 'Москва'],
      ['Шоурум Санкт-Петербург, Невский', 'showroom', 'РозничныйМагазин', 'Санкт-Петербург'],
      ['Шоурум Казань, Баумана', 'showroom', 'РозничныйМагазин', 'Казань'],
      ['Центральный склад', 'central', 'ОптовыйСклад', 'Подольск'],
      ['Интернет-магазин', 'online', 'ОптовыйСклад', 'Подольск'],
    ]);
    const totals = new Map<string, number>();
    let cells = 0;
    for (const product of demoProducts(0, DEMO_PRODUCTS)) {
      for (const offer of product.offers) {
        for (const s of offer.stock) {
          cells++;
          totals.set(s.warehouseRef, (totals.get(s.warehouseRef) ?? 0) + s.inHand);
          expect(s.inHand + s.reserved + s.reservedForOrder).toBeGreaterThan(0);
          expect(s.reserved).toBeLessThanOrEqual(s.inHand);
        }
      }
    }
    const offers = [...demoProducts(0, DEMO_PRODUCTS)].reduce((n, p) => n + p.offers.length, 0);
    // Many zeros: well under half of all cells hold anything.
    expect(cells / (offers * 7)).toBeLessThan(0.5);
    const central = totals.get(DEMO_WAREHOUSES[5]!.ref)!;
    for (const showroom of DEMO_WAREHOUSES.filter((w) => w.role === 'showroom')) expect(totals.get(showroom.ref)!).toBeLessThan(central / 5);
  });
});
