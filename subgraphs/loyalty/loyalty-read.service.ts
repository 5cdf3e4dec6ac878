import type { Kysely } from 'kysely';
import type { BpTransaction } from '../../connectors/bonusplus/bonusplus.port.js';
import { eachAtMost } from '../../platform/concurrency.js';
import { AppError } from '../../platform/errors.js';
import { runAsBackground } from '../../platform/http/upstream-budget.js';
import { UpstreamUnavailableError } from '../../platform/http/upstream-client.js';
import { enqueue } from '../../platform/outbox.js';
import { phoneDigits, phoneFromDigits } from '../../platform/phone.js';
import type { LoyaltyDeps } from './loyalty.deps.js';
import { findAccountsByPhones, hasStoredLedger, type AccountView, ordersPendingByPhones, listCardTypes, saveAccountDetails, saveBonusPlusFigures, saveCardTypes, storedTransactionIds } from './loyalty.repository.js';
import type { ServedAccountRow } from './loyalty.model.js';
import type { AccountRow, CardTypeRow, LoyaltyDb } from './loyalty.table.js';
import { loyaltyFieldsMessage } from './crm-card/loyalty-fields.message.js';
import { linkAccount } from './customer-phones.client.js';

const BONUSPLUS_LIST_MAX = 1000;
/** Ledger entries asked for per call while catching up with an account's ledger. */
const LEDGER_PAGE = 200;
/** Accounts whose lots and ledger are read from BonusPlus at once (a staff page of many customers). */
const DETAILS_CONCURRENCY = 4;

/**
 * Accounts for a batch of phones, from the read model. Rows missing or older than the TTL are
 * read again from BonusPlus in one `customer/list` call per batch; changed figures are queued for
 * the CRM card. When BonusPlus is down the stored rows are served as they are (their `updatedAt`
 * says how old they are) and only phones we know nothing about fail (R18). Each row carries what
 * the account's live orders will still earn (`ordersPending`, from the order subgraph's messages).
 * An account opened here for a phone of `linkTo` (phone to customer id: a customer from before the
 * graph, read by their id) is linked to that customer at once (`linkAccount`), so that the CRM card
 * follows it from the first read on, their next placement's pending bonuses included (R4, R8).
 */
export async function loadAccounts(
  deps: LoyaltyDeps,
  phones: readonly string[],
  known: ReadonlyMap<string, AccountView> = new Map(),
  linkTo: ReadonlyMap<string, string> = new Map(),
): Promise<Map<string, ServedAccountRow | AppError>> {
  const db = deps.db as Kysely<LoyaltyDb>;
  const unknown = phones.filter((p) => !known.has(p));
  const rows = new Map<string, AccountRow>([...phones.flatMap((p) => (known.has(p) ? [[p, known.get(p)!] as const] : [])), ...(await findAccountsByPhones(db, unknown)).map((r) => [r.phone, r] as const)]);
  // A row missing, not active or never read counts as old: read before answering.
  const ageOfRow = (row: AccountRow | undefined) => (row?.status === 'active' && row.synced_at ? ageOf(deps, row.synced_at) : 'old');
  const ages = new Map(phones.map((p) => [p, ageOfRow(rows.get(p))]));
  const servable = phones.filter((p) => ages.get(p) === 'servable');
  const readNow = phones.filter((p) => ages.get(p) === 'old');
  if (servable.length > 0) deps.refresher!.accounts(servable);
  const result = new Map<string, ServedAccountRow | AppError>();
  if (readNow.length > 0) {
    try {
      await refreshFromBonusPlus(deps, readNow);
      for (const row of await findAccountsByPhones(db, readNow)) {
        const customerId = linkTo.get(row.phone);
        const linked = row.status === 'active' && row.customer_id === null && customerId !== undefined && (await linkAccount(db, row.phone, customerId));
        rows.set(row.phone, linked ? { ...row, customer_id: customerId } : row);
      }
    } catch (error) {
      if (!(error instanceof UpstreamUnavailableError)) throw error;
      deps.logger.warn({ error: error.message }, 'BonusPlus unavailable; serving stored loyalty figures');
      for (const phone of readNow) if (!rows.get(phone)) result.set(phone, new AppError('UPSTREAM_UNAVAILABLE', 'The loyalty system is unavailable'));
    }
  }
  const ordersPending = await ordersPendingByPhones(db, unknown);
  for (const phone of phones) {
    const row = rows.get(phone);
    if (row && row.status === 'active') result.set(phone, { ...row, ordersPending: known.get(phone)?.ordersPending ?? ordersPending.get(phone) ?? 0 });
  }
  return result;
}

