import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from '../../../platform/logger.js';
import type { CatalogSource, SourcePage } from './catalog-source.js';
import type { InventoryDb, SyncRunKind, SyncRunRow } from '../inventory.table.js';
import { unfinishedRun } from './sync-run.repository.js';

type Db = Kysely<InventoryDb>;
type Trx = Transaction<InventoryDb>;

export interface InventorySyncDeps {
  readonly db: Kysely<any>;
  readonly source: CatalogSource;
  readonly logger: Logger;
  /** Rows per 1C request. */
  readonly pageSize?: number;
  /** A run whose process has not written progress for this long is taken to be dead and resumed. */
  readonly staleAfterMs?: number;
  /** Called after every page (progress for the command line). */
  readonly onProgress?: (run: SyncRunRow) => void;
}

interface Phase {
  readonly name: string;
  read(source: CatalogSource, after: string | null, top: number): Promise<SourcePage<object>>;
  stage(trx: Trx, runId: number, rows: readonly object[]): Promise<void>;
}

const stageInto =
  (table: 'inventory.staging_warehouses' | 'inventory.staging_products' | 'inventory.staging_offers' | 'inventory.staging_prices' | 'inventory.staging_barcodes' | 'inventory.staging_stock') =>
  async (trx: Trx, runId: number, rows: readonly object[]) => {
    if (rows.length === 0) return;
    // Postgres takes at most 65535 parameters in one statement.
    for (let i = 0; i < rows.length; i += 2000) {
      await trx.insertInto(table).values(rows.slice(i, i + 2000).map((r) => ({ ...r, run_id: runId })) as never).execute();
    }
  };

const PHASES: Record<string, Phase> = {
  warehouses: { name: 'warehouses', read: async (s) => ({ rows: await s.warehouses(), next: null }), stage: stageInto('inventory.staging_warehouses') },
  products: { name: 'products', read: (s, a, t) => s.products(a, t), stage: stageInto('inventory.staging_products') },
  offers: { name: 'offers', read: (s, a, t) => s.offers(a, t), stage: stageInto('inventory.staging_offers') },
  prices: { name: 'prices', read: (s, a, t) => s.prices(a, t), stage: stageInto('inventory.staging_prices') },
  barcodes: { name: 'barcodes', read: (s, a, t) => s.barcodes(a, t), stage: stageInto('inventory.staging_barcodes') },
  stock: { name: 'stock', read: (s, a, t) => s.stock(a, t), stage: stageInto('inventory.staging_stock') },
};

const PLAN: Record<SyncRunKind, readonly string[]> = {
  CATALOG: ['warehouses', 'products', 'offers', 'prices', 'barcodes', 'stock'],
  STOCK: ['stock'],
};

const STAGING_TABLES = ['staging_warehouses', 'staging_products', 'staging_offers', 'staging_prices', 'staging_barcodes', 'staging_stock'] as const;

/**
 * One sync run from 1C (F9, R16). Pages are written to staging tables together with the run's
 * progress (phase and key), so a run interrupted half-way — its process killed, say — is resumed
 * by the next run from the last page it committed. Only when every page is in does one
 * transaction swap the staged rows into the live read model: readers see the previous run's data
 * or this run's, never a mix. A run that fails on a 1C error is marked FAILED and its staging is
 * dropped; the next scheduled run starts over. While a live run of the same kind is going on, no
 * second one starts: the live run is returned.
 */
export async function runInventorySync(deps: InventorySyncDeps, kind: SyncRunKind, signal?: AbortSignal): Promise<SyncRunRow> {
  const claim = await claimRun(deps, kind);
  return claim.state === 'live' ? claim.run : continueRun(deps, claim.run, signal);
}

export type RunClaim = { readonly state: 'new' | 'resumed' | 'live'; readonly run: SyncRunRow };

/**
 * Registers a run without reading anything yet (`continueRun` does the work): a new one, the
 * interrupted one to resume, or — when a live process is running one — that live run.
 */
