/**
 * The demo's RetailCRM externalIds: the old site's user ids, UUID-shaped and derived from the
 * person's index so that every emulator and tool agrees on them.
 */
export const demoExternalId = (index: number): string => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
