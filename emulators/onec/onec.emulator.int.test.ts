import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import {
  DEMO_COLOUR_PROPERTY,
  DEMO_COLOURS,
  DEMO_CURRENCY_RUB,
  DEMO_MARKDOWN_PERIOD,
  DEMO_PRICE_PERIOD,
  DEMO_PURCHASE_PRICE_TYPE,
  DEMO_RETAIL_PRICE_TYPE,
  DEMO_SHOWROOM_FOLDER,
  DEMO_SIZE_PROPERTY,
  DEMO_SIZES,
  DEMO_UNIT_PIECE,
  DEMO_WAREHOUSES,
  EMPTY_REF,
  demoColourValueRef,
  demoProducts,
  demoRef,
  demoSizeValueRef,
  type DemoProduct,
} from '../seed/demo-catalog.js';
import { createOneCEmulator, oneCEmulatorSchema, type OneCEmulator } from './onec.emulator.js';

const LOGIN = 'Обмен OData';
const PASSWORD = 'пароль-1c';
const basic = (login: string, password: string) => `Basic ${Buffer.from(`${login}:${password}`, 'utf8').toString('base64')}`;
const PRODUCTS = 40;
const products = [...demoProducts(0, PRODUCTS)];
const offers = products.flatMap((p) => p.offers.map((o) => ({ product: p, offer: o })));
const SERVICE = '/trade/odata/standard.odata';

let testDb: TestDatabase;
let emulator: OneCEmulator;
let server: RunningServer;

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** GET below the service root; `path` is written as a person would and encoded like a browser does. */
async function odata(path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${server.url}${SERVICE}/${encodeURI(path)}`, { headers: { authorization: basic(LOGIN, PASSWORD), ...headers } });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}
const values = async (path: string) => {
  const reply = await odata(path);
  expect(reply.status).toBe(200);
  return reply.body.value as Record<string, unknown>[];
};
const control = async (path: string, body: unknown) => {
  const res = await fetch(`${server.url}/__emulator${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};
const odataError = (code: string, value: string) => ({ 'odata.error': { code, message: { lang: 'ru', value } } });

const compareGuids = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function productJson(p: DemoProduct) {
  return {
    Ref_Key: p.ref,
    DataVersion: 'AAAAAQAAAAA=',
    DeletionMark: false,
    Parent_Key: p.category.ref,
    IsFolder: false,
    Code: p.code,
    Description: p.name,
    Артикул: p.article,
    НаименованиеПолное: p.name,
    ВидНоменклатуры_Key: p.category.kind.ref,
    ТипНоменклатуры: 'Товар',
    ЕдиницаИзмерения_Key: DEMO_UNIT_PIECE.ref,
    Марка_Key: p.brand.ref,
    ИспользоватьХарактеристики: true,
    Predefined: false,
    PredefinedDataName: '',
  };
}

/** Expected free stock, from the generator: non-zero cells, in (product, characteristic, warehouse) GUID order. */
function expectedBalance(filter: (warehouseRef: string) => boolean = () => true) {
  return offers
    .flatMap(({ product, offer }) =>
      offer.stock
        .filter((s) => filter(s.warehouseRef))
        .map((s) => ({
          Номенклатура_Key: product.ref,
          Характеристика_Key: offer.ref,
          Склад_Key: s.warehouseRef,
          ВНаличииBalance: s.inHand,
          ВРезервеСоСкладаBalance: s.reserved,
          ВРезервеПодЗаказBalance: s.reservedForOrder,
        })),
    )
    .sort((a, b) => compareGuids(a.Номенклатура_Key, b.Номенклатура_Key) || compareGuids(a.Характеристика_Key, b.Характеристика_Key) || compareGuids(a.Склад_Key, b.Склад_Key));
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrateSchema(testDb.db, oneCEmulatorSchema);
  emulator = createOneCEmulator({ db: testDb.db, users: [{ login: LOGIN, password: PASSWORD }, { login: 'second', password: 'x' }] });
  await emulator.seed({ products: PRODUCTS });
  server = await emulator.start(0);
});

afterEach(() => emulator.faults.clear());

afterAll(async () => {
  await server?.close();
  await testDb?.close();
});

describe('auth (HTTP Basic with a 1C user)', () => {
  it('answers 401 with the Basic challenge to a missing header, another scheme, an unknown user and a wrong password', async () => {
    for (const authorization of ['', `Bearer ${Buffer.from(`${LOGIN}:${PASSWORD}`).toString('base64')}`, basic('nobody', PASSWORD), basic(LOGIN, 'wrong'), 'Basic !!!']) {
      const reply = await odata('Catalog_Склады?$format=json', { authorization });
      expect({ status: reply.status, challenge: reply.headers.get('www-authenticate'), text: reply.text }).toEqual({
        status: 401,
        challenge: 'Basic realm="1C:Enterprise 8.3"',
        text: '',
      });
    }
  });

  it('lets any configured user in, with a UTF-8 login', async () => {
    expect((await odata('Catalog_Марки?$format=json')).status).toBe(200);
    expect((await odata('Catalog_Марки?$format=json', { authorization: basic('second', 'x') })).status).toBe(200);
  });

  it('answers outside the publication as the web server would, without asking for a login', async () => {
    const res = await fetch(`${server.url}/other/odata/standard.odata/Catalog_Склады`);
    expect({ status: res.status, text: await res.text() }).toEqual({ status: 404, text: 'Not Found' });
  });
});

