import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { createDatabase } from './database.js';
import { prepareStatements } from './prepared-statements.js';

// Named prepared statements are a Postgres connection's; PGlite runs in the process and has none.
const onPostgres = !!process.env.DATABASE_URL;

let base: TestDatabase;
const opened: Kysely<any>[] = [];
/** A one-connection handle on the test database, so that `pg_prepared_statements` shows the connection the statements went on. */
const oneConnection = (preparedStatements?: boolean) => {
  const db = createDatabase({ kind: 'postgres', url: base.url!, poolSize: 1, ...(preparedStatements === undefined ? {} : { preparedStatements }) });
  opened.push(db);
  return db;
};
const prepared = async (db: Kysely<any>) =>
  (await sql<{ statement: string }>`select statement from pg_prepared_statements order by prepare_time`.execute(db)).rows.map((r) => r.statement);

beforeAll(async () => {
  base = await createTestDatabase();
  if (!onPostgres) return;
  await sql`create table shoes (id int primary key, size int)`.execute(base.db);
  await sql`insert into shoes values (1, 42), (2, 43), (3, 44)`.execute(base.db);
});
afterAll(async () => {
  await Promise.all(opened.map((db) => db.destroy()));
  await base?.close();
});

describe.skipIf(!onPostgres)('named prepared statements (Postgres)', () => {
  it('a statement with parameters is prepared once per connection and used again; one without is not', async () => {
    const db = oneConnection();
    for (const id of [1, 2, 3, 2]) {
      const row = await db.selectFrom('shoes').select('size').where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.size).toBe(40 + id + 1);
    }
    await sql`select count(*) from shoes`.execute(db);
    expect(await prepared(db)).toEqual(['select "size" from "shoes" where "id" = $1']);
  });

  it('DATABASE_PREPARED_STATEMENTS=false sends every statement unnamed', async () => {
    const db = oneConnection(false);
    await db.selectFrom('shoes').select('size').where('id', '=', 1).execute();
    await db.selectFrom('shoes').select('size').where('id', '=', 1).execute();
    expect(await prepared(db)).toEqual([]);
  });

  it('names at most so many statements per connection, and sends the rest unnamed', async () => {
    // Kysely's way of asking: a pooled client's query(text, parameters), a promise back.
    const client = new pg.Client({ connectionString: base.url });
    await client.connect();
    prepareStatements(client, 3);
    try {
      for (let n = 1; n <= 6; n++) {
        // Six texts: the in-list's length makes each one another statement.
        const ids = Array.from({ length: n }, (_v, i) => i + 1);
        const { rows } = await client.query(`select count(*)::int as n from shoes where id in (${ids.map((_v, i) => `$${i + 1}`).join(', ')})`, ids);
        expect(rows[0].n).toBe(Math.min(n, 3));
      }
      const { rows } = await client.query('select count(*)::int as n from pg_prepared_statements');
      expect(rows[0].n).toBe(3);
    } finally {
      await client.end();
    }
  });

  it('a table whose columns changed under a prepared statement (a newer release migrating mid-deploy) is read again, not refused', async () => {
    await sql`create table coats (id int primary key, colour text)`.execute(base.db);
    await sql`insert into coats values (1, 'red')`.execute(base.db);
    const db = oneConnection();
    const read = () => db.selectFrom('coats').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
    expect(await read()).toEqual({ id: 1, colour: 'red' });
    await sql`alter table coats add column lining boolean default true`.execute(base.db);
    // Outside a transaction: prepared again and sent once more.
    expect(await read()).toEqual({ id: 1, colour: 'red', lining: true });
    await sql`alter table coats add column length int default 90`.execute(base.db);
    // Inside one: Postgres's refusal stands (the transaction is lost with it), and the next use is prepared anew.
    await expect(db.transaction().execute(async (trx) => trx.selectFrom('coats').selectAll().where('id', '=', 1).execute())).rejects.toThrow(/cached plan must not change result type/);
    expect(await db.transaction().execute(async (trx) => trx.selectFrom('coats').selectAll().where('id', '=', 1).executeTakeFirstOrThrow())).toEqual({ id: 1, colour: 'red', lining: true, length: 90 });
    expect(await read()).toEqual({ id: 1, colour: 'red', lining: true, length: 90 });
  });
});
