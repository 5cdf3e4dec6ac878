import type { Kysely } from 'kysely';
import { auditTrail } from '../../platform/audit.js';
import { decodeCursor, encodeCursor } from '../../platform/cursor.js';
import { badInput, forbidden, notFound, unauthenticated } from '../../platform/errors.js';
import { canSee, requireSelfOrStaff, requireStaff } from '../../platform/identity.js';
import { normalizePhone } from '../../platform/phone.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import type { CustomerContext } from './customer.context.js';
import { customerFromRow, type Customer } from './customer.model.js';
import { findCustomerByPhone, rowFromCrm, searchCustomers, upsertCustomers } from './customer.repository.js';
import type { CustomerDb } from './customer.table.js';
import { registerCustomer } from './registration/registration.service.js';
import { listImportFailures, listImportRuns } from './showroom-import/showroom-import.repository.js';

const MAX_PAGE = 100;
const MAX_SEARCH = 100;
const MAX_ID = 100;
const MAX_RUNS = 100;

/**
 * A customer by id: the read model first; on a miss (a customer the history sync has not brought
 * yet) RetailCRM by externalId, written through to the read model.
 */
async function loadCustomer(ctx: CustomerContext, id: string): Promise<Customer | undefined> {
  if (id.length > MAX_ID) throw badInput('id is too long');
  const cached = await ctx.customerById.load(id);
  if (cached) return cached;
  const crm = await ctx.deps.crm.getCustomer(id, 'externalId');
  if (!crm) return undefined;
  const db = ctx.deps.db as Kysely<CustomerDb>;
  await upsertCustomers(db, [rowFromCrm(crm, id)]);
  ctx.customerById.clear(id);
  return ctx.customerById.load(id);
}

function afterCustomer(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = decodeCursor(cursor, 2) as [string, string];
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime())) throw badInput('Malformed cursor');
  return { createdAt, id };
}

export const customerResolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    me: async (_parent, _args, ctx) => {
      if (ctx.identity.kind === 'anonymous') throw unauthenticated();
      if (ctx.identity.kind !== 'customer') return null;
      return (await loadCustomer(ctx, ctx.identity.customerId)) ?? null;
    },
    customer: async (_parent, { id }, ctx) => {
      requireSelfOrStaff(ctx.identity, id);
      return (await loadCustomer(ctx, id)) ?? null;
    },
    customerByPhone: async (_parent, { phone }, ctx) => {
      requireStaff(ctx.identity);
      const normalized = normalizePhone(phone);
      if (!normalized) throw badInput('Not a valid phone number', { fields: { phone: 'is not a valid phone number' } });
      const row = await findCustomerByPhone(ctx.deps.db as Kysely<CustomerDb>, normalized);
      return row ? customerFromRow(row) : null;
    },
    customers: async (_parent, { search, first, after }, ctx) => {
      requireStaff(ctx.identity);
      if (first < 1 || first > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`);
      if (search && search.length > MAX_SEARCH) throw badInput(`search must be at most ${MAX_SEARCH} characters`);
      const page = await searchCustomers(ctx.deps.db as Kysely<CustomerDb>, { search: search ?? undefined, first, after: after ? afterCustomer(after) : undefined });
      const edges = page.rows.map((row) => ({ cursor: encodeCursor(row.created_at.toISOString(), row.id), node: customerFromRow(row) }));
      return { edges, totalCount: page.totalCount, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
    },
    showroomImportRuns: async (_parent, { last }, ctx) => {
      requireStaff(ctx.identity);
      if (last < 1 || last > MAX_RUNS) throw badInput(`last must be between 1 and ${MAX_RUNS}`);
      return listImportRuns(ctx.deps.db as Kysely<CustomerDb>, last);
    },
    auditTrail: (_parent, args, ctx) => auditTrail(ctx.deps.db, ctx.identity, args),
  },
  Mutation: {
    registerCustomer: async (_parent, { input }, ctx) => ({ customer: await registerCustomer(ctx.deps, ctx.identity, input) }),
    importShowroomCustomers: async (_parent, _args, ctx) => {
      requireStaff(ctx.identity, 'admin');
      return ctx.deps.startShowroomImport();
    },
  },
  ShowroomImportRun: {
    id: (run) => String(run.id),
    customersRead: (run) => run.customers_read,
    alreadyKnown: (run) => run.already_known,
    nextRow: (run) => run.next_row,
    startedAt: (run) => run.started_at,
    updatedAt: (run) => run.heartbeat_at,
    finishedAt: (run) => run.finished_at,
    failures: async (run, { first }, ctx) => {
      if (first < 1 || first > MAX_RUNS) throw badInput(`first must be between 1 and ${MAX_RUNS}`);
      return listImportFailures(ctx.deps.db as Kysely<CustomerDb>, run.id, first);
    },
  },
  ShowroomImportFailure: {
    bonusPlusId: (failure) => failure.bonusplus_id,
  },
  Customer: {
    __resolveReference: async (reference, ctx) => {
      if (!canSee(ctx.identity, reference.id)) throw ctx.identity.kind === 'anonymous' ? unauthenticated() : forbidden('A customer sees only their own data');
      const customer = await ctx.customerById.load(reference.id);
      if (!customer) throw notFound('No such customer');
      return customer;
    },
    externalIds: (customer, _args, ctx) => {
      // The order subgraph needs the CRM id to file an order under the customer.
      if (ctx.identity.kind !== 'service') requireStaff(ctx.identity);
      return customer.externalIds;
    },
  },
};
