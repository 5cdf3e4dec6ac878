import { sql, type Kysely } from 'kysely';
import type { InventoryDb, SyncRunKind, SyncRunRow } from '../inventory.table.js';

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
 * The unfinished run of this kind, if any: `live` when its process wrote progress within
 * `staleAfterMs`, `abandoned` when it stopped beating (it died) — the next run resumes it.
 */
export async function unfinishedRun(db: Db, kind: SyncRunKind, staleAfterMs: number): Promise<{ run: SyncRunRow; live: boolean } | undefined> {
  const row = await db
    .selectFrom('inventory.sync_runs')
    .selectAll()
    .select(sql<boolean>`heartbeat_at >= now() - ${`${staleAfterMs} milliseconds`}::interval`.as('live'))
    .where('kind', '=', kind)
    .where('status', '=', 'RUNNING')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const { live, ...run } = row;
  return { run, live };
}
