import { formatCrmDateTime, parseCrmDateTime } from './retailcrm-envelope.js';
import type { OrderDeliveryData, OrderItemData, OrderRow, PaymentRow } from './retailcrm-emulator.table.js';

/**
 * The account's order statuses (`reference/statuses`): the defaults of a fresh account with their
 * groups (PHP `ReferencesTest::testStatuses`, plus `partially-completed` and `return` from a
 * third-party inventory of a fresh account).
 */
export const ORDER_STATUSES: readonly { code: string; name: string; group: string }[] = [
  { code: 'new', name: 'Новый', group: 'new' },
  { code: 'availability-confirmed', name: 'Наличие подтверждено', group: 'approval' },
  { code: 'offer-analog', name: 'Предложить замену', group: 'approval' },
  { code: 'client-confirmed', name: 'Согласовано с клиентом', group: 'approval' },
  { code: 'prepayed', name: 'Предоплата поступила', group: 'approval' },
  { code: 'send-to-assembling', name: 'Передано в комплектацию', group: 'assembling' },
  { code: 'assembling', name: 'Комплектуется', group: 'assembling' },
  { code: 'assembling-complete', name: 'Укомплектован', group: 'assembling' },
  { code: 'send-to-delivery', name: 'Передан в доставку', group: 'delivery' },
  { code: 'delivering', name: 'Доставляется', group: 'delivery' },
  { code: 'redirect', name: 'Доставка перенесена', group: 'delivery' },
  { code: 'complete', name: 'Выполнен', group: 'complete' },
  { code: 'partially-completed', name: 'Выполнен частично', group: 'complete' },
  { code: 'no-call', name: 'Недозвон', group: 'cancel' },
  { code: 'no-product', name: 'Нет в наличии', group: 'cancel' },
  { code: 'already-buyed', name: 'Купил в другом месте', group: 'cancel' },
  { code: 'delyvery-did-not-suit', name: 'Не устроила доставка', group: 'cancel' },
  { code: 'prices-did-not-suit', name: 'Не устроила цена', group: 'cancel' },
  { code: 'cancel-other', name: 'Отменён', group: 'cancel' },
  { code: 'return', name: 'Возврат', group: 'cancel' },
];

export const STATUS_GROUP = new Map(ORDER_STATUSES.map((s) => [s.code, s.group]));

/** `reference/payment-statuses` (PHP `ReferencesTest::testPaymentStatuses`). */
export const PAYMENT_STATUSES: readonly { code: string; name: string; paymentComplete: boolean }[] = [
  { code: 'not-paid', name: 'Не оплачен', paymentComplete: false },
  { code: 'invoice', name: 'Выставлен счёт', paymentComplete: false },
  { code: 'payment-start', name: 'Платёж проведён', paymentComplete: false },
  { code: 'pending', name: 'Ожидает оплаты', paymentComplete: false },
  { code: 'credit-check', name: 'Проверка кредита', paymentComplete: false },
  { code: 'credit-approved', name: 'Кредит одобрен', paymentComplete: false },
  { code: 'fail', name: 'Ошибка оплаты', paymentComplete: false },
  { code: 'check-refund', name: 'Возврат средств', paymentComplete: false },
  { code: 'paid', name: 'Оплачен', paymentComplete: true },
];

export const PAYMENT_COMPLETE = new Map(PAYMENT_STATUSES.map((s) => [s.code, s.paymentComplete]));

/** Item statuses (Settings → Product statuses); a fresh account has these. ASSUMPTION: codes. */
export const ITEM_STATUSES = new Set(['new', 'confirming', 'in-reserve', 'completed', 'canceled', 'returned']);

export interface OrderState {
  readonly id: number;
  readonly externalId: string | null;
  readonly site: string;
  readonly number: string;
  readonly status: string;
  readonly statusUpdatedAt: Date;
  readonly createdAt: Date;
  readonly customerId: number | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly phone: string | null;
  readonly email: string | null;
  readonly items: readonly OrderItemData[];
  readonly delivery: OrderDeliveryData | null;
  readonly customFields: Readonly<Record<string, unknown>>;
  readonly fullPaidAt: Date | null;
}

