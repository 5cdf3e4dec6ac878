import { describe, expect, it } from 'vitest';
import { ODataRequestError, parseFunctionParams, parseQueryOptions, parseResourcePath } from './odata-request.js';

describe('parseResourcePath', () => {
  it('reads the service root, $metadata, a set, its count, an object by key and a virtual table', () => {
    expect(parseResourcePath('')).toEqual({ kind: 'service' });
    expect(parseResourcePath('/')).toEqual({ kind: 'service' });
    expect(parseResourcePath('/$metadata')).toEqual({ kind: 'metadata' });
    expect(parseResourcePath('/Catalog_Номенклатура')).toEqual({ kind: 'set', set: 'Catalog_Номенклатура' });
    expect(parseResourcePath('/Catalog_Склады/$count')).toEqual({ kind: 'set', set: 'Catalog_Склады', count: true });
    expect(parseResourcePath("/Catalog_Номенклатура(guid'0CB1F787-4396-11EE-8005-000000000080')")).toEqual({
      kind: 'set',
      set: 'Catalog_Номенклатура',
      key: '0cb1f787-4396-11ee-8005-000000000080',
    });
    expect(parseResourcePath('/InformationRegister_ЦеныНоменклатуры25/SliceLast()')).toEqual({
      kind: 'function',
      set: 'InformationRegister_ЦеныНоменклатуры25',
      fn: 'SliceLast',
      params: new Map(),
    });
    expect(parseResourcePath("/AccumulationRegister_СвободныеОстатки/Balance(Period=datetime'2025-01-21T00:00:00', Condition='Номенклатура/Артикул eq ''A/B''', Dimensions='Склад')")).toEqual({
      kind: 'function',
      set: 'AccumulationRegister_СвободныеОстатки',
      fn: 'Balance',
      params: new Map([
        ['Period', { type: 'datetime', value: '2025-01-21T00:00:00' }],
        ['Condition', { type: 'string', value: "Номенклатура/Артикул eq 'A/B'" }],
        ['Dimensions', { type: 'string', value: 'Склад' }],
      ]),
    });
  });

  it('refuses a malformed key and a navigation it does not support', () => {
    expect(() => parseResourcePath("/Catalog_Номенклатура(guid'123')")).toThrow(new ODataRequestError('key', "Неверный формат литерала guid'123'"));
    expect(() => parseResourcePath("/Catalog_Номенклатура('x')")).toThrow(new ODataRequestError('key', "Неверный ключ объекта ''x'': ожидается guid'…'"));
    expect(() => parseResourcePath("/Catalog_Номенклатура(guid'0cb1f787-4396-11ee-8005-000000000080')/Марка")).toThrow(
      new ODataRequestError('resource', "Переход по ссылке 'Марка' не поддерживается эмулятором"),
    );
  });
});

describe('parseFunctionParams', () => {
  it('unquotes doubled quotes and refuses what is not a literal', () => {
    expect(parseFunctionParams("Condition='ВидЦены_Key eq guid''d3400a65-97cf-11ee-8008-000000000000'''")).toEqual(
      new Map([['Condition', { type: 'string', value: "ВидЦены_Key eq guid'd3400a65-97cf-11ee-8008-000000000000'" }]]),
    );
    expect(() => parseFunctionParams('Period=2025-01-01')).toThrow("Значение параметра 'Period' должно быть литералом в кавычках");
    expect(() => parseFunctionParams("Period=datetime'2025-13-01T00:00:00'")).toThrow("Неверный формат литерала datetime'2025-13-01T00:00:00'");
    expect(() => parseFunctionParams("A='1' B='2'")).toThrow("Ожидается ',' между параметрами: 'B='2''");
    expect(() => parseFunctionParams("A='1',A='2'")).toThrow("Параметр 'A' указан дважды");
  });
});

describe('parseQueryOptions', () => {
  const parse = (query: string, accept?: string) => parseQueryOptions(new URLSearchParams(query), accept);

  it('reads $select, several $orderby keys, $top, $skip, $inlinecount and the JSON flavours', () => {
    const options = parse('$format=json&$select=Ref_Key,ДополнительныеРеквизиты/Значение&$orderby=Description desc, Ref_Key&$top=50&$skip=100&$inlinecount=allpages');
    expect({ ...options, filter: undefined }).toEqual({
      filter: undefined,
      select: ['Ref_Key', 'ДополнительныеРеквизиты/Значение'],
      orderBy: [
        { property: 'Description', desc: true },
        { property: 'Ref_Key', desc: false },
      ],
      top: 50,
      skip: 100,
      inlineCount: true,
      noMetadata: false,
      json: true,
    });
    expect([parse('$format=application/json;odata=nometadata'), parse('', 'application/json;odata=nometadata'), parse(''), parse('$format=atom', 'application/json')].map((o) => [o.json, o.noMetadata])).toEqual([
      [true, true],
      [true, true],
      [false, false],
      [false, false],
    ]);
  });

  it('refuses bad numbers, orders, unknown options and $expand', () => {
    expect(() => parse('$top=-1')).toThrow("Неверное значение параметра $top: '-1'");
    expect(() => parse('$skip=x')).toThrow("Неверное значение параметра $skip: 'x'");
    expect(() => parse('$orderby=Ref_Key sideways')).toThrow("Неверное значение параметра $orderby: 'Ref_Key sideways'");
    expect(() => parse('$search=x')).toThrow("Неизвестный параметр запроса '$search'");
    expect(() => parse('$expand=Марка')).toThrow('Параметр $expand не поддерживается эмулятором');
    expect(() => parse('$filter=A eq')).toThrow('Ошибка разбора параметра $filter (позиция 5): Неожиданный конец выражения');
  });
});
