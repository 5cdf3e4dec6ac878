import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite.dialect.js';
import { prepareStatements } from './prepared-statements.js';
import { countStatement } from './statement-counter.js';

/** Where the data lives: a real Postgres by URL, or PGlite in a folder or in memory. */
export type DatabaseOptions = Readonly<
  (
    | {
        kind: 'postgres';
        url: string;
        poolSize?: number;
        /** Statements with parameters go as named prepared statements (`prepared-statements.ts`); on unless false. */
        preparedStatements?: boolean;
      }
    | { kind: 'pglite'; dataDir?: string }
  ) & {
    /** Called for every query run (tests and benchmarks count them). */
    onQuery?: (event: LogEvent) => void;
    /** Called when a pooled connection fails, idle or in use (logged by services; the pool recovers by itself). */
    onPoolError?: (error: Error) => void;
  }
>;

/**
 * The one database handle of a process. Modules keep their tables in their own Postgres schema
 * and view this handle through their own table interfaces (`db as Kysely<CustomerDb>`).
 */
export type Database = Kysely<any>;

const INT8_OID = 20;
const NUMERIC_OID = 1700;

// Counts (count(*), sums) arrive as int8/numeric; every figure we keep fits a JS number.
const toNumber = (value: string) => Number(value);

export function createDatabase(options: DatabaseOptions): Database {
  // Every statement, `begin` and `commit` included, is counted by its sender (statement-counter.ts).
  const log = (event: LogEvent) => {
    countStatement(event.query.sql);
    options.onQuery?.(event);
  };
  if (options.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID || oid === NUMERIC_OID ? toNumber : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle connection the server closes (a restart, a failover) must not take the process down:
    // the pool drops it and opens another on the next query.
    pool.on('error', (error) => options.onPoolError?.(error));
    // The pool listens only to its idle clients. One that is checked out (a transaction waiting on
    // JavaScript, a relay between statements) when its backend is terminated emits 'error' with
    // no listener, which kills the process. Each client keeps a listener of its own for its whole
    // life: the failure reaches the query that uses it next, and the pool discards the client when
    // it comes back unqueryable.
    pool.on('connect', (client) => {
      client.on('error', (error) => options.onPoolError?.(error));
      if (options.preparedStatements !== false) prepareStatements(client);
    });
    return new Kysely({ dialect: new PostgresDialect({ pool }), log });
  }
  const pglite = new PGlite({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    parsers: { [INT8_OID]: toNumber, [NUMERIC_OID]: toNumber },
  });
  return new Kysely({ dialect: new PGliteDialect(pglite), log });
}

/** Reads the database choice from `DATABASE_URL`; PGlite in `dataDir` (or memory) otherwise. */
export function databaseOptionsFrom(url: string | undefined, pgliteDataDir?: string, preparedStatements?: boolean): DatabaseOptions {
  if (url) return preparedStatements === undefined ? { kind: 'postgres', url } : { kind: 'postgres', url, preparedStatements };
  return pgliteDataDir ? { kind: 'pglite', dataDir: pgliteDataDir } : { kind: 'pglite' };
}
