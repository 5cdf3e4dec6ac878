import { CustomerBonusesDocument, CustomerByPhoneDocument, CustomerCardDocument, type CustomerBonusesQuery, type CustomerCardQuery } from '../clients/__generated__/graphql.js';
import { facts, h, roubles, table, when, type Child } from './dom.js';
import { request } from './graphql-client.js';
import { show } from './render.js';
import { returnPreviewView } from './return.view.js';

type Card = NonNullable<CustomerCardQuery['customer']>;
type Bonuses = NonNullable<NonNullable<CustomerBonusesQuery['customer']>['loyalty']>;

const EXPIRING_WITHIN_DAYS = 90;

/** The card of the customer with this phone, or a sentence saying there is none. */
export async function customerView(phone: string, token: string): Promise<HTMLElement> {
  const found = await request(CustomerByPhoneDocument, { phone }, token);
  const customer = found.data.customerByPhone;
  if (!customer) return h('p', { role: 'status' }, `No customer has the phone ${phone}.`);
  const [card, bonuses] = await Promise.all([
    request(CustomerCardDocument, { id: customer.id }, token),
    request(CustomerBonusesDocument, { id: customer.id, withinDays: EXPIRING_WITHIN_DAYS }, token),
  ]);
  if (!card.data.customer) return h('p', { role: 'status' }, `No customer has the phone ${phone}.`);
  const partial = [...found.partial, ...card.partial, ...bonuses.partial];
  const orderDetail = h('div', {});
  return h(
    'article',
    { 'aria-labelledby': 'customer-name', class: 'card' },
    h('h3', { id: 'customer-name' }, [customer.firstName, customer.patronymic, customer.lastName].filter(Boolean).join(' ') || 'Unnamed customer'),
    partial.length > 0 && h('p', { class: 'warning' }, `Some figures could not be read now: ${partial.join('; ')}`),
    summary(card.data.customer),
    loyalty(bonuses.data.customer?.loyalty ?? null),
    orders(card.data.customer, token, orderDetail),
    orderDetail,
  );
}

function summary(card: Card): HTMLElement {
  const loyalty = card.loyalty;
  const rate = card.buyoutRate;
  return facts('Customer', [
    ['Phone', card.phone],
    ['Loyalty card', loyalty ? loyalty.cardNumber : 'not enrolled yet'],
    ['Tier', loyalty?.tier.name],
    ['Active bonuses', loyalty?.balance.active],
    ['Pending bonuses', loyalty?.balance.pending],
    ['Spent bonuses', loyalty?.balance.spent],
    [
      'Buyout rate',
      rate
        ? `${rate.rate === null ? 'none finished yet' : `${Math.round(rate.rate * 100)} %`} (${rate.boughtOut} bought out, ${rate.refused} refused, ${rate.inProgress} in progress)`
        : null,
    ],
  ]);
}

function loyalty(bonuses: Bonuses | null): Child[] {
  if (!bonuses) return [];
  const lots = bonuses.expiring;
  const moves = bonuses.transactions.edges.map((e) => e.node);
  return [
    lots.length > 0
      ? table(
          `Bonus lots expiring within ${EXPIRING_WITHIN_DAYS} days`,
          ['Expires', 'Reason', 'Credited', 'Remaining'],
          lots.map((lot) => [when(lot.expiresAt), lot.reason, lot.amount, lot.remaining]),
        )
      : h('p', {}, `No bonuses expire within ${EXPIRING_WITHIN_DAYS} days.`),
    moves.length > 0
      ? table('Latest bonus movements', ['When', 'Reason', 'Bonuses'], moves.map((m) => [when(m.occurredAt), m.reason, m.amount > 0 ? `+${m.amount}` : m.amount]))
      : h('p', {}, 'No bonus movements yet.'),
  ];
}

function orders(card: Card, token: string, detail: HTMLElement): HTMLElement {
  const list = card.orders.edges.map((e) => e.node);
  if (list.length === 0) return h('p', { role: 'status' }, 'No orders yet.');
  const preview = async (orderId: string, button: HTMLButtonElement) => {
    button.disabled = true;
    await show(detail, () => returnPreviewView(orderId, token));
    button.disabled = false;
  };
  return table(
    `Orders (${list.length} of ${card.orders.totalCount})`,
    ['Order', 'Placed', 'Status', 'Total', 'Paid', 'Return'],
    list.map((order) => {
      const name = order.number ?? 'not in RetailCRM yet';
      // Only a paid order is returned; an unpaid one is cancelled instead.
      const button: HTMLButtonElement | null = order.fullyPaid
        ? h('button', { type: 'button', 'aria-label': `Preview a return of order ${name}`, onclick: () => void preview(order.id, button!) }, 'Preview a return')
        : null;
      return [name, when(order.createdAt), order.status, roubles(order.total), order.fullyPaid ? 'paid' : roubles(order.paidTotal), button ?? '—'];
    }),
  );
}
