import type { Kysely } from 'kysely';
import type { BpCustomer, BpCustomerFilter } from '../../../connectors/bonusplus/bonusplus.port.js';
import { enqueue } from '../../../platform/outbox.js';
import { phoneFromDigits } from '../../../platform/phone.js';
import { markSyncFailure, readCursor, saveCursor } from '../../../platform/sync-cursor.js';
import type { LoyaltyDeps } from '../loyalty.deps.js';
import { findAccountsByPhones, saveBonusPlusFigures } from '../loyalty.repository.js';
import type { LoyaltyDb } from '../loyalty.table.js';
import { loyaltyFieldsMessage } from './loyalty-fields.message.js';

/** The follow run's position in `platform.sync_cursors`. */
export const BONUSPLUS_FOLLOW_CURSOR = 'loyalty.bonusplus-follow';
/** Customers per `customer/list` call: BonusPlus's most. */
const PAGE = 1000;
/**
 * Each run looks this far behind the previous run's start: BonusPlus's clock is not ours, and a
 * change committed after our read carries the time its transaction began.
 */
const OVERLAP_MS = 5 * 60_000;
/**
 * Bonuses that activate or burn by the clock change the figures without (as far as anyone knows)
 * changing the customer's `lastUpdateDate`, so every so often a run reads every account instead.
 */
const FULL_SCAN_EVERY_MS = 24 * 3600_000;

export interface BonusPlusFollowRun {
  /** `full`: every BonusPlus customer; `changed`: those changed since the previous run. */
  readonly mode: 'full' | 'changed';
  /** `customer/list` calls made. */
  readonly pages: number;
  /** Customers read that have an active account here (the others are not ours yet: enrolment and import adopt them). */
  readonly accounts: number;
  /** Accounts whose figures had changed: their CRM card is queued to follow. */
  readonly changed: number;
  /** Asked to stop before the last page: the next run reads the same window again. */
  readonly stopped: boolean;
}

interface FollowState {
  /** When the last complete run started (our clock). */
  readonly since: string;
  /** When the last complete full scan started. */
  readonly fullScanAt: string;
}

function stateOf(cursor: string | undefined): FollowState | undefined {
  try {
    const state = JSON.parse(cursor ?? '') as Partial<FollowState>;
    return typeof state.since === 'string' && typeof state.fullScanAt === 'string' ? (state as FollowState) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Follows BonusPlus's own changes to the CRM card without waiting for a reader (R4): a bonus
 * credited by a program rule, an expiry written off, an edit in BonusPlus's cabinet. BonusPlus
 * pushes nothing we can rely on (its webhook needs a public URL and is fire-and-forget), so this
 * pages through `customer/list` filtered by `lastUpdateDate` since the previous run (usually one
 * call), and through every customer once a day. Changed figures are stored and queued for the
 * card through the loyalty-fields message. Asked to stop, it ends between pages without moving its
 * cursor; a failed run leaves the cursor too, so the next one reads the window again.
 */
export async function followBonusPlus(deps: LoyaltyDeps, options: { signal?: AbortSignal; pageSize?: number } = {}): Promise<BonusPlusFollowRun> {
  const db = deps.db as Kysely<LoyaltyDb>;
  const startedAt = new Date();
  const state = stateOf((await readCursor(db, BONUSPLUS_FOLLOW_CURSOR))?.cursor);
  const full = !state || startedAt.getTime() - Date.parse(state.fullScanAt) >= FULL_SCAN_EVERY_MS;
  const filter: BpCustomerFilter = full || !state ? {} : { lastUpdateDate: [{ from: new Date(Date.parse(state.since) - OVERLAP_MS) }] };
  const pageSize = options.pageSize ?? PAGE;
  const run = { mode: full ? ('full' as const) : ('changed' as const), pages: 0, accounts: 0, changed: 0, stopped: false };
  try {
    for (let startRow = 1; ; startRow += pageSize) {
      if (options.signal?.aborted) {
        run.stopped = true;
        break;
      }
      const page = await deps.bonusPlus.listCustomers({ ...filter, startRow, rowCount: pageSize });
      run.pages++;
      await applyPage(deps, page, run);
      // A customer changed while we page may move into an earlier page and push one out of a later
      // one: the next run's window (and the daily full scan) reads it again.
      if (page.length < pageSize) break;
    }
  } catch (error) {
    await markSyncFailure(db, BONUSPLUS_FOLLOW_CURSOR, error, '');
    throw error;
  }
  if (!run.stopped) {
    const since = startedAt.toISOString();
    await saveCursor(db, BONUSPLUS_FOLLOW_CURSOR, JSON.stringify({ since, fullScanAt: full ? since : state!.fullScanAt } satisfies FollowState));
  }
  if (run.changed > 0) deps.logger.info(run, 'BonusPlus changes queued for the CRM cards');
  return run;
}

async function applyPage(deps: LoyaltyDeps, page: readonly BpCustomer[], run: { accounts: number; changed: number }): Promise<void> {
  const byPhone = new Map<string, BpCustomer>();
  for (const bp of page) {
    const phone = phoneFromDigits(bp.phone);
    if (phone) byPhone.set(phone, bp);
  }
  await (deps.db as Kysely<LoyaltyDb>).transaction().execute(async (trx) => {
    const ours = (await findAccountsByPhones(trx, [...byPhone.keys()])).filter((a) => a.status === 'active');
    run.accounts += ours.length;
    for (const change of await saveBonusPlusFigures(trx, ours.map((a) => ({ phone: a.phone, bp: byPhone.get(a.phone)! })))) {
      if (!change.changed || !change.customerId) continue;
      run.changed++;
      await enqueue(trx, loyaltyFieldsMessage(change.phone, change.customerId));
    }
  });
}
