import type { Kysely } from 'kysely';
import { demoExternalId } from '../seed/demo-ids.js';
import { demoLoyalty } from '../seed/demo-loyalty.js';
import { demoJoinedSecondsAgo, demoOrdersOf, type DemoOrder } from '../seed/demo-orders.js';
import { demoPeople, type DemoPerson } from '../seed/demo-people.js';
import { applyPatch, blankCustomer, toApiCustomer, type CustomerState } from './retailcrm-customer.model.js';
import { hasCustomers, insertCustomers, insertHistory, lockWrites } from './retailcrm-customers.repository.js';
import type { HistoryInsert, OrderHistoryInsert, OrderItemData, RetailCrmEmulatorDb } from './retailcrm-emulator.table.js';
import { formatCrmDateTime } from './retailcrm-envelope.js';
import { orderSums, toApiOrder, type OrderState, type PaymentState } from './retailcrm-order.model.js';
import { insertOrderHistory, insertOrders, insertPayments, refreshCustomerSums, reserveItemIds, reserveOrderIds } from './retailcrm-orders.repository.js';

const CHUNK = 500;
/** How seeded orders were paid (`reference/payment-types` of a fresh account). */
export const SEED_PAYMENT_TYPE = 'bank-card';
/** The manager who creates customers by hand in the CRM UI. */
export const SEED_MANAGER_ID = 1;

/**
 * Demo person `index`'s externalId in RetailCRM (the shared `demoExternalId`), or undefined for the
 * one in ten (index % 10 = 9) a manager created in the CRM UI: no externalId until the graph
 * attaches one.
 */
export function demoCustomerExternalId(index: number): string | undefined {
  return index % 10 === 9 ? undefined : demoExternalId(index);
}

function seededCustomer(person: DemoPerson, site: string, createdAt: Date): CustomerState {
  const loyalty = demoLoyalty(person.index);
  return applyPatch(
    blankCustomer(site, createdAt),
    {
      externalId: demoCustomerExternalId(person.index) ?? null,
      firstName: person.firstName,
      lastName: person.lastName,
      patronymic: person.patronymic,
      sex: person.sex,
      email: person.email,
      birthday: person.birthday,
      phones: [{ number: `+${person.phoneDigits}` }],
      address: { countryIso: 'RU', city: person.city },
      customFields: {
        bonus_card_number: loyalty.cardNumber,
        bonus_card_type: loyalty.cardType.name,
        bonus_active: loyalty.availableBonuses,
        bonus_pending: loyalty.notActiveBonuses,
        bonus_spent: loyalty.debitedBonuses,
      },
    },
    createdAt,
  );
}

/**
 * Writes demo people 0..count-1 as customers of `site`, oldest first (so ids and history ids run
 * in creation order), each with its creation history record, then their orders (seedOrders). Does
 * nothing when the account has customers already; returns whether it seeded.
 */
export async function seedCustomers(db: Kysely<RetailCrmEmulatorDb>, site: string, count: number, now = new Date()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockWrites(trx);
    if (await hasCustomers(trx)) return false;
    const today = Math.floor(now.getTime() / 1000) * 1000;
    const people = demoPeople(0, count)
      .map((person) => ({ person, createdAt: new Date(today - demoJoinedSecondsAgo(person.index) * 1000) }))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.person.index - b.person.index);

    const history: HistoryInsert[] = [];
    const customers: { index: number; customer: CustomerState }[] = [];
    for (let i = 0; i < people.length; i += CHUNK) {
      const batch = people.slice(i, i + CHUNK);
      const inserted = await insertCustomers(trx, batch.map(({ person, createdAt }) => seededCustomer(person, site, createdAt)));
      const byEmail = new Map(inserted.map((c) => [c.email, c]));
      for (const { person, createdAt } of batch) {
        const customer = byEmail.get(person.email)!;
        customers.push({ index: person.index, customer });
        const byManager = customer.externalId === null;
        history.push({
          created_at: createdAt,
          customer_id: customer.id,
          created: true,
          deleted: false,
          source: byManager ? 'user' : 'api',
          user_id: byManager ? SEED_MANAGER_ID : null,
          // Created by the web shop's integration: another key than any the emulator hands out.
          api_key: null,
          field: 'id',
          old_value: null,
          new_value: JSON.stringify(customer.id),
          customer: JSON.stringify(toApiCustomer(customer)),
        });
      }
    }
    history.sort((a, b) => (a.customer_id as number) - (b.customer_id as number));
    await insertHistory(trx, history);
    await seedOrders(trx, customers, today);
    return true;
  });
}

