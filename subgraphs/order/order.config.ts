import type { Config } from '../../platform/config.js';
import { createSubgraphClient } from '../../platform/http/subgraph-client.js';
import { customerDirectory, inventoryService, type CustomerDirectory, type InventoryService } from './graph-services.js';
import type { OrderSettings } from './order.deps.js';
import type { OrderRuntimeOptions } from './order.runtime.js';

/** The order subgraph's settings and schedule from the config. */
export const orderSettings = (config: Config): OrderSettings => ({
  holdTtlSeconds: config.ORDER_HOLD_TTL_SECONDS,
  placementTimeoutMs: config.ORDER_PLACEMENT_TIMEOUT_MS,
  customerReturns: config.ORDER_CUSTOMER_RETURNS,
  calculationCacheSeconds: config.ORDER_BONUS_CALCULATION_CACHE_SECONDS,
  lateReserveReleaseSeconds: config.ORDER_LATE_RESERVE_RELEASE_SECONDS,
});

export const orderRuntimeOptions = (config: Config): OrderRuntimeOptions => ({
  port: config.ORDER_PORT,
  host: config.HOST,
  identitySecret: config.GATEWAY_IDENTITY_SECRET,
  syncIntervalMs: config.ORDER_SYNC_INTERVAL_MS,
  oneCPollIntervalMs: config.ORDER_ONEC_POLL_INTERVAL_MS,
  expiryIntervalMs: config.ORDER_EXPIRY_INTERVAL_MS,
  outboxPollMs: config.OUTBOX_POLL_INTERVAL_MS,
  outboxMaxAttempts: config.OUTBOX_MAX_ATTEMPTS,
  outboxConcurrency: config.OUTBOX_CONCURRENCY,
  idempotencyRetentionHours: config.IDEMPOTENCY_RETENTION_HOURS,
});

/** The customer and inventory subgraphs, as the order service reaches them. */
export function graphServices(config: Config, urls: { customer: string; inventory: string }): { customers: CustomerDirectory; inventory: InventoryService } {
  const client = (url: string) => createSubgraphClient({ url, identitySecret: config.GATEWAY_IDENTITY_SECRET, service: 'order', timeoutMs: config.UPSTREAM_TIMEOUT_MS });
  return { customers: customerDirectory(client(urls.customer)), inventory: inventoryService(client(urls.inventory)) };
}
