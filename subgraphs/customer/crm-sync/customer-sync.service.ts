import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CrmCustomer, CrmCustomerHistoryRecord, RetailCrmCustomersPort } from '../../../connectors/retailcrm/retailcrm.port.js';
import type { Logger } from '../../../platform/logger.js';
import { enqueue } from '../../../platform/outbox.js';
import { markSyncFailure, readCursor, saveCursor } from '../../../platform/sync-cursor.js';
import { normalizePhone } from '../../../platform/phone.js';
import { ownersOfCrmCustomers, phonesAwaitingCrm, rowFromCrm, upsertCustomers } from '../customer.repository.js';
import type { CustomerDb } from '../customer.table.js';
import { enrollmentMessage } from '../../../contracts/enrollment.message.js';

export const CUSTOMER_HISTORY_CURSOR = 'customer.retailcrm.customers-history';
/**
 * Whether the first sync (which takes stock of the customers the shop already had) is still under
 * way: 'in-progress' from its first page until it has caught up with the history, then 'done'.
 */
export const CUSTOMER_BOOTSTRAP_CURSOR = 'customer.retailcrm.customers-history.bootstrap';

export interface CustomerSyncDeps {
  readonly db: Kysely<any>;
  readonly crm: RetailCrmCustomersPort;
  readonly logger: Logger;
}

export interface CustomerSyncResult {
  readonly records: number;
  readonly customers: number;
  readonly cursor: number;
}

const PAGE = 100;

/**
 * Keeps the customer read model current from RetailCRM's `customers/history` (flow F1, R2). Each
 * page of change records names the customers that changed; those changed in what the read model
 * keeps (customersToRead) are read with one `customers?filter[ids][]` call (one created on the page
 * is taken from its creation record) and written together with the new cursor, in one
 * transaction. A page of nothing else (the loyalty figures the graph writes to the card) only
 * moves the cursor.
 * Customers created in the CRM without our id get one (fix-external-ids); customers created after
 * the first sync are enrolled in the loyalty program (R3) — the first sync only takes stock, and
 * stays the first sync until it has caught up, however often it is stopped or fails on the way
 * (else the shop's existing customers would get the welcome bonus). Stops between pages once
 * `signal` is aborted.
 */
export async function syncCustomers(deps: CustomerSyncDeps, signal?: AbortSignal): Promise<CustomerSyncResult> {
  const db = deps.db as Kysely<CustomerDb>;
  const stored = await readCursor(db, CUSTOMER_HISTORY_CURSOR);
  const bootstrap = stored === undefined || stored.last_success_at === null || (await readCursor(db, CUSTOMER_BOOTSTRAP_CURSOR))?.cursor === 'in-progress';
  let caughtUp = false;
  let cursor = Number(stored?.cursor ?? 0);
  let records = 0;
  let customers = 0;
  try {
    for (;;) {
      if (signal?.aborted) break;
      const { history } = await deps.crm.customersHistory(cursor, PAGE);
      if (history.length === 0) {
        caughtUp = true;
        break;
      }
      const { read, created } = customersToRead(history);
      const createdIds = new Set(history.filter((h) => h.created).map((h) => h.customer.id));
      const changed = [...created, ...(read.length > 0 ? await fetchCustomers(deps.crm, read) : [])];
      const current = changed.length > 0 ? await leaveToRegistrations(db, changed) : [];
      const withIds = await ensureExternalIds(deps.crm, current);
      const last = history[history.length - 1]!.id;
      if (withIds.length === 0 && !bootstrap) await saveCursor(db, CUSTOMER_HISTORY_CURSOR, String(last));
      else await db.transaction().execute(async (trx) => {
        const rows = withIds.map(({ crm, id }) => rowFromCrm(crm, id));
        const { phoneConflicts } = await upsertCustomers(trx, rows);
        if (phoneConflicts.length > 0) deps.logger.warn({ customerIds: phoneConflicts }, 'RetailCRM customers share a phone; the graph keeps it on the first');
        if (!bootstrap) {
          for (const row of rows) {
            if (!createdIds.has(row.retailcrm_id!) || !row.phone || phoneConflicts.includes(row.id)) continue;
            await enqueue(trx, enrollmentMessage({ customerId: row.id, phone: row.phone, firstName: row.first_name ?? null, lastName: row.last_name ?? null, patronymic: row.patronymic ?? null, email: row.email ?? null }));
          }
        }
        await saveCursor(trx, CUSTOMER_HISTORY_CURSOR, String(last));
        if (bootstrap) await saveCursor(trx, CUSTOMER_BOOTSTRAP_CURSOR, 'in-progress');
      });
      cursor = last;
      records += history.length;
      customers += withIds.length;
      if (history.length < PAGE) {
        caughtUp = true;
        break;
      }
    }
    if (records === 0 && caughtUp) await saveCursor(db, CUSTOMER_HISTORY_CURSOR, String(cursor));
    if (bootstrap && caughtUp) await saveCursor(db, CUSTOMER_BOOTSTRAP_CURSOR, 'done');
    return { records, customers, cursor };
  } catch (error) {
    await markSyncFailure(db, CUSTOMER_HISTORY_CURSOR, error, String(cursor));
    throw error;
  }
}

