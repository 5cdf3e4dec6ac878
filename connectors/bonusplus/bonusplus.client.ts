import { z } from 'zod';
import { kopecksFromRoubles, roublesFromKopecks } from '../../platform/money.js';
import { badInput } from '../../platform/errors.js';
import { UpstreamClient, UpstreamUnavailableError, type UpstreamClientOptions, type UpstreamRequest } from '../../platform/http/upstream-client.js';
import {
  BonusPlusApiError,
  BonusPlusRetailError,
  type BonusPlusCustomersPort,
  type BonusPlusLedgerPort,
  type BonusPlusRetailPort,
  type BpBonusLot,
  type BpPage,
  type BpRegisterReturn,
  type BpRetailErrorCode,
  type BpReturnReceipt,
  type BpReturnStrategy,
  type BpDebitProblem,
  type BpSale,
  type BpCardType,
  type BpCreateCustomer,
  type BpCustomer,
  type BpCustomerFilter,
} from './bonusplus.port.js';

/**
 * `maxRetries`, `breakerThreshold` and `breakerHalfOpenAfterMs` tune the upstream client (defaults
 * 3, 5 and 5 s): after an outage the breaker fails calls fast until the half-open time has passed,
 * which tests that heal a fault and retry at once may want shorter.
 */
export interface BonusPlusClientOptions extends Pick<UpstreamClientOptions, 'maxRetries' | 'breakerThreshold' | 'breakerHalfOpenAfterMs' | 'budget'> {
  /** Without `/api`, e.g. https://bonusplus.pro or the emulator's URL. */
  readonly baseUrl: string;
  /** The raw key from the cabinet; the client base64-encodes it as the plugins do. */
  readonly apiKey: string;
  /** Per attempt. */
  readonly timeoutMs: number;
  /** Without a shared `budget`, one of the client's own at this rate; defaults to the emulator's assumed limit of 20 a second; 0 turns it off. */
  readonly requestsPerSecond?: number;
  /** How `registerReturn` reaches BonusPlus (see BpReturnStrategy); `retail-return` when absent. */
  readonly returnStrategy?: BpReturnStrategy;
}

/**
 * CUSTOMER_ALREADY_EXISTS as its own class, so callers can catch it by type. It is still a
 * BonusPlusApiError with that code, which is the port's contract.
 */
export class BonusPlusCustomerExistsError extends BonusPlusApiError {
  constructor(status: number, msg: string) {
    super(status, 'CUSTOMER_ALREADY_EXISTS', msg);
    this.name = 'BonusPlusCustomerExistsError';
  }
}

const DEFAULT_REQUESTS_PER_SECOND = 20;

/**
 * The digits-with-country-code form every BonusPlus route takes (`79161234567`): E.164 loses its
 * `+`, a Russian `8…` trunk prefix becomes 7. Anything else is a caller's bug, refused before a
 * request is spent on it.
 */
export function toBonusPlusPhone(phone: string): string {
  const compact = phone.replace(/[\s()\-.]/g, '');
  if (/^\+?7\d{10}$/.test(compact)) return compact.replace(/^\+/, '');
  if (/^8\d{10}$/.test(compact)) return `7${compact.slice(1)}`;
  if (/^\+\d{8,15}$/.test(compact)) return compact.slice(1);
  throw badInput('Not a phone number BonusPlus accepts', { phone });
}

const customerSchema = z.object({
  id: z.number().int(),
  phone: z.string(),
  person: z.object({ fn: z.string().nullish(), ln: z.string().nullish(), mn: z.string().nullish() }).nullish(),
  email: z.string().nullish(),
  availableBonuses: z.number(),
  notActiveBonuses: z.number(),
  allBonuses: z.number(),
  // ASSUMED field (the emulator's); absent from the real API as far as public sources show.
  debitedBonuses: z.number().nullish(),
  discountCardName: z.string(),
  discountCardNumber: z.string(),
  discountCardTypeId: z.number().int(),
  nextCardName: z.string().nullish(),
  purchasesTotalSum: z.number(),
  purchasesSumToNextCard: z.number().nullish(),
  baseDiscountPercent: z.number(),
  baseBonusDebitPercent: z.number(),
  bonusDebitDenided: z.boolean(),
  multiplicityDebitBonus: z.number(),
});

const cardTypeSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  bonusPercent: z.number(),
  maxDebitPercent: z.number(),
  purchasesSumFrom: z.number(),
});

