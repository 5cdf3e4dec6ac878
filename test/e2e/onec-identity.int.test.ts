import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerCardDocument, PlaceOrderDocument, RecordPaymentDocument } from '../../clients/__generated__/graphql.js';
import { demoCounterpartyRef, demoPartnerRef, isDemoShowroomBuyer } from '../../emulators/onec/onec-parties.repository.js';
import { demoExternalId } from '../../emulators/seed/demo-ids.js';
import { demoPerson } from '../../emulators/seed/demo-people.js';
import { issueToken } from '../../platform/identity.js';
import { createLogger } from '../../platform/logger.js';
import { createOutboxRelay } from '../../platform/outbox.js';
import { ORDER_TOPICS } from '../../subgraphs/order/order.messages.js';
import { orderOutboxHandlers } from '../../subgraphs/order/order.runtime.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, registerEnrolled, type Shopper } from '../support/order-fixtures.js';

/** The 1C side of the identity map (R2): every customer's 1C documents name their partner and counterparty. */

const EMPTY = '00000000-0000-0000-0000-000000000000';

let t: TestGraph;
let cashier: string;
let manager: string;

beforeAll(async () => {
  t = await startTestGraph({ RETAILCRM_RPS: '200', BONUSPLUS_RPS: '500' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  cashier = await t.staffToken('cashier');
  manager = await t.staffToken('manager');
});
afterAll(async () => t?.close());

/** Places a one-unit order and pays it in full: paid orders go to 1C. */
async function placePaid(shopper: Pick<Shopper, 'token'>): Promise<string> {
  const [offer] = await availableOffers(t, 1, 1);
  const placed = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offer!.id, quantity: 1 }] } }, shopper.token);
  expect(placed.errors).toBeUndefined();
  const orderId = placed.data.placeOrder.order.id as string;
  const paid = await t.gql(RecordPaymentDocument, { input: { orderId, idempotencyKey: randomUUID() } }, cashier);
  expect(paid.data?.recordPayment.order.fullyPaid).toBe(true);
  return orderId;
}

/** The parties named by the order's documents, as 1C stores them. */
async function documentParties(orderId: string): Promise<{ partner: unknown; counterparty: unknown }[]> {
  const rows = await t.database.db.selectFrom('ordering.onec_orders').select('ref').where('order_id', '=', orderId).execute();
  expect(rows.length).toBeGreaterThan(0);
  const docs = await t.database.db.selectFrom('onec_emulator.documents').select('attrs').where('ref', 'in', rows.map((r) => r.ref!)).execute();
  return docs.map((d) => ({ partner: d.attrs.Партнер_Key, counterparty: d.attrs.Контрагент_Key }));
}

/** Partners and counterparties in 1C whose contact information holds the phone (E.164). */
async function partiesWithPhone(phone: string): Promise<{ set: string; ref: string; partner: string | null }[]> {
  const rows = await t.database.db
    .selectFrom('onec_emulator.catalog_objects')
    .select(['entity_set', 'ref', 'attrs'])
    .where(sql<boolean>`attrs->'КонтактнаяИнформация' @> ${JSON.stringify([{ НомерТелефона: phone.replace(/\D/g, '') }])}::jsonb`)
    .orderBy('entity_set')
    .execute();
  return rows.map((r) => ({ set: r.entity_set, ref: r.ref, partner: (r.attrs as { Партнер_Key?: string }).Партнер_Key ?? null }));
}

/** The customer's 1C partner, as the staff console's customer card shows it. */
const oneCGuidOf = async (customerId: string) => {
  const res = await t.gql(CustomerCardDocument, { id: customerId }, manager);
  expect(res.errors).toBeUndefined();
  return res.data.customer.externalIds.oneCGuid as string | null;
};

