import { runAsBackground } from './http/upstream-budget.js';
import type { Logger } from './logger.js';

export interface PeriodicTask<T> {
  /** Runs now (or joins the run in progress) and resolves with its result. */
  runNow(): Promise<T>;
  /** Starts the schedule: the first run `firstInMs` from now (at once by default), then every interval. */
  start(firstInMs?: number): void;
  /** Stops the schedule, tells the run in progress to end, and waits for it. */
  stop(): Promise<void>;
}

/**
 * Runs `work` every `intervalMs` after the previous run ends, never two at once. A failed run is
 * logged and tried again at the next tick. `stop` aborts the signal the run in progress was given,
 * so that a long run (a relay working through a backlog) ends at its next safe point rather than
 * keeping a process that was asked to stop alive.
 */
export function createPeriodicTask<T>(
  name: string,
  intervalMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  logger: Logger,
  options: {
    /** Asked before each scheduled run (never before `runNow`): false skips it, until the next tick (e.g. a replica's turn: `takeScheduledTurn`). */
    readonly turn?: () => Promise<boolean>;
  } = {},
): PeriodicTask<T> {
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<T> | undefined;
  let stopping = new AbortController();
  const runNow = () => {
    // Nobody waits on a scheduled run, even one asked for now: its upstream calls give way to interactive ones.
    current ??= runAsBackground(() => work(stopping.signal)).finally(() => (current = undefined));
    return current;
  };
  // A turn that cannot be asked (the database away) is taken: the run meets the same fault and says so.
  const scheduledRun = async () => ((await (options.turn?.().catch(() => true) ?? true)) ? runNow() : undefined);
  const tick = () => {
    if (stopped) return;
    scheduledRun()
      .catch((error: unknown) => logger.warn({ task: name, error: error instanceof Error ? error.message : String(error) }, 'periodic task failed; will retry'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  return {
    runNow,
    start(firstInMs = 0) {
      if (!stopped) return;
      stopped = false;
      if (stopping.signal.aborted) stopping = new AbortController();
      if (firstInMs > 0) timer = setTimeout(tick, firstInMs);
      else tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      stopping.abort();
      await current?.catch(() => undefined);
      stopping = new AbortController();
    },
  };
}
