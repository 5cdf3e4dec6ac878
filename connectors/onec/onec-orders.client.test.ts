import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CaptureServer, type CapturedRequest } from '../../test/support/capture-server.js';
import { createOneCClient } from './onec.client.js';
import { OneCApiError } from './onec.port.js';

const EMPTY = '00000000-0000-0000-0000-000000000000';
const G = (n: number) => `0000000${n}-aaaa-11ee-8000-00000000000${n}`;
const SERVICE = '/trade/odata/standard.odata';
/** Percent-encoding of Cyrillic text, spelled out so the test does not reuse the client's encoder. */
const pct = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
const ORDERS = `${SERVICE}/Document_${pct('ЗаказКлиента')}`;

const capture = new CaptureServer();
const captured = capture.requests;
beforeAll(async () => {
  await capture.start();
});
afterAll(() => capture.stop());

let client: ReturnType<typeof createOneCClient>;
beforeEach(() => {
  capture.reset();
  client = createOneCClient({ baseUrl: `${capture.url}/trade`, login: 'Обмен', password: 'x', timeoutMs: 1_000, maxRetries: 2 });
});
afterEach(() => client.close());

const request = (c: CapturedRequest) => ({ method: c.method, path: c.rawPath, query: c.query, ...(c.body ? { body: JSON.parse(c.body), contentType: c.headers['content-type'] } : {}) });

const orderJson = {
  Ref_Key: G(1),
  Number: 'ЦБ00-000007',
  Date: '2025-03-01T12:00:00',
  Posted: false,
  DataVersion: 'AAAAAQAAAAA=',
  Статус: 'КОтгрузке',
  Склад_Key: G(2),
  НомерПоДаннымКлиента: 'RG-1',
  СуммаДокумента: 5480,
  Товары: [{ LineNumber: '1', Номенклатура_Key: G(3), Характеристика_Key: G(4), Количество: 2, Цена: 2990, СуммаРучнойСкидки: 500, Сумма: 5480, Отменено: false }],
};
const order = {
  ref: G(1),
  number: 'ЦБ00-000007',
  date: '2025-03-01T12:00:00',
  externalNumber: 'RG-1',
  posted: false,
  status: 'КОтгрузке',
  warehouseRef: G(2),
  totalKopecks: 548000,
  dataVersion: 'AAAAAQAAAAA=',
  lines: [{ lineNumber: 1, productRef: G(3), characteristicRef: G(4), quantity: 2, priceKopecks: 299000, discountKopecks: 50000, amountKopecks: 548000, cancelled: false }],
};
const draft = { externalNumber: 'RG-1', warehouseRef: G(2), partnerRef: G(5), comment: 'Заказ с сайта', lines: [{ productRef: G(3), characteristicRef: G(4), quantity: 2, priceKopecks: 299000, discountKopecks: 50000 }, { productRef: G(6), quantity: 1, priceKopecks: 150050 }] };
const findQuery = (n: string): [string, string][] => [
  ['$format', 'json'],
  ['$select', 'Ref_Key,Number,Date,Posted,DataVersion,Статус,Склад_Key,НомерПоДаннымКлиента,СуммаДокумента,Товары'],
  ['$filter', `НомерПоДаннымКлиента eq '${n}' and DeletionMark eq false`],
  ['$orderby', 'Date,Ref_Key'],
  ['$top', '1'],
];
const createBody = {
  Партнер_Key: G(5),
  Склад_Key: G(2),
  Статус: 'КОтгрузке',
  ХозяйственнаяОперация: 'РеализацияКлиенту',
  НомерПоДаннымКлиента: 'RG-1',
  Комментарий: 'Заказ с сайта',
  Товары: [
    { LineNumber: '1', Номенклатура_Key: G(3), Характеристика_Key: G(4), Количество: 2, Цена: 2990, СуммаРучнойСкидки: 500, Сумма: 5480, ВариантОбеспечения: 'СоСклада' },
    { LineNumber: '2', Номенклатура_Key: G(6), Характеристика_Key: EMPTY, Количество: 1, Цена: 1500.5, СуммаРучнойСкидки: 0, Сумма: 1500.5, ВариантОбеспечения: 'СоСклада' },
  ],
};

