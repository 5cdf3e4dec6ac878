import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CARD_TYPES, demoLoyalty } from '../../emulators/seed/demo-loyalty.js';
import { demoPerson } from '../../emulators/seed/demo-people.js';
import { bonusPlusEmulatorSchema, createBonusPlusEmulator, type BonusPlusEmulator } from '../../emulators/bonusplus/bonusplus.emulator.js';
import { migrateSchema } from '../../platform/db/migrate.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { BonusPlusCustomerExistsError, createBonusPlusClient } from './bonusplus.client.js';
import { BonusPlusApiError, BonusPlusRetailError } from './bonusplus.port.js';

const KEY = 'connector-int-key';

let testDb: TestDatabase;
let emulator: BonusPlusEmulator;
let server: RunningServer;
let client: ReturnType<typeof createBonusPlusClient>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await migrateSchema(testDb.db, bonusPlusEmulatorSchema);
  emulator = createBonusPlusEmulator({ db: testDb.db, apiKeys: [KEY], requestsPerSecond: 0 });
  await emulator.seed({ onlineCustomers: 4, showroomCustomers: 2 });
  server = await emulator.start(0);
  client = createBonusPlusClient({ baseUrl: server.url, apiKey: KEY, timeoutMs: 2_000, requestsPerSecond: 0 });
});

afterEach(() => emulator.faults.clear());

afterAll(async () => {
  await client?.close();
  await server?.close();
  await testDb?.close();
});

describe('BonusPlus connector against the emulator', () => {
  it('reads a seeded customer by E.164 phone, and nothing for an unknown one', async () => {
    const person = demoPerson(3);
    const loyalty = demoLoyalty(3);
    const found = await client.findCustomer(`+${person.phoneDigits}`);
    expect(found).toMatchObject({
      id: 4,
      phone: person.phoneDigits,
      person: { fn: person.firstName, ln: person.lastName, mn: person.patronymic },
      email: person.email,
      availableBonuses: loyalty.availableBonuses,
      notActiveBonuses: loyalty.notActiveBonuses,
      debitedBonuses: loyalty.debitedBonuses,
      discountCardName: loyalty.cardType.name,
      discountCardNumber: loyalty.cardNumber,
      purchasesTotalSum: loyalty.purchasesTotalSum,
    });
    expect(await client.findCustomer('+79990000000')).toBeUndefined();
  });

  it('enrols a customer, refuses a second enrolment with CUSTOMER_ALREADY_EXISTS, changes the card type', async () => {
    const created = await client.createCustomer({ phone: '+79995550001', fn: 'Ольга', email: 'olga@example.ru', card: '2600999000001', regBonus: 500 });
    expect(created).toEqual({
      id: created.id,
      phone: '79995550001',
      person: { fn: 'Ольга' },
      email: 'olga@example.ru',
      availableBonuses: 500,
      notActiveBonuses: 0,
      allBonuses: 500,
      debitedBonuses: 0,
      discountCardName: 'Silver',
      discountCardNumber: '2600999000001',
      discountCardTypeId: 1,
      nextCardName: 'Gold',
      purchasesTotalSum: 0,
      purchasesSumToNextCard: 30_000,
      baseDiscountPercent: 0,
      baseBonusDebitPercent: 30,
      bonusDebitDenided: false,
      multiplicityDebitBonus: 10,
    });
    await expect(client.createCustomer({ phone: '+79995550001', regBonus: 500 })).rejects.toBeInstanceOf(BonusPlusCustomerExistsError);
    const gold = await client.changeCardType('+79995550001', 'Gold');
    expect(gold).toEqual({ ...created, discountCardName: 'Gold', discountCardTypeId: 2, nextCardName: 'Platinum', purchasesSumToNextCard: 100_000 });
    expect(await client.findCustomer('+79995550001')).toEqual(gold);
    await expect(client.changeCardType('+79995550001', 'Diamond')).rejects.toMatchObject({ status: 412, code: 'CARD_TYPE_NOT_FOUND' });
  });

  it('lists customers by phone and by page, and the card types', async () => {
    const byPhone = await client.listCustomers({ phone: [`+${demoPerson(5).phoneDigits}`, `+${demoPerson(1).phoneDigits}`] });
    expect(byPhone.map((c) => c.phone)).toEqual([demoPerson(1).phoneDigits, demoPerson(5).phoneDigits]);
    const page = await client.listCustomers({ startRow: 3, rowCount: 2 });
    expect(page.map((c) => c.id)).toEqual([3, 4]);
    await expect(client.listCustomers({ rowCount: 1001 })).rejects.toMatchObject({ status: 412, code: 'VALIDATION_ERROR' });
    expect(await client.listCardTypes()).toEqual(DEMO_CARD_TYPES.map((t) => ({ ...t })));
  });

  it('survives a lost reply to a create: the retry answers CUSTOMER_ALREADY_EXISTS and the account is there, bonus credited once', async () => {
    emulator.faults.set({ dropAfterApply: true, dropCount: 1, pathPattern: '^POST /api/customer$' });
    const before = client.upstream.requestCount;
    await expect(client.createCustomer({ phone: '+79995550002', regBonus: 500 })).rejects.toBeInstanceOf(BonusPlusCustomerExistsError);
    expect(client.upstream.requestCount - before).toBe(2);
    expect(await client.findCustomer('+79995550002')).toMatchObject({ phone: '79995550002', availableBonuses: 500 });
  });

  it('retries through 5xx and through the rate limit', async () => {
    emulator.faults.set({ failStatus: 503, failCount: 2, pathPattern: '^GET /api/customer$' });
    expect((await client.findCustomer(`+${demoPerson(0).phoneDigits}`))?.id).toBe(1);

    const limited = createBonusPlusEmulator({ db: testDb.db, apiKeys: [KEY], requestsPerSecond: 5 });
    const limitedServer = await limited.start(0);
    const eager = createBonusPlusClient({ baseUrl: limitedServer.url, apiKey: KEY, timeoutMs: 2_000, requestsPerSecond: 0 });
    try {
      const found = await Promise.all(Array.from({ length: 8 }, (_v, i) => eager.findCustomer(`+${demoPerson(i % 6).phoneDigits}`)));
      expect(found.map((c) => c?.id)).toEqual([1, 2, 3, 4, 5, 6, 1, 2]);
      // Some requests were refused with 429 and sent again.
      expect(eager.upstream.requestCount).toBeGreaterThan(8);
    } finally {
      await eager.close();
      await limitedServer.close();
    }
  });

  it('reports a wrong key as BonusPlusApiError 401', async () => {
    const stranger = createBonusPlusClient({ baseUrl: server.url, apiKey: 'wrong', timeoutMs: 2_000, requestsPerSecond: 0 });
    try {
      const error = await stranger.findCustomer('+79995550001').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BonusPlusApiError);
      expect({ ...(error as BonusPlusApiError) }).toMatchObject({ status: 401, code: 'HTTP_401', msg: 'Authorization has been denied for this request.' });
    } finally {
      await stranger.close();
    }
  });
});

