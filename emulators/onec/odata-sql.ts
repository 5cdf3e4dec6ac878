import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db/database.js';
import type { CompareOp, FilterNode } from './odata-filter.js';
import type { QueryOptions } from './odata-request.js';

/**
 * Entity shapes as the emulator serves them, and the translation of OData query options into one
 * SQL statement per page: `$filter` becomes a WHERE clause over the columns behind each property
 * (literals always bound as parameters), `$orderby` an ORDER BY with the shape's key as the last
 * tie-breaker, `$top`/`$skip` LIMIT/OFFSET. Property names are looked up, never spliced in.
 */

export type EdmType = 'Edm.Guid' | 'Edm.String' | 'Edm.Boolean' | 'Edm.DateTime' | 'Edm.Double' | 'Edm.Int64';

export interface PropertyDef {
  readonly name: string;
  readonly type: EdmType;
  /** SQL over the row alias `t`; trusted text from the definitions, never from a request. */
  readonly sql: string;
}

export interface TablePartDef {
  readonly name: string;
  /** A jsonb array expression over `t`. */
  readonly sql: string;
  /** Columns of a row, in the order they are printed. */
  readonly columns: readonly { readonly name: string; readonly type: EdmType }[];
}

export interface ShapeDef {
  /** EntityType name in `$metadata`. */
  readonly entityType: string;
  readonly properties: readonly PropertyDef[];
  readonly tableParts: readonly TablePartDef[];
  /** Properties that identify a row: the default order and the last tie-breaker of any order. */
  readonly key: readonly string[];
}

/** A request the data cannot answer as asked: an unknown property, mismatched types. */
export class ODataQueryError extends Error {
  constructor(
    readonly kind: 'property' | 'type',
    message: string,
  ) {
    super(message);
    this.name = 'ODataQueryError';
  }
}

type ValueType = 'guid' | 'string' | 'boolean' | 'datetime' | 'number' | 'null';

const VALUE_TYPE: Readonly<Record<EdmType, ValueType>> = {
  'Edm.Guid': 'guid',
  'Edm.String': 'string',
  'Edm.Boolean': 'boolean',
  'Edm.DateTime': 'datetime',
  'Edm.Double': 'number',
  'Edm.Int64': 'number',
};

const CAST: Readonly<Record<Exclude<ValueType, 'null'>, string>> = {
  guid: 'uuid',
  string: 'text',
  boolean: 'boolean',
  datetime: 'timestamp',
  number: 'float8',
};

const SQL_OP: Readonly<Record<CompareOp, string>> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };

interface Typed {
  readonly sql: RawBuilder<unknown>;
  readonly type: ValueType;
}

export function propertyMap(shape: ShapeDef): Map<string, PropertyDef> {
  return new Map(shape.properties.map((p) => [p.name, p]));
}

function unknownProperty(shape: ShapeDef, name: string): ODataQueryError {
  if (shape.tableParts.some((t) => t.name === name || name.startsWith(`${t.name}/`))) {
    return new ODataQueryError('property', `Табличная часть '${name.split('/')[0]}' не может использоваться в отборе и упорядочивании`);
  }
  if (name.includes('/')) return new ODataQueryError('property', `Переход по ссылке '${name}' в отборе не поддерживается эмулятором`);
  return new ODataQueryError('property', `Не найдено свойство '${name}' у сущности '${shape.entityType}'`);
}

const typeName: Readonly<Record<ValueType, string>> = { guid: 'Edm.Guid', string: 'Edm.String', boolean: 'Edm.Boolean', datetime: 'Edm.DateTime', number: 'Edm.Double', null: 'null' };

