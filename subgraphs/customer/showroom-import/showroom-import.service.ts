import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { BonusPlusCustomersPort, BpCustomer } from '../../../connectors/bonusplus/bonusplus.port.js';
import { RetailCrmApiError, type CrmCustomer, type CrmCustomerInput, type RetailCrmCustomersPort } from '../../../connectors/retailcrm/retailcrm.port.js';
import type { Logger } from '../../../platform/logger.js';
import { enqueue } from '../../../platform/outbox.js';
import { normalizePhone, phoneFromDigits } from '../../../platform/phone.js';
import { findCustomerByPhone, releasePhone, rowFromCrm, upsertCustomers, type CustomerInsert } from '../customer.repository.js';
import type { CustomerDb, ShowroomImportRunRow } from '../customer.table.js';
import { enrollmentMessage } from '../../../contracts/enrollment.message.js';
import { findInCrmByPhone } from '../registration/registration.service.js';
import {
  addTally,
  advanceImportRun,
  claimShowroomCustomerId,
  findImportRun,
  finishImportRun,
  holdPhoneForImport,
  insertImportRun,
  knownPhones,
  latestImportRun,
  markShowroomCustomerImported,
  NO_TALLY,
  recordImportFailures,
  stopImportRun,
  takeOverImportRun,
  type ImportTally,
} from './showroom-import.repository.js';

type Db = Kysely<CustomerDb>;

/** BonusPlus returns at most this many customers per `customer/list` call. */
export const SHOWROOM_IMPORT_PAGE_MAX = 1000;

/** A hold on a phone (shared with registrations) that is older than this was left by a dead process. */
const HOLD_STALE_MS = 2 * 60_000;

export interface ShowroomImportDeps {
  readonly db: Kysely<any>;
  readonly crm: RetailCrmCustomersPort;
  readonly bonusPlus: Pick<BonusPlusCustomersPort, 'listCustomers'>;
  readonly logger: Logger;
  /** Customers per BonusPlus request, at most 1000 (the default). */
  readonly pageSize?: number;
  /** A run whose process has not written progress for this long is taken to be dead and resumed. */
  readonly staleAfterMs?: number;
  /** Stops the run between two customers (status STOPPED); the next start continues it. */
  readonly signal?: AbortSignal;
  /** Called after every customer that needed RetailCRM, and after every page (progress for the command line). */
  readonly onProgress?: (run: ShowroomImportRunRow) => void;
}

export type ImportClaim = { readonly state: 'new' | 'resumed' | 'live'; readonly run: ShowroomImportRunRow };

/** The run was taken over by another worker (this one was thought dead), or it was stopped: stop writing. */
class RunLeft extends Error {}

/**
 * Imports the customers BonusPlus knows and RetailCRM does not — showroom buyers — into RetailCRM
 * (F10, R11), so that they become ordinary customers of the graph. One run reads every BonusPlus
 * customer, a page at a time, and for each one:
 *
 * - a phone our read model has, or RetailCRM has (searched by phone, as registration does), is
 *   already known: nothing is created (a CRM customer we did not know yet joins the read model);
 * - otherwise the customer is created in RetailCRM under an id of ours claimed beforehand, and
 *   written to the read model with the enrolment request in one transaction, so the loyalty side
 *   adopts their BonusPlus account (no welcome bonus), links it and fills the CRM card (R2–R4).
 *
 * The phone is the identity (R1): it is held in `customer.registrations` while its customer is
 * created, so a sign-up of the same phone cannot slip in; and the claimed id is the externalId
 * sent, so a retry after a lost reply or a dead process finds its own customer instead of making a
 * second one. Progress (the next BonusPlus row, the counts) is committed with each customer, so a
 * run that dies or stops on an outage is continued from there by the next start. While a live
 * run is going on, no second one starts: the live run is returned.
 */
export async function runShowroomImport(deps: ShowroomImportDeps): Promise<ShowroomImportRunRow> {
  const claim = await claimShowroomImport(deps);
  return claim.state === 'live' ? claim.run : continueShowroomImport(deps, claim.run);
}

/**
 * Registers a run without importing anything yet (`continueShowroomImport` does the work): the
 * unfinished one to resume (its process died or shut down, or it failed on an outage), the live one when a
 * process is running it, or a new one.
 */
export async function claimShowroomImport(deps: ShowroomImportDeps): Promise<ImportClaim> {
  const stale = deps.staleAfterMs ?? 60_000;
  return (deps.db as Db).transaction().execute(async (trx) => {
    // One claimer at a time, across processes.
    await sql`select pg_advisory_xact_lock(hashtext('customer-showroom-import'))`.execute(trx);
    const latest = await latestImportRun(trx, stale);
    if (latest?.run.status === 'RUNNING' && latest.live) return { state: 'live', run: latest.run };
    if (latest && latest.run.status !== 'SUCCEEDED') {
      deps.logger.warn({ runId: latest.run.id, status: latest.run.status, nextRow: latest.run.next_row }, 'resuming an unfinished showroom import');
      return { state: 'resumed', run: await takeOverImportRun(trx, latest.run.id) };
    }
    return { state: 'new', run: await insertImportRun(trx) };
  });
}

