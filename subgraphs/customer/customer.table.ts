import type { Generated, Selectable } from 'kysely';

/** The customer read model and identity map: one row per customer, keyed by our id. */
export interface CustomersTable {
  id: string;
  retailcrm_id: number | null;
  bonusplus_id: number | null;
  onec_guid: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  patronymic: string | null;
  email: string | null;
  created_at: Date;
  synced_at: Generated<Date>;
}

/** A registration in progress holds its phone here, so two sign-ups of one phone never both reach RetailCRM. */
export interface RegistrationsTable {
  phone: string;
  customer_id: string;
  started_at: Generated<Date>;
}

export interface CustomerDb {
  'customer.customers': CustomersTable;
  'customer.registrations': RegistrationsTable;
}

export type CustomerRow = Selectable<CustomersTable>;
