/**
 * At most `limit` accepted requests per key within any window of `windowMs` (a sliding log, not
 * fixed buckets, so a burst straddling a second boundary is caught too). Refused requests do not
 * count: a client that backs off gets through as soon as the oldest accepted request ages out.
 */
export class SlidingWindowLimiter {
  private readonly log = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a slot for `key`, or says how long until one frees up. */
  tryAcquire(key: string): { ok: true } | { ok: false; retryAfterMs: number } {
    const now = this.now();
    const times = this.log.get(key) ?? [];
    while (times.length > 0 && times[0]! <= now - this.windowMs) times.shift();
    if (times.length >= this.limit) {
      this.log.set(key, times);
      return { ok: false, retryAfterMs: times[0]! + this.windowMs - now };
    }
    times.push(now);
    this.log.set(key, times);
    return { ok: true };
  }
}
