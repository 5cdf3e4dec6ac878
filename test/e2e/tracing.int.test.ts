import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueDocument, CheckoutQuoteDocument, RegisterCustomerDocument } from '../../clients/__generated__/graphql.js';
import { loadConfig } from '../../platform/config.js';
import { issueToken } from '../../platform/identity.js';
import { eventually, gql, startGraphProcess, stopGraphProcess, type GraphProcess } from '../support/graph-process.js';
import { startProcessGraph, usesCompiledServices, type ProcessGraph } from '../support/process-graph.js';

/**
 * One checkout quote through the gateway, followed as OpenTelemetry sees it: the gateway calls the
 * order subgraph, which reads its database and asks BonusPlus (`retail/calc`) while the caller waits. The graph's processes
 * export their spans as the OTEL_* variables say (OTLP over HTTP, JSON) to a collector of the
 * test's own, so what is checked is what an operator's collector receives:
 *
 * - on Postgres (DATABASE_URL), the graph as docker-compose runs it — the gateway, each subgraph
 *   and the emulators in processes of their own, from their compiled entries (`dist/…/main.js`)
 *   when the build is current: the trace crosses processes and holds the SQL of the subgraph;
 * - on PGlite, `npm start`'s one process (`scripts/start.ts`): the same chain over the same HTTP
 *   calls, without SQL spans (the pg instrumentation has no `pg` to patch there).
 *
 * The request carries a `traceparent` of the test's: the whole chain must continue that trace, and
 * the processes' log lines of the request name it.
 */

const onPostgres = Boolean(process.env.DATABASE_URL);

interface Span {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** 2 server, 3 client (OTLP's SpanKind). */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, unknown>>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpAttribute = { key: string; value: OtlpValue };

const valueOf = (v: OtlpValue): unknown => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue));
const attributesOf = (list: readonly OtlpAttribute[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** An OTLP/HTTP traces receiver: keeps every span it is sent. */
class Collector {
  readonly spans: Span[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans?: any[] };
          for (const resource of body.resourceSpans ?? []) {
            const service = String(attributesOf(resource.resource?.attributes)['service.name']);
            for (const scope of resource.scopeSpans ?? []) {
              for (const s of scope.spans ?? []) {
                this.spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind, attributes: attributesOf(s.attributes) });
              }
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const SERVER = 2;
const CLIENT = 3;

/** The port a span's request went to (client) or came in on (server), in the old or the stable HTTP conventions. */
const portOf = (span: Span): number | undefined => {
  const a = span.attributes;
  const port = a['server.port'] ?? a['net.host.port'] ?? a['net.peer.port'];
  if (port !== undefined) return Number(port);
  const url = a['url.full'] ?? a['http.url'];
  return typeof url === 'string' ? Number(new URL(url).port) : undefined;
};
const portOfUrl = (url: string) => Number(new URL(url).port);

// The storefront's own documents (clients/storefront/).
const REGISTER = RegisterCustomerDocument;
const IN_STOCK = CatalogueDocument;
const QUOTE = CheckoutQuoteDocument;

const collector = new Collector();
let graph: { gateway: string; order: string; bonusPlus: string; token(customerId: string): Promise<string>; close(): Promise<void> } | undefined;
/** Every JSON line the graph's processes logged (pino, on stdout). */
const logLines: Record<string, unknown>[] = [];
const collectLogs = (stream: NodeJS.ReadableStream | null) => {
  let rest = '';
  stream?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) logLines.push(JSON.parse(line) as Record<string, unknown>);
  });
};
let dataDir: string | undefined;

beforeAll(async () => {
  await collector.start();
  const otel = {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Spans leave every 100 ms rather than every 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
    // The access lines, to find the trace on them.
    LOG_LEVEL: 'info',
  };
  if (onPostgres) {
    const processes: ProcessGraph = await startProcessGraph({ ...otel, GATEWAY_RATE_LIMITS: 'off' });
    for (const service of Object.values(processes.services)) collectLogs(service.child.stdout);
    graph = { gateway: processes.urls.gateway, order: processes.urls.subgraph.order, bonusPlus: processes.urls.bonusPlus, token: (id) => processes.customerToken(id), close: () => processes.close() };
  } else {
    dataDir = await mkdtemp(join(tmpdir(), 'tracing-'));
    const one: GraphProcess = await startGraphProcess({ env: { ...otel, GATEWAY_RATE_LIMITS: 'off', PGLITE_DATA_DIR: join(dataDir, 'pglite') } });
    collectLogs(one.child.stdout);
    graph = {
      gateway: one.urls.gateway,
      order: one.urls.order,
      bonusPlus: one.urls.bonusPlus,
      token: (id) => issueToken(loadConfig({ NODE_ENV: 'test' }).JWT_SECRET, id),
      close: () => stopGraphProcess(one),
    };
  }
}, 240_000);

