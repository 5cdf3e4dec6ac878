import { print, type DocumentNode } from 'graphql';
import { loadConfig, type Config } from '../../platform/config.js';
import { issueToken, type StaffRole } from '../../platform/identity.js';
import { EPHEMERAL_PORTS, startGraph, type RunningGraph } from '../../scripts/graph.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface GraphQLResult<T = any> {
  readonly status: number;
  readonly data?: T;
  readonly errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [k: string]: unknown } }[];
}

export interface TestGraph {
  readonly graph: RunningGraph;
  readonly database: TestDatabase;
  readonly config: Config;
  /** Sends an operation (its text, or a client document from clients/) through the gateway, optionally with a bearer token. */
  gql<T = any>(query: string | DocumentNode, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResult<T>>;
  customerToken(customerId: string): Promise<string>;
  staffToken(...roles: StaffRole[]): Promise<string>;
  /** Runs background work by hand until nothing is left: history syncs, then the outbox relays. Returns the rounds it took (the last found nothing). */
  settle(): Promise<number>;
  /** Clears every emulator's fault switches and waits out the connectors' circuit-breaker cool-down. */
  healUpstreams(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The whole graph on a fresh database (PGlite, or a new Postgres database when DATABASE_URL is
 * set), all servers on free ports, emulators seeded small. Background work is driven by the test.
 */
export async function startTestGraph(overrides: Record<string, string> = {}): Promise<TestGraph> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    ...EPHEMERAL_PORTS,
    SEED_CATALOG_PRODUCTS: '40',
    SEED_ONLINE_CUSTOMERS: '40',
    SEED_SHOWROOM_CUSTOMERS: '10',
    UPSTREAM_TIMEOUT_MS: '2000',
    // Tests switch faults off and expect the graph to notice at once.
    UPSTREAM_BREAKER_COOLDOWN_MS: '50',
    // An account past its TTL is read again before the answer, so a test sees what it changed at BonusPlus (test/e2e/loyalty-stale-read.int.test.ts serves it stale).
    LOYALTY_READ_MODEL_SERVE_STALE_MS: '0',
    ...overrides,
  });
  const graph = await startGraph({ config, db: database.db, emulators: true, background: false });
  const settle = async () => {
    const rounds = 5;
    for (let round = 1; round <= rounds; round++) {
      await graph.customer.sync.runNow();
      await graph.order.sync.runNow();
      // In causal order: a customer reaches RetailCRM before their orders can be filed under them.
      const handled = (await graph.customer.relay.drain()) + (await graph.loyalty.relay.drain()) + (await graph.order.relay.drain());
      if (handled === 0) return round;
    }
    return rounds;
  };
  return {
    graph,
    database,
    config,
    async gql(query, variables, token) {
      const res = await fetch(graph.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables }),
      });
      return { status: res.status, ...((await res.json()) as object) };
    },
    customerToken: (customerId) => issueToken(config.JWT_SECRET, customerId),
    staffToken: (...roles) => issueToken(config.JWT_SECRET, `staff-${roles.join('-')}`, roles.length ? roles : ['manager']),
    settle,
    async healUpstreams() {
      for (const emulator of Object.values(graph.emulators ?? {})) emulator.faults.clear();
      await new Promise((r) => setTimeout(r, Number(config.UPSTREAM_BREAKER_COOLDOWN_MS) + 20));
    },
    async close() {
      await graph.close();
      await database.close();
    },
  };
}
