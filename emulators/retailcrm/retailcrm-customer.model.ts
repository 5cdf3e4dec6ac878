import { formatCrmDateTime } from './retailcrm-envelope.js';
import type { CrmAddress, CustomerInsert, CustomerRow, CustomFieldType } from './retailcrm-emulator.table.js';

/** A customer as the emulator reasons about it (camelCase, parsed); rows map to and from it. */
export interface CustomerState {
  readonly id: number;
  readonly externalId: string | null;
  readonly site: string;
  readonly createdAt: Date;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly patronymic: string | null;
  readonly sex: string | null;
  readonly email: string | null;
  readonly birthday: string | null;
  readonly phones: readonly { number: string }[];
  readonly address: CrmAddress | null;
  readonly customFields: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  readonly discountCardNumber: string | null;
  readonly personalDiscount: number;
  readonly cumulativeDiscount: number;
  readonly ordersCount: number;
  readonly totalSumm: number;
  readonly averageSumm: number;
  readonly vip: boolean;
  readonly bad: boolean;
  readonly isContact: boolean;
  readonly managerId: number | null;
  readonly emailMarketingUnsubscribedAt: Date | null;
}

/** What a `customer=<json>` of create or edit asks to change. `null` clears a field. */
export interface CustomerPatch {
  externalId?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  patronymic?: string | null;
  sex?: string | null;
  email?: string | null;
  birthday?: string | null;
  phones?: { number: string }[];
  address?: CrmAddress | null;
  /** Only codes defined in the account; a `null` value clears that field. */
  customFields?: Record<string, unknown>;
  tags?: string[];
  addTags?: string[];
  removeTags?: string[];
  discountCardNumber?: string | null;
  personalDiscount?: number;
  vip?: boolean;
  bad?: boolean;
  isContact?: boolean;
  managerId?: number | null;
  subscribed?: boolean;
}

export type ParsedPatch = { ok: true; patch: CustomerPatch } | { ok: false; errors: Record<string, string> };

const STRING_FIELDS = ['firstName', 'lastName', 'patronymic', 'email', 'birthday', 'discountCardNumber', 'sex'] as const;
const ADDRESS_KEYS = new Set(['index', 'countryIso', 'region', 'regionId', 'city', 'cityId', 'cityType', 'street', 'streetId', 'streetType', 'building', 'flat', 'floor', 'block', 'house', 'housing', 'metro', 'notes', 'text', 'intercomCode']);
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function validDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** Converts a custom field value to its type, or explains why it cannot. */
function coerceCustomValue(type: CustomFieldType, value: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  if (value === null) return { ok: true, value: null };
  switch (type) {
    case 'string':
    case 'text':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return { ok: false, error: 'This value should be of type string.' };
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { ok: true, value };
      if (typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim())) return { ok: true, value: Number(value) };
      return { ok: false, error: 'This value should be of type integer.' };
    case 'numeric':
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value };
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return { ok: true, value: Number(value) };
      return { ok: false, error: 'This value should be of type numeric.' };
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 1 || value === '1' || value === 'true') return { ok: true, value: true };
      if (value === 0 || value === '0' || value === 'false') return { ok: true, value: false };
      return { ok: false, error: 'This value should be of type boolean.' };
    case 'date':
      if (typeof value === 'string' && validDate(value)) return { ok: true, value };
      return { ok: false, error: 'This value is not a valid date.' };
  }
}

function tagNames(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const names: string[] = [];
  for (const tag of value) {
    if (typeof tag === 'string') names.push(tag);
    else if (isObject(tag) && typeof tag.name === 'string') names.push(tag.name);
    else return undefined;
  }
  return names;
}

/**
 * Reads the `customer` JSON of create and edit. Fields the emulator does not model (contragent,
 * segments, ...) are ignored, as are custom field codes the account does not define.
 */
