import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OneCOrdersPort } from '../../../connectors/onec/onec-orders.port.js';
import { createOneCClient } from '../../../connectors/onec/onec.client.js';
import { createOneCEmulator, oneCEmulatorSchema, type OneCEmulator } from '../../../emulators/onec/onec.emulator.js';
import { DEMO_WAREHOUSES, demoProducts } from '../../../emulators/seed/demo-catalog.js';
import { migrateAll } from '../../../platform/db/migrate.js';
import { AppError } from '../../../platform/errors.js';
import type { RunningServer } from '../../../platform/http/http-server.js';
import { createLogger } from '../../../platform/logger.js';
import { PermanentFailure } from '../../../platform/outbox.js';
import { platformSchema } from '../../../platform/platform.migrations.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import { ONEC_PARTY_LINK_TOPIC } from '../../../contracts/onec-party-link.message.js';
import { demoCounterpartyRef, demoPartnerRef } from '../../../emulators/onec/onec-parties.repository.js';
import { demoPerson } from '../../../emulators/seed/demo-people.js';
import type { CustomerDirectory, InventoryService, OrderCustomer, StockHoldInfo } from '../graph-services.js';
import { cancelOrderInOneC, ONEC_ORDER_STATES_CURSOR, pollOneCStates, POSTING_REFUSED, sendOrderToOneC } from './onec-exchange.service.js';
import { derivedPartyRef } from './onec-party.service.js';
import type { OrderDeps } from '../order.deps.js';
import { orderSchema } from '../order.migrations.js';
import { ORDER_TOPICS } from '../order.messages.js';
import type { HeldStockLine, OrderDb } from '../order.table.js';

const LOGIN = 'Обмен';
const PASSWORD = 'secret';
const SERVICE = '/trade/odata/standard.odata';
const AUTH = `Basic ${Buffer.from(`${LOGIN}:${PASSWORD}`, 'utf8').toString('base64')}`;

// Every test takes offers of its own, so the reserve figures it reads are its own.
const cells = [...demoProducts(0, 3)].flatMap((p) => p.offers.map((o) => ({ productId: p.ref, offerId: o.ref })));
let nextCell = 0;
const takeOffer = () => cells[nextCell++]!;
const [W1, W2] = [DEMO_WAREHOUSES[0]!.ref, DEMO_WAREHOUSES[5]!.ref].sort();
const STOCK = 20;

let testDb: TestDatabase;
let db: Kysely<OrderDb>;
let emulator: OneCEmulator;
let server: RunningServer;
let client: ReturnType<typeof createOneCClient>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db as Kysely<OrderDb>;
  await migrateAll(testDb.db, [platformSchema, orderSchema, oneCEmulatorSchema]);
  emulator = createOneCEmulator({ db: testDb.db, users: [{ login: LOGIN, password: PASSWORD }] });
  // Online customer 1 also bought in a showroom: 1C has known them as a partner all along.
  await emulator.seed({ products: 3, onlineCustomers: 2, showroomCustomers: 0 });
  for (const cell of cells.slice(0, 30)) {
    for (const warehouseRef of [W1!, W2!]) await emulator.setStock({ productRef: cell.productId, characteristicRef: cell.offerId, warehouseRef, inHand: STOCK, reserved: 0 });
  }
  server = await emulator.start(0);
  client = createOneCClient({ baseUrl: `${server.url}/trade`, login: LOGIN, password: PASSWORD, timeoutMs: 2_000, maxRetries: 2, breakerHalfOpenAfterMs: 50 });
});
afterAll(async () => {
  await client?.close();
  await server?.close();
  await testDb?.close();
});

/** The inventory subgraph as the exchange sees it: commits are recorded; one may be made to fail. */
function fakeInventory(fail?: AppError) {
  const commits: string[] = [];
  const hold = (id: string): StockHoldInfo => ({ id, status: 'COMMITTED', expiresAt: new Date().toISOString(), lines: [] });
  const unused = () => Promise.reject(new Error('not used by the 1C exchange'));
  const inventory: InventoryService = {
    offers: unused,
    holdStock: unused,
    releaseHold: unused,
    async commitHold(holdId) {
      commits.push(holdId);
      if (fail) throw fail;
      return hold(holdId);
    },
  };
  return { inventory, commits };
}