export interface PaymentState {
  readonly id: number;
  readonly orderId: number;
  readonly externalId: string | null;
  readonly type: string;
  readonly status: string;
  /** Kopecks. */
  readonly amount: number;
  readonly paidAt: Date | null;
  readonly comment: string | null;
}

export interface ItemPatch {
  id?: number;
  offer?: OrderItemData['offer'];
  productName?: string | null;
  quantity?: number;
  initialPrice?: number;
  discountManualAmount?: number;
  bonusesChargeTotal?: number;
  bonusesCreditTotal?: number;
  status?: string;
}

/** What an `order=<json>` asks for. Money already in kopecks. */
export interface OrderPatch {
  externalId?: string | null;
  status?: string;
  customer?: { id?: number; externalId?: string };
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  email?: string | null;
  items?: ItemPatch[];
  delivery?: OrderDeliveryData | null;
  customFields?: Record<string, unknown>;
  payments?: { type: string; status: string; amount: number; externalId?: string }[];
  createdAt?: Date;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Roubles (a JSON number or numeric string with at most two decimals) → kopecks; undefined when not money. */
export function kopecksOf(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !/^-?\d{1,13}(\.\d{1,2})?$/.test(text)) return undefined;
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const kopecks = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return text.startsWith('-') ? -kopecks : kopecks;
}

/** Kopecks → the roubles the API prints (a JSON number). */
export const roubles = (kopecks: number): number => Math.round(kopecks) / 100;

function str(raw: Record<string, unknown>, key: string, errors: Record<string, string>, path = key): string | null | undefined {
  if (!(key in raw)) return undefined;
  const v = raw[key];
  if (v === null || v === '') return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  errors[path] = 'This value should be of type string.';
  return undefined;
}

function money(raw: Record<string, unknown>, key: string, errors: Record<string, string>, path: string): number | undefined {
  if (!(key in raw) || raw[key] === null) return undefined;
  const k = kopecksOf(raw[key]);
  if (k === undefined || k < 0) errors[path] = 'This value should be a non-negative number with at most two decimals.';
  return k;
}

function parseItem(raw: unknown, i: number, errors: Record<string, string>): ItemPatch | undefined {
  const p = `items[${i}]`;
  if (!isObject(raw)) {
    errors[p] = 'This value should be of type object.';
    return undefined;
  }
  const item: ItemPatch = {};
  if ('id' in raw) {
    if (typeof raw.id === 'number' && Number.isSafeInteger(raw.id)) item.id = raw.id;
    else errors[`${p}.id`] = 'This value should be of type integer.';
  }
  if ('offer' in raw) {
    const o = raw.offer;
    if (!isObject(o)) errors[`${p}.offer`] = 'This value should be of type object.';
    else {
      const offer: OrderItemData['offer'] = {};
      if (typeof o.id === 'number' && Number.isSafeInteger(o.id)) offer.id = o.id;
      for (const key of ['externalId', 'xmlId', 'name'] as const) {
        const v = o[key];
        if (typeof v === 'string' && v !== '') offer[key] = v;
        else if (typeof v === 'number') offer[key] = String(v);
      }
      if (offer.id === undefined && offer.externalId === undefined && offer.xmlId === undefined) errors[`${p}.offer`] = 'The offer must be given by id, externalId or xmlId.';
      item.offer = offer;
    }
  }
  const name = str(raw, 'productName', errors, `${p}.productName`);
  if (name !== undefined) item.productName = name;
  if ('quantity' in raw) {
    const q = raw.quantity;
    if (typeof q === 'number' && Number.isSafeInteger(q) && q > 0) item.quantity = q;
    else errors[`${p}.quantity`] = 'This value should be a positive integer.';
  }
  const fields = ['initialPrice', 'discountManualAmount', 'bonusesChargeTotal', 'bonusesCreditTotal'] as const;
  for (const key of fields) {
    const k = money(raw, key, errors, `${p}.${key}`);
    if (k !== undefined) item[key] = k;
  }
  if ('status' in raw) {
    if (typeof raw.status === 'string' && ITEM_STATUSES.has(raw.status)) item.status = raw.status;
    else errors[`${p}.status`] = 'The value you selected is not a valid choice.';
  }
  return item;
}