function compile(node: FilterNode, shape: ShapeDef, props: Map<string, PropertyDef>): Typed {
  switch (node.kind) {
    case 'literal':
      if (node.type === 'null') return { sql: sql`null`, type: 'null' };
      return { sql: sql`${node.value}::${sql.raw(CAST[node.type])}`, type: node.type };
    case 'property': {
      const p = props.get(node.name);
      if (!p) throw unknownProperty(shape, node.name);
      return { sql: sql.raw(p.sql), type: VALUE_TYPE[p.type] };
    }
    case 'not': {
      const operand = compile(node.operand, shape, props);
      if (operand.type !== 'boolean') throw new ODataQueryError('type', `Операция not применима только к логическому выражению, а не к ${typeName[operand.type]}`);
      return { sql: sql`(not ${operand.sql})`, type: 'boolean' };
    }
    case 'logical': {
      const left = compile(node.left, shape, props);
      const right = compile(node.right, shape, props);
      if (left.type !== 'boolean' || right.type !== 'boolean') throw new ODataQueryError('type', `Операнды ${node.op} должны быть логическими выражениями`);
      return { sql: sql`(${left.sql} ${sql.raw(node.op)} ${right.sql})`, type: 'boolean' };
    }
    case 'compare': {
      const left = compile(node.left, shape, props);
      const right = compile(node.right, shape, props);
      if (left.type === 'null' || right.type === 'null') {
        if (node.op !== 'eq' && node.op !== 'ne') throw new ODataQueryError('type', `Сравнение '${node.op}' с null недопустимо`);
        const other = left.type === 'null' ? right : left;
        return { sql: sql`(${other.sql} ${sql.raw(node.op === 'eq' ? 'is null' : 'is not null')})`, type: 'boolean' };
      }
      if (left.type !== right.type) throw new ODataQueryError('type', `Несовместимые типы в операции ${node.op}: ${typeName[left.type]} и ${typeName[right.type]}`);
      return { sql: sql`(${left.sql} ${sql.raw(SQL_OP[node.op])} ${right.sql})`, type: 'boolean' };
    }
    case 'call': {
      const args = node.args.map((a) => compile(a, shape, props));
      if (args.some((a) => a.type !== 'string')) throw new ODataQueryError('type', `Аргументы функции ${node.name} должны быть строками`);
      const [a, b] = args as [Typed, Typed];
      switch (node.name) {
        case 'substringof':
          return { sql: sql`(strpos(${b.sql}, ${a.sql}) > 0)`, type: 'boolean' };
        case 'startswith':
          return { sql: sql`starts_with(${a.sql}, ${b.sql})`, type: 'boolean' };
        case 'endswith':
          return { sql: sql`(right(${a.sql}, length(${b.sql})) = ${b.sql})`, type: 'boolean' };
        case 'tolower':
          return { sql: sql`lower(${a.sql})`, type: 'string' };
        case 'toupper':
          return { sql: sql`upper(${a.sql})`, type: 'string' };
      }
    }
  }
}

/** A boolean SQL condition for the expression, over the shape's columns (alias `t`). */
export function compileFilter(node: FilterNode, shape: ShapeDef): RawBuilder<unknown> {
  const typed = compile(node, shape, propertyMap(shape));
  if (typed.type !== 'boolean') throw new ODataQueryError('type', `Выражение отбора должно быть логическим, а не ${typeName[typed.type]}`);
  return typed.sql;
}

interface Selected {
  readonly properties: readonly PropertyDef[];
  readonly tableParts: readonly { part: TablePartDef; columns: readonly string[] }[];
}

function selection(shape: ShapeDef, select: readonly string[] | undefined): Selected {
  if (!select) return { properties: shape.properties, tableParts: shape.tableParts.map((part) => ({ part, columns: part.columns.map((c) => c.name) })) };
  const props = propertyMap(shape);
  const wanted = new Set<string>();
  const partColumns = new Map<string, Set<string> | 'all'>();
  for (const item of select) {
    const [head, column, ...more] = item.split('/');
    const part = shape.tableParts.find((t) => t.name === head);
    if (part) {
      if (more.length > 0) throw new ODataQueryError('property', `Неверный путь '${item}' в параметре $select`);
      if (column === undefined) {
        partColumns.set(part.name, 'all');
      } else {
        if (!part.columns.some((c) => c.name === column)) throw new ODataQueryError('property', `Не найдено свойство '${column}' у табличной части '${part.name}'`);
        const current = partColumns.get(part.name);
        if (current !== 'all') partColumns.set(part.name, new Set([...(current ?? []), column]));
      }
      continue;
    }
    if (column !== undefined || !props.has(item)) throw unknownProperty(shape, item);
    wanted.add(item);
  }
  return {
    properties: shape.properties.filter((p) => wanted.has(p.name)),
    tableParts: shape.tableParts
      .filter((t) => partColumns.has(t.name))
      .map((part) => {
        const cols = partColumns.get(part.name)!;
        return { part, columns: part.columns.map((c) => c.name).filter((c) => cols === 'all' || cols.has(c)) };
      }),
  };
}