type Outcome = { readonly kind: 'imported'; readonly row: CustomerInsert } | { readonly kind: 'known'; readonly row?: CustomerInsert } | { readonly kind: 'failed'; readonly reason: string };

/** What became of one BonusPlus customer, waiting to be committed with the run's progress. */
interface Settled {
  readonly bp: BpCustomer;
  readonly phone: string | undefined;
  readonly outcome: Outcome;
  /** The customer id holding the phone in `customer.registrations`, released on commit. */
  readonly holder?: string;
}

/** Reads the remaining BonusPlus pages of a claimed run and imports what is missing. */
export async function continueShowroomImport(deps: ShowroomImportDeps, claimed: ShowroomImportRunRow): Promise<ShowroomImportRunRow> {
  const db = deps.db as Db;
  const pageSize = Math.min(deps.pageSize ?? SHOWROOM_IMPORT_PAGE_MAX, SHOWROOM_IMPORT_PAGE_MAX);
  const lease = { id: claimed.id, owner: claimed.owner };
  const stopIfAsked = () => {
    if (deps.signal?.aborted) throw new RunLeft('stopped');
  };
  let run = claimed;
  try {
    for (;;) {
      stopIfAsked();
      const startRow = run.next_row;
      const page = await deps.bonusPlus.listCustomers({ startRow, rowCount: pageSize });
      const phones = page.map((bp) => phoneFromDigits(bp.phone) ?? normalizePhone(bp.phone));
      const known = await knownPhones(db, phones.filter((p): p is string => p !== undefined));
      let settled: Settled[] = [];
      for (const [i, bp] of page.entries()) {
        const phone = phones[i];
        if (!phone) {
          settled.push({ bp, phone, outcome: { kind: 'failed', reason: 'not a valid phone number' } });
        } else if (known.has(phone)) {
          settled.push({ bp, phone, outcome: { kind: 'known' } });
        } else {
          stopIfAsked();
          settled.push(await importOne(deps, run.id, bp, phone));
          run = await commit(deps, lease, startRow + i + 1, settled);
          settled = [];
          known.add(phone);
          deps.onProgress?.(run);
        }
      }
      run = await commit(deps, lease, startRow + page.length, settled);
      deps.onProgress?.(run);
      if (page.length < pageSize) break;
    }
    const finished = await finishImportRun(db, lease, { status: 'SUCCEEDED' });
    if (!finished) throw new RunLeft('taken over');
    deps.onProgress?.(finished);
    deps.logger.info(
      { runId: finished.id, read: finished.customers_read, imported: finished.imported, alreadyKnown: finished.already_known, failed: finished.failed },
      'showroom import finished',
    );
    return finished;
  } catch (error) {
    if (error instanceof RunLeft) {
      // Stopped: the next start resumes it. Taken over: the new owner carries on.
      if (error.message === 'stopped') await stopImportRun(db, lease);
      deps.logger.info({ runId: lease.id, reason: error.message }, 'showroom import left off');
      return (await findImportRun(db, lease.id)) ?? run;
    }
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
    const failed = await finishImportRun(db, lease, { status: 'FAILED', error: message });
    if (failed) deps.onProgress?.(failed);
    deps.logger.warn({ runId: lease.id, nextRow: failed?.next_row, error: message }, 'showroom import failed; the next start continues it');
    throw error;
  }
}

/**
 * Commits what became of the customers up to `nextRow`, with the run's counts, in one
 * transaction — refused when another worker owns the run now.
 */
async function commit(deps: ShowroomImportDeps, lease: { id: number; owner: string }, nextRow: number, settled: readonly Settled[]): Promise<ShowroomImportRunRow> {
  const tally = settled.reduce<ImportTally>((t, s) => addTally(t, { read: 1, [s.outcome.kind === 'known' ? 'alreadyKnown' : s.outcome.kind]: 1 }), NO_TALLY);
  return (deps.db as Db).transaction().execute(async (trx) => {
    const advanced = await advanceImportRun(trx, lease, nextRow, tally);
    if (!advanced) throw new RunLeft('taken over');
    const failures: { bonusPlusId: number; phone: string; reason: string }[] = [];
    for (const { bp, phone, outcome, holder } of settled) {
      if (outcome.kind === 'failed') failures.push({ bonusPlusId: bp.id, phone: bp.phone, reason: outcome.reason });
      if (outcome.kind === 'known' && outcome.row) await upsertCustomers(trx, [outcome.row]);
      if (outcome.kind === 'imported') {
        const row = outcome.row;
        const { phoneConflicts } = await upsertCustomers(trx, [row]);
        await markShowroomCustomerImported(trx, phone!, row.retailcrm_id!);
        if (phoneConflicts.length > 0) {
          deps.logger.warn({ customerId: row.id }, 'an imported showroom customer shares a phone with a customer of the read model');
        } else {
          await enqueue(
            trx,
            enrollmentMessage({ customerId: row.id, phone: phone!, firstName: row.first_name ?? null, lastName: row.last_name ?? null, patronymic: row.patronymic ?? null, email: row.email ?? null }),
          );
        }
      }
      if (holder) await releasePhone(trx, phone!, holder);
    }
    await recordImportFailures(trx, lease.id, failures);
    return advanced;
  });
}

