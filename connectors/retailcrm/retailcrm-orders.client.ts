import { z } from 'zod';
import { RetailCrmApiError, type CrmBy, type CrmPageLimit } from './retailcrm.port.js';
import type {
  CrmOrder,
  CrmOrderFilter,
  CrmOrderHistoryRecord,
  CrmOrderInput,
  CrmPaymentInput,
  RetailCrmOrdersPort,
} from './retailcrm-orders.port.js';
import { EMPTY_PAGE, historyRecordBaseSchema, isDuplicateExternalId, optionalString, paginationSchema, queryString, type CrmCall } from './retailcrm.transport.js';

// ---- Money: roubles on the wire, kopecks here ---------------------------------------------------

/** Roubles (number or numeric string, at most two decimals) → kopecks, exactly: by the decimal text, not by float maths. */
export function toKopecks(roubles: number | string): number | undefined {
  const text = typeof roubles === 'number' ? roubles.toFixed(2) : roubles.trim();
  if (typeof roubles === 'number' && Math.abs(Number(text) - roubles) > 1e-9) return undefined;
  const m = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return undefined;
  const kopecks = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -kopecks : kopecks;
}

/** Kopecks → the decimal roubles RetailCRM expects. */
export const toRoubles = (kopecks: number): number => {
  if (!Number.isSafeInteger(kopecks)) throw new RangeError(`kopecks must be an integer, got ${kopecks}`);
  return kopecks / 100;
};

const moneySchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const k = toKopecks(v);
  if (k === undefined) {
    ctx.addIssue({ code: 'custom', message: `not an amount of money: ${v}` });
    return z.NEVER;
  }
  return k;
});
const optionalMoney = moneySchema.nullish().transform((v) => v ?? 0);
const idString = z.union([z.string(), z.number()]).nullish().transform((v) => (v === null || v === undefined ? undefined : String(v)));

// ---- Response shapes --------------------------------------------------------------------------

const paymentSchema = z.object({
  id: z.number().int(),
  externalId: idString,
  type: z.string(),
  status: z.string(),
  amount: moneySchema,
  paidAt: optionalString,
});

const itemSchema = z.object({
  id: z.number().int(),
  offer: z
    .object({ id: z.number().int().optional(), externalId: idString, xmlId: idString, name: optionalString })
    .nullish()
    .transform((v) => v ?? {}),
  productName: optionalString,
  quantity: z.number(),
  initialPrice: optionalMoney,
  discountManualAmount: optionalMoney,
  bonusesChargeTotal: optionalMoney,
  bonusesCreditTotal: optionalMoney,
  status: optionalString,
});

const orderSchema = z.object({
  id: z.number().int(),
  number: z.string(),
  externalId: idString,
  site: optionalString,
  status: z.string(),
  createdAt: z.string(),
  customer: z.looseObject({ id: z.number().int(), externalId: idString }).nullish(),
  firstName: optionalString,
  lastName: optionalString,
  phone: optionalString,
  email: optionalString,
  items: z.array(itemSchema).nullish().transform((v) => v ?? []),
  // GO types it as a map keyed by payment id; PHP fixtures show both a map and a list.
  payments: z
    .union([z.array(paymentSchema), z.record(z.string(), paymentSchema)])
    .nullish()
    .transform((v) => (v ? (Array.isArray(v) ? v : Object.values(v)) : [])),
  summ: optionalMoney,
  totalSumm: optionalMoney,
  bonusesChargeTotal: optionalMoney,
  bonusesCreditTotal: optionalMoney,
  fullPaidAt: optionalString,
  customFields: z
    .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
    .nullish()
    .transform((v) => (v && !Array.isArray(v) ? v : {})),
});

const orderRefSchema = z.looseObject({ id: z.number().int(), externalId: idString, site: optionalString, status: optionalString });

const historyRecordSchema = historyRecordBaseSchema.extend({
  order: orderRefSchema,
  item: z.looseObject({ id: z.number().int() }).optional(),
  payment: z.looseObject({ id: z.number().int(), externalId: idString, type: optionalString }).optional(),
});

