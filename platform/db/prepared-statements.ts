import type pg from 'pg';

/**
 * Named prepared statements on a pooled Postgres connection.
 *
 * Kysely sends every statement unnamed, so Postgres parses, analyses and plans it on every
 * execution; for the graph's reads (a few rows by key) that was most of Postgres's work: with the
 * statements named, Postgres's CPU per account page fell by a third and per 20-line quote by
 * nearly half (bench/README.md). A statement with parameters is named after its text the first
 * time a connection sends it (`pg` then sends Parse once per connection and only Bind/Execute
 * afterwards); statements without parameters (`begin`, `commit`, DDL) stay unnamed.
 *
 * - At most `max` names per connection: past them, new texts go unnamed, so a connection's
 *   prepared statements (memory in its backend) stay bounded whatever texts the process makes.
 * - A newer release's migration that changes a table's columns (a rolling deploy) makes Postgres
 *   refuse a prepared `select *` of it ("cached plan must not change result type"). Outside a
 *   transaction the statement is prepared again under a new name and sent once more; inside one
 *   the refusal stands (the transaction is aborted anyway) and the next use prepares it anew.
 * - Off (`DATABASE_PREPARED_STATEMENTS=false`) for a pooler that does not keep prepared
 *   statements per client (PgBouncer in transaction mode before 1.21).
 */

export const PREPARED_STATEMENTS_PER_CONNECTION = 500;

const STALE_PLAN = /cached plan must not change result type/;

const isStalePlan = (error: unknown): boolean => {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === '0A000' && typeof e.message === 'string' && STALE_PLAN.test(e.message);
};

const TRANSACTION_START = /^\s*(?:begin|start\s+transaction)\b/i;
const TRANSACTION_END = /^\s*(?:commit|rollback|end|abort)\s*;?\s*$/i;

type Query = (text: unknown, values?: unknown, callback?: unknown) => unknown;

/** Makes `client` name the statements it sends with parameters (see above); the client is pooled and lives as long as its connection. */
export function prepareStatements(client: pg.ClientBase, max = PREPARED_STATEMENTS_PER_CONNECTION): void {
  const names = new Map<string, string>();
  let made = 0;
  let inTransaction = false;
  const query = (client.query as Query).bind(client);
  const rename = (text: string): string | undefined => {
    if (made >= max) {
      names.delete(text);
      return undefined;
    }
    const name = `retail_${made++}`;
    names.set(text, name);
    return name;
  };
  (client as { query: Query }).query = (text, values, callback) => {
    // Only Kysely's form (text and parameters, a promise back): anything else goes as it came.
    if (typeof text !== 'string' || callback !== undefined) return query(text, values, callback);
    if (!Array.isArray(values) || values.length === 0) {
      if (TRANSACTION_START.test(text)) inTransaction = true;
      else if (TRANSACTION_END.test(text)) inTransaction = false;
      return query(text, values);
    }
    const name = names.get(text) ?? rename(text);
    if (name === undefined) return query(text, values);
    const sent = query({ name, text, values }) as Promise<unknown>;
    if (inTransaction) {
      return sent.catch((error: unknown) => {
        if (isStalePlan(error)) rename(text);
        throw error;
      });
    }
    return sent.catch((error: unknown) => {
      if (!isStalePlan(error)) throw error;
      const fresh = rename(text);
      return fresh === undefined ? query(text, values) : query({ name: fresh, text, values });
    });
  };
}