describe('orders: exact requests', () => {
  it("createOrder searches by НомерПоДаннымКлиента, then POSTs the order in roubles with LineNumber'd rows", async () => {
    capture.reply(200, { value: [] }).reply(201, orderJson);
    expect(await client.createOrder(draft)).toEqual({ order, created: true });
    expect(captured.map(request)).toEqual([
      { method: 'GET', path: ORDERS, query: findQuery('RG-1') },
      { method: 'POST', path: ORDERS, query: [['$format', 'json']], body: createBody, contentType: 'application/json' },
    ]);
  });

  it('createOrder returns the order found without creating one', async () => {
    capture.reply(200, { value: [orderJson] });
    expect(await client.createOrder(draft)).toEqual({ order, created: false });
    expect(captured).toHaveLength(1);
  });

  it('createOrder whose reply is lost looks again and finds it: no second POST', async () => {
    capture.reply(200, { value: [] }).enqueue({ drop: true }).reply(200, { value: [orderJson] });
    expect(await client.createOrder(draft)).toEqual({ order, created: false });
    expect(captured.map((c) => c.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it("postOrder, cancelOrder: /Post on the object's path, PATCH of the status; a refused posting is a typed result", async () => {
    capture.reply(200, undefined).reply(400, { 'odata.error': { code: '21', message: { lang: 'ru', value: 'Недостаточно свободного остатка' } } }).reply(200, orderJson);
    expect(await client.postOrder(G(1).toUpperCase())).toEqual({ ok: true });
    expect(await client.postOrder(G(1))).toEqual({ ok: false, code: 'POSTING_REFUSED', message: '1C 400 21: Недостаточно свободного остатка' });
    await client.cancelOrder(G(1));
    const objectPath = `${ORDERS}(guid'${G(1)}')`;
    expect(captured.map(request)).toEqual([
      { method: 'POST', path: `${objectPath}/Post`, query: [['$format', 'json']] },
      { method: 'POST', path: `${objectPath}/Post`, query: [['$format', 'json']] },
      { method: 'PATCH', path: objectPath, query: [['$format', 'json']], body: { Статус: 'Закрыт' }, contentType: 'application/json' },
    ]);
  });

  it('cancelOrder of a shipped order throws the odata.error; postOrder is retried after a 503', async () => {
    capture.reply(400, { 'odata.error': { code: '20', message: { lang: 'ru', value: 'Заказ отгружен' } } });
    await expect(client.cancelOrder(G(1))).rejects.toEqual(new OneCApiError(400, '20', 'Заказ отгружен'));
    capture.reply(503, 'Service Unavailable').reply(200, undefined);
    expect(await client.postOrder(G(1))).toEqual({ ok: true });
  });

  it('orderStatusChanges: the state register since a moment, in change order', async () => {
    capture.reply(200, { value: [{ Заказ_Key: G(1), Состояние: 'Отгружен', ДатаИзменения: '2025-03-02T10:00:00' }, { Заказ_Key: G(2), Состояние: 'Новое', ДатаИзменения: '2025-03-02T10:00:05' }] });
    expect(await client.orderStatusChanges('2025-03-02T09:00:00', 100)).toEqual([
      { orderRef: G(1), state: 'shipped', rawState: 'Отгружен', changedAt: '2025-03-02T10:00:00' },
      { orderRef: G(2), state: 'unknown', rawState: 'Новое', changedAt: '2025-03-02T10:00:05' },
    ]);
    expect(captured.map(request)).toEqual([
      {
        method: 'GET',
        path: `${SERVICE}/InformationRegister_${pct('СостоянияЗаказовКлиентов')}`,
        query: [
          ['$format', 'json'],
          ['$select', 'Заказ_Key,Состояние,ДатаИзменения'],
          ['$filter', "ДатаИзменения ge datetime'2025-03-02T09:00:00'"],
          ['$orderby', 'ДатаИзменения,Заказ_Key'],
          ['$top', '100'],
        ],
      },
    ]);
  });

  it('createReturn: search by our id, find the posted sale of the order, create naming the customer, post', async () => {
    const returnJson = { Ref_Key: G(7), Number: 'ЦБ00-000001', Posted: false, ДокументРеализации_Key: G(8), НомерВходящегоДокумента: 'RET-1', СуммаДокумента: 2990 };
    capture.reply(200, { value: [] }).reply(200, { value: [{ Ref_Key: G(8) }] }).reply(201, returnJson).reply(200, undefined);
    expect(await client.createReturn({ externalId: 'RET-1', orderRef: G(1), partnerRef: G(5), counterpartyRef: G(6).toUpperCase(), lines: [{ productRef: G(3), characteristicRef: G(4), quantity: 1, priceKopecks: 299000 }] })).toEqual({
      ok: true,
      return: { ref: G(7), number: 'ЦБ00-000001', saleRef: G(8), externalId: 'RET-1', posted: true, totalKopecks: 299000 },
      created: true,
    });
    const RETURNS = `${SERVICE}/Document_${pct('ВозвратТоваровОтКлиента')}`;
    expect(captured.map(request)).toEqual([
      {
        method: 'GET',
        path: RETURNS,
        query: [
          ['$format', 'json'],
          ['$select', 'Ref_Key,Number,Posted,ДокументРеализации_Key,НомерВходящегоДокумента,СуммаДокумента'],
          ['$filter', "НомерВходящегоДокумента eq 'RET-1' and DeletionMark eq false"],
          ['$orderby', 'Date,Ref_Key'],
          ['$top', '1'],
        ],
      },
      {
        method: 'GET',
        path: `${SERVICE}/Document_${pct('РеализацияТоваровУслуг')}`,
        query: [
          ['$format', 'json'],
          ['$select', 'Ref_Key'],
          ['$filter', `ЗаказКлиента_Key eq guid'${G(1)}' and Posted eq true`],
          ['$top', '1'],
        ],
      },
      {
        method: 'POST',
        path: RETURNS,
        query: [['$format', 'json']],
        body: { Партнер_Key: G(5), Контрагент_Key: G(6), ДокументРеализации_Key: G(8), НомерВходящегоДокумента: 'RET-1', Товары: [{ LineNumber: '1', Номенклатура_Key: G(3), Характеристика_Key: G(4), Количество: 1, Цена: 2990, Сумма: 2990 }] },
        contentType: 'application/json',
      },
      { method: 'POST', path: `${RETURNS}(guid'${G(7)}')/Post`, query: [['$format', 'json']] },
    ]);
  });

  it('createReturn of an order never shipped is a typed result', async () => {
    capture.reply(200, { value: [] }).reply(200, { value: [] });
    expect(await client.createReturn({ externalId: 'RET-2', orderRef: G(1), lines: [{ productRef: G(3), quantity: 1, priceKopecks: 100 }] })).toEqual({ ok: false, code: 'NOT_SHIPPED', message: `order ${G(1)} has no posted sale in 1C` });
  });
});

describe('partners and counterparties: exact requests', () => {
  const PARTNERS = `${SERVICE}/Catalog_${pct('Партнеры')}`;
  const COUNTERPARTIES = `${SERVICE}/Catalog_${pct('Контрагенты')}`;
  const PHONES = `${SERVICE}/Catalog_${pct('Партнеры')}_${pct('КонтактнаяИнформация')}`;
  const counterpartyQuery = (partner: string): [string, string][] => [
    ['$format', 'json'],
    ['$select', 'Ref_Key'],
    ['$filter', `Партнер_Key eq guid'${partner}' and DeletionMark eq false`],
    ['$orderby', 'Ref_Key'],
    ['$top', '1'],
  ];
  const byKey = (path: string, key: string) => ({ method: 'GET', path: `${path}(guid'${key}')`, query: [['$format', 'json'], ['$select', 'Ref_Key']] });
  const contacts = [{ LineNumber: '1', Тип: 'Телефон', Представление: '+7 916 123-45-67', Значение: '{"value":"+7 916 123-45-67","type":"Телефон"}', НомерТелефона: '79161234567' }];

  it('findPartyByPhone: the phone rows of the contact information (digits 7XXXXXXXXXX), the live partner among their owners, its counterparty', async () => {
    capture.reply(200, { value: [{ Ref_Key: G(2) }, { Ref_Key: G(1) }, { Ref_Key: G(2) }] }).reply(200, { value: [{ Ref_Key: G(1) }] }).reply(200, { value: [{ Ref_Key: G(3) }] });
    expect(await client.findPartyByPhone('+7 (916) 123-45-67')).toEqual({ partnerRef: G(1), counterpartyRef: G(3) });
    expect(captured.map(request)).toEqual([
      {
        method: 'GET',
        path: PHONES,
        query: [
          ['$format', 'json'],
          ['$select', 'Ref_Key'],
          ['$filter', "Тип eq 'Телефон' and НомерТелефона eq '79161234567'"],
          ['$orderby', 'Ref_Key'],
          ['$top', '20'],
        ],
      },
      {
        method: 'GET',
        path: PARTNERS,
        query: [
          ['$format', 'json'],
          ['$select', 'Ref_Key'],
          ['$filter', `(Ref_Key eq guid'${G(2)}' or Ref_Key eq guid'${G(1)}') and DeletionMark eq false and IsFolder eq false`],
          ['$orderby', 'Ref_Key'],
          ['$top', '1'],
        ],
      },
      { method: 'GET', path: COUNTERPARTIES, query: counterpartyQuery(G(1)) },
    ]);
  });

  it('findPartyByPhone: a phone no one has costs one request; a partner without a counterparty comes alone', async () => {
    capture.reply(200, { value: [] });
    expect(await client.findPartyByPhone('89161234567')).toBeUndefined();
    expect(captured).toHaveLength(1);
    capture.reply(200, { value: [{ Ref_Key: G(1) }] }).reply(200, { value: [{ Ref_Key: G(1) }] }).reply(200, { value: [] });
    expect(await client.findPartyByPhone('+79161234567')).toEqual({ partnerRef: G(1) });
  });

  it('ensureParty: each object read by key, created with its Ref_Key when absent (a client, a private person, the phone in its contact information)', async () => {
    const notFound = { 'odata.error': { code: '9', message: { lang: 'ru', value: 'Не найден объект' } } };
    capture.reply(404, notFound).reply(201, { Ref_Key: G(1) }).reply(404, notFound).reply(201, { Ref_Key: G(2) });
    expect(await client.ensureParty({ partnerRef: G(1), counterpartyRef: G(2), name: 'Новикова Вера', phone: '+79161234567' })).toEqual({ partnerCreated: true, counterpartyCreated: true });
    expect(captured.map(request)).toEqual([
      byKey(PARTNERS, G(1)),
      {
        method: 'POST',
        path: PARTNERS,
        query: [['$format', 'json']],
        body: { Ref_Key: G(1), Description: 'Новикова Вера', НаименованиеПолное: 'Новикова Вера', Клиент: true, ЮрФизЛицо: 'ЧастноеЛицо', КонтактнаяИнформация: contacts },
        contentType: 'application/json',
      },
      byKey(COUNTERPARTIES, G(2)),
      {
        method: 'POST',
        path: COUNTERPARTIES,
        query: [['$format', 'json']],
        body: { Ref_Key: G(2), Description: 'Новикова Вера', НаименованиеПолное: 'Новикова Вера', Партнер_Key: G(1), ЮрФизЛицо: 'ФизЛицо', КонтактнаяИнформация: contacts },
        contentType: 'application/json',
      },
    ]);
  });

  it('ensureParty: a create refused because the key was taken meanwhile is found, not made; an existing object is not posted again', async () => {
    const notFound = { 'odata.error': { code: '9', message: { lang: 'ru', value: 'Не найден объект' } } };
    const taken = { 'odata.error': { code: '20', message: { lang: 'ru', value: 'Объект с таким ключом уже существует' } } };
    capture.reply(404, notFound).reply(400, taken).reply(200, { Ref_Key: G(1) }).reply(200, { Ref_Key: G(2) });
    expect(await client.ensureParty({ partnerRef: G(1), counterpartyRef: G(2), name: 'Новикова Вера' })).toEqual({ partnerCreated: false, counterpartyCreated: false });
    expect(captured.map((c) => `${c.method} ${c.rawPath}`)).toEqual([`GET ${PARTNERS}(guid'${G(1)}')`, `POST ${PARTNERS}`, `GET ${PARTNERS}(guid'${G(1)}')`, `GET ${COUNTERPARTIES}(guid'${G(2)}')`]);

    // Refused for another reason (the key still free): the refusal is thrown.
    capture.reset();
    capture.reply(404, notFound).reply(400, taken).reply(404, notFound);
    await expect(client.ensureParty({ partnerRef: G(1), counterpartyRef: G(2), name: 'Новикова Вера' })).rejects.toEqual(new OneCApiError(400, '20', 'Объект с таким ключом уже существует'));
  });
});
