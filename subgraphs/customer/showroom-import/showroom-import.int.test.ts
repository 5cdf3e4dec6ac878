import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBonusPlusClient } from '../../../connectors/bonusplus/bonusplus.client.js';
import type { BonusPlusCustomersPort } from '../../../connectors/bonusplus/bonusplus.port.js';
import { createRetailCrmClient } from '../../../connectors/retailcrm/retailcrm.client.js';
import type { RetailCrmCustomersPort } from '../../../connectors/retailcrm/retailcrm.port.js';
import { bonusPlusEmulatorSchema, createBonusPlusEmulator, type BonusPlusEmulator } from '../../../emulators/bonusplus/bonusplus.emulator.js';
import { createRetailCrmEmulator, retailCrmEmulatorSchema, type RetailCrmEmulator } from '../../../emulators/retailcrm/retailcrm.emulator.js';
import { demoExternalId } from '../../../emulators/seed/demo-ids.js';
import { demoPeople, type DemoPerson } from '../../../emulators/seed/demo-people.js';
import { migrateAll } from '../../../platform/db/migrate.js';
import type { RunningServer } from '../../../platform/http/http-server.js';
import { createLogger } from '../../../platform/logger.js';
import { normalizePhone } from '../../../platform/phone.js';
import { platformSchema, type PlatformDb } from '../../../platform/platform.migrations.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import { customerSchema } from '../customer.migrations.js';
import { syncCustomers } from '../crm-sync/customer-sync.service.js';
import type { CustomerDb } from '../customer.table.js';
import { claimShowroomImport, continueShowroomImport, runShowroomImport, type ShowroomImportDeps } from './showroom-import.service.js';

const CRM_KEY = 'showroom-import-crm-key';
const BP_KEY = 'showroom-import-bp-key';
const SITE = 'fashion-shop';
const ONLINE = 6;
const SHOWROOM = 8;
/** A showroom buyer BonusPlus has with no name and an address RetailCRM would refuse. */
const BARE = { phone: '+79990001234', email: 'kassa@showroom' };
const TOTAL = ONLINE + SHOWROOM + 1;
const PAGE = 5;
const logger = createLogger('test', 'silent');

let database: TestDatabase;
let db: Kysely<CustomerDb>;
let platform: Kysely<PlatformDb>;
let crmEmulator: RetailCrmEmulator;
let bpEmulator: BonusPlusEmulator;
const servers: RunningServer[] = [];
let crm: ReturnType<typeof createRetailCrmClient>;
let bonusPlus: ReturnType<typeof createBonusPlusClient>;

const online = demoPeople(0, ONLINE);
const showroom = demoPeople(ONLINE, SHOWROOM);
const showroomPhones = [...showroom.map((p) => `+${p.phoneDigits}`), BARE.phone];

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db as Kysely<CustomerDb>;
  platform = database.db as Kysely<PlatformDb>;
  await migrateAll(database.db, [platformSchema, customerSchema, retailCrmEmulatorSchema, bonusPlusEmulatorSchema]);
  crmEmulator = createRetailCrmEmulator({ db: database.db, apiKeys: [CRM_KEY], sites: [SITE], requestsPerSecond: 1_000 });
  bpEmulator = createBonusPlusEmulator({ db: database.db, apiKeys: [BP_KEY], requestsPerSecond: 0 });
  await bpEmulator.seed({ onlineCustomers: ONLINE, showroomCustomers: SHOWROOM });
  servers.push(await crmEmulator.start(0), await bpEmulator.start(0));
  const resilience = { breakerHalfOpenAfterMs: 20 };
  crm = createRetailCrmClient({ baseUrl: servers[0]!.url, apiKey: CRM_KEY, site: SITE, timeoutMs: 2_000, requestsPerSecond: 1_000, resilience });
  bonusPlus = createBonusPlusClient({ baseUrl: servers[1]!.url, apiKey: BP_KEY, timeoutMs: 2_000, requestsPerSecond: 0, ...resilience });
  await bonusPlus.createCustomer({ phone: BARE.phone, email: BARE.email });
});

afterAll(async () => {
  await crm?.close();
  await bonusPlus?.close();
  for (const server of servers) await server.close();
  await database?.close();
});

beforeEach(async () => {
  crmEmulator.faults.clear();
  bpEmulator.faults.clear();
  await crmEmulator.reset();
  await crmEmulator.seed({ onlineCustomers: ONLINE });
  for (const table of ['showroom_import_failures', 'showroom_import_runs', 'showroom_imports', 'registrations', 'customers'] as const) await db.deleteFrom(`customer.${table}`).execute();
  await platform.deleteFrom('platform.outbox').execute();
  await platform.deleteFrom('platform.sync_cursors').execute();
  // The read model as the history sync leaves it: every online customer.
  await syncCustomers({ db: database.db, crm, logger });
});

