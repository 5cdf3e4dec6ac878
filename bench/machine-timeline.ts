import { readFileSync } from 'node:fs';
import { everyProcess, processCpuMs } from './cpu.js';

/**
 * What the machine and each process did, every `MACHINE_SAMPLE_MS`, while an open loop ran: for
 * telling a stall of the graph's own making (one process busy, the others waiting on it) from one
 * of the machine's (every process runnable and not run: the hypervisor took the CPU, or the disk
 * held everyone). Linux only; elsewhere every figure is 0.
 *
 * Each sample: `t` (epoch ms), the machine's jiffies (10 ms) of user, system, idle, iowait and
 * steal since the last sample, `late` (ms this sampler's timer fired late: the load generator's
 * own event loop), for each process its CPU ms and its main thread's run-queue wait in ms
 * (`/proc/<pid>/schedstat`: runnable but not running) since the last sample; every tenth sample
 * also names the three other programs of the machine (by command name, a node process by its
 * script: postgres, this bench, tsc, …) that spent the most CPU ms in the ten samples it closes.
 */
export interface MachineSample {
  t: number;
  user: number;
  system: number;
  idle: number;
  iowait: number;
  steal: number;
  late: number;
  processes: Record<string, { cpu: number; waited: number }>;
  others: [string, number][];
}

function machineJiffies(): number[] {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu user nice system idle iowait irq softirq steal
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    return [f[0]! + f[1]!, f[2]! + f[5]! + f[6]!, f[3]!, f[4]!, f[7]!];
  } catch {
    return [0, 0, 0, 0, 0];
  }
}

function runQueueWaitMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
}

export const MACHINE_SAMPLE_MS = 50;
/** The other programs are read every this many samples (500 ms). */
const OTHERS_EVERY = 10;

/** Starts sampling `pids` (name → pid); `stop()` returns the samples. */
export function sampleMachine(pids: Record<string, number>): { stop: () => MachineSample[] } {
  const samples: MachineSample[] = [];
  const ours = new Set(Object.values(pids).map(String));
  // Reading every process costs about 1.6 ms here: done every tenth sample, not to load the machine it watches.
  let all = everyProcess();
  let tick = 0;
  const read = () => ({
    at: performance.now(),
    jiffies: machineJiffies(),
    processes: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, { cpu: processCpuMs(pid), waited: runQueueWaitMs(pid) }])),
  });
  let last = read();
  const timer = setInterval(() => {
    const now = read();
    const d = now.jiffies.map((v, i) => v - last.jiffies[i]!);
    samples.push({
      t: Date.now(),
      user: d[0]!,
      system: d[1]!,
      idle: d[2]!,
      iowait: d[3]!,
      steal: d[4]!,
      late: Math.max(0, now.at - last.at - MACHINE_SAMPLE_MS),
      processes: Object.fromEntries(
        Object.entries(now.processes).map(([name, p]) => [name, { cpu: p.cpu - last.processes[name]!.cpu, waited: Math.round((p.waited - last.processes[name]!.waited) * 10) / 10 }]),
      ),
      others: ++tick % OTHERS_EVERY === 0 ? othersSpent() : [],
    });
    last = now;
  }, MACHINE_SAMPLE_MS);
  // A node process is named by its script (tsc, vitest, this bench), read once per process.
  const names = new Map<string, string>();
  function nameOf(pid: string, comm: string): string {
    if (comm !== 'node') return comm;
    let name = names.get(pid);
    if (name === undefined) {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(1).filter((arg) => arg && !arg.startsWith('-'));
        // A script of the project before a loader's (tsx's preflight.cjs), else the first argument (tsc's bin).
        const script = args.find((arg) => /\.[cm]?[jt]s$/.test(arg) && !arg.includes('node_modules')) ?? args[0] ?? '';
        name = `node ${script.split('/').slice(-2).join('/')}`;
      } catch {
        name = 'node';
      }
      names.set(pid, name);
    }
    return name;
  }
  function othersSpent(): [string, number][] {
    const before = all;
    const after = everyProcess();
    all = after;
    const byComm = new Map<string, number>();
    for (const [pid, p] of after) {
      if (ours.has(pid)) continue;
      const spent = p.cpu - (before.get(pid)?.cpu ?? p.cpu);
      if (spent <= 0) continue;
      const name = nameOf(pid, p.comm);
      byComm.set(name, (byComm.get(name) ?? 0) + spent);
    }
    return [...byComm].sort((a, b) => b[1] - a[1]).slice(0, 3);
  }
  return {
    stop: () => {
      clearInterval(timer);
      return samples;
    },
  };
}

/**
 * The samples around each slow reply (`latency` ≥ `slowMs`) of a timeline (`[start offset ms,
 * latency ms]` from `startedAt`), one line per sample: what the machine did while it waited.
 */
export function describeSlowReplies(startedAt: number, timeline: readonly [number, number][], samples: readonly MachineSample[], slowMs: number): string[] {
  const lines: string[] = [];
  const slow = timeline.filter(([, latency]) => latency >= slowMs).sort((a, b) => a[0] - b[0]);
  let shownUntil = 0;
  for (const [offset, latency] of slow) {
    const from = startedAt + offset;
    const to = from + latency;
    lines.push(`  reply of ${latency.toFixed(0)} ms started at +${(offset / 1000).toFixed(2)} s`);
    for (const s of samples) {
      if (s.t < from - 100 || s.t > to + 100 || s.t <= shownUntil) continue;
      const procs = Object.entries(s.processes).map(([name, p]) => `${name} ${p.cpu}/${p.waited}`).join(' ');
      const others = s.others.length > 0 ? `  others (last ${OTHERS_EVERY * MACHINE_SAMPLE_MS} ms): ${s.others.map(([comm, ms]) => `${comm} ${ms}`).join(', ')}` : '';
      lines.push(`    +${((s.t - startedAt) / 1000).toFixed(2)} s  usr ${s.user} sys ${s.system} idle ${s.idle} iowait ${s.iowait} steal ${s.steal} late ${s.late.toFixed(0)}  cpu/runq ms: ${procs}${others}`);
      shownUntil = s.t;
    }
  }
  return lines;
}