/** The customer subgraph as the exchange sees it: customers by id; one not registered here has no phone. */
const customersById = new Map<string, OrderCustomer>();
const directory: CustomerDirectory = {
  customer: async (id) => customersById.get(id) ?? { id, phone: null, retailCrmId: null, firstName: null, lastName: null, email: null, oneCGuid: null },
};
function newCustomer(phone: string, oneCGuid: string | null = null): OrderCustomer {
  const customer = { id: randomUUID(), phone, retailCrmId: null, firstName: 'Вера', lastName: 'Новикова', email: null, oneCGuid };
  customersById.set(customer.id, customer);
  return customer;
}

function depsWith(o: { oneC?: OneCOrdersPort; inventory?: InventoryService } = {}): OrderDeps {
  const unused = new Proxy({}, { get: (_, name) => () => Promise.reject(new Error(`${String(name)} is not used by the 1C exchange`)) });
  return {
    db: testDb.db,
    oneC: o.oneC ?? client,
    inventory: o.inventory ?? fakeInventory().inventory,
    logger: createLogger('order-test'),
    crm: unused as OrderDeps['crm'],
    bonusPlus: unused as OrderDeps['bonusPlus'],
    customers: directory,
    settings: { holdTtlSeconds: 900, placementTimeoutMs: 60_000, customerReturns: true, lateReserveReleaseSeconds: 180 },
  };
}

interface LineSpec {
  readonly cell: { productId: string; offerId: string };
  readonly quantity: number;
  readonly price: number;
  readonly discount?: number;
  readonly bonuses?: number;
  /** Units held per warehouse; all in W1 when absent. */
  readonly held?: Readonly<Record<string, number>>;
}

/** An approved graph order with its stock held, as placement and approval leave it. */
async function approvedOrder(lines: readonly LineSpec[], state: 'APPROVED' | 'PLACED' = 'APPROVED', customerId = 'customer-1') {
  const id = randomUUID();
  const holdId = randomUUID();
  const held: HeldStockLine[] = lines.flatMap((l) => Object.entries(l.held ?? { [W1!]: l.quantity }).map(([warehouseId, quantity]) => ({ offerId: l.cell.offerId, warehouseId, quantity })));
  const number = `${Math.floor(Math.random() * 90_000) + 10_000}A`;
  await db
    .insertInto('ordering.orders')
    .values({ id, origin: 'graph', customer_id: customerId, number, state, stock_hold_id: holdId, stock_hold_lines: JSON.stringify(held) })
    .execute();
  await db
    .insertInto('ordering.order_lines')
    .values(
      lines.map((l, i) => ({
        order_id: id,
        line_no: i + 1,
        offer_id: l.cell.offerId,
        product_id: l.cell.productId,
        product_name: `Товар ${i + 1}`,
        quantity: l.quantity,
        price: l.price,
        discount: l.discount ?? 0,
        bonuses_spent: l.bonuses ?? 0,
        bonuses_earned: 0,
        total: l.quantity * l.price - (l.discount ?? 0) - (l.bonuses ?? 0) * 100,
      })),
    )
    .execute();
  return { id, holdId, number };
}

const rowsOf = (orderId: string) => db.selectFrom('ordering.onec_orders').selectAll().where('order_id', '=', orderId).orderBy('external_number').execute();
const stateOf = async (orderId: string) => (await db.selectFrom('ordering.orders').select('state').where('id', '=', orderId).executeTakeFirstOrThrow()).state;
const crmStatusMessages = (orderId: string) =>
  testDb.db
    .selectFrom('platform.outbox')
    .select('payload')
    .where('topic', '=', ORDER_TOPICS.crmStatus)
    .orderBy('id')
    .execute()
    .then((rows) => rows.map((r) => r.payload as { orderId: string; status: string }).filter((p) => p.orderId === orderId).map((p) => p.status));