export async function claimRun(deps: InventorySyncDeps, kind: SyncRunKind): Promise<RunClaim> {
  const db = deps.db as Db;
  const stale = deps.staleAfterMs ?? 60_000;
  return db.transaction().execute(async (trx) => {
    // One claimer at a time per kind, across processes.
    await sql`select pg_advisory_xact_lock(hashtext(${`inventory-sync-${kind}`}))`.execute(trx);
    const unfinished = await unfinishedRun(trx, kind, stale);
    if (unfinished?.live) return { state: 'live', run: unfinished.run };
    if (unfinished) {
      const dead = unfinished.run;
      const run = await trx.updateTable('inventory.sync_runs').set({ heartbeat_at: sql`now()` }).where('id', '=', dead.id).returningAll().executeTakeFirstOrThrow();
      deps.logger.warn({ runId: dead.id, kind, phase: dead.phase }, 'resuming an interrupted inventory sync');
      return { state: 'resumed', run };
    }
    const run = await trx.insertInto('inventory.sync_runs').values({ kind, status: 'RUNNING', phase: PLAN[kind][0]!, cursor: null, finished_at: null, error: null }).returningAll().executeTakeFirstOrThrow();
    return { state: 'new', run };
  });
}

/**
 * Reads the remaining pages of a claimed run, then swaps it in. Once `signal` is aborted (the
 * process is asked to stop) it ends between pages and leaves the run RUNNING with its heartbeat
 * cleared, so the next claim, in this process or another, resumes it at once from that page.
 */
export async function continueRun(deps: InventorySyncDeps, claimed: SyncRunRow, signal?: AbortSignal): Promise<SyncRunRow> {
  const db = deps.db as Db;
  const top = deps.pageSize ?? 1000;
  const plan = PLAN[claimed.kind];
  let run: SyncRunRow = claimed;
  try {
    for (let p = plan.indexOf(run.phase); p < plan.length; p++) {
      const phase = PHASES[plan[p]!]!;
      let cursor = run.phase === phase.name ? run.cursor : null;
      for (;;) {
        if (signal?.aborted) {
          const paused = await db.updateTable('inventory.sync_runs').set({ heartbeat_at: new Date(0) }).where('id', '=', run.id).returningAll().executeTakeFirstOrThrow();
          deps.logger.info({ runId: run.id, kind: run.kind, phase: run.phase }, 'inventory sync stopped between pages; the next run resumes it');
          return paused;
        }
        const page = await phase.read(deps.source, cursor, top);
        const done = page.next === null;
        const nextPhase = done ? plan[p + 1] : undefined;
        run = await db.transaction().execute(async (trx) => {
          await phase.stage(trx, run.id, page.rows);
          return trx
            .updateTable('inventory.sync_runs')
            .set({
              phase: done ? (nextPhase ?? phase.name) : phase.name,
              cursor: done ? null : page.next,
              rows_read: sql`rows_read + ${page.rows.length}`,
              heartbeat_at: sql`now()`,
            })
            .where('id', '=', run.id)
            .returningAll()
            .executeTakeFirstOrThrow();
        });
        deps.onProgress?.(run);
        if (done) break;
        cursor = page.next;
      }
    }
    run = await db.transaction().execute(async (trx) => {
      if (claimed.kind === 'CATALOG') await swapCatalog(trx, run.id);
      await swapStock(trx, run.id);
      await dropStaging(trx, run.id);
      return trx.updateTable('inventory.sync_runs').set({ status: 'SUCCEEDED', finished_at: sql`now()`, heartbeat_at: sql`now()` }).where('id', '=', run.id).returningAll().executeTakeFirstOrThrow();
    });
    // Fresh statistics after a bulk change, or the planner keeps plans made for an empty catalog.
    if (run.kind === 'CATALOG') await sql`analyze inventory.warehouses, inventory.products, inventory.offers, inventory.stock`.execute(db);
    deps.onProgress?.(run);
    deps.logger.info({ runId: run.id, kind: run.kind, rows: run.rows_read }, 'inventory sync finished');
    return run;
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
    const failed = await db.transaction().execute(async (trx) => {
      await dropStaging(trx, run.id);
      return trx.updateTable('inventory.sync_runs').set({ status: 'FAILED', error: message, finished_at: sql`now()` }).where('id', '=', run.id).returningAll().executeTakeFirstOrThrow();
    });
    deps.onProgress?.(failed);
    deps.logger.warn({ runId: run.id, kind: run.kind, error: message }, 'inventory sync failed; the read model keeps the previous data');
    throw error;
  }
}