const orderResponse = z.object({ order: orderSchema });
const createResponse = z.object({ id: z.number().int(), order: orderSchema });
const listResponse = z.object({ pagination: paginationSchema, orders: z.array(orderSchema) });
const historyResponse = z.object({ generatedAt: z.string(), history: z.array(historyRecordSchema), pagination: paginationSchema });
const idResponse = z.object({ id: z.number().int() });
const statusesResponse = z.object({
  statuses: z.record(z.string(), z.object({ code: z.string(), name: z.string(), group: z.string(), active: z.boolean().default(true) })),
});
const paymentStatusesResponse = z.object({
  paymentStatuses: z.record(z.string(), z.object({ code: z.string(), name: z.string(), paymentComplete: z.boolean().default(false) })),
});

const defined = <T extends Record<string, unknown>>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function toCrmOrder(o: z.infer<typeof orderSchema>): CrmOrder {
  return defined({
    id: o.id,
    number: o.number,
    externalId: o.externalId,
    site: o.site,
    status: o.status,
    createdAt: o.createdAt,
    customer: o.customer ? defined({ id: o.customer.id, externalId: o.customer.externalId }) : undefined,
    firstName: o.firstName,
    lastName: o.lastName,
    phone: o.phone,
    email: o.email,
    items: o.items.map((i) =>
      defined({
        id: i.id,
        offer: defined({ ...i.offer }),
        productName: i.productName,
        quantity: i.quantity,
        initialPriceKopecks: i.initialPrice,
        discountManualAmountKopecks: i.discountManualAmount,
        bonusesChargeTotal: i.bonusesChargeTotal / 100,
        bonusesCreditTotal: i.bonusesCreditTotal / 100,
        status: i.status,
      }),
    ),
    payments: o.payments.map((p) => defined({ id: p.id, externalId: p.externalId, type: p.type, status: p.status, amountKopecks: p.amount, paidAt: p.paidAt })),
    summKopecks: o.summ,
    totalSummKopecks: o.totalSumm,
    bonusesChargeTotal: o.bonusesChargeTotal / 100,
    bonusesCreditTotal: o.bonusesCreditTotal / 100,
    fullPaidAt: o.fullPaidAt,
    customFields: o.customFields,
  });
}

function toHistoryRecord(r: z.infer<typeof historyRecordSchema>): CrmOrderHistoryRecord {
  const full = r.created ? orderSchema.safeParse(r.order) : undefined;
  return defined({
    id: r.id,
    createdAt: r.createdAt,
    created: r.created,
    deleted: r.deleted,
    source: r.source,
    field: r.field,
    oldValue: r.oldValue ?? null,
    newValue: r.newValue ?? null,
    apiKey: r.apiKey,
    user: r.user,
    order: defined({ id: r.order.id, externalId: r.order.externalId, site: r.order.site, status: r.order.status }),
    item: r.item ? { id: r.item.id } : undefined,
    payment: r.payment ? defined({ id: r.payment.id, externalId: r.payment.externalId, type: r.payment.type }) : undefined,
    snapshot: full?.success ? toCrmOrder(full.data) : undefined,
  });
}

// ---- Request shapes: kopecks → roubles; bonuses are whole roubles on the wire ------------------

function paymentWire(p: Partial<CrmPaymentInput>): Record<string, unknown> {
  return defined({ externalId: p.externalId, type: p.type, status: p.status, amount: p.amountKopecks === undefined ? undefined : toRoubles(p.amountKopecks) });
}

function orderWire(o: CrmOrderInput): Record<string, unknown> {
  return defined({
    externalId: o.externalId,
    status: o.status,
    customer: o.customer,
    firstName: o.firstName,
    lastName: o.lastName,
    phone: o.phone,
    email: o.email,
    items: o.items?.map((i) =>
      defined({
        id: i.id,
        offer: i.offer,
        productName: i.productName,
        quantity: i.quantity,
        initialPrice: i.initialPriceKopecks === undefined ? undefined : toRoubles(i.initialPriceKopecks),
        discountManualAmount: i.discountManualAmountKopecks === undefined ? undefined : toRoubles(i.discountManualAmountKopecks),
        bonusesChargeTotal: i.bonusesChargeTotal,
        bonusesCreditTotal: i.bonusesCreditTotal,
        status: i.status,
      }),
    ),
    delivery: o.deliveryCostKopecks === undefined ? undefined : { cost: toRoubles(o.deliveryCostKopecks) },
    customFields: o.customFields,
    payments: o.payments?.map(paymentWire),
  });
}