/** One BonusPlus customer our read model does not know: found in RetailCRM, or created there. */
async function importOne(deps: ShowroomImportDeps, runId: number, bp: BpCustomer, phone: string): Promise<Settled> {
  const db = deps.db as Db;
  const customerId = await claimShowroomCustomerId(db, phone, bp.id, runId);
  if (!(await holdPhoneForImport(db, phone, customerId, HOLD_STALE_MS))) {
    return { bp, phone, outcome: { kind: 'failed', reason: 'a registration of this phone is in progress' } };
  }
  const settled = (outcome: Outcome): Settled => ({ bp, phone, outcome, holder: customerId });
  try {
    // A registration may have finished since the page was read.
    if (await findCustomerByPhone(db, phone)) return settled({ kind: 'known' });
    const existing = await findInCrmByPhone(deps.crm, phone);
    // Our own earlier attempt: its reply was lost, or its process died before the commit.
    if (existing?.externalId === customerId) return settled({ kind: 'imported', row: rowOf(existing, customerId, bp) });
    if (existing) return settled({ kind: 'known', row: await adopt(deps.crm, existing, bp) });

    const created = await deps.crm.createCustomer(crmCustomerOf(customerId, bp, phone));
    if (!created.alreadyExisted) {
      return settled({ kind: 'imported', row: { ...crmFieldsAsRow(customerId, bp, phone), retailcrm_id: created.id, created_at: new Date() } });
    }
    // The externalId is taken: by our earlier attempt (a lost reply the client retried), unless
    // someone has changed that customer's phone since.
    const mine = await deps.crm.getCustomer(customerId, 'externalId');
    if (mine?.phones.some((p) => normalizePhone(p.number) === phone)) return settled({ kind: 'imported', row: rowOf(mine, customerId, bp) });
    return settled({ kind: 'failed', reason: `RetailCRM has externalId ${customerId} on a customer with another phone` });
  } catch (error) {
    // A refusal of this customer's data: the others may still go in. Anything else stops the run.
    if (error instanceof RetailCrmApiError && error.status === 400) {
      return settled({ kind: 'failed', reason: `RetailCRM refused the customer: ${error.errorMsg} ${JSON.stringify(error.errors)}` });
    }
    await releasePhone(db, phone, customerId).catch(() => undefined);
    throw error;
  }
}

const validEmail = z.email();

/** The BonusPlus customer's names and e-mail as RetailCRM and the read model take them (blank ones left out). */
function crmFieldsAsRow(customerId: string, bp: BpCustomer, phone: string): Omit<CustomerInsert, 'retailcrm_id' | 'created_at'> {
  const text = (value: string | undefined) => value?.trim() || null;
  const email = text(bp.email);
  return {
    id: customerId,
    bonusplus_id: bp.id,
    phone,
    first_name: text(bp.person.fn),
    last_name: text(bp.person.ln),
    patronymic: text(bp.person.mn),
    // An address RetailCRM would refuse is left behind rather than the customer.
    email: email && validEmail.safeParse(email).success ? email : null,
  };
}

function crmCustomerOf(customerId: string, bp: BpCustomer, phone: string): CrmCustomerInput {
  const row = crmFieldsAsRow(customerId, bp, phone);
  return {
    externalId: customerId,
    ...(row.first_name ? { firstName: row.first_name } : {}),
    ...(row.last_name ? { lastName: row.last_name } : {}),
    ...(row.patronymic ? { patronymic: row.patronymic } : {}),
    ...(row.email ? { email: row.email } : {}),
    phones: [{ number: phone }],
  };
}

const rowOf = (crm: CrmCustomer, id: string, bp: BpCustomer): CustomerInsert => ({ ...rowFromCrm(crm, id), bonusplus_id: bp.id });

/** A CRM customer with this phone that the read model did not have yet joins it, under its own externalId or a new one of ours. */
async function adopt(crm: RetailCrmCustomersPort, existing: CrmCustomer, bp: BpCustomer): Promise<CustomerInsert> {
  let id = existing.externalId;
  if (!id) {
    id = randomUUID();
    await crm.fixExternalIds([{ id: existing.id, externalId: id }]);
  }
  return rowOf(existing, id, bp);
}
