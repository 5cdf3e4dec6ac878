import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { Generated, Kysely } from 'kysely';
import { decodeCursor, encodeCursor } from './cursor.js';
import { AppError, badInput } from './errors.js';
import { isStaffOnlyRefusal, requireStaff, type Identity } from './identity.js';
import type { Logger } from './logger.js';
import { currentRequestId } from './request-context.js';

/**
 * The audit trail (`platform.audit_log`): one row for every root mutation field a staff member
 * runs, whatever its result, and one for every refused attempt at a staff-only one (refused by
 * `requireStaff`), whoever made it. A subgraph may name root Query fields that are staff actions
 * too (a reconciliation run). Rows are written before the answer is sent and never changed.
 */
export interface AuditSettings {
  readonly db: Kysely<any>;
  /** Root Query fields audited like mutations. */
  readonly queries?: readonly string[];
  /** Where a row that could not be written goes, whole, so it is not lost without a trace. */
  readonly logger?: Logger | undefined;
}

/** `platform.audit_log` (migration `0006_audit_log` in platform.migrations.ts). */
export interface AuditLogTable {
  id: Generated<number>;
  at: Generated<Date>;
  request_id: string;
  subgraph: string;
  operation: string;
  actor_kind: Identity['kind'];
  actor: string | null;
  roles: string[];
  /** The ids among the arguments, by their path (`input.orderId`): never any other argument. */
  argument_ids: Record<string, string>;
  /** `ok`, or the error code the caller got. */
  result: string;
}

interface AuditDb {
  'platform.audit_log': AuditLogTable;
}

export type AuditRow = Omit<AuditLogTable, 'id' | 'at'>;

// Ids name things and say nothing about a person; every other argument (a phone, a name, an amount,
// a reason) stays out of the trail. `idempotencyKey` ties a retry to its first attempt.
const ID_NAME = /^(?:id|ids|idempotencyKey|\w+Ids?)$/;

/**
 * At most 200 characters of an id as jsonb takes it: a NUL or a lone surrogate (a fuzzer's id, or
 * a pair cut by the limit) made Postgres refuse the whole row, and the action went unrecorded.
 */
function storable(text: string): string {
  return Array.from(text).slice(0, 200).join('').replace(/[\u0000\uD800-\uDFFF]/gu, '\uFFFD');
}

/** The ids among a field's arguments, by path (`input.orderId`, `input.lines[0].lineId`). */
export function argumentIds(args: unknown, path = ''): Record<string, string> {
  const ids: Record<string, string> = {};
  const visit = (value: unknown, at: string, name: string | undefined) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) return value.forEach((item, i) => visit(item, `${at}[${i}]`, name));
    if (typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) visit(inner, at ? `${at}.${key}` : key, key);
      return;
    }
    if (name && ID_NAME.test(name) && (typeof value === 'string' || typeof value === 'number')) ids[at] = storable(String(value));
  };
  visit(args, path, undefined);
  return ids;
}

const actorOf = (identity: Identity): Pick<AuditRow, 'actor_kind' | 'actor' | 'roles'> => {
  switch (identity.kind) {
    case 'staff':
      return { actor_kind: 'staff', actor: identity.staffId, roles: [...identity.roles] };
    case 'customer':
      return { actor_kind: 'customer', actor: identity.customerId, roles: [] };
    case 'service':
      return { actor_kind: 'service', actor: identity.service, roles: [] };
    default:
      return { actor_kind: 'anonymous', actor: null, roles: [] };
  }
};

/** Appends rows to the trail: the one write path of `platform.audit_log` (there is no other). */
export async function appendAudit(db: Kysely<AuditDb>, rows: readonly AuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('platform.audit_log')
    .values(rows.map((row) => ({ ...row, argument_ids: JSON.stringify(row.argument_ids) as never })))
    .execute();
}

const codeOf = (error: unknown): string => {
  const original = (error as { originalError?: unknown }).originalError ?? error;
  if (original instanceof AppError) return original.code;
  const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
};

interface Pending {
  readonly responseKey: string;
  readonly row: AuditRow;
}

/**
 * The one mechanism that writes the trail: an Apollo Server plugin of every subgraph server. It
 * watches root fields, decides from the caller and the error whether a field is audited, and
 * writes its rows before the answer goes out. A field whose own resolver succeeded but whose
 * answer carries an error under it (a reconciliation part that failed) is recorded with that code.
 */
