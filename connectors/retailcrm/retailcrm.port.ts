/**
 * What the graph asks of RetailCRM (API v5), customers part. Shapes follow the real API
 * (see shared/reference/systems-of-record.md §1); only the fields we read or write are typed.
 */

export interface CrmPhone {
  readonly number: string;
}

export interface CrmCustomer {
  readonly id: number;
  readonly externalId?: string;
  readonly site?: string;
  readonly createdAt: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly patronymic?: string;
  readonly email?: string;
  readonly sex?: 'male' | 'female';
  readonly birthday?: string;
  readonly phones: readonly CrmPhone[];
  readonly customFields: Readonly<Record<string, unknown>>;
  readonly discountCardNumber?: string;
}

export interface CrmCustomerInput {
  readonly externalId?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly patronymic?: string;
  readonly email?: string;
  readonly sex?: 'male' | 'female';
  readonly birthday?: string;
  readonly phones?: readonly CrmPhone[];
  readonly customFields?: Readonly<Record<string, unknown>>;
  readonly discountCardNumber?: string;
}

export interface CrmCustomerFilter {
  readonly ids?: readonly number[];
  readonly externalIds?: readonly string[];
  /** Matches the full name or a phone, as in the real API. */
  readonly name?: string;
  readonly email?: string;
}

export type CrmPageLimit = 20 | 50 | 100 | 250;

export interface CrmPagination {
  readonly limit: number;
  readonly totalCount: number;
  readonly currentPage: number;
  readonly totalPageCount: number;
}

export interface CrmCustomerHistoryRecord {
  readonly id: number;
  readonly createdAt: string;
  readonly created?: boolean;
  readonly deleted?: boolean;
  readonly source: string;
  readonly field: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
  /** Present on `source: "api"` records; `current` is true when the change was made with our key (an echo of our own write). */
  readonly apiKey?: { readonly current: boolean };
  /** Present on `source: "user"` records: the manager who made the change. */
  readonly user?: { readonly id: number };
  readonly customer: { readonly id: number; readonly externalId?: string; readonly site?: string };
  /** Creation and deletion records carry the whole customer; this is it, mapped like getCustomer's. */
  readonly snapshot?: CrmCustomer;
}

export type CrmBy = 'id' | 'externalId';

/** RetailCRM answered with `success: false`: a business or validation error, not an outage. */
export class RetailCrmApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorMsg: string,
    readonly errors: Readonly<Record<string, string>>,
  ) {
    super(`RetailCRM ${status}: ${errorMsg}`);
    this.name = 'RetailCrmApiError';
  }
}

export interface RetailCrmCustomersPort {
  /**
   * One page of customers matching the filter. Throws UpstreamUnavailableError when RetailCRM is unreachable.
   * An empty `ids` or `externalIds` list matches nothing (no request is sent: RetailCRM would read it as no filter).
   * `name` matches a name or a phone loosely and `email` by substring: confirm exact matches on the result.
   */
  listCustomers(filter: CrmCustomerFilter, page?: { limit?: CrmPageLimit; page?: number }): Promise<{ customers: CrmCustomer[]; pagination: CrmPagination }>;
  /** The customer, or undefined when RetailCRM answers 404 "Not found". */
  getCustomer(id: string | number, by: CrmBy): Promise<CrmCustomer | undefined>;
  /**
   * Creates a customer on the configured site; returns RetailCRM's internal id. Validation problems throw RetailCrmApiError.
   * With an `externalId` the call is keyed, hence retried after a timeout or a lost reply: when RetailCRM answers that the
   * externalId is taken (our earlier attempt went through, or the customer already existed), it resolves with that
   * customer's id and `alreadyExisted: true`, and the fields sent are NOT applied to it — call editCustomer if they must be.
   * Without an `externalId` a create is never retried after it may have been applied.
   */
  createCustomer(customer: CrmCustomerInput): Promise<{ id: number; alreadyExisted?: boolean }>;
  /**
   * Edits the fields given (custom fields are merged by RetailCRM, not replaced; `null` clears one). Setting the same
   * fields twice leaves the same state, so edits are retried after a timeout. Unknown customer: RetailCrmApiError 404.
   */
  editCustomer(id: string | number, by: CrmBy, customer: CrmCustomerInput): Promise<{ id: number }>;
  /** Attaches our ids to customers created on the CRM side; repeating it is harmless. */
  fixExternalIds(rows: readonly { id: number; externalId: string }[]): Promise<void>;
  /** Change records with id > sinceId, oldest first, at most `limit`. */
  customersHistory(sinceId: number, limit?: CrmPageLimit): Promise<{ history: CrmCustomerHistoryRecord[]; pagination: CrmPagination; generatedAt: string }>;
}
