import { BonusPlusApiError } from '../../connectors/bonusplus/bonusplus.port.js';
import type { RunningServer } from '../../platform/http/http-server.js';
import { createOutboxRelay, parsePayload, PermanentFailure, type OutboxHandler, type OutboxRelay } from '../../platform/outbox.js';
import { createPeriodicTask, type PeriodicTask } from '../../platform/periodic-task.js';
import { startSubgraph } from '../../platform/subgraph-server.js';
import { CUSTOMER_IN_CRM_TOPIC } from '../../contracts/customer-in-crm.message.js';
import { PENDING_BONUSES_TOPIC } from '../../contracts/pending-bonuses.message.js';
import { ENROLL_TOPIC, enrollmentSchema } from '../../contracts/enrollment.message.js';
import { followBonusPlus, type BonusPlusFollowRun } from './crm-card/bonusplus-follow.service.js';
import { enrollCustomer } from './enrollment/enrollment.service.js';
import { EXPIRY_WARNING_TOPIC, type ExpiryWarning } from './crm-card/expiry-warning.message.js';
import { pushExpiryWarning, queueExpiryWarnings, type ExpiryWarningRun } from './crm-card/expiry-warning.service.js';
import type { LoyaltyDeps } from './loyalty.deps.js';
import { LOYALTY_FIELDS_TOPIC } from './crm-card/loyalty-fields.message.js';
import { onCustomerInCrm, pushLoyaltyFields } from './crm-card/loyalty-fields.service.js';
import { createBackgroundRefresh, refreshFromBonusPlus, type BackgroundRefresh } from './loyalty-read.service.js';
import { LOYALTY_REFRESH_TOPIC, loyaltyRefreshSchema } from '../../contracts/loyalty-refresh.message.js';
import { applyPendingBonuses } from './pending-bonuses.service.js';
import { buildLoyaltySubgraph } from './loyalty.subgraph.js';

export interface LoyaltyRuntimeOptions {
  readonly port: number;
  readonly host?: string;
  readonly identitySecret: string;
  readonly outboxPollMs: number;
  readonly outboxMaxAttempts: number;
  /** Messages each relay handles at once (OUTBOX_CONCURRENCY). */
  readonly outboxConcurrency?: number;
  /** How often the expiring-bonuses warning run looks for lots to warn about; daily by default. */
  readonly expiryCheckIntervalMs?: number;
  /** How often BonusPlus's own changes are looked for and pushed to the CRM cards; 5 minutes by default. */
  readonly followIntervalMs?: number;
  readonly background?: boolean;
}

export interface LoyaltyRuntime {
  readonly server: RunningServer;
  readonly relay: OutboxRelay;
  /** Reads accounts served past their TTL again from BonusPlus; tests wait on `idle()`. */
  readonly refresher: BackgroundRefresh;
  /** Queues a CRM warning per lot about to expire (F11); tests run it with `runNow()`. */
  readonly expiryWarnings: PeriodicTask<ExpiryWarningRun>;
  /** Pushes what changed in BonusPlus by itself (program rules, expiry) to the CRM cards (R4); tests run it with `runNow()`. */
  readonly bonusPlusFollow: PeriodicTask<BonusPlusFollowRun>;
  close(): Promise<void>;
}

// BonusPlus refusing a request (4xx other than its rate limit) will refuse it again: no retries.
const permanentOnRefusal =
  (handler: OutboxHandler): OutboxHandler =>
  async (payload, message) => {
    try {
      await handler(payload, message);
    } catch (error) {
      if (error instanceof BonusPlusApiError && error.status >= 400 && error.status < 500 && error.status !== 429) throw new PermanentFailure(error.message);
      throw error;
    }
  };

/** Outbox topics this subgraph handles. */
export const loyaltyOutboxHandlers = (deps: LoyaltyDeps): Record<string, OutboxHandler> => ({
  [ENROLL_TOPIC]: permanentOnRefusal((payload: unknown) => enrollCustomer(deps, parsePayload(enrollmentSchema, payload, ENROLL_TOPIC))),
  [LOYALTY_FIELDS_TOPIC]: (payload: { phone: string }, message) => pushLoyaltyFields(deps, payload, message),
  [CUSTOMER_IN_CRM_TOPIC]: (payload: unknown) => onCustomerInCrm(deps, payload),
  [LOYALTY_REFRESH_TOPIC]: (payload: unknown) => refreshFromBonusPlus(deps, [parsePayload(loyaltyRefreshSchema, payload, LOYALTY_REFRESH_TOPIC).phone]),
  [EXPIRY_WARNING_TOPIC]: (payload: ExpiryWarning) => pushExpiryWarning(deps, payload),
  [PENDING_BONUSES_TOPIC]: (payload: unknown, message) => applyPendingBonuses(deps, payload, message),
});

const DAY_MS = 86_400_000;
const FOLLOW_INTERVAL_MS = 5 * 60_000;

/** The loyalty subgraph as a running service: HTTP server, outbox relay, the expiry warning run and the BonusPlus follow run. */
export async function startLoyaltyRuntime(given: LoyaltyDeps, options: LoyaltyRuntimeOptions): Promise<LoyaltyRuntime> {
  const refresher = given.refresher ?? createBackgroundRefresh(given);
  const deps: LoyaltyDeps = { ...given, refresher };
  const relay = createOutboxRelay({
    db: deps.db,
    handlers: loyaltyOutboxHandlers(deps),
    logger: deps.logger,
    maxAttempts: options.outboxMaxAttempts,
    ...(options.outboxConcurrency ? { concurrency: options.outboxConcurrency } : {}),
    pollIntervalMs: options.outboxPollMs,
  });
  const expiryWarnings = createPeriodicTask('bonus expiry warnings', options.expiryCheckIntervalMs ?? DAY_MS, () => queueExpiryWarnings(deps), deps.logger);
  const bonusPlusFollow = createPeriodicTask('BonusPlus follow', options.followIntervalMs ?? FOLLOW_INTERVAL_MS, (signal) => followBonusPlus(deps, { signal }), deps.logger);
  const server = await startSubgraph(buildLoyaltySubgraph(deps), { port: options.port, identitySecret: options.identitySecret, logger: deps.logger, ...(options.host ? { host: options.host } : {}) });
  if (options.background !== false) {
    relay.task.start();
    expiryWarnings.start();
    bonusPlusFollow.start();
  }
  return {
    server,
    relay,
    refresher,
    expiryWarnings,
    bonusPlusFollow,
    async close() {
      await Promise.all([expiryWarnings.stop(), bonusPlusFollow.stop()]);
      await relay.task.stop();
      await server.close();
      await refresher.idle();
    },
  };
}