/**
 * Reads the `order` JSON of create and edit. Fields the emulator does not model are ignored. Order
 * custom fields are taken as given (ASSUMPTION: the account defines whatever codes are sent).
 */
export function parseOrderPatch(raw: unknown): { ok: true; patch: OrderPatch } | { ok: false; errors: Record<string, string> } {
  if (!isObject(raw)) return { ok: false, errors: { order: 'This value should be of type object.' } };
  const errors: Record<string, string> = {};
  const patch: OrderPatch = {};
  const externalId = str(raw, 'externalId', errors);
  if (externalId !== undefined) patch.externalId = externalId;
  for (const key of ['firstName', 'lastName', 'phone', 'email'] as const) {
    const v = str(raw, key, errors);
    if (v !== undefined) patch[key] = v;
  }
  if ('status' in raw) {
    if (typeof raw.status === 'string' && STATUS_GROUP.has(raw.status)) patch.status = raw.status;
    else errors.status = 'The value you selected is not a valid choice.';
  }
  if ('customer' in raw) {
    const c = raw.customer;
    if (!isObject(c)) errors.customer = 'This value should be of type object.';
    else if (typeof c.id === 'number' && Number.isSafeInteger(c.id)) patch.customer = { id: c.id };
    else if (typeof c.externalId === 'string' && c.externalId !== '') patch.customer = { externalId: c.externalId };
    else errors.customer = 'The customer must be given by id or externalId.';
  }
  if ('items' in raw) {
    if (!Array.isArray(raw.items)) errors.items = 'This value should be of type array.';
    else patch.items = raw.items.map((it, i) => parseItem(it, i, errors)).filter((it): it is ItemPatch => it !== undefined);
  }
  if ('delivery' in raw) {
    const d = raw.delivery;
    if (d === null) patch.delivery = null;
    else if (!isObject(d)) errors.delivery = 'This value should be of type object.';
    else {
      const delivery: OrderDeliveryData = { cost: money(d, 'cost', errors, 'delivery.cost') ?? 0 };
      if (typeof d.code === 'string') delivery.code = d.code;
      if (isObject(d.address)) {
        delivery.address = Object.fromEntries(
          Object.entries(d.address).filter((e): e is [string, string | number | boolean] => ['string', 'number', 'boolean'].includes(typeof e[1])),
        );
      }
      patch.delivery = delivery;
    }
  }
  if ('customFields' in raw) {
    const f = raw.customFields;
    if (Array.isArray(f) && f.length === 0) patch.customFields = {};
    else if (!isObject(f)) errors.customFields = 'This value should be of type object.';
    else patch.customFields = { ...f };
  }
  if ('payments' in raw) {
    const list = Array.isArray(raw.payments) ? raw.payments : isObject(raw.payments) ? Object.values(raw.payments) : undefined;
    if (!list) errors.payments = 'This value should be of type array.';
    else {
      patch.payments = [];
      list.forEach((p, i) => {
        const parsed = parsePaymentFields(p, `payments[${i}]`, errors, true);
        if (parsed) patch.payments!.push(parsed as { type: string; status: string; amount: number; externalId?: string });
      });
    }
  }
  if ('createdAt' in raw) {
    const at = typeof raw.createdAt === 'string' ? parseCrmDateTime(raw.createdAt) : undefined;
    if (at) patch.createdAt = at;
    else errors.createdAt = 'This value is not a valid datetime.';
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, patch };
}

export interface PaymentPatch {
  type?: string;
  status?: string;
  amount?: number;
  externalId?: string;
  comment?: string | null;
}

/** The fields of a payment; on create `type` is required and `status` defaults to `not-paid`. */
export function parsePaymentFields(raw: unknown, p: string, errors: Record<string, string>, creating: boolean): PaymentPatch | undefined {
  if (!isObject(raw)) {
    errors[p] = 'This value should be of type object.';
    return undefined;
  }
  const out: PaymentPatch = {};
  const at = (k: string) => (p === '' ? k : `${p}.${k}`);
  if (typeof raw.type === 'string' && raw.type !== '') out.type = raw.type;
  else if (creating || 'type' in raw) errors[at('type')] = 'This value should not be blank.';
  if ('status' in raw) {
    if (typeof raw.status === 'string' && PAYMENT_COMPLETE.has(raw.status)) out.status = raw.status;
    else errors[at('status')] = 'The value you selected is not a valid choice.';
  } else if (creating) out.status = 'not-paid';
  if ('amount' in raw) {
    const k = kopecksOf(raw.amount);
    if (k === undefined || k < 0) errors[at('amount')] = 'This value should be a non-negative number with at most two decimals.';
    else out.amount = k;
  }
  if (typeof raw.externalId === 'string' && raw.externalId !== '') out.externalId = raw.externalId;
  if ('comment' in raw) out.comment = typeof raw.comment === 'string' ? raw.comment : null;
  return out;
}

