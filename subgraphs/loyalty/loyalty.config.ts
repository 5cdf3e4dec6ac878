import type { Config } from '../../platform/config.js';
import type { LoyaltyDeps } from './loyalty.deps.js';

/** The loyalty subgraph's settings from the config. */
export const loyaltySettings = (config: Config): LoyaltyDeps['settings'] => ({
  welcomeBonus: config.LOYALTY_WELCOME_BONUS,
  defaultCardType: config.LOYALTY_DEFAULT_CARD_TYPE,
  readModelTtlMs: config.LOYALTY_READ_MODEL_TTL_MS,
  readModelServeStaleMs: config.LOYALTY_READ_MODEL_SERVE_STALE_MS,
  expiryWarningDays: config.LOYALTY_EXPIRY_WARNING_DAYS,
});