/**
 * Fields of a RetailCRM customer, as `customers/history` names them, that the read model does not
 * keep (rowFromCrm keeps the names, phones, email and our id): the loyalty figures the graph itself
 * writes to the card (`custom_bonus_*`, `discount_card_number`, after every change of a customer's
 * pending bonuses), the address, the marketing flags.
 */
const UNKEPT_FIELD = /^(custom_.+|address\..+|discount_card_number|sex|birthday|personal_discount|vip|bad|email_marketing_unsubscribed_at)$/;

/**
 * What a page of history says of its customers: those that need reading (`read`: deleted, or changed
 * in a field the read model keeps, or in one this list does not know), and those created on this
 * page and changed in nothing kept since (`created`: their creation record carries the whole
 * customer, so they need no read; the graph's own creations of its sign-ups are most of them). A
 * customer whose every record is on an unkept field is passed over: reading the card back would
 * change no row.
 */
export function customersToRead(history: readonly CrmCustomerHistoryRecord[]): { read: number[]; created: CrmCustomer[] } {
  const read = new Set<number>();
  const snapshots = new Map<number, CrmCustomer>();
  for (const h of history) {
    if (h.created && h.snapshot) snapshots.set(h.customer.id, h.snapshot);
    else if (h.created || h.deleted || !UNKEPT_FIELD.test(h.field)) read.add(h.customer.id);
  }
  return { read: [...read], created: [...snapshots].filter(([id]) => !read.has(id)).map(([, customer]) => customer) };
}

async function fetchCustomers(crm: RetailCrmCustomersPort, ids: readonly number[]): Promise<CrmCustomer[]> {
  const found: CrmCustomer[] = [];
  for (let i = 0; i < ids.length; i += PAGE) {
    const { customers } = await crm.listCustomers({ ids: ids.slice(i, i + PAGE) }, { limit: PAGE });
    found.push(...customers);
  }
  return found;
}

/**
 * Leaves out the RetailCRM customers that carry the phone of a customer registered here whose
 * RetailCRM customer is not known yet, unless they are ours already (our id as their externalId).
 * By phone they are that customer (R1, R2), and the registration's outbox handler adopts them
 * (gives them our id); the history record of that change brings them back here under our id.
 * Written now they would become a second row for the phone, under an id of their own.
 */
async function leaveToRegistrations(db: Kysely<CustomerDb>, customers: CrmCustomer[]): Promise<CrmCustomer[]> {
  const phonesOf = (c: CrmCustomer) => c.phones.map((p) => normalizePhone(p.number)).filter((p): p is string => p !== undefined);
  const awaiting = await phonesAwaitingCrm(db, customers.flatMap(phonesOf));
  if (awaiting.size === 0) return customers;
  const owners = await ownersOfCrmCustomers(db, customers);
  return customers.filter((c) => owners.has(c.id) || !phonesOf(c).some((p) => awaiting.has(p)));
}

async function ensureExternalIds(crm: RetailCrmCustomersPort, customers: readonly CrmCustomer[]): Promise<{ crm: CrmCustomer; id: string }[]> {
  const assigned = customers.map((c) => ({ crm: c, id: c.externalId ?? randomUUID(), fresh: !c.externalId }));
  const fresh = assigned.filter((a) => a.fresh);
  if (fresh.length > 0) await crm.fixExternalIds(fresh.map((a) => ({ id: a.crm.id, externalId: a.id })));
  return assigned;
}
