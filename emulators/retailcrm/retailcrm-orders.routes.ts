import type { Kysely } from 'kysely';
import type { EmulatorRequest, EmulatorResponse, Router } from '../kit/emulator-server.js';
import { list, map, parseForm, parseQuery, scalar, type PhpParams } from './php-params.js';
import { toApiCustomer } from './retailcrm-customer.model.js';
import { findCustomer } from './retailcrm-customers.repository.js';
import type { OrderHistoryInsert, RetailCrmEmulatorDb } from './retailcrm-emulator.table.js';
import { entityErrors, formatCrmDateTime, missingParameter, notFound, ok, validationErrors } from './retailcrm-envelope.js';
import {
  applyItems,
  diffOrder,
  ORDER_STATUSES,
  orderRef,
  orderSums,
  parseOrderPatch,
  parsePaymentFields,
  PAYMENT_COMPLETE,
  PAYMENT_STATUSES,
  roubles,
  STATUS_GROUP,
  toApiOrder,
  type OrderChange,
  type OrderPatch,
  type OrderState,
  type PaymentState,
} from './retailcrm-order.model.js';
import {
  findOrder,
  findPayment,
  insertOrder,
  insertOrderHistory,
  insertPayment,
  listOrderHistory,
  listOrders,
  nextItemId,
  orderExternalIdTaken,
  paymentExternalIdTaken,
  paymentsOf,
  refreshCustomerSums,
  updateOrder,
  updatePayment,
  type OrderFilter,
  type OrderHistoryFilter,
} from './retailcrm-orders.repository.js';
import { lockWrites } from './retailcrm-customers.repository.js';
import { apiKeyOf, byOf, filterReader, historyFilterOf, historyRecordBase, INTEGER, isResponse, json, pageOf, pagination, unsupportedFilters, type By } from './retailcrm-request.js';

type Db = Kysely<RetailCrmEmulatorDb>;

/** Who made a change: the API (with the caller's key) or a manager/cashier in the CRM UI. */
export type Actor = { source: 'api'; apiKey: string } | { source: 'user'; userId: number };

/** The manager/cashier the control routes act as. */
export const CONTROL_USER_ID = 1;

export interface OrderRoutesContext {
  readonly db: Db;
  readonly sites: readonly string[];
  readonly siteOf: (params: PhpParams) => string | undefined | EmulatorResponse;
}

const ORDER_FILTERS = new Set(['ids', 'externalIds', 'numbers', 'customerId', 'customerExternalId', 'extendedStatus', 'sites']);

// An order has a `status` too: a failed save is told apart by its `body`.
const isFailure = (value: object): value is EmulatorResponse => 'body' in value;

const duplicateOrder = (externalId: string) => `Order with externalId=${externalId} already exists.`;
const duplicatePayment = (externalId: string) => `Payment with externalId=${externalId} already exists.`;

function orderFilterOf(params: PhpParams): OrderFilter | EmulatorResponse {
  const filter = map(params.filter) ?? {};
  const refused = unsupportedFilters(filter, ORDER_FILTERS);
  if (refused) return refused;
  const { errors, integer } = filterReader(filter);
  const strings = (key: string): string[] | undefined => (filter[key] === undefined ? undefined : list(filter[key]).filter((v): v is string => typeof v === 'string'));
  const ids = strings('ids');
  if (ids?.some((id) => !INTEGER.test(id))) errors['filter[ids]'] = 'This value is not valid.';
  const result: OrderFilter = {
    ids: ids?.map(Number),
    externalIds: strings('externalIds'),
    numbers: strings('numbers'),
    customerId: integer('customerId'),
    customerExternalId: scalar(filter.customerExternalId),
    extendedStatus: strings('extendedStatus'),
    sites: strings('sites'),
  };
  return Object.keys(errors).length > 0 ? validationErrors(errors) : result;
}



function record(order: OrderState, change: OrderChange & { payment?: Record<string, unknown> }, actor: Actor, now: Date): OrderHistoryInsert {
  return {
    created_at: now,
    order_id: order.id,
    created: change.created ?? false,
    deleted: change.deleted ?? false,
    source: actor.source,
    user_id: actor.source === 'user' ? actor.userId : null,
    api_key: actor.source === 'api' ? actor.apiKey : null,
    field: change.field,
    old_value: change.oldValue === null ? null : json(change.oldValue),
    new_value: change.newValue === null ? null : json(change.newValue),
    order: json(orderRef(order)),
    item: change.item ? json(change.item) : null,
    payment: change.payment ? json(change.payment) : null,
  };
}

