import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import type { BpCustomer } from '../../../connectors/bonusplus/bonusplus.port.js';
import type { CrmCustomer } from '../../../connectors/retailcrm/retailcrm.port.js';
import { PENDING_BONUSES_TOPIC } from '../../../contracts/pending-bonuses.message.js';
import { AppError } from '../../../platform/errors.js';
import { UpstreamUnavailableError } from '../../../platform/http/upstream-client.js';
import type { PlatformDb } from '../../../platform/platform.migrations.js';
import { normalizePhone, phoneDigits } from '../../../platform/phone.js';
import { differenceOf, type Difference, type ReconciliationSection } from '../../../platform/reconciliation.js';
import { ENROLL_TOPIC } from '../../../contracts/enrollment.message.js';
import type { LoyaltyDeps } from '../loyalty.deps.js';
import { CRM_LOYALTY_FIELDS } from '../crm-card/loyalty-fields.service.js';
import { LOYALTY_FIELDS_TOPIC } from '../crm-card/loyalty-fields.message.js';
import { LOYALTY_REFRESH_TOPIC } from '../../../contracts/loyalty-refresh.message.js';
import { pendingOf } from '../loyalty.model.js';
import type { LoyaltyDb } from '../loyalty.table.js';

/** A reconciliation named by its id; each subgraph resolves its own section of it. */
export interface ReconciliationRef {
  readonly id: string;
}

/** A customer's figure the systems disagree on; `pendingSync` when a loyalty message on its way explains it. */
export interface CustomerDifference extends Difference {
  readonly pendingSync: boolean;
}

export type CustomerReconciliation = ReconciliationSection<CustomerDifference>;

/** One customers' reconciliation: where it got to, so that a run cut off half-way is continued. */
export interface ReconciliationRunsTable {
  id: Generated<number>;
  status: 'running' | 'done';
  /** What is left to do: page through BonusPlus, then RetailCRM, then compare. */
  phase: 'bonusplus' | 'retailcrm' | 'compare';
  /** BonusPlus `customer/list` row to read next (1-based). */
  next_row: Generated<number>;
  /** RetailCRM `customers` page to read next (1-based). */
  next_page: Generated<number>;
  pages_read: Generated<number>;
  /** The worker that may write (a dead one's claim lapses after LEASE_MS without a heartbeat). */
  owner: string | null;
  heartbeat_at: Date | null;
  error: string | null;
  /** The finished comparison, for callers who waited on another caller's run. */
  result: CustomerReconciliation | null;
  started_at: Generated<Date>;
  finished_at: Date | null;
}

/** What a run has read so far, one row per customer per upstream; dropped when the run is done. */
export interface ReconciliationRecordsTable {
  run_id: number;
  system: 'BonusPlus' | 'RetailCRM';
  /** The phone's digits (`7XXXXXXXXXX`), or `crm:<id>` for a card without a usable phone or a second card of a phone. */
  key: string;
  record: BonusPlusRecord | CrmRecord;
}

type Db = Kysely<LoyaltyDb & PlatformDb & { 'loyalty.reconciliation_runs': ReconciliationRunsTable; 'loyalty.reconciliation_records': ReconciliationRecordsTable }>;
type Run = Selectable<ReconciliationRunsTable>;

interface BonusPlusRecord {
  readonly card: string;
  readonly active: number;
  readonly pending: number;
  readonly spent: number;
}

interface CrmRecord {
  readonly id: number;
  readonly externalId: string | null;
  readonly card: unknown;
  readonly active: unknown;
  readonly pending: unknown;
  readonly spent: unknown;
}

// The largest pages each API gives: BonusPlus `rowCount` up to 1000; RetailCRM allows 20/50/100/250,
// 100 as its history sync reads (a page of full customer cards stays a modest answer).
const BONUSPLUS_PAGE = 1000;
const CRM_PAGE = 100;
/** A run whose worker was silent this long (no page read) is taken over by the next caller. */
const LEASE_MS = 60_000;
const WAIT_POLL_MS = 200;

