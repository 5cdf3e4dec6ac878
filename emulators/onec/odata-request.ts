import { FilterSyntaxError, isGuid, normaliseDateTime, parseFilter, readQuoted, type FilterNode } from './odata-filter.js';

/**
 * The parts of an OData request URL below `/odata/standard.odata/`: the resource path (an entity
 * set, one object by key, a virtual table with its parameters, `$metadata`) and the system query
 * options. Pure; errors are OData-shaped by the API layer.
 */

export type ResourcePath =
  | { kind: 'service' }
  | { kind: 'metadata' }
  | { kind: 'set'; set: string; key?: string; count?: boolean }
  | { kind: 'function'; set: string; fn: string; params: ReadonlyMap<string, FunctionParam> };

export type FunctionParam = { type: 'datetime'; value: string } | { type: 'string'; value: string } | { type: 'guid'; value: string };

/** A request the service cannot map to a resource (404) or a malformed option (400). */
export class ODataRequestError extends Error {
  constructor(
    readonly kind: 'resource' | 'option' | 'key',
    message: string,
  ) {
    super(message);
    this.name = 'ODataRequestError';
  }
}

const NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;

/** `Name=value,Name=value` inside a virtual table's parentheses; values are 1C literals. */
export function parseFunctionParams(text: string): Map<string, FunctionParam> {
  const params = new Map<string, FunctionParam>();
  let i = 0;
  const skipSpaces = () => {
    while (text[i] === ' ') i++;
  };
  skipSpaces();
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new ODataRequestError('option', `Ожидается параметр вида Имя=Значение: '${text.slice(i)}'`);
    const name = text.slice(i, eq).trim();
    if (!NAME.test(name)) throw new ODataRequestError('option', `Неверное имя параметра '${name}'`);
    if (params.has(name)) throw new ODataRequestError('option', `Параметр '${name}' указан дважды`);
    i = eq + 1;
    skipSpaces();
    const prefix = /^(datetime|guid)?'/.exec(text.slice(i));
    if (!prefix) throw new ODataRequestError('option', `Значение параметра '${name}' должно быть литералом в кавычках`);
    let quoted: { value: string; end: number };
    try {
      quoted = readQuoted(text, i + (prefix[1]?.length ?? 0));
    } catch (error) {
      throw new ODataRequestError('option', `Параметр '${name}': ${(error as Error).message}`);
    }
    if (prefix[1] === 'datetime') {
      const value = normaliseDateTime(quoted.value);
      if (!value) throw new ODataRequestError('option', `Неверный формат литерала datetime'${quoted.value}'`);
      params.set(name, { type: 'datetime', value });
    } else if (prefix[1] === 'guid') {
      if (!isGuid(quoted.value)) throw new ODataRequestError('option', `Неверный формат литерала guid'${quoted.value}'`);
      params.set(name, { type: 'guid', value: quoted.value.toLowerCase() });
    } else {
      params.set(name, { type: 'string', value: quoted.value });
    }
    i = quoted.end;
    skipSpaces();
    if (i < text.length) {
      if (text[i] !== ',') throw new ODataRequestError('option', `Ожидается ',' между параметрами: '${text.slice(i)}'`);
      i++;
      skipSpaces();
    }
  }
  return params;
}

/**
 * Reads the decoded path below `standard.odata/`: `` (service document), `$metadata`, `Set`,
 * `Set/$count`, `Set(guid'…')`, `Set/Fn(params)`, `Set/Fn()` or `Set/Fn`.
 */
export function parseResourcePath(path: string): ResourcePath {
  const p = path.replace(/^\/+/, '');
  if (p === '') return { kind: 'service' };
  if (p === '$metadata') return { kind: 'metadata' };
  const m = /^([^/(]+)(?:\((.*?)\))?(?:\/(.*))?$/su.exec(p);
  if (!m) throw new ODataRequestError('resource', `Неверный адрес ресурса '${p}'`);
  const [, set, keyText, rest] = m;
  if (!NAME.test(set!)) throw new ODataRequestError('resource', `Не найден ресурс '${set}'`);
  if (keyText !== undefined) {
    if (rest !== undefined && rest !== '') throw new ODataRequestError('resource', `Переход по ссылке '${rest}' не поддерживается эмулятором`);
    const key = /^guid'([^']*)'$/.exec(keyText.trim());
    if (!key) throw new ODataRequestError('key', `Неверный ключ объекта '${keyText}': ожидается guid'…'`);
    if (!isGuid(key[1]!)) throw new ODataRequestError('key', `Неверный формат литерала guid'${key[1]}'`);
    return { kind: 'set', set: set!, key: key[1]!.toLowerCase() };
  }
  if (rest === undefined || rest === '') return { kind: 'set', set: set! };
  if (rest === '$count') return { kind: 'set', set: set!, count: true };
  const fn = /^([^(]+)(?:\((.*)\))?$/su.exec(rest);
  if (!fn || !NAME.test(fn[1]!)) throw new ODataRequestError('resource', `Не найден ресурс '${rest}'`);
  return { kind: 'function', set: set!, fn: fn[1]!, params: parseFunctionParams(fn[2] ?? '') };
}