export function parseCustomerPatch(raw: unknown, customFieldTypes: ReadonlyMap<string, CustomFieldType>): ParsedPatch {
  if (!isObject(raw)) return { ok: false, errors: { customer: 'This value should be of type object.' } };
  const errors: Record<string, string> = {};
  const patch: CustomerPatch = {};

  if ('externalId' in raw) {
    const v = raw.externalId;
    if (v === null || v === '') patch.externalId = null;
    else if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) patch.externalId = String(v);
    else errors.externalId = 'This value should be of type string.';
    if (typeof patch.externalId === 'string' && patch.externalId.length > 255) errors.externalId = 'This value is too long. It should have 255 characters or less.';
  }
  for (const field of STRING_FIELDS) {
    if (!(field in raw)) continue;
    const v = raw[field];
    if (v === null) patch[field] = null;
    else if (typeof v === 'string') patch[field] = v;
    else errors[field] = 'This value should be of type string.';
  }
  if (typeof patch.email === 'string' && patch.email !== '' && !EMAIL.test(patch.email)) errors.email = 'This value is not a valid email address.';
  if (typeof patch.birthday === 'string' && patch.birthday !== '' && !validDate(patch.birthday)) errors.birthday = 'This value is not a valid date.';
  if (patch.birthday === '') patch.birthday = null;
  if (typeof patch.sex === 'string' && patch.sex !== '' && patch.sex !== 'male' && patch.sex !== 'female') errors.sex = 'The value you selected is not a valid choice.';
  if (patch.sex === '') patch.sex = null;

  if ('phones' in raw) {
    const phones = raw.phones;
    if (!Array.isArray(phones) || !phones.every((p) => isObject(p) && (typeof p.number === 'string' || typeof p.number === 'number'))) {
      errors.phones = 'This value should be of type array of {number}.';
    } else {
      patch.phones = phones.map((p) => ({ number: String((p as { number: string | number }).number) })).filter((p) => p.number.trim() !== '');
    }
  }
  if ('address' in raw) {
    const address = raw.address;
    if (address === null) patch.address = null;
    else if (!isObject(address)) errors.address = 'This value should be of type object.';
    else {
      const kept: Record<string, string | number | boolean | null> = {};
      for (const [key, value] of Object.entries(address)) {
        if (!ADDRESS_KEYS.has(key)) continue;
        if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') kept[key] = value;
        else errors[`address.${key}`] = 'This value should be a scalar.';
      }
      patch.address = kept;
    }
  }
  if ('customFields' in raw) {
    const fields = raw.customFields;
    // An empty PHP array arrives as [] rather than {}.
    if (Array.isArray(fields) && fields.length === 0) patch.customFields = {};
    else if (!isObject(fields)) errors.customFields = 'This value should be of type object.';
    else {
      const kept: Record<string, unknown> = {};
      for (const [code, value] of Object.entries(fields)) {
        const type = customFieldTypes.get(code);
        if (!type) continue;
        const coerced = coerceCustomValue(type, value);
        if (coerced.ok) kept[code] = coerced.value;
        else errors[`customFields[${code}]`] = coerced.error;
      }
      patch.customFields = kept;
    }
  }
  for (const field of ['tags', 'addTags', 'removeTags'] as const) {
    if (!(field in raw)) continue;
    const names = tagNames(raw[field]);
    if (names) patch[field] = names;
    else errors[field] = 'This value should be of type array.';
  }
  if ('personalDiscount' in raw) {
    const v = raw.personalDiscount;
    if (typeof v === 'number' && v >= 0 && v <= 100) patch.personalDiscount = v;
    else errors.personalDiscount = 'This value should be between 0 and 100.';
  }
  for (const field of ['vip', 'bad', 'isContact', 'subscribed'] as const) {
    if (!(field in raw)) continue;
    const v = raw[field];
    if (typeof v === 'boolean') patch[field] = v;
    else errors[field] = 'This value should be of type boolean.';
  }
  if ('managerId' in raw) {
    const v = raw.managerId;
    if (v === null || (typeof v === 'number' && Number.isSafeInteger(v))) patch.managerId = v;
    else errors.managerId = 'This value should be of type integer.';
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, patch };
}

