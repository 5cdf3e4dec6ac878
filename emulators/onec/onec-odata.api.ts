import type { Database } from '../../platform/db/database.js';
import { Router, type EmulatorRequest, type EmulatorResponse } from '../kit/emulator-server.js';
import { PUBLISHED_NAMES, VIRTUAL_TABLES, catalogDef, documentDef, entitySet, metadataXml, type EntitySetDef } from './onec-entity-sets.js';
import { createCatalogObject } from './onec-parties.repository.js';
import { createDocument, patchDocument, postDocument, unpostDocument, type WriteResult } from './onec-documents.repository.js';
import { isGuid } from './odata-filter.js';
import { ODataQueryError, countRows, queryPage } from './odata-sql.js';
import { ODataRequestError, parseQueryOptions, parseResourcePath, type QueryOptions } from './odata-request.js';
import { ATOM_ENTRY_HEADERS, ATOM_HEADERS, atomEntry, atomFeed } from './odata-atom.js';
import { sql, type Kysely } from 'kysely';
import type { OneCEmulatorDb } from './onec-emulator.tables.js';

/**
 * 1C's standard OData interface (v3) over the emulator's tables: the service document,
 * `$metadata`, entity sets with `$filter/$select/$orderby/$top/$skip/$inlinecount`, one object by
 * key, `Set/$count`, and the virtual tables; writes of the order and return documents (`POST Set`,
`PATCH Set(guid'…')`, `POST Set(guid'…')/Post|Unpost`, see onec-documents.repository.ts), and creates of
 * partners and counterparties (`POST Catalog_Партнеры|Catalog_Контрагенты`). Errors are `odata.error` bodies; the codes other than
 * -1 are ASSUMED (see README.md).
 */

/** `odata.error` codes the emulator answers with. Only INTERNAL (-1) is seen in public sources. */
export const ODATA_ERROR = {
  INTERNAL: '-1',
  METHOD_NOT_ALLOWED: '3',
  NOT_ACCEPTABLE: '4',
  UNKNOWN_RESOURCE: '6',
  OBJECT_NOT_FOUND: '9',
  BAD_QUERY: '14',
  UNKNOWN_PROPERTY: '15',
  TYPE_MISMATCH: '16',
  WRITE_FAILED: '20',
  POSTING_FAILED: '21',
} as const;

export function odataError(status: number, code: string, message: string): EmulatorResponse {
  return { status, headers: { DataServiceVersion: '3.0' }, body: { 'odata.error': { code, message: { lang: 'ru', value: message } } } };
}

/** 1C's own answer for a failure inside the service (message as observed in public threads). */
export const INTERNAL_ERROR = odataError(500, ODATA_ERROR.INTERNAL, 'Произошла внутренняя ошибка OData сервиса. Дополнительные сведения можно найти в технологическом журнале.');

function requestError(error: ODataRequestError): EmulatorResponse {
  if (error.kind === 'resource') return odataError(404, ODATA_ERROR.UNKNOWN_RESOURCE, error.message);
  return odataError(400, ODATA_ERROR.BAD_QUERY, error.message);
}

function queryError(error: ODataQueryError): EmulatorResponse {
  return odataError(400, error.kind === 'property' ? ODATA_ERROR.UNKNOWN_PROPERTY : ODATA_ERROR.TYPE_MISMATCH, error.message);
}

const JSON_HEADERS = { 'content-type': 'application/json;odata=minimalmetadata;charset=utf-8', DataServiceVersion: '3.0' };
const XML_HEADERS = { 'content-type': 'application/xml;charset=utf-8', DataServiceVersion: '3.0' };

const metadataFragment = (name: string, options: QueryOptions, element = false) =>
  `${name}${element ? '/@Element' : ''}${options.select ? `&$select=${options.select.join(',')}` : ''}`;