const depsWith = (overrides: Partial<ShowroomImportDeps> = {}): ShowroomImportDeps => ({ db: database.db, crm, bonusPlus, logger, pageSize: PAGE, ...overrides });

/** RetailCRM customers whose phone is exactly this one (E.164). */
async function crmCustomersWithPhone(phone: string) {
  const { customers } = await crm.listCustomers({ name: phone.slice(1) }, { limit: 100 });
  return customers.filter((c) => c.phones.some((p) => normalizePhone(p.number) === phone));
}

async function expectEachShowroomCustomerOnceInCrm() {
  for (const phone of showroomPhones) expect(await crmCustomersWithPhone(phone), phone).toHaveLength(1);
}

const crmTotal = async () => (await crm.listCustomers({}, { limit: 20 })).pagination.totalCount;
const enrolments = async () =>
  (await platform.selectFrom('platform.outbox').select('payload').where('topic', '=', 'loyalty.enroll').execute()).map((r) => r.payload as { customerId: string; phone: string });

/** A RetailCRM port that lets `hook` act around the n-th create (the call itself still goes to the emulator). */
function crmWith(hook: (n: number, create: () => Promise<{ id: number; alreadyExisted?: boolean }>) => Promise<{ id: number; alreadyExisted?: boolean }>): RetailCrmCustomersPort & { creates: number } {
  const port = {
    creates: 0,
    listCustomers: crm.listCustomers.bind(crm),
    getCustomer: crm.getCustomer.bind(crm),
    editCustomer: crm.editCustomer.bind(crm),
    fixExternalIds: crm.fixExternalIds.bind(crm),
    customersHistory: crm.customersHistory.bind(crm),
    createCustomer: (input: Parameters<RetailCrmCustomersPort['createCustomer']>[0]) => hook(++port.creates, () => crm.createCustomer(input)),
  };
  return port;
}

/** BonusPlus reads, with the rows each page started at. */
function bonusPlusRecording(): Pick<BonusPlusCustomersPort, 'listCustomers'> & { startRows: number[] } {
  const startRows: number[] = [];
  return { startRows, listCustomers: (filter) => (startRows.push(filter.startRow ?? 1), bonusPlus.listCustomers(filter)) };
}

const person = (p: DemoPerson) => ({ phone: `+${p.phoneDigits}`, first_name: p.firstName, last_name: p.lastName, patronymic: p.patronymic, email: p.email });

