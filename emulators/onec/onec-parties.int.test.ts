import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { demoPerson } from '../seed/demo-people.js';
import { demoCounterpartyRef, demoPartnerRef } from './onec-parties.repository.js';
import { createOneCEmulator, oneCEmulatorSchema } from './onec.emulator.js';

const AUTH = `Basic ${Buffer.from('odata:secret', 'utf8').toString('base64')}`;
const SERVICE = '/trade/odata/standard.odata';
let testDb: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrateSchema(testDb.db, oneCEmulatorSchema);
  const emulator = createOneCEmulator({ db: testDb.db, users: [{ login: 'odata', password: 'secret' }] });
  // Online 0…7 (1 and 5 bought in a showroom too), showroom-only 8 and 9.
  await emulator.seed({ products: 1, onlineCustomers: 8, showroomCustomers: 2 });
  await emulator.seed({ products: 1, onlineCustomers: 8, showroomCustomers: 2 });
  server = await emulator.start(0);
});
afterAll(async () => {
  await server?.close();
  await testDb?.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${SERVICE}/${encodeURI(path)}`, { method, headers: { authorization: AUTH, accept: 'application/json', 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const phoneRows = (digits: string) => call('GET', `Catalog_Партнеры_КонтактнаяИнформация?$format=json;odata=nometadata&$select=Ref_Key,LineNumber,Тип,НомерТелефона&$filter=Тип eq 'Телефон' and НомерТелефона eq '${digits}'`);

describe('partners and counterparties (Catalog_Партнеры, Catalog_Контрагенты)', () => {
  it('seeded once: showroom buyers, each a partner with a counterparty, found by phone through the contact-information table part', async () => {
    const partners = await call('GET', `Catalog_Партнеры?$format=json;odata=nometadata&$select=Ref_Key&$orderby=Ref_Key`);
    expect(partners.body.value.map((r: { Ref_Key: string }) => r.Ref_Key)).toEqual([1, 5, 8, 9].map(demoPartnerRef).sort());
    const person = demoPerson(5);
    expect((await phoneRows(person.phoneDigits)).body.value).toEqual([{ Ref_Key: demoPartnerRef(5), LineNumber: '1', Тип: 'Телефон', НомерТелефона: person.phoneDigits }]);
    expect((await phoneRows(demoPerson(2).phoneDigits)).body.value).toEqual([]);
    const counterparty = await call('GET', `Catalog_Контрагенты(guid'${demoCounterpartyRef(5)}')?$format=json;odata=nometadata&$select=Ref_Key,Партнер_Key,ЮрФизЛицо,Description`);
    expect(counterparty.body).toEqual({ Ref_Key: demoCounterpartyRef(5), Партнер_Key: demoPartnerRef(5), ЮрФизЛицо: 'ФизЛицо', Description: `${person.lastName} ${person.firstName} ${person.patronymic}` });
  });

  it('POST creates under the given Ref_Key (201, the object as read by key); a taken key, a missing name, an unknown partner are refused and make nothing', async () => {
    const partner = randomUUID();
    const contacts = [{ LineNumber: '1', Тип: 'Телефон', Представление: '+7 999 555-00-01', НомерТелефона: '79995550001' }];
    const created = await call('POST', 'Catalog_Партнеры?$format=json;odata=nometadata', { Ref_Key: partner.toUpperCase(), Description: 'Новикова Вера', Клиент: true, ЮрФизЛицо: 'ЧастноеЛицо', КонтактнаяИнформация: contacts });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ Ref_Key: partner, Description: 'Новикова Вера', Клиент: true, ЮрФизЛицо: 'ЧастноеЛицо', DeletionMark: false, КонтактнаяИнформация: [{ Ref_Key: partner, LineNumber: '1', Тип: 'Телефон', НомерТелефона: '79995550001' }] });

    const again = await call('POST', 'Catalog_Партнеры?$format=json', { Ref_Key: partner, Description: 'Другая' });
    expect(again.status).toBe(400);
    expect(again.body['odata.error'].code).toBe('20');
    expect((await call('POST', 'Catalog_Партнеры?$format=json', { Ref_Key: randomUUID() })).body['odata.error'].code).toBe('20');
    expect((await call('POST', 'Catalog_Партнеры?$format=json', { Description: 'x', Фамилия: 'y' })).body['odata.error'].code).toBe('15');
    expect((await call('POST', 'Catalog_Контрагенты?$format=json', { Description: 'x', Партнер_Key: randomUUID() })).status).toBe(400);
    expect((await phoneRows('79995550001')).body.value).toEqual([{ Ref_Key: partner, LineNumber: '1', Тип: 'Телефон', НомерТелефона: '79995550001' }]);

    const counterparty = randomUUID();
    expect((await call('POST', 'Catalog_Контрагенты?$format=json', { Ref_Key: counterparty, Description: 'Новикова Вера', Партнер_Key: partner, ЮрФизЛицо: 'ФизЛицо' })).status).toBe(201);
    const listed = await call('GET', `Catalog_Контрагенты?$format=json;odata=nometadata&$select=Ref_Key&$filter=Партнер_Key eq guid'${partner}'`);
    expect(listed.body.value).toEqual([{ Ref_Key: counterparty }]);
    expect((await call('PATCH', `Catalog_Партнеры(guid'${partner}')?$format=json`, { Description: 'x' })).status).toBe(405);
  });

  it('two creates of one Ref_Key at once: one object, the other refused', async () => {
    const ref = randomUUID();
    const answers = await Promise.all([1, 2].map((n) => call('POST', 'Catalog_Партнеры?$format=json', { Ref_Key: ref, Description: `Покупатель ${n}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 400]);
    const count = await fetch(`${server.url}${SERVICE}/${encodeURI(`Catalog_Партнеры/$count?$filter=Ref_Key eq guid'${ref}'`)}`, { headers: { authorization: AUTH } });
    expect(await count.text()).toBe('1');
  });
});
