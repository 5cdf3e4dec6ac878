import { AsyncLocalStorage } from 'node:async_hooks';
import { Counter } from 'prom-client';

/**
 * SQL statements sent to the database, counted by who sent them. Every statement of a process goes
 * through its one Kysely handle (platform/db/database.ts), which calls `countStatement` for each,
 * `begin` and `commit` included. The sender is the label of the work it runs in: a subgraph's
 * server runs every request under its subgraph's name, an emulator's under `emulator`; anything
 * else (background sync, relays, migrations, a test's own reads) counts as `other`. In production
 * each subgraph is a process of its own, so the label also names the process.
 *
 * Counts are a fact of the code, not of the machine: a bench divides them by the operations it
 * sent, and test/perf/statement-budget.int.test.ts fails when one grows past its budget.
 */

const sender = new AsyncLocalStorage<string>();
const counts = new Map<string, number>();
/** The statements' text by label, while a bench asks for them (`keepStatementTexts`). */
let texts: Map<string, string[]> | undefined;

const statements = new Counter({
  name: 'db_statements_total',
  help: 'SQL statements sent to the database, by the subgraph (or emulator) whose work sent them.',
  labelNames: ['subgraph'],
});

/** Runs `work` with every statement it sends (synchronously or later, in its async continuations) counted under `label`. */
export function countStatementsAs<T>(label: string, work: () => T): T {
  return sender.run(label, work);
}

/** Counts one statement under the label of the work running now. */
export function countStatement(sql: string): void {
  const label = sender.getStore() ?? 'other';
  counts.set(label, (counts.get(label) ?? 0) + 1);
  statements.inc({ subgraph: label });
  if (texts) texts.set(label, [...(texts.get(label) ?? []), sql]);
}

/** Keeps the text of every statement counted from now on (until the next reset), for a bench to print; off by default. */
export function keepStatementTexts(keep: boolean): void {
  texts = keep ? new Map() : undefined;
}

/** The statements kept since the last reset, by label, when `keepStatementTexts(true)`. */
export function statementTexts(): Record<string, string[]> {
  return Object.fromEntries(texts ?? []);
}

/** Statements counted since the start or the last reset, by label. */
export function statementCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}

/** Starts the counts afresh (the /metrics counter keeps counting). */
export function resetStatementCounts(): void {
  counts.clear();
  texts?.clear();
}