describe('entity sets', () => {
  it('Catalog_Номенклатура: a product by key, whole, with odata.metadata of an element', async () => {
    const p = products[7]!;
    const reply = await odata(`Catalog_Номенклатура(guid'${p.ref.toUpperCase()}')?$format=json`);
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 200,
      body: { 'odata.metadata': `${server.url}${SERVICE}/$metadata#Catalog_Номенклатура/@Element`, ...productJson(p) },
    });
  });

  it('Catalog_Номенклатура: the category folders are rows with IsFolder, under their groups', async () => {
    const folders = await values("Catalog_Номенклатура?$format=json&$filter=IsFolder eq true&$select=Ref_Key,Parent_Key,Code,Description&$orderby=Code");
    expect(folders.slice(0, 4)).toEqual([
      { Ref_Key: demoRef('folder', 0), Parent_Key: EMPTY_REF, Code: 'УТ-00000001', Description: 'Одежда' },
      { Ref_Key: demoRef('folder', 1), Parent_Key: EMPTY_REF, Code: 'УТ-00000002', Description: 'Обувь' },
      { Ref_Key: demoRef('folder', 2), Parent_Key: EMPTY_REF, Code: 'УТ-00000003', Description: 'Сумки и аксессуары' },
      { Ref_Key: demoRef('folder', 3), Parent_Key: demoRef('folder', 0), Code: 'УТ-00000004', Description: 'Платья' },
    ]);
    expect(folders).toHaveLength(15);
  });

  it('Catalog_ХарактеристикиНоменклатуры: owner, description and size/colour in ДополнительныеРеквизиты', async () => {
    const { product, offer } = offers[5]!;
    const reply = await odata(`Catalog_ХарактеристикиНоменклатуры(guid'${offer.ref}')?$format=json;odata=nometadata`);
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 200,
      body: {
        Ref_Key: offer.ref,
        DataVersion: 'AAAAAQAAAAA=',
        DeletionMark: false,
        Owner: product.ref,
        Owner_Type: 'StandardODATA.Catalog_Номенклатура',
        Description: offer.description,
        НаименованиеДляПечати: offer.description,
        Predefined: false,
        PredefinedDataName: '',
        ДополнительныеРеквизиты: [
          { Ref_Key: offer.ref, LineNumber: '1', Свойство_Key: DEMO_SIZE_PROPERTY.ref, Значение: demoSizeValueRef(offer.size), Значение_Type: 'StandardODATA.Catalog_ЗначенияСвойствОбъектов', ТекстоваяСтрока: '' },
          { Ref_Key: offer.ref, LineNumber: '2', Свойство_Key: DEMO_COLOUR_PROPERTY.ref, Значение: demoColourValueRef(offer.colour), Значение_Type: 'StandardODATA.Catalog_ЗначенияСвойствОбъектов', ТекстоваяСтрока: '' },
        ],
      },
    });
  });

  it('ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения and Catalog_ЗначенияСвойствОбъектов: «Размер», «Цвет» and their values', async () => {
    expect(await values('ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения?$format=json&$orderby=Description desc')).toEqual([
      { Ref_Key: DEMO_COLOUR_PROPERTY.ref, DataVersion: 'AAAAAQAAAAA=', DeletionMark: false, Description: 'Цвет', Заголовок: 'Цвет', Имя: DEMO_COLOUR_PROPERTY.code, ЭтоДополнительноеСведение: false, ДополнительныеЗначенияИспользуются: true, ВладелецДополнительныхЗначений_Key: EMPTY_REF, Predefined: false, PredefinedDataName: '' },
      { Ref_Key: DEMO_SIZE_PROPERTY.ref, DataVersion: 'AAAAAQAAAAA=', DeletionMark: false, Description: 'Размер', Заголовок: 'Размер', Имя: DEMO_SIZE_PROPERTY.code, ЭтоДополнительноеСведение: false, ДополнительныеЗначенияИспользуются: true, ВладелецДополнительныхЗначений_Key: EMPTY_REF, Predefined: false, PredefinedDataName: '' },
    ]);
    const colour = await odata(`Catalog_ЗначенияСвойствОбъектов(guid'${demoColourValueRef('бежевый')}')?$format=json;odata=nometadata`);
    expect(colour.body).toEqual({
      Ref_Key: demoColourValueRef('бежевый'),
      DataVersion: 'AAAAAQAAAAA=',
      DeletionMark: false,
      Parent_Key: EMPTY_REF,
      IsFolder: false,
      Owner_Key: DEMO_COLOUR_PROPERTY.ref,
      Code: String(DEMO_SIZES.length + DEMO_COLOURS.indexOf('бежевый') + 1).padStart(9, '0'),
      Description: 'бежевый',
      Predefined: false,
      PredefinedDataName: '',
    });
  });

  it('Catalog_Склады: seven warehouses and the showroom folder, type and address in contact information', async () => {
    const all = await values('Catalog_Склады?$format=json&$orderby=Code');
    expect(all.map((w) => [w.Description, w.IsFolder, w.ТипСклада])).toEqual([
      ...DEMO_WAREHOUSES.map((w) => [w.name, false, w.type]),
      [DEMO_SHOWROOM_FOLDER.name, true, ''],
    ]);
    const tverskaya = DEMO_WAREHOUSES[0]!;
    expect(all[0]).toEqual({
      Ref_Key: tverskaya.ref,
      DataVersion: 'AAAAAQAAAAA=',
      DeletionMark: false,
      Parent_Key: DEMO_SHOWROOM_FOLDER.ref,
      IsFolder: false,
      Code: '000000001',
      Description: 'Шоурум Москва, Тверская',
      ТипСклада: 'РозничныйМагазин',
      Подразделение_Key: demoRef('department', 0),
      БизнесРегион_Key: EMPTY_REF,
      Комментарий: '',
      Predefined: false,
      PredefinedDataName: '',
      КонтактнаяИнформация: [
        {
          Ref_Key: tverskaya.ref,
          LineNumber: '1',
          Тип: 'Адрес',
          Вид_Key: demoRef('contactKind', 0),
          Представление: tverskaya.address,
          Значение: JSON.stringify({ value: tverskaya.address, type: 'Адрес', country: 'РОССИЯ', area: 'Москва', city: 'Москва' }),
          Страна: 'РОССИЯ',
          Регион: 'Москва',
          Город: 'Москва',
          АдресЭП: '',
          НомерТелефона: '',
        },
        {
          Ref_Key: tverskaya.ref,
          LineNumber: '2',
          Тип: 'Телефон',
          Вид_Key: demoRef('contactKind', 1),
          Представление: '+7 (495) 120-40-10',
          Значение: JSON.stringify({ value: '+7 (495) 120-40-10', type: 'Телефон' }),
          Страна: '',
          Регион: '',
          Город: '',
          АдресЭП: '',
          НомерТелефона: '74951204010',
        },
      ],
    });
  });

  it('Catalog_ВидыЦен, Catalog_Марки: the retail price type «Розничная» and the brands', async () => {
    expect(await values("Catalog_ВидыЦен?$format=json&$filter=Description eq 'Розничная'")).toEqual([
      { Ref_Key: DEMO_RETAIL_PRICE_TYPE.ref, DataVersion: 'AAAAAQAAAAA=', DeletionMark: false, Code: '000000001', Description: 'Розничная', ВалютаЦены_Key: DEMO_CURRENCY_RUB.ref, ЦенаВключаетНДС: true, ИспользоватьПриПродаже: true, Predefined: false, PredefinedDataName: '' },
    ]);
    const brands = await values('Catalog_Марки?$format=json&$select=Description&$orderby=Description');
    expect(brands).toHaveLength(16);
    expect(brands[0]).toEqual({ Description: 'Alma Vera' });
  });

  it('InformationRegister_ШтрихкодыНоменклатуры: the barcode of an offer', async () => {
    const { product, offer } = offers[3]!;
    expect(await values(`InformationRegister_ШтрихкодыНоменклатуры?$format=json&$filter=Штрихкод eq '${offer.barcode}'`)).toEqual([
      { Штрихкод: offer.barcode, Номенклатура_Key: product.ref, Характеристика_Key: offer.ref, Упаковка_Key: EMPTY_REF },
    ]);
  });

  it('InformationRegister_ЦеныНоменклатуры25: records of the season document, retail per offer and purchase per product', async () => {
    const product = products.find((p) => p.markedDown)!;
    const rows = await values(`InformationRegister_ЦеныНоменклатуры25?$format=json&$filter=Номенклатура_Key eq guid'${product.ref}'&$orderby=Period,LineNumber`);
    const season = rows.filter((r) => r.Period === DEMO_PRICE_PERIOD);
    expect(season[0]).toEqual({
      Period: DEMO_PRICE_PERIOD,
      Recorder: demoRef('priceDocument', product.category.index),
      Recorder_Type: 'StandardODATA.Document_УстановкаЦенНоменклатуры',
      LineNumber: season[0]!.LineNumber,
      Active: true,
      ВидЦены_Key: DEMO_PURCHASE_PRICE_TYPE.ref,
      Номенклатура_Key: product.ref,
      Характеристика_Key: EMPTY_REF,
      Цена: Math.round((product.offers[0]!.initialPriceKopecks * 0.4) / 100),
      Упаковка_Key: EMPTY_REF,
      Валюта_Key: DEMO_CURRENCY_RUB.ref,
    });
    expect(rows.map((r) => [r.Period, r.ВидЦены_Key, r.Характеристика_Key, r.Цена])).toEqual([
      [DEMO_PRICE_PERIOD, DEMO_PURCHASE_PRICE_TYPE.ref, EMPTY_REF, season[0]!.Цена],
      ...product.offers.map((o) => [DEMO_PRICE_PERIOD, DEMO_RETAIL_PRICE_TYPE.ref, o.ref, o.initialPriceKopecks / 100]),
      ...product.offers.map((o) => [DEMO_MARKDOWN_PERIOD, DEMO_RETAIL_PRICE_TYPE.ref, o.ref, o.priceKopecks / 100]),
    ]);
  });

  it('answers $metadata (CSDL), the service document and Set/$count', async () => {
    const metadata = await odata('$metadata');
    expect(metadata.status).toBe(200);
    expect(metadata.headers.get('content-type')).toBe('application/xml;charset=utf-8');
    expect(metadata.text).toContain('<EntitySet Name="Catalog_Номенклатура" EntityType="StandardODATA.Catalog_Номенклатура"/>');
    expect(metadata.text).toContain('<Property Name="ВНаличииBalance" Type="Edm.Double" Nullable="false"/>');
    const service = await odata('?$format=json');
    expect(service.body.value).toContainEqual({ name: 'AccumulationRegister_СвободныеОстатки', url: 'AccumulationRegister_СвободныеОстатки' });
    const count = await odata('Catalog_Номенклатура/$count?$filter=IsFolder eq false');
    expect({ status: count.status, text: count.text }).toEqual({ status: 200, text: String(PRODUCTS) });
  });
});