const paymentRef = (p: PaymentState) => ({ id: p.id, type: p.type, ...(p.externalId !== null ? { externalId: p.externalId } : {}) });

/** History records of a payment change: `payments.status` ({code}), `payments.amount`, `payments.external_id`, `payments.paid_at`. */
function paymentChanges(before: PaymentState | undefined, after: PaymentState): (OrderChange & { payment: Record<string, unknown> })[] {
  const payment = paymentRef(after);
  const out: (OrderChange & { payment: Record<string, unknown> })[] = [];
  if (before?.status !== after.status) out.push({ field: 'payments.status', oldValue: before ? { code: before.status } : null, newValue: { code: after.status }, payment });
  if (before?.amount !== after.amount) out.push({ field: 'payments.amount', oldValue: before ? roubles(before.amount) : null, newValue: roubles(after.amount), payment });
  if ((before?.externalId ?? null) !== after.externalId) out.push({ field: 'payments.external_id', oldValue: before?.externalId ?? null, newValue: after.externalId, payment });
  const paidAt = (p: PaymentState | undefined) => (p?.paidAt ? formatCrmDateTime(p.paidAt) : null);
  if (paidAt(before) !== paidAt(after)) out.push({ field: 'payments.paid_at', oldValue: paidAt(before), newValue: paidAt(after), payment });
  return out;
}

/** Sets or clears `fullPaidAt`: the order is fully paid when its complete payments cover `totalSumm`. */
function withFullPaid(order: OrderState, payments: readonly PaymentState[], now: Date): OrderState {
  const paid = payments.filter((p) => PAYMENT_COMPLETE.get(p.status)).reduce((t, p) => t + p.amount, 0);
  const { totalSumm } = orderSums(order);
  const full = totalSumm > 0 && paid >= totalSumm;
  if (full && !order.fullPaidAt) return { ...order, fullPaidAt: now };
  if (!full && order.fullPaidAt) return { ...order, fullPaidAt: null };
  return order;
}

function fullPaidChange(before: OrderState, after: OrderState): OrderChange[] {
  const f = (o: OrderState) => (o.fullPaidAt ? formatCrmDateTime(o.fullPaidAt) : null);
  return f(before) === f(after) ? [] : [{ field: 'full_paid_at', oldValue: f(before), newValue: f(after) }];
}

function parseJsonField(form: PhpParams, name: string): unknown | EmulatorResponse {
  const text = scalar(form[name]);
  if (text === undefined) return missingParameter(name);
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return entityErrors({ [name]: 'This value is not valid JSON.' });
  }
}

/**
 * Orders, payments, order history and the order references, added to the emulator's routers.
 * Writes take the same advisory lock as the customers part, so both feeds commit in id order.
 */