/** The emulator's state of a generated order (without ids), as `orders/create` would have stored it. */
function orderStateOf(order: DemoOrder, customer: CustomerState, today: number): Omit<OrderState, 'id' | 'number' | 'items'> & { items: Omit<OrderItemData, 'id'>[] } {
  const createdAt = new Date(today - order.createdSecondsAgo * 1000);
  const itemStatus = order.status === 'complete' ? 'completed' : order.status === 'assembling' || order.status === 'delivering' ? 'in-reserve' : 'new';
  return {
    externalId: order.externalId,
    site: customer.site,
    status: order.status,
    statusUpdatedAt: new Date(today - order.statusSecondsAgo * 1000),
    createdAt,
    customerId: customer.id,
    firstName: customer.firstName,
    lastName: customer.lastName,
    phone: customer.phones[0]?.number ?? null,
    email: customer.email,
    items: order.lines.map((line) => ({
      offer: { externalId: line.offerRef, xmlId: line.offerRef, name: line.productName },
      productName: line.productName,
      quantity: line.quantity,
      initialPrice: line.priceKopecks,
      discountManualAmount: line.discountKopecks,
      bonusesChargeTotal: line.bonusesChargeKopecks,
      bonusesCreditTotal: line.bonusesCreditKopecks,
      status: itemStatus,
      createdAt: formatCrmDateTime(createdAt),
    })),
    delivery: { code: 'courier', cost: order.deliveryKopecks, ...(customer.address ? { address: { ...customer.address } } : {}) },
    customFields: {},
    fullPaidAt: null,
  };
}

/**
 * Writes the generated orders (demoOrdersOf) of the seeded customers: ids in creation order across
 * all customers, a `paid` card payment covering `totalSumm` for the paid ones (and `fullPaidAt`), one
 * creation history record per order as the web shop's integration leaves it (`source: "api"`, no
 * key the emulator hands out), then the customers' sums as order writes keep them. A few multi-row
 * statements in all.
 */
async function seedOrders(trx: Kysely<RetailCrmEmulatorDb>, customers: readonly { index: number; customer: CustomerState }[], today: number): Promise<void> {
  const generated = customers
    .flatMap(({ index, customer }) => demoOrdersOf(index).map((order) => ({ order, customer, state: orderStateOf(order, customer, today) })))
    .sort((a, b) => a.state.createdAt.getTime() - b.state.createdAt.getTime() || a.order.customerIndex - b.order.customerIndex || a.order.n - b.order.n);
  if (generated.length === 0) return;
  const orderIds = await reserveOrderIds(trx, generated.length);
  const itemIds = await reserveItemIds(trx, generated.reduce((n, g) => n + g.state.items.length, 0));
  let nextItem = 0;
  const orders: OrderState[] = generated.map(({ order, state }, i) => {
    const id = orderIds[i]!;
    const items = state.items.map((item) => ({ ...item, id: itemIds[nextItem++]! }));
    return { ...state, id, number: `${id}A`, items, fullPaidAt: order.paid ? state.statusUpdatedAt : null };
  });
  await insertOrders(trx, orders);
  const payments = await insertPayments(
    trx,
    orders.flatMap((o, i) =>
      generated[i]!.order.paid
        ? [{ orderId: o.id, externalId: null, type: SEED_PAYMENT_TYPE, status: 'paid', amount: orderSums(o).totalSumm, paidAt: o.fullPaidAt, comment: null }]
        : [],
    ),
  );
  const paymentsByOrder = new Map<number, PaymentState[]>(payments.map((p) => [p.orderId, [p]]));
  const history: OrderHistoryInsert[] = orders.map((o, i) => ({
    created_at: o.createdAt,
    order_id: o.id,
    created: true,
    deleted: false,
    source: 'api',
    user_id: null,
    api_key: null,
    field: 'status',
    old_value: null,
    new_value: JSON.stringify({ code: o.status }),
    order: JSON.stringify(toApiOrder(o, paymentsByOrder.get(o.id) ?? [], toApiCustomer(generated[i]!.customer), 'list')),
    item: null,
    payment: null,
  }));
  await insertOrderHistory(trx, history);
  await refreshCustomerSums(trx, customers.map((c) => c.customer.id));
}