describe('formats', () => {
  it('answers Atom XML, OData v3’s default, when no JSON is asked for: a feed of the same rows, an entry by key', async () => {
    const json = await values('Catalog_Склады?$format=json&$select=Ref_Key,Description&$orderby=Ref_Key');
    const feed = await odata('Catalog_Склады?$select=Ref_Key,Description&$orderby=Ref_Key');
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toBe('application/atom+xml;type=feed;charset=utf-8');
    expect(feed.body).toBeUndefined();
    expect(feed.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><feed xmlns="http:\/\/www.w3.org\/2005\/Atom"/);
    const atomRows = [...feed.text.matchAll(/<m:properties><d:Ref_Key>([^<]*)<\/d:Ref_Key><d:Description>([^<]*)<\/d:Description><\/m:properties>/g)].map((m) => ({ Ref_Key: m[1], Description: m[2] }));
    expect(atomRows).toEqual(json);

    const warehouse = json[0]!;
    const entry = await odata(`Catalog_Склады(guid'${String(warehouse.Ref_Key)}')`);
    expect(entry.headers.get('content-type')).toBe('application/atom+xml;type=entry;charset=utf-8');
    expect(entry.text).toContain(`<id>${server.url}${SERVICE}/Catalog_Склады(guid'${String(warehouse.Ref_Key)}')</id>`);
    expect(entry.text).toContain(`<d:DeletionMark m:type="Edm.Boolean">false</d:DeletionMark>`);
    // An Accept header asking for JSON is as good as $format=json; $format=atom asks for Atom.
    expect((await odata('Catalog_Склады?$select=Ref_Key,Description&$orderby=Ref_Key', { accept: 'application/json' })).body.value).toEqual(json);
    expect((await odata('Catalog_Склады?$format=atom', { accept: 'application/json' })).headers.get('content-type')).toBe('application/atom+xml;type=feed;charset=utf-8');
  });
});