async function dropStaging(trx: Trx, runId: number): Promise<void> {
  for (const table of STAGING_TABLES) await sql`delete from ${sql.table(`inventory.${table}`)} where run_id = ${runId}`.execute(trx);
}

async function swapCatalog(trx: Trx, runId: number): Promise<void> {
  await sql`
    insert into inventory.warehouses (id, name, kind, city, address, hold_priority)
    select id, name, kind, city, address, hold_priority from inventory.staging_warehouses where run_id = ${runId}
    on conflict (id) do update set name = excluded.name, kind = excluded.kind, city = excluded.city, address = excluded.address, hold_priority = excluded.hold_priority`.execute(trx);
  await sql`
    insert into inventory.products (id, article, name, brand, category, search_text)
    select distinct on (id) id, article, name, brand, category, search_text from inventory.staging_products where run_id = ${runId}
    on conflict (id) do update set article = excluded.article, name = excluded.name, brand = excluded.brand, category = excluded.category, search_text = excluded.search_text`.execute(trx);
  // Hash joins over the run's staged rows: one pass each, whatever the catalog's size.
  await sql`
    insert into inventory.offers (id, product_id, size, colour, barcode, price)
    select distinct on (o.id) o.id, o.product_id, o.size, o.colour, b.barcode, coalesce(own.price, whole.price)
      from inventory.staging_offers o
      join inventory.products pr on pr.id = o.product_id
      left join (select distinct on (offer_id) offer_id, barcode from inventory.staging_barcodes where run_id = ${runId} order by offer_id, barcode) b on b.offer_id = o.id
      -- The offer's own price, else one set for its product as a whole.
      left join (select distinct on (offer_id) offer_id, price from inventory.staging_prices where run_id = ${runId} order by offer_id) own on own.offer_id = o.id
      left join (select distinct on (offer_id) offer_id, price from inventory.staging_prices where run_id = ${runId} order by offer_id) whole on whole.offer_id = o.product_id
     where o.run_id = ${runId}
     order by o.id
    on conflict (id) do update set product_id = excluded.product_id, size = excluded.size, colour = excluded.colour, barcode = excluded.barcode, price = excluded.price
     where (inventory.offers.product_id, inventory.offers.size, inventory.offers.colour, inventory.offers.barcode, inventory.offers.price)
           is distinct from (excluded.product_id, excluded.size, excluded.colour, excluded.barcode, excluded.price)`.execute(trx);
  await sql`delete from inventory.offers t where not exists (select 1 from inventory.staging_offers s where s.run_id = ${runId} and s.id = t.id)`.execute(trx);
  await sql`delete from inventory.products t where not exists (select 1 from inventory.staging_products s where s.run_id = ${runId} and s.id = t.id)`.execute(trx);
  await sql`delete from inventory.warehouses t where not exists (select 1 from inventory.staging_warehouses s where s.run_id = ${runId} and s.id = t.id)`.execute(trx);
}

async function swapStock(trx: Trx, runId: number): Promise<void> {
  await sql`
    -- 1C lets a balance go negative (a sale booked before its delivery); we show none.
    insert into inventory.stock (offer_id, warehouse_id, in_hand, reserved)
    select s.offer_id, s.warehouse_id, greatest(sum(s.in_hand), 0), greatest(sum(s.reserved), 0)
      from inventory.staging_stock s
      join inventory.offers o on o.id = s.offer_id
      join inventory.warehouses w on w.id = s.warehouse_id
     where s.run_id = ${runId}
     group by s.offer_id, s.warehouse_id
    on conflict (offer_id, warehouse_id) do update set in_hand = excluded.in_hand, reserved = excluded.reserved
     where (inventory.stock.in_hand, inventory.stock.reserved) is distinct from (excluded.in_hand, excluded.reserved)`.execute(trx);
  await sql`
    delete from inventory.stock t
     where not exists (select 1 from inventory.staging_stock s where s.run_id = ${runId} and s.offer_id = t.offer_id and s.warehouse_id = t.warehouse_id)`.execute(trx);
}