/**
 * Messages whose delivery makes the systems agree on a customer: the enrolment creates the
 * BonusPlus account and fills the card, the fields message writes BonusPlus's figures to the CRM
 * card, the refresh brings them to the read model (and queues the fields when they changed), an
 * order's pending bonuses change what the card and the account page show as pending.
 */
const SYNC_TOPICS = [ENROLL_TOPIC, LOYALTY_FIELDS_TOPIC, LOYALTY_REFRESH_TOPIC, PENDING_BONUSES_TOPIC];

class LostClaim extends Error {}

/**
 * Compares every customer known to BonusPlus (every account, `customer/list` page by page), to
 * RetailCRM (every customer, `customers` page by page) or to the read model, matched by phone:
 * active, pending and spent bonuses and the card number in BonusPlus (the record), on the CRM card
 * (R4) and in the read model as stored (an account the graph never read is not a difference: it is
 * read on demand). A customer BonusPlus or RetailCRM lacks is a difference of `account`. Anything a
 * loyalty message still queued or in flight for that customer explains is marked `pendingSync`.
 *
 * Reads only, through the connectors (paced to the shared upstream budget): one BonusPlus call per
 * 1,000 customers and one RetailCRM call per 100. What each page brought is stored with the run's
 * progress in one transaction, so a run that failed (UPSTREAM_UNAVAILABLE) or whose process died is
 * continued by the next call from the page it had reached. One run at a time: a second caller
 * waits for the run in progress and gets its result.
 */
export async function reconcileCustomers(deps: LoyaltyDeps): Promise<CustomerReconciliation> {
  const db = deps.db as Db;
  const owner = randomUUID();
  let waitingFor: number | undefined;
  for (;;) {
    if (waitingFor !== undefined) {
      const waited = await db.selectFrom('loyalty.reconciliation_runs').select(['status', 'result']).where('id', '=', waitingFor).executeTakeFirst();
      if (waited?.status === 'done' && waited.result) return fromJson(waited.result);
    }
    const claimed = await claimRun(db, owner);
    if ('waitFor' in claimed) {
      waitingFor = claimed.waitFor;
      await sleep(WAIT_POLL_MS);
      continue;
    }
    try {
      return await runToEnd(deps, db, claimed.run, owner);
    } catch (error) {
      if (error instanceof LostClaim) continue;
      await db.updateTable('loyalty.reconciliation_runs').set({ owner: null, error: error instanceof Error ? error.message : String(error) }).where('id', '=', claimed.run.id).where('owner', '=', owner).execute();
      if (error instanceof UpstreamUnavailableError) throw new AppError('UPSTREAM_UNAVAILABLE', `${error.system === 'bonusplus' ? 'BonusPlus' : 'RetailCRM'} is unavailable; the reconciliation continues from where it stopped when asked again`);
      throw error;
    }
  }
}

/**
 * The running run, claimed for `owner` when nobody else is working on it; a new run when none is
 * running; or the run to wait for. Claims are made under a table lock so two callers never both
 * start a run or both take over a lapsed one.
 */
async function claimRun(db: Db, owner: string): Promise<{ run: Run } | { waitFor: number }> {
  return db.transaction().execute(async (trx) => {
    await sql`lock table loyalty.reconciliation_runs in share row exclusive mode`.execute(trx);
    const running = await trx
      .selectFrom('loyalty.reconciliation_runs')
      .selectAll()
      .select(sql<boolean>`owner is null or heartbeat_at is null or heartbeat_at < now() - make_interval(secs => ${LEASE_MS / 1000})`.as('free'))
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (!running) {
      const run = await trx.insertInto('loyalty.reconciliation_runs').values({ status: 'running', phase: 'bonusplus', owner, heartbeat_at: sql<Date>`now()`, error: null, result: null, finished_at: null }).returningAll().executeTakeFirstOrThrow();
      return { run };
    }
    if (!running.free) return { waitFor: running.id };
    const run = await trx.updateTable('loyalty.reconciliation_runs').set({ owner, heartbeat_at: sql<Date>`now()` }).where('id', '=', running.id).returningAll().executeTakeFirstOrThrow();
    return { run };
  });
}