/** The state a patch leads to; custom fields, the address and tags merge, everything else is replaced. */
export function applyPatch(before: CustomerState, patch: CustomerPatch, now: Date): CustomerState {
  const customFields: Record<string, unknown> = { ...before.customFields };
  for (const [code, value] of Object.entries(patch.customFields ?? {})) {
    if (value === null) delete customFields[code];
    else customFields[code] = value;
  }
  let tags = patch.tags ? [...new Set(patch.tags)] : [...before.tags];
  if (patch.addTags) tags = [...new Set([...tags, ...patch.addTags])];
  if (patch.removeTags) tags = tags.filter((t) => !patch.removeTags!.includes(t));
  // The address is one sub-entity: the keys given overwrite, the others stay (null clears one).
  let address = before.address;
  if (patch.address === null) address = null;
  else if (patch.address) {
    const merged: Record<string, string | number | boolean | null> = { ...(before.address ?? {}) };
    for (const [key, value] of Object.entries(patch.address)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    address = Object.keys(merged).length > 0 ? merged : null;
  }
  let unsubscribedAt = before.emailMarketingUnsubscribedAt;
  if (patch.subscribed === false && !unsubscribedAt) unsubscribedAt = now;
  if (patch.subscribed === true) unsubscribedAt = null;
  const pick = <K extends keyof CustomerPatch & keyof CustomerState>(key: K): CustomerState[K] =>
    (patch[key] === undefined ? before[key] : patch[key]) as CustomerState[K];
  return {
    ...before,
    externalId: pick('externalId'),
    firstName: pick('firstName'),
    lastName: pick('lastName'),
    patronymic: pick('patronymic'),
    sex: pick('sex'),
    email: pick('email'),
    birthday: pick('birthday'),
    phones: pick('phones'),
    address,
    discountCardNumber: pick('discountCardNumber'),
    personalDiscount: pick('personalDiscount'),
    vip: pick('vip'),
    bad: pick('bad'),
    isContact: pick('isContact'),
    managerId: pick('managerId'),
    customFields,
    tags,
    emailMarketingUnsubscribedAt: unsubscribedAt,
  };
}

/** A fresh customer (before the creation patch is applied). */
export function blankCustomer(site: string, createdAt: Date): CustomerState {
  return {
    id: 0,
    externalId: null,
    site,
    createdAt,
    firstName: null,
    lastName: null,
    patronymic: null,
    sex: null,
    email: null,
    birthday: null,
    phones: [],
    address: null,
    customFields: {},
    tags: [],
    discountCardNumber: null,
    personalDiscount: 0,
    cumulativeDiscount: 0,
    ordersCount: 0,
    totalSumm: 0,
    averageSumm: 0,
    vip: false,
    bad: false,
    isContact: false,
    managerId: null,
    emailMarketingUnsubscribedAt: null,
  };
}

/**
 * Digits of a phone as RetailCRM's search compares them: punctuation dropped, a Russian trunk
 * prefix 8 and a bare 10-digit number both read as +7.
 */
export function phoneSearchDigits(text: string): string {
  const digits = text.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('8')) return `7${digits.slice(1)}`;
  if (digits.length === 10 && digits.startsWith('9')) return `7${digits}`;
  return digits;
}

export function stateFromRow(row: CustomerRow): CustomerState {
  return {
    id: row.id,
    externalId: row.external_id,
    site: row.site,
    createdAt: row.created_at,
    firstName: row.first_name,
    lastName: row.last_name,
    patronymic: row.patronymic,
    sex: row.sex,
    email: row.email,
    birthday: row.birthday,
    phones: row.phones,
    address: row.address,
    customFields: row.custom_fields,
    tags: row.tags.map((t) => t.name),
    discountCardNumber: row.discount_card_number,
    // numeric columns: PGlite hands them over as strings, pg (configured) as numbers.
    personalDiscount: Number(row.personal_discount),
    cumulativeDiscount: Number(row.cumulative_discount),
    ordersCount: row.orders_count,
    totalSumm: Number(row.total_summ),
    averageSumm: Number(row.average_summ),
    vip: row.vip,
    bad: row.bad,
    isContact: row.is_contact,
    managerId: row.manager_id,
    emailMarketingUnsubscribedAt: row.email_marketing_unsubscribed_at,
  };
}

// RetailCRM gives each tag a colour from its palette; the emulator keeps one.
const TAG_COLOR = '#3e89b6';

export function rowFromState(state: CustomerState): Omit<CustomerInsert, 'id'> {
  return {
    external_id: state.externalId,
    site: state.site,
    created_at: state.createdAt,
    first_name: state.firstName,
    last_name: state.lastName,
    patronymic: state.patronymic,
    sex: state.sex,
    email: state.email,
    birthday: state.birthday,
    phones: JSON.stringify(state.phones),
    phone_digits: state.phones.map((p) => phoneSearchDigits(p.number)).join(' '),
    address: state.address ? JSON.stringify(state.address) : null,
    custom_fields: JSON.stringify(state.customFields),
    tags: JSON.stringify(state.tags.map((name) => ({ name, color: TAG_COLOR, attached: false }))),
    discount_card_number: state.discountCardNumber,
    personal_discount: state.personalDiscount,
    cumulative_discount: state.cumulativeDiscount,
    orders_count: state.ordersCount,
    total_summ: state.totalSumm,
    average_summ: state.averageSumm,
    vip: state.vip,
    bad: state.bad,
    is_contact: state.isContact,
    manager_id: state.managerId,
    email_marketing_unsubscribed_at: state.emailMarketingUnsubscribedAt,
  };
}

