import { sql, type Kysely } from 'kysely';
import type { PlatformDb, SyncCursorsTable } from './platform.migrations.js';
import type { Selectable } from 'kysely';

export type SyncCursor = Selectable<SyncCursorsTable>;

/** The stored position of a change feed, or undefined before the first run. */
export async function readCursor(executor: Kysely<any>, name: string): Promise<SyncCursor | undefined> {
  return (executor as Kysely<PlatformDb>).selectFrom('platform.sync_cursors').selectAll().where('name', '=', name).executeTakeFirst();
}

/**
 * Moves a feed forward. Call it in the same transaction as the read-model writes of that page,
 * so a crash never leaves the cursor ahead of the data (or the data ahead of the cursor).
 */
export async function saveCursor(executor: Kysely<any>, name: string, cursor: string): Promise<void> {
  // The database's clock: `takeScheduledTurn` compares it with the database's own.
  const now = sql<Date>`now()`;
  await (executor as Kysely<PlatformDb>)
    .insertInto('platform.sync_cursors')
    .values({ name, cursor, last_success_at: now, updated_at: now, last_error: null, last_error_at: null })
    .onConflict((oc) => oc.column('name').doUpdateSet({ cursor, last_success_at: now, updated_at: now, last_error: null, last_error_at: null }))
    .execute();
}

/**
 * A scheduled run's turn at the feed `name`: false when a process (this one or a replica) started
 * or ended a run of it less than three quarters of `intervalMs` ago (a process's own next tick
 * comes a whole interval after its run, and so is never refused), else true, and the turn is
 * taken (in one statement, so that of two replicas asking at once one gets it). Replicas then read
 * the feed once an interval between them, not once each: RetailCRM's history pages come out of
 * the ten requests a second the whole retailer has, and two runs of one page at once would each
 * read its customers. A feed never stored takes its first run.
 */
export async function takeScheduledTurn(executor: Kysely<any>, name: string, intervalMs: number): Promise<boolean> {
  const result = await sql<{ taken: boolean; known: boolean }>`
    with taken as (
      update platform.sync_cursors set updated_at = now()
       where name = ${name} and updated_at <= now() - ${Math.round(intervalMs * 0.75)} * interval '1 millisecond'
      returning name)
    select exists (select 1 from taken) as taken, exists (select 1 from platform.sync_cursors where name = ${name}) as known`.execute(executor);
  const row = result.rows[0];
  return row === undefined || row.taken || !row.known;
}

/** Records a failed run; the cursor stays where it was. */
export async function markSyncFailure(executor: Kysely<any>, name: string, error: unknown, initialCursor = '0'): Promise<void> {
  const now = sql<Date>`now()`;
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
  await (executor as Kysely<PlatformDb>)
    .insertInto('platform.sync_cursors')
    .values({ name, cursor: initialCursor, last_error: message, last_error_at: now, updated_at: now, last_success_at: null })
    .onConflict((oc) => oc.column('name').doUpdateSet({ last_error: message, last_error_at: now, updated_at: now }))
    .execute();
}
