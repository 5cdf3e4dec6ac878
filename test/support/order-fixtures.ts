import { sql } from 'kysely';
import { RegisterCustomerDocument } from '../../clients/__generated__/graphql.js';
import { issueToken } from '../../platform/identity.js';
import { availableOf, stockOfOffersInWarehouses } from '../../subgraphs/inventory/stock.repository.js';
import { bonusPlusLookup } from './bonusplus-lookup.js';
import type { TestGraph } from './graph-harness.js';

export interface Shopper {
  readonly id: string;
  /** E.164. */
  readonly phone: string;
  readonly token: string;
}

/** Registers a customer through the gateway and runs the background work until they are enrolled in BonusPlus. */
export async function registerEnrolled(t: TestGraph, phone: string, firstName = 'Покупатель'): Promise<Shopper> {
  const result = await t.gql(RegisterCustomerDocument, { input: { phone, firstName } });
  if (result.errors) throw new Error(`registration failed: ${JSON.stringify(result.errors)}`);
  await t.settle();
  const customer = result.data.registerCustomer.customer as { id: string; phone: string };
  return { id: customer.id, phone: customer.phone, token: await issueToken(t.config.JWT_SECRET, customer.id) };
}

const used = new WeakMap<TestGraph, Set<string>>();

/**
 * `count` priced offers, cheapest first, that each have at least `minAvailable` units free now, never one handed
 * out before in this graph, so tests of one file do not share stock.
 */
export async function availableOffers(t: TestGraph, count: number, minAvailable: number): Promise<{ id: string; price: number; available: number }[]> {
  const taken = used.get(t) ?? new Set<string>();
  used.set(t, taken);
  const candidates = await t.database.db
    .selectFrom('inventory.offers as o')
    .innerJoin('inventory.stock as s', 's.offer_id', 'o.id')
    .select(['o.id', 'o.price'])
    .where('o.price', 'is not', null)
    .groupBy(['o.id', 'o.price'])
    .having(sql`sum(greatest(s.in_hand - s.reserved, 0))`, '>=', minAvailable + 2)
    .orderBy('o.price')
    .orderBy('o.id')
    .execute();
  const fresh = candidates.filter((c) => !taken.has(c.id));
  const { figures } = await stockOfOffersInWarehouses(t.database.db, fresh.map((c) => c.id));
  const picked: { id: string; price: number; available: number }[] = [];
  for (const candidate of fresh) {
    const available = figures.filter((f) => f.offerId === candidate.id).reduce((s, f) => s + availableOf(f), 0);
    if (available < minAvailable) continue;
    taken.add(candidate.id);
    picked.push({ id: candidate.id, price: Number(candidate.price), available });
    if (picked.length === count) return picked;
  }
  throw new Error(`fewer than ${count} offers with ${minAvailable} units available`);
}

/**
 * A call to RetailCRM's API with the graph's key, as a manager's tool makes it. RetailCRM's limit
 * counts it with the graph's own calls: a refusal for the limit is waited out.
 */
export async function crmApi(t: TestGraph, path: string, init?: RequestInit): Promise<Response> {
  const url = `${t.graph.urls.retailCrm}/api/v5/${path}${path.includes('?') ? '&' : '?'}apiKey=${t.config.RETAILCRM_API_KEY}`;
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, init);
    if ((res.status !== 503 && res.status !== 429) || attempt >= 20) return res;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * The order as RetailCRM has it (by our id), or undefined. The test reads with the graph's API key,
 * so RetailCRM's limit counts it too: a refusal for the limit is waited out, never read as absent.
 */
export async function crmOrder(t: TestGraph, externalId: string): Promise<any> {
  const res = await crmApi(t, `orders/${externalId}?by=externalId`);
  if (res.status !== 200 && res.status !== 404) throw new Error(`RetailCRM answered ${res.status}`);
  const body = (await res.json()) as { success: boolean; order?: unknown };
  return body.success ? body.order : undefined;
}

/** RetailCRM's own record of an order's payments (what the cashiers' money is), in kopecks. */
export async function crmPayments(t: TestGraph, orderId: string): Promise<{ total: number; paid: number; count: number }> {
  const order = await crmOrder(t, orderId);
  const payments = Object.values(order.payments ?? {}) as { amount: number }[];
  return { total: Math.round(order.totalSumm * 100), paid: Math.round(payments.reduce((s, p) => s + p.amount, 0) * 100), count: payments.length };
}

/** The BonusPlus account of a phone (E.164), as BonusPlus answers it. */
export async function bonusPlusCustomer(t: TestGraph, phone: string): Promise<any> {
  const { status, body } = await bonusPlusLookup(t.graph.urls.bonusPlus!, t.config.BONUSPLUS_API_KEY, phone);
  if (status !== 200) throw new Error(`BonusPlus answered ${status}`);
  return body;
}

/** The inventory's stock hold made for an order (its key is the order id). */
export async function stockHoldsOf(t: TestGraph, orderId: string) {
  return t.database.db.selectFrom('inventory.stock_holds').selectAll().where('idempotency_key', '=', orderId).executeTakeFirst();
}
