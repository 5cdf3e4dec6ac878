import { RetailCrmApiError } from '../../connectors/retailcrm/retailcrm.port.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createIdempotencyPurge, MIN_IDEMPOTENCY_RETENTION_HOURS } from '../../platform/idempotency.js';
import { createOutboxRelay, PermanentFailure, type OutboxHandler, type OutboxRelay } from '../../platform/outbox.js';
import { createPeriodicTask, type PeriodicTask } from '../../platform/periodic-task.js';
import { startSubgraph } from '../../platform/subgraph-server.js';
import { crmReferences, type CrmReferences } from './crm-sync/crm-references.js';
import { cancelOrderInOneC, pollOneCStates, sendOrderToOneC } from './onec/onec-exchange.service.js';
import type { OrderDeps } from './order.deps.js';
import { createOrderInCrm } from './placement/place-order.service.js';
import { ORDER_TOPICS, type CreateInCrm, type CrmStatusChange, type OrderRef } from './order.messages.js';
import { buildOrderSubgraph } from './order.subgraph.js';
import { expireOrders, recoverPlacements } from './placement/order-expiry.service.js';
import { releaseLateReserve, releaseOrderHolds } from './placement/order-holds.service.js';
import { ORDER_HISTORY_CURSOR, syncOrders, type OrderSyncResult } from './crm-sync/order-sync.service.js';
import { takeScheduledTurn } from '../../platform/sync-cursor.js';
import { registerSale } from './payment/payment.service.js';
import { completeReturn } from './returns/return.service.js';
import { createCalculationCache, forgettingCalculations } from './checkout/calculation-cache.js';

export interface OrderRuntimeOptions {
  readonly port: number;
  readonly host?: string;
  readonly identitySecret: string;
  readonly syncIntervalMs: number;
  readonly oneCPollIntervalMs: number;
  readonly expiryIntervalMs: number;
  readonly outboxPollMs: number;
  readonly outboxMaxAttempts: number;
  /** Messages each relay handles at once (OUTBOX_CONCURRENCY). */
  readonly outboxConcurrency?: number;
  /** How long this subgraph's idempotency keys (the only ones in the graph) replay their answer; 24 h when absent. */
  readonly idempotencyRetentionHours?: number;
  /** Background work (syncs, expiry, relay) starts unless false: tests drive it by hand. */
  readonly background?: boolean;
}

export interface OrderRuntime {
  readonly server: RunningServer;
  /** What the services run with (for tools and tests that drive a flow step by step). */
  readonly deps: OrderDeps;
  readonly references: CrmReferences;
  /** RetailCRM's order history into the read model. */
  readonly sync: PeriodicTask<OrderSyncResult>;
  /** 1C's order states (shipped, delivered). */
  readonly oneCPoll: PeriodicTask<unknown>;
  /** Lapsed holds and abandoned placements. */
  readonly expiry: PeriodicTask<unknown>;
  readonly relay: OutboxRelay;
  close(): Promise<void>;
}

/** Sets the order's status in RetailCRM; an order RetailCRM never got is nothing to do when `ifExists`. */
async function setCrmStatus(deps: OrderDeps, change: CrmStatusChange): Promise<void> {
  try {
    await deps.crm.editOrder(change.orderId, 'externalId', { status: change.status });
  } catch (error) {
    if (error instanceof RetailCrmApiError && error.status === 404 && change.ifExists) return;
    if (error instanceof RetailCrmApiError && error.status >= 400 && error.status < 500 && error.status !== 429) throw new PermanentFailure(error.message);
    throw error;
  }
}

/** Outbox topics this subgraph handles. */
export const orderOutboxHandlers = (deps: OrderDeps): Record<string, OutboxHandler> => ({
  [ORDER_TOPICS.createInCrm]: async (m: CreateInCrm) => void (await createOrderInCrm(deps, m.orderId, m.customer)),
  [ORDER_TOPICS.releaseHolds]: (m: OrderRef) => releaseOrderHolds(deps, m.orderId),
  [ORDER_TOPICS.releaseLateReserve]: (m: OrderRef) => releaseLateReserve(deps, m.orderId),
  [ORDER_TOPICS.registerSale]: (m: OrderRef) => registerSale(deps, m.orderId),
  [ORDER_TOPICS.sendToOneC]: (m: OrderRef) => sendOrderToOneC(deps, m.orderId),
  [ORDER_TOPICS.cancelInOneC]: (m: OrderRef) => cancelOrderInOneC(deps, m.orderId),
  [ORDER_TOPICS.crmStatus]: (m: CrmStatusChange) => setCrmStatus(deps, m),
  [ORDER_TOPICS.completeReturn]: (m: { returnId: string }) => completeReturn(deps, m.returnId),
});

/** The order subgraph as a running service: HTTP server, RetailCRM and 1C syncs, expiry and outbox relay. */
export async function startOrderRuntime(given: OrderDeps, options: OrderRuntimeOptions): Promise<OrderRuntime> {
  const calculations = given.calculations ?? createCalculationCache(given.settings.calculationCacheSeconds ?? 0);
  const deps: OrderDeps = { ...given, bonusPlus: forgettingCalculations(given.bonusPlus, calculations), ...(calculations ? { calculations } : {}) };
  const references = crmReferences(deps.crm);
  const sync = createPeriodicTask('order history sync', options.syncIntervalMs, (signal) => syncOrders(deps, references, signal), deps.logger, {
    turn: () => takeScheduledTurn(deps.db, ORDER_HISTORY_CURSOR, options.syncIntervalMs),
  });
  const oneCPoll = createPeriodicTask('1C order states', options.oneCPollIntervalMs, (signal) => pollOneCStates(deps, { signal }), deps.logger);
  const expiry = createPeriodicTask(
    'order expiry',
    options.expiryIntervalMs,
    async () => ({ expired: await expireOrders(deps, references), ...(await recoverPlacements(deps)) }),
    deps.logger,
  );
  const relay = createOutboxRelay({
    db: deps.db,
    handlers: orderOutboxHandlers(deps),
    logger: deps.logger,
    maxAttempts: options.outboxMaxAttempts,
    ...(options.outboxConcurrency ? { concurrency: options.outboxConcurrency } : {}),
    pollIntervalMs: options.outboxPollMs,
  });
  // This subgraph owns every idempotent mutation, so its process is the one that forgets old keys.
  const purge = createIdempotencyPurge(deps.db, { retentionHours: options.idempotencyRetentionHours ?? MIN_IDEMPOTENCY_RETENTION_HOURS, logger: deps.logger });
  const server = await startSubgraph(buildOrderSubgraph(deps, references), { port: options.port, identitySecret: options.identitySecret, logger: deps.logger, ...(options.host ? { host: options.host } : {}) });
  const tasks = [sync, oneCPoll, expiry, relay.task, purge];
  if (options.background !== false) for (const task of tasks) task.start();
  return {
    server,
    deps,
    references,
    sync,
    oneCPoll,
    expiry,
    relay,
    async close() {
      await Promise.all(tasks.map((t) => t.stop()));
      await server.close();
    },
  };
}
