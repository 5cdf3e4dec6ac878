/**
 * The arithmetic of a receipt, pure so it can be checked exhaustively: how bonuses debited on a
 * sale split over its lines, what each line earns, and how returns take back and give back
 * bonuses. Money is kopecks, bonuses whole points (1 point pays 1 rouble), all integers.
 */

export interface CardRules {
  /** Percent of the paid sum accrued as bonuses (may be fractional, e.g. 7.5). */
  readonly bonusPercent: number;
  /** Most of a sum payable by bonuses, percent. */
  readonly maxDebitPercent: number;
}

// Percents are floats (migration 0002); a product like 1990 × 7.5 can land a hair below the
// integer it means, so floors get this much slack.
const EPSILON = 1e-9;

/** Whole bonuses a sum may be paid with at most: floor(kopecks × percent / 100 / 100). */
export function debitCapOf(sumKopecks: number, maxDebitPercent: number): number {
  return Math.floor((sumKopecks * maxDebitPercent) / 10_000 + EPSILON);
}

/** Bonuses earned on a paid sum, floored: fractions of a point are never accrued. */
export function accrualOf(paidKopecks: number, bonusPercent: number): number {
  return Math.max(0, Math.floor((paidKopecks * bonusPercent) / 10_000 + EPSILON));
}

/**
 * The most a customer may debit on these lines: the smallest of the balance, the cap of the whole
 * receipt and the sum of the per-line caps (which only bites on receipts of tiny lines), rounded
 * down to the program's multiple.
 */
export function maxDebitOf(lineSumsKopecks: readonly number[], available: number, rules: CardRules, multiple: number): number {
  const total = lineSumsKopecks.reduce((a, b) => a + b, 0);
  const lineCaps = lineSumsKopecks.reduce((a, s) => a + debitCapOf(s, rules.maxDebitPercent), 0);
  const most = Math.max(0, Math.min(available, debitCapOf(total, rules.maxDebitPercent), lineCaps));
  return Math.floor(most / multiple) * multiple;
}

/**
 * Splits `debit` bonuses over lines in proportion to their sums, by largest remainder: every line
 * first gets the floor of its exact share (never above its own cap), then the points still left go
 * one at a time to the lines with the largest fractional parts (ties: the larger sum, then the
 * earlier line), skipping lines at their cap, round after round until none is left. The parts sum
 * exactly to `debit`. The caller guarantees `debit` ≤ the sum of the caps (see `maxDebitOf`).
 */
export function splitDebit(debit: number, lineSumsKopecks: readonly number[], caps: readonly number[]): number[] {
  const total = lineSumsKopecks.reduce((a, b) => a + b, 0);
  const parts = lineSumsKopecks.map(() => 0);
  if (debit <= 0 || total <= 0) return parts;
  const capTotal = caps.reduce((a, b) => a + b, 0);
  if (debit > capTotal) throw new RangeError(`cannot split ${debit} bonuses over lines capped at ${capTotal}`);
  const remainders = lineSumsKopecks.map((sum, i) => {
    const exact = debit * sum;
    parts[i] = Math.min(Math.floor(exact / total), caps[i]!);
    return exact % total;
  });
  const order = lineSumsKopecks
    .map((_s, i) => i)
    .sort((a, b) => remainders[b]! - remainders[a]! || lineSumsKopecks[b]! - lineSumsKopecks[a]! || a - b);
  let left = debit - parts.reduce((a, b) => a + b, 0);
  while (left > 0) {
    for (const i of order) {
      if (left === 0) break;
      if (parts[i]! < caps[i]!) {
        parts[i]! += 1;
        left -= 1;
      }
    }
  }
  return parts;
}

export interface ReceiptLineTotals {
  readonly qnt: number;
  /** Bonuses the line earned at sale. */
  readonly earned: number;
  /** Bonuses debited on the line at sale. */
  readonly debited: number;
  readonly sumKopecks: number;
}

export interface ReturnShare {
  /** Earned bonuses to take back now. */
  readonly earnedReversed: number;
  /** Spent bonuses to give back now. */
  readonly debitedRefunded: number;
  /** Purchase sum leaving the customer's purchases total now. */
  readonly sumKopecks: number;
}

/**
 * What returning `qnt` more units of a line moves, when `alreadyReturned` units of it came back
 * before. The rule works on cumulative quantities, so the result of any sequence of partial
 * returns depends only on how many units have come back in all:
 *
 *   taken back so far  = ceil(earned × returned / bought)
 *   given back so far  = floor(debited × returned / bought)
 *   sum removed so far = floor(sum × returned / bought)
 *
 * Each return moves the difference between the totals after and before it. Both roundings favour
 * the program (the customer keeps at most the floor of the kept units' share of what was earned,
 * and gets back at most the floor of the returned units' share of what was spent), so no sequence
 * of returns creates bonuses, and returning everything moves exactly `earned` and `debited`.
 */
export function returnShareOf(line: ReceiptLineTotals, alreadyReturned: number, qnt: number): ReturnShare {
  const after = alreadyReturned + qnt;
  if (after > line.qnt || qnt < 0 || alreadyReturned < 0) throw new RangeError(`cannot return ${qnt} after ${alreadyReturned} of ${line.qnt}`);
  const taken = (n: number) => Math.ceil((line.earned * n) / line.qnt);
  const given = (n: number) => Math.floor((line.debited * n) / line.qnt);
  const sum = (n: number) => Math.floor((line.sumKopecks * n) / line.qnt);
  return {
    earnedReversed: taken(after) - taken(alreadyReturned),
    debitedRefunded: given(after) - given(alreadyReturned),
    sumKopecks: sum(after) - sum(alreadyReturned),
  };
}