describe('BonusPlus receipts end to end', () => {
  it('calc → reserve → sale consuming the reserve (replayed) → pay activates → partial and full return', async () => {
    const instant = createBonusPlusEmulator({ db: testDb.db, apiKeys: [KEY], requestsPerSecond: 0, bonusActivationDays: 0 });
    const instantServer = await instant.start(0);
    const paid = createBonusPlusClient({ baseUrl: instantServer.url, apiKey: KEY, timeoutMs: 2_000, requestsPerSecond: 0 });
    try {
      const phone = '+79995550010';
      await paid.createCustomer({ phone, regBonus: 1_000 });
      const cart = {
        phone,
        items: [
          { ext: 'L1', product: 'offer-1', qnt: 2, priceKopecks: 250_000, sumKopecks: 500_000 },
          { ext: 'L2', product: 'offer-2', qnt: 1, priceKopecks: 99_990, sumKopecks: 99_990 },
        ],
        bonusDebit: 300,
      };
      const quote = await paid.calculate(cart);
      expect(quote).toEqual({
        lines: [
          { ext: 'L1', earned: 237, debited: 250, discountKopecks: 0 },
          { ext: 'L2', earned: 47, debited: 50, discountKopecks: 0 },
        ],
        maxDebitBonuses: 1_000,
        debitMultiple: 10,
        bonusDebit: 300,
        earnedTotal: 284,
        availableBonuses: 1_000,
      });
      expect((await paid.calculate({ ...cart, bonusDebit: 1_010 })).debitProblem).toBe('NOT_ENOUGH_BONUSES');

      await paid.reserve(phone, 'order-e2e', 300);
      await paid.reserve(phone, 'order-e2e', 300);
      await expect(paid.reserve(phone, 'order-other', 800)).rejects.toMatchObject({ name: 'BonusPlusRetailError', code: 'NOT_ENOUGH_BONUSES' });
      expect((await paid.findCustomer(phone))?.availableBonuses).toBe(700);

      const receipt = await paid.registerSale({ ...cart, externalId: 'order-e2e', reserveId: 'order-e2e' });
      expect(receipt.customer).toMatchObject({ availableBonuses: 984, notActiveBonuses: 0, debitedBonuses: 300, purchasesTotalSum: 5_999.9 });
      expect(await paid.registerSale({ ...cart, externalId: 'order-e2e', reserveId: 'order-e2e' })).toEqual(receipt);
      await paid.release(phone, 'order-e2e', 300);
      expect((await paid.findCustomer(phone))?.availableBonuses).toBe(984);

      const half = await paid.registerReturn({ externalId: 'return-e2e-1', receiptExternalId: 'order-e2e', items: [{ ext: 'L1', qnt: 1 }] });
      expect(half).toMatchObject({ lines: [{ ext: 'L1', qnt: 1, earnedReversed: 119, debitedRefunded: 125 }], unrecovered: 0 });
      const rest = await paid.registerReturn({ externalId: 'return-e2e-2', receiptExternalId: 'order-e2e', items: [{ ext: 'L1', qnt: 1 }, { ext: 'L2', qnt: 1 }] });
      expect(rest.customer).toMatchObject({ availableBonuses: 1_000, purchasesTotalSum: 0 });
      const error = await paid.registerReturn({ externalId: 'return-e2e-3', receiptExternalId: 'order-e2e', items: [{ ext: 'L2', qnt: 1 }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BonusPlusRetailError);
      expect(error).toMatchObject({ status: 412, code: 'RETURN_QUANTITY_EXCEEDED' });
    } finally {
      await paid.close();
      await instantServer.close();
    }
  });

  it('keeps a sale\'s accrual pending under the program delay until the emulator activates it', async () => {
    const phone = '+79995550011';
    await client.createCustomer({ phone });
    await client.registerSale({ phone, items: [{ ext: '1', product: 'p', qnt: 1, priceKopecks: 100_000, sumKopecks: 100_000 }], bonusDebit: 0, externalId: 'order-pending' });
    expect(await client.findCustomer(phone)).toMatchObject({ availableBonuses: 0, notActiveBonuses: 50 });
    const res = await fetch(`${server.url}/__emulator/activate`, { method: 'POST', body: JSON.stringify({ phone }) });
    expect(await res.json()).toEqual({ activated: 50 });
    expect(await client.findCustomer(phone)).toMatchObject({ availableBonuses: 50, notActiveBonuses: 0 });
  });
});

describe('BonusPlus lots and ledger end to end (ASSUMED routes)', () => {
  it('reads the welcome and birthday lots, the ledger page by page, and the expiring lots of every customer', async () => {
    await client.createCustomer({ phone: '+79995550077', regBonus: 500 });
    const credited = await fetch(`${server.url}/__emulator/rules/birthday`, { method: 'POST', body: JSON.stringify({ phone: '79995550077', amount: 300 }) });
    expect(credited.status).toBe(200);

    const lots = await client.listBonusLots('+79995550077');
    expect(lots.map((l) => [l.reason, l.amount, l.remaining])).toEqual([
      ['birthday', 300, 300],
      ['registration', 500, 500],
    ]);
    expect(lots.every((l) => l.expiresAt instanceof Date && l.activeFrom instanceof Date)).toBe(true);

    const ledger = await client.listTransactions('+79995550077', { startRow: 1, rowCount: 1 });
    expect(ledger.map((t) => [t.kind, t.reason, t.amount])).toEqual([['credit', 'birthday', 300]]);
    expect((await client.listTransactions('+79995550077', { startRow: 2, rowCount: 1 })).map((t) => t.reason)).toEqual(['registration']);

    const expiring = await client.listExpiringLots(new Date(Date.now() + 31 * 86_400_000), { rowCount: 1000 });
    expect(expiring.filter((l) => l.phone === '79995550077').map((l) => [l.reason, l.remaining])).toEqual([['birthday', 300]]);
  });
});
