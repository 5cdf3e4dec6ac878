/**
 * Latency of one request at a time, as the benches here measure it: a warm-up, then `requests`
 * timed requests, each prepared first (signing an identity, picking a random customer) outside
 * the timed span.
 */
export interface SequentialOptions {
  readonly warmup: number;
  readonly requests: number;
}

export interface Latency {
  readonly requests: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** The q-quantile (0–1) of ascending latencies. */
export const percentile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/**
 * Runs `prepare(i)` for i = 0, 1, … and times the request it returns. The request throws when the
 * answer is wrong, and then so does this: a figure of failing requests is no figure.
 */
export async function measureSequential(options: SequentialOptions, prepare: (i: number) => Promise<() => Promise<void>>): Promise<Latency> {
  for (let i = 0; i < options.warmup; i++) await (await prepare(i))();
  const times: number[] = [];
  for (let i = 0; i < options.requests; i++) {
    const request = await prepare(options.warmup + i);
    const started = performance.now();
    await request();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { requests: times.length, p50: percentile(times, 0.5), p95: percentile(times, 0.95), p99: percentile(times, 0.99), max: times.at(-1)! };
}

export const formatLatency = (l: Latency): string =>
  `p50 ${l.p50.toFixed(1)} / p95 ${l.p95.toFixed(1)} / p99 ${l.p99.toFixed(1)} / max ${l.max.toFixed(1)} ms`;

export const formatSeconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Times `work`, in milliseconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

/** Prints a markdown table, ready to paste into bench/README.md. */
export function printTable(title: string, header: readonly string[], rows: readonly (readonly string[])[]): void {
  console.log(`\n${title}`);
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}
