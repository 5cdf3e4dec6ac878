import { badInput } from './errors.js';

/** Opaque keyset cursor over the sort key of a row, e.g. (created_at, id) or (name, id). */
export function encodeCursor(...key: string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key back; BAD_USER_INPUT when the cursor was not made by `encodeCursor` with `size` parts. */
export function decodeCursor(cursor: string, size: number): string[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === size && key.every((k) => typeof k === 'string')) return key as string[];
  } catch {
    // fall through
  }
  throw badInput('Malformed cursor');
}
