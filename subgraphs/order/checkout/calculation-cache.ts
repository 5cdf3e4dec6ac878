import { LRUCache } from 'lru-cache';
import type { BonusPlusRetailPort, BpCalculation, BpSale } from '../../../connectors/bonusplus/bonusplus.port.js';

/**
 * BonusPlus's calculations (`retail/calc`) remembered for a short while, so that a storefront that
 * quotes the same cart on every page asks BonusPlus once, not on every page.
 *
 * A calculation depends on the cart, the bonuses asked for, the customer's balance and card, and the
 * program's rules. The key holds the first two and the customer's `version`: the latest change of
 * their orders in our database, which every placement, payment, cancel, return and expiry moves
 * (each moves bonuses), in whichever process it ran. A change this process makes through BonusPlus
 * itself (reserve, release, sale, return) forgets the customer's entries at once. What moves a
 * balance outside the graph (a purchase in a showroom, bonuses burning) or the program's rules is
 * seen when the entry lapses, after `ttlSeconds`. Placement still confirms the spend with
 * BonusPlus's reserve (R5, R18), so a lapsed figure can never spend bonuses a customer lacks.
 */
export interface CalculationCache {
  /** `ask`'s answer, remembered; an undefined answer (the customer not in the program) never is. */
  calculate(sale: BpSale, version: string, ask: () => Promise<BpCalculation | undefined>): Promise<BpCalculation | undefined>;
  /** A calculation for this key if one is remembered; never asks. */
  peek(sale: BpSale, version: string): BpCalculation | undefined;
  /** Forgets every calculation of the customer with this phone. */
  forget(phone: string): void;
  /**
   * `read`'s phone of a customer, remembered as long as a calculation, so that a quote of a
   * remembered cart asks no other subgraph. A phone changed in RetailCRM reaches quotes within
   * `ttlSeconds`; placement reads the customer afresh. No phone is never remembered.
   */
  phoneOf(customerId: string, read: () => Promise<string | null>): Promise<string | null>;
  readonly stats: { hits: number; misses: number };
}

export function createCalculationCache(ttlSeconds: number, maxEntries = 10_000): CalculationCache | undefined {
  if (ttlSeconds <= 0) return undefined;
  const entries = new LRUCache<string, BpCalculation>({ max: maxEntries, ttl: ttlSeconds * 1000 });
  // Forgetting a customer bumps their generation, which every key carries: O(1), whatever they hold.
  const generations = new Map<string, number>();
  const phones = new LRUCache<string, string>({ max: maxEntries, ttl: ttlSeconds * 1000 });
  const stats = { hits: 0, misses: 0 };
  const keyOf = (sale: BpSale, version: string) =>
    JSON.stringify([sale.phone, generations.get(sale.phone) ?? 0, version, sale.bonusDebit, sale.store ?? null, sale.items.map((i) => [i.ext, i.product, i.qnt, i.priceKopecks, i.sumKopecks])]);
  return {
    async calculate(sale, version, ask) {
      const key = keyOf(sale, version);
      const known = entries.get(key);
      if (known) {
        stats.hits++;
        return known;
      }
      stats.misses++;
      const generation = generations.get(sale.phone) ?? 0;
      const calculation = await ask();
      // A change of the customer's bonuses while BonusPlus was asked may not be in this answer.
      if (calculation && (generations.get(sale.phone) ?? 0) === generation) entries.set(key, calculation);
      return calculation;
    },
    peek: (sale, version) => entries.get(keyOf(sale, version)),
    forget(phone) {
      generations.set(phone, (generations.get(phone) ?? 0) + 1);
      // The map only grows by customers who moved bonuses; trimmed with the cache's own bound.
      if (generations.size > maxEntries) generations.delete(generations.keys().next().value!);
    },
    async phoneOf(customerId, read) {
      const known = phones.get(customerId);
      if (known) return known;
      const phone = await read();
      if (phone) phones.set(customerId, phone);
      return phone;
    },
    stats,
  };
}

/**
 * The BonusPlus port with every call that moves a customer's bonuses forgetting their calculations.
 * A plain object like the port itself, so that `{ ...port, reserve }` keeps every method.
 */
export function forgettingCalculations<T extends BonusPlusRetailPort>(port: T, cache: CalculationCache | undefined): T {
  if (!cache) return port;
  return Object.assign({ ...port }, {
    async reserve(phone: string, orderId: string, amount: number) {
      try {
        return await port.reserve(phone, orderId, amount);
      } finally {
        cache.forget(phone);
      }
    },
    async release(phone: string, orderId: string, amount: number) {
      try {
        return await port.release(phone, orderId, amount);
      } finally {
        cache.forget(phone);
      }
    },
    async registerSale(sale: Parameters<T['registerSale']>[0]) {
      try {
        return await port.registerSale(sale);
      } finally {
        cache.forget(sale.phone);
      }
    },
    async registerReturn(input: Parameters<T['registerReturn']>[0]) {
      try {
        return await port.registerReturn(input);
      } finally {
        if (input.phone) cache.forget(input.phone);
      }
    },
  });
}
