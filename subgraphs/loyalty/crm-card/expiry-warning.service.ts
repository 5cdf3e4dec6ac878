import type { Kysely } from 'kysely';
import { enqueue } from '../../../platform/outbox.js';
import { phoneFromDigits } from '../../../platform/phone.js';
import type { LoyaltyDeps } from '../loyalty.deps.js';
import { findAccountsByPhones } from '../loyalty.repository.js';
import type { LoyaltyDb } from '../loyalty.table.js';
import { expiryWarningMessage, type ExpiryWarning } from './expiry-warning.message.js';

const DAY_MS = 86_400_000;
/** Lots asked for per `bonus/expiring` call. */
const PAGE = 500;
/** The retailer's time zone: the date on the CRM card is the customer's calendar day. */
const RETAILER_TIME_ZONE = 'Europe/Moscow';

/** Codes of the RetailCRM customer custom fields that carry the warning (its triggers send the SMS / e-mail). */
export const CRM_EXPIRY_FIELDS = {
  amount: 'bonus_expiring_amount',
  at: 'bonus_expiring_at',
} as const;

export interface ExpiryWarningRun {
  /** Lots with bonuses left expiring within the window. */
  readonly lots: number;
  /** Warnings queued by this run. */
  readonly queued: number;
  /** Lots warned about by an earlier run. */
  readonly alreadyQueued: number;
  /** Lots of customers without a CRM card linked to their account (showroom-only buyers): left for a later run. */
  readonly deferred: number;
}

/**
 * The daily run (F11, R13): pages through every customer's lots that expire within
 * `expiryWarningDays` (one BonusPlus call per page, not one per customer) and queues one CRM warning
 * per lot. A lot whose customer has no CRM card linked to the account yet (a showroom-only buyer
 * not imported into RetailCRM) is deferred, not dropped: nothing is queued for it, so a later run,
 * once the card exists, still warns if the lot has not burned by then.
 */
export async function queueExpiryWarnings(deps: LoyaltyDeps): Promise<ExpiryWarningRun> {
  const db = deps.db as Kysely<LoyaltyDb>;
  const before = new Date(Date.now() + deps.settings.expiryWarningDays * DAY_MS);
  const run = { lots: 0, queued: 0, alreadyQueued: 0, deferred: 0 };
  for (let startRow = 1; ; startRow += PAGE) {
    const lots = await deps.bonusPlus.listExpiringLots(before, { startRow, rowCount: PAGE });
    const phoneOf = new Map(lots.map((lot) => [lot.id, phoneFromDigits(lot.phone)]));
    const phones = [...new Set([...phoneOf.values()].filter((p): p is string => p !== undefined))];
    const accounts = new Map((await findAccountsByPhones(db, phones)).map((a) => [a.phone, a]));
    await db.transaction().execute(async (trx) => {
      for (const lot of lots) {
        run.lots++;
        const phone = phoneOf.get(lot.id);
        const account = phone ? accounts.get(phone) : undefined;
        if (!phone || !account?.customer_id || account.status !== 'active' || !lot.expiresAt) {
          run.deferred++;
          continue;
        }
        const warning: ExpiryWarning = { customerId: account.customer_id, phone, lotId: lot.id, amount: lot.remaining, expiresAt: lot.expiresAt.toISOString() };
        if (await enqueue(trx, expiryWarningMessage(warning))) run.queued++;
        else run.alreadyQueued++;
      }
    });
    if (lots.length < PAGE) break;
  }
  if (run.lots > 0) deps.logger.info(run, 'bonus expiry warnings queued');
  return run;
}

/** The calendar day of an instant in the retailer's time zone, as RetailCRM date fields take it (YYYY-MM-DD). */
export function retailerDate(instant: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: RETAILER_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/**
 * Writes the warning to the customer's RetailCRM card; RetailCRM's own triggers send the SMS or
 * e-mail. Writing the same values again is harmless, so the outbox may deliver it more than once.
 */
export async function pushExpiryWarning(deps: LoyaltyDeps, warning: ExpiryWarning): Promise<void> {
  await deps.crm.editCustomer(warning.customerId, 'externalId', {
    customFields: {
      [CRM_EXPIRY_FIELDS.amount]: warning.amount,
      [CRM_EXPIRY_FIELDS.at]: retailerDate(new Date(warning.expiresAt)),
    },
  });
}