afterAll(async () => {
  await graph?.close();
  await collector.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe(`tracing (${onPostgres ? `separate processes on Postgres, ${usesCompiledServices() ? 'compiled entries' : 'entries under tsx (build is older than the sources)'}` : "npm start's one process on PGlite: no SQL spans"})`, () => {
  it('one checkout quote is one trace: gateway → order subgraph → SQL → BonusPlus', async () => {
    const registered = await gql(graph!.gateway, REGISTER, { input: { phone: `+7916${String(Date.now()).slice(-7)}`, firstName: 'Трасса' } });
    const token = await graph!.token(registered.data.registerCustomer.customer.id as string);
    const offerId = await eventually('an offer in stock', async () => {
      const found = await gql(graph!.gateway, IN_STOCK, { first: 50 });
      return ((found.data?.products.edges ?? []) as { node: { offers: { id: string; inStock: boolean }[] } }[]).flatMap((e) => e.node.offers).find((o) => o.inStock)?.id;
    });

    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const res = await fetch(graph!.gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${callerSpan}-01` },
      body: JSON.stringify({ query: print(QUOTE), variables: { cart: [{ offerId, quantity: 1 }] } }),
    });
    const body = (await res.json()) as { data?: { checkoutQuote: { itemsTotal: number } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.checkoutQuote.itemsTotal).toBeGreaterThan(0);

    const bonusPlusPort = portOfUrl(graph!.bonusPlus);
    const orderPort = portOfUrl(graph!.order);
    const gatewayPort = portOfUrl(graph!.gateway);
    // Spans leave each process in batches: wait until BonusPlus's answer to the subgraph is in, and
    // the gateway's own span, which ends last.
    const spans = await eventually('the trace at the collector', async () => {
      const mine = collector.spans.filter((s) => s.traceId === traceId);
      const arrived = (port: number) => mine.some((s) => s.kind === SERVER && portOf(s) === port);
      return arrived(bonusPlusPort) && arrived(gatewayPort) ? mine : undefined;
    });
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const ancestors = (span: Span): Span[] => {
      const chain: Span[] = [];
      for (let parent = byId.get(span.parentSpanId); parent; parent = byId.get(parent.parentSpanId)) chain.push(parent);
      return chain;
    };

    // The gateway continues the caller's trace: its server span is the child of the caller's span.
    const gatewayServer = spans.find((s) => s.kind === SERVER && portOf(s) === gatewayPort);
    expect(gatewayServer?.parentSpanId).toBe(callerSpan);
    // Its call to the order subgraph, and the subgraph's server span under that call.
    const toOrder = spans.find((s) => s.kind === CLIENT && portOf(s) === orderPort);
    expect(toOrder).toBeDefined();
    expect(ancestors(toOrder!)).toContain(gatewayServer);
    const orderServer = spans.find((s) => s.kind === SERVER && portOf(s) === orderPort && s.parentSpanId === toOrder!.spanId);
    expect(orderServer).toBeDefined();
    // The subgraph's call to BonusPlus, and the emulator's server span under it.
    const toBonusPlus = spans.find((s) => s.kind === CLIENT && portOf(s) === bonusPlusPort);
    expect(toBonusPlus).toBeDefined();
    expect(ancestors(toBonusPlus!)).toContain(orderServer);
    const bonusPlusServer = spans.find((s) => s.kind === SERVER && portOf(s) === bonusPlusPort);
    expect(bonusPlusServer?.parentSpanId).toBe(toBonusPlus!.spanId);

    // The log lines of the request carry its trace: the gateway's access line and the order subgraph's.
    const traced = logLines.filter((line) => line.traceId === traceId);
    expect(traced.some((line) => line.msg === 'request' && line.spanId === gatewayServer!.spanId)).toBe(true);
    expect(traced.some((line) => line.msg === 'request' && line.spanId === orderServer!.spanId)).toBe(true);

    if (onPostgres) {
      // Each process names itself, and the subgraph's statements hang under its server span.
      expect(gatewayServer!.service).toBe('gateway');
      expect(orderServer!.service).toBe('order');
      expect(bonusPlusServer!.service).toBe('emulators');
      const statements = spans.filter((s) => s.kind === CLIENT && (s.attributes['db.system.name'] ?? s.attributes['db.system']) === 'postgresql');
      expect(statements.some((s) => ancestors(s).includes(orderServer!))).toBe(true);
    } else {
      expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['retail-graph']));
    }
  });
});