/** The orders part of the RetailCRM client, on the shared transport. */
export function retailCrmOrders(call: CrmCall, site: string): RetailCrmOrdersPort {
  const orderPath = (id: string | number) => `/orders/${encodeURIComponent(String(id))}`;

  async function getOrder(id: string | number, by: CrmBy): Promise<CrmOrder | undefined> {
    try {
      const { order } = await call(orderResponse, { method: 'GET', path: `${orderPath(id)}${queryString({ by, site })}`, idempotent: true });
      return toCrmOrder(order);
    } catch (error) {
      if (error instanceof RetailCrmApiError && error.status === 404 && error.errorMsg === 'Not found') return undefined;
      throw error;
    }
  }

  return {
    async createOrder(order) {
      const keyed = order.externalId !== undefined;
      try {
        const created = await call(createResponse, { method: 'POST', path: '/orders/create', form: { site, order: JSON.stringify(orderWire(order)) }, idempotent: keyed });
        return { order: toCrmOrder(created.order) };
      } catch (error) {
        if (!keyed || !(error instanceof RetailCrmApiError) || !isDuplicateExternalId(error)) throw error;
        const existing = await getOrder(order.externalId!, 'externalId');
        if (!existing) throw error;
        return { order: existing, alreadyExisted: true };
      }
    },

    async editOrder(id, by, order) {
      const edited = await call(orderResponse, { method: 'POST', path: `${orderPath(id)}/edit`, form: { order: JSON.stringify(orderWire(order)), by, site }, idempotent: true });
      return toCrmOrder(edited.order);
    },

    getOrder,

    async listOrders(filter: CrmOrderFilter, page: { limit?: CrmPageLimit; page?: number } = {}) {
      if (filter.ids?.length === 0 || filter.externalIds?.length === 0 || filter.numbers?.length === 0) return { orders: [], pagination: EMPTY_PAGE(page.limit ?? 20) };
      const query = queryString({
        'filter[ids]': filter.ids,
        'filter[externalIds]': filter.externalIds,
        'filter[numbers]': filter.numbers,
        'filter[customerId]': filter.customerId,
        'filter[customerExternalId]': filter.customerExternalId,
        'filter[extendedStatus]': filter.extendedStatus?.length ? filter.extendedStatus : undefined,
        limit: page.limit,
        page: page.page,
      });
      const { orders, pagination } = await call(listResponse, { method: 'GET', path: `/orders${query}`, idempotent: true });
      return { orders: orders.map(toCrmOrder), pagination };
    },

    async ordersHistory(sinceId: number, limit?: CrmPageLimit) {
      const response = await call(historyResponse, { method: 'GET', path: `/orders/history${queryString({ 'filter[sinceId]': sinceId, limit })}`, idempotent: true });
      return { history: response.history.map(toHistoryRecord), pagination: response.pagination, generatedAt: response.generatedAt };
    },

    async createPayment(order, payment) {
      const keyed = payment.externalId !== undefined;
      try {
        const { id } = await call(idResponse, {
          method: 'POST',
          path: '/orders/payments/create',
          form: { payment: JSON.stringify({ order, ...paymentWire(payment) }), site },
          idempotent: keyed,
        });
        return { id };
      } catch (error) {
        if (!keyed || !(error instanceof RetailCrmApiError) || !isDuplicateExternalId(error)) throw error;
        // RetailCRM has no GET for a payment: find it on its order.
        const existing = 'id' in order ? await getOrder(order.id, 'id') : await getOrder(order.externalId, 'externalId');
        const found = existing?.payments.find((p) => p.externalId === payment.externalId);
        if (!found) throw error;
        return { id: found.id, alreadyExisted: true };
      }
    },

    async editPayment(id, by, payment) {
      await call(z.object({}), {
        method: 'POST',
        path: `/orders/payments/${encodeURIComponent(String(id))}/edit`,
        form: { payment: JSON.stringify(paymentWire(payment)), by, site },
        idempotent: true,
      });
    },

    async listStatuses() {
      const { statuses } = await call(statusesResponse, { method: 'GET', path: '/reference/statuses', idempotent: true });
      return Object.values(statuses).map((s) => ({ code: s.code, name: s.name, group: s.group, active: s.active }));
    },

    async listPaymentStatuses() {
      const { paymentStatuses } = await call(paymentStatusesResponse, { method: 'GET', path: '/reference/payment-statuses', idempotent: true });
      return Object.values(paymentStatuses).map((s) => ({ code: s.code, name: s.name, paymentComplete: s.paymentComplete }));
    },
  };
}
