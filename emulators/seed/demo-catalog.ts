import { seededRandom } from './demo-people.js';

/**
 * The demo retailer's catalog as kept in 1C (УТ 11): brands, category folders, products with
 * their offers (characteristics: size × colour), barcodes, retail prices and stock in seven
 * warehouses. Generated the same way every time from the product's index alone (a seeded PRNG per
 * product), so any product can be computed without the others, the scale set can be streamed,
 * and tests and tools can compute every GUID and figure the emulator serves.
 */

// ---- GUIDs ---------------------------------------------------------------------------------------

/** Kinds of object, encoded in the clock-sequence group of their GUID. */
export const DEMO_REF_KIND = {
  product: 0x001,
  characteristic: 0x002,
  folder: 0x003,
  brand: 0x004,
  warehouse: 0x005,
  property: 0x006,
  propertyValue: 0x007,
  priceType: 0x008,
  unit: 0x009,
  currency: 0x00a,
  priceDocument: 0x00b,
  productKind: 0x00c,
  stockDocument: 0x00d,
  department: 0x00e,
  contactKind: 0x00f,
  partner: 0x010,
  counterparty: 0x011,
} as const;

export type DemoRefKind = keyof typeof DEMO_REF_KIND;

/** 1C's empty reference. */
export const EMPTY_REF = '00000000-0000-0000-0000-000000000000';

function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const hex = (value: number, width: number) => value.toString(16).padStart(width, '0');

/**
 * A stable GUID for object `index` (and `sub`, e.g. an offer within its product) of a kind. Shaped
 * like the time-based GUIDs 1C issues (`xxxxxxxx-xxxx-11ee-8kkk-nnnnnnnnnnnn`): the last group holds
 * index × 64 + sub, so GUIDs never collide; the first two groups are a hash, so GUID order is not
 * index order (as in a real base, where a client must never assume creation order).
 */
export function demoRef(kind: DemoRefKind, index: number, sub = 0): string {
  if (!Number.isInteger(index) || index < 0 || !Number.isInteger(sub) || sub < 0 || sub >= 64) throw new RangeError(`demoRef(${kind}, ${index}, ${sub})`);
  const code = DEMO_REF_KIND[kind];
  const node = index * 64 + sub;
  const seed = mix32(code * 0x9e3779b1 + mix32(node) + Math.floor(node / 0x1_0000_0000));
  const low = mix32(seed ^ 0x5bd1e995);
  const mid = mix32(seed + 0x27d4eb2f) & 0xffff;
  return `${hex(low, 8)}-${hex(mid, 4)}-11ee-8${hex(code, 3)}-${hex(node, 12)}`;
}

// ---- Reference data ------------------------------------------------------------------------------

export interface DemoBrand {
  readonly index: number;
  readonly ref: string;
  readonly code: string;
  readonly name: string;
}

const BRAND_NAMES: readonly [string, string][] = [
  ['Nord Atelier', 'NA'],
  ['Alma Vera', 'AV'],
  ['Mira Lenne', 'ML'],
  ['Severin & Co', 'SV'],
  ['Urban Fox', 'UF'],
  ['Belle Aurore', 'BA'],
  ['Vostok Denim', 'VD'],
  ['Kasha Knit', 'KK'],
  ['Piter Boots', 'PB'],
  ['Lumen Studio', 'LS'],
  ['Ricca Milano', 'RM'],
  ['Taiga Outdoor', 'TO'],
  ['Mono Form', 'MF'],
  ['Velvet Lane', 'VL'],
  ['Oksana Vel', 'OV'],
  ['Zarya', 'ZR'],
];

export const DEMO_BRANDS: readonly DemoBrand[] = BRAND_NAMES.map(([name], index) => ({
  index,
  ref: demoRef('brand', index),
  code: String(index + 1).padStart(9, '0'),
  name,
}));

/** Two letters per brand, first in every article. */
const BRAND_ARTICLE_PREFIX: readonly string[] = BRAND_NAMES.map(([, code]) => code);

