import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../platform/db/database.js';
import type { SchemaModule } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { Router, startEmulatorServer, type EmulatorRequest, type EmulatorResponse } from '../kit/emulator-server.js';
import { FaultSwitches } from '../kit/faults.js';
import { SlidingWindowLimiter } from '../kit/rate-limiter.js';
import { oneCEmulatorSchema as schemaModule } from './onec-emulator.migrations.js';
import type { OneCEmulatorDb } from './onec-emulator.tables.js';
import { INTERNAL_ERROR, ODATA_ERROR, odataError, oneCODataRouter } from './onec-odata.api.js';
import { seedDemoCatalog } from './onec-seed.js';
import { seedDemoPartners } from './onec-parties.repository.js';
import { markDelivered, shipOrder } from './onec-documents.repository.js';
import { setStock as setStockCell, simulateStockChanges as simulate } from './onec-stock.repository.js';

/** The emulator's tables: schema `onec_emulator`. */
export const oneCEmulatorSchema: SchemaModule = schemaModule;

export interface OneCEmulatorOptions {
  readonly db: Database;
  /** 1C users allowed in (HTTP Basic). */
  readonly users: readonly { login: string; password: string }[];
  /** The web publication's name: the API lives under `/<publication>/odata/standard.odata/`. Default `trade`. */
  readonly publication?: string;
  /**
   * ASSUMED: 1C itself has no request limit; this emulates one set on the web server in front of
   * it (429 with Retry-After), per user. 0 or absent: off.
   */
  readonly requestsPerSecond?: number;
}

export interface OneCEmulator {
  readonly faults: FaultSwitches;
  /**
   * Idempotent: seeds the demo catalog once (products 0…products-1 of demo-catalog.ts); later calls
   * do nothing. With customer counts (as RetailCRM and BonusPlus are seeded), also the partners 1C
   * knows already: showroom-only customers and online customers who bought in a showroom.
   */
  seed(o: { products: number; onlineCustomers?: number; showroomCustomers?: number }): Promise<void>;
  /** Simulates showroom sales, deliveries and reserves: changes free stock of `count` cells, returns each cell's new figures. */
  simulateStockChanges(o: { count: number; seed?: number }): Promise<{ productRef: string; offerRef: string; warehouseRef: string; inHand: number; reserved: number }[]>;
  /** Sets one offer's stock in one warehouse (tests); `reserved` is kept (cut down to inHand) when not given. Throws on an unknown cell or a bad quantity. */
  setStock(o: { productRef: string; characteristicRef: string; warehouseRef: string; inHand: number; reserved?: number }): Promise<void>;
  /**
   * The warehouse ships a posted order: a posted РеализацияТоваровУслуг (its ref returned), stock
   * out of hand and out of the reserve, the order's state Отгружен. Throws when it cannot.
   */
  shipOrder(orderRef: string): Promise<string>;
  /** A shipped order reached the customer: its state becomes Доставлен. Throws when not shipped. */
  markDelivered(orderRef: string): Promise<void>;
  /** `url` is the server root; the OData service is at `${url}/<publication>/odata/standard.odata`. */
  start(port: number, host?: string): Promise<RunningServer>;
  /**
   * The latest OData requests let in (authenticated, within the rate limit), oldest first, at most
   * 1,000: method, path and the `$format` asked for (null when none), so tests see what a client sent.
   */
  readonly requests: readonly OneCRequestRecord[];
}

export interface OneCRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly format: string | null;
}

const REQUEST_LOG_SIZE = 1_000;

