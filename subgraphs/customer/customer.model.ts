import type { CustomerRow } from './customer.table.js';

/** A customer as resolvers see it. */
export interface Customer {
  readonly id: string;
  readonly phone: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly patronymic: string | null;
  readonly email: string | null;
  readonly createdAt: Date;
  readonly externalIds: {
    readonly retailCrmId: number | null;
    readonly bonusPlusId: number | null;
    readonly oneCGuid: string | null;
  };
}

export function customerFromRow(row: CustomerRow): Customer {
  return {
    id: row.id,
    phone: row.phone,
    firstName: row.first_name,
    lastName: row.last_name,
    patronymic: row.patronymic,
    email: row.email,
    createdAt: row.created_at,
    externalIds: { retailCrmId: row.retailcrm_id, bonusPlusId: row.bonusplus_id, oneCGuid: row.onec_guid },
  };
}
