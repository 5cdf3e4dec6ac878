import { readFileSync, readdirSync } from 'node:fs';

/**
 * CPU time spent by the processes of a load run, read from /proc (Linux): the gateway's process,
 * the bench's own process (the subgraphs, the emulators and the load generator live there), and
 * Postgres's processes when the database is a real server. Divided by the operations served, it
 * says what each part costs per operation, whichever part is the bottleneck.
 */
export interface CpuSample {
  readonly gateway: number;
  readonly graph: number;
  readonly postgres: number;
}

interface Reading {
  readonly gateway: number;
  readonly graph: number;
  readonly postgres: Map<string, number>;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux (`getconf CLK_TCK`).

/** A process's command name and its user + system CPU in ms so far, or undefined when it is gone or /proc is not there. */
function readStat(pid: number | string): { comm: string; cpu: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cpu: (Number(fields[11]) + Number(fields[12])) * TICK_MS };
  } catch {
    return undefined;
  }
}

/** User + system CPU of a process in ms, or 0 when it is gone or /proc is not there. */
export function processCpuMs(pid: number | string): number {
  return readStat(pid)?.cpu ?? 0;
}

/** Every process of the machine, by pid: its command name and CPU ms so far. */
export function everyProcess(): Map<string, { comm: string; cpu: number }> {
  const all = new Map<string, { comm: string; cpu: number }>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return all;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = readStat(pid); // undefined: the process ended while we looked
    if (stat) all.set(pid, stat);
  }
  return all;
}

/** CPU ms of every process named `postgres`, by pid. */
function postgresCpuMs(): Map<string, number> {
  return new Map([...everyProcess()].filter(([, p]) => p.comm === 'postgres').map(([pid, p]) => [pid, p.cpu]));
}

export function cpuReading(gatewayPid: number | undefined): Reading {
  const own = process.cpuUsage();
  return {
    gateway: gatewayPid ? processCpuMs(gatewayPid) : 0,
    graph: (own.user + own.system) / 1000,
    postgres: postgresCpuMs(),
  };
}

/** CPU spent between two readings; a Postgres backend that started in between counts from zero, one that ended is lost. */
export function cpuSpent(before: Reading, after: Reading): CpuSample {
  let postgres = 0;
  for (const [pid, ms] of after.postgres) postgres += ms - (before.postgres.get(pid) ?? 0);
  return { gateway: after.gateway - before.gateway, graph: after.graph - before.graph, postgres };
}