export function auditPlugin<TContext extends { readonly identity: Identity }>(subgraph: string, settings: AuditSettings): ApolloServerPlugin<TContext> {
  const queries = new Set(settings.queries ?? []);
  return {
    async requestDidStart() {
      const pending: Pending[] = [];
      return {
        async executionDidStart({ operation }) {
          // No hook on every field of a read the trail never records (the storefront's traffic).
          if (!mayAudit(operation, queries)) return;
          return {
            willResolveField({ info, args, contextValue }) {
              if (info.path.prev !== undefined) return;
              const root = info.parentType.name;
              if (root !== 'Mutation' && !(root === 'Query' && queries.has(info.fieldName))) return;
              const identity = contextValue.identity;
              return (error) => {
                const refused = error ? isStaffOnlyRefusal((error as { originalError?: unknown }).originalError ?? error) : false;
                if (identity.kind !== 'staff' && !refused) return;
                pending.push({
                  responseKey: String(info.path.key),
                  row: {
                    request_id: currentRequestId() ?? 'none',
                    subgraph,
                    operation: info.fieldName,
                    ...actorOf(identity),
                    argument_ids: argumentIds(args),
                    result: error ? codeOf(error) : 'ok',
                  },
                });
              };
            },
          };
        },
        async willSendResponse({ response }) {
          if (pending.length === 0) return;
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const rows = pending.map(({ responseKey, row }) => {
            if (row.result !== 'ok') return row;
            const below = errors.find((e) => e.path?.[0] === responseKey);
            return below ? { ...row, result: codeOf(below) } : row;
          });
          try {
            await appendAudit(settings.db as Kysely<AuditDb>, rows);
          } catch (error) {
            settings.logger?.error({ audit: rows, error: (error as Error).message }, 'audit rows not written');
          }
        },
      };
    },
  };
}

/**
 * Whether an operation has a root field the trail may record: any mutation, or a query asking for
 * an audited field (or spreading a fragment at its root, which is not looked into).
 */
function mayAudit(operation: OperationDefinitionNode | undefined, queries: ReadonlySet<string>): boolean {
  if (!operation || operation.operation === 'mutation') return true;
  if (operation.operation !== 'query' || queries.size === 0) return false;
  return operation.selectionSet.selections.some((s) => s.kind !== Kind.FIELD || queries.has(s.name.value));
}

export interface AuditTrailArgs {
  readonly first: number;
  readonly after?: string | null | undefined;
  readonly actor?: string | null | undefined;
  readonly operation?: string | null | undefined;
}

const MAX_PAGE = 100;

/** One entry as the graph shows it. */
export interface AuditEntry {
  readonly id: string;
  readonly at: Date;
  readonly requestId: string;
  readonly subgraph: string;
  readonly operation: string;
  readonly actorKind: string;
  readonly actor: string | null;
  readonly roles: string[];
  readonly argumentIds: { name: string; value: string }[];
  readonly result: string;
}

/** The trail, newest first, a page at a time; admins only (everyone else FORBIDDEN). */
export async function auditTrail(db: Kysely<any>, identity: Identity, args: AuditTrailArgs) {
  requireStaff(identity, 'admin');
  if (args.first < 1 || args.first > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`);
  if ((args.actor?.length ?? 0) > 200 || (args.operation?.length ?? 0) > 100) throw badInput('Filter too long');
  let query = (db as Kysely<AuditDb>).selectFrom('platform.audit_log').selectAll();
  if (args.after) {
    const [id] = decodeCursor(args.after, 1) as [string];
    if (!/^\d{1,18}$/.test(id)) throw badInput('Malformed cursor');
    query = query.where('id', '<', Number(id));
  }
  if (args.actor) query = query.where('actor', '=', args.actor);
  if (args.operation) query = query.where('operation', '=', args.operation);
  const rows = await query.orderBy('id', 'desc').limit(args.first + 1).execute();
  const edges = rows.slice(0, args.first).map((row) => ({ cursor: encodeCursor(String(row.id)), node: entryFromRow(row) }));
  return { edges, pageInfo: { hasNextPage: rows.length > args.first, endCursor: edges.at(-1)?.cursor ?? null } };
}

function entryFromRow(row: { id: number; at: Date } & AuditRow): AuditEntry {
  const ids = typeof row.argument_ids === 'string' ? (JSON.parse(row.argument_ids) as Record<string, string>) : row.argument_ids;
  return {
    id: String(row.id),
    at: row.at,
    requestId: row.request_id,
    subgraph: row.subgraph,
    operation: row.operation,
    actorKind: row.actor_kind,
    actor: row.actor,
    roles: row.roles,
    argumentIds: Object.entries(ids).map(([name, value]) => ({ name, value })),
    result: row.result,
  };
}
