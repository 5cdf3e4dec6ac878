import type { Database } from '../../platform/db/database.js';
import { Router, type EmulatorRequest, type EmulatorResponse } from '../kit/emulator-server.js';
import { PUBLISHED_NAMES, VIRTUAL_TABLES, entitySet, metadataXml } from './onec-entity-sets.js';
import { ODataQueryError, countRows, queryPage } from './odata-sql.js';
import { ODataRequestError, parseQueryOptions, parseResourcePath, type QueryOptions } from './odata-request.js';
import { sql } from 'kysely';

/**
 * 1C's standard OData interface (v3) over the emulator's tables, read-only: the service document,
 * `$metadata`, entity sets with `$filter/$select/$orderby/$top/$skip/$inlinecount`, one object by
 * key, `Set/$count`, and the virtual tables. Errors are `odata.error` bodies; the codes other than
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
      if (!options.json && !(resource.kind === 'set' && resource.count)) {
        return odataError(406, ODATA_ERROR.NOT_ACCEPTABLE, 'Эмулятор отвечает только в формате JSON: укажите $format=json или Accept: application/json (формат Atom не поддерживается)');
      }

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
        return { status: 200, headers: JSON_HEADERS, body: listBody(page.rows, page.count, options, `${base}/$metadata#${metadataFragment(name, options)}`) };
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
        const keySql = set.properties.find((q) => q.name === set.refKey)!.sql;
        const page = await queryPage(db, {
          shape: set,
          source: set.source,
          options: { ...options, filter: undefined, orderBy: [], top: 1, skip: 0, inlineCount: false },
          where: sql`${sql.raw(keySql)} = ${resource.key}::uuid`,
        });
        const row = page.rows[0];
        if (!row) return odataError(404, ODATA_ERROR.OBJECT_NOT_FOUND, `Не найден объект '${set.name}' с ключом guid'${resource.key}'`);
        return { status: 200, headers: JSON_HEADERS, body: options.noMetadata ? row : { 'odata.metadata': `${base}/$metadata#${metadataFragment(set.name, options, true)}`, ...row } };
      }
      const page = await queryPage(db, { shape: set, source: set.source, options });
      return { status: 200, headers: JSON_HEADERS, body: listBody(page.rows, page.count, options, `${base}/$metadata#${metadataFragment(set.name, options)}`) };
    } catch (error) {
      if (error instanceof ODataRequestError) return requestError(error);
      if (error instanceof ODataQueryError) return queryError(error);
      throw error;
    }
  };

  const router = new Router().on('GET', prefix, handle).on('GET', `${prefix}/`, handle);
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

