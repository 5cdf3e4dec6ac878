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
  readonly apiKey?: { readonly current: boolean };
  readonly customer: { readonly id: number; readonly externalId?: string; readonly site?: string };
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
  /** One page of customers matching the filter. Throws UpstreamUnavailableError when RetailCRM is unreachable. */
  listCustomers(filter: CrmCustomerFilter, page?: { limit?: CrmPageLimit; page?: number }): Promise<{ customers: CrmCustomer[]; pagination: CrmPagination }>;
  /** The customer, or undefined when RetailCRM answers 404 "Not found". */
  getCustomer(id: string | number, by: CrmBy): Promise<CrmCustomer | undefined>;
  /** Creates a customer on the configured site; returns RetailCRM's internal id. Validation problems throw RetailCrmApiError. */
  createCustomer(customer: CrmCustomerInput): Promise<{ id: number }>;
  /** Edits the fields given (custom fields are merged by RetailCRM, not replaced). */
  editCustomer(id: string | number, by: CrmBy, customer: CrmCustomerInput): Promise<{ id: number }>;
  /** Attaches our ids to customers created on the CRM side. */
  fixExternalIds(rows: readonly { id: number; externalId: string }[]): Promise<void>;
  /** Change records with id > sinceId, oldest first, at most `limit`. */
  customersHistory(sinceId: number, limit?: CrmPageLimit): Promise<{ history: CrmCustomerHistoryRecord[]; pagination: CrmPagination; generatedAt: string }>;
}
