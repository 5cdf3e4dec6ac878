/**
 * What the graph asks of BonusPlus, customer part. Shapes follow the public plugins and help
 * pages (see shared/reference/systems-of-record.md §2). Amounts are in roubles as BonusPlus sends
 * them; bonuses are whole points (1 point = 1 rouble of discount).
 */

export interface BpCustomer {
  readonly id: number;
  /** 11 digits, `7XXXXXXXXXX`. */
  readonly phone: string;
  readonly person: { readonly fn?: string; readonly ln?: string; readonly mn?: string };
  readonly email?: string;
  /** Spendable now. */
  readonly availableBonuses: number;
  /** Accrued, not yet active (pending). */
  readonly notActiveBonuses: number;
  readonly allBonuses: number;
  /** Bonuses spent, all time. ASSUMPTION: not seen in public sources; see emulators/bonusplus/README.md. */
  readonly debitedBonuses: number;
  readonly discountCardName: string;
  readonly discountCardNumber: string;
  readonly discountCardTypeId: number;
  readonly nextCardName?: string | null;
  readonly purchasesTotalSum: number;
  readonly purchasesSumToNextCard?: number | null;
  readonly baseDiscountPercent: number;
  readonly baseBonusDebitPercent: number;
  readonly bonusDebitDenided: boolean;
  readonly multiplicityDebitBonus: number;
}

/** A card type (tier). ASSUMPTION: the listing route and its shape; see the emulator README. */
export interface BpCardType {
  readonly id: number;
  readonly name: string;
  /** Percent of the paid sum accrued as bonuses. */
  readonly bonusPercent: number;
  /** Most of a receipt payable by bonuses, percent. */
  readonly maxDebitPercent: number;
  /** Purchases total (roubles) from which this card applies. */
  readonly purchasesSumFrom: number;
}

export interface BpCreateCustomer {
  readonly phone: string;
  readonly fn?: string;
  readonly ln?: string;
  readonly mn?: string;
  readonly email?: string;
  /** Card number to issue. */
  readonly card?: string;
  /** Welcome bonus credited at registration. */
  readonly regBonus?: number;
}

export interface BpCustomerFilter {
  /** Any of these phones (E.164 or `7XXXXXXXXXX`). */
  readonly phone?: readonly string[];
  readonly cardNumber?: readonly string[];
  readonly email?: readonly string[];
  /**
   * Customers last changed within any of these intervals (`lastUpdateDate`, an array of
   * DateTimeInterval per BP-DOC; the interval's `from` / `to` names are ASSUMED, as in `bonusAmount`).
   * What counts as a change is not documented: see the emulator README.
   */
  readonly lastUpdateDate?: readonly { readonly from?: Date; readonly to?: Date }[];
  /** First row to return, 1-based (ASSUMED from the paging of public plugins; see the emulator README). */
  readonly startRow?: number;
  /** At most 1000. */
  readonly rowCount?: number;
}

/** BonusPlus answered 4xx with `{code, msg}`: a business error such as CUSTOMER_ALREADY_EXISTS. */
export class BonusPlusApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly msg: string,
  ) {
    super(`BonusPlus ${status} ${code}: ${msg}`);
    this.name = 'BonusPlusApiError';
  }
}

/**
 * Phones may be given in E.164 (`+79161234567`) or as BonusPlus digits (`79161234567`). Every
 * method throws BonusPlusApiError for a 4xx answer and UpstreamUnavailableError when BonusPlus
 * cannot be reached, keeps failing or is rate-limiting past the retries.
 */
export interface BonusPlusCustomersPort {
  /** The customer with this phone, or undefined (BonusPlus answers 412 CUSTOMER_NOT_FOUND). */
  findCustomer(phone: string): Promise<BpCustomer | undefined>;
  /**
   * Creates the customer; an existing phone throws BonusPlusApiError CUSTOMER_ALREADY_EXISTS.
   *
   * The phone is the natural key, so the call is retried after a timeout or a lost reply: a retry
   * can never create a second customer. But when the lost attempt had been applied, the retry is
   * answered CUSTOMER_ALREADY_EXISTS. So that error means "a customer with this phone exists,
   * perhaps created by this very call": read it with `findCustomer` and adopt it. Its card number
   * and welcome bonus are those of whichever call created it (compare `discountCardNumber` with the
   * `card` sent to tell an earlier registration from our own).
   */
  createCustomer(input: BpCreateCustomer): Promise<BpCustomer>;
  /** Moves the customer to another card type (tier) by its name; idempotent. Unknown phone: 412 CUSTOMER_NOT_FOUND. */
  changeCardType(phone: string, cardTypeName: string): Promise<BpCustomer>;
  /** Customers matching the filter (POST customer/list, a read), at most `rowCount`, in BonusPlus id order. */
  listCustomers(filter: BpCustomerFilter): Promise<BpCustomer[]>;
  /** The program's card types (tiers), cheapest first. ASSUMED route; see the emulator README. */
  listCardTypes(): Promise<BpCardType[]>;
}

