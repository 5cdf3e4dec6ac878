import type { Kysely } from 'kysely';
import { AppError } from '../../platform/errors.js';
import { UpstreamUnavailableError } from '../../platform/http/upstream-client.js';
import { enqueue } from '../../platform/outbox.js';
import { phoneDigits, phoneFromDigits } from '../../platform/phone.js';
import type { LoyaltyDeps } from './loyalty.deps.js';
import { findAccountsByPhones, listCardTypes, saveBonusPlusFigures, saveCardTypes } from './loyalty.repository.js';
import type { AccountRow, CardTypeRow, LoyaltyDb } from './loyalty.table.js';
import { loyaltyFieldsMessage } from './loyalty-fields.message.js';

const BONUSPLUS_LIST_MAX = 1000;

/**
 * Accounts for a batch of phones, from the read model. Rows missing or older than the TTL are
 * read again from BonusPlus in one `customer/list` call per batch; changed figures are queued for
 * the CRM card. When BonusPlus is down the stored rows are served as they are (their `updatedAt`
 * says how old they are) and only phones we know nothing about fail (R18).
 */
export async function loadAccounts(deps: LoyaltyDeps, phones: readonly string[]): Promise<Map<string, AccountRow | AppError>> {
  const db = deps.db as Kysely<LoyaltyDb>;
  const rows = new Map((await findAccountsByPhones(db, phones)).map((r) => [r.phone, r]));
  const freshAfter = Date.now() - deps.settings.readModelTtlMs;
  const stale = phones.filter((p) => {
    const row = rows.get(p);
    return !row || row.status !== 'active' || !row.synced_at || row.synced_at.getTime() < freshAfter;
  });
  const result = new Map<string, AccountRow | AppError>();
  if (stale.length > 0) {
    try {
      await refreshFromBonusPlus(deps, stale);
      for (const row of await findAccountsByPhones(db, stale)) rows.set(row.phone, row);
    } catch (error) {
      if (!(error instanceof UpstreamUnavailableError)) throw error;
      deps.logger.warn({ error: error.message }, 'BonusPlus unavailable; serving stored loyalty figures');
      for (const phone of stale) if (!rows.get(phone)) result.set(phone, new AppError('UPSTREAM_UNAVAILABLE', 'The loyalty system is unavailable'));
    }
  }
  for (const phone of phones) {
    const row = rows.get(phone);
    if (row && row.status === 'active') result.set(phone, row);
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
      for (const change of changes) if (change.changed && change.customerId) await enqueue(trx, loyaltyFieldsMessage(change.phone));
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
