import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { EPHEMERAL_PORTS } from '../../scripts/graph.js';

/**
 * `npm start`'s entry (`scripts/start.ts`) as a real process on free ports, the way the
 * process-kill test runs it: node with tsx's loader, so no build is needed and no tsx CLI sits in
 * between to relay (or SIGKILL) on its own.
 */

const START = fileURLToPath(new URL('../../scripts/start.ts', import.meta.url));

/** Every URL the banner prints: the gateway's GraphQL and base, each subgraph's base, each emulator's. */
export interface GraphUrls {
  readonly gateway: string;
  readonly gatewayBase: string;
  readonly customer: string;
  readonly order: string;
  readonly loyalty: string;
  readonly inventory: string;
  readonly retailCrm: string;
  readonly bonusPlus: string;
  readonly oneC: string;
}

export interface GraphProcess {
  readonly urls: GraphUrls;
  readonly child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  readonly stderr: () => string;
  /** Resolves once the process has ended: its exit code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartGraphProcessOptions {
  readonly env: Readonly<Record<string, string>>;
  /** Own process group, so a test can signal the group as a terminal's Ctrl-C does (`process.kill(-pid)`). */
  readonly detached?: boolean;
  /** Called with the child as soon as it exists (to signal it during start-up). */
  readonly onSpawn?: (child: ChildProcess) => void;
}

const base = (url: string) => url.replace(/\/graphql$/, '');

/** Starts the graph and resolves once its banner is out; rejects if it exits first. */
export async function startGraphProcess(options: StartGraphProcessOptions): Promise<GraphProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', START], {
    env: { ...process.env, ...EPHEMERAL_PORTS, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let stderr = '';
  // Start-up failures are logged to stdout (pino): the last lines say why.
  const output: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  options.onSpawn?.(child);
  const urls = await new Promise<GraphUrls>((resolve, reject) => {
    void exited.then(({ code, signal }) => reject(new Error(`the graph exited with ${code ?? signal} before it was up:\n${output.join('\n')}\n${stderr.slice(-2000)}`)));
    const found: Record<string, string> = {};
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      if (output.length > 20) output.shift();
      const gateway = /GraphQL\s+(\S+)/.exec(line)?.[1];
      if (gateway) Object.assign(found, { gateway, gatewayBase: base(gateway) });
      const subgraphs = /customer\s+(\S+)\s+order\s+(\S+)\s+loyalty\s+(\S+)\s+inventory\s+(\S+)/.exec(line);
      if (subgraphs) Object.assign(found, { customer: base(subgraphs[1]!), order: base(subgraphs[2]!), loyalty: base(subgraphs[3]!), inventory: base(subgraphs[4]!) });
      const emulators = /RetailCRM\s+(\S+)\s+BonusPlus\s+(\S+)\s+1C\s+(\S+)/.exec(line);
      if (emulators) Object.assign(found, { retailCrm: emulators[1], bonusPlus: emulators[2], oneC: base(emulators[3]!.replace(/\/trade$/, '')) });
      if (found.gateway && found.order && found.bonusPlus) resolve(found as unknown as GraphUrls);
    });
  });
  return { urls, child, stderr: () => stderr, exited };
}

/** Stops a started graph (if it is still running) with `signal` and waits until it has exited. */
export async function stopGraphProcess(graph: Pick<GraphProcess, 'child' | 'exited'> | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!graph || graph.child.exitCode !== null || graph.child.signalCode !== null) return;
  graph.child.kill(signal);
  await graph.exited;
}

/** POSTs a client's document (clients/, its variables checked) or an operation's text and returns the parsed answer. */
export async function gql<V = Record<string, unknown>>(url: string, query: string | TypedDocumentNode<unknown, V>, variables?: V, token?: string): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: typeof query === 'string' ? query : print(query), variables: variables ?? {} }),
  });
  return res.json();
}

/** Polls until `check` gives a value other than undefined (a guard against a hang, not a time bound on the behaviour). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The requests that have reached an emulator so far, by `METHOD /path` (its request counter). */
export async function emulatorRequestCounts(emulatorUrl: string): Promise<Record<string, number>> {
  return (await (await fetch(`${emulatorUrl}/__emulator/requests`)).json()) as Record<string, number>;
}

/** How many requests whose `METHOD /path` the test picks have reached an emulator (its request counter). */
export async function emulatorRequests(emulatorUrl: string, picks: (route: string) => boolean): Promise<number> {
  return Object.entries(await emulatorRequestCounts(emulatorUrl)).filter(([route]) => picks(route)).reduce((s, [, n]) => s + n, 0);
}

/** Sets an emulator's fault switches over its control route (`{}` clears them). */
export async function setFaults(emulatorUrl: string, faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulatorUrl}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  if (res.status !== 200) throw new Error(`fault switch refused: ${res.status} ${await res.text()}`);
}
