import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { RetailCrmApiError, type CrmCustomer, type RetailCrmCustomersPort } from '../../connectors/retailcrm/retailcrm.port.js';
import { AppError, badInput, forbidden } from '../../platform/errors.js';
import { UpstreamUnavailableError } from '../../platform/http/upstream-client.js';
import type { Identity } from '../../platform/identity.js';
import type { Logger } from '../../platform/logger.js';
import { enqueue } from '../../platform/outbox.js';
import { normalizePhone, phoneDigits } from '../../platform/phone.js';
import { customerFromRow, type Customer } from './customer.model.js';
import { findCustomerByPhone, releasePhone, reservePhone, rowFromCrm, upsertCustomers } from './customer.repository.js';
import type { CustomerDb } from './customer.table.js';
import { enrollmentMessage } from './enrollment.message.js';

const name = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(/^[\p{L}\p{M}' .-]+$/u, 'may contain letters, spaces, hyphens and apostrophes only');

const registrationSchema = z.object({
  phone: z.string().max(40, 'must be at most 40 characters'),
  firstName: name(100),
  lastName: name(100).nullish(),
  patronymic: name(100).nullish(),
  email: z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email('is not a valid e-mail address')).nullish(),
});

export type RegistrationInput = z.input<typeof registrationSchema>;

export interface RegistrationDeps {
  readonly db: Kysely<any>;
  readonly crm: RetailCrmCustomersPort;
  readonly logger: Logger;
}

/** How long a registration may hold its phone before a newer attempt may take it over. */
const RESERVATION_STALE_MS = 2 * 60_000;

const upstreamDown = () => new AppError('UPSTREAM_UNAVAILABLE', 'RetailCRM is unavailable; please try again shortly');
const alreadyExists = () => new AppError('CUSTOMER_ALREADY_EXISTS', 'A customer with this phone number already exists');

/** Validates and normalises the input; every problem is listed in `extensions.fields`. */
export function parseRegistration(input: RegistrationInput) {
  const parsed = registrationSchema.safeParse(input);
  const fields: Record<string, string> = {};
  if (!parsed.success) for (const issue of parsed.error.issues) fields[String(issue.path[0])] ??= issue.message;
  const phone = normalizePhone(input.phone ?? '');
  if (!phone && !fields.phone) fields.phone = 'is not a valid phone number';
  if (!parsed.success || !phone) throw badInput('Invalid registration', { fields });
  return { ...parsed.data, phone };
}

/**
 * Registers a customer (flow F1). The phone is the identity (R1): it is held for this
 * registration, checked against the read model and against RetailCRM itself, and only then is
 * the customer created in RetailCRM under our id as `externalId`. The read-model row and the
 * enrolment message are committed together, so enrolment happens exactly when the customer exists.
 */
export async function registerCustomer(deps: RegistrationDeps, identity: Identity, input: RegistrationInput): Promise<Customer> {
  if (identity.kind === 'customer') throw forbidden('A signed-in customer cannot register another customer');
  const data = parseRegistration(input);
  const db = deps.db as Kysely<CustomerDb>;

  if (await findCustomerByPhone(db, data.phone)) throw alreadyExists();
  const id = randomUUID();
  if (!(await reservePhone(db, data.phone, id, RESERVATION_STALE_MS))) throw alreadyExists();

  try {
    const existing = await findInCrmByPhone(deps.crm, data.phone);
    if (existing) {
      await adoptCrmCustomer(deps, existing);
      throw alreadyExists();
    }
    const crmId = await createInCrm(deps.crm, id, data);
    return await db.transaction().execute(async (trx) => {
      const row = { ...rowFromCrmInput(id, crmId, data), created_at: new Date() };
      await upsertCustomers(trx, [row]);
      await releasePhone(trx, data.phone, id);
      await enqueue(trx, enrollmentMessage({ customerId: id, phone: data.phone, firstName: data.firstName, lastName: data.lastName ?? null, patronymic: data.patronymic ?? null, email: data.email ?? null }));
      const stored = await trx.selectFrom('customer.customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return customerFromRow(stored);
    });
  } catch (error) {
    await releasePhone(db, data.phone, id);
    if (error instanceof UpstreamUnavailableError) throw upstreamDown();
    if (error instanceof RetailCrmApiError) {
      deps.logger.error({ status: error.status, errorMsg: error.errorMsg, errors: error.errors }, 'RetailCRM refused a registration');
      throw new AppError('UPSTREAM_UNAVAILABLE', 'RetailCRM refused the registration');
    }
    throw error;
  }
}

function rowFromCrmInput(id: string, crmId: number, data: ReturnType<typeof parseRegistration>) {
  return {
    id,
    retailcrm_id: crmId,
    phone: data.phone,
    first_name: data.firstName,
    last_name: data.lastName ?? null,
    patronymic: data.patronymic ?? null,
    email: data.email ?? null,
  };
}

/**
 * The RetailCRM customer with this phone (E.164), if any. RetailCRM's name filter also matches
 * phones, loosely; the match is confirmed on normalised numbers. Also used by the showroom import.
 */
export async function findInCrmByPhone(crm: RetailCrmCustomersPort, phone: string): Promise<CrmCustomer | undefined> {
  const { customers } = await crm.listCustomers({ name: phoneDigits(phone) }, { limit: 20 });
  return customers.find((c) => c.phones.some((p) => normalizePhone(p.number) === phone));
}

/**
 * Creates the customer in RetailCRM. Our id is the externalId, a natural idempotency key: if a
 * retried create finds it taken, the first attempt went through, and that customer is ours.
 */
async function createInCrm(crm: RetailCrmCustomersPort, id: string, data: ReturnType<typeof parseRegistration>): Promise<number> {
  const customer = {
    externalId: id,
    firstName: data.firstName,
    ...(data.lastName ? { lastName: data.lastName } : {}),
    ...(data.patronymic ? { patronymic: data.patronymic } : {}),
    ...(data.email ? { email: data.email } : {}),
    phones: [{ number: data.phone }],
  };
  try {
    return (await crm.createCustomer(customer)).id;
  } catch (error) {
    if (!(error instanceof RetailCrmApiError)) throw error;
    const mine = await crm.getCustomer(id, 'externalId');
    if (mine) return mine.id;
    throw error;
  }
}

/** A CRM customer we did not know yet (created by a manager, say) joins the read model under its own id. */
async function adoptCrmCustomer(deps: RegistrationDeps, crm: CrmCustomer): Promise<void> {
  let id = crm.externalId;
  if (!id) {
    id = randomUUID();
    await deps.crm.fixExternalIds([{ id: crm.id, externalId: id }]);
  }
  await upsertCustomers(deps.db as Kysely<CustomerDb>, [rowFromCrm(crm, id)]);
}