/** Every 1C order carrying this number, read through OData: the connector's own lookup stops at one. */
async function oneCOrdersNumbered(externalNumber: string): Promise<{ Ref_Key: string; Posted: boolean; Статус: string }[]> {
  const path = `Document_ЗаказКлиента?$format=json&$select=Ref_Key,Posted,Статус&$filter=НомерПоДаннымКлиента eq '${externalNumber}'`;
  const res = await fetch(`${server.url}${SERVICE}/${encodeURI(path)}`, { headers: { authorization: AUTH, accept: 'application/json' } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { value: { Ref_Key: string; Posted: boolean; Статус: string }[] }).value;
}

/** The parties a 1C document names, as 1C stores them. */
const partiesOf = async (ref: string) => {
  const doc = await testDb.db.selectFrom('onec_emulator.documents').select('attrs').where('ref', '=', ref).executeTakeFirstOrThrow();
  return { partner: doc.attrs.Партнер_Key, counterparty: doc.attrs.Контрагент_Key };
};
/** Every partner and counterparty whose contact information holds the phone (digits). */
const partiesWithPhone = (digits: string) =>
  testDb.db
    .selectFrom('onec_emulator.catalog_objects')
    .select(['entity_set', 'ref', 'attrs'])
    .where(sql<boolean>`attrs->'КонтактнаяИнформация' @> ${JSON.stringify([{ НомерТелефона: digits }])}::jsonb`)
    .orderBy('entity_set')
    .execute()
    .then((rows) => rows.map((r) => ({ set: r.entity_set, ref: r.ref, partner: (r.attrs as { Партнер_Key?: string }).Партнер_Key ?? null })));
const linkMessages = (customerId: string) =>
  testDb.db
    .selectFrom('platform.outbox')
    .select('payload')
    .where('topic', '=', ONEC_PARTY_LINK_TOPIC)
    .orderBy('id')
    .execute()
    .then((rows) => rows.map((r) => r.payload as { customerId: string; partnerRef: string; counterpartyRef: string }).filter((p) => p.customerId === customerId));

const reservedIn = async (warehouseRef: string, offerId: string) => (await client.listStock({ top: 1000, warehouseRefs: [warehouseRef] })).find((s) => s.characteristicRef === offerId)?.reserved ?? 0;

/** A 1C port whose process "dies" right after 1C made the order, before its reply is recorded. */
const crashingAfterCreate = (): OneCOrdersPort => ({
  ...client,
  async createOrder(draft) {
    await client.createOrder(draft);
    throw new Error('process killed after the create');
  },
});

describe('sendOrderToOneC', () => {
  it('one warehouse: one posted 1C order numbered by the order id, lines as ordered, the hold committed', async () => {
    const a = takeOffer();
    const b = takeOffer();
    const order = await approvedOrder([
      { cell: a, quantity: 2, price: 299_000, discount: 1_000, bonuses: 50 },
      { cell: b, quantity: 1, price: 150_050 },
    ]);
    const { inventory, commits } = fakeInventory();

    await sendOrderToOneC(depsWith({ inventory }), order.id);

    const [row] = await rowsOf(order.id);
    expect(await rowsOf(order.id)).toEqual([{ order_id: order.id, warehouse_id: W1, external_number: order.id, ref: expect.any(String), posted: true, state: null, state_changed_at: null }]);
    const inOneC = await client.findOrderByExternalNumber(order.id);
    expect(inOneC).toMatchObject({
      ref: row!.ref,
      posted: true,
      status: 'КОтгрузке',
      warehouseRef: W1,
      totalKopecks: 2 * 299_000 - 6_000 + 150_050,
      lines: [
        { lineNumber: 1, productRef: a.productId, characteristicRef: a.offerId, quantity: 2, priceKopecks: 299_000, discountKopecks: 6_000, amountKopecks: 592_000 },
        { lineNumber: 2, productRef: b.productId, characteristicRef: b.offerId, quantity: 1, priceKopecks: 150_050, discountKopecks: 0, amountKopecks: 150_050 },
      ],
    });
    expect(await reservedIn(W1!, a.offerId)).toBe(2);
    expect(commits).toEqual([order.holdId]);
  });

  it('two warehouses: one 1C order each, numbered /1 and /2 in warehouse order; each line discount split by units adds up exactly', async () => {
    const a = takeOffer();
    const b = takeOffer();
    // Line 1: 800 kopecks of discount (100 manual + 7 bonuses) over 2 + 1 units → 533 and 267.
    const order = await approvedOrder([
      { cell: a, quantity: 3, price: 100_000, discount: 100, bonuses: 7, held: { [W1!]: 2, [W2!]: 1 } },
      { cell: b, quantity: 2, price: 50_000, bonuses: 3, held: { [W2!]: 2 } },
    ]);
    const { inventory, commits } = fakeInventory();

    await sendOrderToOneC(depsWith({ inventory }), order.id);

    const rows = await rowsOf(order.id);
    expect(rows.map((r) => [r.external_number, r.warehouse_id, r.posted])).toEqual([
      [`${order.id}/1`, W1, true],
      [`${order.id}/2`, W2, true],
    ]);
    const first = (await client.findOrderByExternalNumber(`${order.id}/1`))!;
    const second = (await client.findOrderByExternalNumber(`${order.id}/2`))!;
    expect(first).toMatchObject({ posted: true, warehouseRef: W1, lines: [{ characteristicRef: a.offerId, quantity: 2, discountKopecks: 533 }] });
    expect(first.lines).toHaveLength(1);
    expect(second).toMatchObject({
      posted: true,
      warehouseRef: W2,
      lines: [
        { characteristicRef: a.offerId, quantity: 1, discountKopecks: 267 },
        { characteristicRef: b.offerId, quantity: 2, discountKopecks: 300 },
      ],
    });
    const discountOf = (offerId: string) => [...first.lines, ...second.lines].filter((l) => l.characteristicRef === offerId).reduce((s, l) => s + l.discountKopecks, 0);
    expect(discountOf(a.offerId)).toBe(800);
    expect(discountOf(b.offerId)).toBe(300);
    expect(first.totalKopecks + second.totalKopecks).toBe(3 * 100_000 + 2 * 50_000 - 800 - 300);
    expect([await reservedIn(W1!, a.offerId), await reservedIn(W2!, a.offerId), await reservedIn(W2!, b.offerId)]).toEqual([2, 1, 2]);
    expect(commits).toEqual([order.holdId]);
  });

  it('run twice, or again after a crash between the create and recording its ref: no second 1C order', async () => {
    const twice = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 10_000 }]);
    await sendOrderToOneC(depsWith(), twice.id);
    await sendOrderToOneC(depsWith(), twice.id);
    expect(await oneCOrdersNumbered(twice.id)).toEqual([{ Ref_Key: (await rowsOf(twice.id))[0]!.ref, Posted: true, Статус: 'КОтгрузке' }]);

    const crashed = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 10_000, held: { [W1!]: 1 } }, { cell: takeOffer(), quantity: 1, price: 20_000, held: { [W2!]: 1 } }]);
    const { inventory, commits } = fakeInventory();
    await expect(sendOrderToOneC(depsWith({ oneC: crashingAfterCreate(), inventory }), crashed.id)).rejects.toThrow('process killed');
    // The row was recorded before 1C was asked; its ref never came back.
    expect((await rowsOf(crashed.id)).map((r) => [r.external_number, r.ref, r.posted])).toEqual([[`${crashed.id}/1`, null, false]]);
    expect(await oneCOrdersNumbered(`${crashed.id}/1`)).toEqual([{ Ref_Key: expect.any(String), Posted: false, Статус: 'КОтгрузке' }]);

    await sendOrderToOneC(depsWith({ inventory }), crashed.id);
    const [one, two] = await oneCOrdersNumbered(`${crashed.id}/1`);
    expect(two).toBeUndefined();
    expect(one).toMatchObject({ Posted: true });
    expect((await rowsOf(crashed.id)).map((r) => [r.external_number, r.ref, r.posted])).toEqual([
      [`${crashed.id}/1`, one!.Ref_Key, true],
      [`${crashed.id}/2`, expect.any(String), true],
    ]);
    expect(await oneCOrdersNumbered(`${crashed.id}/2`)).toHaveLength(1);
    expect(commits).toEqual([crashed.holdId]);
  });

  it('a run that died after posting, run again once the warehouse shipped: posted, not a false refusal', async () => {
    const order = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 10_000 }]);
    await sendOrderToOneC(depsWith(), order.id);
    const ref = (await rowsOf(order.id))[0]!.ref!;
    await emulator.shipOrder(ref);
    const { inventory, commits } = fakeInventory();

    // As if the process died between 1C's answer to the post and recording it, with or without the ref recorded.
    for (const lost of [{ posted: false }, { posted: false, ref: null }]) {
      await db.updateTable('ordering.onec_orders').set(lost).where('order_id', '=', order.id).execute();
      await sendOrderToOneC(depsWith({ inventory }), order.id);
      expect((await rowsOf(order.id)).map((r) => [r.ref, r.posted, r.state])).toEqual([[ref, true, null]]);
    }
    expect(commits).toEqual([order.holdId, order.holdId]);
  });

  it('a posting refusal is marked on the row, not thrown; the hold stays uncommitted; polling keeps the mark', async () => {
    const scarce = takeOffer();
    await emulator.setStock({ productRef: scarce.productId, characteristicRef: scarce.offerId, warehouseRef: W1!, inHand: 1, reserved: 0 });
    const order = await approvedOrder([{ cell: scarce, quantity: 2, price: 10_000 }]);
    const { inventory, commits } = fakeInventory();

    await expect(sendOrderToOneC(depsWith({ inventory }), order.id)).resolves.toBeUndefined();

    expect((await rowsOf(order.id)).map((r) => [r.ref !== null, r.posted, r.state])).toEqual([[true, false, POSTING_REFUSED]]);
    expect(await oneCOrdersNumbered(order.id)).toMatchObject([{ Posted: false }]);
    expect(commits).toEqual([]);
    await pollOneCStates(depsWith());
    expect((await rowsOf(order.id))[0]!.state).toBe(POSTING_REFUSED);
  });

  it('a hold that expired meanwhile is logged, not thrown; a cancelled order is not sent', async () => {
    const order = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 10_000 }]);
    const { inventory, commits } = fakeInventory(new AppError('STOCK_HOLD_EXPIRED', 'The stock hold has expired'));
    await sendOrderToOneC(depsWith({ inventory }), order.id);
    expect(commits).toEqual([order.holdId]);
    expect((await rowsOf(order.id))[0]!.posted).toBe(true);

    const cancelled = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 10_000 }]);
    await db.updateTable('ordering.orders').set({ state: 'CANCELLED' }).where('id', '=', cancelled.id).execute();
    await sendOrderToOneC(depsWith(), cancelled.id);
    expect(await rowsOf(cancelled.id)).toEqual([]);
    expect(await oneCOrdersNumbered(cancelled.id)).toEqual([]);
  });

  it('an order cancelled while its 1C order was being made: that 1C order is closed, the hold not committed', async () => {
    const order = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 10_000 }]);
    const { inventory, commits } = fakeInventory();
    // The cancellation commits after the state check and before 1C answers: its own handler may have found nothing yet.
    const racing: OneCOrdersPort = {
      ...client,
      async createOrder(draft) {
        const made = await client.createOrder(draft);
        await db.updateTable('ordering.orders').set({ state: 'CANCELLED' }).where('id', '=', order.id).execute();
        return made;
      },
    };

    await sendOrderToOneC(depsWith({ oneC: racing, inventory }), order.id);

    expect(await oneCOrdersNumbered(order.id)).toMatchObject([{ Статус: 'Закрыт' }]);
    expect(commits).toEqual([]);
  });
});