function renderSql(p: PropertyDef): RawBuilder<unknown> {
  if (p.type === 'Edm.DateTime') return sql`to_char(${sql.raw(p.sql)}, 'YYYY-MM-DD"T"HH24:MI:SS')`;
  return sql.raw(p.sql);
}

function renderValue(type: EdmType, value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  // OData v3 JSON prints 64-bit integers as strings (1C's LineNumber: "1").
  if (type === 'Edm.Int64') return String(value);
  if (type === 'Edm.Double') return Number(value);
  return value;
}

function renderTablePart(rows: unknown, part: TablePartDef, columns: readonly string[]): Record<string, unknown>[] {
  const list = Array.isArray(rows) ? (rows as Record<string, unknown>[]) : typeof rows === 'string' ? (JSON.parse(rows) as Record<string, unknown>[]) : [];
  return list.map((row) => {
    const out: Record<string, unknown> = {};
    for (const c of part.columns) if (columns.includes(c.name)) out[c.name] = renderValue(c.type, row[c.name] ?? null);
    return out;
  });
}

export interface PageRequest {
  readonly shape: ShapeDef;
  /** The FROM source: a table or a subquery; it is aliased `t`. */
  readonly source: RawBuilder<unknown>;
  readonly options: Pick<QueryOptions, 'filter' | 'select' | 'orderBy' | 'top' | 'skip' | 'inlineCount'>;
  /** Extra condition (e.g. the key of a single object). */
  readonly where?: RawBuilder<unknown>;
}

export interface Page {
  readonly rows: Record<string, unknown>[];
  /** With `$inlinecount=allpages`: rows matching the filter, ignoring top/skip. */
  readonly count?: number;
}

/** Runs one page of a query: one statement (two with the inline count). */
export async function queryPage(db: Database, req: PageRequest): Promise<Page> {
  const { shape, options } = req;
  const props = propertyMap(shape);
  const chosen = selection(shape, options.select);

  const conditions: RawBuilder<unknown>[] = [];
  if (req.where) conditions.push(req.where);
  if (options.filter) conditions.push(compileFilter(options.filter, shape));
  const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;

  const order: RawBuilder<unknown>[] = [];
  const ordered = new Set<string>();
  for (const key of options.orderBy) {
    const p = props.get(key.property);
    if (!p) throw unknownProperty(shape, key.property);
    order.push(sql`${sql.raw(p.sql)} ${sql.raw(key.desc ? 'desc' : 'asc')}`);
    ordered.add(p.name);
  }
  for (const name of shape.key) if (!ordered.has(name)) order.push(sql`${sql.raw(props.get(name)!.sql)} asc`);

  const columns: RawBuilder<unknown>[] = [
    ...chosen.properties.map((p, i) => sql`${renderSql(p)} as ${sql.id(`c${i}`)}`),
    ...chosen.tableParts.map(({ part }, i) => sql`${sql.raw(part.sql)} as ${sql.id(`tp${i}`)}`),
  ];
  if (columns.length === 0) columns.push(sql`1 as c`);
  const limit = options.top !== undefined ? sql`limit ${options.top}` : sql``;
  const offset = options.skip > 0 ? sql`offset ${options.skip}` : sql``;

  const orderBy = order.length > 0 ? sql`order by ${sql.join(order)}` : sql``;
  const result = await sql<Record<string, unknown>>`select ${sql.join(columns)} from ${req.source} as t ${where} ${orderBy} ${limit} ${offset}`.execute(db);
  const rows = result.rows.map((raw) => {
    const out: Record<string, unknown> = {};
    chosen.properties.forEach((p, i) => (out[p.name] = renderValue(p.type, raw[`c${i}`])));
    chosen.tableParts.forEach(({ part, columns: cols }, i) => (out[part.name] = renderTablePart(raw[`tp${i}`], part, cols)));
    return out;
  });

  if (!options.inlineCount) return { rows };
  const counted = await sql<{ n: number }>`select count(*) as n from ${req.source} as t ${where}`.execute(db);
  return { rows, count: Number(counted.rows[0]?.n ?? 0) };
}

/** How many rows match (`Set/$count`). */
export async function countRows(db: Database, source: RawBuilder<unknown>, shape: ShapeDef, filter: FilterNode | undefined): Promise<number> {
  const where = filter ? sql`where ${compileFilter(filter, shape)}` : sql``;
  const counted = await sql<{ n: number }>`select count(*) as n from ${source} as t ${where}`.execute(db);
  return Number(counted.rows[0]?.n ?? 0);
}
