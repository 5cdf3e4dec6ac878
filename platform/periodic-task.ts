import type { Logger } from './logger.js';

export interface PeriodicTask<T> {
  /** Runs now (or joins the run in progress) and resolves with its result. */
  runNow(): Promise<T>;
  start(): void;
  /** Stops the schedule and waits for the run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `work` every `intervalMs` after the previous run ends, never two at once. A failed run is
 * logged and tried again at the next tick.
 */
export function createPeriodicTask<T>(name: string, intervalMs: number, work: () => Promise<T>, logger: Logger): PeriodicTask<T> {
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<T> | undefined;
  const runNow = () => {
    current ??= work().finally(() => (current = undefined));
    return current;
  };
  const tick = () => {
    if (stopped) return;
    runNow()
      .catch((error: unknown) => logger.warn({ task: name, error: error instanceof Error ? error.message : String(error) }, 'periodic task failed; will retry'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  return {
    runNow,
    start() {
      if (!stopped) return;
      stopped = false;
      tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current?.catch(() => undefined);
    },
  };
}