/** Line total in kopecks: (initial − per-unit manual discount) × quantity − bonuses charged on the line. */
export const lineTotal = (item: OrderItemData): number => Math.max(0, (item.initialPrice - item.discountManualAmount) * item.quantity - item.bonusesChargeTotal);

/** Items that no longer count towards the sums (cancelled or returned lines). ASSUMPTION: by status code. */
const OUT_OF_SUMS = new Set(['canceled', 'returned']);

export function orderSums(order: Pick<OrderState, 'items' | 'delivery'>): { summ: number; totalSumm: number } {
  const summ = order.items.filter((i) => !OUT_OF_SUMS.has(i.status)).reduce((s, i) => s + lineTotal(i), 0);
  return { summ, totalSumm: summ + (order.delivery?.cost ?? 0) };
}

/** New items list: items with an `id` edit that line, items without one are added, lines not mentioned are removed. */
export function applyItems(before: readonly OrderItemData[], patches: readonly ItemPatch[], newId: () => number, now: Date): OrderItemData[] | { error: string } {
  const byId = new Map(before.map((i) => [i.id, i]));
  const out: OrderItemData[] = [];
  for (const [n, p] of patches.entries()) {
    const old = p.id !== undefined ? byId.get(p.id) : undefined;
    if (p.id !== undefined && !old) return { error: `items[${n}].id` };
    const base: OrderItemData = old ?? {
      id: newId(),
      offer: {},
      productName: null,
      quantity: 1,
      initialPrice: 0,
      discountManualAmount: 0,
      bonusesChargeTotal: 0,
      bonusesCreditTotal: 0,
      status: 'new',
      createdAt: formatCrmDateTime(now),
    };
    if (!old && !p.offer && !p.productName) return { error: `items[${n}].offer` };
    out.push({
      ...base,
      ...(p.offer ? { offer: { ...p.offer, ...(p.offer.name ?? p.productName ? { name: p.offer.name ?? p.productName! } : {}) } } : {}),
      ...(p.productName !== undefined ? { productName: p.productName } : {}),
      ...(p.quantity !== undefined ? { quantity: p.quantity } : {}),
      ...(p.initialPrice !== undefined ? { initialPrice: p.initialPrice } : {}),
      ...(p.discountManualAmount !== undefined ? { discountManualAmount: p.discountManualAmount } : {}),
      ...(p.bonusesChargeTotal !== undefined ? { bonusesChargeTotal: p.bonusesChargeTotal } : {}),
      ...(p.bonusesCreditTotal !== undefined ? { bonusesCreditTotal: p.bonusesCreditTotal } : {}),
      ...(p.status !== undefined ? { status: p.status } : {}),
    });
  }
  return out;
}

export function stateFromOrderRow(row: OrderRow): OrderState {
  return {
    id: row.id,
    externalId: row.external_id,
    site: row.site,
    number: row.number,
    status: row.status,
    statusUpdatedAt: row.status_updated_at,
    createdAt: row.created_at,
    customerId: row.customer_id,
    firstName: row.first_name,
    lastName: row.last_name,
    phone: row.phone,
    email: row.email,
    items: row.items,
    delivery: row.delivery,
    customFields: row.custom_fields,
    fullPaidAt: row.full_paid_at,
  };
}

export function orderRowFromState(s: OrderState) {
  return {
    external_id: s.externalId,
    site: s.site,
    number: s.number,
    status: s.status,
    status_updated_at: s.statusUpdatedAt,
    created_at: s.createdAt,
    customer_id: s.customerId,
    first_name: s.firstName,
    last_name: s.lastName,
    phone: s.phone,
    email: s.email,
    items: JSON.stringify(s.items),
    delivery: s.delivery ? JSON.stringify(s.delivery) : null,
    custom_fields: JSON.stringify(s.customFields),
    total_summ: orderSums(s).totalSumm,
    full_paid_at: s.fullPaidAt,
  };
}

