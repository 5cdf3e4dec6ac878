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
