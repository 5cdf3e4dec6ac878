import type { Kysely } from 'kysely';
import { z } from 'zod';
import { Router, type EmulatorRequest, type EmulatorResponse } from '../kit/emulator-server.js';
import { burnExpiredLots, creditProgramRule, listExpiringLots, listLedger, listLiveLots, type ExpiringLot, type LedgerEntry } from './bonus-ledger.repository.js';
import type { BonusLotRow, BonusPlusEmulatorDb, CardTypeRow, ProgramRow } from './bonusplus.tables.js';
import { cardTypes, changeCardType, findCustomer, insertCustomer, listCustomers, program, type CustomerRecord } from './customer.repository.js';
import { adjustBalance, calculate, Refusal, registerReturn, registerSale, release, reserve, type Calculation, type SaleLine } from './receipt.service.js';

/**
 * The BonusPlus HTTP API (customer part) over the emulator's tables. Shapes follow
 * shared/reference/systems-of-record.md §2; everything the public sources do not show is marked
 * ASSUMED here and in README.md.
 */

type Db = Kysely<BonusPlusEmulatorDb>;

/** Customer as BonusPlus renders it (§2.2), plus the ASSUMED `debitedBonuses`. */
export interface CustomerJson {
  id: number;
  phone: string;
  person: { fn: string | null; ln: string | null; mn: string | null };
  email: string | null;
  availableBonuses: number;
  notActiveBonuses: number;
  allBonuses: number;
  debitedBonuses: number;
  discountCardName: string;
  discountCardNumber: string;
  discountCardTypeId: number;
  nextCardName: string | null;
  purchasesTotalSum: number;
  purchasesSumToNextCard: number | null;
  baseDiscountPercent: number;
  baseBonusDebitPercent: number;
  bonusDebitDenided: boolean;
  multiplicityDebitBonus: number;
}

/** ASSUMED shape of a card type (no public source lists them). */
export interface CardTypeJson {
  id: number;
  name: string;
  bonusPercent: number;
  maxDebitPercent: number;
  purchasesSumFrom: number;
}

export const businessError = (code: string, msg: string): EmulatorResponse => ({ status: 412, body: { code, msg } });
const validationError = (msg: string) => businessError('VALIDATION_ERROR', msg);
const customerNotFound = () => businessError('CUSTOMER_NOT_FOUND', 'Клиент не найден');

const roubles = (kopecks: number) => kopecks / 100;

export function cardTypeJson(row: CardTypeRow): CardTypeJson {
  return {
    id: row.id,
    name: row.name,
    bonusPercent: row.bonus_percent,
    maxDebitPercent: row.max_debit_percent,
    purchasesSumFrom: roubles(row.purchases_sum_from_kopecks),
  };
}

export function customerJson({ row, figures }: CustomerRecord, types: readonly CardTypeRow[], settings: ProgramRow): CustomerJson {
  const card = types.find((t) => t.id === row.card_type_id)!;
  const next = types.find((t) => t.purchases_sum_from_kopecks > card.purchases_sum_from_kopecks);
  return {
    id: row.id,
    phone: row.phone,
    person: { fn: row.first_name, ln: row.last_name, mn: row.middle_name },
    email: row.email,
    availableBonuses: figures.available,
    notActiveBonuses: figures.notActive,
    allBonuses: figures.available + figures.notActive,
    debitedBonuses: figures.debited,
    discountCardName: card.name,
    discountCardNumber: row.card_number,
    discountCardTypeId: card.id,
    nextCardName: next?.name ?? null,
    purchasesTotalSum: roubles(row.purchases_total_kopecks),
    purchasesSumToNextCard: next ? roubles(Math.max(0, next.purchases_sum_from_kopecks - row.purchases_total_kopecks)) : null,
    baseDiscountPercent: card.discount_percent,
    baseBonusDebitPercent: card.max_debit_percent,
    bonusDebitDenided: row.bonus_debit_denied,
    multiplicityDebitBonus: settings.debit_multiple,
  };
}

