import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamUnavailableError } from '../../platform/http/upstream-client.js';
import { CaptureServer, type CapturedRequest } from '../../test/support/capture-server.js';
import { createOneCClient, keysetFilter } from './onec.client.js';
import { OneCApiError } from './onec.port.js';

const LOGIN = 'Обмен';
const PASSWORD = 'p@ss:word';
const AUTHORIZATION = `Basic ${Buffer.from(`${LOGIN}:${PASSWORD}`, 'utf8').toString('base64')}`;
const EMPTY = '00000000-0000-0000-0000-000000000000';
const G = (n: number) => `0000000${n}-aaaa-11ee-8000-00000000000${n}`;
const SERVICE = '/trade/odata/standard.odata';
/** Percent-encoding of Cyrillic text, spelled out so the test does not reuse the client's encoder. */
const pct = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

const capture = new CaptureServer();
const captured = capture.requests;

beforeAll(async () => {
  await capture.start();
});
afterAll(() => capture.stop());

let client: ReturnType<typeof createOneCClient>;
beforeEach(() => {
  capture.reset();
  client = createOneCClient({ baseUrl: `${capture.url}/trade/`, login: LOGIN, password: PASSWORD, timeoutMs: 1_000, maxRetries: 1 });
});
afterEach(() => client.close());

const request = (c: CapturedRequest) => ({ method: c.method, path: c.rawPath, query: c.query, authorization: c.headers.authorization, accept: c.headers.accept });
const get = (path: string, query: [string, string][]) => ({ method: 'GET', path: `${SERVICE}/${path}`, query, authorization: AUTHORIZATION, accept: 'application/json' });

