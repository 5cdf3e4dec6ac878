import { describe, expect, it } from 'vitest';
import { normalizePhone, phoneDigits, phoneFromDigits } from './phone.js';

describe('phone normalisation (R1)', () => {
  it('reads the usual Russian forms as one E.164 number', () => {
    for (const input of ['+7 912 345-67-89', '89123456789', '9123456789', '79123456789', '8 (912) 345 67 89', '+7(912)3456789']) {
      expect(normalizePhone(input), input).toBe('+79123456789');
    }
  });

  it('rejects what is not a phone number', () => {
    for (const input of ['', '12345', '+7 000 000 00 00', 'call me', '9'.repeat(41)]) expect(normalizePhone(input), input).toBeUndefined();
  });

  it('converts to and from the digits-only form of BonusPlus', () => {
    expect(phoneDigits('+79123456789')).toBe('79123456789');
    expect(phoneFromDigits('79123456789')).toBe('+79123456789');
  });
});