/**
 * Phones as the plugins send them, normalised the way the real API evidently accepts them (BP-WC
 * posts raw billing phones such as `+7 (916) 123-45-67`): digits only, a leading 8 of an 11-digit
 * number becomes 7, a 10-digit number gets the 7. ASSUMED beyond that evidence. Anything else is
 * undefined, which the routes answer with 412 VALIDATION_ERROR.
 */
export function normalisePhone(input: string): string | undefined {
  const digits = input.replace(/\D/g, '');
  if (/^7\d{10}$/.test(digits)) return digits;
  if (/^8\d{10}$/.test(digits)) return `7${digits.slice(1)}`;
  if (/^9\d{9}$/.test(digits)) return `7${digits}`;
  return undefined;
}

const PHONE_MSG = 'Некорректный номер телефона: ожидается 11 цифр с кодом страны 7';

type Parsed<T> = { ok: true; value: T } | { ok: false; response: EmulatorResponse };

function parseBody<T>(req: EmulatorRequest, schema: z.ZodType<T>): Parsed<T> {
  let json: unknown = {};
  if (req.body.trim() !== '') {
    try {
      json = JSON.parse(req.body);
    } catch {
      return { ok: false, response: { status: 400, body: { code: 'BAD_REQUEST', msg: 'Тело запроса не является корректным JSON' } } };
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    return { ok: false, response: validationError(msg) };
  }
  return { ok: true, value: parsed.data };
}

const text = (max: number) => z.string().max(max).nullish();
// ASP.NET binds numeric strings to int properties; BP-WA sends `"rowCount": "1000"`.
const intLike = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);

const createCustomerBody = z.object({
  phone: z.string({ error: 'phone обязателен' }),
  fn: text(100),
  ln: text(100),
  mn: text(100),
  email: z.string().max(254).regex(/^[^@\s]+@[^@\s]+$/, 'некорректный email').nullish(),
  address: text(500),
  card: z.string().regex(/^\d{4,32}$/, 'номер карты: от 4 до 32 цифр').nullish(),
  regBonus: z.number().int().min(0).max(1_000_000).nullish(),
});

const changeCardBody = z.object({ newCard: z.string({ error: 'newCard обязателен' }).min(1, 'newCard обязателен') });

// DateTimeInterval (BP-DOC names the type, not its fields): `from` / `to` ASSUMED, as in `bonusAmount`.
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'lastUpdateDate: ожидается дата ISO 8601' });
const dateTimeInterval = z.object({ from: instant.nullish(), to: instant.nullish() });

const customerFilterBody = z.object({
  phone: z.array(z.string()).nullish(),
  lastUpdateDate: z.array(dateTimeInterval).max(100).nullish(),
  cardNumber: z.array(z.string()).nullish(),
  email: z.array(z.string()).nullish(),
  card: z.array(intLike).nullish(),
  startRow: intLike.nullish(),
  rowCount: intLike.nullish(),
});

/** ASSUMED: `customer/list` pages are 1-based (BP-WA asks for startRow 1, 1001, 2001 ...). */
export const LIST_DEFAULT_ROW_COUNT = 100;
export const LIST_MAX_ROW_COUNT = 1000;

