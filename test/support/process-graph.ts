import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import pg from 'pg';
import { loadConfig } from '../../platform/config.js';
import { issueToken, type StaffRole } from '../../platform/identity.js';
import { freePort } from './free-port.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/**
 * The graph as docker-compose runs it: the emulators, each subgraph and the gateway in a process
 * of its own on one Postgres database, so that a test can stop (SIGSTOP), kill (SIGKILL) and
 * restart one of them, or cut their database connections, and see what the others do. The
 * compiled services (`dist/`, what the image runs) are used when they are at least as new as the
 * sources; otherwise the same entries run under tsx.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type ServiceName = 'emulators' | 'inventory' | 'customer' | 'loyalty' | 'order' | 'gateway' | 'customer-2' | 'order-2' | 'gateway-2';
const ORDER_OF_START: readonly ServiceName[] = ['emulators', 'inventory', 'customer', 'loyalty', 'order', 'gateway'];
const REPLICAS: readonly ServiceName[] = ['customer-2', 'order-2', 'gateway-2'];
const ENTRY: Record<ServiceName, string> = {
  emulators: 'emulators/main',
  inventory: 'subgraphs/inventory/main',
  customer: 'subgraphs/customer/main',
  loyalty: 'subgraphs/loyalty/main',
  order: 'subgraphs/order/main',
  gateway: 'gateway/main',
  'customer-2': 'subgraphs/customer/main',
  'order-2': 'subgraphs/order/main',
  'gateway-2': 'gateway/main',
};

