import { AsyncLocalStorage } from 'node:async_hooks';
import type { Scheduler } from 'fast-check';

/**
 * Concurrent calls ("actors") that take turns at the points a fast-check scheduler controls: each
 * actor's start, and every call through a gated port (once before the request leaves, once before
 * its reply reaches the caller). Only one actor runs between two points, and the next turn is
 * handed out only when every live actor waits at a point, so which turn comes next is fast-check's
 * choice alone: a seed and path replay the same interleaving. Database work between two points is
 * the running actor's alone; what races is the order of upstream calls and their replies.
 *
 * An actor that holds a database lock or transaction across a gated call would stop the others
 * (they cannot reach a point): `run` says which actors it waited for instead of hanging.
 */
export interface Turnstile {
  /** Starts `work` as an actor named `name` (unique per turnstile); it first waits for its turn. */
  actor<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** The port with every method call gated, when called from inside an actor (outside, untouched). */
  gate<P extends object>(system: string, port: P): P;
  /** Hands out turns in the scheduler's order until every actor has ended. */
  run(): Promise<void>;
}

export function createTurnstile(s: Scheduler, options: { quietMs?: number; stuckAfterMs?: number } = {}): Turnstile {
  const current = new AsyncLocalStorage<string>();
  const live = new Set<string>();
  const waiting = new Map<string, number>();
  let changed: () => void = () => undefined;
  const notify = () => changed();

  function point(label: string): Promise<void> {
    const actor = current.getStore();
    if (actor === undefined) return Promise.resolve();
    waiting.set(actor, (waiting.get(actor) ?? 0) + 1);
    notify();
    return s.schedule(Promise.resolve(), `${actor} ${label}`, undefined, async (release) => {
      waiting.set(actor, waiting.get(actor)! - 1);
      await release();
    });
  }

  const allWaiting = () => [...live].every((a) => (waiting.get(a) ?? 0) > 0);
  const someWaiting = () => [...live].some((a) => (waiting.get(a) ?? 0) > 0);
  const changeWithin = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      changed = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });

  /**
   * Until every live actor waits at a point. An actor that polls instead (a wait loop on a claim
   * another actor holds while it waits at a point) never gets there: after a quiet spell the turn
   * goes to one of those waiting, and that interleaving may not replay exactly.
   */
  async function untilTurn(): Promise<void> {
    const quietMs = options.quietMs ?? 500;
    const stuckAfterMs = options.stuckAfterMs ?? 30_000;
    let quietFor = 0;
    while (!allWaiting()) {
      if (await changeWithin(quietMs)) {
        quietFor = 0;
        continue;
      }
      if (someWaiting()) return;
      quietFor += quietMs;
      if (quietFor >= stuckAfterMs) {
        const running = [...live].filter((a) => !(waiting.get(a) ?? 0));
        throw new Error(`no progress: ${running.join(', ')} neither reached a gated call nor ended (a lock or transaction held across an upstream call?)`);
      }
    }
  }

  return {
    actor(name, work) {
      if (live.has(name)) throw new Error(`actor ${name} already runs`);
      live.add(name);
      return current.run(name, async () => {
        try {
          await point('start');
          return await work();
        } finally {
          live.delete(name);
          notify();
        }
      });
    },
    gate(system, port) {
      return new Proxy(port, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            await point(`→ ${system}.${String(prop)}`);
            try {
              return await value.apply(target, args);
            } finally {
              await point(`← ${system}.${String(prop)}`);
            }
          };
        },
      });
    },
    async run() {
      for (;;) {
        await untilTurn();
        if (live.size === 0) return;
        await s.waitNext(1);
      }
    },
  };
}