// Receipt routes (§2.4). Sums are roubles with kopecks as decimals, as BonusPlus sends them.
const money = z.number().min(0).max(10_000_000);
const idLike = z.union([z.string().min(1).max(100), z.number().int().transform(String)]);
const retailItem = z.object({
  sum: money,
  // ASSUMED restriction: whole units (a fashion retailer sells pieces); returns count units.
  qnt: z.number().int().min(1).max(100_000),
  product: idLike,
  price: money,
  ds: money.nullish(),
  ext: idLike,
  cat: idLike.nullish(),
});
const uniqueExts = (items: readonly { ext: string }[]) => new Set(items.map((i) => i.ext)).size === items.length;
const saleBody = z.object({
  phone: z.string({ error: 'phone обязателен' }),
  items: z.array(retailItem).min(1, 'items: нужна хотя бы одна позиция').max(1000).refine(uniqueExts, 'items: ext должен быть уникален в чеке'),
  bonusDebit: intLike.pipe(z.number().int().min(0, 'bonusDebit не может быть отрицательным')),
  store: text(200),
  date: z.iso.datetime({ offset: true, local: true }).nullish(),
});
const doRetailBody = saleBody.extend({
  externalId: idLike.nullish(),
  reserveId: idLike.nullish(),
  desc: text(1000),
  cashier: text(200),
});
const reserveBody = z.object({ id: idLike, amount: intLike.pipe(z.number().int().refine((n) => n !== 0, 'amount не может быть 0')) });
// §2.3: `{amount}` as BP-WA sends it; `comment` is ASSUMED (see adjustBalance).
const balanceBody = z.object({ amount: intLike.pipe(z.number().int().min(-10_000_000).max(10_000_000).refine((n) => n !== 0, 'amount не может быть 0')), comment: text(200) });
// ASSUMED route and body: the public sources show no return by receipt.
const returnBody = z.object({
  externalId: idLike,
  receiptExternalId: idLike,
  items: z
    .array(z.object({ ext: idLike, qnt: z.number().int().min(1) }))
    .min(1)
    .refine(uniqueExts, 'items: ext должен быть уникален'),
});

const kopecks = (roubles: number) => Math.round(roubles * 100);

function saleLines(items: z.infer<typeof retailItem>[]): SaleLine[] {
  return items.map((i) => ({ ext: i.ext, product: i.product, qnt: i.qnt, priceKopecks: kopecks(i.price), sumKopecks: kopecks(i.sum), discountKopecks: kopecks(i.ds ?? 0) }));
}

/** CalcResult (§2.4) plus ASSUMED `bonusDebit`, `availableBonuses`, `messages` and `debitError`. */
function calcJson(calc: Calculation) {
  const messages = calc.problem ? [calc.problem.msg] : [];
  return {
    discount: calc.lines.map((l) => ({
      ext: l.ext,
      cb: l.earned,
      db: l.debited,
      ds: roubles(l.discountKopecks),
      dp: 0,
      ids: 0,
      idp: 0,
      cbp: l.bonusPercent,
      dbp: l.debitPercent,
      messages,
    })),
    maxDebitBonuses: calc.maxDebit,
    multiplicityDebitBonus: calc.multiple,
    bonusDebit: calc.applied,
    availableBonuses: calc.available,
    messages,
    debitError: calc.problem ? { code: calc.problem.code, msg: calc.problem.msg } : null,
  };
}

/** ASSUMED shape of a bonus lot (no public source shows lots): dates as ISO instants. */
export interface BonusLotJson {
  id: number;
  reason: string;
  amount: number;
  remaining: number;
  activeFrom: string;
  expiresAt: string | null;
}

export const bonusLotJson = (lot: BonusLotRow): BonusLotJson => ({
  id: lot.id,
  reason: lot.reason,
  amount: lot.amount,
  remaining: lot.remaining,
  activeFrom: lot.active_from.toISOString(),
  expiresAt: lot.expires_at?.toISOString() ?? null,
});

const expiringLotJson = (lot: ExpiringLot) => ({ ...bonusLotJson(lot), phone: lot.phone });

/** ASSUMED shape of a ledger entry (no public source shows transaction history). */
const ledgerEntryJson = (entry: LedgerEntry) => ({
  id: entry.id,
  kind: entry.kind,
  reason: entry.reason,
  amount: entry.amount,
  date: entry.created_at.toISOString(),
  reference: entry.reference,
  expiresAt: entry.expires_at?.toISOString() ?? null,
});