export function stateFromPaymentRow(row: PaymentRow): PaymentState {
  return {
    id: row.id,
    orderId: row.order_id,
    externalId: row.external_id,
    type: row.type,
    status: row.status,
    amount: Number(row.amount),
    paidAt: row.paid_at,
    comment: row.comment,
  };
}

export function toApiPayment(p: PaymentState): Record<string, unknown> {
  return {
    id: p.id,
    status: p.status,
    type: p.type,
    ...(p.externalId !== null ? { externalId: p.externalId } : {}),
    amount: roubles(p.amount),
    ...(p.paidAt ? { paidAt: formatCrmDateTime(p.paidAt) } : {}),
    ...(p.comment !== null ? { comment: p.comment } : {}),
  };
}

export function toApiItem(item: OrderItemData): Record<string, unknown> {
  // discountTotal is per unit; a line's bonus charge spread over its units may leave a fraction of a kopeck.
  const perUnitDiscount = item.discountManualAmount + item.bonusesChargeTotal / item.quantity;
  return {
    id: item.id,
    initialPrice: roubles(item.initialPrice),
    discountManualAmount: roubles(item.discountManualAmount),
    discountTotal: roubles(Math.round(perUnitDiscount)),
    prices: [{ price: roubles(Math.round(item.initialPrice - perUnitDiscount)), quantity: item.quantity }],
    bonusesChargeTotal: roubles(item.bonusesChargeTotal),
    bonusesCreditTotal: roubles(item.bonusesCreditTotal),
    createdAt: item.createdAt,
    quantity: item.quantity,
    status: item.status,
    offer: { ...item.offer },
    ...(item.productName !== null ? { productName: item.productName } : {}),
  };
}

/**
 * The order as the API prints it. `payments` is an object keyed by payment id in GET answers
 * (GO `OrderPayments map[string]OrderPayment`); creation history records print a list (seen in a
 * real history capture), hence `paymentsAs`.
 */
export function toApiOrder(
  s: OrderState,
  payments: readonly PaymentState[],
  customer: Record<string, unknown> | undefined,
  paymentsAs: 'object' | 'list' = 'object',
): Record<string, unknown> {
  const { summ, totalSumm } = orderSums(s);
  const sum = (key: 'bonusesChargeTotal' | 'bonusesCreditTotal') => roubles(s.items.reduce((t, i) => t + i[key], 0));
  const apiPayments = payments.map(toApiPayment);
  const prepaid = payments.filter((p) => PAYMENT_COMPLETE.get(p.status)).reduce((t, p) => t + p.amount, 0);
  return {
    bonusesCreditTotal: sum('bonusesCreditTotal'),
    bonusesChargeTotal: sum('bonusesChargeTotal'),
    id: s.id,
    number: s.number,
    ...(s.externalId !== null ? { externalId: s.externalId } : {}),
    orderType: 'eshop-individual',
    orderMethod: 'shopping-cart',
    createdAt: formatCrmDateTime(s.createdAt),
    statusUpdatedAt: formatCrmDateTime(s.statusUpdatedAt),
    summ: roubles(summ),
    totalSumm: roubles(totalSumm),
    prepaySum: roubles(prepaid),
    purchaseSumm: 0,
    ...(s.firstName !== null ? { firstName: s.firstName } : {}),
    ...(s.lastName !== null ? { lastName: s.lastName } : {}),
    ...(s.phone !== null ? { phone: s.phone } : {}),
    ...(s.email !== null ? { email: s.email } : {}),
    ...(customer ? { customer, contact: customer } : {}),
    contragent: { contragentType: 'individual' },
    delivery: s.delivery
      ? { ...(s.delivery.code ? { code: s.delivery.code } : {}), cost: roubles(s.delivery.cost), netCost: 0, ...(s.delivery.address ? { address: { ...s.delivery.address } } : {}) }
      : { cost: 0, netCost: 0 },
    site: s.site,
    status: s.status,
    items: s.items.map(toApiItem),
    payments: paymentsAs === 'list' ? apiPayments : Object.fromEntries(apiPayments.map((p) => [String(p.id), p])),
    ...(s.fullPaidAt ? { fullPaidAt: formatCrmDateTime(s.fullPaidAt) } : {}),
    fromApi: true,
    shipped: false,
    currency: 'RUB',
    customFields: Object.keys(s.customFields).length > 0 ? { ...s.customFields } : [],
  };
}