describe('the customer in 1C (R2, R15)', () => {
  it('a new customer’s paid order: 1C gets a partner and counterparty for the phone, the document names them, staff see the partner as oneCGuid', async () => {
    const shopper = await registerEnrolled(t, '+79161120001');
    expect(await oneCGuidOf(shopper.id)).toBeNull();
    const orderId = await placePaid(shopper);
    await t.settle();

    const parties = await partiesWithPhone(shopper.phone);
    expect(parties.map((p) => p.set)).toEqual(['Catalog_Контрагенты', 'Catalog_Партнеры']);
    const [counterparty, partner] = parties;
    expect(counterparty!.partner).toBe(partner!.ref);
    expect(await documentParties(orderId)).toEqual([{ partner: partner!.ref, counterparty: counterparty!.ref }]);
    expect(partner!.ref).not.toBe(EMPTY);
    expect(await oneCGuidOf(shopper.id)).toBe(partner!.ref);

    // The next order uses the map's partner: nothing new in 1C.
    const next = await placePaid(shopper);
    await t.settle();
    expect(await documentParties(next)).toEqual([{ partner: partner!.ref, counterparty: counterparty!.ref }]);
    expect(await partiesWithPhone(shopper.phone)).toHaveLength(2);
  });

  it('a seeded customer who bought in a showroom is linked to the partner 1C already has: no second one for the phone', async () => {
    const index = 1;
    expect(isDemoShowroomBuyer(index)).toBe(true);
    const person = demoPerson(index);
    const phone = `+${person.phoneDigits}`;
    expect((await partiesWithPhone(phone)).map((p) => p.ref).sort()).toEqual([demoPartnerRef(index), demoCounterpartyRef(index)].sort());
    const customerId = demoExternalId(index);
    expect(await oneCGuidOf(customerId)).toBeNull();

    const orderId = await placePaid({ token: await issueToken(t.config.JWT_SECRET, customerId) });
    await t.settle();

    expect(await documentParties(orderId)).toEqual([{ partner: demoPartnerRef(index), counterparty: demoCounterpartyRef(index) }]);
    expect((await partiesWithPhone(phone)).map((p) => p.ref).sort()).toEqual([demoPartnerRef(index), demoCounterpartyRef(index)].sort());
    expect(await oneCGuidOf(customerId)).toBe(demoPartnerRef(index));
  });

  it('two paid orders of one new customer sent to 1C at the same time: one partner, one counterparty, both documents name them', async () => {
    const shopper = await registerEnrolled(t, '+79161120002');
    const orders = await Promise.all([placePaid(shopper), placePaid(shopper)]);

    // Everything else first; then the two sends, each by its own relay, at once.
    const deps = t.graph.order.deps;
    const { [ORDER_TOPICS.sendToOneC]: send, ...others } = orderOutboxHandlers(deps);
    const logger = createLogger('onec-identity-test');
    const rest = createOutboxRelay({ db: t.database.db, handlers: others, logger });
    const senders = [1, 2].map(() => createOutboxRelay({ db: t.database.db, handlers: { [ORDER_TOPICS.sendToOneC]: send! }, logger, batchSize: 1 }));
    let concurrentRounds = 0;
    for (let round = 0; round < 10; round++) {
      await t.graph.customer.sync.runNow();
      await t.graph.order.sync.runNow();
      if ((await rest.drain()) + (await t.graph.loyalty.relay.drain()) + (await t.graph.customer.relay.drain()) > 0) continue;
      const handled = await Promise.all(senders.map((s) => s.runOnce()));
      if (handled.every((n) => n === 1)) concurrentRounds++;
      if (handled.every((n) => n === 0)) break;
    }
    expect(concurrentRounds).toBe(1);
    await t.settle();

    const parties = await partiesWithPhone(shopper.phone);
    expect(parties.map((p) => p.set)).toEqual(['Catalog_Контрагенты', 'Catalog_Партнеры']);
    for (const orderId of orders) expect(await documentParties(orderId)).toEqual([{ partner: parties[1]!.ref, counterparty: parties[0]!.ref }]);
    expect(await oneCGuidOf(shopper.id)).toBe(parties[1]!.ref);
  });
});
