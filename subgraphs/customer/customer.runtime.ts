import type { RunningServer } from '../../platform/http/http-server.js';
import { createOutboxRelay, type OutboxRelay } from '../../platform/outbox.js';
import { createPeriodicTask, type PeriodicTask } from '../../platform/periodic-task.js';
import { startSubgraph } from '../../platform/subgraph-server.js';
import type { CustomerDeps } from './customer.context.js';
import { linkBonusPlus } from './customer.repository.js';
import { syncCustomers, type CustomerSyncResult } from './customer-sync.service.js';
import { buildCustomerSubgraph } from './customer.subgraph.js';
import { LINK_BONUSPLUS_TOPIC, type BonusPlusLink } from './identity-link.message.js';

export interface CustomerRuntimeOptions {
  readonly port: number;
  readonly host?: string;
  readonly identitySecret: string;
  readonly syncIntervalMs: number;
  readonly outboxPollMs: number;
  readonly outboxMaxAttempts: number;
  /** Background work (sync, relay) starts unless false: tests drive it by hand. */
  readonly background?: boolean;
}

export interface CustomerRuntime {
  readonly server: RunningServer;
  readonly sync: PeriodicTask<CustomerSyncResult>;
  readonly relay: OutboxRelay;
  close(): Promise<void>;
}

/** Outbox topics this subgraph handles. */
export const customerOutboxHandlers = (deps: CustomerDeps) => ({
  [LINK_BONUSPLUS_TOPIC]: (link: BonusPlusLink) => linkBonusPlus(deps.db, link.customerId, link.bonusPlusId),
});

/** The customer subgraph as a running service: HTTP server, history sync and outbox relay. */
export async function startCustomerRuntime(deps: CustomerDeps, options: CustomerRuntimeOptions): Promise<CustomerRuntime> {
  const sync = createPeriodicTask('customer history sync', options.syncIntervalMs, () => syncCustomers(deps), deps.logger);
  const relay = createOutboxRelay({
    db: deps.db,
    handlers: customerOutboxHandlers(deps),
    logger: deps.logger,
    maxAttempts: options.outboxMaxAttempts,
    pollIntervalMs: options.outboxPollMs,
  });
  const server = await startSubgraph(buildCustomerSubgraph(deps), { port: options.port, identitySecret: options.identitySecret, logger: deps.logger, ...(options.host ? { host: options.host } : {}) });
  if (options.background !== false) {
    sync.start();
    relay.task.start();
  }
  return {
    server,
    sync,
    relay,
    async close() {
      await Promise.all([sync.stop(), relay.task.stop()]);
      await server.close();
    },
  };
}