export type SizeScale = 'clothes-ru' | 'clothes-letter' | 'shoes' | 'one-size';

export const SIZE_SCALES: Readonly<Record<SizeScale, readonly string[]>> = {
  'clothes-ru': ['40', '42', '44', '46', '48', '50', '52', '54', '56'],
  'clothes-letter': ['XS', 'S', 'M', 'L', 'XL', 'XXL'],
  shoes: ['35', '36', '37', '38', '39', '40', '41', '42', '43', '44', '45', '46'],
  'one-size': ['единый'],
};

export const DEMO_COLOURS: readonly string[] = [
  'чёрный',
  'белый',
  'бежевый',
  'синий',
  'тёмно-синий',
  'серый',
  'молочный',
  'коричневый',
  'хаки',
  'красный',
  'бордовый',
  'зелёный',
  'оливковый',
  'розовый',
  'голубой',
];

/** Every size value once, in scale order; the index is the size's value index. */
export const DEMO_SIZES: readonly string[] = [...new Set(Object.values(SIZE_SCALES).flat())];

/** Product kinds (`Catalog_ВидыНоменклатуры`). */
export interface DemoProductKind {
  readonly index: number;
  readonly ref: string;
  readonly name: string;
}

export const DEMO_PRODUCT_KINDS: readonly DemoProductKind[] = ['Одежда', 'Обувь', 'Сумки и аксессуары'].map((name, index) => ({
  index,
  ref: demoRef('productKind', index),
  name,
}));

/** A folder of `Catalog_Номенклатура`: three top-level groups and their categories. */
export interface DemoCategory {
  readonly index: number;
  readonly ref: string;
  readonly code: string;
  readonly name: string;
  /** EMPTY_REF for a top-level group. */
  readonly parentRef: string;
  /** Leaf categories hold products; top-level groups hold categories. */
  readonly isLeaf: boolean;
  readonly sizeScale: SizeScale;
  readonly kind: DemoProductKind;
  /** Price range of the category's products, whole roubles. */
  readonly priceRange: readonly [number, number];
  /** Short code used in articles. */
  readonly articleCode: string;
  /** Model names (Russian) for products of this category. */
  readonly models: readonly string[];
  /** Relative share of products. */
  readonly weight: number;
}

interface CategorySpec {
  name: string;
  group: 0 | 1 | 2;
  sizeScale: SizeScale;
  priceRange: [number, number];
  articleCode: string;
  weight: number;
  models: string[];
}

const GROUPS = ['Одежда', 'Обувь', 'Сумки и аксессуары'];

