/** One figure that two or more systems disagree on (a row of a reconciliation). */
export interface Difference {
  /** What it is about: an order id, a customer id. */
  readonly subject: string;
  readonly field: string;
  /** Each system's value; null when the system has no such record. */
  readonly values: readonly { readonly system: string; readonly value: string | null }[];
}

/** What one part of a reconciliation compared and found. */
export interface ReconciliationSection<D extends Difference = Difference> {
  readonly checked: number;
  readonly differences: D[];
}

/** The difference of one figure across systems, or undefined when every system has the same value. */
export function differenceOf(subject: string, field: string, values: Readonly<Record<string, unknown>>): Difference | undefined {
  const shown = Object.entries(values).map(([system, v]) => ({ system, value: v === null || v === undefined ? null : String(v) }));
  return shown.every((v) => v.value === shown[0]!.value) ? undefined : { subject, field, values: shown };
}
