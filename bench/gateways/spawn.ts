import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface GatewayProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** Peak resident memory of the process so far (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** The gateways the bench compares, each its own process serving the same supergraph file. */
export const GATEWAYS = {
  ours: 'ours.gateway.ts',
  'apollo-stock': 'apollo-stock.gateway.ts',
  hive: 'hive.gateway.ts',
  'hive-router': 'hive-router.gateway.ts',
} as const;

export type GatewayName = keyof typeof GATEWAYS;

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : Number.NaN;
}

/** Starts a gateway process on a free port in front of the given subgraphs; resolves once it listens. */
export async function spawnGateway(name: GatewayName, subgraphUrls: Readonly<Record<string, string>>, env: Record<string, string> = {}): Promise<GatewayProcess> {
  // The gateways run as production runs them: compiled by `npm run build` (the load bench builds
  // first), on plain node. BENCH_TSX=1 runs the TypeScript sources through tsx instead.
  const compiled = process.env.BENCH_TSX !== '1';
  const entry = compiled
    ? fileURLToPath(new URL(`../../dist/bench/gateways/${GATEWAYS[name].replace(/\.ts$/, '.js')}`, import.meta.url))
    : fileURLToPath(new URL(GATEWAYS[name], import.meta.url));
  // BENCH_CPU_PROFILE=<dir> writes a V8 CPU profile of each gateway there when it stops;
  // BENCH_NODE_ARGS adds node options to every gateway (e.g. `--max-semi-space-size=8`, or an
  // `--import` of a script that reports heap figures).
  // Node writes the profile only on a normal exit, so SIGTERM then exits at once (Hive Gateway would
  // otherwise drain past stop()'s SIGKILL, and a process killed by the signal writes nothing).
  const profile = process.env.BENCH_CPU_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`, `--cpu-prof-name=${name}.cpuprofile`, '--import', 'data:text/javascript,process.on("SIGTERM",()=>process.exit(0))']
    : [];
  const child = spawn(process.execPath, [...profile, ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...(compiled ? [] : ['--import', 'tsx']), entry], {
    // No gateway here phones home: @apollo/gateway's usage telemetry (and its probes of cloud
    // metadata addresses) is off, as in ours; Hive Gateway's is opt-in already.
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: 'true', ...env, NODE_ENV: 'production', BENCH_SUBGRAPH_URLS: JSON.stringify(subgraphUrls), BENCH_GATEWAY_PORT: '0', LOG_LEVEL: name.startsWith('hive') ? 'error' : 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} gateway did not start in 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${name} gateway exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const message = JSON.parse(line) as { listening?: string };
        if (message.listening) {
          clearTimeout(timer);
          resolve(message.listening);
        }
      } catch {
        // other output of the gateway
      }
    });
  });
  return {
    name,
    url,
    pid: child.pid!,
    peakRssMb: () => peakRss(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        // Hive Gateway drains gracefully on SIGTERM and may wait on open connections: 3 s, then SIGKILL.
        const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
