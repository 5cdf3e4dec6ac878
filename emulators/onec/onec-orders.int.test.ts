import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { DEMO_CURRENCY_RUB, DEMO_WAREHOUSES, EMPTY_REF, demoProducts } from '../seed/demo-catalog.js';
import { createOneCEmulator, oneCEmulatorSchema, type OneCEmulator } from './onec.emulator.js';

const LOGIN = 'Обмен';
const PASSWORD = 'secret';
const AUTH = `Basic ${Buffer.from(`${LOGIN}:${PASSWORD}`, 'utf8').toString('base64')}`;
const SERVICE = '/trade/odata/standard.odata';
const products = [...demoProducts(0, 5)];
const [a, b] = [products[0]!, products[1]!];
const offerA = a.offers[0]!;
const offerB = b.offers[0]!;
const warehouse = DEMO_WAREHOUSES[0]!.ref;
const PARTNER = '11111111-2222-3333-4444-555555555555';

let testDb: TestDatabase;
let emulator: OneCEmulator;
let server: RunningServer;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrateSchema(testDb.db, oneCEmulatorSchema);
  emulator = createOneCEmulator({ db: testDb.db, users: [{ login: LOGIN, password: PASSWORD }] });
  await emulator.seed({ products: 5 });
  server = await emulator.start(0);
});
afterEach(() => emulator.faults.clear());
afterAll(async () => {
  await server?.close();
  await testDb?.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${SERVICE}/${encodeURI(path)}`, {
    method,
    headers: { authorization: AUTH, 'content-type': 'application/json', accept: 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}
const control = async (path: string) => {
  const res = await fetch(`${server.url}/__emulator${path}`, { method: 'POST' });
  return { status: res.status, body: (await res.json()) as any };
};
const error = (code: string, value: string) => ({ 'odata.error': { code, message: { lang: 'ru', value } } });

async function cell(productRef: string, characteristicRef: string) {
  const rows = (await call('GET', `AccumulationRegister_СвободныеОстатки/Balance(Condition='Склад_Key eq guid''${warehouse}'' and Характеристика_Key eq guid''${characteristicRef}''')?$format=json`)).body.value;
  const row = rows.find((r: any) => r.Номенклатура_Key === productRef);
  return { inHand: row?.ВНаличииBalance ?? 0, reserved: row?.ВРезервеСоСкладаBalance ?? 0 };
}

const orderBody = (externalNumber: string, extra: Record<string, unknown> = {}) => ({
  Партнер_Key: PARTNER,
  Склад_Key: warehouse,
  Статус: 'КОтгрузке',
  НомерПоДаннымКлиента: externalNumber,
  Комментарий: 'Заказ интернет-магазина',
  Товары: [
    { LineNumber: '1', Номенклатура_Key: a.ref, Характеристика_Key: offerA.ref, Количество: 2, Цена: 2990, СуммаРучнойСкидки: 500 },
    { LineNumber: '2', Номенклатура_Key: b.ref, Характеристика_Key: offerB.ref, Количество: 1, Цена: 1500.5 },
  ],
  ...extra,
});

async function setStock(inHand: number) {
  await emulator.setStock({ productRef: a.ref, characteristicRef: offerA.ref, warehouseRef: warehouse, inHand, reserved: 0 });
  await emulator.setStock({ productRef: b.ref, characteristicRef: offerB.ref, warehouseRef: warehouse, inHand, reserved: 0 });
}

describe('Document_ЗаказКлиента', () => {
  it('creates an unposted order with its number, date and lines; patches it; finds it by НомерПоДаннымКлиента', async () => {
    const created = await call('POST', 'Document_ЗаказКлиента?$format=json', orderBody('RG-1001'));
    expect(created.status).toBe(201);
    const ref = created.body.Ref_Key as string;
    expect(created.body).toMatchObject({
      'odata.metadata': expect.stringContaining('$metadata#Document_ЗаказКлиента/@Element'),
      DataVersion: 'AAAAAQAAAAA=',
      DeletionMark: false,
      Number: expect.stringMatching(/^ЦБ00-\d{6}$/),
      Date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
      Posted: false,
      Партнер_Key: PARTNER,
      Контрагент_Key: EMPTY_REF,
      Склад_Key: warehouse,
      Валюта_Key: DEMO_CURRENCY_RUB.ref,
      Статус: 'КОтгрузке',
      ХозяйственнаяОперация: 'РеализацияКлиенту',
      СуммаДокумента: 6980.5,
      НомерПоДаннымКлиента: 'RG-1001',
      Товары: [
        { LineNumber: '1', Номенклатура_Key: a.ref, Характеристика_Key: offerA.ref, Количество: 2, Цена: 2990, Сумма: 5480, СуммаРучнойСкидки: 500, ВариантОбеспечения: 'СоСклада', Отменено: false },
        { LineNumber: '2', Номенклатура_Key: b.ref, Характеристика_Key: offerB.ref, Количество: 1, Цена: 1500.5, Сумма: 1500.5, СуммаРучнойСкидки: 0, ВариантОбеспечения: 'СоСклада', Отменено: false },
      ],
    });

    const patched = await call('PATCH', `Document_ЗаказКлиента(guid'${ref}')?$format=json`, { Комментарий: 'Позвонить за час' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ Ref_Key: ref, Комментарий: 'Позвонить за час', DataVersion: 'AAAAAgAAAAA=', Number: created.body.Number });

    const found = await call('GET', `Document_ЗаказКлиента?$format=json&$filter=НомерПоДаннымКлиента eq 'RG-1001'&$select=Ref_Key,Number`);
    expect(found.body.value).toEqual([{ Ref_Key: ref, Number: created.body.Number }]);
  });

  it('posting reserves the lines (free stock down), unposting and closing release them; the state register follows', async () => {
    await setStock(5);
    const ref = (await call('POST', 'Document_ЗаказКлиента?$format=json', orderBody('RG-1002'))).body.Ref_Key as string;
    expect(await cell(a.ref, offerA.ref)).toEqual({ inHand: 5, reserved: 0 });

    expect((await call('POST', `Document_ЗаказКлиента(guid'${ref}')/Post?$format=json`)).status).toBe(200);
    expect(await cell(a.ref, offerA.ref)).toEqual({ inHand: 5, reserved: 2 });
    expect(await cell(b.ref, offerB.ref)).toEqual({ inHand: 5, reserved: 1 });
    expect((await call('GET', `Document_ЗаказКлиента(guid'${ref}')?$format=json&$select=Posted`)).body.Posted).toBe(true);
    // Posting again rewrites the same records: no double reserve.
    await call('POST', `Document_ЗаказКлиента(guid'${ref}')/Post?$format=json`);
    expect(await cell(a.ref, offerA.ref)).toEqual({ inHand: 5, reserved: 2 });
    const state = await call('GET', `InformationRegister_СостоянияЗаказовКлиентов?$format=json&$filter=Заказ_Key eq guid'${ref}'`);
    expect(state.body.value).toEqual([{ Заказ_Key: ref, Состояние: 'ГотовКОтгрузке', ДатаИзменения: expect.any(String) }]);

    expect((await call('POST', `Document_ЗаказКлиента(guid'${ref}')/Unpost?$format=json`)).status).toBe(200);
    expect(await cell(a.ref, offerA.ref)).toEqual({ inHand: 5, reserved: 0 });

    await call('POST', `Document_ЗаказКлиента(guid'${ref}')/Post?$format=json`);
    expect(await cell(a.ref, offerA.ref)).toEqual({ inHand: 5, reserved: 2 });
    // Cancelling: status Закрыт on a posted order reposts it without the reserve.
    expect((await call('PATCH', `Document_ЗаказКлиента(guid'${ref}')?$format=json`, { Статус: 'Закрыт' })).status).toBe(200);
    expect(await cell(a.ref, offerA.ref)).toEqual({ inHand: 5, reserved: 0 });
    const cancelled = await call('GET', `InformationRegister_СостоянияЗаказовКлиентов(guid'${ref}')?$format=json`);
    expect(cancelled.status).toBe(400); // a register is not addressed by key
    const since = await call('GET', `InformationRegister_СостоянияЗаказовКлиентов?$format=json&$filter=ДатаИзменения ge datetime'2020-01-01T00:00:00' and Заказ_Key eq guid'${ref}'`);
    expect(since.body.value[0].Состояние).toBe('Отменен');
  });

  it('refuses to post more than is free', async () => {
    await setStock(1);
    const ref = (await call('POST', 'Document_ЗаказКлиента?$format=json', orderBody('RG-1003'))).body.Ref_Key as string;
    const posted = await call('POST', `Document_ЗаказКлиента(guid'${ref}')/Post?$format=json`);
    expect(posted.status).toBe(400);
    expect(posted.body['odata.error'].code).toBe('21');
    expect(posted.body['odata.error'].message.value).toContain('Недостаточно свободного остатка');
    expect(await cell(a.ref, offerA.ref)).toEqual({ inHand: 1, reserved: 0 });
  });

  it('validates the body', async () => {
    const post = (body: unknown) => call('POST', 'Document_ЗаказКлиента?$format=json', body);
    const line = { LineNumber: 1, Номенклатура_Key: a.ref, Характеристика_Key: offerA.ref, Количество: 1, Цена: 100 };
    expect(await post({ ...orderBody('X'), Склад_Key: undefined })).toEqual({ status: 400, body: error('20', "Не удалось записать: 'Document_ЗаказКлиента'! Поле \"Склад\" не заполнено") });
    expect((await post({ ...orderBody('X'), Склад_Key: PARTNER })).body['odata.error'].message.value).toContain("Не найден объект 'Catalog_Склады'");
    expect(await post({ ...orderBody('X'), Товары: [{ ...line, LineNumber: undefined }] })).toEqual({
      status: 400,
      body: error('20', "Не удалось записать: 'Document_ЗаказКлиента'! Не заполнен или неверен номер строки (LineNumber) (строка 1 табличной части 'Товары')"),
    });
    expect(await post({ ...orderBody('X'), Товары: [{ ...line, Количество: 0 }] })).toEqual({
      status: 400,
      body: error('20', "Не удалось записать: 'Document_ЗаказКлиента'! Количество должно быть больше нуля (строка 1 табличной части 'Товары')"),
    });
    expect((await post({ ...orderBody('X'), Товары: [{ ...line, Номенклатура_Key: PARTNER }] })).body['odata.error'].message.value).toContain("Не найден объект 'Catalog_Номенклатура'");
    expect((await post({ ...orderBody('X'), Товары: [{ ...line, Характеристика_Key: offerB.ref }] })).body['odata.error'].message.value).toContain('Не найдена характеристика');
    expect(await post({ ...orderBody('X'), Цвет: 'красный' })).toEqual({ status: 400, body: error('15', "Не найдено свойство 'Цвет' у сущности 'Document_ЗаказКлиента'") });
    expect((await post({ ...orderBody('X'), Статус: 'Готов' })).body['odata.error'].code).toBe('16');
    expect((await post({ ...orderBody('X'), Товары: [] })).body['odata.error'].message.value).toContain("Не заполнена табличная часть 'Товары'");
    expect((await post('{not json')).status).toBe(400);
    expect((await call('PATCH', `Document_ЗаказКлиента(guid'${PARTNER}')?$format=json`, { Комментарий: 'x' })).status).toBe(404);
    expect((await call('POST', `Document_РеализацияТоваровУслуг?$format=json`, {})).status).toBe(405);
    // Nothing of the refused ones was written.
    expect((await call('GET', `Document_ЗаказКлиента?$format=json&$filter=НомерПоДаннымКлиента eq 'X'`)).body.value).toEqual([]);
  });

  it('a create whose reply is lost is found by НомерПоДаннымКлиента: a retry creates no second order', async () => {
    emulator.faults.set({ dropAfterApply: true, dropCount: 1, pathPattern: '^POST .*/Document_[^/(]*$' });
    await expect(call('POST', 'Document_ЗаказКлиента?$format=json', orderBody('RG-DROP'))).rejects.toThrow();
    const found = await call('GET', `Document_ЗаказКлиента?$format=json&$filter=НомерПоДаннымКлиента eq 'RG-DROP'&$select=Ref_Key`);
    expect(found.body.value).toHaveLength(1);
  });
});

describe('shipment, delivery, return', () => {
  it('the warehouse ships a posted order, it is delivered, a return brings stock back', async () => {
    await setStock(5);
    const ref = (await call('POST', 'Document_ЗаказКлиента?$format=json', orderBody('RG-2001'))).body.Ref_Key as string;
    expect((await control(`/orders/${ref}/ship`)).status).toBe(409);
    await call('POST', `Document_ЗаказКлиента(guid'${ref}')/Post?$format=json`);

    const shipped = await control(`/orders/${ref}/ship`);
    expect(shipped.status).toBe(200);
    const saleRef = shipped.body.saleRef as string;
    expect(await cell(a.ref, offerA.ref)).toEqual({ inHand: 3, reserved: 0 });
    expect(await cell(b.ref, offerB.ref)).toEqual({ inHand: 4, reserved: 0 });
    const sale = (await call('GET', `Document_РеализацияТоваровУслуг(guid'${saleRef}')?$format=json`)).body;
    expect(sale).toMatchObject({ Posted: true, ЗаказКлиента_Key: ref, Склад_Key: warehouse, Партнер_Key: PARTNER, СуммаДокумента: 6980.5 });
    expect(sale.Товары.map((l: any) => [l.LineNumber, l.Номенклатура_Key, l.Количество, l.ЗаказКлиента_Key])).toEqual([
      ['1', a.ref, 2, ref],
      ['2', b.ref, 1, ref],
    ]);
    const state = async () => (await call('GET', `InformationRegister_СостоянияЗаказовКлиентов?$format=json&$filter=Заказ_Key eq guid'${ref}'`)).body.value[0].Состояние;
    expect(await state()).toBe('Отгружен');
    expect((await control(`/orders/${ref}/ship`)).status).toBe(409);
    expect((await call('POST', `Document_ЗаказКлиента(guid'${ref}')/Unpost?$format=json`)).status).toBe(400);

    expect((await control(`/orders/${ref}/deliver`)).status).toBe(200);
    expect(await state()).toBe('Доставлен');

    const returnBody = { ДокументРеализации_Key: saleRef, НомерВходящегоДокумента: 'RET-1', Товары: [{ LineNumber: 1, Номенклатура_Key: a.ref, Характеристика_Key: offerA.ref, Количество: 1, Цена: 2740 }] };
    const created = await call('POST', 'Document_ВозвратТоваровОтКлиента?$format=json', returnBody);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ Posted: false, Склад_Key: warehouse, Партнер_Key: PARTNER, ДокументРеализации_Key: saleRef, ХозяйственнаяОперация: 'ВозвратОтКлиента', СуммаДокумента: 2740 });
    const returnRef = created.body.Ref_Key as string;
    expect((await call('POST', `Document_ВозвратТоваровОтКлиента(guid'${returnRef}')/Post?$format=json`)).status).toBe(200);
    expect(await cell(a.ref, offerA.ref)).toEqual({ inHand: 4, reserved: 0 });
    expect(await state()).toBe('Возвращен');

    // One unit of the two sold is left to return.
    const more = await call('POST', 'Document_ВозвратТоваровОтКлиента?$format=json', { ...returnBody, Товары: [{ ...returnBody.Товары[0], Количество: 2 }] });
    const posted = await call('POST', `Document_ВозвратТоваровОтКлиента(guid'${more.body.Ref_Key as string}')/Post?$format=json`);
    expect(posted.status).toBe(400);
    expect(posted.body['odata.error'].message.value).toContain('больше не возвращённого');
    expect((await call('POST', 'Document_ВозвратТоваровОтКлиента?$format=json', { ...returnBody, ДокументРеализации_Key: PARTNER })).body['odata.error'].message.value).toContain("Не найден объект 'Document_РеализацияТоваровУслуг'");
  });
});
