/**
 * A small seeded PRNG (mulberry32) for tests that must replay a random run from its seed alone.
 * Each stream is derived from the seed and a label, so streams drawn by concurrent callers in any
 * order still give every caller the same numbers on a replay.
 */
export interface SeededRandom {
  /** In [0, 1). */
  next(): number;
  /** A whole number in [min, max]. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** One of the keys, with the given weights. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K;
}

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function seededRandom(seed: number, label = ''): SeededRandom {
  let state = hash32(`${seed}:${label}`) || 1;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)]!;
    },
    weighted(weights) {
      const entries = Object.entries(weights) as [string, number][];
      let r = next() * entries.reduce((s, [, w]) => s + w, 0);
      for (const [key, w] of entries) if ((r -= w) < 0) return key as never;
      return entries[entries.length - 1]![0] as never;
    },
  };
}

/** A fresh seed when none is given: what a run prints so it can be replayed. */
export function seedFromEnv(value: string | undefined): number {
  if (value !== undefined && value !== '') {
    const seed = Number(value);
    if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${value}`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 31);
}