/** How non-creation history records name an order. */
export function orderRef(s: OrderState): Record<string, unknown> {
  return { id: s.id, ...(s.externalId !== null ? { externalId: s.externalId } : {}), site: s.site, status: s.status };
}

/** How history records name an item (`item{id, offer}`). */
export const itemRef = (i: OrderItemData): Record<string, unknown> => ({ id: i.id, offer: { ...i.offer } });

export interface OrderChange {
  readonly field: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
  readonly item?: Record<string, unknown>;
  readonly created?: boolean;
  readonly deleted?: boolean;
}

/**
 * History records of an order edit, named as RetailCRM names them: `status` and
 * `order_product.status` with `{code}` values (seen in a real capture), `order_product.quantity`,
 * `order_product.initial_price`, `order_product.discount_manual_amount`,
 * `order_product.bonuses_charge_total`, an added/removed line as `order_product` created/deleted,
 * `first_name`, `last_name`, `phone`, `email`, `external_id`, `delivery_cost`, `custom_<code>`.
 */
export function diffOrder(before: OrderState, after: OrderState): OrderChange[] {
  const changes: OrderChange[] = [];
  if (before.status !== after.status) changes.push({ field: 'status', oldValue: { code: before.status }, newValue: { code: after.status } });
  const scalars = [
    ['externalId', 'external_id'],
    ['firstName', 'first_name'],
    ['lastName', 'last_name'],
    ['phone', 'phone'],
    ['email', 'email'],
  ] as const;
  for (const [key, field] of scalars) if (before[key] !== after[key]) changes.push({ field, oldValue: before[key], newValue: after[key] });
  if ((before.delivery?.cost ?? 0) !== (after.delivery?.cost ?? 0)) {
    changes.push({ field: 'delivery_cost', oldValue: roubles(before.delivery?.cost ?? 0), newValue: roubles(after.delivery?.cost ?? 0) });
  }
  const oldItems = new Map(before.items.map((i) => [i.id, i]));
  const newIds = new Set(after.items.map((i) => i.id));
  for (const item of before.items) if (!newIds.has(item.id)) changes.push({ field: 'order_product', oldValue: { id: item.id }, newValue: null, item: itemRef(item), deleted: true });
  for (const item of after.items) {
    const old = oldItems.get(item.id);
    if (!old) {
      changes.push({ field: 'order_product', oldValue: null, newValue: { id: item.id }, item: itemRef(item), created: true });
      continue;
    }
    if (old.status !== item.status) changes.push({ field: 'order_product.status', oldValue: { code: old.status }, newValue: { code: item.status }, item: itemRef(item) });
    if (old.quantity !== item.quantity) changes.push({ field: 'order_product.quantity', oldValue: old.quantity, newValue: item.quantity, item: itemRef(item) });
    const moneyFields = [
      ['initialPrice', 'order_product.initial_price'],
      ['discountManualAmount', 'order_product.discount_manual_amount'],
      ['bonusesChargeTotal', 'order_product.bonuses_charge_total'],
      ['bonusesCreditTotal', 'order_product.bonuses_credit_total'],
    ] as const;
    for (const [key, field] of moneyFields) {
      if (old[key] !== item[key]) changes.push({ field, oldValue: roubles(old[key]), newValue: roubles(item[key]), item: itemRef(item) });
    }
  }
  const codes = new Set([...Object.keys(before.customFields), ...Object.keys(after.customFields)]);
  for (const code of codes) {
    const oldValue = before.customFields[code] ?? null;
    const newValue = after.customFields[code] ?? null;
    if (JSON.stringify(oldValue) !== JSON.stringify(newValue)) changes.push({ field: `custom_${code}`, oldValue, newValue });
  }
  return changes;
}