/** Reads the accounts of these phones from BonusPlus now; changed figures are queued for the CRM card. */
export async function refreshFromBonusPlus(deps: LoyaltyDeps, phones: readonly string[]): Promise<void> {
  const db = deps.db as Kysely<LoyaltyDb>;
  for (let i = 0; i < phones.length; i += BONUSPLUS_LIST_MAX) {
    const batch = phones.slice(i, i + BONUSPLUS_LIST_MAX);
    const found = await deps.bonusPlus.listCustomers({ phone: batch.map(phoneDigits), rowCount: batch.length });
    const updates = found.flatMap((bp) => {
      const phone = phoneFromDigits(bp.phone);
      return phone ? [{ phone, bp }] : [];
    });
    await db.transaction().execute(async (trx) => {
      const changes = await saveBonusPlusFigures(trx, updates);
      for (const change of changes) if (change.changed && change.customerId) await enqueue(trx, loyaltyFieldsMessage(change.phone, change.customerId));
    });
  }
}

/** The program's card types, read from BonusPlus when we have none yet. */
export async function loadCardTypes(deps: LoyaltyDeps): Promise<CardTypeRow[]> {
  const db = deps.db as Kysely<LoyaltyDb>;
  const stored = await listCardTypes(db);
  if (stored.length > 0) return stored;
  await saveCardTypes(db, await deps.bonusPlus.listCardTypes());
  return listCardTypes(db);
}

/** Reads card types again (a tier's percent may change in BonusPlus). */
export async function refreshCardTypes(deps: LoyaltyDeps): Promise<void> {
  await saveCardTypes(deps.db as Kysely<LoyaltyDb>, await deps.bonusPlus.listCardTypes());
}

/**
 * How old figures read from BonusPlus at `syncedAt` are: `fresh` within the TTL; `servable` past it
 * by no more than `readModelServeStaleMs`, served as stored while the refresher reads them again;
 * `old` beyond that (or with no refresher), read again before answering.
 */
function ageOf(deps: LoyaltyDeps, syncedAt: Date): 'fresh' | 'servable' | 'old' {
  const age = Date.now() - syncedAt.getTime();
  if (age <= deps.settings.readModelTtlMs) return 'fresh';
  return deps.refresher && age <= deps.settings.readModelTtlMs + (deps.settings.readModelServeStaleMs ?? 0) ? 'servable' : 'old';
}

/** Whether an account's stored lots and ledger are recent enough to serve without reading BonusPlus. */
function detailsAreFresh(deps: LoyaltyDeps, account: AccountRow): boolean {
  return account.details_synced_at !== null && ageOf(deps, account.details_synced_at) === 'fresh';
}

/** Whether an account's stored lots and ledger are served as they are (fresh, or read again in the background). */
export function detailsAreServable(deps: LoyaltyDeps, account: AccountRow): boolean {
  return account.details_synced_at !== null && ageOf(deps, account.details_synced_at) !== 'old';
}

/**
 * Makes sure the stored lots and ledger of these accounts are fresh: accounts whose details were
 * never read, were read longer than the TTL ago, or whose figures changed since (a refresh clears
 * `details_synced_at`) are read from BonusPlus, a few accounts at a time. When BonusPlus is down an
 * account with a stored ledger is served as stored; one we hold nothing for gets
 * UPSTREAM_UNAVAILABLE (R18). Phones without an active account are left out of the answer.
 */
export async function loadDetails(deps: LoyaltyDeps, phones: readonly string[], known: ReadonlyMap<string, AccountRow> = new Map()): Promise<Map<string, AppError | null>> {
  const db = deps.db as Kysely<LoyaltyDb>;
  const read = await findAccountsByPhones(db, phones.filter((p) => !known.has(p)));
  const accounts = [...phones.flatMap((p) => (known.has(p) ? [known.get(p)!] : [])), ...read].filter((a) => a.status === 'active');
  const result = new Map<string, AppError | null>(accounts.map((a) => [a.phone, null]));
  const servable = accounts.filter((a) => !detailsAreFresh(deps, a) && detailsAreServable(deps, a)).map((a) => a.phone);
  if (servable.length > 0) deps.refresher!.details(servable);
  const stale = accounts.filter((a) => !detailsAreServable(deps, a)).map((a) => a.phone);
  await eachAtMost(stale, DETAILS_CONCURRENCY, async (phone) => {
    try {
      await syncAccountDetails(deps, phone);
    } catch (error) {
      if (!(error instanceof UpstreamUnavailableError)) throw error;
      deps.logger.warn({ error: error.message }, 'BonusPlus unavailable; serving stored lots and ledger');
      if (!(await hasStoredLedger(db, phone))) result.set(phone, new AppError('UPSTREAM_UNAVAILABLE', 'The loyalty system is unavailable'));
    }
  });
  return result;
}

