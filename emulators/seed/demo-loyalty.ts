import { seededRandom } from './demo-people.js';

/** The demo retailer's loyalty program as configured in BonusPlus: card types (tiers). */
export interface DemoCardType {
  readonly id: number;
  readonly name: string;
  readonly bonusPercent: number;
  readonly maxDebitPercent: number;
  /** Purchases total in roubles from which the card applies. */
  readonly purchasesSumFrom: number;
}

export const DEMO_CARD_TYPES: readonly DemoCardType[] = [
  { id: 1, name: 'Silver', bonusPercent: 5, maxDebitPercent: 30, purchasesSumFrom: 0 },
  { id: 2, name: 'Gold', bonusPercent: 7, maxDebitPercent: 30, purchasesSumFrom: 30_000 },
  { id: 3, name: 'Platinum', bonusPercent: 10, maxDebitPercent: 50, purchasesSumFrom: 100_000 },
];

/** Bonuses may be spent in multiples of this many points. */
export const DEMO_DEBIT_MULTIPLE = 10;

/** A demo person's loyalty state, the same in every emulator that shows it. */
export interface DemoLoyalty {
  readonly cardNumber: string;
  readonly cardType: DemoCardType;
  readonly purchasesTotalSum: number;
  readonly availableBonuses: number;
  readonly notActiveBonuses: number;
  readonly debitedBonuses: number;
}

export function demoLoyalty(index: number): DemoLoyalty {
  const random = seededRandom(0x10a1 + index * 104_729);
  const purchasesTotalSum = Math.floor(random() < 0.15 ? 0 : random() * 160_000);
  const cardType = [...DEMO_CARD_TYPES].reverse().find((t) => purchasesTotalSum >= t.purchasesSumFrom)!;
  const earned = Math.floor((purchasesTotalSum * cardType.bonusPercent) / 100);
  const debitedBonuses = Math.floor(earned * random() * 0.6);
  const notActiveBonuses = random() < 0.2 ? Math.floor(random() * 400) : 0;
  return {
    // 13 digits: a program prefix and the person's index, so card numbers never collide.
    cardNumber: `2600${String(index).padStart(9, '0')}`,
    cardType,
    purchasesTotalSum,
    availableBonuses: Math.max(0, earned - debitedBonuses),
    notActiveBonuses,
    debitedBonuses,
  };
}
