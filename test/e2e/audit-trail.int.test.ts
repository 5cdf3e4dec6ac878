import { randomUUID } from 'node:crypto';
import { print, type DocumentNode } from 'graphql';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditTrailDocument,
  CancelOrderDocument,
  ImportShowroomCustomersDocument,
  OrderLinesDocument,
  PlaceOrderDocument,
  ReconciliationDocument,
  RecordPaymentDocument,
  RetryOneCPostingDocument,
  ReturnOrderLinesDocument,
  SyncCatalogDocument,
} from '../../clients/__generated__/graphql.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { availableOffers, registerEnrolled, type Shopper } from '../support/order-fixtures.js';

let t: TestGraph;
let cashier: string;
let manager: string;
let admin: string;
let phoneSeq = 0;

beforeAll(async () => {
  t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '2000' });
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  [cashier, manager, admin] = await Promise.all([t.staffToken('cashier'), t.staffToken('manager'), t.staffToken('admin')]);
});
afterAll(async () => t?.close());

/** Sends an operation through the gateway and keeps the request id it answered. */
async function send(query: DocumentNode, variables: Record<string, unknown>, token?: string) {
  const res = await fetch(t.graph.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: print(query), variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
  return { status: res.status, requestId: res.headers.get('x-request-id'), ...body };
}

interface Entry {
  id: string;
  at: string;
  requestId: string;
  subgraph: string;
  operation: string;
  actorKind: string;
  actor: string | null;
  roles: string[];
  argumentIds: { name: string; value: string }[];
  result: string;
}

/** The trail as an admin reads it, narrowed to one request. */
async function entriesOf(requestId: string | null, filter: { actor?: string; operation?: string } = {}): Promise<Entry[]> {
  const read = await send(AuditTrailDocument, { first: 50, ...filter }, admin);
  expect(read.errors).toBeUndefined();
  return (read.data.auditTrail.edges as { node: Entry }[]).map((e) => e.node).filter((e) => e.requestId === requestId);
}

const shopper = () => registerEnrolled(t, `+7916777${String(++phoneSeq).padStart(4, '0')}`);

async function placed(who: Shopper): Promise<{ id: string; total: number }> {
  const offers = await availableOffers(t, 1, 2);
  const result = await send(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), cart: [{ offerId: offers[0]!.id, quantity: 2 }] } }, who.token);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.placeOrder.order;
}

