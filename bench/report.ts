/** One figure line of a benchmark: what was measured, through what, and the numbers. */
export interface BenchRow {
  readonly scenario: string;
  readonly target: string;
  readonly figures: Readonly<Record<string, string | number>>;
}

const MARK = 'BENCH_ROW ';

/** Hands rows to `npm run bench` (which collects them into one table); a no-op when a bench runs alone. */
export function report(rows: readonly BenchRow[]): void {
  if (process.env.BENCH_COLLECT !== '1') return;
  for (const row of rows) console.log(`${MARK}${JSON.stringify(row)}`);
}

/** The row a collected output line carries, or undefined for any other line. */
export function rowOf(line: string): BenchRow | undefined {
  return line.startsWith(MARK) ? (JSON.parse(line.slice(MARK.length)) as BenchRow) : undefined;
}