/**
 * The customer as the API prints it. Like the real CRM: absent values are left out rather than
 * null, and an empty `customFields` is printed as `[]` (PHP's empty array), a non-empty one as an
 * object.
 */
export function toApiCustomer(state: CustomerState): Record<string, unknown> {
  const out: Record<string, unknown> = { type: 'customer', id: state.id };
  if (state.externalId !== null) out.externalId = state.externalId;
  out.isContact = state.isContact;
  out.createdAt = formatCrmDateTime(state.createdAt);
  if (state.managerId !== null) out.managerId = state.managerId;
  out.vip = state.vip;
  out.bad = state.bad;
  out.site = state.site;
  out.contragent = { contragentType: 'individual' };
  out.tags = state.tags.map((name) => ({ name, color: TAG_COLOR, attached: false }));
  out.marginSumm = state.totalSumm;
  out.totalSumm = state.totalSumm;
  out.averageSumm = state.averageSumm;
  out.ordersCount = state.ordersCount;
  out.costSumm = 0;
  out.customFields = Object.keys(state.customFields).length > 0 ? { ...state.customFields } : [];
  out.personalDiscount = state.personalDiscount;
  out.cumulativeDiscount = state.cumulativeDiscount;
  if (state.discountCardNumber !== null) out.discountCardNumber = state.discountCardNumber;
  if (state.address) out.address = { ...state.address };
  out.segments = [];
  if (state.firstName !== null) out.firstName = state.firstName;
  if (state.lastName !== null) out.lastName = state.lastName;
  if (state.patronymic !== null) out.patronymic = state.patronymic;
  if (state.sex !== null) out.sex = state.sex;
  if (state.email !== null) out.email = state.email;
  if (state.birthday !== null) out.birthday = state.birthday;
  if (state.emailMarketingUnsubscribedAt) out.emailMarketingUnsubscribedAt = formatCrmDateTime(state.emailMarketingUnsubscribedAt);
  out.phones = state.phones.map((p) => ({ number: p.number }));
  return out;
}

/** How history records name a customer: `{id, externalId, site}`. */
export function customerRef(state: CustomerState): Record<string, unknown> {
  return state.externalId !== null ? { id: state.id, externalId: state.externalId, site: state.site } : { id: state.id, site: state.site };
}

export interface FieldChange {
  readonly field: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
}

const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const SCALAR_FIELDS = ['externalId', 'firstName', 'lastName', 'patronymic', 'sex', 'email', 'birthday', 'discountCardNumber', 'personalDiscount', 'vip', 'bad'] as const;

/**
 * The history records an edit produces: one per changed field, named as RetailCRM's history names
 * them (snake_case `first_name`, `external_id`, `address.city`, `custom_<code>`; one `phones` record
 * per number added or removed). Unchanged fields produce nothing, so a repeated edit is silent.
 */
export function diffCustomer(before: CustomerState, after: CustomerState): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of SCALAR_FIELDS) {
    if (before[field] !== after[field]) changes.push({ field: snake(field), oldValue: before[field], newValue: after[field] });
  }
  const oldNumbers = before.phones.map((p) => p.number);
  const newNumbers = after.phones.map((p) => p.number);
  for (const number of oldNumbers) if (!newNumbers.includes(number)) changes.push({ field: 'phones', oldValue: number, newValue: null });
  for (const number of newNumbers) if (!oldNumbers.includes(number)) changes.push({ field: 'phones', oldValue: null, newValue: number });
  const addressKeys = new Set([...Object.keys(before.address ?? {}), ...Object.keys(after.address ?? {})]);
  for (const key of addressKeys) {
    const oldValue = before.address?.[key] ?? null;
    const newValue = after.address?.[key] ?? null;
    if (oldValue !== newValue) changes.push({ field: `address.${snake(key)}`, oldValue, newValue });
  }
  const before_ = before.emailMarketingUnsubscribedAt ? formatCrmDateTime(before.emailMarketingUnsubscribedAt) : null;
  const after_ = after.emailMarketingUnsubscribedAt ? formatCrmDateTime(after.emailMarketingUnsubscribedAt) : null;
  if (before_ !== after_) changes.push({ field: 'email_marketing_unsubscribed_at', oldValue: before_, newValue: after_ });
  const codes = new Set([...Object.keys(before.customFields), ...Object.keys(after.customFields)]);
  for (const code of codes) {
    const oldValue = before.customFields[code] ?? null;
    const newValue = after.customFields[code] ?? null;
    if (JSON.stringify(oldValue) !== JSON.stringify(newValue)) changes.push({ field: `custom_${code}`, oldValue, newValue });
  }
  return changes;
}
