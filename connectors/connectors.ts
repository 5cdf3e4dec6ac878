import type { Config } from '../platform/config.js';
import { createBonusPlusClient } from './bonusplus/bonusplus.client.js';
import { createOneCClient } from './onec/onec.client.js';
import { createRetailCrmClient } from './retailcrm/retailcrm.client.js';

/**
 * Each subgraph's part of an account's request limit: RetailCRM's key and BonusPlus's key are shared
 * by every process that uses them. Orders get the most: checkout cannot wait.
 */
export const UPSTREAM_SHARES = {
  // The customer subgraph reads BonusPlus only for the showroom import, a background job.
  customer: { retailCrm: 0.3, bonusPlus: 0.05 },
  loyalty: { retailCrm: 0.2, bonusPlus: 0.25 },
  order: { retailCrm: 0.5, bonusPlus: 0.7 },
} as const;

/**
 * A RetailCRM client from the config. The account's request limit is shared by every process that
 * uses the key; `share` is this client's part of it.
 */
export const retailCrmFromConfig = (config: Config, share = 0.5, baseUrl = config.RETAILCRM_URL) =>
  createRetailCrmClient({
    baseUrl,
    apiKey: config.RETAILCRM_API_KEY,
    site: config.RETAILCRM_SITE,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    requestsPerSecond: config.RETAILCRM_RPS * share,
    resilience: { breakerHalfOpenAfterMs: config.UPSTREAM_BREAKER_COOLDOWN_MS },
  });

/** A BonusPlus client from the config; `share` is this client's part of the account's request limit. */
export const bonusPlusFromConfig = (config: Config, share = 1, baseUrl = config.BONUSPLUS_URL) =>
  createBonusPlusClient({ baseUrl, apiKey: config.BONUSPLUS_API_KEY, requestsPerSecond: config.BONUSPLUS_RPS * share, timeoutMs: config.UPSTREAM_TIMEOUT_MS, breakerHalfOpenAfterMs: config.UPSTREAM_BREAKER_COOLDOWN_MS });

export const oneCFromConfig = (config: Config, baseUrl = config.ONEC_URL) =>
  createOneCClient({ baseUrl, login: config.ONEC_LOGIN, password: config.ONEC_PASSWORD, timeoutMs: config.UPSTREAM_TIMEOUT_MS, breakerHalfOpenAfterMs: config.UPSTREAM_BREAKER_COOLDOWN_MS });
