/**
 * The one rounding rule for returns (ARCHITECTURE.md, "Money and bonuses"): every figure of a line
 * is split in proportion to the units returned, on cumulative quantities, so the outcome of any
 * sequence of partial returns depends only on how many units have come back in all:
 *
 *   earned bonuses taken back so far  = ceil(earned × returned / bought)
 *   spent bonuses given back so far   = floor(spent × returned / bought)
 *   money given back so far           = floor(paid × returned / bought)
 *
 * A return moves the difference between "so far" after it and before it. Hence: a full return
 * moves exactly everything; partial returns add up to the full one; nothing given back ever
 * exceeds what was spent or paid, nothing taken back exceeds what was earned; and because earned
 * bonuses are taken back rounded up and spent ones given back rounded down, no sequence of returns
 * leaves the customer with more bonuses than proportion allows. BonusPlus's return route is
 * assumed to apply the same rule (emulators/bonusplus/README.md); a return records what BonusPlus
 * actually did and logs any difference.
 */

export interface ReturnableLine {
  readonly quantity: number;
  readonly earned: number;
  readonly spent: number;
  /** What the line cost the customer, kopecks (after discounts and bonuses). */
  readonly paid: number;
}

export interface ReturnShare {
  readonly refund: number;
  readonly earnedReversed: number;
  readonly spentRefunded: number;
}

const cumulative = (line: ReturnableLine, returned: number): ReturnShare => ({
  refund: Math.floor((line.paid * returned) / line.quantity),
  earnedReversed: Math.ceil((line.earned * returned) / line.quantity),
  spentRefunded: Math.floor((line.spent * returned) / line.quantity),
});

/** What returning `units` more of a line moves, when `alreadyReturned` came back before. */
export function returnShare(line: ReturnableLine, alreadyReturned: number, units: number): ReturnShare {
  if (!Number.isInteger(units) || units < 1 || alreadyReturned < 0 || alreadyReturned + units > line.quantity) {
    throw new RangeError(`cannot return ${units} of ${line.quantity} units with ${alreadyReturned} returned`);
  }
  const before = cumulative(line, alreadyReturned);
  const after = cumulative(line, alreadyReturned + units);
  return {
    refund: after.refund - before.refund,
    earnedReversed: after.earnedReversed - before.earnedReversed,
    spentRefunded: after.spentRefunded - before.spentRefunded,
  };
}
