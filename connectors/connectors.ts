import type { Config } from '../platform/config.js';
import { sharedUpstreamBudget } from '../platform/http/upstream-budget.js';
import { createBonusPlusClient } from './bonusplus/bonusplus.client.js';
import { createOneCClient } from './onec/onec.client.js';
import { createRetailCrmClient } from './retailcrm/retailcrm.client.js';

// Every client of a key, in every process on DATABASE_URL, takes its requests from one budget of the
// key's whole rate (platform/http/upstream-budget.ts); interactive calls go first, whoever makes them.

/** A RetailCRM client from the config, on the key's budget of RETAILCRM_RPS for the whole deployment. */
export const retailCrmFromConfig = (config: Config, baseUrl = config.RETAILCRM_URL) =>
  createRetailCrmClient({
    baseUrl,
    apiKey: config.RETAILCRM_API_KEY,
    site: config.RETAILCRM_SITE,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    budget: sharedUpstreamBudget({ system: 'retailcrm', credential: config.RETAILCRM_API_KEY, requestsPerSecond: config.RETAILCRM_RPS, databaseUrl: config.DATABASE_URL }),
    resilience: { breakerHalfOpenAfterMs: config.UPSTREAM_BREAKER_COOLDOWN_MS },
  });

/** A BonusPlus client from the config, on the key's budget of BONUSPLUS_RPS for the whole deployment. */
export const bonusPlusFromConfig = (config: Config, baseUrl = config.BONUSPLUS_URL) =>
  createBonusPlusClient({
    baseUrl,
    apiKey: config.BONUSPLUS_API_KEY,
    budget: sharedUpstreamBudget({ system: 'bonusplus', credential: config.BONUSPLUS_API_KEY, requestsPerSecond: config.BONUSPLUS_RPS, databaseUrl: config.DATABASE_URL }),
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    breakerHalfOpenAfterMs: config.UPSTREAM_BREAKER_COOLDOWN_MS,
    returnStrategy: config.BONUSPLUS_RETURN_STRATEGY,
  });

/** A 1C client from the config; 1C publishes no request limit, so it has no budget. */
export const oneCFromConfig = (config: Config, baseUrl = config.ONEC_URL) =>
  createOneCClient({ baseUrl, login: config.ONEC_LOGIN, password: config.ONEC_PASSWORD, timeoutMs: config.UPSTREAM_TIMEOUT_MS, breakerHalfOpenAfterMs: config.UPSTREAM_BREAKER_COOLDOWN_MS });