export interface OrderKey {
  readonly property: string;
  readonly desc: boolean;
}

export interface QueryOptions {
  readonly filter?: FilterNode;
  /** Properties, or `TablePart/Column` paths. Undefined: all. */
  readonly select?: readonly string[];
  readonly orderBy: readonly OrderKey[];
  readonly top?: number;
  readonly skip: number;
  readonly inlineCount: boolean;
  /** `odata=nometadata`: no `odata.metadata` in the body. */
  readonly noMetadata: boolean;
  /** JSON was asked for, by `$format` or `Accept`. */
  readonly json: boolean;
}

const SUPPORTED = new Set(['$format', '$filter', '$select', '$orderby', '$top', '$skip', '$inlinecount', '$expand']);

function nonNegativeInt(name: string, text: string | null): number | undefined {
  if (text === null) return undefined;
  if (!/^\d{1,9}$/.test(text.trim())) throw new ODataRequestError('option', `Неверное значение параметра ${name}: '${text}'`);
  return Number(text.trim());
}

/** Reads the system query options; `accept` is the request's Accept header. */
export function parseQueryOptions(query: URLSearchParams, accept: string | undefined): QueryOptions {
  for (const name of query.keys()) {
    if (name.startsWith('$') && !SUPPORTED.has(name)) throw new ODataRequestError('option', `Неизвестный параметр запроса '${name}'`);
  }
  if (query.get('$expand')) throw new ODataRequestError('option', 'Параметр $expand не поддерживается эмулятором');
  const format = (query.get('$format') ?? '').trim().toLowerCase();
  const acceptText = (accept ?? '').toLowerCase();
  const json = format !== '' ? format === 'json' || format.startsWith('json;') || format.startsWith('application/json') : acceptText.includes('application/json');
  const noMetadata = /odata=nometadata/.test(format !== '' ? format : acceptText);

  let filter: FilterNode | undefined;
  const filterText = query.get('$filter');
  if (filterText !== null) {
    try {
      filter = parseFilter(filterText);
    } catch (error) {
      if (error instanceof FilterSyntaxError) throw new ODataRequestError('option', `Ошибка разбора параметра $filter (позиция ${error.position + 1}): ${error.message}`);
      throw error;
    }
  }

  const selectText = query.get('$select');
  const select = selectText === null || selectText.trim() === '*' ? undefined : selectText.split(',').map((s) => s.trim());
  if (select?.some((s) => s === '')) throw new ODataRequestError('option', `Неверное значение параметра $select: '${selectText}'`);

  const orderText = query.get('$orderby');
  const orderBy: OrderKey[] = [];
  if (orderText !== null) {
    for (const part of orderText.split(',')) {
      const m = /^\s*([\p{L}_][\p{L}\p{N}_]*)(?:\s+(asc|desc))?\s*$/iu.exec(part);
      if (!m) throw new ODataRequestError('option', `Неверное значение параметра $orderby: '${part.trim()}'`);
      orderBy.push({ property: m[1]!, desc: (m[2] ?? 'asc').toLowerCase() === 'desc' });
    }
  }

  const inline = query.get('$inlinecount');
  if (inline !== null && inline !== 'allpages' && inline !== 'none') throw new ODataRequestError('option', `Неверное значение параметра $inlinecount: '${inline}'`);

  return {
    ...(filter ? { filter } : {}),
    ...(select ? { select } : {}),
    orderBy,
    ...(query.get('$top') !== null ? { top: nonNegativeInt('$top', query.get('$top')) } : {}),
    skip: nonNegativeInt('$skip', query.get('$skip')) ?? 0,
    inlineCount: inline === 'allpages',
    noMetadata,
    json,
  };
}
