import { describe, expect, it } from 'vitest';
import { FilterSyntaxError, parseFilter, propertiesOf, type FilterNode } from './odata-filter.js';

const prop = (name: string): FilterNode => ({ kind: 'property', name });
const num = (value: number): FilterNode => ({ kind: 'literal', type: 'number', value });
const eq = (left: FilterNode, right: FilterNode): FilterNode => ({ kind: 'compare', op: 'eq', left, right });

describe('parseFilter: precedence', () => {
  it('binds and tighter than or, left to right', () => {
    expect(parseFilter('A eq 1 or B eq 2 and C eq 3 or D eq 4')).toEqual({
      kind: 'logical',
      op: 'or',
      left: { kind: 'logical', op: 'or', left: eq(prop('A'), num(1)), right: { kind: 'logical', op: 'and', left: eq(prop('B'), num(2)), right: eq(prop('C'), num(3)) } },
      right: eq(prop('D'), num(4)),
    });
  });

  it('lets parentheses regroup', () => {
    expect(parseFilter('(A eq 1 or B eq 2) and C eq 3')).toEqual({
      kind: 'logical',
      op: 'and',
      left: { kind: 'logical', op: 'or', left: eq(prop('A'), num(1)), right: eq(prop('B'), num(2)) },
      right: eq(prop('C'), num(3)),
    });
  });

  it('binds not tighter than a comparison (OData v3), so not applies to what follows it', () => {
    expect(parseFilter('not DeletionMark and not (IsFolder eq true)')).toEqual({
      kind: 'logical',
      op: 'and',
      left: { kind: 'not', operand: prop('DeletionMark') },
      right: { kind: 'not', operand: eq(prop('IsFolder'), { kind: 'literal', type: 'boolean', value: true }) },
    });
    expect(parseFilter('not A eq true')).toEqual(eq({ kind: 'not', operand: prop('A') }, { kind: 'literal', type: 'boolean', value: true }));
  });
});

describe('parseFilter: literals', () => {
  it('reads guid, datetime, strings with doubled quotes, numbers, booleans and null', () => {
    const node = parseFilter(
      "Ref_Key eq guid'0CB1F787-4396-11EE-8005-000000000080' and Period ge datetime'2025-01-20T09:00' and Description eq 'O''Neil, \"ok\"' and Цена gt -12.5 and Количество le 3e2 and DeletionMark eq false and X eq null",
    );
    const literals: unknown[] = [];
    const walk = (n: FilterNode): void => {
      if (n.kind === 'literal') literals.push({ type: n.type, value: n.value });
      if (n.kind === 'compare' || n.kind === 'logical') {
        walk(n.left);
        walk(n.right);
      }
    };
    walk(node);
    expect(literals).toEqual([
      { type: 'guid', value: '0cb1f787-4396-11ee-8005-000000000080' },
      { type: 'datetime', value: '2025-01-20T09:00:00' },
      { type: 'string', value: 'O\'Neil, "ok"' },
      { type: 'number', value: -12.5 },
      { type: 'number', value: 300 },
      { type: 'boolean', value: false },
      { type: 'null', value: null },
    ]);
    expect(propertiesOf(node)).toEqual(['Ref_Key', 'Period', 'Description', 'Цена', 'Количество', 'DeletionMark', 'X']);
  });

  it('takes Cyrillic property names and the string functions', () => {
    expect(parseFilter("substringof('Платье', Description) or startswith(tolower(Артикул), 'na')")).toEqual({
      kind: 'logical',
      op: 'or',
      left: { kind: 'call', name: 'substringof', args: [{ kind: 'literal', type: 'string', value: 'Платье' }, prop('Description')] },
      right: { kind: 'call', name: 'startswith', args: [{ kind: 'call', name: 'tolower', args: [prop('Артикул')] }, { kind: 'literal', type: 'string', value: 'na' }] },
    });
  });
});

describe('parseFilter: errors', () => {
  it.each([
    ["Description eq 'open", 'Незакрытая строковая константа', 15],
    ["Ref_Key eq guid'not-a-guid'", "Неверный формат литерала guid'not-a-guid'", 11],
    ["Period gt datetime'2025-02-30T00:00:00'", "Неверный формат литерала datetime'2025-02-30T00:00:00'", 10],
    ['A eq 1 B eq 2', "Неожиданная лексема 'B'", 7],
    ['A eq', 'Неожиданный конец выражения', 4],
    ['A eq 1 eq 2', "Сравнения нельзя соединять без and/or: 'eq'", 7],
    ["contains(Description, 'x')", "Неизвестная функция 'contains'", 0],
    ["startswith(Description)", "Функция 'startswith' принимает 2 аргумент(а), передано 1", 0],
    ['(A eq 1', "Ожидается ')'", 7],
    ['A add 1 eq 2', "Арифметическая операция 'add' не поддерживается", 2],
    ['A eq 1 and or B', "Ожидается операнд, а не 'or'", 11],
    ['A eq #', "Недопустимый символ '#'", 5],
    ['  ', 'Пустое выражение отбора', 0],
  ])('%j → %s', (text, message, position) => {
    let caught: unknown;
    try {
      parseFilter(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FilterSyntaxError);
    expect({ message: (caught as FilterSyntaxError).message, position: (caught as FilterSyntaxError).position }).toEqual({ message, position });
  });
});