const LEAVES: CategorySpec[] = [
  { name: 'Платья', group: 0, sizeScale: 'clothes-ru', priceRange: [5, 25], articleCode: 'DR', weight: 12, models: ['Платье миди из вискозы', 'Платье-рубашка хлопковое', 'Платье макси с поясом', 'Платье-комбинация из шёлка', 'Платье трикотажное приталенное', 'Платье мини из твида'] },
  { name: 'Рубашки и блузы', group: 0, sizeScale: 'clothes-letter', priceRange: [3, 13], articleCode: 'SH', weight: 12, models: ['Рубашка оверсайз из хлопка', 'Блуза из шёлка', 'Рубашка льняная', 'Блуза с бантом', 'Рубашка в полоску', 'Рубашка из поплина'] },
  { name: 'Брюки', group: 0, sizeScale: 'clothes-ru', priceRange: [4, 15], articleCode: 'TR', weight: 10, models: ['Брюки прямые шерстяные', 'Брюки палаццо', 'Брюки-чинос', 'Брюки с защипами', 'Брюки-джоггеры'] },
  { name: 'Джинсы', group: 0, sizeScale: 'clothes-ru', priceRange: [4, 13], articleCode: 'JN', weight: 8, models: ['Джинсы прямые', 'Джинсы широкие', 'Джинсы скинни', 'Джинсы мом', 'Джинсы клёш'] },
  { name: 'Куртки', group: 0, sizeScale: 'clothes-ru', priceRange: [8, 40], articleCode: 'JK', weight: 8, models: ['Куртка кожаная', 'Куртка-бомбер', 'Пуховик укороченный', 'Тренч хлопковый', 'Куртка джинсовая'] },
  { name: 'Пальто', group: 0, sizeScale: 'clothes-ru', priceRange: [13, 50], articleCode: 'CT', weight: 6, models: ['Пальто двубортное', 'Пальто-халат из шерсти', 'Пальто оверсайз', 'Пальто из кашемира'] },
  { name: 'Трикотаж', group: 0, sizeScale: 'clothes-letter', priceRange: [4, 20], articleCode: 'KN', weight: 10, models: ['Джемпер из мериноса', 'Кардиган объёмный', 'Свитер с высоким горлом', 'Водолазка тонкая', 'Жилет вязаный'] },
  { name: 'Кроссовки', group: 1, sizeScale: 'shoes', priceRange: [6, 20], articleCode: 'SN', weight: 8, models: ['Кроссовки кожаные', 'Кеды текстильные', 'Кроссовки на массивной подошве', 'Кроссовки беговые'] },
  { name: 'Ботинки', group: 1, sizeScale: 'shoes', priceRange: [8, 30], articleCode: 'BT', weight: 7, models: ['Ботинки челси', 'Ботинки на шнуровке', 'Сапоги кожаные', 'Ботильоны на каблуке'] },
  { name: 'Туфли', group: 1, sizeScale: 'shoes', priceRange: [6, 25], articleCode: 'SS', weight: 6, models: ['Туфли-лодочки', 'Лоферы кожаные', 'Мюли замшевые', 'Балетки'] },
  { name: 'Сумки', group: 2, sizeScale: 'one-size', priceRange: [5, 40], articleCode: 'BG', weight: 7, models: ['Сумка-тоут', 'Сумка через плечо', 'Рюкзак кожаный', 'Клатч', 'Сумка-багет'] },
  { name: 'Аксессуары', group: 2, sizeScale: 'one-size', priceRange: [3, 10], articleCode: 'AC', weight: 6, models: ['Ремень кожаный', 'Шарф шерстяной', 'Палантин из кашемира', 'Перчатки кожаные', 'Кепка хлопковая'] },
];

/** Top-level groups first (indices 0-2), then the leaf categories (3…). Codes run in that order. */
export const DEMO_CATEGORIES: readonly DemoCategory[] = [
  ...GROUPS.map((name, index): DemoCategory => ({
    index,
    ref: demoRef('folder', index),
    code: `УТ-${String(index + 1).padStart(8, '0')}`,
    name,
    parentRef: EMPTY_REF,
    isLeaf: false,
    sizeScale: 'one-size',
    kind: DEMO_PRODUCT_KINDS[index]!,
    priceRange: [0, 0],
    articleCode: '',
    models: [],
    weight: 0,
  })),
  ...LEAVES.map((spec, i): DemoCategory => {
    const index = GROUPS.length + i;
    return {
      index,
      ref: demoRef('folder', index),
      code: `УТ-${String(index + 1).padStart(8, '0')}`,
      name: spec.name,
      parentRef: demoRef('folder', spec.group),
      isLeaf: true,
      sizeScale: spec.sizeScale,
      kind: DEMO_PRODUCT_KINDS[spec.group]!,
      priceRange: [spec.priceRange[0] * 1000 - 10, spec.priceRange[1] * 1000 - 10],
      articleCode: spec.articleCode,
      models: spec.models,
      weight: spec.weight,
    };
  }),
];

const LEAF_CATEGORIES = DEMO_CATEGORIES.filter((c) => c.isLeaf);
const TOTAL_WEIGHT = LEAF_CATEGORIES.reduce((sum, c) => sum + c.weight, 0);

export type WarehouseRole = 'showroom' | 'central' | 'online';