/** Pages through what is left of the run, then compares; every step commits with the run's progress. */
async function runToEnd(deps: LoyaltyDeps, db: Db, start: Run, owner: string): Promise<CustomerReconciliation> {
  let run = start;
  while (run.phase === 'bonusplus') {
    const page = await deps.bonusPlus.listCustomers({ startRow: run.next_row, rowCount: BONUSPLUS_PAGE });
    run = await savePage(db, run, owner, page.length < BONUSPLUS_PAGE ? { phase: 'retailcrm' } : { next_row: run.next_row + page.length }, 'BonusPlus', page.map(bonusPlusEntry));
  }
  while (run.phase === 'retailcrm') {
    const { customers, pagination } = await deps.crm.listCustomers({}, { limit: CRM_PAGE, page: run.next_page });
    const last = customers.length === 0 || run.next_page >= pagination.totalPageCount;
    run = await savePage(db, run, owner, last ? { phase: 'compare' } : { next_page: run.next_page + 1 }, 'RetailCRM', customers.map(crmEntry));
  }
  return db.transaction().execute(async (trx) => {
    const result = await compare(trx, run.id);
    const done = await trx
      .updateTable('loyalty.reconciliation_runs')
      .set({ status: 'done', owner: null, result: JSON.stringify(result) as unknown as CustomerReconciliation, finished_at: sql<Date>`now()` })
      .where('id', '=', run.id)
      .where('owner', '=', owner)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) === 0) throw new LostClaim();
    await trx.deleteFrom('loyalty.reconciliation_records').where('run_id', '=', run.id).execute();
    return result;
  });
}

/**
 * Stores a page's records and the run's next step together, so a page is either read and counted
 * or read again. A run taken over by another worker meanwhile refuses the write (LostClaim).
 */
async function savePage(db: Db, run: Run, owner: string, next: Partial<Pick<Run, 'phase' | 'next_row' | 'next_page'>>, system: 'BonusPlus' | 'RetailCRM', entries: readonly { key: string; record: BonusPlusRecord | CrmRecord }[]): Promise<Run> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('loyalty.reconciliation_runs')
      .set((eb) => ({ ...next, pages_read: eb('pages_read', '+', 1), heartbeat_at: sql<Date>`now()`, error: null }))
      .where('id', '=', run.id)
      .where('owner', '=', owner)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new LostClaim();
    if (entries.length > 0) {
      const rows = entries.map((e) => ({ run_id: run.id, system, key: e.key, record: JSON.stringify(e.record) as unknown as CrmRecord }));
      const stored = new Set((await trx.insertInto('loyalty.reconciliation_records').values(rows).onConflict((oc) => oc.doNothing()).returning('key').execute()).map((r) => r.key));
      // A second CRM card with a phone already seen (R1 says there is none): kept under its own
      // key, so it shows as a card BonusPlus does not know instead of vanishing.
      const duplicates = entries.filter((e) => !stored.has(e.key) && 'id' in e.record).map((e) => ({ run_id: run.id, system, key: `crm:${(e.record as CrmRecord).id}`, record: JSON.stringify(e.record) as unknown as CrmRecord }));
      if (duplicates.length > 0) await trx.insertInto('loyalty.reconciliation_records').values(duplicates).onConflict((oc) => oc.doNothing()).execute();
    }
    return updated;
  });
}

function bonusPlusEntry(customer: BpCustomer): { key: string; record: BonusPlusRecord } {
  return {
    key: customer.phone.replace(/\D/g, ''),
    record: { card: customer.discountCardNumber, active: customer.availableBonuses, pending: customer.notActiveBonuses, spent: customer.debitedBonuses },
  };
}

function crmEntry(customer: CrmCustomer): { key: string; record: CrmRecord } {
  const phone = customer.phones.map((p) => normalizePhone(p.number)).find((p) => p !== undefined);
  const fields = customer.customFields;
  return {
    key: phone ? phoneDigits(phone) : `crm:${customer.id}`,
    record: {
      id: customer.id,
      externalId: customer.externalId ?? null,
      card: fields[CRM_LOYALTY_FIELDS.cardNumber] ?? null,
      active: fields[CRM_LOYALTY_FIELDS.active] ?? null,
      pending: fields[CRM_LOYALTY_FIELDS.pending] ?? null,
      spent: fields[CRM_LOYALTY_FIELDS.spent] ?? null,
    },
  };
}

