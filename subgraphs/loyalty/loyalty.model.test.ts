import { describe, expect, it } from 'vitest';
import { retailerDate } from './crm-card/expiry-warning.service.js';
import { bonusReasonOf, bonusTransactionFromRow } from './loyalty.model.js';

describe('bonusReasonOf', () => {
  it.each([
    ['credit', 'registration', 'WELCOME'],
    ['credit', 'birthday', 'BIRTHDAY'],
    ['credit', 'holiday', 'HOLIDAY'],
    ['credit', 'referral', 'REFERRAL'],
    ['credit', 'purchase', 'PURCHASE'],
    ['credit', 'release', 'RELEASE'],
    ['credit', 'refund', 'REFUND'],
    ['credit', 'manual', 'MANUAL'],
    ['debit', 'purchase', 'SPENT'],
    ['debit', 'reserve', 'RESERVE'],
    ['debit', 'return', 'RETURN'],
    ['debit', 'expiry', 'EXPIRY'],
    ['debit', 'manual', 'MANUAL'],
  ] as const)('%s %s is %s', (kind, reason, expected) => {
    expect(bonusReasonOf(kind, reason)).toBe(expected);
  });

  it('reads a code the program does not know, or one in the wrong direction, as MANUAL (made inside BonusPlus)', () => {
    expect(bonusReasonOf('credit', 'Credit_Manual')).toBe('MANUAL');
    expect(bonusReasonOf('debit', 'birthday')).toBe('MANUAL');
    expect(bonusReasonOf('credit', 'expiry')).toBe('MANUAL');
  });
});

describe('bonusTransactionFromRow', () => {
  it('signs the amount by direction', () => {
    const row = { phone: '+79161234567', transaction_id: 5, kind: 'debit' as const, reason: 'expiry', amount: 70, occurred_at: new Date(0), expires_at: new Date(0), reference: 'lot:1' };
    expect(bonusTransactionFromRow(row)).toEqual({ id: '5', reason: 'EXPIRY', amount: -70, occurredAt: new Date(0), expiresAt: new Date(0) });
    expect(bonusTransactionFromRow({ ...row, kind: 'credit', reason: 'birthday' }).amount).toBe(70);
  });
});

describe('retailerDate', () => {
  it('is the calendar day in Moscow', () => {
    expect(retailerDate(new Date('2026-11-23T20:59:59Z'))).toBe('2026-11-23');
    expect(retailerDate(new Date('2026-11-23T21:00:00Z'))).toBe('2026-11-24');
  });
});