export interface DemoWarehouse {
  readonly index: number;
  readonly ref: string;
  readonly code: string;
  readonly name: string;
  readonly role: WarehouseRole;
  /** 1C's `ТипСклада` (Перечисление.ТипыСкладов). */
  readonly type: 'РозничныйМагазин' | 'ОптовыйСклад';
  readonly city: string;
  readonly region: string;
  readonly address: string;
  /** Folder of `Catalog_Склады` the warehouse sits in (EMPTY_REF: top level). */
  readonly parentRef: string;
}

/** The one folder of `Catalog_Склады`: the showrooms. Index 7, after the warehouses. */
export const DEMO_SHOWROOM_FOLDER = { index: 7, ref: demoRef('warehouse', 7), code: '000000008', name: 'Шоурумы' } as const;

const SHOWROOM = { role: 'showroom', type: 'РозничныйМагазин', parentRef: DEMO_SHOWROOM_FOLDER.ref } as const;
const STOCKROOM = { type: 'ОптовыйСклад', parentRef: EMPTY_REF } as const;

export const DEMO_WAREHOUSES: readonly DemoWarehouse[] = [
  { ...SHOWROOM, name: 'Шоурум Москва, Тверская', city: 'Москва', region: 'Москва', address: '125009, Москва г, Тверская ул, дом 18, строение 1' },
  { ...SHOWROOM, name: 'Шоурум Москва, Патриаршие', city: 'Москва', region: 'Москва', address: '123104, Москва г, Малая Бронная ул, дом 24' },
  { ...SHOWROOM, name: 'Шоурум Москва, Сити', city: 'Москва', region: 'Москва', address: '123112, Москва г, Пресненская наб, дом 2, ТЦ «Афимолл Сити»' },
  { ...SHOWROOM, name: 'Шоурум Санкт-Петербург, Невский', city: 'Санкт-Петербург', region: 'Санкт-Петербург', address: '191186, Санкт-Петербург г, Невский пр-кт, дом 48' },
  { ...SHOWROOM, name: 'Шоурум Казань, Баумана', city: 'Казань', region: 'Татарстан Респ', address: '420111, Татарстан Респ, Казань г, Баумана ул, дом 44' },
  { ...STOCKROOM, role: 'central' as const, name: 'Центральный склад', city: 'Подольск', region: 'Московская обл', address: '142103, Московская обл, Подольск г, Поливановская ул, дом 9, строение 3' },
  { ...STOCKROOM, role: 'online' as const, name: 'Интернет-магазин', city: 'Подольск', region: 'Московская обл', address: '142103, Московская обл, Подольск г, Поливановская ул, дом 9, строение 4' },
].map((w, index) => ({ ...w, index, ref: demoRef('warehouse', index), code: String(index + 1).padStart(9, '0') }));

/** The two additional attributes (`ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения`). */
export const DEMO_SIZE_PROPERTY = { ref: demoRef('property', 0), name: 'Размер', code: 'Размер_ХарактеристикиНоменклатуры' } as const;
export const DEMO_COLOUR_PROPERTY = { ref: demoRef('property', 1), name: 'Цвет', code: 'Цвет_ХарактеристикиНоменклатуры' } as const;

/** The value (`Catalog_ЗначенияСвойствОбъектов`) of a size; its index is its place in DEMO_SIZES. */
export const demoSizeValueRef = (size: string): string => {
  const i = DEMO_SIZES.indexOf(size);
  if (i < 0) throw new RangeError(`unknown demo size ${size}`);
  return demoRef('propertyValue', i);
};
/** Colour values follow the sizes. */
export const demoColourValueRef = (colour: string): string => {
  const i = DEMO_COLOURS.indexOf(colour);
  if (i < 0) throw new RangeError(`unknown demo colour ${colour}`);
  return demoRef('propertyValue', DEMO_SIZES.length + i);
};

