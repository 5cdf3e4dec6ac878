import { describe, expect, it } from 'vitest';
import { argumentIds } from './audit.js';

describe('the audit trail keeps ids only', () => {
  it('arguments named id, …Id, …Ids or idempotencyKey, by path; phones, names, amounts and reasons never', () => {
    const args = {
      input: {
        orderId: 'o-1',
        idempotencyKey: 'k-1',
        amount: 1500,
        phone: '+79161234567',
        firstName: 'Анна',
        reason: 'changed my mind',
        lines: [
          { lineId: 'l-1', quantity: 2 },
          { lineId: 'l-2', quantity: 1 },
        ],
        offerIds: ['a', 'b'],
      },
      id: 7,
    };
    expect(argumentIds(args)).toEqual({
      'input.orderId': 'o-1',
      'input.idempotencyKey': 'k-1',
      'input.lines[0].lineId': 'l-1',
      'input.lines[1].lineId': 'l-2',
      'input.offerIds[0]': 'a',
      'input.offerIds[1]': 'b',
      id: '7',
    });
    expect(argumentIds({})).toEqual({});
  });

  it('keeps an id as jsonb can store it: a NUL or a lone surrogate becomes U+FFFD, a pair is never cut by the 200-character limit', () => {
    const long = `${'a'.repeat(199)}😀tail`;
    expect(argumentIds({ orderId: 'o\u0000-\ud800-1', lineId: long })).toEqual({ orderId: 'o\ufffd-\ufffd-1', lineId: `${'a'.repeat(199)}😀` });
    expect(argumentIds({ orderId: '\udc00' })).toEqual({ orderId: '\ufffd' });
  });
});
