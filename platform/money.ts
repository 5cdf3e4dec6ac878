/**
 * Money in the graph is integer kopecks; the systems of record send and take decimal roubles.
 * These are the conversions at their edge. (RetailCRM's orders client parses its amounts more
 * strictly, refusing more than two decimals: see `retailcrm-orders.client.ts`.)
 */

/** Roubles as a system of record sends them → kopecks, rounded to the nearest kopeck. */
export const kopecksFromRoubles = (roubles: number): number => Math.round(roubles * 100);

/** Kopecks → the decimal roubles a system of record takes. */
export const roublesFromKopecks = (kopecks: number): number => kopecks / 100;
