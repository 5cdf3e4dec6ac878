import type { Generated, Selectable } from 'kysely';

/** The customer read model and identity map: one row per customer, keyed by our id. */
export interface CustomersTable {
  id: string;
  retailcrm_id: number | null;
  bonusplus_id: number | null;
  /** 1C partner (`Catalog_Партнеры`) Ref_Key. */
  onec_guid: string | null;
  /** 1C counterparty (`Catalog_Контрагенты`) Ref_Key of that partner. */
  onec_counterparty_guid: string | null;
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

export type ShowroomImportStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';

/**
 * A run of the showroom import (F10, R11) and where it is: the BonusPlus row it reads next and
 * what it found so far, written with every customer it finishes, so a restart resumes there.
 */
export interface ShowroomImportRunsTable {
  id: Generated<number>;
  status: ShowroomImportStatus;
  /** The worker allowed to write progress; a resumed run gets a new one, and the old worker's writes are refused. */
  owner: string;
  /** 1-based row of BonusPlus `customer/list` (id order) to look at next. */
  next_row: Generated<number>;
  customers_read: Generated<number>;
  imported: Generated<number>;
  already_known: Generated<number>;
  failed: Generated<number>;
  started_at: Generated<Date>;
  heartbeat_at: Generated<Date>;
  finished_at: Date | null;
  error: string | null;
}

/** A BonusPlus customer a run could not import, and why. A later run tries them again. */
export interface ShowroomImportFailuresTable {
  run_id: number;
  bonusplus_id: number;
  /** As BonusPlus has it (it may not be a valid number). */
  phone: string;
  reason: string;
  failed_at: Generated<Date>;
}

/**
 * Our id for a showroom customer, claimed before RetailCRM is asked to create them: a retry after a
 * lost reply or a dead process sends the same externalId, so RetailCRM never gets a second customer.
 * `imported_at` is set once the customer is in RetailCRM and in the read model.
 */
export interface ShowroomImportsTable {
  /** E.164. */
  phone: string;
  customer_id: string;
  bonusplus_id: number;
  run_id: number;
  claimed_at: Generated<Date>;
  retailcrm_id: number | null;
  imported_at: Date | null;
}

export interface CustomerDb {
  'customer.customers': CustomersTable;
  'customer.registrations': RegistrationsTable;
  'customer.showroom_import_runs': ShowroomImportRunsTable;
  'customer.showroom_import_failures': ShowroomImportFailuresTable;
  'customer.showroom_imports': ShowroomImportsTable;
}

export type CustomerRow = Selectable<CustomersTable>;
export type ShowroomImportRunRow = Selectable<ShowroomImportRunsTable>;
export type ShowroomImportFailureRow = Selectable<ShowroomImportFailuresTable>;