const errorBodySchema = z.object({ code: z.string().optional(), msg: z.string().optional(), Message: z.string().optional() });

function toCustomer(c: z.infer<typeof customerSchema>): BpCustomer {
  const person: { fn?: string; ln?: string; mn?: string } = {};
  if (c.person?.fn) person.fn = c.person.fn;
  if (c.person?.ln) person.ln = c.person.ln;
  if (c.person?.mn) person.mn = c.person.mn;
  return {
    id: c.id,
    phone: c.phone,
    person,
    ...(c.email ? { email: c.email } : {}),
    availableBonuses: c.availableBonuses,
    notActiveBonuses: c.notActiveBonuses,
    allBonuses: c.allBonuses,
    debitedBonuses: c.debitedBonuses ?? 0,
    discountCardName: c.discountCardName,
    discountCardNumber: c.discountCardNumber,
    discountCardTypeId: c.discountCardTypeId,
    nextCardName: c.nextCardName ?? null,
    purchasesTotalSum: c.purchasesTotalSum,
    purchasesSumToNextCard: c.purchasesSumToNextCard ?? null,
    baseDiscountPercent: c.baseDiscountPercent,
    baseBonusDebitPercent: c.baseBonusDebitPercent,
    bonusDebitDenided: c.bonusDebitDenided,
    multiplicityDebitBonus: c.multiplicityDebitBonus,
  };
}

function apiError(status: number, text: string): BonusPlusApiError {
  let body: z.infer<typeof errorBodySchema> = {};
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) body = parsed.data;
  } catch {
    // Not JSON (a proxy's page): keep the status alone.
  }
  const msg = body.msg ?? body.Message ?? text.slice(0, 200);
  if (status === 412 && body.code === 'CUSTOMER_ALREADY_EXISTS') return new BonusPlusCustomerExistsError(status, msg);
  if (status === 412 && body.code && RETAIL_CODES.has(body.code)) return new BonusPlusRetailError(status, body.code as BpRetailErrorCode, msg);
  // Framework-level answers (401, 404, 415) carry `{Message}` and no code.
  return new BonusPlusApiError(status, body.code ?? `HTTP_${status}`, msg);
}

const RETAIL_CODES = new Set<string>([
  'NOT_ENOUGH_BONUSES',
  'BONUS_DEBIT_ABOVE_MAX',
  'BONUS_DEBIT_NOT_MULTIPLE',
  'CUSTOMER_NOT_FOUND',
  'RESERVE_AMOUNT_MISMATCH',
  'RESERVE_CLOSED',
  'RESERVE_NOT_FOUND',
  'RECEIPT_NOT_FOUND',
  'RECEIPT_LINE_NOT_FOUND',
  'RETURN_QUANTITY_EXCEEDED',
] satisfies BpRetailErrorCode[]);
const DEBIT_PROBLEMS = new Set(['NOT_ENOUGH_BONUSES', 'BONUS_DEBIT_ABOVE_MAX', 'BONUS_DEBIT_NOT_MULTIPLE']);

const calcSchema = z.object({
  discount: z.array(z.object({ ext: z.union([z.string(), z.number()]).transform(String), cb: z.number(), db: z.number(), ds: z.number().nullish() })),
  maxDebitBonuses: z.number(),
  multiplicityDebitBonus: z.number(),
  // ASSUMED fields (the emulator's): the debit used, why the requested one was not, the balance.
  bonusDebit: z.number().nullish(),
  availableBonuses: z.number().int().nullish(),
  debitError: z.object({ code: z.string() }).nullish(),
});
const saleResultSchema = z.object({ id: z.number().int(), orderUid: z.string(), orderUrl: z.string().nullish(), customer: customerSchema });
const returnResultSchema = z.object({
  id: z.number().int(),
  items: z.array(z.object({ ext: z.string(), qnt: z.number().int(), cb: z.number().int(), db: z.number().int() })),
  cb: z.number().int(),
  db: z.number().int(),
  unrecovered: z.number().int(),
  customer: customerSchema,
});

// ASSUMED routes and shapes (the emulator's): lots, the ledger, expiring lots.
const instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const lotSchema = z.object({
  id: z.number().int(),
  reason: z.string(),
  amount: z.number().int(),
  remaining: z.number().int(),
  activeFrom: instant,
  expiresAt: instant.nullish(),
});
const expiringLotSchema = lotSchema.extend({ phone: z.string() });
const transactionSchema = z.object({
  id: z.number().int(),
  kind: z.enum(['credit', 'debit']),
  reason: z.string(),
  amount: z.number().int(),
  date: instant,
  reference: z.string().nullish(),
  expiresAt: instant.nullish(),
});