/** A receipt line. Money in kopecks; the client sends roubles. */
export interface BpSaleItem {
  /** Unique line id within the receipt; returns name lines by it. */
  readonly ext: string;
  /** Our product (offer) id. */
  readonly product: string;
  /** Whole units. */
  readonly qnt: number;
  readonly priceKopecks: number;
  /** Line total before bonuses (after any shop discount). */
  readonly sumKopecks: number;
  readonly discountKopecks?: number;
  readonly category?: string;
}

export interface BpSale {
  readonly phone: string;
  readonly items: readonly BpSaleItem[];
  /** Bonuses to spend on the whole receipt. */
  readonly bonusDebit: number;
  readonly store?: string;
  readonly date?: Date;
}

export interface BpCalculatedLine {
  readonly ext: string;
  /** Bonuses the line earns (on what is paid after bonuses), `cb`. */
  readonly earned: number;
  /** Bonuses debited on the line, `db`. */
  readonly debited: number;
  readonly discountKopecks: number;
}

/** Why a requested debit cannot be made as asked (the emulator's codes; ASSUMED for the real API). */
export type BpDebitProblem = 'NOT_ENOUGH_BONUSES' | 'BONUS_DEBIT_ABOVE_MAX' | 'BONUS_DEBIT_NOT_MULTIPLE';

export interface BpCalculation {
  readonly lines: readonly BpCalculatedLine[];
  /** The most bonuses this customer may spend on this receipt, already a multiple of `debitMultiple`. */
  readonly maxDebitBonuses: number;
  readonly debitMultiple: number;
  /** The debit the lines were calculated with: the requested one, or the most allowed below it. */
  readonly bonusDebit: number;
  readonly earnedTotal: number;
  /** Set when the requested debit was not allowed as asked. */
  readonly debitProblem?: BpDebitProblem;
  /** The customer's active bonuses, when BonusPlus says (an ASSUMED field of the answer). */
  readonly availableBonuses?: number;
}

export interface BpRegisterSale extends BpSale {
  /** Our receipt id (the order id): the natural key that makes the call safe to repeat. */
  readonly externalId: string;
  /** The order id a reserve was made under; its bonuses become the sale's debit. */
  readonly reserveId?: string;
  readonly desc?: string;
  readonly cashier?: string;
}

export interface BpSaleReceipt {
  readonly id: number;
  readonly orderUid: string;
  readonly orderUrl?: string;
  /** The customer after the sale. */
  readonly customer: BpCustomer;
}

/**
 * How a return reaches BonusPlus. `retail-return`: the ASSUMED `POST retail/return` against the
 * receipt (BonusPlus splits the bonuses itself, draws the receipt's own accrual first, lowers the
 * purchases total). `balance-patch`: the documented `PATCH customer/{phone}/balance` (§2.3), the
 * route public integrations use for refunds: a credit of the spent bonuses given back and a debit of
 * the earned ones taken back, by our figures, each keyed so a retry never moves the balance twice.
 */
export type BpReturnStrategy = 'retail-return' | 'balance-patch';

export interface BpRegisterReturn {
  /** Our return id: the natural key that makes the call safe to repeat. */
  readonly externalId: string;
  readonly receiptExternalId: string;
  /** The customer's phone: the balance-patch strategy moves this balance. */
  readonly phone?: string;
  /**
   * Units per line; `earnedReversed` / `spentRefunded` are our figures for them (the return rules'
   * rounding), which the balance-patch strategy moves and needs. The retail-return route splits its own.
   */
  readonly items: readonly { readonly ext: string; readonly qnt: number; readonly earnedReversed?: number; readonly spentRefunded?: number }[];
}

export interface BpReturnReceipt {
  /** BonusPlus's return id; null under the balance-patch strategy, which makes no return document. */
  readonly id: number | null;
  readonly lines: readonly { readonly ext: string; readonly qnt: number; readonly earnedReversed: number; readonly debitedRefunded: number }[];
  readonly earnedReversed: number;
  readonly debitedRefunded: number;
  /** Earned bonuses the customer had already spent: not taken (no balance goes below zero). */
  readonly unrecovered: number;
  readonly customer: BpCustomer;
}

/** 412 codes of the receipt routes (most ASSUMED; see emulators/bonusplus/README.md). */
export type BpRetailErrorCode =
  | BpDebitProblem
  | 'CUSTOMER_NOT_FOUND'
  | 'RESERVE_AMOUNT_MISMATCH'
  | 'RESERVE_CLOSED'
  | 'RESERVE_NOT_FOUND'
  | 'RECEIPT_NOT_FOUND'
  | 'RECEIPT_LINE_NOT_FOUND'
  | 'RETURN_QUANTITY_EXCEEDED';

/** A 412 of a receipt route with a known code; still a BonusPlusApiError. */
export class BonusPlusRetailError extends BonusPlusApiError {
  constructor(
    status: number,
    override readonly code: BpRetailErrorCode,
    msg: string,
  ) {
    super(status, code, msg);
    this.name = 'BonusPlusRetailError';
  }
}

