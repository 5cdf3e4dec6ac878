import { sql, type Kysely } from 'kysely';
import { Gauge, register } from 'prom-client';

/**
 * Figures a process reads from the database when `/metrics` is scraped (prom-client `collect()`
 * callbacks): nothing is counted on the write paths, and a scrape always sees the rows as they are.
 *
 * - `outbox_pending_messages{topic}` and `outbox_oldest_pending_age_seconds{topic}`: the shared
 *   queue's depth and how long its oldest pending message has waited. The outbox is one table for
 *   the whole graph, so every subgraph process reports the same figures (aggregate with `max`).
 * - `sync_lag_seconds{source}`: how long since a source this process reads was last read
 *   successfully (a change feed's `platform.sync_cursors.last_success_at`, the end of the
 *   inventory's last good snapshot run); `sync_failing{source}` is 1 while its last run failed.
 * - `active_holds{kind}` and `held_units{kind}`: stock holds not yet committed or released (units
 *   held), and orders whose spent bonuses are held in BonusPlus (bonuses held).
 *
 * A query that fails (the database down, a table not migrated yet) leaves its family empty for that
 * scrape rather than failing the scrape: the process's other figures still matter then.
 */

export type HoldKind = 'stock' | 'bonus';

export interface DatabaseFigures {
  /** Report the outbox's pending messages per topic. */
  readonly outbox?: boolean;
  /** The sync cursors (change feeds) this process moves. */
  readonly syncSources?: readonly string[];
  /** The inventory's snapshot runs from 1C (`inventory.sync_runs`): sources `inventory.onec-catalog` and `inventory.onec-stock`. */
  readonly inventoryRuns?: boolean;
  /** The holds this process keeps: stock (inventory), bonus (order). */
  readonly holds?: readonly HoldKind[];
}

interface Tracked extends DatabaseFigures {
  readonly db: Kysely<any>;
}

const tracked = new Set<Tracked>();
/** Topics seen once stay at 0 when their queue empties, rather than vanishing from the figures. */
const seenTopics = new Set<string>();

const gauge = (name: string, help: string, labelNames: string[], collect: (this: Gauge<string>) => Promise<void>): Gauge<string> =>
  (register.getSingleMetric(name) as Gauge<string> | undefined) ?? new Gauge({ name, help, labelNames, collect });

/**
 * One read for the families that share it: prom-client collects every family of a scrape at once,
 * so they join the read in flight; the next scrape reads again.
 */
function perScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    if (!inFlight) {
      const current = read();
      inFlight = current;
      const done = () => {
        if (inFlight === current) inFlight = undefined;
      };
      current.then(done, done);
    }
    return inFlight;
  };
}

interface OutboxRow {
  topic: string;
  pending: number;
  age: number;
}

const readOutbox = perScrape(async (): Promise<OutboxRow[] | undefined> => {
  const owner = [...tracked].find((t) => t.outbox);
  if (!owner) return undefined;
  const { rows } = await sql<OutboxRow>`
    select topic, count(*)::int as pending, coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as age
      from platform.outbox where status = 'pending' group by topic`.execute(owner.db);
  return rows;
});

async function collectOutbox(this: Gauge<string>, field: 'pending' | 'age'): Promise<void> {
  this.reset();
  const rows = await readOutbox().catch(() => undefined);
  if (!rows) return;
  for (const row of rows) seenTopics.add(row.topic);
  for (const topic of seenTopics) this.set({ topic }, Number(rows.find((r) => r.topic === topic)?.[field] ?? 0));
}

gauge('outbox_pending_messages', 'Outbox messages waiting to be delivered, per topic', ['topic'], async function () {
  await collectOutbox.call(this, 'pending');
});
gauge('outbox_oldest_pending_age_seconds', 'How long the oldest pending outbox message of each topic has waited (0 when none)', ['topic'], async function () {
  await collectOutbox.call(this, 'age');
});

interface SyncRow {
  name: string;
  lag: number | null;
  failing: boolean;
}

const readSync = perScrape(async (): Promise<SyncRow[]> => {
  const rows: SyncRow[] = [];
  for (const t of tracked) {
    if (!t.syncSources?.length) continue;
    const found = await sql<SyncRow>`
      select name, extract(epoch from now() - last_success_at)::float8 as lag,
             (last_error_at is not null and (last_success_at is null or last_error_at > last_success_at)) as failing
        from platform.sync_cursors where name = any(${[...t.syncSources]}::text[])`
      .execute(t.db)
      .catch(() => undefined);
    rows.push(...(found?.rows ?? []));
  }
  for (const t of tracked) {
    if (!t.inventoryRuns) continue;
    // Newest first on (kind, id desc): each answer is a few rows' walk, however many runs are kept.
    const found = await sql<SyncRow>`
      select 'inventory.onec-' || lower(k.kind) as name,
             (select extract(epoch from now() - r.finished_at)::float8 from inventory.sync_runs r
               where r.kind = k.kind and r.status = 'SUCCEEDED' order by r.id desc limit 1) as lag,
             coalesce((select r.status = 'FAILED' from inventory.sync_runs r
               where r.kind = k.kind and r.status <> 'RUNNING' order by r.id desc limit 1), false) as failing
        from (values ('CATALOG'), ('STOCK')) as k(kind)`
      .execute(t.db)
      .catch(() => undefined);
    rows.push(...(found?.rows ?? []));
  }
  return rows;
});

gauge('sync_lag_seconds', 'Seconds since each change feed was last read successfully', ['source'], async function () {
  this.reset();
  for (const row of await readSync()) if (row.lag !== null) this.set({ source: row.name }, Number(row.lag));
});
gauge('sync_failing', '1 while the last run of a change feed failed, else 0', ['source'], async function () {
  this.reset();
  for (const row of await readSync()) this.set({ source: row.name }, row.failing ? 1 : 0);
});

const HOLD_QUERIES: Record<HoldKind, ReturnType<typeof sql<{ holds: number; units: number }>>> = {
  stock: sql`
    select count(distinct h.id)::int as holds, coalesce(sum(l.quantity), 0)::int as units
      from inventory.stock_holds h left join inventory.stock_hold_lines l on l.hold_id = h.id
     where h.status = 'ACTIVE'`,
  bonus: sql`select count(*)::int as holds, coalesce(sum(bonuses_spent), 0)::int as units from ordering.orders where bonus_hold = 'HELD'`,
};

const readHolds = perScrape(async (): Promise<{ kind: HoldKind; holds: number; units: number }[]> => {
  const rows: { kind: HoldKind; holds: number; units: number }[] = [];
  for (const t of tracked) {
    for (const kind of t.holds ?? []) {
      const found = await HOLD_QUERIES[kind].execute(t.db).catch(() => undefined);
      const row = found?.rows[0];
      if (row) rows.push({ kind, holds: Number(row.holds), units: Number(row.units) });
    }
  }
  return rows;
});

gauge('active_holds', 'Holds in force: stock holds not committed or released, orders with bonuses held in BonusPlus', ['kind'], async function () {
  this.reset();
  for (const row of await readHolds()) this.set({ kind: row.kind }, row.holds);
});
gauge('held_units', 'What the active holds keep: units of stock, bonuses', ['kind'], async function () {
  this.reset();
  for (const row of await readHolds()) this.set({ kind: row.kind }, row.units);
});

/** Reports these figures of `db` on this process's `/metrics` until the returned function is called. */
export function trackDatabaseFigures(db: Kysely<any>, figures: DatabaseFigures): () => void {
  const entry: Tracked = { db, ...figures };
  tracked.add(entry);
  return () => {
    tracked.delete(entry);
  };
}