describe('query options', () => {
  const productRefs = products.map((p) => p.ref).sort(compareGuids);

  it('$filter with and/or/not, parentheses, substringof and startswith; $select; $orderby on several keys', async () => {
    const [a, b] = [products[1]!, products[2]!];
    const rows = await values(
      `Catalog_Номенклатура?$format=json&$select=Ref_Key,Артикул&$filter=(Ref_Key eq guid'${a.ref}' or Ref_Key eq guid'${b.ref}') and not IsFolder and DeletionMark eq false&$orderby=Артикул desc`,
    );
    expect(rows).toEqual([a, b].map((p) => ({ Ref_Key: p.ref, Артикул: p.article })).sort((x, y) => (x.Артикул < y.Артикул ? 1 : -1)));

    const dresses = products.filter((p) => p.name.startsWith('Платье'));
    const byName = await values("Catalog_Номенклатура?$format=json&$select=Ref_Key,Description&$filter=startswith(Description, 'Платье') and IsFolder eq false&$orderby=Ref_Key");
    expect(byName).toEqual(dresses.map((p) => ({ Ref_Key: p.ref, Description: p.name })).sort((x, y) => compareGuids(x.Ref_Key, y.Ref_Key)));
    expect(byName.length).toBeGreaterThan(0);
    const brand = products[0]!.brand.name;
    const sub = await values(`Catalog_Номенклатура?$format=json&$select=Ref_Key&$filter=substringof('${brand}', Description)`);
    expect(sub.map((r) => r.Ref_Key as string).sort(compareGuids)).toEqual(products.filter((p) => p.name.includes(brand)).map((p) => p.ref).sort(compareGuids));

    const ordered = await values('Catalog_Номенклатура?$format=json&$select=Parent_Key,Code&$filter=IsFolder eq false&$orderby=Parent_Key desc,Code asc');
    const expected = [...products].sort((x, y) => compareGuids(y.category.ref, x.category.ref) || (x.code < y.code ? -1 : 1)).map((p) => ({ Parent_Key: p.category.ref, Code: p.code }));
    expect(ordered).toEqual(expected);
  });

  it('pages with $top/$skip and with a keyset ($filter=Ref_Key gt guid…) to the same complete order', async () => {
    const bySkip: string[] = [];
    for (let skip = 0; ; skip += 7) {
      const page = await values(`Catalog_Номенклатура?$format=json&$select=Ref_Key&$filter=IsFolder eq false&$orderby=Ref_Key&$top=7&$skip=${skip}`);
      bySkip.push(...page.map((r) => r.Ref_Key as string));
      if (page.length < 7) break;
    }
    const byKeyset: string[] = [];
    let after: string | undefined;
    for (;;) {
      const filter = after ? `IsFolder eq false and Ref_Key gt guid'${after}'` : 'IsFolder eq false';
      const page = await values(`Catalog_Номенклатура?$format=json&$select=Ref_Key&$filter=${filter}&$orderby=Ref_Key&$top=9`);
      byKeyset.push(...page.map((r) => r.Ref_Key as string));
      if (page.length < 9) break;
      after = page.at(-1)!.Ref_Key as string;
    }
    expect(bySkip).toEqual(productRefs);
    expect(byKeyset).toEqual(productRefs);
  });

  it('$inlinecount=allpages counts the filtered rows; odata=nometadata drops odata.metadata', async () => {
    const reply = await odata('Catalog_Номенклатура?$format=json&$select=Ref_Key&$filter=IsFolder eq false&$orderby=Ref_Key&$top=2&$inlinecount=allpages');
    expect(reply.body).toEqual({
      'odata.metadata': `${server.url}${SERVICE}/$metadata#Catalog_Номенклатура&$select=Ref_Key`,
      'odata.count': String(PRODUCTS),
      value: productRefs.slice(0, 2).map((Ref_Key) => ({ Ref_Key })),
    });
    const bare = await odata('Catalog_Номенклатура?$select=Ref_Key&$orderby=Ref_Key&$top=1', { accept: 'application/json;odata=nometadata' });
    expect(bare.body).toEqual({ value: [{ Ref_Key: [...products.map((p) => p.ref), ...Array.from({ length: 15 }, (_v, i) => demoRef('folder', i))].sort(compareGuids)[0] }] });
  });
});

