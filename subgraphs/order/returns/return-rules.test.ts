import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { returnShare, type ReturnableLine } from './return-rules.js';

const line = fc.record({
  quantity: fc.integer({ min: 1, max: 50 }),
  earned: fc.integer({ min: 0, max: 100_000 }),
  spent: fc.integer({ min: 0, max: 100_000 }),
  paid: fc.integer({ min: 0, max: 100_000_000 }),
});

/** A line and a way of returning all its units in several parts. */
const lineAndParts = line.chain((l) =>
  fc.array(fc.integer({ min: 1, max: l.quantity }), { minLength: 1, maxLength: l.quantity }).map((cuts) => {
    const parts: number[] = [];
    let left = l.quantity;
    for (const cut of cuts) {
      if (left === 0) break;
      const take = Math.min(cut, left);
      parts.push(take);
      left -= take;
    }
    if (left > 0) parts.push(left);
    return { line: l as ReturnableLine, parts };
  }),
);

function returnAll(l: ReturnableLine, parts: readonly number[]) {
  let returned = 0;
  const shares = parts.map((units) => {
    const share = returnShare(l, returned, units);
    returned += units;
    return share;
  });
  return shares;
}

describe('the return rounding rule', () => {
  it('a full return in one go moves exactly everything', () => {
    fc.assert(
      fc.property(line, (l) => {
        expect(returnShare(l, 0, l.quantity)).toEqual({ refund: l.paid, earnedReversed: l.earned, spentRefunded: l.spent });
      }),
    );
  });

  it('partial returns add up to the full one, whatever the parts', () => {
    fc.assert(
      fc.property(lineAndParts, ({ line: l, parts }) => {
        const shares = returnAll(l, parts);
        const sum = (k: keyof (typeof shares)[number]) => shares.reduce((s, x) => s + x[k], 0);
        expect({ refund: sum('refund'), earnedReversed: sum('earnedReversed'), spentRefunded: sum('spentRefunded') }).toEqual({ refund: l.paid, earnedReversed: l.earned, spentRefunded: l.spent });
      }),
    );
  });

  it('never gives back more, nor takes back more, than proportion allows at any step: no bonuses are created', () => {
    fc.assert(
      fc.property(lineAndParts, ({ line: l, parts }) => {
        let returned = 0;
        let reversed = 0;
        let refunded = 0;
        let money = 0;
        for (const share of returnAll(l, parts)) {
          returned += parts.shift()!;
          reversed += share.earnedReversed;
          refunded += share.spentRefunded;
          money += share.refund;
          expect(share.earnedReversed).toBeGreaterThanOrEqual(0);
          expect(share.spentRefunded).toBeGreaterThanOrEqual(0);
          expect(reversed).toBeLessThanOrEqual(l.earned);
          expect(refunded).toBeLessThanOrEqual(l.spent);
          // Spent given back never above its proportion, earned taken back never below its proportion.
          expect(refunded * l.quantity).toBeLessThanOrEqual(l.spent * returned);
          expect(reversed * l.quantity).toBeGreaterThanOrEqual(l.earned * returned);
          expect(money * l.quantity).toBeLessThanOrEqual(l.paid * returned);
        }
      }),
    );
  });

  it('refuses to return more than is left', () => {
    const l = { quantity: 3, earned: 30, spent: 10, paid: 9000 };
    expect(() => returnShare(l, 2, 2)).toThrow(RangeError);
    expect(() => returnShare(l, 0, 0)).toThrow(RangeError);
    expect(returnShare(l, 0, 1)).toEqual({ refund: 3000, earnedReversed: 10, spentRefunded: 3 });
    expect(returnShare(l, 1, 1)).toEqual({ refund: 3000, earnedReversed: 10, spentRefunded: 3 });
    expect(returnShare(l, 2, 1)).toEqual({ refund: 3000, earnedReversed: 10, spentRefunded: 4 });
  });
});
