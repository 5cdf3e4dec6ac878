import { z } from 'zod';
import { BonusPlusRetailError, type BpCalculation, type BpDebitProblem, type BpSale, type BpSaleItem } from '../../../connectors/bonusplus/bonusplus.port.js';
import { AppError, badInput } from '../../../platform/errors.js';
import { UpstreamUnavailableError } from '../../../platform/http/upstream-client.js';
import type { OrderDeps } from '../order.deps.js';
import { bonusVersionOf } from '../order.repository.js';
import type { OrderLineRow } from '../order.table.js';

export const MAX_CART_LINES = 100;
const MAX_QUANTITY = 100;
const MAX_BONUSES = 10_000_000;

export const cartSchema = z
  .array(
    z.object({
      offerId: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
      quantity: z.number().int().min(1, 'must be at least 1').max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`),
    }),
  )
  .min(1, 'a cart needs at least one line')
  .max(MAX_CART_LINES, `at most ${MAX_CART_LINES} lines`);

export const bonusesSchema = z.number().int('must be whole bonuses').min(0, 'must not be negative').max(MAX_BONUSES, 'is too large');

export type CartInput = z.input<typeof cartSchema>;

/** A cart line with what the inventory says about it. Money in kopecks. */
export interface PricedLine {
  /** 1-based, in cart order: the line's `ext` in BonusPlus and its number in the order. */
  readonly lineNo: number;
  readonly offerId: string;
  readonly productId: string;
  readonly productName: string;
  readonly quantity: number;
  readonly price: number;
  readonly sum: number;
  readonly available: number;
}

/** A zod failure as BAD_USER_INPUT with the field of every problem. */
export function invalid(what: string, error: z.ZodError): AppError {
  return badInput(`Invalid ${what}`, { fields: Object.fromEntries(error.issues.map((i) => [i.path.join('.') || what, i.message])) });
}

/**
 * Validates a cart (lines of one offer are one line) and prices it from the inventory subgraph:
 * unknown offers and offers without a price are BAD_USER_INPUT.
 */
export async function priceCart(deps: OrderDeps, cart: CartInput): Promise<PricedLine[]> {
  const parsed = cartSchema.safeParse(cart);
  if (!parsed.success) throw invalid('cart', parsed.error);
  const merged = new Map<string, number>();
  for (const line of parsed.data) merged.set(line.offerId, (merged.get(line.offerId) ?? 0) + line.quantity);
  const offers = await deps.inventory.offers([...merged.keys()]);
  const unknownOffers = [...merged.keys()].filter((id) => !offers.has(id));
  if (unknownOffers.length > 0) throw badInput('Unknown offers in the cart', { unknownOffers });
  const unpriced = [...merged.keys()].filter((id) => offers.get(id)!.price === null);
  if (unpriced.length > 0) throw badInput('Offers without a price cannot be sold', { unpriced });
  return [...merged].map(([offerId, quantity], i) => {
    const offer = offers.get(offerId)!;
    if (quantity > MAX_QUANTITY) throw badInput(`At most ${MAX_QUANTITY} units of one offer`, { offerId });
    return { lineNo: i + 1, offerId, productId: offer.productId, productName: offer.productName, quantity, price: offer.price!, sum: offer.price! * quantity, available: offer.available };
  });
}

/** Each priced line with what BonusPlus's calculation spends and earns on it (nothing without one); totals in kopecks. */
export function withBonuses(lines: readonly PricedLine[], calc: BpCalculation | undefined): (PricedLine & { bonusesSpent: number; bonusesEarned: number; total: number })[] {
  const byExt = new Map(calc?.lines.map((l) => [l.ext, l]));
  return lines.map((l) => {
    const figures = byExt.get(String(l.lineNo));
    const spent = figures?.debited ?? 0;
    return { ...l, bonusesSpent: spent, bonusesEarned: figures?.earned ?? 0, total: l.sum - spent * 100 };
  });
}

export const saleItems = (lines: readonly { lineNo: number; offerId: string; quantity: number; price: number; sum: number }[]): BpSaleItem[] =>
  lines.map((l) => ({ ext: String(l.lineNo), product: l.offerId, qnt: l.quantity, priceKopecks: l.price, sumKopecks: l.sum }));

/** An order's lines as a BonusPlus receipt's items, each at its price less the shop's discount. */
export const saleItemsOfLines = (lines: readonly Pick<OrderLineRow, 'line_no' | 'offer_id' | 'quantity' | 'price' | 'discount'>[]): BpSaleItem[] =>
  saleItems(lines.map((l) => ({ lineNo: l.line_no, offerId: l.offer_id, quantity: l.quantity, price: l.price, sum: l.price * l.quantity - l.discount })));

const PROBLEM_MESSAGES: Record<BpDebitProblem, [AppError['code'], string]> = {
  NOT_ENOUGH_BONUSES: ['INSUFFICIENT_BONUSES', 'Not enough active bonuses'],
  BONUS_DEBIT_ABOVE_MAX: ['BONUS_LIMIT_EXCEEDED', 'More bonuses than the program allows on this cart'],
  BONUS_DEBIT_NOT_MULTIPLE: ['BONUS_MULTIPLE_MISMATCH', 'Bonuses must be spent in multiples of the program step'],
};

/** The typed error of a debit BonusPlus refused, with the figures the client needs to correct it. */
export function debitError(problem: BpDebitProblem, figures: { requested: number; maxBonusesToSpend?: number; bonusMultiple?: number }): AppError {
  const [code, message] = PROBLEM_MESSAGES[problem];
  return new AppError(code, message, figures);
}

/** Customer not (yet) enrolled in BonusPlus: no bonuses to spend, none earned. */
const isUnknownCustomer = (error: unknown) => error instanceof BonusPlusRetailError && error.code === 'CUSTOMER_NOT_FOUND';

/** Whose bonuses a calculation is for: the phone BonusPlus knows them by, and the version of their bonuses in our orders (`bonusVersionOf`). */
export interface Calculating {
  readonly phone: string;
  readonly version: string;
}

/**
 * BonusPlus's own calculation of a sale (`retail/calc`), asked now. Undefined when the customer is
 * not in the program. BonusPlus unreachable: UpstreamUnavailableError, for the caller to decide.
 */
export async function askCalculation(deps: OrderDeps, sale: BpSale): Promise<BpCalculation | undefined> {
  try {
    return await deps.bonusPlus.calculate(sale);
  } catch (error) {
    if (isUnknownCustomer(error)) return undefined;
    throw error;
  }
}

/**
 * What the cart spends and earns: BonusPlus's calculation, or its answer from the calculation cache
 * when the same customer, at the same version of their bonuses, asked for the same cart a moment
 * ago ("not in the program" is never remembered: enrolment may follow at any moment).
 */
export async function calculate(deps: OrderDeps, who: Calculating, lines: readonly PricedLine[], bonusDebit: number): Promise<BpCalculation | undefined> {
  const sale = { phone: who.phone, items: saleItems(lines), bonusDebit };
  return deps.calculations ? deps.calculations.calculate(sale, who.version, () => askCalculation(deps, sale)) : askCalculation(deps, sale);
}

/** The version a remembered calculation is keyed by (`bonusVersionOf`); nothing is read when none is remembered. */
export const calculationVersion = (deps: OrderDeps, customerId: string): Promise<string> => (deps.calculations ? bonusVersionOf(deps.db, customerId) : Promise.resolve(''));

/** A remembered calculation of this cart, if there is one; never asks BonusPlus. */
export function rememberedCalculation(deps: OrderDeps, who: Calculating, lines: readonly PricedLine[], bonusDebit: number): BpCalculation | undefined {
  return deps.calculations?.peek({ phone: who.phone, items: saleItems(lines), bonusDebit }, who.version);
}

export interface QuoteLine {
  readonly offerId: string;
  readonly productName: string;
  readonly quantity: number;
  readonly price: number;
  readonly available: number;
  readonly bonusesSpent: number;
  readonly bonusesEarned: number;
  readonly total: number;
}

export interface Quote {
  readonly lines: QuoteLine[];
  readonly itemsTotal: number;
  readonly bonusesToSpend: number;
  readonly bonusesAvailable: number;
  readonly maxBonusesToSpend: number;
  readonly bonusMultiple: number;
  readonly bonusProblem: 'INSUFFICIENT_BONUSES' | 'BONUS_LIMIT_EXCEEDED' | 'BONUS_MULTIPLE_MISMATCH' | null;
  readonly bonusesEarned: number;
  readonly total: number;
  readonly allInStock: boolean;
  readonly loyaltyAvailable: boolean;
}

/**
 * The checkout quote (F3): prices and stock from the inventory, every bonus figure from BonusPlus.
 * Without a phone (anonymous, or a customer without one) the quote has no bonus figures; with
 * BonusPlus down it has none either and says so (`loyaltyAvailable`), rather than failing (R18).
 */
export async function quoteCart(deps: OrderDeps, whoOf: () => Promise<Calculating | null>, cart: CartInput, bonusesToSpend: number | null | undefined): Promise<Quote> {
  const requested = bonusesSchema.safeParse(bonusesToSpend ?? 0);
  if (!requested.success) throw invalid('bonusesToSpend', requested.error);
  // Whose quote it is and what the cart costs are independent questions to two subgraphs.
  const [lines, who] = await Promise.all([priceCart(deps, cart), whoOf()]);
  let calc: BpCalculation | undefined;
  let balance = 0;
  let loyaltyAvailable = who !== null;
  if (who) {
    try {
      calc = await calculate(deps, who, lines, requested.data);
      // The calculation carries the balance; an older BonusPlus that does not is asked separately.
      balance = calc ? (calc.availableBonuses ?? (await deps.bonusPlus.findCustomer(who.phone))?.availableBonuses ?? 0) : 0;
    } catch (error) {
      if (!(error instanceof UpstreamUnavailableError)) throw error;
      loyaltyAvailable = false;
    }
  }
  const itemsTotal = lines.reduce((s, l) => s + l.sum, 0);
  const spent = calc?.bonusDebit ?? 0;
  const problem = calc?.debitProblem ?? (requested.data > 0 && !calc && loyaltyAvailable ? 'NOT_ENOUGH_BONUSES' : undefined);
  return {
    lines: withBonuses(lines, calc),
    itemsTotal,
    bonusesToSpend: spent,
    bonusesAvailable: balance,
    maxBonusesToSpend: calc?.maxDebitBonuses ?? 0,
    bonusMultiple: calc?.debitMultiple ?? 1,
    bonusProblem: problem ? PROBLEM_MESSAGES[problem][0] as Quote['bonusProblem'] : null,
    bonusesEarned: calc?.earnedTotal ?? 0,
    total: itemsTotal - spent * 100,
    allInStock: lines.every((l) => l.available >= l.quantity),
    loyaltyAvailable,
  };
}