describe('requests and mapping', () => {
  it('listWarehouses: Catalog_Склады without folders, only the fields read, address from the contact information', async () => {
    capture.reply(200, {
      'odata.metadata': '…',
      value: [
        {
          Ref_Key: G(1).toUpperCase(),
          Code: '000000001',
          Description: 'Шоурум Москва, Тверская',
          Parent_Key: G(9),
          DeletionMark: false,
          ТипСклада: 'РозничныйМагазин',
          КонтактнаяИнформация: [
            { Тип: 'Телефон', Представление: '+7 (495) 120-40-10', Город: '' },
            { Тип: 'Адрес', Представление: '125009, Москва г, Тверская ул, дом 18', Город: 'Москва' },
          ],
        },
        { Ref_Key: G(2), Code: '000000006', Description: 'Центральный склад', Parent_Key: EMPTY, DeletionMark: true, ТипСклада: '', КонтактнаяИнформация: [] },
      ],
    });
    expect(await client.listWarehouses()).toEqual([
      { ref: G(1), code: '000000001', name: 'Шоурум Москва, Тверская', type: 'retail', parentRef: G(9), city: 'Москва', address: '125009, Москва г, Тверская ул, дом 18', deleted: false },
      { ref: G(2), code: '000000006', name: 'Центральный склад', type: 'unspecified', deleted: true },
    ]);
    expect(captured.map(request)).toEqual([
      get(`Catalog_${pct('Склады')}`, [
        ['$format', 'json'],
        ['$select', 'Ref_Key,Code,Description,Parent_Key,DeletionMark,ТипСклада,КонтактнаяИнформация/Тип,КонтактнаяИнформация/Представление,КонтактнаяИнформация/Город'],
        ['$filter', 'IsFolder eq false'],
        ['$orderby', 'Ref_Key'],
      ]),
    ]);
    // Spaces as %20 and commas as %2C, as an OData client encodes a query.
    expect(captured[0]!.url).toContain('&$filter=IsFolder%20eq%20false&$orderby=Ref_Key');
  });

  it('listCategories and listBrands: folders of Номенклатура, Catalog_Марки', async () => {
    capture.reply(200, { value: [{ Ref_Key: G(1), Code: 'УТ-00000004', Description: 'Платья', Parent_Key: G(2), DeletionMark: false }] });
    capture.reply(200, { value: [{ Ref_Key: G(3), Description: 'Nord Atelier', DeletionMark: false }] });
    expect(await client.listCategories()).toEqual([{ ref: G(1), code: 'УТ-00000004', name: 'Платья', parentRef: G(2), deleted: false }]);
    expect(await client.listBrands()).toEqual([{ ref: G(3), name: 'Nord Atelier', deleted: false }]);
    expect(captured.map(request)).toEqual([
      get(`Catalog_${pct('Номенклатура')}`, [
        ['$format', 'json'],
        ['$select', 'Ref_Key,Code,Description,Parent_Key,DeletionMark'],
        ['$filter', 'IsFolder eq true'],
        ['$orderby', 'Ref_Key'],
      ]),
      get(`Catalog_${pct('Марки')}`, [
        ['$format', 'json'],
        ['$select', 'Ref_Key,Description,DeletionMark'],
        ['$orderby', 'Ref_Key'],
      ]),
    ]);
  });

  it('listProducts: a keyset page after a Ref_Key, products only', async () => {
    const wire = { Ref_Key: G(4), DataVersion: 'AAAAAQAAAAA=', DeletionMark: false, Parent_Key: G(1), Code: 'УТ-00000016', Description: 'Платье миди из вискозы Nord Atelier', Артикул: 'NADR-00001', ВидНоменклатуры_Key: G(5), Марка_Key: EMPTY, ИспользоватьХарактеристики: true };
    capture.reply(200, { value: [wire] });
    expect(await client.listProducts({ afterRef: G(3).toUpperCase(), top: 500 })).toEqual([
      { ref: G(4), code: 'УТ-00000016', article: 'NADR-00001', name: 'Платье миди из вискозы Nord Atelier', categoryRef: G(1), kindRef: G(5), usesCharacteristics: true, deleted: false, dataVersion: 'AAAAAQAAAAA=' },
    ]);
    expect(captured.map(request)).toEqual([
      get(`Catalog_${pct('Номенклатура')}`, [
        ['$format', 'json'],
        ['$select', 'Ref_Key,DataVersion,DeletionMark,Parent_Key,Code,Description,Артикул,ВидНоменклатуры_Key,Марка_Key,ИспользоватьХарактеристики'],
        ['$filter', `IsFolder eq false and Ref_Key gt guid'${G(3)}'`],
        ['$orderby', 'Ref_Key'],
        ['$top', '500'],
      ]),
    ]);
    await expect(client.listProducts({ afterRef: 'not-a-guid', top: 1 })).rejects.toThrow('not a GUID: not-a-guid');
  });

  it('listCharacteristics: finds the size and colour properties and their values once, decodes references and strings', async () => {
    const SIZE = G(6);
    const COLOUR = G(7);
    capture.reply(200, { value: [{ Ref_Key: SIZE, Description: 'Размер' }, { Ref_Key: COLOUR, Description: 'Цвет' }] });
    capture.reply(200, { value: [{ Ref_Key: G(8), Description: '46' }, { Ref_Key: G(9), Description: 'чёрный' }] });
    const attrs = (size: unknown, colour: unknown) => [
      { Свойство_Key: SIZE, Значение: size, Значение_Type: 'StandardODATA.Catalog_ЗначенияСвойствОбъектов' },
      { Свойство_Key: COLOUR, ...(colour as object) },
    ];
    capture.reply(200, {
      value: [
        { Ref_Key: G(1), DataVersion: 'v1', DeletionMark: false, Owner: G(4), Owner_Type: 'StandardODATA.Catalog_Номенклатура', Description: '46, чёрный', ДополнительныеРеквизиты: attrs(G(8), { Значение: G(9), Значение_Type: 'StandardODATA.Catalog_ЗначенияСвойствОбъектов' }) },
        { Ref_Key: G(2), DataVersion: 'v2', DeletionMark: true, Owner: G(5), Owner_Type: 'StandardODATA.Catalog_ВидыНоменклатуры', Description: '46, ментоловый', ДополнительныеРеквизиты: attrs(G(8), { Значение: 'ментоловый', Значение_Type: 'Edm.String' }) },
        { Ref_Key: G(3), DataVersion: 'v3', DeletionMark: false, Owner: G(4), Owner_Type: 'StandardODATA.Catalog_Номенклатура', Description: 'без свойств', ДополнительныеРеквизиты: [] },
      ],
    });
    expect(await client.listCharacteristics({ top: 3 })).toEqual([
      { ref: G(1), productRef: G(4), name: '46, чёрный', size: '46', colour: 'чёрный', deleted: false, dataVersion: 'v1' },
      { ref: G(2), productKindRef: G(5), name: '46, ментоловый', size: '46', colour: 'ментоловый', deleted: true, dataVersion: 'v2' },
      { ref: G(3), productRef: G(4), name: 'без свойств', deleted: false, dataVersion: 'v3' },
    ]);

    // A colour value added in 1C since: the values are read again, once.
    capture.reply(200, { value: [{ Ref_Key: G(1), DataVersion: 'v1', DeletionMark: false, Owner: G(4), Owner_Type: 'StandardODATA.Catalog_Номенклатура', Description: '46, лиловый', ДополнительныеРеквизиты: attrs(G(8), { Значение: G(0), Значение_Type: 'StandardODATA.Catalog_ЗначенияСвойствОбъектов' }) }] });
    capture.reply(200, { value: [{ Ref_Key: G(8), Description: '46' }, { Ref_Key: G(0), Description: 'лиловый' }] });
    expect(await client.listCharacteristics({ afterRef: G(3), top: 3 })).toEqual([{ ref: G(1), productRef: G(4), name: '46, лиловый', size: '46', colour: 'лиловый', deleted: false, dataVersion: 'v1' }]);

    const values = get(`Catalog_${pct('ЗначенияСвойствОбъектов')}`, [
      ['$format', 'json'],
      ['$select', 'Ref_Key,Description'],
      ['$filter', `Owner_Key eq guid'${SIZE}' or Owner_Key eq guid'${COLOUR}'`],
    ]);
    const page = (extra: [string, string][]) =>
      get(`Catalog_${pct('ХарактеристикиНоменклатуры')}`, [
        ['$format', 'json'],
        ['$select', 'Ref_Key,DataVersion,DeletionMark,Owner,Owner_Type,Description,ДополнительныеРеквизиты/Свойство_Key,ДополнительныеРеквизиты/Значение,ДополнительныеРеквизиты/Значение_Type'],
        ...extra,
        ['$orderby', 'Ref_Key'],
        ['$top', '3'],
      ]);
    expect(captured.map(request)).toEqual([
      get(`ChartOfCharacteristicTypes_${pct('ДополнительныеРеквизитыИСведения')}`, [
        ['$format', 'json'],
        ['$select', 'Ref_Key,Description'],
        ['$filter', "Description eq 'Размер' or Description eq 'Цвет'"],
      ]),
      values,
      page([]),
      page([['$filter', `Ref_Key gt guid'${G(3)}'`]]),
      values,
    ]);
  });

  it('listPrices: SliceLast of the retail price type, percent-encoded in the path, keyset on product and characteristic, kopecks', async () => {
    const RETAIL = G(9);
    capture.reply(200, { value: [{ Ref_Key: RETAIL, Description: 'Розничная' }] });
    capture.reply(200, {
      value: [
        { Period: '2025-01-15T10:00:00', ВидЦены_Key: RETAIL, Номенклатура_Key: G(4), Характеристика_Key: G(1), Цена: 2990.5 },
        { Period: '2024-09-02T10:00:00', ВидЦены_Key: RETAIL, Номенклатура_Key: G(5), Характеристика_Key: EMPTY, Цена: 1234.56 },
      ],
    });
    expect(await client.listPrices({ after: { productRef: G(3) }, top: 2 })).toEqual([
      { productRef: G(4), characteristicRef: G(1), priceTypeRef: RETAIL, priceKopecks: 299_050, since: '2025-01-15T10:00:00' },
      { productRef: G(5), priceTypeRef: RETAIL, priceKopecks: 123_456, since: '2024-09-02T10:00:00' },
    ]);
    expect(captured.map(request)).toEqual([
      get(`Catalog_${pct('ВидыЦен')}`, [
        ['$format', 'json'],
        ['$select', 'Ref_Key,Description'],
        ['$filter', "Description eq 'Розничная' and DeletionMark eq false"],
      ]),
      get(`InformationRegister_${pct('ЦеныНоменклатуры')}25/SliceLast(Condition='${pct('ВидЦены')}_Key%20eq%20guid''${RETAIL}''')`, [
        ['$format', 'json'],
        ['$select', 'Period,ВидЦены_Key,Номенклатура_Key,Характеристика_Key,Цена'],
        ['$filter', `Номенклатура_Key ge guid'${G(3)}' and (Номенклатура_Key gt guid'${G(3)}' or (Номенклатура_Key eq guid'${G(3)}' and (Характеристика_Key gt guid'${EMPTY}')))`],
        ['$orderby', 'Номенклатура_Key,Характеристика_Key'],
        ['$top', '2'],
      ]),
    ]);
  });

  it('listBarcodes: a keyset page after a barcode', async () => {
    capture.reply(200, { value: [{ Штрихкод: '4607000000014', Номенклатура_Key: G(4), Характеристика_Key: G(1), Упаковка_Key: EMPTY }] });
    expect(await client.listBarcodes({ afterBarcode: '4607000000007', top: 1000 })).toEqual([{ barcode: '4607000000014', productRef: G(4), characteristicRef: G(1) }]);
    expect(captured.map(request)).toEqual([
      get(`InformationRegister_${pct('ШтрихкодыНоменклатуры')}`, [
        ['$format', 'json'],
        ['$select', 'Штрихкод,Номенклатура_Key,Характеристика_Key,Упаковка_Key'],
        ['$filter', "Штрихкод gt '4607000000007'"],
        ['$orderby', 'Штрихкод'],
        ['$top', '1000'],
      ]),
    ]);
  });

  it('listStock: Balance with the warehouses in Condition, keyset on three dimensions, whole quantities', async () => {
    capture.reply(200, {
      value: [
        { Номенклатура_Key: G(4), Характеристика_Key: G(1), Склад_Key: G(7), ВНаличииBalance: 3, ВРезервеСоСкладаBalance: 1, ВРезервеПодЗаказBalance: 0 },
        { Номенклатура_Key: G(4), Характеристика_Key: G(2), Склад_Key: G(8), ВНаличииBalance: -1.5, ВРезервеСоСкладаBalance: 0, ВРезервеПодЗаказBalance: 2 },
      ],
    });
    const rows = await client.listStock({ after: { productRef: G(4), characteristicRef: G(1), warehouseRef: G(6) }, top: 2, warehouseRefs: [G(7), G(8)] });
    expect(rows).toEqual([
      { productRef: G(4), characteristicRef: G(1), warehouseRef: G(7), inHand: 3, reserved: 1, reservedForOrder: 0 },
      { productRef: G(4), characteristicRef: G(2), warehouseRef: G(8), inHand: -1, reserved: 0, reservedForOrder: 2 },
    ]);
    const warehouseKey = `${pct('Склад')}_Key`;
    expect(captured.map(request)).toEqual([
      get(`AccumulationRegister_${pct('СвободныеОстатки')}/Balance(Condition='${warehouseKey}%20eq%20guid''${G(7)}''%20or%20${warehouseKey}%20eq%20guid''${G(8)}''')`, [
        ['$format', 'json'],
        ['$select', 'Номенклатура_Key,Характеристика_Key,Склад_Key,ВНаличииBalance,ВРезервеСоСкладаBalance,ВРезервеПодЗаказBalance'],
        ['$filter', keysetFilter(['Номенклатура_Key', 'Характеристика_Key', 'Склад_Key'], [G(4), G(1), G(6)])],
        ['$orderby', 'Номенклатура_Key,Характеристика_Key,Склад_Key'],
        ['$top', '2'],
      ]),
    ]);
    expect(keysetFilter(['A', 'B', 'C'], [G(1), G(2), G(3)])).toBe(
      `A ge guid'${G(1)}' and (A gt guid'${G(1)}' or (A eq guid'${G(1)}' and (B gt guid'${G(2)}' or (B eq guid'${G(2)}' and (C gt guid'${G(3)}')))))`,
    );
    // Without warehouses: Balance() with no parameters; an empty list asks nothing.
    capture.reply(200, { value: [] });
    expect(await client.listStock({ top: 10 })).toEqual([]);
    expect(captured[1]!.rawPath).toBe(`${SERVICE}/AccumulationRegister_${pct('СвободныеОстатки')}/Balance()`);
    expect(await client.listStock({ top: 10, warehouseRefs: [] })).toEqual([]);
    expect(captured).toHaveLength(2);
  });
});