export const DEMO_RETAIL_PRICE_TYPE = { ref: demoRef('priceType', 0), code: '000000001', name: 'Розничная' } as const;
/** A second price type, so that a client must pick the retail one. */
export const DEMO_PURCHASE_PRICE_TYPE = { ref: demoRef('priceType', 1), code: '000000002', name: 'Закупочная' } as const;
export const DEMO_CURRENCY_RUB = { ref: demoRef('currency', 0), code: '643', name: 'руб.' } as const;
export const DEMO_UNIT_PIECE = { ref: demoRef('unit', 0), code: '796', name: 'шт' } as const;

/** When the demo's opening stock was entered, in 1C's local (Moscow) time. */
export const DEMO_OPENING_STOCK_PERIOD = '2025-01-20T09:00:00';
/** The price-setting documents: the season's prices (one per category), then one markdown. */
export const DEMO_PRICE_PERIOD = '2024-09-02T10:00:00';
export const DEMO_MARKDOWN_PERIOD = '2025-01-15T10:00:00';
export const demoPriceDocumentRef = (categoryIndex: number): string => demoRef('priceDocument', categoryIndex);
export const DEMO_MARKDOWN_DOCUMENT_REF = demoRef('priceDocument', 1000);

// ---- Products ------------------------------------------------------------------------------------

export interface DemoStock {
  readonly warehouseRef: string;
  /** `ВНаличии`. */
  readonly inHand: number;
  /** `ВРезервеСоСклада`: reserved out of what is in hand (never more than inHand). */
  readonly reserved: number;
  /** `ВРезервеПодЗаказ`: reserved for customer orders awaiting delivery. */
  readonly reservedForOrder: number;
}

export interface DemoOffer {
  /** Within the product, 0…; the `sub` of its GUID. */
  readonly index: number;
  /** Ref_Key of its `Catalog_ХарактеристикиНоменклатуры`. */
  readonly ref: string;
  readonly size: string;
  readonly colour: string;
  /** The characteristic's Description, as 1C composes it: "46, чёрный". */
  readonly description: string;
  /** EAN-13. */
  readonly barcode: string;
  /** Current retail price, kopecks (a whole number of roubles). */
  readonly priceKopecks: number;
  /** The season price before a markdown; equals priceKopecks when there was none. */
  readonly initialPriceKopecks: number;
  /** Non-zero cells only, in DEMO_WAREHOUSES order. */
  readonly stock: readonly DemoStock[];
}

export interface DemoProduct {
  readonly index: number;
  readonly ref: string;
  readonly code: string;
  readonly article: string;
  readonly name: string;
  readonly brand: DemoBrand;
  readonly category: DemoCategory;
  /** True when the season price was marked down (DEMO_MARKDOWN_PERIOD). */
  readonly markedDown: boolean;
  readonly offers: readonly DemoOffer[];
}

/** EAN-13 check digit for 12 digits. */
export function ean13CheckDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10;
}

export function isValidEan13(code: string): boolean {
  return /^\d{13}$/.test(code) && ean13CheckDigit(code.slice(0, 12)) === Number(code[12]);
}

