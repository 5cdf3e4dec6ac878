import type { Kysely } from 'kysely';
import { customerInCrmMessage } from '../../../contracts/customer-in-crm.message.js';
import { RetailCrmApiError, type CrmCustomer, type RetailCrmCustomersPort } from '../../../connectors/retailcrm/retailcrm.port.js';
import type { Logger } from '../../../platform/logger.js';
import { enqueue, PermanentFailure } from '../../../platform/outbox.js';
import { createInCrmSchema } from './crm-create.message.js';
import { linkRetailCrm, ownersOfCrmCustomers } from '../customer.repository.js';
import type { CustomerDb, CustomerRow } from '../customer.table.js';
import { crmCustomersWithPhone } from './registration.service.js';

export interface CrmCreateDeps {
  readonly db: Kysely<any>;
  readonly crm: RetailCrmCustomersPort;
  readonly logger: Logger;
}

/**
 * Brings a customer registered in our database into RetailCRM (topic `customer.create-in-crm`),
 * at RetailCRM's pace and through its outages: the outbox retries with backoff. Safe to run again
 * at any point, and never makes a second RetailCRM customer for one phone (R1):
 * - a RetailCRM customer with the phone is looked for first: one with our id as `externalId` (our
 *   earlier attempt, its reply lost) is ours; one without an `externalId` (a manager made it), or
 *   with one no customer of ours has (another integration's), is the same person by phone (R2) and
 *   is adopted: given our id, since the graph, its orders and the CRM card writes address
 *   RetailCRM customers by our id;
 * - otherwise it is created with our id as `externalId`, which RetailCRM refuses to take twice, so a
 *   retry after a lost reply reads back the first one (the connector does);
 * - a phone RetailCRM has only on customers of ours (a second phone of another of our customers)
 *   is a conflict no rule settles: a dead letter for an operator, and nothing is created.
 * Then the RetailCRM id is stored in the identity map and the loyalty side is told the card exists
 * (`customer.in-crm`), in one transaction.
 */
export async function createCustomerInCrm(deps: CrmCreateDeps, payload: unknown): Promise<void> {
  const parsed = createInCrmSchema.safeParse(payload);
  if (!parsed.success) throw new PermanentFailure(`malformed customer.create-in-crm: ${parsed.error.message}`);
  const db = deps.db as Kysely<CustomerDb>;
  const row = await db.selectFrom('customer.customers').selectAll().where('id', '=', parsed.data.customerId).executeTakeFirst();
  if (!row) throw new PermanentFailure(`customer ${parsed.data.customerId} is not in the read model`);

  // Already linked: by an earlier run whose outbox acknowledgement was lost.
  const retailCrmId = row.retailcrm_id ?? (await findOrCreate(deps, row));
  await db.transaction().execute(async (trx) => {
    if (!(await linkRetailCrm(trx, row.id, retailCrmId))) {
      throw new PermanentFailure(`RetailCRM customer ${retailCrmId} is linked to another customer of ours than ${row.id}, or ${row.id} to another RetailCRM customer`);
    }
    if (row.phone) await enqueue(trx, customerInCrmMessage({ customerId: row.id, phone: row.phone, retailCrmId }));
  });
}

async function findOrCreate(deps: CrmCreateDeps, row: CustomerRow): Promise<number> {
  const db = deps.db as Kysely<CustomerDb>;
  if (row.phone) {
    const candidates = await crmCustomersWithPhone(deps.crm, row.phone);
    const mine = candidates.find((c) => c.externalId === row.id);
    if (mine) return mine.id;
    const owners = await ownersOfCrmCustomers(db, candidates);
    const free = candidates.find((c) => !owners.has(c.id));
    if (free) return adopt(deps, row, free);
    if (candidates.length > 0) {
      const taken = candidates.map((c) => `${c.id} (ours: ${owners.get(c.id)})`).join(', ');
      throw new PermanentFailure(`RetailCRM has phone ${row.phone} on customers of ours: ${taken}; ${row.id} was not created there`);
    }
  }
  try {
    return (await deps.crm.createCustomer(crmInputOf(row))).id;
  } catch (error) {
    // A refusal of the data (RetailCRM's validation) is refused again on every retry.
    if (error instanceof RetailCrmApiError && error.status === 400) throw new PermanentFailure(`RetailCRM refused customer ${row.id}: ${error.message} ${JSON.stringify(error.errors)}`);
    throw error;
  }
}

async function adopt(deps: CrmCreateDeps, row: CustomerRow, crm: CrmCustomer): Promise<number> {
  if (crm.externalId) deps.logger.warn({ customerId: row.id, retailCrmId: crm.id, previousExternalId: crm.externalId }, 'RetailCRM customer with this phone had an externalId unknown to the graph: given ours');
  try {
    await deps.crm.fixExternalIds([{ id: crm.id, externalId: row.id }]);
  } catch (error) {
    if (!(error instanceof RetailCrmApiError)) throw error;
    // Our id already names a RetailCRM customer (an earlier attempt's create went through, and
    // its phone has changed since): that one is ours.
    const mine = await deps.crm.getCustomer(row.id, 'externalId');
    if (mine) return mine.id;
    throw error;
  }
  deps.logger.info({ customerId: row.id, retailCrmId: crm.id }, 'RetailCRM customer with the registered phone adopted');
  return crm.id;
}

function crmInputOf(row: CustomerRow) {
  return {
    externalId: row.id,
    ...(row.first_name ? { firstName: row.first_name } : {}),
    ...(row.last_name ? { lastName: row.last_name } : {}),
    ...(row.patronymic ? { patronymic: row.patronymic } : {}),
    ...(row.email ? { email: row.email } : {}),
    ...(row.phone ? { phones: [{ number: row.phone }] } : {}),
  };
}
