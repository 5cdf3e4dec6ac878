import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerByPhoneDocument, CustomerCardDocument, ImportShowroomCustomersDocument, ShowroomImportRunsDocument } from '../../clients/__generated__/graphql.js';
import { demoPeople } from '../../emulators/seed/demo-people.js';
import { normalizePhone } from '../../platform/phone.js';
import { bonusPlusLookup } from '../support/bonusplus-lookup.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';

// What the harness seeds: online customers 0..39 in RetailCRM and BonusPlus, showroom ones 40..49 in BonusPlus only.
const ONLINE = 40;
const SHOWROOM = 10;
const showroom = demoPeople(ONLINE, SHOWROOM);
/** The showroom buyer a manager has already typed into the CRM by hand. */
const typedIn = showroom[1]!;

// The admin's import command (clients/admin/), the staff console's lookup by phone and customer card (clients/staff/).
const IMPORT = ImportShowroomCustomersDocument;
const RUNS = ShowroomImportRunsDocument;
const BY_PHONE = CustomerByPhoneDocument;

let t: TestGraph;
let admin: string;

beforeAll(async () => {
  t = await startTestGraph();
  await t.settle();
  admin = await t.staffToken('admin');
});
afterAll(async () => t?.close());

/** RetailCRM's API as a test reads it; it shares the account's 10 requests a second with the graph, so it waits out the limit. */
async function crm(path: string, init?: RequestInit): Promise<any> {
  for (;;) {
    const res = await fetch(`${t.graph.urls.retailCrm}/api/v5/${path}${path.includes('?') ? '&' : '?'}apiKey=${t.config.RETAILCRM_API_KEY}`, init);
    if (res.status !== 503) return res.json();
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** RetailCRM customers with exactly this phone (E.164). */
async function crmWithPhone(phone: string): Promise<any[]> {
  const { customers } = await crm(`customers?filter[name]=${phone.slice(1)}&limit=100`);
  return customers.filter((c: any) => c.phones.some((p: any) => normalizePhone(p.number) === phone));
}

const crmTotal = async () => (await crm('customers?limit=20')).pagination.totalCount as number;

/** BonusPlus's account of a phone; the test reads with the graph's key, so a refusal for the limit is waited out. */
async function bonusPlusCustomer(digits: string) {
  for (;;) {
    const { status, body } = await bonusPlusLookup(t.graph.urls.bonusPlus!, t.config.BONUSPLUS_API_KEY, digits);
    if (status === 429) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    expect(status).toBe(200);
    return body;
  }
}

/** Starts an import as an admin and follows it through `showroomImportRuns` until it ends. */
async function importAndWait() {
  const started = await t.gql(IMPORT, {}, admin);
  expect(started.errors).toBeUndefined();
  const run = started.data.importShowroomCustomers;
  const deadline = Date.now() + 50_000;
  while (Date.now() < deadline) {
    const runs = await t.gql(RUNS, { last: 5 }, admin);
    expect(runs.errors).toBeUndefined();
    const now = runs.data.showroomImportRuns.find((r: { id: string }) => r.id === run.id);
    if (now.status !== 'RUNNING') return { started: run, finished: now };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the showroom import did not finish');
}

describe('showroom customers imported from BonusPlus into RetailCRM (F10, R11)', () => {
  it('only an admin starts an import; staff follow it; customers see nothing', async () => {
    for (const role of ['manager', 'cashier'] as const) {
      const refused = await t.gql(IMPORT, {}, await t.staffToken(role));
      expect(refused.data).toBeNull();
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const asCustomer = await t.gql(IMPORT, {}, await t.customerToken('00000000-0000-4000-8000-000000000001'));
    expect(asCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(IMPORT)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const customerRuns = await t.gql(RUNS, { last: 5 }, await t.customerToken('00000000-0000-4000-8000-000000000001'));
    expect(customerRuns.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(RUNS, { last: 5 })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const cashierRuns = await t.gql(RUNS, { last: 5 }, await t.staffToken('cashier'));
    expect(cashierRuns).toMatchObject({ data: { showroomImportRuns: [] } }); // nothing was started
    expect(cashierRuns.errors).toBeUndefined();
    expect((await t.gql(RUNS, { last: 0 }, admin)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('puts every showroom customer in RetailCRM exactly once and in customerByPhone; a second import creates nothing', async () => {
    const typedInCard = await crm('customers/create', {
      method: 'POST',
      body: new URLSearchParams({ site: t.config.RETAILCRM_SITE, customer: JSON.stringify({ firstName: 'Из шоурума', phones: [{ number: `8${typedIn.phoneDigits.slice(1)}` }] }) }),
    });
    expect(typedInCard.success).toBe(true);
    for (const p of showroom) if (p !== typedIn) expect(await crmWithPhone(`+${p.phoneDigits}`)).toEqual([]);
    const before = await crmTotal();

    const { started, finished } = await importAndWait();
    expect(started).toMatchObject({ status: 'RUNNING', customersRead: 0, imported: 0, nextRow: 1 });
    expect(finished).toMatchObject({
      status: 'SUCCEEDED',
      customersRead: ONLINE + SHOWROOM,
      imported: SHOWROOM - 1,
      alreadyKnown: ONLINE + 1,
      failed: 0,
      nextRow: ONLINE + SHOWROOM + 1,
      error: null,
      failures: [],
    });
    expect(finished.finishedAt).not.toBeNull();
    expect(await crmTotal()).toBe(before + SHOWROOM - 1);

    const staff = await t.staffToken('cashier');
    for (const p of showroom) {
      const phone = `+${p.phoneDigits}`;
      const inCrm = await crmWithPhone(phone);
      expect(inCrm, phone).toHaveLength(1);
      const found = await t.gql(BY_PHONE, { phone: `8 (${p.phoneDigits.slice(1, 4)}) ${p.phoneDigits.slice(4)}` }, await t.staffToken('manager'));
      expect(found.errors).toBeUndefined();
      const bp = await bonusPlusCustomer(p.phoneDigits);
      expect(found.data.customerByPhone).toMatchObject({
        id: inCrm[0].externalId,
        phone,
        ...(p === typedIn
          ? { firstName: 'Из шоурума', lastName: null, patronymic: null, email: null }
          : { firstName: p.firstName, lastName: p.lastName, patronymic: p.patronymic, email: p.email }),
        externalIds: { retailCrmId: inCrm[0].id, bonusPlusId: bp.id },
      });
      const asCashier = await t.gql(BY_PHONE, { phone }, staff);
      expect(asCashier.data.customerByPhone.id).toBe(inCrm[0].externalId);
    }

    const again = await importAndWait();
    expect(again.started.id).not.toBe(started.id);
    expect(again.finished).toMatchObject({ status: 'SUCCEEDED', customersRead: ONLINE + SHOWROOM, imported: 0, alreadyKnown: ONLINE + SHOWROOM, failed: 0 });
    expect(await crmTotal()).toBe(before + SHOWROOM - 1);
    const runs = await t.gql(RUNS, { last: 5 }, staff);
    expect(runs.data.showroomImportRuns.map((r: { id: string }) => r.id)).toEqual([again.started.id, started.id]);
  });

  it('gives each imported customer their BonusPlus account and balance, linked and on the CRM card, with no welcome bonus', async () => {
    const figures = new Map<string, any>();
    for (const p of showroom) figures.set(p.phoneDigits, await bonusPlusCustomer(p.phoneDigits));
    await t.settle();

    const staff = await t.staffToken('manager');
    for (const p of showroom) {
      const bp = figures.get(p.phoneDigits);
      const { data } = await t.gql(BY_PHONE, { phone: `+${p.phoneDigits}` }, staff);
      const id = data.customerByPhone.id as string;
      expect(data.customerByPhone.externalIds.bonusPlusId).toBe(bp.id);
      const account = await t.gql(CustomerCardDocument, { id }, admin);
      expect(account.errors).toBeUndefined();
      expect(account.data.customer.id).toBe(id);
      expect(account.data.customer.loyalty).toEqual({
        cardNumber: bp.discountCardNumber,
        tier: { name: bp.discountCardName },
        balance: { active: bp.availableBonuses, pending: bp.notActiveBonuses, spent: bp.debitedBonuses },
      });
      // BonusPlus was not asked to credit anything: the balance is the one the showroom gave them.
      expect(await bonusPlusCustomer(p.phoneDigits)).toMatchObject({ id: bp.id, availableBonuses: bp.availableBonuses, discountCardNumber: bp.discountCardNumber });
      // The loyalty account is linked to the customer, and its figures are on their CRM card (R4).
      const linked = await sql<{ customer_id: string }>`select customer_id from loyalty.accounts where phone = ${`+${p.phoneDigits}`}`.execute(t.database.db);
      expect(linked.rows).toEqual([{ customer_id: id }]);
      const card = await crm(`customers/${id}?by=externalId`);
      expect(card.customer.customFields).toMatchObject({
        bonus_card_number: bp.discountCardNumber,
        bonus_card_type: bp.discountCardName,
        bonus_active: bp.availableBonuses,
        bonus_pending: bp.notActiveBonuses,
        bonus_spent: bp.debitedBonuses,
      });
    }
    const welcome = await sql<{ n: number }>`
      select count(*)::int as n from bonusplus_emulator.bonus_transactions t join bonusplus_emulator.customers c on c.id = t.customer_id
       where t.reason = 'registration' and c.phone in (${sql.join(showroom.map((p) => p.phoneDigits))})`.execute(t.database.db);
    expect(welcome.rows).toEqual([{ n: 0 }]);
  });
});