/** The publication's OData routes, `GET /<publication>/odata/standard.odata/…`. */
export function oneCODataRouter(db: Database, publication: string): Router {
  const prefix = `/${encodeURIComponent(publication)}/odata/standard.odata`;

  const handle = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    let path: string;
    try {
      path = decodeURIComponent(req.path.slice(prefix.length));
    } catch {
      return odataError(400, ODATA_ERROR.BAD_QUERY, 'Неверная кодировка адреса запроса');
    }
    const base = `http://${req.headers.host ?? 'localhost'}${prefix}`;
    try {
      const resource = parseResourcePath(path);
      if (resource.kind === 'metadata') return { status: 200, headers: XML_HEADERS, body: metadataXml() };
      const options = parseQueryOptions(req.query, req.headers.accept);
      if (resource.kind === 'service') {
        if (!options.json) {
          const collections = PUBLISHED_NAMES.map((n) => `<collection href="${n}"><atom:title>${n}</atom:title></collection>`).join('');
          return { status: 200, headers: { ...XML_HEADERS, 'content-type': 'application/atomsvc+xml;charset=utf-8' }, body: `<?xml version="1.0" encoding="UTF-8"?><service xmlns="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom" xml:base="${base}/"><workspace><atom:title>Default</atom:title>${collections}</workspace></service>` };
        }
        return { status: 200, headers: JSON_HEADERS, body: { ...(options.noMetadata ? {} : { 'odata.metadata': `${base}/$metadata` }), value: PUBLISHED_NAMES.map((name) => ({ name, url: name })) } };
      }
      // No JSON asked for: Atom, OData v3's default and what a 1C publication answers.
      const list = (name: string, rows: unknown[], count: number | undefined, metadata: string): EmulatorResponse =>
        options.json ? { status: 200, headers: JSON_HEADERS, body: listBody(rows, count, options, metadata) } : { status: 200, headers: ATOM_HEADERS, body: atomFeed(name, rows as Record<string, unknown>[], count, base) };

      if (resource.kind === 'function') {
        const fn = (VIRTUAL_TABLES[resource.set] ?? []).find((f) => f.name === resource.fn);
        if (!fn) {
          if (!PUBLISHED_NAMES.includes(resource.set)) return odataError(404, ODATA_ERROR.UNKNOWN_RESOURCE, `Не найден ресурс '${resource.set}'`);
          return odataError(404, ODATA_ERROR.UNKNOWN_RESOURCE, `Не найдена функция '${resource.fn}' ресурса '${resource.set}'`);
        }
        const unknown = [...resource.params.keys()].find((k) => !fn.allowedParams.includes(k));
        if (unknown) return odataError(400, ODATA_ERROR.BAD_QUERY, `Неизвестный параметр '${unknown}' функции '${fn.name}'`);
        const table = fn.build(resource.params);
        const page = await queryPage(db, { shape: table.shape, source: table.source, options });
        const name = `${resource.set}_${fn.name}`;
        return list(name, page.rows, page.count, `${base}/$metadata#${metadataFragment(name, options)}`);
      }

      const set = entitySet(resource.set);
      if (!set) {
        if (VIRTUAL_TABLES[resource.set]) return odataError(404, ODATA_ERROR.UNKNOWN_RESOURCE, `Записи регистра '${resource.set}' не опубликованы эмулятором: используйте его виртуальные таблицы`);
        return odataError(404, ODATA_ERROR.UNKNOWN_RESOURCE, `Не найден ресурс '${resource.set}'`);
      }
      if (resource.count) {
        return { status: 200, headers: { 'content-type': 'text/plain;charset=utf-8', DataServiceVersion: '3.0' }, body: String(await countRows(db, set.source, set, options.filter)) };
      }
      if (resource.key !== undefined) {
        if (!set.refKey) return odataError(400, ODATA_ERROR.BAD_QUERY, `Обращение по ключу guid'…' к '${set.name}' не поддерживается`);
        return readOne(set, resource.key, options, base);
      }
      const page = await queryPage(db, { shape: set, source: set.source, options });
      return list(set.name, page.rows, page.count, `${base}/$metadata#${metadataFragment(set.name, options)}`);
    } catch (error) {
      if (error instanceof ODataRequestError) return requestError(error);
      if (error instanceof ODataQueryError) return queryError(error);
      throw error;
    }
  };

  const readOne = async (set: EntitySetDef, key: string, options: QueryOptions, base: string, status = 200): Promise<EmulatorResponse> => {
    const keySql = set.properties.find((q) => q.name === set.refKey)!.sql;
    const page = await queryPage(db, {
      shape: set,
      source: set.source,
      options: { ...options, filter: undefined, orderBy: [], top: 1, skip: 0, inlineCount: false },
      where: sql`${sql.raw(keySql)} = ${key}::uuid`,
    });
    const row = page.rows[0];
    if (!row) return odataError(404, ODATA_ERROR.OBJECT_NOT_FOUND, `Не найден объект '${set.name}' с ключом guid'${key}'`);
    if (!options.json) return { status, headers: ATOM_ENTRY_HEADERS, body: atomEntry(set.name, row as Record<string, unknown>, base) };
    return { status, headers: JSON_HEADERS, body: options.noMetadata ? row : { 'odata.metadata': `${base}/$metadata#${metadataFragment(set.name, options, true)}`, ...row } };
  };

  const emulatorDb = db as Kysely<OneCEmulatorDb>;
  const write = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    let path: string;
    try {
      path = decodeURIComponent(req.path.slice(prefix.length));
    } catch {
      return odataError(400, ODATA_ERROR.BAD_QUERY, 'Неверная кодировка адреса запроса');
    }
    const m = /^\/([^/(]+)(?:\((.*?)\))?(?:\/(.+))?$/su.exec(path);
    if (!m) return odataError(404, ODATA_ERROR.UNKNOWN_RESOURCE, `Не найден ресурс '${path}'`);
    const [, name, keyText, action] = m as unknown as [string, string, string | undefined, string | undefined];
    const def = documentDef(name);
    const catalog = catalogDef(name);
    if (catalog && req.method === 'POST' && keyText === undefined && action === undefined) {
      const result = await createCatalogObject(emulatorDb, catalog, req.body);
      if (!result.ok) return odataError(result.status, ODATA_ERROR[result.code], result.message);
      return readOne(entitySet(catalog.name)!, result.ref, { ...parseQueryOptions(new URLSearchParams(), req.headers.accept), json: true }, `http://${req.headers.host ?? 'localhost'}${prefix}`, 201);
    }
    if (!def) {
      if (!PUBLISHED_NAMES.includes(name)) return odataError(404, ODATA_ERROR.UNKNOWN_RESOURCE, `Не найден ресурс '${name}'`);
      return odataError(405, ODATA_ERROR.METHOD_NOT_ALLOWED, `Метод ${req.method} не поддерживается эмулятором для '${name}': записываются только документы заказов и возвратов, партнёры и контрагенты (создание)`);
    }
    let key: string | undefined;
    if (keyText !== undefined) {
      const k = /^guid'([^']*)'$/.exec(keyText.trim());
      if (!k || !isGuid(k[1]!)) return odataError(400, ODATA_ERROR.BAD_QUERY, `Неверный ключ объекта '${keyText}': ожидается guid'…'`);
      key = k[1]!.toLowerCase();
    }
    let options: QueryOptions;
    try {
      options = { ...parseQueryOptions(new URLSearchParams([...req.query].filter(([n]) => n.startsWith('$'))), req.headers.accept), json: true };
    } catch (error) {
      if (error instanceof ODataRequestError) return requestError(error);
      throw error;
    }
    const base = `http://${req.headers.host ?? 'localhost'}${prefix}`;
    const set = entitySet(def.name)!;
    const answer = async (result: WriteResult, status: number, body: boolean): Promise<EmulatorResponse> => {
      if (!result.ok) return odataError(result.status, ODATA_ERROR[result.code], result.message);
      return body ? readOne(set, result.ref, options, base, status) : { status, headers: { DataServiceVersion: '3.0' } };
    };
    if (req.method === 'POST' && key === undefined && action === undefined) return answer(await createDocument(emulatorDb, def, req.body), 201, true);
    if (req.method === 'PATCH' && key !== undefined && action === undefined) return answer(await patchDocument(emulatorDb, def, key, req.body), 200, true);
    if (req.method === 'POST' && key !== undefined && action === 'Post') return answer(await postDocument(emulatorDb, def, key), 200, false);
    if (req.method === 'POST' && key !== undefined && action === 'Unpost') return answer(await unpostDocument(emulatorDb, def, key), 200, false);
    if (action !== undefined && action !== 'Post' && action !== 'Unpost') return odataError(404, ODATA_ERROR.UNKNOWN_RESOURCE, `Не найдено действие '${action}' объекта '${def.name}'`);
    return odataError(405, ODATA_ERROR.METHOD_NOT_ALLOWED, `Метод ${req.method} не поддерживается для '${path.slice(1)}'`);
  };

  const router = new Router().on('GET', prefix, handle).on('GET', `${prefix}/`, handle);
  for (const method of ['POST', 'PATCH']) router.on(method, `${prefix}/:s1`, write).on(method, `${prefix}/:s1/:s2`, write);
  // The kit's router matches whole segments; virtual table parameters may hold a `/`.
  let path = prefix;
  for (let depth = 1; depth <= 8; depth++) {
    path += `/:s${depth}`;
    router.on('GET', path, handle);
  }
  return router;
}

function listBody(rows: unknown[], count: number | undefined, options: QueryOptions, metadata: string): Record<string, unknown> {
  return {
    ...(options.noMetadata ? {} : { 'odata.metadata': metadata }),
    // OData v3 JSON prints the count as a string.
    ...(count !== undefined ? { 'odata.count': String(count) } : {}),
    value: rows,
  };
}

