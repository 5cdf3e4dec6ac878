import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Database } from '../../platform/db/database.js';

export interface TestDatabase {
  readonly db: Database;
  /** The URL of the fresh Postgres database, when the suite runs on Postgres. */
  readonly url: string | undefined;
  /** Queries run so far on this database (reset it to count a span). */
  readonly queries: { count: number };
  close(): Promise<void>;
}

/**
 * A fresh, empty database for one test file: a new database on the Postgres of `DATABASE_URL`
 * (dropped afterwards), or an in-memory PGlite when no URL is set. Tests then run the real
 * migrations on it.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  const queries = { count: 0 };
  const onQuery = () => void queries.count++;
  if (!adminUrl) {
    const db = createDatabase({ kind: 'pglite', onQuery });
    return { db, url: undefined, queries, close: () => db.destroy() };
  }
  const name = `retail_graph_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createDatabase({ kind: 'postgres', url: url.toString(), poolSize: 20, onQuery });
  return {
    db,
    url: url.toString(),
    queries,
    async close() {
      await db.destroy();
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}