/** The run's records against the read model as it is now, and the loyalty messages not yet delivered. */
async function compare(db: Db, runId: number): Promise<CustomerReconciliation> {
  const records = await db.selectFrom('loyalty.reconciliation_records').select(['system', 'key', 'record']).where('run_id', '=', runId).execute();
  const bonusPlus = new Map<string, BonusPlusRecord>();
  const crm = new Map<string, CrmRecord>();
  for (const r of records) {
    if (r.system === 'BonusPlus') bonusPlus.set(r.key, fromJson(r.record) as BonusPlusRecord);
    else crm.set(r.key, fromJson(r.record) as CrmRecord);
  }
  // Enrolling accounts have no figures yet; their enrolment message is what is pending.
  const accounts = new Map((await db.selectFrom('loyalty.accounts').selectAll().where('status', '=', 'active').execute()).map((a) => [phoneDigits(a.phone), a]));

  // What live orders will earn is pending on the CRM card and the account page but not yet in
  // BonusPlus (R8): BonusPlus's figure is compared with it added.
  const ordersPendingRows = await db.selectFrom('loyalty.order_pending_bonuses').select(['phone', sql<number>`sum(bonuses)::int`.as('pending')]).where('bonuses', '>', 0).groupBy('phone').execute();
  const ordersPending = new Map(ordersPendingRows.map((r) => [phoneDigits(r.phone), Number(r.pending)]));

  const pendingPhones = new Set<string>();
  const pendingCustomers = new Set<string>();
  const pending = await db.selectFrom('platform.outbox').select('payload').where('status', '=', 'pending').where('topic', 'in', SYNC_TOPICS).execute();
  for (const { payload } of pending) {
    const p = fromJson(payload) as { phone?: unknown; customerId?: unknown };
    if (typeof p.phone === 'string') pendingPhones.add(phoneDigits(p.phone));
    if (typeof p.customerId === 'string') pendingCustomers.add(p.customerId);
  }

  const keys = [...new Set([...bonusPlus.keys(), ...crm.keys(), ...accounts.keys()])].sort();
  const differences: CustomerDifference[] = [];
  for (const key of keys) {
    const bp = bonusPlus.get(key);
    const card = crm.get(key);
    const account = accounts.get(key);
    const customerId = card?.externalId ?? account?.customer_id ?? null;
    const subject = customerId ?? (/^\d+$/.test(key) ? `+${key}` : `RetailCRM customer ${card!.id}`);
    const pendingSync = pendingPhones.has(key) || (customerId !== null && pendingCustomers.has(customerId));
    const found: (Difference | undefined)[] = [];
    if (!bp || !card) {
      found.push({
        subject,
        field: 'account',
        values: [
          { system: 'BonusPlus', value: bp ? bp.card : null },
          { system: 'RetailCRM', value: card ? String(card.id) : null },
          { system: 'graph', value: account ? account.card_number : null },
        ],
      });
    } else {
      // The read model holds only the accounts the graph has read; one it never read is not behind.
      const graph = <T>(value: T) => (account ? { graph: value } : {});
      found.push(
        differenceOf(subject, 'active bonuses', { BonusPlus: bp.active, RetailCRM: card.active, ...graph(account?.available) }),
        differenceOf(subject, 'pending bonuses', { BonusPlus: bp.pending + (ordersPending.get(key) ?? 0), RetailCRM: card.pending, ...graph(account && pendingOf({ ...account, ordersPending: ordersPending.get(key) ?? 0 })) }),
        differenceOf(subject, 'spent bonuses', { BonusPlus: bp.spent, RetailCRM: card.spent, ...graph(account?.spent) }),
        differenceOf(subject, 'card number', { BonusPlus: bp.card, RetailCRM: card.card, ...graph(account?.card_number) }),
      );
    }
    for (const d of found) if (d) differences.push({ ...d, pendingSync });
  }
  return { checked: keys.length, differences };
}

/** A jsonb value as the driver hands it: parsed already by pg and PGlite, a string by some setups. */
function fromJson<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}