describe('the customer on every 1C document (R2)', () => {
  it('a new customer: partner and counterparty made in 1C with the phone, named on the order, the link queued; a second order makes none', async () => {
    const customer = newCustomer('+79990000101');
    const first = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 100_000 }], 'APPROVED', customer.id);
    await sendOrderToOneC(depsWith(), first.id);

    const partnerRef = derivedPartyRef('partner', customer.id);
    const counterpartyRef = derivedPartyRef('counterparty', customer.id);
    expect(partnerRef).not.toBe(counterpartyRef);
    const [row] = await rowsOf(first.id);
    expect(await partiesOf(row!.ref!)).toEqual({ partner: partnerRef, counterparty: counterpartyRef });
    expect(await partiesWithPhone('79990000101')).toEqual([
      { set: 'Catalog_Контрагенты', ref: counterpartyRef, partner: partnerRef },
      { set: 'Catalog_Партнеры', ref: partnerRef, partner: null },
    ]);
    expect(await linkMessages(customer.id)).toEqual([{ customerId: customer.id, partnerRef, counterpartyRef }]);

    // The link not recorded yet (the message still queued): 1C finds the partner by phone.
    const second = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 100_000 }], 'APPROVED', customer.id);
    await sendOrderToOneC(depsWith(), second.id);
    const [secondRow] = await rowsOf(second.id);
    expect(await partiesOf(secondRow!.ref!)).toEqual({ partner: partnerRef, counterparty: counterpartyRef });
    expect(await partiesWithPhone('79990000101')).toHaveLength(2);
    expect(await linkMessages(customer.id)).toHaveLength(1);
  });

  it('a phone 1C already knows (a showroom buyer): the existing partner and counterparty, nothing made', async () => {
    const person = demoPerson(1);
    const customer = newCustomer(`+${person.phoneDigits}`);
    const order = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 100_000 }], 'APPROVED', customer.id);
    await sendOrderToOneC(depsWith(), order.id);

    const [row] = await rowsOf(order.id);
    expect(await partiesOf(row!.ref!)).toEqual({ partner: demoPartnerRef(1), counterparty: demoCounterpartyRef(1) });
    expect((await partiesWithPhone(person.phoneDigits)).map((p) => p.ref).sort()).toEqual([demoPartnerRef(1), demoCounterpartyRef(1)].sort());
    expect(await linkMessages(customer.id)).toEqual([{ customerId: customer.id, partnerRef: demoPartnerRef(1), counterpartyRef: demoCounterpartyRef(1) }]);
  });

  it('a customer the identity map links already: its partner, not searched by phone', async () => {
    const person = demoPerson(1);
    // The map's partner wins over a phone match (here the showroom partner of another phone).
    const customer = newCustomer('+79990000102', demoPartnerRef(1));
    const order = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 100_000 }], 'APPROVED', customer.id);
    await sendOrderToOneC(depsWith({ oneC: { ...client, findPartyByPhone: () => Promise.reject(new Error('searched by phone')) } }), order.id);
    const [row] = await rowsOf(order.id);
    expect(await partiesOf(row!.ref!)).toEqual({ partner: demoPartnerRef(1), counterparty: demoCounterpartyRef(1) });
    expect(await partiesWithPhone('79990000102')).toEqual([]);
    expect(await partiesWithPhone(person.phoneDigits)).toHaveLength(2);
    expect(await linkMessages(customer.id)).toEqual([]);
  });

  it('two orders of one new customer sent at once: one partner and one counterparty in 1C, both orders name them', async () => {
    const customer = newCustomer('+79990000103');
    const orders = [
      await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 100_000 }], 'APPROVED', customer.id),
      await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 100_000 }], 'APPROVED', customer.id),
    ];
    await Promise.all(orders.map((o) => sendOrderToOneC(depsWith(), o.id)));

    const parties = await partiesWithPhone('79990000103');
    expect(parties.map((p) => p.set)).toEqual(['Catalog_Контрагенты', 'Catalog_Партнеры']);
    for (const order of orders) {
      const [row] = await rowsOf(order.id);
      expect(row).toMatchObject({ posted: true });
      expect(await partiesOf(row!.ref!)).toEqual({ partner: parties[1]!.ref, counterparty: parties[0]!.ref });
    }
    expect(await linkMessages(customer.id)).toHaveLength(1);
  });

  it('1C down while the customer is looked up: thrown for a retry, no document made; the retry makes one partner', async () => {
    const customer = newCustomer('+79990000104');
    const order = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 100_000 }], 'APPROVED', customer.id);
    emulator.faults.set({ failStatus: 503 });
    await expect(sendOrderToOneC(depsWith(), order.id)).rejects.toThrow();
    emulator.faults.clear();
    await new Promise((r) => setTimeout(r, 60)); // the breaker's half-open wait
    expect(await oneCOrdersNumbered(order.id)).toEqual([]);

    await sendOrderToOneC(depsWith(), order.id);
    const [row] = await rowsOf(order.id);
    expect(row).toMatchObject({ posted: true });
    expect(await partiesOf(row!.ref!)).toEqual({ partner: derivedPartyRef('partner', customer.id), counterparty: derivedPartyRef('counterparty', customer.id) });
    expect(await partiesWithPhone('79990000104')).toHaveLength(2);
  });
});

