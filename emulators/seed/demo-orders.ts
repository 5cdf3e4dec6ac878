import { DEMO_PRODUCTS, demoProduct } from './demo-catalog.js';
import { demoPerson, seededRandom } from './demo-people.js';

/**
 * The web shop's order history of the demo online customers, generated the same way every time
 * from the customer's index alone (a seeded PRNG per customer), so the RetailCRM emulator's seed,
 * tests and tools compute the same orders. Times are seconds before the demo's "now", so the
 * history moves with the day the demo is started, as the customers' creation dates do.
 */

const DAY_S = 86_400;

/** Seconds before "now" when demo person `index` became a customer (a time of day per person, so customers of one day differ). */
export const demoJoinedSecondsAgo = (index: number): number => demoPerson(index).daysAgo * DAY_S + ((index * 7919) % DAY_S);

export interface DemoOrderLine {
  /** The 1C characteristic GUID: the offer's `xmlId` and `externalId` in RetailCRM. */
  readonly offerRef: string;
  readonly productName: string;
  readonly quantity: number;
  /** Kopecks per unit: the offer's current retail price. */
  readonly priceKopecks: number;
  /** Kopecks off per unit (a manager's manual discount); 0 for most lines. */
  readonly discountKopecks: number;
  /** Bonuses paid for the whole line, kopecks. */
  readonly bonusesChargeKopecks: number;
  /** Bonuses the line earns, kopecks. */
  readonly bonusesCreditKopecks: number;
}

export type DemoOrderStatus = 'complete' | 'cancel-other' | 'no-product' | 'already-buyed' | 'delyvery-did-not-suit' | 'new' | 'assembling' | 'delivering';

export interface DemoOrder {
  readonly customerIndex: number;
  /** 1… within the customer, in creation order. */
  readonly n: number;
  /** `site-<customer index>-<n>`. */
  readonly externalId: string;
  readonly status: DemoOrderStatus;
  readonly createdSecondsAgo: number;
  /** When the order reached its status (≤ createdSecondsAgo). */
  readonly statusSecondsAgo: number;
  /** Paid in full by card when the order reached its status (every complete order, some in progress); never for the cancel group. */
  readonly paid: boolean;
  readonly deliveryKopecks: number;
  readonly lines: readonly DemoOrderLine[];
}

const CANCELLED: readonly DemoOrderStatus[] = ['cancel-other', 'cancel-other', 'no-product', 'already-buyed', 'delyvery-did-not-suit'];
const IN_PROGRESS: readonly DemoOrderStatus[] = ['new', 'assembling', 'delivering'];
/** Orders younger than this may still be in progress. */
const OPEN_FOR_S = 10 * DAY_S;

const int = (random: () => number, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function lineOf(random: () => number): DemoOrderLine {
  const product = demoProduct(int(random, 0, DEMO_PRODUCTS - 1));
  const offer = pick(random, product.offers);
  const quantity = random() < 0.85 ? 1 : 2;
  // A manual discount of 5 or 10 %, in whole roubles.
  const discountKopecks = random() < 0.12 ? Math.round((offer.priceKopecks * pick(random, [0.05, 0.1])) / 100) * 100 : 0;
  return { offerRef: offer.ref, productName: product.name, quantity, priceKopecks: offer.priceKopecks, discountKopecks, bonusesChargeKopecks: 0, bonusesCreditKopecks: 0 };
}

/** A few orders pay part of one line with bonuses (up to 20 %, whole roubles), a few complete ones earn bonuses (5 %). */
function withBonuses(random: () => number, lines: DemoOrderLine[], status: DemoOrderStatus): DemoOrderLine[] {
  const charge = random() < 0.12;
  const credit = status === 'complete' && random() < 0.2;
  return lines.map((line, i) => {
    const total = (line.priceKopecks - line.discountKopecks) * line.quantity;
    return {
      ...line,
      bonusesChargeKopecks: charge && i === 0 ? Math.floor((total * 0.2 * random()) / 100) * 100 : 0,
      bonusesCreditKopecks: credit ? Math.floor((total * 0.05) / 100) * 100 : 0,
    };
  });
}

/**
 * The orders of demo customer `customerIndex`, oldest first: none for about one in five, else 1 to
 * 8 (fewer more often), created over the customer's lifetime; mostly complete and paid, about one
 * in five in the cancel group and unpaid, and the recent ones (under ten days) often still new,
 * assembling or delivering, paid or not.
 */
export function demoOrdersOf(customerIndex: number): DemoOrder[] {
  const random = seededRandom(0x0d3e + customerIndex * 104_729);
  const count = random() < 0.2 ? 0 : 1 + Math.floor(random() * random() * 8);
  const lifetime = demoJoinedSecondsAgo(customerIndex);
  // Strictly after joining and before now (a minute's margin either side).
  const ages = Array.from({ length: count }, () => 60 + Math.floor(random() * Math.max(1, lifetime - 120))).sort((a, b) => b - a);
  return ages.map((createdSecondsAgo, i) => {
    const open = createdSecondsAgo < OPEN_FOR_S && random() < 0.6;
    const roll = random();
    const status: DemoOrderStatus = open ? pick(random, IN_PROGRESS) : roll < 0.78 ? 'complete' : pick(random, CANCELLED);
    const paid = status === 'complete' || (open && status !== 'new' && random() < 0.5);
    const settledAfter = status === 'new' ? 0 : Math.min(createdSecondsAgo - 30, int(random, 1, 5) * DAY_S + int(random, 0, 3600));
    const lines = Array.from({ length: int(random, 1, 4) }, () => lineOf(random));
    return {
      customerIndex,
      n: i + 1,
      externalId: `site-${customerIndex}-${i + 1}`,
      status,
      createdSecondsAgo,
      statusSecondsAgo: createdSecondsAgo - Math.max(0, settledAfter),
      paid,
      deliveryKopecks: random() < 0.3 ? 39_000 : 0,
      lines: withBonuses(random, lines, status),
    };
  });
}
