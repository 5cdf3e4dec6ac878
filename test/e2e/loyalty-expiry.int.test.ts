import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BonusHistoryDocument, CustomerBonusesDocument } from '../../clients/__generated__/graphql.js';
import { demoPerson } from '../../emulators/seed/demo-people.js';
import { enqueue } from '../../platform/outbox.js';
import { EXPIRY_WARNING_TOPIC } from '../../subgraphs/loyalty/crm-card/expiry-warning.message.js';
import { retailerDate } from '../../subgraphs/loyalty/crm-card/expiry-warning.service.js';
import { loyaltyRefreshMessage } from '../../contracts/loyalty-refresh.message.js';
import { saveAccountDetails } from '../../subgraphs/loyalty/loyalty.repository.js';
import type { LoyaltyDb } from '../../subgraphs/loyalty/loyalty.table.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { crmApi, registerEnrolled, type Shopper } from '../support/order-fixtures.js';

const DAY = 86_400_000;

/** A lot as the emulator's control route answers it. */
interface CreditedLot {
  id: number;
  reason: string;
  amount: number;
  expiresAt: string;
}

let t: TestGraph;
const WARNING_DAYS = 31;

beforeAll(async () => {
  // A window of 31 days catches the birthday and holiday bonuses (30 days) and not the welcome one (90).
  t = await startTestGraph({ LOYALTY_EXPIRY_WARNING_DAYS: String(WARNING_DAYS), RETAILCRM_RPS: '200', BONUSPLUS_RPS: '500' });
  await t.settle();
});
afterAll(async () => t?.close());

/** Credits bonuses the way BonusPlus's own scheduled program rule would. */
async function credit(rule: 'birthday' | 'holiday' | 'referral', phone: string, amount: number): Promise<CreditedLot> {
  const res = await fetch(`${t.graph.urls.bonusPlus}/__emulator/rules/${rule}`, { method: 'POST', body: JSON.stringify({ phone: phone.replace(/\D/g, ''), amount }) });
  expect(res.status).toBe(200);
  return (await res.json()) as CreditedLot;
}

/** What the order side sends after moving bonuses: the account is read again from BonusPlus. */
async function refresh(phone: string): Promise<void> {
  await enqueue(t.database.db, loyaltyRefreshMessage(phone));
  await t.settle();
}

async function account(shopper: Shopper, variables: Record<string, unknown> = {}) {
  const result = await t.gql(BonusHistoryDocument, variables, shopper.token);
  expect(result.errors).toBeUndefined();
  return result.data.me.loyalty;
}

async function crmCard(customerId: string) {
  const res = await crmApi(t, `customers/${customerId}?by=externalId`);
  return ((await res.json()) as any).customer;
}

const warningMessages = () =>
  t.database.db
    .selectFrom('platform.outbox')
    .select(['dedupe_key', 'payload', 'status'])
    .where('topic', '=', EXPIRY_WARNING_TOPIC)
    .orderBy('id')
    .execute();