function toLot(lot: z.infer<typeof lotSchema>): BpBonusLot {
  return { id: lot.id, reason: lot.reason, amount: lot.amount, remaining: lot.remaining, activeFrom: lot.activeFrom, expiresAt: lot.expiresAt ?? null };
}

function pageParams(page: BpPage | undefined) {
  return { ...(page?.startRow !== undefined ? { startRow: page.startRow } : {}), ...(page?.rowCount !== undefined ? { rowCount: page.rowCount } : {}) };
}


function saleBody(sale: BpSale) {
  return {
    phone: toBonusPlusPhone(sale.phone),
    items: sale.items.map((i) => ({
      ext: i.ext,
      product: i.product,
      qnt: i.qnt,
      price: roublesFromKopecks(i.priceKopecks),
      sum: roublesFromKopecks(i.sumKopecks),
      ...(i.discountKopecks !== undefined ? { ds: roublesFromKopecks(i.discountKopecks) } : {}),
      ...(i.category !== undefined ? { cat: i.category } : {}),
    })),
    bonusDebit: sale.bonusDebit,
    ...(sale.store !== undefined ? { store: sale.store } : {}),
    ...(sale.date !== undefined ? { date: sale.date.toISOString() } : {}),
  };
}

const BODY_METHODS = new Set<UpstreamRequest['method']>(['POST', 'PUT', 'PATCH']);

/**
 * BonusPlus customers and receipts over HTTP, sending what the public plugins send: `Authorization: ApiKey
 * <base64(key)>`, `Content-Type: application/json` on every request, JSON bodies, `Content-Length: 0`
 * on a body-less write. Every call here is safe to repeat (reads, a card type set, a create keyed by
 * phone, reserves keyed by order id, sales and returns keyed by externalId), so the upstream client
 * retries all of them after timeouts and 5xx; the one exception is the balance PATCH of the
 * balance-patch return strategy, which is keyed by reading the transactions first instead. Money
 * crosses the wire in roubles, kopecks here.
 */
