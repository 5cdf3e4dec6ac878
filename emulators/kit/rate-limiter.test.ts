import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from './rate-limiter.js';

describe('SlidingWindowLimiter', () => {
  it('admits `limit` requests per key in any window and says when the next slot frees', () => {
    let now = 10_000;
    const limiter = new SlidingWindowLimiter(3, 1_000, () => now);
    const outcomes = [0, 100, 200, 300].map((t) => {
      now = 10_000 + t;
      return limiter.tryAcquire('a');
    });
    expect(outcomes).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: false, retryAfterMs: 700 }]);
    expect(limiter.tryAcquire('b')).toEqual({ ok: true });
  });

  it('slides: a burst across a second boundary is still limited, and refusals do not count', () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter(2, 1_000, () => now);
    now = 900;
    limiter.tryAcquire('k');
    limiter.tryAcquire('k');
    now = 1_100; // a fixed one-second bucket would admit this one
    expect(limiter.tryAcquire('k')).toEqual({ ok: false, retryAfterMs: 800 });
    now = 1_900;
    expect(limiter.tryAcquire('k')).toEqual({ ok: true });
    expect(limiter.tryAcquire('k')).toEqual({ ok: true });
    expect(limiter.tryAcquire('k').ok).toBe(false);
  });
});
