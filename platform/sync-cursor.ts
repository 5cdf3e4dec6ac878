import type { Kysely } from 'kysely';
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
  const now = new Date();
  await (executor as Kysely<PlatformDb>)
    .insertInto('platform.sync_cursors')
    .values({ name, cursor, last_success_at: now, updated_at: now, last_error: null, last_error_at: null })
    .onConflict((oc) => oc.column('name').doUpdateSet({ cursor, last_success_at: now, updated_at: now, last_error: null, last_error_at: null }))
    .execute();
}

/** Records a failed run; the cursor stays where it was. */
export async function markSyncFailure(executor: Kysely<any>, name: string, error: unknown, initialCursor = '0'): Promise<void> {
  const now = new Date();
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
  await (executor as Kysely<PlatformDb>)
    .insertInto('platform.sync_cursors')
    .values({ name, cursor: initialCursor, last_error: message, last_error_at: now, updated_at: now, last_success_at: null })
    .onConflict((oc) => oc.column('name').doUpdateSet({ last_error: message, last_error_at: now, updated_at: now }))
    .execute();
}
