import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accrualOf, debitCapOf, maxDebitOf, returnShareOf, splitDebit } from './receipt.rules.js';

describe('splitDebit (largest remainder)', () => {
  it('gives each line the floor of its share, then the leftover points by largest fractional part', () => {
    // Shares of 500 over 1000.00 / 333.33 / 666.67: 250, 83.3325, 166.6675 → the one point left goes to the third.
    expect(splitDebit(500, [100_000, 33_333, 66_667], [300, 99, 200])).toEqual([250, 83, 167]);
  });

  it('skips a line at its cap', () => {
    expect(splitDebit(10, [100, 100, 10_000], [0, 0, 30])).toEqual([0, 0, 10]);
  });

  it('always sums exactly to the debit and keeps every line within its cap', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 1, noNaN: true }), (sums, percent, fraction) => {
        const caps = sums.map((s) => debitCapOf(s, percent));
        const most = maxDebitOf(sums, Number.MAX_SAFE_INTEGER, { bonusPercent: 5, maxDebitPercent: percent }, 1);
        const debit = Math.floor(most * fraction);
        const parts = splitDebit(debit, sums, caps);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(debit);
        parts.forEach((p, i) => expect(p).toBeLessThanOrEqual(caps[i]!));
        parts.forEach((p) => expect(p).toBeGreaterThanOrEqual(0));
      }),
    );
  });
});

describe('accrual and caps', () => {
  it('floors fractions of a point, and is exact on float percents', () => {
    expect(accrualOf(75_000, 5)).toBe(37);
    expect(accrualOf(100_000, 7.5)).toBe(75);
    expect(debitCapOf(33_333, 30)).toBe(99);
    expect(maxDebitOf([100_000, 33_333, 66_667], 5_000, { bonusPercent: 5, maxDebitPercent: 30 }, 10)).toBe(590);
  });
});

describe('returnShareOf', () => {
  const line = fc.record({ qnt: fc.integer({ min: 1, max: 12 }), earned: fc.integer({ min: 0, max: 10_000 }), debited: fc.integer({ min: 0, max: 10_000 }), sumKopecks: fc.integer({ min: 0, max: 10_000_000 }) });
  /** A line and a random split of some of its units into successive returns. */
  const lineAndReturns = line.chain((l) => fc.tuple(fc.constant(l), fc.array(fc.integer({ min: 1, max: l.qnt }), { maxLength: l.qnt })));

  it('no sequence of partial returns creates bonuses, and returning everything moves exactly what the sale did', () => {
    fc.assert(
      fc.property(lineAndReturns, fc.boolean(), ([l, wanted], finish) => {
        let returned = 0;
        let reversed = 0;
        let refunded = 0;
        let sum = 0;
        for (const q of wanted) {
          const qnt = Math.min(q, l.qnt - returned);
          if (qnt === 0) break;
          const share = returnShareOf(l, returned, qnt);
          returned += qnt;
          reversed += share.earnedReversed;
          refunded += share.debitedRefunded;
          sum += share.sumKopecks;
          // Never below the returned units' exact share taken back, never above their share given back.
          expect(reversed * l.qnt).toBeGreaterThanOrEqual(l.earned * returned);
          expect(refunded * l.qnt).toBeLessThanOrEqual(l.debited * returned);
          expect(reversed).toBeLessThanOrEqual(l.earned);
          expect(refunded).toBeLessThanOrEqual(l.debited);
          // Path independence: the same as returning those units at once.
          expect({ reversed, refunded, sum }).toEqual((({ earnedReversed, debitedRefunded, sumKopecks }) => ({ reversed: earnedReversed, refunded: debitedRefunded, sum: sumKopecks }))(returnShareOf(l, 0, returned)));
        }
        if (finish && returned < l.qnt) {
          const share = returnShareOf(l, returned, l.qnt - returned);
          reversed += share.earnedReversed;
          refunded += share.debitedRefunded;
          sum += share.sumKopecks;
          returned = l.qnt;
        }
        if (returned === l.qnt) expect({ reversed, refunded, sum }).toEqual({ reversed: l.earned, refunded: l.debited, sum: l.sumKopecks });
      }),
    );
  });

  it('refuses more than was bought', () => {
    expect(() => returnShareOf({ qnt: 2, earned: 10, debited: 10, sumKopecks: 100 }, 1, 2)).toThrow(RangeError);
  });
});
