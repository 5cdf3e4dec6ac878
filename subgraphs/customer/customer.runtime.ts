import type { RunningServer } from '../../platform/http/http-server.js';
import { ONEC_PARTY_LINK_TOPIC, oneCPartyLinkSchema } from '../../contracts/onec-party-link.message.js';
import { createOutboxRelay, parsePayload, PermanentFailure, type OutboxRelay } from '../../platform/outbox.js';
import { createPeriodicTask, type PeriodicTask } from '../../platform/periodic-task.js';
import { startSubgraph } from '../../platform/subgraph-server.js';
import type { CustomerDeps } from './customer.context.js';
import { CREATE_IN_CRM_TOPIC } from './registration/crm-create.message.js';
import { createCustomerInCrm } from './registration/crm-create.service.js';
import { linkBonusPlus, linkOneC } from './customer.repository.js';
import { CUSTOMER_HISTORY_CURSOR, syncCustomers, type CustomerSyncResult } from './crm-sync/customer-sync.service.js';
import { takeScheduledTurn } from '../../platform/sync-cursor.js';
import { buildCustomerSubgraph } from './customer.subgraph.js';
import { bonusPlusLinkSchema, LINK_BONUSPLUS_TOPIC } from '../../contracts/identity-link.message.js';
import type { ShowroomImportRunRow } from './customer.table.js';
import { claimShowroomImport, continueShowroomImport, runShowroomImport, type ShowroomImportDeps } from './showroom-import/showroom-import.service.js';

export interface CustomerRuntimeOptions {
  readonly port: number;
  readonly host?: string;
  readonly identitySecret: string;
  readonly syncIntervalMs: number;
  readonly outboxPollMs: number;
  readonly outboxMaxAttempts: number;
  /** Messages each relay handles at once (OUTBOX_CONCURRENCY). */
  readonly outboxConcurrency?: number;
  /** How often the showroom import runs by itself (at start-up, then after each run); 0 or absent: only on demand. */
  readonly showroomImportIntervalMs?: number;
  /** Background work (sync, relay) starts unless false: tests drive it by hand. */
  readonly background?: boolean;
}

export interface CustomerRuntime {
  readonly server: RunningServer;
  readonly sync: PeriodicTask<CustomerSyncResult>;
  readonly relay: OutboxRelay;
  /** The showroom import, run to its end (or joined) by hand or on the schedule. */
  readonly showroomImport: PeriodicTask<ShowroomImportRunRow>;
  close(): Promise<void>;
}

/** Outbox topics this subgraph handles. */
export const customerOutboxHandlers = (deps: CustomerDeps) => ({
  [CREATE_IN_CRM_TOPIC]: (payload: unknown) => createCustomerInCrm(deps, payload),
  [LINK_BONUSPLUS_TOPIC]: (payload: unknown) => {
    const link = parsePayload(bonusPlusLinkSchema, payload, LINK_BONUSPLUS_TOPIC);
    return linkBonusPlus(deps.db, link.customerId, link.bonusPlusId);
  },
  [ONEC_PARTY_LINK_TOPIC]: async (payload: unknown) => {
    const parsed = oneCPartyLinkSchema.safeParse(payload);
    if (!parsed.success) throw new PermanentFailure(`malformed ${ONEC_PARTY_LINK_TOPIC}: ${parsed.error.message}`);
    const { customerId, partnerRef, counterpartyRef } = parsed.data;
    if (!(await linkOneC(deps.db, customerId, partnerRef, counterpartyRef))) deps.logger.warn({ customerId, partnerRef }, 'customer already linked to another 1C partner: kept');
  },
});

/**
 * The customer subgraph as a running service: HTTP server, history sync, outbox relay, and the
 * showroom import (on demand, and on a schedule when configured).
 */
export async function startCustomerRuntime(deps: CustomerDeps, options: CustomerRuntimeOptions): Promise<CustomerRuntime> {
  const sync = createPeriodicTask('customer history sync', options.syncIntervalMs, (signal) => syncCustomers(deps, signal), deps.logger, {
    turn: () => takeScheduledTurn(deps.db, CUSTOMER_HISTORY_CURSOR, options.syncIntervalMs),
  });
  // Closing stops an import between two customers; the next start continues it.
  const stopping = new AbortController();
  const importDeps: ShowroomImportDeps = { db: deps.db, crm: deps.crm, bonusPlus: deps.bonusPlus, logger: deps.logger, signal: stopping.signal };
  const showroomImport = createPeriodicTask('showroom import', options.showroomImportIntervalMs || 86_400_000, () => runShowroomImport(importDeps), deps.logger);
  const onDemand = new Set<Promise<unknown>>();
  const startShowroomImport = async () => {
    const claim = await claimShowroomImport(importDeps);
    if (claim.state !== 'live') {
      const run = continueShowroomImport(importDeps, claim.run)
        .catch((error: unknown) => deps.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'showroom import started on demand failed'))
        .finally(() => onDemand.delete(run));
      onDemand.add(run);
    }
    return claim.run;
  };
  const relay = createOutboxRelay({
    db: deps.db,
    handlers: customerOutboxHandlers(deps),
    logger: deps.logger,
    maxAttempts: options.outboxMaxAttempts,
    ...(options.outboxConcurrency ? { concurrency: options.outboxConcurrency } : {}),
    pollIntervalMs: options.outboxPollMs,
  });
  const server = await startSubgraph(buildCustomerSubgraph({ ...deps, startShowroomImport }), { port: options.port, identitySecret: options.identitySecret, logger: deps.logger, ...(options.host ? { host: options.host } : {}) });
  if (options.background !== false) {
    sync.start();
    relay.task.start();
    if (options.showroomImportIntervalMs) showroomImport.start();
  }
  return {
    server,
    sync,
    relay,
    showroomImport,
    async close() {
      stopping.abort();
      await Promise.all([sync.stop(), relay.task.stop(), showroomImport.stop(), ...onDemand]);
      await server.close();
    },
  };
}