describe('the audit trail: every staff mutation, with who, role, ids, result and request id', () => {
  it('a cashier’s payment and return, a manager’s cancellation, an admin’s import: one row each, under the request id the gateway answered', async () => {
    const who = await shopper();
    const order = await placed(who);
    const payKey = randomUUID();
    const paid = await send(RecordPaymentDocument, { input: { orderId: order.id, idempotencyKey: payKey, amount: order.total } }, cashier);
    expect(paid.errors).toBeUndefined();
    expect(paid.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await entriesOf(paid.requestId)).toEqual([
      {
        id: expect.any(String),
        at: expect.any(String),
        requestId: paid.requestId,
        subgraph: 'order',
        operation: 'recordPayment',
        actorKind: 'staff',
        actor: 'staff-cashier',
        roles: ['cashier'],
        // Ids only: the amount and the payment type are not kept.
        argumentIds: [
          { name: 'input.orderId', value: order.id },
          { name: 'input.idempotencyKey', value: payKey },
        ],
        result: 'ok',
      },
    ]);

    await t.settle();
    const line = (await send(OrderLinesDocument, { id: order.id }, cashier)).data.order.lines[0] as { id: string };
    const returned = await send(ReturnOrderLinesDocument, { input: { orderId: order.id, idempotencyKey: randomUUID(), lines: [{ lineId: line.id, quantity: 1 }] } }, cashier);
    expect(returned.errors).toBeUndefined();
    const [returnRow] = await entriesOf(returned.requestId);
    expect(returnRow).toMatchObject({ operation: 'returnOrderLines', actor: 'staff-cashier', roles: ['cashier'], result: 'ok' });
    expect(returnRow!.argumentIds).toContainEqual({ name: 'input.lines[0].lineId', value: line.id });
    expect(returnRow!.argumentIds.map((a) => a.name)).not.toContain('input.lines[0].quantity');

    const other = await placed(who);
    const cancelled = await send(CancelOrderDocument, { input: { orderId: other.id, idempotencyKey: randomUUID() } }, manager);
    expect(cancelled.errors).toBeUndefined();
    expect(await entriesOf(cancelled.requestId)).toMatchObject([{ operation: 'cancelOrder', actor: 'staff-manager', roles: ['manager'], result: 'ok', argumentIds: expect.arrayContaining([{ name: 'input.orderId', value: other.id }]) }]);
    // Paying the cancelled order is refused: the row says with what.
    const refused = await send(RecordPaymentDocument, { input: { orderId: other.id, idempotencyKey: randomUUID() } }, cashier);
    const code = refused.errors?.[0]?.extensions?.code;
    expect(code).toBeDefined();
    expect(await entriesOf(refused.requestId)).toMatchObject([{ operation: 'recordPayment', actor: 'staff-cashier', result: code }]);

    const imported = await send(ImportShowroomCustomersDocument, {}, admin);
    expect(imported.errors).toBeUndefined();
    expect(await entriesOf(imported.requestId)).toMatchObject([{ subgraph: 'customer', operation: 'importShowroomCustomers', actor: 'staff-admin', roles: ['admin'], argumentIds: [], result: 'ok' }]);
    const synced = await send(SyncCatalogDocument, {}, admin);
    expect(synced.errors).toBeUndefined();
    expect(await entriesOf(synced.requestId)).toMatchObject([{ subgraph: 'inventory', operation: 'syncCatalog', actor: 'staff-admin', result: 'ok' }]);
  });

  it('refused attempts at staff-only mutations are rows too: a customer paying, a cashier importing, an anonymous caller retrying a 1C posting', async () => {
    const who = await shopper();
    const order = await placed(who);
    const byCustomer = await send(RecordPaymentDocument, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, who.token);
    expect(byCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await entriesOf(byCustomer.requestId)).toMatchObject([
      { subgraph: 'order', operation: 'recordPayment', actorKind: 'customer', actor: who.id, roles: [], argumentIds: expect.arrayContaining([{ name: 'input.orderId', value: order.id }]), result: 'FORBIDDEN' },
    ]);

    const byCashier = await send(ImportShowroomCustomersDocument, {}, cashier);
    expect(byCashier.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await entriesOf(byCashier.requestId)).toMatchObject([{ operation: 'importShowroomCustomers', actorKind: 'staff', actor: 'staff-cashier', roles: ['cashier'], result: 'FORBIDDEN' }]);

    const anonymous = await send(RetryOneCPostingDocument, { input: { orderId: order.id } });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await entriesOf(anonymous.requestId)).toMatchObject([{ operation: 'retryOneCPosting', actorKind: 'anonymous', actor: null, result: 'UNAUTHENTICATED' }]);

    // A customer's own cancellation is no staff action: no row.
    const own = await send(CancelOrderDocument, { input: { orderId: order.id, idempotencyKey: randomUUID() } }, who.token);
    expect(own.errors).toBeUndefined();
    expect(await entriesOf(own.requestId)).toEqual([]);
  });

  it('an admin’s reconciliation run is recorded', async () => {
    const run = await send(ReconciliationDocument, {}, admin);
    expect(run.errors).toBeUndefined();
    expect(await entriesOf(run.requestId)).toMatchObject([{ subgraph: 'order', operation: 'reconciliation', actor: 'staff-admin', result: 'ok' }]);
  });

  it('only admins read it; newest first, a page at a time, narrowed by actor and operation', async () => {
    for (const token of [cashier, manager, (await shopper()).token]) {
      const refused = await send(AuditTrailDocument, {}, token);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(refused.data).toBeNull();
    }
    expect((await send(AuditTrailDocument, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const first = await send(AuditTrailDocument, { first: 1, actor: 'staff-cashier' }, admin);
    const page = first.data.auditTrail as { edges: { node: Entry }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    expect(page.edges).toHaveLength(1);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(page.edges.every((e) => e.node.actor === 'staff-cashier')).toBe(true);
    const next = await send(AuditTrailDocument, { first: 50, actor: 'staff-cashier', after: page.pageInfo.endCursor }, admin);
    const older = (next.data.auditTrail.edges as { node: Entry }[]).map((e) => Number(e.node.id));
    expect(older.length).toBeGreaterThan(0);
    const ids = [...page.edges.map((e) => Number(e.node.id)), ...older];
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);

    const payments = await send(AuditTrailDocument, { first: 50, operation: 'recordPayment' }, admin);
    expect((payments.data.auditTrail.edges as { node: Entry }[]).map((e) => e.node.operation)).toEqual(expect.arrayContaining(['recordPayment']));
    expect(new Set((payments.data.auditTrail.edges as { node: Entry }[]).map((e) => e.node.operation))).toEqual(new Set(['recordPayment']));

    expect((await send(AuditTrailDocument, { first: 0 }, admin)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await send(AuditTrailDocument, { after: 'not-a-cursor' }, admin)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('the table is append-only: UPDATE, DELETE and TRUNCATE are refused by the database and change nothing', async () => {
    const db = t.database.db;
    const before = await sql<{ n: number }>`select count(*)::int as n from platform.audit_log`.execute(db);
    expect(before.rows[0]!.n).toBeGreaterThan(0);
    await expect(sql`update platform.audit_log set result = 'ok'`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from platform.audit_log`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate platform.audit_log`.execute(db)).rejects.toThrow(/append-only/);
    const after = await sql<{ n: number }>`select count(*)::int as n from platform.audit_log`.execute(db);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });
});