/** Barcode of offer `offer` of product `product`: GS1 Russia prefix 460, unique per offer. */
export function demoBarcode(product: number, offer: number): string {
  const first12 = `4607${String(product * 64 + offer).padStart(8, '0')}`;
  return `${first12}${ean13CheckDigit(first12)}`;
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: () => number, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

function pickCategory(random: () => number): DemoCategory {
  let roll = random() * TOTAL_WEIGHT;
  for (const c of LEAF_CATEGORIES) {
    roll -= c.weight;
    if (roll < 0) return c;
  }
  return LEAF_CATEGORIES[LEAF_CATEGORIES.length - 1]!;
}

/** Codes of products follow the folders' codes (one numbering per catalog, as in 1C). */
export const demoProductCode = (index: number) => `УТ-${String(DEMO_CATEGORIES.length + index + 1).padStart(8, '0')}`;

// How much a warehouse of each role tends to hold: chance of any stock, and the range.
const STOCK_PROFILE: Readonly<Record<WarehouseRole, { chance: number; min: number; max: number }>> = {
  central: { chance: 0.7, min: 1, max: 40 },
  online: { chance: 0.45, min: 1, max: 12 },
  showroom: { chance: 0.3, min: 1, max: 3 },
};

function stockOf(random: () => number): DemoStock[] {
  const cells: DemoStock[] = [];
  for (const w of DEMO_WAREHOUSES) {
    const profile = STOCK_PROFILE[w.role];
    const inHand = random() < profile.chance ? int(random, profile.min, profile.max) : 0;
    const reserved = inHand > 0 && random() < 0.12 ? int(random, 1, Math.min(inHand, 2)) : 0;
    const reservedForOrder = random() < 0.01 ? 1 : 0;
    if (inHand !== 0 || reserved !== 0 || reservedForOrder !== 0) cells.push({ warehouseRef: w.ref, inHand, reserved, reservedForOrder });
  }
  return cells;
}

/** Product `index` of the demo catalog, with its offers, prices and stock. */
export function demoProduct(index: number): DemoProduct {
  const random = seededRandom(0xca7a + index * 15_485_863);
  const category = pickCategory(random);
  const brand = pick(random, DEMO_BRANDS);
  const model = pick(random, category.models);

  const scale = SIZE_SCALES[category.sizeScale];
  const sizeCount = scale.length === 1 ? 1 : Math.min(scale.length, int(random, 4, category.sizeScale === 'shoes' ? 8 : 6));
  const firstSize = int(random, 0, scale.length - sizeCount);
  const sizes = scale.slice(firstSize, firstSize + sizeCount);
  const colourCount = category.sizeScale === 'one-size' ? int(random, 1, 4) : int(random, 1, 3);
  const colours: string[] = [];
  while (colours.length < colourCount) {
    const colour = pick(random, DEMO_COLOURS);
    if (!colours.includes(colour)) colours.push(colour);
  }

  const [low, high] = category.priceRange;
  const seasonRoubles = int(random, (low + 10) / 1000, (high + 10) / 1000) * 1000 - 10;
  const markedDown = random() < 0.25;
  // 30 % off, to the 10 roubles below: 12 990 → 9 090.
  const currentRoubles = markedDown ? Math.round((seasonRoubles * 0.7) / 100) * 100 - 10 : seasonRoubles;

  const offers: DemoOffer[] = [];
  for (const colour of colours) {
    for (const size of sizes) {
      const offer = offers.length;
      offers.push({
        index: offer,
        ref: demoRef('characteristic', index, offer),
        size,
        colour,
        description: `${size}, ${colour}`,
        barcode: demoBarcode(index, offer),
        priceKopecks: currentRoubles * 100,
        initialPriceKopecks: seasonRoubles * 100,
        stock: stockOf(random),
      });
    }
  }

  return {
    index,
    ref: demoRef('product', index),
    code: demoProductCode(index),
    article: `${BRAND_ARTICLE_PREFIX[brand.index]}${category.articleCode}-${String(index + 1).padStart(5, '0')}`,
    name: `${model} ${brand.name}`,
    brand,
    category,
    markedDown,
    offers,
  };
}

/** Products [from, from + count), one at a time: the scale set never sits in memory whole. */
export function* demoProducts(from: number, count: number): Generator<DemoProduct> {
  for (let i = from; i < from + count; i++) yield demoProduct(i);
}

export interface DemoCatalog {
  readonly brands: readonly DemoBrand[];
  readonly categories: readonly DemoCategory[];
  readonly warehouses: readonly DemoWarehouse[];
  readonly products: readonly DemoProduct[];
}

/** The whole catalog of `products` products, in memory (the demo size; stream the scale set with demoProducts). */
export function demoCatalog(o: { products: number }): DemoCatalog {
  return { brands: DEMO_BRANDS, categories: DEMO_CATEGORIES, warehouses: DEMO_WAREHOUSES, products: [...demoProducts(0, o.products)] };
}

/** The demo size: ~600 products, a few thousand offers. */
export const DEMO_PRODUCTS = 600;
/** The scale set: at least 100 000 offers (checked by the generator's tests). */
export const DEMO_SCALE_PRODUCTS = 10_600;
