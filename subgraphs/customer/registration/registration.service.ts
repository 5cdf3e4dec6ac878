import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CrmCustomer, RetailCrmCustomersPort } from '../../../connectors/retailcrm/retailcrm.port.js';
import { AppError, badInput, forbidden } from '../../../platform/errors.js';
import type { Identity } from '../../../platform/identity.js';
import { enqueue } from '../../../platform/outbox.js';
import { normalizePhone, phoneDigits } from '../../../platform/phone.js';
import { customerFromRow, type Customer } from '../customer.model.js';
import { createInCrmMessage } from './crm-create.message.js';
import { findCustomerByPhone, insertRegisteredCustomer, releasePhone, reservePhone } from '../customer.repository.js';
import type { CustomerDb } from '../customer.table.js';
import { enrollmentMessage } from '../../../contracts/enrollment.message.js';

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
}

/** How long a registration (or a showroom import) may hold its phone before a newer attempt may take it over. */
const RESERVATION_STALE_MS = 2 * 60_000;

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
 * Registers a customer (flow F1), decided in our database alone: RetailCRM allows about 10
 * requests a second and may be down, and neither may keep a sign-up waiting or refuse it. The
 * phone is the identity (R1): the read model's unique phone settles it, and the hold in
 * `customer.registrations` keeps out a showroom import that is creating the same phone in
 * RetailCRM. The row, the RetailCRM creation (`customer.create-in-crm`) and the enrolment are
 * committed together, so both follow exactly when the customer exists.
 */
export async function registerCustomer(deps: RegistrationDeps, identity: Identity, input: RegistrationInput): Promise<Customer> {
  if (identity.kind === 'customer') throw forbidden('A signed-in customer cannot register another customer');
  const data = parseRegistration(input);
  const db = deps.db as Kysely<CustomerDb>;

  if (await findCustomerByPhone(db, data.phone)) throw alreadyExists();
  const id = randomUUID();
  // Thrown inside the transaction, the refusal rolls the hold back with it.
  return db.transaction().execute(async (trx) => {
    if (!(await reservePhone(trx, data.phone, id, RESERVATION_STALE_MS))) throw alreadyExists();
    const row = await insertRegisteredCustomer(trx, {
      id,
      retailcrm_id: null,
      phone: data.phone,
      first_name: data.firstName,
      last_name: data.lastName ?? null,
      patronymic: data.patronymic ?? null,
      email: data.email ?? null,
      created_at: new Date(),
    });
    if (!row) throw alreadyExists();
    await releasePhone(trx, data.phone, id);
    await enqueue(trx, createInCrmMessage(id));
    await enqueue(trx, enrollmentMessage({ customerId: id, phone: data.phone, firstName: data.firstName, lastName: data.lastName ?? null, patronymic: data.patronymic ?? null, email: data.email ?? null }));
    return customerFromRow(row);
  });
}

/**
 * The RetailCRM customers with this phone (E.164) among theirs, oldest first. RetailCRM's name
 * filter also matches phones, loosely; the match is confirmed on normalised numbers.
 */
export async function crmCustomersWithPhone(crm: RetailCrmCustomersPort, phone: string): Promise<CrmCustomer[]> {
  const { customers } = await crm.listCustomers({ name: phoneDigits(phone) }, { limit: 20 });
  return customers.filter((c) => c.phones.some((p) => normalizePhone(p.number) === phone)).sort((a, b) => a.id - b.id);
}

/** The first RetailCRM customer with this phone, if any. Used by the showroom import. */
export async function findInCrmByPhone(crm: RetailCrmCustomersPort, phone: string): Promise<CrmCustomer | undefined> {
  return (await crmCustomersWithPhone(crm, phone))[0];
}
