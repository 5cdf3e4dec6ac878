import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { CustomerDb, ShowroomImportFailureRow, ShowroomImportRunRow } from '../customer.table.js';

type Db = Kysely<CustomerDb>;

export async function listImportRuns(db: Db, last: number): Promise<ShowroomImportRunRow[]> {
  return db.selectFrom('customer.showroom_import_runs').selectAll().orderBy('id', 'desc').limit(last).execute();
}

export async function findImportRun(db: Db, id: number): Promise<ShowroomImportRunRow | undefined> {
  return db.selectFrom('customer.showroom_import_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The first `first` failures of a run, in the order they happened. */
export async function listImportFailures(db: Db, runId: number, first: number): Promise<ShowroomImportFailureRow[]> {
  return db
    .selectFrom('customer.showroom_import_failures')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('failed_at')
    .orderBy('bonusplus_id')
    .limit(first)
    .execute();
}

/** The newest run, and whether its process wrote progress within `staleAfterMs`. */
export async function latestImportRun(db: Db, staleAfterMs: number): Promise<{ run: ShowroomImportRunRow; live: boolean } | undefined> {
  const row = await db
    .selectFrom('customer.showroom_import_runs')
    .selectAll()
    .select(sql<boolean>`heartbeat_at >= now() - ${`${staleAfterMs} milliseconds`}::interval`.as('live'))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const { live, ...run } = row;
  return { run, live };
}

export async function insertImportRun(db: Db): Promise<ShowroomImportRunRow> {
  return db
    .insertInto('customer.showroom_import_runs')
    .values({ status: 'RUNNING', owner: randomUUID(), finished_at: null, error: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Takes an unfinished run over under a new owner: the previous worker, if it still lives, can no longer write to it. */
export async function takeOverImportRun(db: Db, id: number): Promise<ShowroomImportRunRow> {
  return db
    .updateTable('customer.showroom_import_runs')
    .set({ status: 'RUNNING', owner: randomUUID(), heartbeat_at: sql`now()`, finished_at: null, error: null })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface ImportTally {
  readonly read: number;
  readonly imported: number;
  readonly alreadyKnown: number;
  readonly failed: number;
}

export const NO_TALLY: ImportTally = { read: 0, imported: 0, alreadyKnown: 0, failed: 0 };

export const addTally = (a: ImportTally, b: Partial<ImportTally>): ImportTally => ({
  read: a.read + (b.read ?? 0),
  imported: a.imported + (b.imported ?? 0),
  alreadyKnown: a.alreadyKnown + (b.alreadyKnown ?? 0),
  failed: a.failed + (b.failed ?? 0),
});

/**
 * Adds to the run's counts and moves its position, if `owner` still owns it; undefined when the
 * run was taken over (or finished) meanwhile.
 */
export async function advanceImportRun(db: Db, run: { id: number; owner: string }, nextRow: number, tally: ImportTally): Promise<ShowroomImportRunRow | undefined> {
  return db
    .updateTable('customer.showroom_import_runs')
    .set({
      next_row: nextRow,
      customers_read: sql`customers_read + ${tally.read}`,
      imported: sql`imported + ${tally.imported}`,
      already_known: sql`already_known + ${tally.alreadyKnown}`,
      failed: sql`failed + ${tally.failed}`,
      heartbeat_at: sql`now()`,
    })
    .where('id', '=', run.id)
    .where('owner', '=', run.owner)
    .where('status', '=', 'RUNNING')
    .returningAll()
    .executeTakeFirst();
}

export async function finishImportRun(
  db: Db,
  run: { id: number; owner: string },
  outcome: { status: 'SUCCEEDED' } | { status: 'FAILED'; error: string },
): Promise<ShowroomImportRunRow | undefined> {
  return db
    .updateTable('customer.showroom_import_runs')
    .set({ status: outcome.status, error: outcome.status === 'FAILED' ? outcome.error : null, finished_at: sql`now()`, heartbeat_at: sql`now()` })
    .where('id', '=', run.id)
    .where('owner', '=', run.owner)
    .where('status', '=', 'RUNNING')
    .returningAll()
    .executeTakeFirst();
}

/** Marks a run stopped by a shutdown between two customers; the next start continues it at once. */
export async function stopImportRun(db: Db, run: { id: number; owner: string }): Promise<void> {
  await db
    .updateTable('customer.showroom_import_runs')
    .set({ status: 'STOPPED', heartbeat_at: sql`now()` })
    .where('id', '=', run.id)
    .where('owner', '=', run.owner)
    .where('status', '=', 'RUNNING')
    .execute();
}

export async function recordImportFailures(db: Db, runId: number, failures: readonly { bonusPlusId: number; phone: string; reason: string }[]): Promise<void> {
  if (failures.length === 0) return;
  await db
    .insertInto('customer.showroom_import_failures')
    .values(failures.map((f) => ({ run_id: runId, bonusplus_id: f.bonusPlusId, phone: f.phone, reason: f.reason.slice(0, 1000) })))
    .onConflict((oc) => oc.columns(['run_id', 'bonusplus_id']).doUpdateSet((eb) => ({ reason: eb.ref('excluded.reason'), failed_at: sql`now()` })))
    .execute();
}

/** Phones of `phones` that a customer of the read model already has. */
export async function knownPhones(db: Db, phones: readonly string[]): Promise<Set<string>> {
  if (phones.length === 0) return new Set();
  const rows = await db.selectFrom('customer.customers').select('phone').where('phone', 'in', [...phones]).execute();
  return new Set(rows.map((r) => r.phone!));
}

/**
 * Our id for the showroom customer with this phone: claimed (committed) once, before RetailCRM is
 * asked, and the same on every later attempt.
 */
export async function claimShowroomCustomerId(db: Db, phone: string, bonusPlusId: number, runId: number): Promise<string> {
  await db
    .insertInto('customer.showroom_imports')
    .values({ phone, customer_id: randomUUID(), bonusplus_id: bonusPlusId, run_id: runId, retailcrm_id: null, imported_at: null })
    .onConflict((oc) => oc.column('phone').doNothing())
    .execute();
  const row = await db.selectFrom('customer.showroom_imports').select('customer_id').where('phone', '=', phone).executeTakeFirstOrThrow();
  return row.customer_id;
}

export async function markShowroomCustomerImported(db: Db, phone: string, retailCrmId: number): Promise<void> {
  await db.updateTable('customer.showroom_imports').set({ retailcrm_id: retailCrmId, imported_at: sql`coalesce(imported_at, now())` }).where('phone', '=', phone).execute();
}

/**
 * Holds a phone in `customer.registrations` as a registration does, so a sign-up and the import
 * never both create it in RetailCRM. Unlike a registration's, the hold is taken again by the same
 * customer id (the import resuming its own attempt), as well as from a hold gone stale.
 */
export async function holdPhoneForImport(db: Db, phone: string, customerId: string, staleAfterMs: number): Promise<boolean> {
  const row = await db
    .insertInto('customer.registrations')
    .values({ phone, customer_id: customerId })
    .onConflict((oc) =>
      oc
        .column('phone')
        .doUpdateSet({ customer_id: customerId, started_at: sql`now()` })
        .where((eb) =>
          eb.or([
            eb('customer.registrations.customer_id', '=', customerId),
            eb('customer.registrations.started_at', '<', sql<Date>`now() - ${`${staleAfterMs} milliseconds`}::interval`),
          ]),
        ),
    )
    .returning('customer_id')
    .executeTakeFirst();
  return row !== undefined;
}
