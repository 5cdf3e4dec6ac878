import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const MAX_PHONE_INPUT = 40;

/**
 * A phone in any usual form (+7 912 345-67-89, 89123456789, 9123456789; Russia is the default
 * country) as E.164, or undefined when it is not a valid number.
 */
export function normalizePhone(input: string): string | undefined {
  if (input.length > MAX_PHONE_INPUT) return undefined;
  const parsed = parsePhoneNumberFromString(input, 'RU');
  return parsed?.isValid() ? parsed.number : undefined;
}

/** E.164 to the digits-only form BonusPlus and RetailCRM searches use (`79123456789`). */
export const phoneDigits = (e164: string): string => e164.replace(/\D/g, '');

/** BonusPlus / RetailCRM digits back to E.164 (undefined when not a valid number). */
export const phoneFromDigits = (digits: string): string | undefined => normalizePhone(`+${digits.replace(/\D/g, '')}`);