describe('expiring bonuses on the account page (F11, R13)', () => {
  let shopper: Shopper;
  let birthday: CreditedLot;
  let holiday: CreditedLot;

  beforeAll(async () => {
    shopper = await registerEnrolled(t, '+79261110001');
    birthday = await credit('birthday', shopper.phone, 300);
    holiday = await credit('holiday', shopper.phone, 200);
    await refresh(shopper.phone);
  });

  it('shows the lots expiring within the window, soonest first, with reason and expiry', async () => {
    const within45 = await account(shopper, { withinDays: 45 });
    expect(within45.balance.active).toBe(t.config.LOYALTY_WELCOME_BONUS + 500);
    expect(within45.expiring).toEqual([
      { id: String(birthday.id), reason: 'BIRTHDAY', amount: 300, remaining: 300, activeFrom: expect.any(String), expiresAt: birthday.expiresAt },
      { id: String(holiday.id), reason: 'HOLIDAY', amount: 200, remaining: 200, activeFrom: expect.any(String), expiresAt: holiday.expiresAt },
    ]);

    const within120 = await account(shopper, { withinDays: 120 });
    expect(within120.expiring.map((l: any) => [l.reason, l.remaining])).toEqual([
      ['BIRTHDAY', 300],
      ['HOLIDAY', 200],
      ['WELCOME', t.config.LOYALTY_WELCOME_BONUS],
    ]);
    const welcomeDays = (Date.parse(within120.expiring[2].expiresAt) - Date.parse(within120.expiring[2].activeFrom)) / DAY;
    expect(welcomeDays).toBe(90);

    expect((await account(shopper, { withinDays: 0 })).expiring).toEqual([]);
    // The default window is 30 days: the 30-day lots fall inside it.
    expect((await account(shopper)).expiring.map((l: any) => l.reason)).toEqual(['BIRTHDAY', 'HOLIDAY']);
  });

  it('lists the program rules as transactions with their reason, newest first, none of them manual', async () => {
    const { transactions } = await account(shopper);
    expect(transactions.edges.map((e: any) => [e.node.reason, e.node.amount, e.node.expiresAt])).toEqual([
      ['HOLIDAY', 200, holiday.expiresAt],
      ['BIRTHDAY', 300, birthday.expiresAt],
      ['WELCOME', t.config.LOYALTY_WELCOME_BONUS, expect.any(String)],
    ]);
    expect(transactions.pageInfo.hasNextPage).toBe(false);

    const first = await account(shopper, { first: 2 });
    expect(first.transactions.pageInfo.hasNextPage).toBe(true);
    const rest = await account(shopper, { first: 2, after: first.transactions.pageInfo.endCursor });
    expect([...first.transactions.edges, ...rest.transactions.edges].map((e: any) => e.node.id)).toEqual(transactions.edges.map((e: any) => e.node.id));
    expect(rest.transactions.pageInfo).toEqual({ hasNextPage: false, endCursor: rest.transactions.edges[0].cursor });
  });

  it('serves a second read from the read model, without asking BonusPlus', async () => {
    const before = t.graph.upstream.bonusPlus.upstream.requestCount;
    await account(shopper, { withinDays: 45 });
    expect(t.graph.upstream.bonusPlus.upstream.requestCount).toBe(before);
  });

  it('still shows the stored lots and ledger while BonusPlus is down (R18)', async () => {
    const shown = await account(shopper, { withinDays: 45 });
    // Make the stored rows old, so that the read goes to BonusPlus and finds it down.
    await sql`update loyalty.accounts set synced_at = now() - interval '1 day', details_synced_at = now() - interval '1 day' where phone = ${shopper.phone}`.execute(t.database.db);
    t.graph.emulators!.bonusPlus.faults.set({ down: true });
    const asked = t.graph.upstream.bonusPlus.upstream.requestCount;
    try {
      const result = await t.gql(BonusHistoryDocument, { withinDays: 45 }, shopper.token);
      expect(t.graph.upstream.bonusPlus.upstream.requestCount).toBeGreaterThan(asked);
      expect(result.errors).toBeUndefined();
      expect(result.data.me.loyalty.expiring).toEqual(shown.expiring);
      expect(result.data.me.loyalty.transactions).toEqual(shown.transactions);
    } finally {
      await t.healUpstreams();
    }
  });

  it('refuses bad arguments with BAD_USER_INPUT', async () => {
    for (const variables of [{ withinDays: -1 }, { withinDays: 3651 }, { first: 0 }, { first: 101 }, { after: 'not-a-cursor' }]) {
      const result = await t.gql(BonusHistoryDocument, variables, shopper.token);
      expect([variables, result.errors?.[0]?.extensions?.code]).toEqual([variables, 'BAD_USER_INPUT']);
    }
  });

  it('shows them to staff, and refuses another customer', async () => {
    const staff = await t.gql(CustomerBonusesDocument, { id: shopper.id, withinDays: 60 }, await t.staffToken('manager'));
    expect(staff.errors).toBeUndefined();
    expect(staff.data.customer.loyalty.expiring.map(({ reason, remaining }: { reason: string; remaining: number }) => ({ reason, remaining }))).toEqual([
      { reason: 'BIRTHDAY', remaining: 300 },
      { reason: 'HOLIDAY', remaining: 200 },
    ]);
    const stranger = await t.gql(CustomerBonusesDocument, { id: shopper.id, withinDays: 60 }, await t.customerToken(randomUUID()));
    expect(stranger.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(stranger.data?.customer ?? null).toBeNull();
  });
});

describe('spending draws the soonest-expiring bonuses first', () => {
  it('a paid sale that consumed its hold takes the birthday and holiday bonuses before the welcome one, and the referral bonus last', async () => {
    const shopper = await registerEnrolled(t, '+79261110003');
    await credit('birthday', shopper.phone, 300);
    await credit('holiday', shopper.phone, 200);
    const referral = await credit('referral', shopper.phone, 1000);
    const orderId = randomUUID();

    // What the order side does: hold at placement, the sale consuming the hold once paid, then a refresh.
    const bonusPlus = t.graph.upstream.bonusPlus;
    await bonusPlus.reserve(shopper.phone, orderId, 600);
    const sale = await bonusPlus.registerSale({
      phone: shopper.phone,
      externalId: orderId,
      reserveId: orderId,
      bonusDebit: 600,
      items: [{ ext: '1', product: 'coat', qnt: 1, priceKopecks: 500_000, sumKopecks: 500_000 }],
    });
    await refresh(shopper.phone);

    const { expiring, transactions, balance } = await account(shopper, { withinDays: 365 });
    const welcome = t.config.LOYALTY_WELCOME_BONUS;
    // 300 birthday + 200 holiday + 100 of the welcome bonus; the referral bonus (180 days) untouched.
    expect(expiring.map((l: any) => [l.reason, l.amount, l.remaining])).toEqual([
      ['WELCOME', welcome, welcome - 100],
      ['REFERRAL', 1000, 1000],
    ]);
    expect(expiring[1].expiresAt).toBe(referral.expiresAt);
    const earned = sale.customer.availableBonuses - (welcome - 100 + 1000);
    expect(earned).toBe(220); // 5 % of 4,400 roubles paid
    expect(balance.active).toBe(welcome - 100 + 1000 + earned);

    const moves = transactions.edges.map((e: any) => [e.node.reason, e.node.amount]);
    expect(moves.slice(0, 2)).toEqual([
      ['PURCHASE', earned],
      ['SPENT', -600],
    ]);
    expect(moves.filter(([reason]: [string]) => reason === 'RESERVE')).toEqual([['RESERVE', -600]]);
    expect(moves.filter(([reason]: [string]) => reason === 'RELEASE').reduce((s: number, [, amount]: [string, number]) => s + amount, 0)).toBe(600);
    expect(moves.some(([reason]: [string]) => reason === 'MANUAL')).toBe(false);
  });
});

describe('the daily warning run', () => {
  it('queues one CRM warning per lot expiring within the window, however often it runs, and the card gets the fields', async () => {
    const shopper = await registerEnrolled(t, '+79261110002');
    const lot = await credit('holiday', shopper.phone, 150);
    // A showroom-only buyer: known to BonusPlus, no CRM card linked to a loyalty account.
    const showroom = demoPerson(Number(t.config.SEED_ONLINE_CUSTOMERS) + 1);
    const showroomLot = await credit('birthday', `+${showroom.phoneDigits}`, 100);

    const expected = await t.graph.upstream.bonusPlus.listExpiringLots(new Date(Date.now() + WARNING_DAYS * DAY), { rowCount: 1000 });
    expect(expected.map((l) => l.id)).toEqual(expect.arrayContaining([lot.id, showroomLot.id]));
    expect(expected.every((l) => l.reason !== 'registration')).toBe(true);

    const first = await t.graph.loyalty.expiryWarnings.runNow();
    expect(first).toEqual({ lots: expected.length, queued: expected.length - 1, alreadyQueued: 0, deferred: 1 });
    const second = await t.graph.loyalty.expiryWarnings.runNow();
    expect(second).toEqual({ lots: expected.length, queued: 0, alreadyQueued: expected.length - 1, deferred: 1 });

    const messages = await warningMessages();
    expect(messages.map((m) => m.dedupe_key).sort()).toEqual(
      expected
        .filter((l) => l.id !== showroomLot.id)
        .map((l) => `bonus-expiry-warning:${l.id}`)
        .sort(),
    );
    const mine = messages.find((m) => m.dedupe_key === `bonus-expiry-warning:${lot.id}`)!;
    expect(typeof mine.payload === 'string' ? JSON.parse(mine.payload) : mine.payload).toEqual({
      customerId: shopper.id,
      phone: shopper.phone,
      lotId: lot.id,
      amount: 150,
      expiresAt: lot.expiresAt,
    });

    await t.settle();
    expect((await warningMessages()).map((m) => m.status)).toEqual(messages.map(() => 'done'));
    const card = await crmCard(shopper.id);
    expect(card.customFields).toMatchObject({ bonus_expiring_amount: 150, bonus_expiring_at: retailerDate(new Date(lot.expiresAt)) });

    // A lot credited later is warned about on the next run, once.
    const later = await credit('birthday', shopper.phone, 90);
    expect(await t.graph.loyalty.expiryWarnings.runNow()).toMatchObject({ queued: 1, alreadyQueued: expected.length - 1, deferred: 1 });
    expect(await t.graph.loyalty.expiryWarnings.runNow()).toMatchObject({ queued: 0 });
    await t.settle();
    expect((await crmCard(shopper.id)).customFields).toMatchObject({ bonus_expiring_amount: 90, bonus_expiring_at: retailerDate(new Date(later.expiresAt)) });
  });
});

describe('the stored lots of one account', () => {
  it('two reads of the account saving at once take turns: none fails, one set of lots stays', async () => {
    const shopper = await registerEnrolled(t, '+79261110009');
    const lots = [{ id: 990_001, reason: 'birthday', amount: 100, remaining: 100, activeFrom: new Date(), expiresAt: null }];
    const db = t.database.db as Kysely<LoyaltyDb>;
    // On Postgres the saves run side by side (on PGlite one at a time): without turns, one inserts the lot the other just stored.
    const saves = await Promise.allSettled(Array.from({ length: 8 }, () => db.transaction().execute((trx) => saveAccountDetails(trx, shopper.phone, lots, [], new Date()))));
    expect(saves.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason))).toEqual([]);
    expect(await db.selectFrom('loyalty.bonus_lots').select('lot_id').where('phone', '=', shopper.phone).where('lot_id', '=', 990_001).execute()).toHaveLength(1);
  });
});