describe('virtual tables', () => {
  it('SliceLast(): the last retail price per offer, the markdown where there was one', async () => {
    const condition = `ВидЦены_Key eq guid''${DEMO_RETAIL_PRICE_TYPE.ref}''`;
    const rows = await values(`InformationRegister_ЦеныНоменклатуры25/SliceLast(Condition='${condition}')?$format=json&$orderby=Номенклатура_Key,Характеристика_Key`);
    const expected = offers
      .map(({ product, offer }) => ({
        Period: product.markedDown ? DEMO_MARKDOWN_PERIOD : DEMO_PRICE_PERIOD,
        ВидЦены_Key: DEMO_RETAIL_PRICE_TYPE.ref,
        Номенклатура_Key: product.ref,
        Характеристика_Key: offer.ref,
        Цена: offer.priceKopecks / 100,
        Упаковка_Key: EMPTY_REF,
        Валюта_Key: DEMO_CURRENCY_RUB.ref,
      }))
      .sort((a, b) => compareGuids(a.Номенклатура_Key, b.Номенклатура_Key) || compareGuids(a.Характеристика_Key, b.Характеристика_Key));
    expect(rows).toEqual(expected);
  });

  it('SliceLast(Period=…): the season price before the markdown, nothing before the season', async () => {
    const product = products.find((p) => p.markedDown)!;
    const condition = `ВидЦены_Key eq guid''${DEMO_RETAIL_PRICE_TYPE.ref}'' and Номенклатура_Key eq guid''${product.ref}''`;
    const before = await values(`InformationRegister_ЦеныНоменклатуры25/SliceLast(Period=datetime'2025-01-15T09:59:59',Condition='${condition}')?$format=json&$select=Характеристика_Key,Цена,Period`);
    expect(before.sort((a, b) => compareGuids(a.Характеристика_Key as string, b.Характеристика_Key as string))).toEqual(
      product.offers.map((o) => ({ Period: DEMO_PRICE_PERIOD, Характеристика_Key: o.ref, Цена: o.initialPriceKopecks / 100 })).sort((a, b) => compareGuids(a.Характеристика_Key, b.Характеристика_Key)),
    );
    const at = await values(`InformationRegister_ЦеныНоменклатуры25/SliceLast(Period=datetime'${DEMO_MARKDOWN_PERIOD}',Condition='${condition}')?$format=json&$select=Цена`);
    expect(at.map((r) => r.Цена)).toEqual(product.offers.map((o) => o.priceKopecks / 100));
    expect(await values("InformationRegister_ЦеныНоменклатуры25/SliceLast(Period=datetime'2024-01-01T00:00:00')?$format=json")).toEqual([]);
  });

  it('Balance(): only non-zero cells, in hand and reserved, filtered by Condition', async () => {
    expect(await values('AccumulationRegister_СвободныеОстатки/Balance()?$format=json&$orderby=Номенклатура_Key,Характеристика_Key,Склад_Key')).toEqual(expectedBalance());
    const showroom = DEMO_WAREHOUSES[3]!.ref;
    const central = DEMO_WAREHOUSES[5]!.ref;
    const rows = await values(
      `AccumulationRegister_СвободныеОстатки/Balance(Condition='Склад_Key eq guid''${showroom}'' or Склад_Key eq guid''${central}''')?$format=json&$orderby=Номенклатура_Key,Характеристика_Key,Склад_Key`,
    );
    expect(rows).toEqual(expectedBalance((w) => w === showroom || w === central));
    expect(rows.some((r) => (r.ВРезервеСоСкладаBalance as number) > 0)).toBe(true);
  });

  it('Balance(Dimensions=…) sums over the other dimensions', async () => {
    const rows = await values("AccumulationRegister_СвободныеОстатки/Balance(Dimensions='Склад')?$format=json&$orderby=Склад_Key");
    const totals = DEMO_WAREHOUSES.map((w) => {
      const cells = expectedBalance((ref) => ref === w.ref);
      return {
        Склад_Key: w.ref,
        ВНаличииBalance: cells.reduce((n, c) => n + c.ВНаличииBalance, 0),
        ВРезервеСоСкладаBalance: cells.reduce((n, c) => n + c.ВРезервеСоСкладаBalance, 0),
        ВРезервеПодЗаказBalance: cells.reduce((n, c) => n + c.ВРезервеПодЗаказBalance, 0),
      };
    }).sort((a, b) => compareGuids(a.Склад_Key, b.Склад_Key));
    expect(rows).toEqual(totals);
    const grand = await values("AccumulationRegister_СвободныеОстатки/Balance(Dimensions='')?$format=json");
    expect(grand).toEqual([
      {
        ВНаличииBalance: totals.reduce((n, t) => n + t.ВНаличииBalance, 0),
        ВРезервеСоСкладаBalance: totals.reduce((n, t) => n + t.ВРезервеСоСкладаBalance, 0),
        ВРезервеПодЗаказBalance: totals.reduce((n, t) => n + t.ВРезервеПодЗаказBalance, 0),
      },
    ]);
  });

  it('shows stock set and simulated through the control routes, and Balance(Period=…) still shows the past', async () => {
    const { product, offer } = offers.find(({ offer: o }) => o.stock.some((s) => s.warehouseRef === DEMO_WAREHOUSES[5]!.ref && s.inHand >= 2))!;
    const central = DEMO_WAREHOUSES[5]!.ref;
    const kazan = DEMO_WAREHOUSES[4]!.ref;
    const cell = (warehouse: string) =>
      values(`AccumulationRegister_СвободныеОстатки/Balance(Condition='Характеристика_Key eq guid''${offer.ref}'' and Склад_Key eq guid''${warehouse}''')?$format=json`);
    const opening = offer.stock.find((s) => s.warehouseRef === central)!;

    const set = await control('/stock/set', { productRef: product.ref, characteristicRef: offer.ref, warehouseRef: central, inHand: 0 });
    expect(set).toEqual({
      status: 200,
      body: { before: { inHand: opening.inHand, reserved: opening.reserved, reservedForOrder: opening.reservedForOrder }, after: { inHand: 0, reserved: 0, reservedForOrder: opening.reservedForOrder } },
    });
    expect(await cell(central)).toEqual(
      opening.reservedForOrder > 0
        ? [{ Номенклатура_Key: product.ref, Характеристика_Key: offer.ref, Склад_Key: central, ВНаличииBalance: 0, ВРезервеСоСкладаBalance: 0, ВРезервеПодЗаказBalance: opening.reservedForOrder }]
        : [],
    );

    await emulator.setStock({ productRef: product.ref, characteristicRef: offer.ref, warehouseRef: kazan, inHand: 5, reserved: 2 });
    expect(await cell(kazan)).toEqual([{ Номенклатура_Key: product.ref, Характеристика_Key: offer.ref, Склад_Key: kazan, ВНаличииBalance: 5, ВРезервеСоСкладаBalance: 2, ВРезервеПодЗаказBalance: 0 }]);

    // The opening balance is still there in the past.
    const past = await values(
      `AccumulationRegister_СвободныеОстатки/Balance(Period=datetime'2025-06-01T00:00:00',Condition='Характеристика_Key eq guid''${offer.ref}''')?$format=json&$orderby=Склад_Key`,
    );
    expect(past).toEqual(expectedBalance().filter((r) => r.Характеристика_Key === offer.ref));
    expect(await values(`AccumulationRegister_СвободныеОстатки/Balance(Period=datetime'2025-01-20T09:00:00')?$format=json`)).toEqual([]);

    const simulated = await control('/stock/simulate', { count: 12, seed: 42 });
    expect(simulated.status).toBe(200);
    expect(simulated.body.changes).toHaveLength(12);
    // The last change to each cell is what Balance shows now.
    const last = new Map<string, { productRef: string; offerRef: string; warehouseRef: string; inHand: number; reserved: number }>();
    for (const c of simulated.body.changes) last.set(`${c.offerRef}/${c.warehouseRef}`, c);
    for (const c of last.values()) {
      const rows = await values(
        `AccumulationRegister_СвободныеОстатки/Balance(Condition='Характеристика_Key eq guid''${c.offerRef}'' and Склад_Key eq guid''${c.warehouseRef}''')?$format=json&$select=Номенклатура_Key,ВНаличииBalance,ВРезервеСоСкладаBalance`,
      );
      const shown = rows[0] ?? { Номенклатура_Key: c.productRef, ВНаличииBalance: 0, ВРезервеСоСкладаBalance: 0 };
      expect(shown).toEqual({ Номенклатура_Key: c.productRef, ВНаличииBalance: c.inHand, ВРезервеСоСкладаBalance: c.reserved });
      expect(c.reserved).toBeLessThanOrEqual(c.inHand);
    }
  });

  it('refuses a bad stock change over the control route', async () => {
    const { product, offer } = offers[0]!;
    expect(await control('/stock/set', { productRef: product.ref, characteristicRef: demoRef('characteristic', 9999), warehouseRef: DEMO_WAREHOUSES[0]!.ref, inHand: 1 })).toEqual({
      status: 404,
      body: { error: 'UNKNOWN_OFFER', message: `no characteristic ${demoRef('characteristic', 9999)} of product ${product.ref}` },
    });
    expect(await control('/stock/set', { productRef: product.ref, characteristicRef: offer.ref, warehouseRef: DEMO_SHOWROOM_FOLDER.ref, inHand: 1 })).toEqual({
      status: 404,
      body: { error: 'UNKNOWN_WAREHOUSE', message: `no warehouse ${DEMO_SHOWROOM_FOLDER.ref}` },
    });
    expect(await control('/stock/set', { productRef: product.ref, characteristicRef: offer.ref, warehouseRef: DEMO_WAREHOUSES[0]!.ref, inHand: 1, reserved: 2 })).toEqual({
      status: 400,
      body: { error: 'INVALID_QUANTITY', message: 'reserved cannot exceed inHand' },
    });
  });
});

