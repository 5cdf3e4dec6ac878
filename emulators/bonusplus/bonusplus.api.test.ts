import { describe, expect, it } from 'vitest';
import { normalisePhone } from './bonusplus.api.js';

describe('normalisePhone', () => {
  it.each([
    ['79161234567', '79161234567'],
    ['+79161234567', '79161234567'],
    [' 79161234567', '79161234567'],
    ['89161234567', '79161234567'],
    ['9161234567', '79161234567'],
    ['+7 (916) 123-45-67', '79161234567'],
    ['8 916 123 45 67', '79161234567'],
  ])('reads %j as %s', (input, expected) => {
    expect(normalisePhone(input)).toBe(expected);
  });

  it.each(['', '12345', '7916123456', '791612345678', '+375291234567', '69161234567', 'phone'])('refuses %j', (input) => {
    expect(normalisePhone(input)).toBeUndefined();
  });
});
