import type { Config } from '../platform/config.js';
import { createBonusPlusClient } from './bonusplus/bonusplus.client.js';
import { createOneCClient } from './onec/onec.client.js';
import { createRetailCrmClient } from './retailcrm/retailcrm.client.js';

/**
 * A RetailCRM client from the config. The account's request limit is shared by every process that
 * uses the key; `share` is this client's part of it (customer and loyalty take half each).
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

export const bonusPlusFromConfig = (config: Config, baseUrl = config.BONUSPLUS_URL) =>
  createBonusPlusClient({ baseUrl, apiKey: config.BONUSPLUS_API_KEY, timeoutMs: config.UPSTREAM_TIMEOUT_MS, breakerHalfOpenAfterMs: config.UPSTREAM_BREAKER_COOLDOWN_MS });

export const oneCFromConfig = (config: Config, baseUrl = config.ONEC_URL) =>
  createOneCClient({ baseUrl, login: config.ONEC_LOGIN, password: config.ONEC_PASSWORD, timeoutMs: config.UPSTREAM_TIMEOUT_MS, breakerHalfOpenAfterMs: config.UPSTREAM_BREAKER_COOLDOWN_MS });