export function addOrderRoutes(router: Router, control: Router, ctx: OrderRoutesContext): { changeStatus: (by: By, key: string, status: string) => Promise<EmulatorResponse> } {
  const { db } = ctx;

  const printOrders = async (trx: Db, orders: readonly OrderState[], paymentsAs: 'object' | 'list' = 'object') => {
    const payments = await paymentsOf(trx, orders.map((o) => o.id));
    const customers = new Map<number, Record<string, unknown>>();
    for (const id of new Set(orders.map((o) => o.customerId).filter((id): id is number => id !== null))) {
      const c = await findCustomer(trx, 'id', String(id), undefined);
      if (c) customers.set(id, toApiCustomer(c));
    }
    return orders.map((o) => toApiOrder(o, payments.get(o.id) ?? [], o.customerId !== null ? customers.get(o.customerId) : undefined, paymentsAs));
  };

  const resolveCustomer = async (trx: Db, site: string, ref: OrderPatch['customer']): Promise<number | undefined> => {
    if (!ref) return undefined;
    const c = ref.id !== undefined ? await findCustomer(trx, 'id', String(ref.id), undefined) : await findCustomer(trx, 'externalId', ref.externalId!, site);
    return c?.id;
  };

  /** Applies a patch to an order (or a fresh one), writes it, its history and the derived fields. */
  const save = async (trx: Db, before: OrderState | undefined, patch: OrderPatch, site: string, actor: Actor): Promise<OrderState | EmulatorResponse> => {
    const now = new Date();
    const externalId = patch.externalId === undefined ? (before?.externalId ?? null) : patch.externalId;
    if (externalId !== null && externalId !== before?.externalId && (await orderExternalIdTaken(trx, site, externalId, before?.id))) {
      return entityErrors({ externalId: duplicateOrder(externalId) });
    }
    let customerId = before?.customerId ?? null;
    if (patch.customer) {
      const found = await resolveCustomer(trx, site, patch.customer);
      if (found === undefined) return entityErrors({ customer: 'Customer not found.' });
      customerId = found;
    }
    const ids: number[] = [];
    for (const p of patch.items ?? []) if (p.id === undefined) ids.push(await nextItemId(trx));
    const items = patch.items ? applyItems(before?.items ?? [], patch.items, () => ids.shift()!, now) : [...(before?.items ?? [])];
    if ('error' in items) return entityErrors({ [items.error]: items.error.endsWith('.id') ? 'Order product not found.' : 'The offer must be given by id, externalId or xmlId.' });
    const status = patch.status ?? before?.status ?? 'new';
    const base = {
      externalId,
      site,
      status,
      statusUpdatedAt: before && before.status === status ? before.statusUpdatedAt : (before ? now : (patch.createdAt ?? now)),
      createdAt: before?.createdAt ?? patch.createdAt ?? now,
      customerId,
      firstName: patch.firstName === undefined ? (before?.firstName ?? null) : patch.firstName,
      lastName: patch.lastName === undefined ? (before?.lastName ?? null) : patch.lastName,
      phone: patch.phone === undefined ? (before?.phone ?? null) : patch.phone,
      email: patch.email === undefined ? (before?.email ?? null) : patch.email,
      items,
      delivery: patch.delivery === undefined ? (before?.delivery ?? null) : patch.delivery,
      customFields: mergeCustomFields(before?.customFields ?? {}, patch.customFields),
      fullPaidAt: before?.fullPaidAt ?? null,
    };
    let order: OrderState;
    const records: OrderHistoryInsert[] = [];
    let payments: PaymentState[];
    if (!before) {
      if (patch.payments) {
        for (const p of patch.payments) {
          if (p.externalId && (await paymentExternalIdTaken(trx, p.externalId))) return entityErrors({ 'payments.externalId': duplicatePayment(p.externalId) });
        }
      }
      order = await insertOrder(trx, base);
      payments = [];
      for (const p of patch.payments ?? []) {
        const complete = PAYMENT_COMPLETE.get(p.status) === true;
        payments.push(await insertPayment(trx, { orderId: order.id, externalId: p.externalId ?? null, type: p.type, status: p.status, amount: p.amount, paidAt: complete ? now : null, comment: null }));
      }
      const paid = withFullPaid(order, payments, now);
      if (paid !== order) {
        order = paid;
        await updateOrder(trx, order);
      }
      // Creation: one `status` record with `created: true` carrying the whole order (as in a real capture).
      const [snapshot] = await printOrders(trx, [order], 'list');
      records.push({ ...record(order, { field: 'status', oldValue: null, newValue: { code: order.status }, created: true }, actor, now), order: json(snapshot) });
    } else {
      order = { ...before, ...base };
      payments = (await paymentsOf(trx, [order.id])).get(order.id) ?? [];
      order = withFullPaid(order, payments, now);
      const changes = [...diffOrder(before, order), ...fullPaidChange(before, order)];
      if (changes.length === 0) return order;
      await updateOrder(trx, order);
      records.push(...changes.map((c) => record(order, c, actor, now)));
    }
    await insertOrderHistory(trx, records);
    await refreshCustomerSums(trx, [order.customerId, before?.customerId ?? null]);
    return order;
  };

  const orderPatchOf = (form: PhpParams): OrderPatch | EmulatorResponse => {
    const raw = parseJsonField(form, 'order');
    if (isResponse(raw as object)) return raw as EmulatorResponse;
    const parsed = parseOrderPatch((raw as { value: unknown }).value);
    return parsed.ok ? parsed.patch : entityErrors(parsed.errors);
  };

  const create = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const form = parseForm(req.body);
    let site = ctx.siteOf(form);
    if (typeof site === 'object') return site;
    if (site === undefined) {
      if (ctx.sites.length > 1) return missingParameter('site');
      site = ctx.sites[0]!;
    }
    const patch = orderPatchOf(form);
    if (isFailure(patch)) return patch;
    if (!patch.items || patch.items.length === 0) return entityErrors({ items: 'This value should not be blank.' });
    const onSite = site;
    const actor: Actor = { source: 'api', apiKey: apiKeyOf(req)! };
    return db.transaction().execute(async (trx) => {
      await lockWrites(trx);
      const order = await save(trx, undefined, patch, onSite, actor);
      if (isFailure(order)) return order;
      const [printed] = await printOrders(trx, [order]);
      return ok({ id: order.id, order: printed }, 201);
    });
  };

  const addressed = (req: EmulatorRequest, params: PhpParams): { by: By; key: string; site: string | undefined } | EmulatorResponse => {
    const by = byOf(params);
    if (typeof by === 'object') return by;
    const site = ctx.siteOf(params);
    if (typeof site === 'object') return site;
    const key = req.params.externalId!;
    if (by === 'id' && !INTEGER.test(key)) return validationErrors({ id: 'ID must be an integer' });
    return { by, key, site };
  };

  const edit = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const form = parseForm(req.body);
    const target = addressed(req, form);
    if (isResponse(target)) return target;
    const patch = orderPatchOf(form);
    if (isFailure(patch)) return patch;
    // Payments are their own resource after creation (orders/payments/*).
    delete patch.payments;
    const actor: Actor = { source: 'api', apiKey: apiKeyOf(req)! };
    return db.transaction().execute(async (trx) => {
      await lockWrites(trx);
      const before = await findOrder(trx, target.by, target.key, target.site, true);
      if (!before) return notFound();
      const order = await save(trx, before, patch, before.site, actor);
      if (isFailure(order)) return order;
      const [printed] = await printOrders(trx, [order]);
      return ok({ id: order.id, order: printed });
    });
  };

  const get = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const target = addressed(req, parseQuery(req.query));
    if (isResponse(target)) return target;
    const order = await findOrder(db, target.by, target.key, target.site);
    if (!order) return notFound();
    const [printed] = await printOrders(db, [order]);
    return ok({ order: printed });
  };

  const ordersList = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const params = parseQuery(req.query);
    const page = pageOf(params);
    if (isResponse(page)) return page;
    const filter = orderFilterOf(params);
    if (isResponse(filter)) return filter;
    const { orders, total } = await listOrders(db, filter, page.limit, page.page);
    return ok({ pagination: pagination(page, total), orders: await printOrders(db, orders) });
  };

  const history = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const params = parseQuery(req.query);
    const page = pageOf(params);
    if (isResponse(page)) return page;
    const fields = historyFilterOf(params, 'order');
    if (isResponse(fields)) return fields;
    const filter: OrderHistoryFilter = { sinceId: fields.sinceId, orderId: fields.entityId, orderExternalId: fields.entityExternalId, startDate: fields.startDate, endDate: fields.endDate };
    const generatedAt = formatCrmDateTime(new Date());
    const { records, total } = await listOrderHistory(db, filter, page.limit, page.page);
    const callerKey = apiKeyOf(req);
    return ok({
      generatedAt,
      history: records.map((r) => ({ ...historyRecordBase(r, callerKey), order: r.order, ...(r.item ? { item: r.item } : {}), ...(r.payment ? { payment: r.payment } : {}) })),
      pagination: pagination(page, total),
    });
  };

  const statuses = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const params = parseQuery(req.query);
    const ids = list(params.ids).filter((v): v is string => typeof v === 'string');
    const externalIds = list(params.externalIds).filter((v): v is string => typeof v === 'string');
    if (ids.some((id) => !INTEGER.test(id))) return validationErrors({ ids: 'This value is not valid.' });
    if (ids.length + externalIds.length === 0) return validationErrors({ ids: 'Specify ids or externalIds.' });
    const { orders } = await listOrders(db, { ...(ids.length ? { ids: ids.map(Number) } : {}), ...(externalIds.length ? { externalIds } : {}) }, 250, 1);
    return ok({ orders: orders.map((o) => ({ id: o.id, ...(o.externalId !== null ? { externalId: o.externalId } : {}), status: o.status, group: STATUS_GROUP.get(o.status) })) });
  };

  /** Writes a payment (new or edited) and what follows from it: history, `fullPaidAt`. */
  const savePayment = async (trx: Db, order: OrderState, before: PaymentState | undefined, after: Omit<PaymentState, 'id'> & { id?: number }, actor: Actor) => {
    const now = new Date();
    const becameComplete = PAYMENT_COMPLETE.get(after.status) === true && !(before && PAYMENT_COMPLETE.get(before.status));
    const withPaidAt = { ...after, paidAt: after.paidAt ?? (becameComplete ? now : null) };
    let payment: PaymentState;
    if (before) {
      payment = { ...withPaidAt, id: before.id };
      await updatePayment(trx, payment);
    } else {
      payment = await insertPayment(trx, withPaidAt);
    }
    const payments = (await paymentsOf(trx, [order.id])).get(order.id) ?? [];
    const next = withFullPaid(order, payments, now);
    const changes = [...paymentChanges(before, payment), ...fullPaidChange(order, next)];
    if (next !== order) await updateOrder(trx, next);
    await insertOrderHistory(trx, changes.map((c) => record(next, c, actor, now)));
    return payment;
  };

  const paymentCreate = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const form = parseForm(req.body);
    const site = ctx.siteOf(form);
    if (typeof site === 'object') return site;
    const raw = parseJsonField(form, 'payment');
    if (isResponse(raw as object)) return raw as EmulatorResponse;
    const value = (raw as { value: unknown }).value;
    const errors: Record<string, string> = {};
    const fields = parsePaymentFields(value, '', errors, true);
    const ref = (value as { order?: { id?: unknown; externalId?: unknown } } | null)?.order;
    const orderBy: By | undefined = typeof ref?.id === 'number' ? 'id' : typeof ref?.externalId === 'string' ? 'externalId' : undefined;
    if (!orderBy) errors.order = 'The order must be given by id or externalId.';
    if (fields && fields.amount === undefined) errors.amount = 'This value should not be blank.';
    if (Object.keys(errors).length > 0 || !fields || !orderBy) return entityErrors(errors);
    const actor: Actor = { source: 'api', apiKey: apiKeyOf(req)! };
    return db.transaction().execute(async (trx) => {
      await lockWrites(trx);
      const order = await findOrder(trx, orderBy, String(orderBy === 'id' ? ref!.id : ref!.externalId), site, true);
      if (!order) return entityErrors({ order: 'Order not found.' });
      if (fields.externalId && (await paymentExternalIdTaken(trx, fields.externalId))) return entityErrors({ externalId: duplicatePayment(fields.externalId) });
      const payment = await savePayment(
        trx,
        order,
        undefined,
        { orderId: order.id, externalId: fields.externalId ?? null, type: fields.type!, status: fields.status!, amount: fields.amount!, paidAt: null, comment: fields.comment ?? null },
        actor,
      );
      return ok({ id: payment.id }, 201);
    });
  };

  const paymentEdit = async (req: EmulatorRequest): Promise<EmulatorResponse> => {
    const form = parseForm(req.body);
    const by = byOf(form);
    if (typeof by === 'object') return by;
    const key = req.params.id!;
    if (by === 'id' && !INTEGER.test(key)) return validationErrors({ id: 'ID must be an integer' });
    const raw = parseJsonField(form, 'payment');
    if (isResponse(raw as object)) return raw as EmulatorResponse;
    const errors: Record<string, string> = {};
    const fields = parsePaymentFields((raw as { value: unknown }).value, '', errors, false);
    if (Object.keys(errors).length > 0 || !fields) return entityErrors(errors);
    const actor: Actor = { source: 'api', apiKey: apiKeyOf(req)! };
    return db.transaction().execute(async (trx) => {
      await lockWrites(trx);
      const before = await findPayment(trx, by, key);
      if (!before) return notFound();
      if (fields.externalId && fields.externalId !== before.externalId && (await paymentExternalIdTaken(trx, fields.externalId))) {
        return entityErrors({ externalId: duplicatePayment(fields.externalId) });
      }
      const order = (await findOrder(trx, 'id', String(before.orderId), undefined, true))!;
      await savePayment(
        trx,
        order,
        before,
        {
          orderId: before.orderId,
          externalId: fields.externalId ?? before.externalId,
          type: fields.type ?? before.type,
          status: fields.status ?? before.status,
          amount: fields.amount ?? before.amount,
          paidAt: before.paidAt,
          comment: fields.comment === undefined ? before.comment : fields.comment,
        },
        actor,
      );
      return ok();
    });
  };

  router
    .on('GET', '/api/v5/orders', ordersList)
    .on('GET', '/api/v5/orders/history', history)
    .on('GET', '/api/v5/orders/statuses', statuses)
    .on('POST', '/api/v5/orders/create', create)
    .on('POST', '/api/v5/orders/payments/create', paymentCreate)
    .on('POST', '/api/v5/orders/payments/:id/edit', paymentEdit)
    .on('GET', '/api/v5/orders/:externalId', get)
    .on('POST', '/api/v5/orders/:externalId/edit', edit)
    .on('GET', '/api/v5/reference/statuses', async () =>
      ok({ statuses: Object.fromEntries(ORDER_STATUSES.map((s, i) => [s.code, { name: s.name, code: s.code, active: true, ordering: (i + 1) * 10, group: s.group }])) }),
    )
    .on('GET', '/api/v5/reference/payment-statuses', async () =>
      ok({
        paymentStatuses: Object.fromEntries(
          PAYMENT_STATUSES.map((s, i) => [
            s.code,
            { name: s.name, code: s.code, active: true, defaultForCrm: s.code === 'not-paid', defaultForApi: s.code === 'not-paid', ordering: (i + 1) * 10, paymentComplete: s.paymentComplete },
          ]),
        ),
      }),
    );

  // ---- Control: a manager moves an order, a cashier/bank records a payment (source "user") ----
  const manager: Actor = { source: 'user', userId: CONTROL_USER_ID };
  const controlBody = (req: EmulatorRequest): Record<string, unknown> => {
    try {
      const v = JSON.parse(req.body || '{}') as unknown;
      return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const controlBy = (body: Record<string, unknown>): By => (body.by === 'id' ? 'id' : 'externalId');

  const changeStatus = (by: By, key: string, status: string): Promise<EmulatorResponse> => {
    if (!STATUS_GROUP.has(status)) return Promise.resolve({ status: 400, body: { error: `unknown status ${status}` } });
    return db.transaction().execute(async (trx) => {
      await lockWrites(trx);
      const before = await findOrder(trx, by, key, undefined, true);
      if (!before) return { status: 404, body: { error: 'order not found' } };
      const order = await save(trx, before, { status }, before.site, manager);
      if (isFailure(order)) return order;
      return { status: 200, body: { id: order.id, status: order.status } };
    });
  };

  control
    .on('POST', '/orders/:externalId/status', async (req) => {
      const body = controlBody(req);
      if (typeof body.status !== 'string') return { status: 400, body: { error: 'status is required' } };
      return changeStatus(controlBy(body), req.params.externalId!, body.status);
    })
    .on('POST', '/orders/:externalId/pay', async (req) => {
      const body = controlBody(req);
      return db.transaction().execute(async (trx) => {
        await lockWrites(trx);
        const order = await findOrder(trx, controlBy(body), req.params.externalId!, undefined, true);
        if (!order) return { status: 404, body: { error: 'order not found' } };
        const payments = (await paymentsOf(trx, [order.id])).get(order.id) ?? [];
        const paid = payments.filter((p) => PAYMENT_COMPLETE.get(p.status)).reduce((t, p) => t + p.amount, 0);
        // Default: the rest of the order, in kopecks.
        const amount = typeof body.amountKopecks === 'number' ? body.amountKopecks : Math.max(0, orderSums(order).totalSumm - paid);
        const payment = await savePayment(
          trx,
          order,
          undefined,
          { orderId: order.id, externalId: null, type: typeof body.type === 'string' ? body.type : 'bank-card', status: 'paid', amount, paidAt: null, comment: null },
          manager,
        );
        return { status: 200, body: { paymentId: payment.id, amount: roubles(amount) } };
      });
    });

  return { changeStatus };
}

function mergeCustomFields(before: Readonly<Record<string, unknown>>, patch: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...before };
  for (const [code, value] of Object.entries(patch ?? {})) {
    if (value === null) delete out[code];
    else out[code] = value;
  }
  return out;
}