/** Reads accounts again from BonusPlus after they were served past their TTL (`readModelServeStaleMs`). */
export interface BackgroundRefresh {
  /** Queues these accounts' figures (`customer/list`). */
  accounts(phones: readonly string[]): void;
  /** Queues these accounts' lots and ledger. */
  details(phones: readonly string[]): void;
  /** Resolves once nothing is queued or being read. */
  idle(): Promise<void>;
}

/**
 * The loyalty process's background refresh. Every account queued while a read is under way goes in
 * the next one: all due accounts in one `customer/list` call (per 1,000), lots and ledgers a few at
 * a time, as background work that gives BonusPlus's budget to interactive calls first. An account
 * being read is not queued again. A failure is logged; the next read of a stale account queues it
 * again.
 */
export function createBackgroundRefresh(deps: LoyaltyDeps): BackgroundRefresh {
  const queued = { accounts: new Set<string>(), details: new Set<string>() };
  const reading = { accounts: new Set<string>(), details: new Set<string>() };
  let running: Promise<void> | undefined;

  const warn = (what: string) => (error: unknown) => deps.logger.warn({ error: error instanceof Error ? error.message : String(error) }, `background refresh of ${what} failed; the next stale read asks again`);
  const take = (kind: 'accounts' | 'details') => {
    const phones = [...queued[kind]];
    queued[kind].clear();
    for (const phone of phones) reading[kind].add(phone);
    return phones;
  };
  const done = (kind: 'accounts' | 'details', phones: readonly string[]) => {
    for (const phone of phones) reading[kind].delete(phone);
  };
  const drain = async () => {
    // The reads of this moment join the batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (queued.accounts.size > 0 || queued.details.size > 0) {
      const accounts = take('accounts');
      const details = take('details');
      await runAsBackground(async () => {
        if (accounts.length > 0) await refreshFromBonusPlus(deps, accounts).catch(warn('accounts'));
        done('accounts', accounts);
        await eachAtMost(details, DETAILS_CONCURRENCY, (phone) => syncAccountDetails(deps, phone).catch(warn('lots and ledger')));
        done('details', details);
      });
    }
  };
  const queue = (kind: 'accounts' | 'details', phones: readonly string[]) => {
    for (const phone of phones) if (!reading[kind].has(phone)) queued[kind].add(phone);
    kick();
  };
  const kick = () => {
    running ??= drain().finally(() => {
      running = undefined;
      // Queued after the last batch was taken, before this read ended.
      if (queued.accounts.size > 0 || queued.details.size > 0) kick();
    });
  };
  return {
    accounts: (phones) => queue('accounts', phones),
    details: (phones) => queue('details', phones),
    async idle() {
      while (running) await running;
    },
  };
}

/**
 * Reads one account's lots (one call) and the ledger entries we do not hold yet: pages newest first
 * until a page reaches an entry already stored (new entries only ever arrive on top), so a known
 * account costs one ledger call. Everything is written in one transaction at the end, so a read cut
 * off half-way stores nothing and leaves no gap in the ledger.
 */
export async function syncAccountDetails(deps: LoyaltyDeps, phone: string): Promise<void> {
  const db = deps.db as Kysely<LoyaltyDb>;
  const digits = phoneDigits(phone);
  const readAt = new Date();
  const lots = await deps.bonusPlus.listBonusLots(digits);
  const fresh = new Map<number, BpTransaction>();
  for (let startRow = 1; ; startRow += LEDGER_PAGE) {
    const page = await deps.bonusPlus.listTransactions(digits, { startRow, rowCount: LEDGER_PAGE });
    const stored = await storedTransactionIds(db, phone, page.map((t) => t.id));
    for (const entry of page) if (!stored.has(entry.id)) fresh.set(entry.id, entry);
    // An entry recorded meanwhile shifts the pages by one: the repeat is caught by the map.
    if (page.length < LEDGER_PAGE || stored.size > 0) break;
  }
  await db.transaction().execute((trx) => saveAccountDetails(trx, phone, lots, [...fresh.values()], readAt));
}