describe('cancelOrderInOneC', () => {
  // As the cancel flow leaves it: CANCELLED, with this handler's message queued.
  const cancel = (orderId: string) => db.updateTable('ordering.orders').set({ state: 'CANCELLED' }).where('id', '=', orderId).execute();

  it('closes the 1C orders (status Закрыт) and releases their reserve; again changes nothing', async () => {
    const a = takeOffer();
    const order = await approvedOrder([{ cell: a, quantity: 2, price: 10_000, held: { [W1!]: 1, [W2!]: 1 } }]);
    await sendOrderToOneC(depsWith(), order.id);
    expect([await reservedIn(W1!, a.offerId), await reservedIn(W2!, a.offerId)]).toEqual([1, 1]);
    await cancel(order.id);

    await cancelOrderInOneC(depsWith(), order.id);
    await cancelOrderInOneC(depsWith(), order.id);

    expect((await oneCOrdersNumbered(`${order.id}/1`)).map((o) => o.Статус)).toEqual(['Закрыт']);
    expect((await oneCOrdersNumbered(`${order.id}/2`)).map((o) => o.Статус)).toEqual(['Закрыт']);
    expect([await reservedIn(W1!, a.offerId), await reservedIn(W2!, a.offerId)]).toEqual([0, 0]);
  });

  it('a row without a ref (the create reply lost) is found by its number and closed', async () => {
    const order = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 10_000 }]);
    await expect(sendOrderToOneC(depsWith({ oneC: crashingAfterCreate() }), order.id)).rejects.toThrow('process killed');
    expect((await rowsOf(order.id))[0]!.ref).toBeNull();
    await cancel(order.id);

    await cancelOrderInOneC(depsWith(), order.id);

    const [inOneC] = await oneCOrdersNumbered(order.id);
    expect(inOneC).toMatchObject({ Статус: 'Закрыт' });
    expect((await rowsOf(order.id))[0]!.ref).toBe(inOneC!.Ref_Key);
  });

  it('a shipped order cannot be cancelled: a PermanentFailure that says so', async () => {
    const order = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 10_000 }]);
    await sendOrderToOneC(depsWith(), order.id);
    await emulator.shipOrder((await rowsOf(order.id))[0]!.ref!);
    await cancel(order.id);

    const failure = await cancelOrderInOneC(depsWith(), order.id).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PermanentFailure);
    expect((failure as Error).message).toMatch(new RegExp(`order ${order.id}: 1C refused to cancel ${order.id} .*a shipped order is returned`));
  });
});