// ASSUMED: the cross-customer expiring-lots route pages like `customer/list` (1-based startRow).
const expiringBody = z.object({
  before: z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'before: ожидается дата ISO 8601' }),
  startRow: intLike.nullish(),
  rowCount: intLike.nullish(),
});

/** `startRow` (1-based) and `rowCount` as an offset and a limit, or the 412 that refuses them. */
function paging(startRow: number | null | undefined, rowCount: number | null | undefined): Parsed<{ offset: number; limit: number }> {
  const count = rowCount ?? LIST_DEFAULT_ROW_COUNT;
  if (!Number.isInteger(count) || count < 1 || count > LIST_MAX_ROW_COUNT) return { ok: false, response: validationError(`rowCount: от 1 до ${LIST_MAX_ROW_COUNT}`) };
  const start = startRow ?? 1;
  if (!Number.isInteger(start) || start < 1) return { ok: false, response: validationError('startRow: нумерация строк начинается с 1') };
  return { ok: true, value: { offset: start - 1, limit: count } };
}

/** A query-string integer: absent is undefined, anything but digits is NaN (refused by `paging`). */
const queryInt = (value: string | null): number | undefined => (value === null || value === '' ? undefined : /^-?\d{1,9}$/.test(value) ? Number(value) : Number.NaN);

export interface BonusPlusRouterOptions {
  /** Days a sale's accrual stays "not active"; the program's `bonus_activation_days` when absent. */
  readonly bonusActivationDays?: number;
}