describe('showroom import (F10, R11)', () => {
  it('creates each BonusPlus-only customer in RetailCRM once, under our id, and knows the others by phone', async () => {
    // Two online customers the read model has lost: RetailCRM still has them.
    await db.deleteFrom('customer.customers').where('id', 'in', [demoExternalId(0), demoExternalId(1)]).execute();
    // A showroom buyer a manager has already typed into the CRM, in another phone format, without our id.
    const manual = await crm.createCustomer({ firstName: 'Вручную', phones: [{ number: `8${showroom[0]!.phoneDigits.slice(1)}` }] });
    const crmBefore = await crmTotal();
    const progress: number[] = [];

    const run = await runShowroomImport(depsWith({ onProgress: (r) => progress.push(r.customers_read) }));

    expect(run).toMatchObject({ status: 'SUCCEEDED', customers_read: TOTAL, imported: SHOWROOM, already_known: ONLINE + 1, failed: 0, next_row: TOTAL + 1, error: null });
    expect(progress.at(-1)).toBe(TOTAL);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await crmTotal()).toBe(crmBefore + SHOWROOM);
    await expectEachShowroomCustomerOnceInCrm();

    for (const p of showroom.slice(1)) {
      const row = await db.selectFrom('customer.customers').selectAll().where('phone', '=', `+${p.phoneDigits}`).executeTakeFirstOrThrow();
      expect(row).toMatchObject(person(p));
      const [inCrm] = await crmCustomersWithPhone(`+${p.phoneDigits}`);
      expect(inCrm).toMatchObject({ externalId: row.id, firstName: p.firstName, lastName: p.lastName, patronymic: p.patronymic, email: p.email });
      expect(row.retailcrm_id).toBe(inCrm!.id);
      expect(row.bonusplus_id).toBe((await bonusPlus.findCustomer(`+${p.phoneDigits}`))!.id);
    }
    // Known to RetailCRM only: adopted into the read model (the manual one given our id), not created again.
    const adopted = await db.selectFrom('customer.customers').selectAll().where('phone', '=', `+${showroom[0]!.phoneDigits}`).executeTakeFirstOrThrow();
    expect(adopted).toMatchObject({ retailcrm_id: manual.id, first_name: 'Вручную' });
    expect((await crm.getCustomer(manual.id, 'id'))!.externalId).toBe(adopted.id);
    const lost = await db.selectFrom('customer.customers').select(['id', 'phone']).where('id', 'in', [demoExternalId(0), demoExternalId(1)]).orderBy('id').execute();
    expect(lost).toEqual([0, 1].map((i) => ({ id: demoExternalId(i), phone: `+${online[i]!.phoneDigits}` })));
    // A blank name stays blank; an e-mail RetailCRM would refuse is left behind, not the customer.
    const bare = await db.selectFrom('customer.customers').selectAll().where('phone', '=', BARE.phone).executeTakeFirstOrThrow();
    expect(bare).toMatchObject({ first_name: null, last_name: null, email: null });

    // Enrolment is queued for exactly the customers created, with the phone BonusPlus knows them by.
    const imported = await db.selectFrom('customer.showroom_imports').select(['phone', 'customer_id']).where('imported_at', 'is not', null).execute();
    expect(imported).toHaveLength(SHOWROOM);
    expect((await enrolments()).map((e) => [e.phone, e.customerId]).sort()).toEqual(imported.map((i) => [i.phone, i.customer_id]).sort());
    expect(await db.selectFrom('customer.registrations').selectAll().execute()).toEqual([]);
  });

  it('creates nothing when run again', async () => {
    const first = await runShowroomImport(depsWith());
    const crmAfterFirst = await crmTotal();
    const queued = (await enrolments()).length;
    const counting = crmWith((_n, create) => create());

    const second = await runShowroomImport(depsWith({ crm: counting }));

    expect(second.id).not.toBe(first.id);
    expect(second).toMatchObject({ status: 'SUCCEEDED', customers_read: TOTAL, imported: 0, already_known: TOTAL, failed: 0 });
    expect(counting.creates).toBe(0);
    expect(await crmTotal()).toBe(crmAfterFirst);
    expect((await enrolments()).length).toBe(queued);
    await expectEachShowroomCustomerOnceInCrm();
  });

  it('resumes a run whose process died right after RetailCRM created a customer, from that customer, without a duplicate', async () => {
    // The third create reaches RetailCRM, then the process freezes before it can commit.
    let applied = false;
    let thaw: () => void = () => undefined;
    const frozen = new Promise<void>((resolve) => (thaw = resolve));
    const dying = crmWith(async (n, create) => {
      const result = await create();
      if (n === 3) {
        applied = true;
        await frozen;
      }
      return result;
    });
    const deps = depsWith({ crm: dying, staleAfterMs: 50 });
    const claim = await claimShowroomImport(deps);
    expect(claim.state).toBe('new');
    const firstWorker = continueShowroomImport(deps, claim.run);
    while (!applied) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 80)); // its heartbeat goes stale

    const cutOff = await db.selectFrom('customer.showroom_import_runs').selectAll().where('id', '=', claim.run.id).executeTakeFirstOrThrow();
    // Online customers are rows 1–6, the showroom ones follow; two were committed before the freeze.
    expect(cutOff).toMatchObject({ status: 'RUNNING', imported: 2, already_known: ONLINE, customers_read: ONLINE + 2, next_row: ONLINE + 3 });

    const reader = bonusPlusRecording();
    const resumed = await runShowroomImport(depsWith({ bonusPlus: reader, staleAfterMs: 50 }));
    expect(resumed.id).toBe(claim.run.id);
    expect(resumed).toMatchObject({ status: 'SUCCEEDED', customers_read: TOTAL, imported: SHOWROOM + 1, already_known: ONLINE, failed: 0 });
    expect(reader.startRows[0]).toBe(ONLINE + 3); // not from the start
    await expectEachShowroomCustomerOnceInCrm();

    // The frozen worker wakes up: the run is no longer its own, so it writes nothing and stops.
    thaw();
    await expect(firstWorker).resolves.toMatchObject({ id: claim.run.id, status: 'SUCCEEDED', imported: SHOWROOM + 1 });
    expect(dying.creates).toBe(3);
    expect(await db.selectFrom('customer.showroom_import_runs').selectAll().where('id', '=', claim.run.id).executeTakeFirstOrThrow()).toMatchObject({ imported: SHOWROOM + 1, customers_read: TOTAL });
    await expectEachShowroomCustomerOnceInCrm();
    expect(new Set((await enrolments()).map((e) => e.customerId)).size).toBe(SHOWROOM + 1);
  });

  it('stops on a RetailCRM outage after some creates, keeps its progress, and the next start continues it', async () => {
    const failing = crmWith(async (n, create) => {
      const result = await create();
      if (n === 2) crmEmulator.faults.set({ failStatus: 503, pathPattern: '^POST /api/v5/customers/create' });
      return result;
    });
    await expect(runShowroomImport(depsWith({ crm: failing }))).rejects.toThrow(/retailcrm/);
    const [failed] = await db.selectFrom('customer.showroom_import_runs').selectAll().orderBy('id', 'desc').limit(1).execute();
    expect(failed).toMatchObject({ status: 'FAILED', imported: 2, customers_read: ONLINE + 2, next_row: ONLINE + 3 });
    expect(failed!.error).toMatch(/retailcrm/);
    expect(failed!.finished_at).toBeInstanceOf(Date);
    expect(await db.selectFrom('customer.registrations').selectAll().execute()).toEqual([]); // no phone left held

    crmEmulator.faults.clear();
    await new Promise((r) => setTimeout(r, 30)); // the connector's breaker cools down
    const resumed = await runShowroomImport(depsWith());
    expect(resumed).toMatchObject({ id: failed!.id, status: 'SUCCEEDED', imported: SHOWROOM + 1, already_known: ONLINE, customers_read: TOTAL, error: null, finished_at: expect.any(Date) });
    await expectEachShowroomCustomerOnceInCrm();
  });

  it('creates one customer when RetailCRM applies a create but the reply is lost', async () => {
    crmEmulator.faults.set({ dropAfterApply: true, dropCount: 2, pathPattern: '^POST /api/v5/customers/create' });
    const run = await runShowroomImport(depsWith());
    expect(run).toMatchObject({ status: 'SUCCEEDED', imported: SHOWROOM + 1, already_known: ONLINE, failed: 0 });
    await expectEachShowroomCustomerOnceInCrm();
  });

  it('leaves a phone a registration is holding to a later run, and lists it as failed', async () => {
    const held = `+${showroom[3]!.phoneDigits}`;
    await db.insertInto('customer.registrations').values({ phone: held, customer_id: 'someone-registering' }).execute();
    const first = await runShowroomImport(depsWith());
    expect(first).toMatchObject({ status: 'SUCCEEDED', imported: SHOWROOM, already_known: ONLINE, failed: 1 });
    expect(await db.selectFrom('customer.showroom_import_failures').select(['run_id', 'phone', 'reason']).execute()).toEqual([
      { run_id: first.id, phone: showroom[3]!.phoneDigits, reason: 'a registration of this phone is in progress' },
    ]);
    expect(await crmCustomersWithPhone(held)).toEqual([]);

    await db.deleteFrom('customer.registrations').execute();
    const second = await runShowroomImport(depsWith());
    expect(second).toMatchObject({ status: 'SUCCEEDED', imported: 1, already_known: TOTAL - 1, failed: 0 });
    await expectEachShowroomCustomerOnceInCrm();
  });

  it('joins a live run instead of starting a second, and continues a run stopped by a shutdown', async () => {
    const stopping = new AbortController();
    const stopAfterFirst = crmWith(async (n, create) => {
      const result = await create();
      if (n === 1) stopping.abort();
      return result;
    });
    const deps = depsWith({ crm: stopAfterFirst, signal: stopping.signal });
    const claim = await claimShowroomImport(deps);
    expect(await claimShowroomImport(deps)).toEqual({ state: 'live', run: claim.run });

    const stopped = await continueShowroomImport(deps, claim.run);
    expect(stopped).toMatchObject({ id: claim.run.id, status: 'STOPPED', imported: 1, next_row: ONLINE + 2 });
    const resumed = await claimShowroomImport(depsWith());
    expect(resumed.state).toBe('resumed');
    expect(resumed.run).toMatchObject({ id: claim.run.id, status: 'RUNNING' });
    expect(resumed.run.owner).not.toBe(claim.run.owner);
    expect(await continueShowroomImport(depsWith(), resumed.run)).toMatchObject({ status: 'SUCCEEDED', imported: SHOWROOM + 1, customers_read: TOTAL });
    await expectEachShowroomCustomerOnceInCrm();
  });
});