function newestSource(dir: string, newest = 0): number {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = newestSource(path, newest);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** `node dist/….js` when the build is current, else `node --import tsx ….ts`; always the compiled one under another root. */
function commandOf(service: ServiceName, root?: string): string[] {
  if (root) return [join(root, 'dist', `${ENTRY[service]}.js`)];
  const compiled = join(ROOT, 'dist', `${ENTRY[service]}.js`);
  if (existsSync(compiled) && statSync(compiled).mtimeMs >= newestSourceOnce()) return [compiled];
  return ['--import', 'tsx', join(ROOT, `${ENTRY[service]}.ts`)];
}
let newestSourceCache: number | undefined;
const newestSourceOnce = () => (newestSourceCache ??= Math.max(newestSource(join(ROOT, 'platform')), newestSource(join(ROOT, 'gateway')), newestSource(join(ROOT, 'subgraphs')), newestSource(join(ROOT, 'connectors')), newestSource(join(ROOT, 'emulators')), newestSource(join(ROOT, 'contracts'))));

export const usesCompiledServices = (): boolean => commandOf('gateway')[0]!.endsWith('.js');

export interface ServiceProcess {
  readonly name: ServiceName;
  child: ChildProcess;
  /** What the process printed on stderr (its logs at LOG_LEVEL), for a failure's message. */
  readonly stderr: string[];
  readonly exits: { code: number | null; signal: NodeJS.Signals | null }[];
}

export interface ProcessGraph {
  readonly database: TestDatabase;
  readonly env: Readonly<Record<string, string>>;
  readonly urls: { readonly gateway: string; readonly gateways: readonly string[]; readonly retailCrm: string; readonly bonusPlus: string; readonly oneC: string; readonly subgraph: Readonly<Record<'customer' | 'order' | 'loyalty' | 'inventory', string>> };
  readonly services: Readonly<Record<ServiceName, ServiceProcess>>;
  /** A client's document (clients/, its variables checked) or an operation's text, through the gateway (`via` picks one of `urls.gateways`). */
  gql<T = any, V = Record<string, unknown>>(query: string | TypedDocumentNode<unknown, V>, variables?: V, token?: string, via?: number): Promise<{ status: number; data?: T; errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[] }>;
  customerToken(customerId: string): Promise<string>;
  staffToken(...roles: StaffRole[]): Promise<string>;
  /** Starts a service again after it was killed, and resolves when it prints its banner. */
  restart(name: ServiceName): Promise<void>;
  /** SIGKILL, and waits until the process is gone. */
  kill(name: ServiceName): Promise<void>;
  /** Every live process's pid → name, to tell which one died. */
  alive(): ServiceName[];
  /** Terminates every backend of the graph's database (what a Postgres restart or failover does to its clients); resolves with how many. */
  terminateBackends(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts the graph as separate processes on a fresh database of the Postgres in DATABASE_URL (the
 * parts cannot share an embedded PGlite). `env` adds to or overrides each process's environment.
 */
export interface ProcessGraphOptions {
  /**
   * Second processes of the customer and order subgraphs (replicas on the same database), each
   * behind a gateway of its own (`urls.gateways[1]`): as a deployment with two replicas of each
   * part, without a load balancer in the test.
   */
  readonly replicas?: boolean;
  /**
   * Another directory holding a build (its `dist/` and `node_modules/`, e.g. the image's runtime
   * stage reproduced by test/docker-image.int.test.ts): the services run from there, compiled.
   */
  readonly root?: string;
}

export async function startProcessGraph(env: Record<string, string> = {}, options: ProcessGraphOptions = {}): Promise<ProcessGraph> {
  if (!process.env.DATABASE_URL) throw new Error('the graph as separate processes needs DATABASE_URL (a real Postgres)');
  const database = await createTestDatabase();
  const ports = Object.fromEntries(await Promise.all(['GATEWAY', 'CUSTOMER', 'ORDER', 'LOYALTY', 'INVENTORY', 'RETAILCRM_EMULATOR', 'BONUSPLUS_EMULATOR', 'ONEC_EMULATOR', 'GATEWAY_2', 'CUSTOMER_2', 'ORDER_2'].map(async (p) => [`${p}_PORT`, String(await freePort())]))) as Record<string, string>;
  const { GATEWAY_2_PORT, CUSTOMER_2_PORT, ORDER_2_PORT, ...mainPorts } = ports;
  const at = (name: string) => `http://127.0.0.1:${ports[`${name}_PORT`]}`;
  const fullEnv: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url!,
    ...mainPorts,
    RETAILCRM_URL: at('RETAILCRM_EMULATOR'),
    BONUSPLUS_URL: at('BONUSPLUS_EMULATOR'),
    ONEC_URL: `${at('ONEC_EMULATOR')}/trade`,
    CUSTOMER_URL: `${at('CUSTOMER')}/graphql`,
    ORDER_URL: `${at('ORDER')}/graphql`,
    LOYALTY_URL: `${at('LOYALTY')}/graphql`,
    INVENTORY_URL: `${at('INVENTORY')}/graphql`,
    SEED_CATALOG_PRODUCTS: '40',
    SEED_ONLINE_CUSTOMERS: '40',
    SEED_SHOWROOM_CUSTOMERS: '10',
    ...env,
  };
  const config = loadConfig(fullEnv);
  // Production checks every token's issuer and audience.
  const claims = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };

  // The replicas: the second customer and order processes on ports of their own, the second gateway calling them.
  const replicaEnv: Partial<Record<ServiceName, Record<string, string>>> = {
    'customer-2': { CUSTOMER_PORT: CUSTOMER_2_PORT! },
    'order-2': { ORDER_PORT: ORDER_2_PORT! },
    'gateway-2': { GATEWAY_PORT: GATEWAY_2_PORT!, CUSTOMER_URL: `${at('CUSTOMER_2')}/graphql`, ORDER_URL: `${at('ORDER_2')}/graphql` },
  };
  const launch = (name: ServiceName, service?: ServiceProcess): Promise<ServiceProcess> => {
    // PROCESS_GRAPH_NODE_ARGS: node options for every service (`--cpu-prof --cpu-prof-dir=…` for bench:tail's profiles).
    const child = spawn(process.execPath, [...(process.env.PROCESS_GRAPH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...commandOf(name, options.root)], { cwd: options.root ?? ROOT, env: { ...process.env, ...fullEnv, ...replicaEnv[name], VITEST: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc: ServiceProcess = service ?? { name, child, stderr: [], exits: [] };
    proc.child = child;
    child.once('exit', (code, signal) => proc.exits.push({ code, signal }));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      proc.stderr.push(line);
      if (proc.stderr.length > 200) proc.stderr.shift();
    });
    return new Promise<ServiceProcess>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start in 90 s:\n${proc.stderr.join('\n')}`)), 90_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} while starting:\n${proc.stderr.join('\n')}`));
      });
      let started = false;
      createInterface({ input: child.stdout! }).on('line', () => {
        if (started) return;
        started = true; // the banner: the service listens
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.once('exit', (code, signal) => proc.exits.push({ code, signal }));
        resolve(proc);
      });
    });
  };

  const services = {} as Record<ServiceName, ServiceProcess>;
  try {
    for (const name of [...ORDER_OF_START, ...(options.replicas ? REPLICAS : [])]) services[name] = await launch(name);
  } catch (error) {
    for (const s of Object.values(services)) s.child.kill('SIGKILL');
    await database.close();
    throw error;
  }

  const gatewayUrl = `${at('GATEWAY')}/graphql`;
  const graph: ProcessGraph = {
    database,
    env: fullEnv,
    urls: {
      gateway: gatewayUrl,
      gateways: options.replicas ? [gatewayUrl, `${at('GATEWAY_2')}/graphql`] : [gatewayUrl],
      retailCrm: at('RETAILCRM_EMULATOR'),
      bonusPlus: at('BONUSPLUS_EMULATOR'),
      oneC: at('ONEC_EMULATOR'),
      subgraph: { customer: fullEnv.CUSTOMER_URL!, order: fullEnv.ORDER_URL!, loyalty: fullEnv.LOYALTY_URL!, inventory: fullEnv.INVENTORY_URL! },
    },
    services,
    async gql(query, variables, token, via = 0) {
      const res = await fetch(graph.urls.gateways[via % graph.urls.gateways.length]!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables }),
      }).catch((error: unknown) => {
        // A gateway that cannot be reached: say which processes have ended, and what they wrote last.
        const ended = Object.values(services).filter((s) => s.exits.length > 0);
        const why = ended.map((s) => `${s.name} ended ${JSON.stringify(s.exits)}:\n${s.stderr.slice(-20).join('\n')}`).join('\n');
        throw new Error(`the gateway did not answer (${(error as Error).cause ?? error}); ${ended.length ? why : 'no process of the graph has ended'}`, { cause: error });
      });
      const text = await res.text();
      try {
        return { status: res.status, ...(JSON.parse(text) as object) };
      } catch {
        return { status: res.status, errors: [{ message: text.slice(0, 200), extensions: { code: `HTTP_${res.status}` } }] };
      }
    },
    customerToken: (customerId) => issueToken(config.JWT_SECRET, customerId, [], '12h', claims),
    staffToken: (...roles) => issueToken(config.JWT_SECRET, `staff-${roles.join('-')}`, roles.length ? roles : ['manager'], '12h', claims),
    async restart(name) {
      await launch(name, services[name]);
    },
    async kill(name) {
      const { child } = services[name];
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    },
    alive: () => (Object.keys(services) as ServiceName[]).filter((name) => services[name].child.exitCode === null && services[name].child.signalCode === null),
    async terminateBackends() {
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      try {
        const name = new URL(database.url!).pathname.slice(1);
        const { rows } = await admin.query('select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
        return rows[0].n as number;
      } finally {
        await admin.end();
      }
    },
    async close() {
      await Promise.all(
        Object.values(services).map(async ({ child }) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGCONT');
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await gone;
          clearTimeout(timer);
        }),
      );
      await database.close();
    },
  };
  return graph;
}