describe('errors', () => {
  it('maps odata.error to OneCApiError with 1C’s code and message', async () => {
    capture.reply(400, { 'odata.error': { code: '15', message: { lang: 'ru', value: "Не найдено свойство 'Марка_Key'" } } });
    const error = await client.listBrands().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OneCApiError);
    expect({ ...(error as OneCApiError), message: (error as OneCApiError).message }).toEqual({ name: 'OneCApiError', status: 400, code: '15', message: "1C 400 15: Не найдено свойство 'Марка_Key'" });
  });

  it('a refused login (401 without a body) is OneCApiError UNAUTHORIZED, not retried', async () => {
    capture.reply(401, '', { 'WWW-Authenticate': 'Basic realm="1C:Enterprise 8.3"' });
    await expect(client.listBrands()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(captured).toHaveLength(1);
  });

  it('a failing 1C (5xx) is retried, then UpstreamUnavailableError', async () => {
    capture.reply(500, { 'odata.error': { code: '-1', message: { lang: 'ru', value: 'Произошла внутренняя ошибка OData сервиса.' } } });
    capture.reply(503, 'Service Unavailable');
    const error = await client.listBrands().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).status).toBe(503);
    expect(captured).toHaveLength(2);
  });

  it('a missing retail price type is OneCApiError PRICE_TYPE_NOT_FOUND, and is looked up again next time', async () => {
    capture.reply(200, { value: [] });
    await expect(client.listPrices({ top: 1 })).rejects.toMatchObject({ status: 404, code: 'PRICE_TYPE_NOT_FOUND' });
    capture.reply(200, { value: [{ Ref_Key: G(9), Description: 'Розничная' }] }, undefined);
    capture.reply(200, { value: [] });
    expect(await client.listPrices({ top: 1 })).toEqual([]);
    expect(captured).toHaveLength(3);
  });
});
