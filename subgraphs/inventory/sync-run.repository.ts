import { sql, type Kysely } from 'kysely';
import type { InventoryDb, SyncRunKind, SyncRunRow } from './inventory.table.js';

type Db = Kysely<InventoryDb>;

export async function lastSucceededRun(db: Db, kind: SyncRunKind): Promise<SyncRunRow | undefined> {
  return db.selectFrom('inventory.sync_runs').selectAll().where('kind', '=', kind).where('status', '=', 'SUCCEEDED').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** The last run that brought stock in: a stock run, or a catalog run (which reads stock too). */
export async function lastStockSnapshot(db: Db): Promise<SyncRunRow | undefined> {
  return db.selectFrom('inventory.sync_runs').selectAll().where('status', '=', 'SUCCEEDED').orderBy('finished_at', 'desc').limit(1).executeTakeFirst();
}

export async function listRuns(db: Db, last: number): Promise<SyncRunRow[]> {
  return db.selectFrom('inventory.sync_runs').selectAll().orderBy('id', 'desc').limit(last).execute();
}

/**
 * The unfinished run of this kind whose process has stopped beating (it died): the next run
 * resumes it instead of starting over.
 */
export async function abandonedRun(db: Db, kind: SyncRunKind, staleAfterMs: number): Promise<SyncRunRow | undefined> {
  return db
    .selectFrom('inventory.sync_runs')
    .selectAll()
    .where('kind', '=', kind)
    .where('status', '=', 'RUNNING')
    .where('heartbeat_at', '<', sql<Date>`now() - ${`${staleAfterMs} milliseconds`}::interval`)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** A run of this kind still in progress in a live process. */
export async function liveRun(db: Db, kind: SyncRunKind, staleAfterMs: number): Promise<SyncRunRow | undefined> {
  return db
    .selectFrom('inventory.sync_runs')
    .selectAll()
    .where('kind', '=', kind)
    .where('status', '=', 'RUNNING')
    .where('heartbeat_at', '>=', sql<Date>`now() - ${`${staleAfterMs} milliseconds`}::interval`)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