/** As published by the demo: `Basic realm` seen in front of a real 1C publication (public deployment notes). */
const UNAUTHORIZED: EmulatorResponse = { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="1C:Enterprise 8.3"' } };

const setStockBody = z.object({
  productRef: z.guid(),
  characteristicRef: z.guid(),
  warehouseRef: z.guid(),
  inHand: z.number().int().min(0),
  reserved: z.number().int().min(0).optional(),
});
const simulateBody = z.object({ count: z.number().int().min(1).max(10_000), seed: z.number().int().optional() });
const seedBody = z.object({ products: z.number().int().min(0).max(1_000_000), onlineCustomers: z.number().int().min(0).max(1_000_000).optional(), showroomCustomers: z.number().int().min(0).max(1_000_000).optional() });

function parseJson<T>(req: EmulatorRequest, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; response: EmulatorResponse } {
  let json: unknown;
  try {
    json = req.body.trim() === '' ? {} : JSON.parse(req.body);
  } catch {
    return { ok: false, response: { status: 400, body: { error: 'body is not JSON' } } };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, response: { status: 400, body: { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') } } };
  return { ok: true, value: parsed.data };
}

export function createOneCEmulator(o: OneCEmulatorOptions): OneCEmulator {
  const db = o.db as Kysely<OneCEmulatorDb>;
  const faults = new FaultSwitches();
  const publication = o.publication ?? 'trade';
  const publicationPrefix = `/${encodeURIComponent(publication)}/`;
  const limiter = o.requestsPerSecond ? new SlidingWindowLimiter(o.requestsPerSecond) : undefined;
  const users = new Map(o.users.map((u) => [u.login, u.password]));
  const requests: OneCRequestRecord[] = [];

  const guard = (req: EmulatorRequest): EmulatorResponse | undefined => {
    if (!req.path.startsWith(publicationPrefix)) return undefined;
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) return UNAUTHORIZED;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const login = colon < 0 ? decoded : decoded.slice(0, colon);
    if (colon < 0 || users.get(login) !== decoded.slice(colon + 1)) return UNAUTHORIZED;
    const slot = limiter?.tryAcquire(login);
    if (slot && !slot.ok) return { status: 429, headers: { 'retry-after': String(Math.max(1, Math.ceil(slot.retryAfterMs / 1000))) }, body: 'Too Many Requests' };
    requests.push({ method: req.method, path: req.path, format: req.query.get('$format') });
    if (requests.length > REQUEST_LOG_SIZE) requests.splice(0, requests.length - REQUEST_LOG_SIZE);
    return undefined;
  };

  const emulator: OneCEmulator = {
    faults,
    requests,
    async seed(counts) {
      await seedDemoCatalog(db, { products: counts.products });
      if (counts.onlineCustomers !== undefined || counts.showroomCustomers !== undefined) {
        await seedDemoPartners(db, { onlineCustomers: counts.onlineCustomers ?? 0, showroomCustomers: counts.showroomCustomers ?? 0 });
      }
    },
    simulateStockChanges: (change) => simulate(db, change),
    async setStock(s) {
      const result = await setStockCell(db, s, { inHand: s.inHand, ...(s.reserved !== undefined ? { reserved: s.reserved } : {}) });
      if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    },
    async shipOrder(orderRef) {
      const result = await shipOrder(db, orderRef.toLowerCase());
      if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
      return result.ref;
    },
    async markDelivered(orderRef) {
      const result = await markDelivered(db, orderRef.toLowerCase());
      if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    },
    start: (port, host) =>
      startEmulatorServer(
        {
          name: 'onec',
          router: oneCODataRouter(o.db, publication),
          faults,
          guard,
          control,
          errors: {
            // Outside the publication the web server answers, not 1C.
            notFound: (req) => (req.path.startsWith(publicationPrefix) ? odataError(404, ODATA_ERROR.UNKNOWN_RESOURCE, `Не найден ресурс '${req.path}'`) : { status: 404, body: 'Not Found' }),
            methodNotAllowed: (req) => odataError(405, ODATA_ERROR.METHOD_NOT_ALLOWED, `Метод ${req.method} не поддерживается эмулятором: записываются только документы (POST, PATCH), партнёры и контрагенты (POST)`),
            injected: (status) =>
              status === 500
                ? INTERNAL_ERROR
                : status >= 500
                  ? { status, body: status === 503 ? 'Service Unavailable' : 'Bad Gateway' }
                  : status === 429
                    ? { status, headers: { 'retry-after': '1' }, body: 'Too Many Requests' }
                    : odataError(status, 'EMULATED_FAULT', `Внедрённая ошибка ${status}`),
            internal: () => INTERNAL_ERROR,
          },
        },
        port,
        host,
      ),
  };

  const control = new Router()
    .on('POST', '/seed', async (req) => {
      const body = parseJson(req, seedBody);
      if (!body.ok) return body.response;
      await emulator.seed(body.value);
      return { status: 200, body: { seeded: true } };
    })
    .on('POST', '/stock/simulate', async (req) => {
      const body = parseJson(req, simulateBody);
      if (!body.ok) return body.response;
      return { status: 200, body: { changes: await emulator.simulateStockChanges(body.value) } };
    })
    .on('POST', '/stock/set', async (req) => {
      const body = parseJson(req, setStockBody);
      if (!body.ok) return body.response;
      const { productRef, characteristicRef, warehouseRef, inHand, reserved } = body.value;
      const result = await setStockCell(db, { productRef: productRef.toLowerCase(), characteristicRef: characteristicRef.toLowerCase(), warehouseRef: warehouseRef.toLowerCase() }, { inHand, ...(reserved !== undefined ? { reserved } : {}) });
      if (!result.ok) return { status: result.code === 'INVALID_QUANTITY' ? 400 : 404, body: { error: result.code, message: result.message } };
      return { status: 200, body: { before: result.before, after: result.after } };
    });

  const orderRoute = (change: typeof shipOrder) => async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const ref = req.params.ref ?? '';
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) return { status: 400, body: { error: 'INVALID_REF', message: 'ref must be a GUID' } };
    const result = await change(db, ref.toLowerCase());
    if (!result.ok) return { status: result.status, body: { error: result.code, message: result.message } };
    return { status: 200, body: { orderRef: ref.toLowerCase(), ...(change === shipOrder ? { saleRef: result.ref } : {}) } };
  };
  control.on('POST', '/orders/:ref/ship', orderRoute(shipOrder)).on('POST', '/orders/:ref/deliver', orderRoute(markDelivered));

  return emulator;
}