export function createBonusPlusClient(o: BonusPlusClientOptions): BonusPlusCustomersPort & BonusPlusRetailPort & BonusPlusLedgerPort & { readonly upstream: UpstreamClient; close(): Promise<void> } {
  const upstream = new UpstreamClient({
    system: 'bonusplus',
    baseUrl: `${o.baseUrl.replace(/\/+$/, '')}/api`,
    timeoutMs: o.timeoutMs,
    requestsPerSecond: o.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND,
    ...(o.budget ? { budget: o.budget } : {}),
    ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
    ...(o.breakerThreshold !== undefined ? { breakerThreshold: o.breakerThreshold } : {}),
    ...(o.breakerHalfOpenAfterMs !== undefined ? { breakerHalfOpenAfterMs: o.breakerHalfOpenAfterMs } : {}),
    headers: {
      Authorization: `ApiKey ${Buffer.from(o.apiKey, 'utf8').toString('base64')}`,
      'Content-Type': 'application/json',
    },
  });

  // Every call this client makes is a read or carries a natural key (phone, order id, externalId),
  // so all of them are sent as idempotent, retried after timeouts and 5xx.
  async function send(method: UpstreamRequest['method'], path: string, body: unknown) {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = text === undefined && BODY_METHODS.has(method) ? { 'Content-Length': '0' } : undefined;
    const response = await upstream.send({ method, path, idempotent: true, ...(text !== undefined ? { body: text } : {}), ...(headers ? { headers } : {}) });
    if (response.status >= 400) throw apiError(response.status, response.text);
    return response;
  }

  async function call<T>(method: UpstreamRequest['method'], path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    const response = await send(method, path, body);
    let json: unknown;
    try {
      json = JSON.parse(response.text);
    } catch {
      throw new UpstreamUnavailableError('bonusplus', `${method} ${path} answered ${response.status} with a body that is not JSON`, response.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new UpstreamUnavailableError('bonusplus', `${method} ${path} answered an unexpected shape (${problems})`, response.status);
    }
    return parsed.data;
  }

  async function findCustomer(phone: string): Promise<BpCustomer | undefined> {
    try {
      return toCustomer(await call('GET', `/customer?phone=${toBonusPlusPhone(phone)}`, undefined, customerSchema));
    } catch (error) {
      if (error instanceof BonusPlusApiError && error.status === 412 && error.code === 'CUSTOMER_NOT_FOUND') return undefined;
      throw error;
    }
  }

  async function listTransactions(phone: string, page?: BpPage) {
    const query = new URLSearchParams(Object.entries(pageParams(page)).map(([k, v]) => [k, String(v)])).toString();
    const path = `/customer/${toBonusPlusPhone(phone)}/transactions${query ? `?${query}` : ''}`;
    return (await call('GET', path, undefined, z.array(transactionSchema))).map((t) => ({
      id: t.id,
      kind: t.kind,
      reason: t.reason,
      amount: t.amount,
      date: t.date,
      reference: t.reference ?? null,
      expiresAt: t.expiresAt ?? null,
    }));
  }

  /**
   * `PATCH customer/{phone}/balance` (§2.3): moves the balance by `amount` (> 0 credits, < 0 debits).
   * The route is not known to be idempotent, so it is sent as not idempotent: never retried after a
   * timeout or a 5xx, only after a rate-limit answer, which comes before anything is done.
   */
  async function patchBalance(phone: string, amount: number, comment: string): Promise<void> {
    const response = await upstream.send({ method: 'PATCH', path: `/customer/${toBonusPlusPhone(phone)}/balance`, idempotent: false, body: JSON.stringify({ amount, comment }) });
    if (response.status >= 400) throw apiError(response.status, response.text);
  }

  /**
   * The balance-patch return: the spent bonuses given back as one credit, then the earned ones taken
   * back as one debit of at most what the customer has (the rest is `unrecovered`, as the receipt
   * route records it). Each move carries its key (`return:<externalId>:refund` / `:take-back`) in
   * `comment`, and the customer's latest 1,000 transactions are read first: a move already there is
   * not made again, so a retry after a lost reply, or after any later step failed, never doubles it.
   */
  async function returnByBalance(input: BpRegisterReturn): Promise<BpReturnReceipt> {
    const phone = input.phone;
    if (phone === undefined) throw new Error('The balance-patch return needs the customer\'s phone');
    const lines = input.items.map((i) => {
      if (i.earnedReversed === undefined || i.spentRefunded === undefined) throw new Error(`The balance-patch return needs our figures for line ${i.ext}`);
      return { ext: i.ext, qnt: i.qnt, earnedReversed: i.earnedReversed, debitedRefunded: i.spentRefunded };
    });
    const earned = lines.reduce((s, l) => s + l.earnedReversed, 0);
    const spent = lines.reduce((s, l) => s + l.debitedRefunded, 0);
    const refundKey = `return:${input.externalId}:refund`;
    const takeBackKey = `return:${input.externalId}:take-back`;

    const history = await listTransactions(phone, { rowCount: 1000 });
    const done = (key: string) => history.find((t) => t.reference === key);
    if (spent > 0 && !done(refundKey)) await patchBalance(phone, spent, refundKey);
    let taken = done(takeBackKey)?.amount;
    if (taken === undefined) {
      const before = await findCustomer(phone);
      if (!before) throw new BonusPlusRetailError(412, 'CUSTOMER_NOT_FOUND', `No BonusPlus customer with phone ${phone}`);
      taken = Math.min(earned, before.availableBonuses);
      if (taken > 0) await patchBalance(phone, -taken, takeBackKey);
    }
    const customer = await findCustomer(phone);
    if (!customer) throw new BonusPlusRetailError(412, 'CUSTOMER_NOT_FOUND', `No BonusPlus customer with phone ${phone}`);
    return { id: null, lines, earnedReversed: earned, debitedRefunded: spent, unrecovered: earned - taken, customer };
  }

  return {
    upstream,

    findCustomer,

    async createCustomer(input: BpCreateCustomer) {
      const body = {
        phone: toBonusPlusPhone(input.phone),
        ...(input.fn !== undefined ? { fn: input.fn } : {}),
        ...(input.ln !== undefined ? { ln: input.ln } : {}),
        ...(input.mn !== undefined ? { mn: input.mn } : {}),
        ...(input.email !== undefined ? { email: input.email } : {}),
        ...(input.card !== undefined ? { card: input.card } : {}),
        ...(input.regBonus !== undefined ? { regBonus: input.regBonus } : {}),
      };
      return toCustomer(await call('POST', '/customer', body, customerSchema));
    },

    async changeCardType(phone, cardTypeName) {
      return toCustomer(await call('PATCH', `/customer/${toBonusPlusPhone(phone)}`, { newCard: cardTypeName }, customerSchema));
    },

    async listCustomers(filter: BpCustomerFilter) {
      const body = {
        ...(filter.phone ? { phone: filter.phone.map(toBonusPlusPhone) } : {}),
        ...(filter.cardNumber ? { cardNumber: [...filter.cardNumber] } : {}),
        ...(filter.email ? { email: [...filter.email] } : {}),
        ...(filter.lastUpdateDate ? { lastUpdateDate: filter.lastUpdateDate.map((i) => ({ ...(i.from ? { from: i.from.toISOString() } : {}), ...(i.to ? { to: i.to.toISOString() } : {}) })) } : {}),
        ...(filter.startRow !== undefined ? { startRow: filter.startRow } : {}),
        ...(filter.rowCount !== undefined ? { rowCount: filter.rowCount } : {}),
      };
      return (await call('POST', '/customer/list', body, z.array(customerSchema))).map(toCustomer);
    },

    async listCardTypes(): Promise<BpCardType[]> {
      return call('GET', '/discountCardType', undefined, z.array(cardTypeSchema));
    },

    async calculate(sale) {
      const calc = await call('PUT', '/retail/calc', saleBody(sale), calcSchema);
      const lines = calc.discount.map((d) => ({ ext: d.ext, earned: d.cb, debited: d.db, discountKopecks: kopecksFromRoubles(d.ds ?? 0) }));
      const problem = calc.debitError?.code;
      return {
        lines,
        maxDebitBonuses: calc.maxDebitBonuses,
        debitMultiple: calc.multiplicityDebitBonus,
        bonusDebit: calc.bonusDebit ?? lines.reduce((a, l) => a + l.debited, 0),
        earnedTotal: lines.reduce((a, l) => a + l.earned, 0),
        ...(typeof calc.availableBonuses === 'number' ? { availableBonuses: calc.availableBonuses } : {}),
        ...(problem && DEBIT_PROBLEMS.has(problem) ? { debitProblem: problem as BpDebitProblem } : {}),
      };
    },

    async reserve(phone, orderId, amount) {
      if (!Number.isInteger(amount) || amount <= 0) throw badInput('A reserve is a positive whole number of bonuses', { amount });
      await send('PATCH', `/customer/${toBonusPlusPhone(phone)}/balance/reserve`, { id: orderId, amount });
    },

    async release(phone, orderId, amount) {
      if (!Number.isInteger(amount) || amount <= 0) throw badInput('A release is a positive whole number of bonuses', { amount });
      await send('PATCH', `/customer/${toBonusPlusPhone(phone)}/balance/reserve`, { id: orderId, amount: -amount });
    },

    async registerSale(sale) {
      const body = {
        ...saleBody(sale),
        externalId: sale.externalId,
        ...(sale.reserveId !== undefined ? { reserveId: sale.reserveId } : {}),
        ...(sale.desc !== undefined ? { desc: sale.desc } : {}),
        ...(sale.cashier !== undefined ? { cashier: sale.cashier } : {}),
      };
      const result = await call('POST', '/retail', body, saleResultSchema);
      return { id: result.id, orderUid: result.orderUid, ...(result.orderUrl ? { orderUrl: result.orderUrl } : {}), customer: toCustomer(result.customer) };
    },

    async registerReturn(input) {
      if (o.returnStrategy === 'balance-patch') return returnByBalance(input);
      const body = { externalId: input.externalId, receiptExternalId: input.receiptExternalId, items: input.items.map((i) => ({ ext: i.ext, qnt: i.qnt })) };
      const result = await call('POST', '/retail/return', body, returnResultSchema);
      return {
        id: result.id,
        lines: result.items.map((i) => ({ ext: i.ext, qnt: i.qnt, earnedReversed: i.cb, debitedRefunded: i.db })),
        earnedReversed: result.cb,
        debitedRefunded: result.db,
        unrecovered: result.unrecovered,
        customer: toCustomer(result.customer),
      };
    },

    async listBonusLots(phone) {
      return (await call('GET', `/customer/${toBonusPlusPhone(phone)}/bonuses`, undefined, z.array(lotSchema))).map(toLot);
    },

    listTransactions,

    async listExpiringLots(before, page) {
      const lots = await call('POST', '/bonus/expiring', { before: before.toISOString(), ...pageParams(page) }, z.array(expiringLotSchema));
      return lots.map((lot) => ({ ...toLot(lot), phone: lot.phone }));
    },

    close: () => upstream.close(),
  };
}