describe('odata.error answers', () => {
  it.each([
    ['an unknown entity set', 'Catalog_Клиенты?$format=json', 404, '6', "Не найден ресурс 'Catalog_Клиенты'"],
    ['an unknown virtual table', 'AccumulationRegister_СвободныеОстатки/Turnovers()?$format=json', 404, '6', "Не найдена функция 'Turnovers' ресурса 'AccumulationRegister_СвободныеОстатки'"],
    ['a missing object', `Catalog_Номенклатура(guid'${EMPTY_REF}')?$format=json`, 404, '9', `Не найден объект 'Catalog_Номенклатура' с ключом guid'${EMPTY_REF}'`],
    ['a malformed key', "Catalog_Номенклатура(guid'12345')?$format=json", 400, '14', "Неверный формат литерала guid'12345'"],
    ['a bad $filter', 'Catalog_Номенклатура?$format=json&$filter=Code eq (1', 400, '14', "Ошибка разбора параметра $filter (позиция 11): Ожидается ')'"],
    ['a bad guid literal', "Catalog_Номенклатура?$format=json&$filter=Ref_Key eq guid'xyz'", 400, '14', "Ошибка разбора параметра $filter (позиция 12): Неверный формат литерала guid'xyz'"],
    ['an unknown property in $filter', "Catalog_Номенклатура?$format=json&$filter=Бренд eq 'x'", 400, '15', "Не найдено свойство 'Бренд' у сущности 'Catalog_Номенклатура'"],
    ['an unknown property in $select', 'Catalog_Номенклатура?$format=json&$select=Ref_Key,Цена', 400, '15', "Не найдено свойство 'Цена' у сущности 'Catalog_Номенклатура'"],
    ['an unknown property in $orderby', 'Catalog_Склады?$format=json&$orderby=Город', 400, '15', "Не найдено свойство 'Город' у сущности 'Catalog_Склады'"],
    ['a table part in $filter', "Catalog_ХарактеристикиНоменклатуры?$format=json&$filter=ДополнительныеРеквизиты eq 'x'", 400, '15', "Табличная часть 'ДополнительныеРеквизиты' не может использоваться в отборе и упорядочивании"],
    ['mismatched types', "Catalog_Номенклатура?$format=json&$filter=Ref_Key eq '123'", 400, '16', 'Несовместимые типы в операции eq: Edm.Guid и Edm.String'],
    ['a bad Condition', "AccumulationRegister_СвободныеОстатки/Balance(Condition='Склад_Key eq')?$format=json", 400, '14', 'Ошибка разбора параметра Condition (позиция 13): Неожиданный конец выражения'],
    ['an unknown dimension', "AccumulationRegister_СвободныеОстатки/Balance(Dimensions='Организация')?$format=json", 400, '15', "Не найдено измерение 'Организация' регистра 'СвободныеОстатки'"],
    ['an unknown parameter', "InformationRegister_ЦеныНоменклатуры25/SliceLast(Dimensions='x')?$format=json", 400, '14', "Неизвестный параметр 'Dimensions' функции 'SliceLast'"],
  ])('%s', async (_what, path, status, code, message) => {
    const reply = await odata(path);
    expect({ status: reply.status, body: reply.body }).toEqual({ status, body: odataError(code, message) });
  });

  it('refuses writes of catalogs with 405', async () => {
    const res = await fetch(`${server.url}${SERVICE}/${encodeURI('Catalog_Номенклатура')}?$format=json`, { method: 'POST', headers: { authorization: basic(LOGIN, PASSWORD) }, body: '{}' });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 405, body: odataError('3', "Метод POST не поддерживается эмулятором для 'Catalog_Номенклатура': записываются только документы заказов и возвратов, партнёры и контрагенты (создание)") });
  });
});