export function bonusPlusRouter(db: Db, options: BonusPlusRouterOptions = {}): Router {
  const render = async (records: readonly CustomerRecord[]) => {
    const [types, settings] = await Promise.all([cardTypes(db), program(db)]);
    return records.map((r) => customerJson(r, types, settings));
  };
  const renderOne = async (executor: Db, customerId: number) => {
    const [types, settings, record] = await Promise.all([cardTypes(executor), program(executor), findCustomer(executor, { id: customerId })]);
    return customerJson(record!, types, settings);
  };
  const refused = async (work: () => Promise<EmulatorResponse>): Promise<EmulatorResponse> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof Refusal) return businessError(error.code, error.msg);
      throw error;
    }
  };

  const router = new Router();

  router.on('GET', '/api/customer', async (req) => {
    const phone = req.query.get('phone');
    const id = req.query.get('id');
    const ean = req.query.get('ean');
    let record: CustomerRecord | undefined;
    if (phone) {
      const normalised = normalisePhone(phone);
      if (!normalised) return validationError(PHONE_MSG);
      record = await findCustomer(db, { phone: normalised });
    } else if (id) {
      if (!/^\d{1,15}$/.test(id)) return validationError('id: ожидается целое число');
      record = await findCustomer(db, { id: Number(id) });
    } else if (ean) {
      record = await findCustomer(db, { cardNumber: ean.trim() });
    } else {
      return validationError('Укажите phone, id или ean');
    }
    if (!record) return customerNotFound();
    return { status: 200, body: (await render([record]))[0] };
  });

  router.on('POST', '/api/customer', async (req) => {
    const parsed = parseBody(req, createCustomerBody);
    if (!parsed.ok) return parsed.response;
    const input = parsed.value;
    const phone = normalisePhone(input.phone);
    if (!phone) return validationError(PHONE_MSG);
    const settings = await program(db);
    const outcome = await db.transaction().execute(async (trx) => {
      const inserted = await insertCustomer(trx, {
        phone,
        firstName: input.fn?.trim() || null,
        lastName: input.ln?.trim() || null,
        middleName: input.mn?.trim() || null,
        email: input.email || null,
        address: input.address?.trim() || null,
        ...(input.card ? { cardNumber: input.card } : {}),
        cardTypeId: settings.default_card_type_id,
      });
      // The welcome bonus is the program's registration rule: it burns after that rule's days.
      if (inserted.ok && input.regBonus) await creditProgramRule(trx, { customerId: inserted.id, rule: 'registration', amount: input.regBonus });
      return inserted;
    });
    if (!outcome.ok) {
      return outcome.code === 'CUSTOMER_ALREADY_EXISTS'
        ? businessError('CUSTOMER_ALREADY_EXISTS', 'Клиент с таким номером телефона уже существует')
        : businessError('CARD_ALREADY_EXISTS', 'Карта с таким номером уже выдана другому клиенту');
    }
    const record = await findCustomer(db, { id: outcome.id });
    return { status: 200, body: (await render([record!]))[0] };
  });

  router.on('PATCH', '/api/customer/:phone', async (req) => {
    const phone = normalisePhone(req.params.phone ?? '');
    if (!phone) return validationError(PHONE_MSG);
    const parsed = parseBody(req, changeCardBody);
    if (!parsed.ok) return parsed.response;
    const wanted = parsed.value.newCard.trim().toLowerCase();
    const type = (await cardTypes(db)).find((t) => t.name.toLowerCase() === wanted);
    if (!type) return businessError('CARD_TYPE_NOT_FOUND', `Тип карты «${parsed.value.newCard}» не найден`);
    if (!(await changeCardType(db, phone, type.id))) return customerNotFound();
    const record = await findCustomer(db, { phone });
    return { status: 200, body: (await render([record!]))[0] };
  });

  router.on('POST', '/api/customer/list', async (req) => {
    const parsed = parseBody(req, customerFilterBody);
    if (!parsed.ok) return parsed.response;
    const filter = parsed.value;
    const page = paging(filter.startRow, filter.rowCount);
    if (!page.ok) return page.response;
    const records = await listCustomers(db, {
      phones: filter.phone?.map((p) => normalisePhone(p) ?? p),
      cardNumbers: filter.cardNumber ?? undefined,
      emails: filter.email ?? undefined,
      cardTypeIds: filter.card ?? undefined,
      lastUpdated: filter.lastUpdateDate?.map((i) => ({ ...(i.from ? { from: new Date(i.from) } : {}), ...(i.to ? { to: new Date(i.to) } : {}) })),
      ...page.value,
    });
    return { status: 200, body: await render(records) };
  });

  router.on('PUT', '/api/retail/calc', async (req) => {
    const parsed = parseBody(req, saleBody);
    if (!parsed.ok) return parsed.response;
    const phone = normalisePhone(parsed.value.phone);
    if (!phone) return validationError(PHONE_MSG);
    const record = await findCustomer(db, { phone });
    if (!record) return customerNotFound();
    const [types, settings] = await Promise.all([cardTypes(db), program(db)]);
    const card = types.find((t) => t.id === record.row.card_type_id)!;
    const calc = calculate(saleLines(parsed.value.items), parsed.value.bonusDebit, record.figures.available, card, settings, record.row.bonus_debit_denied);
    return { status: 200, body: calcJson(calc) };
  });

  router.on('POST', '/api/retail', async (req) => {
    const parsed = parseBody(req, doRetailBody);
    if (!parsed.ok) return parsed.response;
    const input = parsed.value;
    const phone = normalisePhone(input.phone);
    if (!phone) return validationError(PHONE_MSG);
    const [types, settings] = await Promise.all([cardTypes(db), program(db)]);
    return refused(async () => {
      const result = await registerSale(
        db,
        {
          phone,
          items: saleLines(input.items),
          bonusDebit: input.bonusDebit,
          externalId: input.externalId ?? null,
          reserveId: input.reserveId ?? null,
          store: input.store ?? null,
          description: input.desc ?? null,
          cashier: input.cashier ?? null,
          soldAt: input.date ? new Date(input.date) : new Date(),
          activationDays: options.bonusActivationDays ?? settings.bonus_activation_days,
        },
        types,
        settings,
        renderOne,
      );
      return { status: 200, body: result };
    });
  });

  router.on('PATCH', '/api/customer/:phone/balance/reserve', async (req) => {
    const phone = normalisePhone(req.params.phone ?? '');
    if (!phone) return validationError(PHONE_MSG);
    const parsed = parseBody(req, reserveBody);
    if (!parsed.ok) return parsed.response;
    const { id, amount } = parsed.value;
    return refused(async () => {
      if (amount > 0) await reserve(db, phone, id, amount);
      else await release(db, phone, id, -amount);
      return { status: 204 };
    });
  });

  // §2.3: manual accrual (amount > 0) or debit (< 0), the route public integrations use for refunds.
  // Answer `{phoneNumber, amount}` as BP-WA reads it; the rest of the real answer is not known.
  router.on('PATCH', '/api/customer/:phone/balance', async (req) => {
    const phone = normalisePhone(req.params.phone ?? '');
    if (!phone) return validationError(PHONE_MSG);
    const parsed = parseBody(req, balanceBody);
    if (!parsed.ok) return parsed.response;
    const { amount, comment } = parsed.value;
    return refused(async () => {
      await adjustBalance(db, phone, amount, comment ?? null);
      return { status: 200, body: { phoneNumber: phone, amount } };
    });
  });

  // ASSUMED route: BonusPlus publishes none for returns (§2.4).
  router.on('POST', '/api/retail/return', async (req) => {
    const parsed = parseBody(req, returnBody);
    if (!parsed.ok) return parsed.response;
    return refused(async () => ({ status: 200, body: await registerReturn(db, parsed.value, renderOne) }));
  });

  // ASSUMED route: no public source shows lots or expiry (§2.4 "no expiry fields found").
  router.on('GET', '/api/customer/:phone/bonuses', async (req) => {
    const phone = normalisePhone(req.params.phone ?? '');
    if (!phone) return validationError(PHONE_MSG);
    const record = await findCustomer(db, { phone });
    if (!record) return customerNotFound();
    return { status: 200, body: (await listLiveLots(db, record.row.id)).map(bonusLotJson) };
  });

  // ASSUMED route: no public source shows a transaction history. Expired lots are written off
  // (one `expiry` entry each) before the page is read, so the history shows every burn.
  router.on('GET', '/api/customer/:phone/transactions', async (req) => {
    const phone = normalisePhone(req.params.phone ?? '');
    if (!phone) return validationError(PHONE_MSG);
    const page = paging(queryInt(req.query.get('startRow')), queryInt(req.query.get('rowCount')));
    if (!page.ok) return page.response;
    const record = await findCustomer(db, { phone });
    if (!record) return customerNotFound();
    await db.transaction().execute((trx) => burnExpiredLots(trx, record.row.id));
    return { status: 200, body: (await listLedger(db, record.row.id, page.value.offset, page.value.limit)).map(ledgerEntryJson) };
  });

  // ASSUMED route: lots of every customer expiring before a date, so a daily warning run needs
  // one call per page rather than one per customer.
  router.on('POST', '/api/bonus/expiring', async (req) => {
    const parsed = parseBody(req, expiringBody);
    if (!parsed.ok) return parsed.response;
    const page = paging(parsed.value.startRow, parsed.value.rowCount);
    if (!page.ok) return page.response;
    const before = new Date(parsed.value.before);
    return { status: 200, body: (await listExpiringLots(db, before, page.value.offset, page.value.limit)).map(expiringLotJson) };
  });

  // ASSUMED route and shape: the public sources show no card type listing.
  router.on('GET', '/api/discountCardType', async () => ({ status: 200, body: (await cardTypes(db)).map(cardTypeJson) }));

  // ASSUMED shape: the plugins only check that the call succeeds (BP-WC Account.php).
  router.on('GET', '/api/account', async () => {
    const settings = await program(db);
    return { status: 200, body: { id: settings.id, name: settings.name } };
  });

  return router;
}