/**
 * Receipts: calculation, reserves, sales and returns. Bonuses are whole points; money is kopecks.
 * Refusals with a known code throw BonusPlusRetailError; other 4xx BonusPlusApiError; an
 * unreachable BonusPlus UpstreamUnavailableError. Every call is safe to retry: calc is a read,
 * reserves are keyed by order id, sales and returns by their externalId.
 */
export interface BonusPlusRetailPort {
  /** What a sale would debit and earn per line, and the most spendable. Changes nothing. */
  calculate(sale: BpSale): Promise<BpCalculation>;
  /**
   * Holds `amount` bonuses for the order. Repeating it with the same amount holds nothing more.
   * NOT_ENOUGH_BONUSES when fewer are available; RESERVE_AMOUNT_MISMATCH when the order holds
   * another amount; RESERVE_CLOSED when its reserve was released or sold.
   */
  reserve(phone: string, orderId: string, amount: number): Promise<void>;
  /** Gives the order's hold back. No-op when nothing is held for it (unknown, released, sold). */
  release(phone: string, orderId: string, amount: number): Promise<void>;
  /**
   * Records the paid sale with its lines: debits `bonusDebit` (consuming the reserve named by
   * `reserveId`, never debiting twice), accrues the earned bonuses (pending for the program's
   * delay), counts the purchase. A repeat of the externalId returns the first result, changing nothing.
   */
  registerSale(sale: BpRegisterSale): Promise<BpSaleReceipt>;
  /**
   * Returns units of a receipt's lines: earned bonuses taken back (rounded up), spent ones given back
   * (rounded down), cumulative per line, so partial returns add up to the full one and never create
   * bonuses; earned bonuses the customer no longer has are not taken but counted as `unrecovered`.
   * The client's `returnStrategy` picks the route (see BpReturnStrategy). `retail-return`:
   * RETURN_QUANTITY_EXCEEDED past what was bought, a repeat of the externalId returns the first
   * result (ASSUMED route: BonusPlus documents none). `balance-patch`: needs `phone` and our figures
   * per line; a repeat of the externalId finds its own balance moves in the customer's transactions
   * and makes none again (the key rides in an ASSUMED `comment`: see README.md, "ASSUMED upstream routes").
   * Calls for one externalId must not run at the same time (the caller serializes them).
   */
  registerReturn(input: BpRegisterReturn): Promise<BpReturnReceipt>;
}

/**
 * A portion of credited bonuses: spendable from `activeFrom` until `expiresAt`. ASSUMED shape and
 * route: the public sources show no lots (see the emulator README).
 */
export interface BpBonusLot {
  readonly id: number;
  /**
   * Why it was credited, as BonusPlus names it: `registration` (welcome), `birthday`, `holiday`,
   * `referral`, `purchase`, `release`, `refund`, `manual`; any other string may come.
   */
  readonly reason: string;
  readonly amount: number;
  /** Not yet spent nor expired. */
  readonly remaining: number;
  readonly activeFrom: Date;
  /** Null: never expires. */
  readonly expiresAt: Date | null;
}

/** A lot with its customer's phone (`7XXXXXXXXXX`), from the cross-customer expiring listing. */
export interface BpExpiringLot extends BpBonusLot {
  readonly phone: string;
}

/** A ledger entry. ASSUMED shape and route (see the emulator README). */
export interface BpTransaction {
  readonly id: number;
  readonly kind: 'credit' | 'debit';
  /** As on lots, plus the debit reasons `purchase` (spent), `reserve`, `return`, `expiry`, `manual`. */
  readonly reason: string;
  /** Positive; `kind` gives the direction. */
  readonly amount: number;
  readonly date: Date;
  /** What it belongs to (`order:<id>`, `receipt:<id>`, `lot:<id>` ...), when BonusPlus says. */
  readonly reference: string | null;
  /** A credit's expiry; for an expiry debit, that of the lot it burned. */
  readonly expiresAt: Date | null;
}

/** 1-based paging, as `customer/list` pages (ASSUMED). */
export interface BpPage {
  /** First row, 1-based; 1 when absent. */
  readonly startRow?: number;
  /** At most 1000; 100 when absent. */
  readonly rowCount?: number;
}

/**
 * Lots and the ledger, read-only. Every route here is ASSUMED (BonusPlus documents none; see
 * emulators/bonusplus/README.md), so this port is kept apart from the documented customer part.
 * Errors as for the other ports: BonusPlusApiError for a 4xx (CUSTOMER_NOT_FOUND for an unknown
 * phone), UpstreamUnavailableError when BonusPlus cannot be reached.
 */
export interface BonusPlusLedgerPort {
  /** The customer's lots with bonuses left and not expired (pending ones too), soonest expiry first, never-expiring last. */
  listBonusLots(phone: string): Promise<BpBonusLot[]>;
  /** A page of the customer's ledger, newest entry first (the order BonusPlus recorded them in, so new entries only ever arrive on top). */
  listTransactions(phone: string, page?: BpPage): Promise<BpTransaction[]>;
  /**
   * A page of every customer's lots with bonuses left that expire after now and before `before`,
   * in lot id order: lots created meanwhile land on later pages, none is skipped for them.
   */
  listExpiringLots(before: Date, page?: BpPage): Promise<BpExpiringLot[]>;
}