describe('fault switches', () => {
  it('failStatus: 500 as 1C’s internal error, 503 as the web server’s page, for failCount requests', async () => {
    emulator.faults.set({ failStatus: 500, failCount: 1 });
    const failed = await odata('Catalog_Марки?$format=json');
    expect({ status: failed.status, body: failed.body }).toEqual({
      status: 500,
      body: odataError('-1', 'Произошла внутренняя ошибка OData сервиса. Дополнительные сведения можно найти в технологическом журнале.'),
    });
    expect((await odata('Catalog_Марки?$format=json')).status).toBe(200);
    emulator.faults.set({ failStatus: 503, pathPattern: 'Balance' });
    const unavailable = await odata('AccumulationRegister_СвободныеОстатки/Balance()?$format=json');
    expect({ status: unavailable.status, text: unavailable.text }).toEqual({ status: 503, text: 'Service Unavailable' });
    expect((await odata('Catalog_Марки?$format=json')).status).toBe(200);
  });

  it('latencyMs delays answers, set over HTTP too', async () => {
    await fetch(`${server.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ latencyMs: 250 }) });
    const started = performance.now();
    expect((await odata('Catalog_Марки?$format=json')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('dropAfterApply answers nothing (the read is done, the reply lost); down resets every connection', async () => {
    const raw = (path: string) =>
      new Promise<string>((resolve) => {
        const req = httpRequest(`${server.url}${SERVICE}/${encodeURI(path)}`, { headers: { authorization: basic(LOGIN, PASSWORD) } }, (res) => resolve(`status ${res.statusCode}`));
        req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        req.end();
      });
    emulator.faults.set({ dropAfterApply: true, dropCount: 1 });
    expect(await raw('Catalog_Марки?$format=json')).toBe('ECONNRESET');
    expect(await raw('Catalog_Марки?$format=json')).toBe('status 200');
    emulator.faults.set({ down: true });
    expect(await raw('Catalog_Марки?$format=json')).toBe('ECONNRESET');
  });
});
