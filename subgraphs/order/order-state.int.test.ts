import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmOrder } from '../../connectors/retailcrm/retailcrm-orders.port.js';
import { ORDER_STATUSES, PAYMENT_COMPLETE, STATUS_GROUP } from '../../emulators/retailcrm/retailcrm-order.model.js';
import { migrateAll } from '../../platform/db/migrate.js';
import { platformSchema } from '../../platform/platform.migrations.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import type { CrmReferences } from './crm-sync/crm-references.js';
import { orderSchema } from './order.migrations.js';
import { canMove, FULFILMENT, isTerminal, ORDER_TRANSITIONS } from './order.model.js';
import { updateOrder } from './order.repository.js';
import type { OrderDb, OrderState } from './order.table.js';
import { applyCrmOrder } from './crm-sync/order-sync.service.js';

// RetailCRM's own references, as the emulator serves them.
const references: CrmReferences = {
  statusGroup: async (code) => STATUS_GROUP.get(code),
  paymentComplete: async (code) => PAYMENT_COMPLETE.get(code) ?? false,
};

/** One status of each group RetailCRM has. */
const STATUS_OF_GROUP = new Map<string, string>();
for (const s of ORDER_STATUSES) if (!STATUS_OF_GROUP.has(s.group)) STATUS_OF_GROUP.set(s.group, s.code);

const ALL_STATES = Object.keys(ORDER_TRANSITIONS) as OrderState[];
/** States RetailCRM's history reaches (placement's own PENDING and FAILED are left to placement). */
const FED_STATES = ALL_STATES.filter((s) => s !== 'PENDING' && s !== 'FAILED');

let testDb: TestDatabase;
let db: Kysely<OrderDb>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db as Kysely<OrderDb>;
  await migrateAll(testDb.db, [platformSchema, orderSchema]);
});
afterAll(async () => testDb?.close());

/** An order placed through the graph, already in `state`, paid in full when its state says it was sold. */
async function orderIn(state: OrderState, origin: 'graph' | 'crm' = 'graph'): Promise<{ id: string; crmId: number; paid: boolean }> {
  const id = randomUUID();
  const crmId = Math.floor(Math.random() * 1e9);
  const paid = ['PARTIALLY_RETURNED', 'RETURNED'].includes(state);
  await db
    .insertInto('ordering.orders')
    .values({ id, origin, customer_id: 'c-1', phone: '+79160000000', crm_id: crmId, number: `${crmId}A`, idempotency_key: null, request_hash: null, state, crm_status: null, crm_status_group: null, total: 100_000, paid_total: paid ? 100_000 : 0, fully_paid_at: paid ? new Date() : null, sale_registered_at: paid ? new Date() : null, stock_hold_id: null, stock_hold_lines: null, hold_expires_at: null, delivery_address: null, comment: null, failure: null, crm_created_at: new Date(), payment_claim: null, payment_claim_until: null })
    .execute();
  return { id, crmId, paid };
}

function crmOrder(order: { id: string; crmId: number; paid: boolean }, status: string): CrmOrder {
  return {
    id: order.crmId,
    number: `${order.crmId}A`,
    externalId: order.id,
    status,
    createdAt: new Date().toISOString(),
    customer: { id: 1, externalId: 'c-1' },
    items: [],
    payments: order.paid ? [{ id: order.crmId, type: 'cash', status: 'paid', amountKopecks: 100_000 } as CrmOrder['payments'][number]] : [],
    summKopecks: 100_000,
    totalSummKopecks: 100_000,
    bonusesChargeTotal: 0,
    bonusesCreditTotal: 0,
    customFields: {},
  };
}

const stateOf = async (id: string) => (await db.selectFrom('ordering.orders').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;

describe('the order state machine', () => {
  it('every RetailCRM status group fed to an order in every state moves it only along the table: never back, never out of an end', async () => {
    const seen: string[] = [];
    for (const origin of ['graph', 'crm'] as const) {
      for (const from of FED_STATES) {
        for (const [group, status] of STATUS_OF_GROUP) {
          const order = await orderIn(from, origin);
          await db.transaction().execute((trx) => applyCrmOrder(trx, references, crmOrder(order, status)));
          const to = await stateOf(order.id);
          seen.push(`${origin} ${from} + ${group} → ${to}`);
          if (to !== from) expect(canMove(from, to), `${origin}: ${from} + ${group} → ${to}`).toBe(true);
          if (isTerminal(from)) expect(to, `${origin}: ${from} is an end`).toBe(from);
          if (FULFILMENT.includes(from) && FULFILMENT.includes(to)) expect(FULFILMENT.indexOf(to)).toBeGreaterThanOrEqual(FULFILMENT.indexOf(from));
          // A return is the graph's decision, never RetailCRM's status.
          if (from !== 'PARTIALLY_RETURNED' && from !== 'RETURNED') expect(['PARTIALLY_RETURNED', 'RETURNED']).not.toContain(to);
        }
      }
    }
    // The moves that must happen still do.
    expect(seen).toContain('graph PLACED + approval → APPROVED');
    expect(seen).toContain('graph APPROVED + delivery → SHIPPED');
    expect(seen).toContain('graph SHIPPED + complete → DELIVERED');
    expect(seen).toContain('graph PLACED + cancel → CANCELLED');
    expect(seen).toContain('crm PLACED + complete → DELIVERED');
    // The defect: a fully returned order's next history event moved it back by the CRM's group.
    expect(seen).toContain('graph RETURNED + approval → RETURNED');
    expect(seen).toContain('graph PARTIALLY_RETURNED + complete → PARTIALLY_RETURNED');
    expect(seen).toContain('graph DELIVERED + new → DELIVERED');
    expect(seen).toContain('crm CANCELLED + new → CANCELLED');
    console.log(`order state machine: ${seen.length} state × group cases fed`);
  });

  it('updateOrder refuses every move the table does not allow, whatever the caller asks', async () => {
    let refused = 0;
    for (const from of ALL_STATES) {
      for (const to of ALL_STATES) {
        if (to === from) continue;
        const order = await orderIn(from);
        const moved = await updateOrder(db, order.id, { state: to });
        if (canMove(from, to)) expect(moved?.state, `${from} → ${to}`).toBe(to);
        else {
          expect(moved, `${from} → ${to}`).toBeUndefined();
          expect(await stateOf(order.id)).toBe(from);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(50);
  });
});