describe('pollOneCStates', () => {
  it('moves an order to SHIPPED when all its 1C orders are shipped, then DELIVERED; CRM statuses queued once each, polled twice', async () => {
    const deps = depsWith();
    await pollOneCStates(deps); // what earlier tests did in 1C
    const order = await approvedOrder([
      { cell: takeOffer(), quantity: 1, price: 10_000, held: { [W1!]: 1 } },
      { cell: takeOffer(), quantity: 1, price: 10_000, held: { [W2!]: 1 } },
    ]);
    await sendOrderToOneC(depsWith(), order.id);
    const [first, second] = (await rowsOf(order.id)).map((r) => r.ref!);

    const ready = await pollOneCStates(deps);
    expect(ready).toMatchObject({ applied: 2, shipped: 0, delivered: 0 });
    expect((await rowsOf(order.id)).map((r) => r.state)).toEqual(['ready-to-ship', 'ready-to-ship']);

    // One of two shipped is not the order shipped.
    await emulator.shipOrder(first!);
    expect(await pollOneCStates(deps)).toMatchObject({ shipped: 0 });
    expect(await stateOf(order.id)).toBe('APPROVED');

    await emulator.shipOrder(second!);
    expect(await pollOneCStates(deps)).toMatchObject({ shipped: 1, delivered: 0 });
    expect(await stateOf(order.id)).toBe('SHIPPED');
    expect(await pollOneCStates(deps)).toMatchObject({ applied: 0, shipped: 0, delivered: 0 });
    expect(await crmStatusMessages(order.id)).toEqual(['send-to-delivery']);

    await emulator.markDelivered(first!);
    expect(await pollOneCStates(deps)).toMatchObject({ delivered: 0 });
    expect(await stateOf(order.id)).toBe('SHIPPED');
    await emulator.markDelivered(second!);
    expect(await pollOneCStates(deps)).toMatchObject({ shipped: 0, delivered: 1 });
    expect(await pollOneCStates(deps)).toMatchObject({ applied: 0, shipped: 0, delivered: 0 });
    expect(await stateOf(order.id)).toBe('DELIVERED');
    expect((await rowsOf(order.id)).map((r) => [r.state, r.state_changed_at])).toEqual([
      ['delivered', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)],
      ['delivered', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)],
    ]);
    expect(await crmStatusMessages(order.id)).toEqual(['send-to-delivery', 'complete']);

    const cursor = await testDb.db.selectFrom('platform.sync_cursors').select('cursor').where('name', '=', ONEC_ORDER_STATES_CURSOR).executeTakeFirstOrThrow();
    expect(cursor.cursor).toBe((await rowsOf(order.id)).map((r) => r.state_changed_at!).sort().at(-1));
  });

  it('asked to stop, reads no further page and leaves the cursor where it was', async () => {
    const cursor = () => testDb.db.selectFrom('platform.sync_cursors').select(['cursor', 'last_success_at']).where('name', '=', ONEC_ORDER_STATES_CURSOR).executeTakeFirst();
    const before = await cursor();
    let asked = 0;
    const counting: OneCOrdersPort = { ...client, orderStatusChanges: async (since, top) => (asked++, client.orderStatusChanges(since, top)) };
    const stopping = new AbortController();
    stopping.abort();
    expect(await pollOneCStates(depsWith({ oneC: counting }), { signal: stopping.signal })).toMatchObject({ changes: 0 });
    expect(asked).toBe(0);
    expect(await cursor()).toEqual(before);
  });

  it('never touches a CANCELLED order and never moves one back', async () => {
    const cancelled = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 10_000 }]);
    const ahead = await approvedOrder([{ cell: takeOffer(), quantity: 1, price: 10_000 }]);
    await sendOrderToOneC(depsWith(), cancelled.id);
    await sendOrderToOneC(depsWith(), ahead.id);
    await db.updateTable('ordering.orders').set({ state: 'CANCELLED' }).where('id', '=', cancelled.id).execute();
    // RetailCRM got there first.
    await db.updateTable('ordering.orders').set({ state: 'DELIVERED' }).where('id', '=', ahead.id).execute();
    await emulator.shipOrder((await rowsOf(cancelled.id))[0]!.ref!);
    await emulator.shipOrder((await rowsOf(ahead.id))[0]!.ref!);

    await pollOneCStates(depsWith());

    expect((await rowsOf(cancelled.id))[0]!.state).toBe('shipped');
    expect(await stateOf(cancelled.id)).toBe('CANCELLED');
    expect(await stateOf(ahead.id)).toBe('DELIVERED');
    expect(await crmStatusMessages(cancelled.id)).toEqual([]);
    expect(await crmStatusMessages(ahead.id)).toEqual([]);
  });
});
