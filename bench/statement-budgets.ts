import type { SUBGRAPHS, WORKLOADS } from './cost.js';

/**
 * SQL statements one operation of each workload may send, per subgraph, in the steady state (after
 * one unmeasured operation): what test/perf/statement-budget.int.test.ts holds the graph to. A
 * count, never a time: it is the same on any machine, PGlite or Postgres.
 *
 * To update: run `BENCH_SQL=1 npm run bench:cost` (the figures per subgraph, and each statement
 * sent), and write the new figures here in the same commit as the change that moves them. Lower a
 * budget as soon as a change cuts a count, so the cut cannot come back unnoticed; raise one only for
 * a statement a behaviour needs, and say which in the commit.
 */
export const STATEMENT_BUDGETS: Readonly<Record<(typeof WORKLOADS)[number], Partial<Record<(typeof SUBGRAPHS)[number], number>>>> = {
  'account-page': { customer: 1, order: 1, loyalty: 1, inventory: 0 },
  'account-page-100-orders': { customer: 1, order: 1, loyalty: 1, inventory: 0 },
  'account-page-existing-customer': { customer: 1, order: 1, loyalty: 1, inventory: 0 },
  'quote-1': { customer: 0, order: 1, inventory: 2 },
  'quote-5': { customer: 0, order: 1, inventory: 2 },
  'quote-20': { customer: 0, order: 1, inventory: 2 },
  placement: { customer: 1, order: 5, inventory: 6 },
  registration: { customer: 8 },
  payment: { order: 16 },
  'return-preview': { order: 1 },
  'call-centre': { customer: 1, order: 2, loyalty: 1, inventory: 2 },
  'stock-view': { inventory: 2 },
  'customer-by-phone': { customer: 1, loyalty: 1 },
};

/**
 * SQL statements per operation the relays and syncs send for what a workload leaves them (bench/cost.ts
 * `deferred`: a placement's RetailCRM order and loyalty events, a registration's card and welcome
 * bonus, a payment's sale, 1C export and status), over the three operations the test measures
 * (what one settling round shares among them weighs more than over `bench:cost`'s twenty). A
 * workload not named here leaves nothing. Same rules as above: a cut lowers its figure.
 */
export const DEFERRED_STATEMENT_BUDGETS: Readonly<Partial<Record<(typeof WORKLOADS)[number], number>>> = {
  placement: 7,
  // 24 until the CRM card's writes were merged: one statement more per card write (coalescePending)
  // for one RetailCRM request fewer per sign-up, of the ten a second it allows.
  registration: 25,
  payment: 52,
};

/**
 * RetailCRM requests per operation the relays and syncs send for what a workload leaves them, over
 * the same three operations: the scarcest budget of all (about 10 a second for everything the
 * graph sends RetailCRM). A sign-up: the search by phone, the create and one write of the card (the
 * customer sync takes the new customer from its creation record, with no read). Three placements of
 * one customer: an order each, and one write of the card for the three (its figures as they are
 * when it goes). Same rules as above.
 */
export const DEFERRED_RETAILCRM_BUDGETS: Readonly<Partial<Record<(typeof WORKLOADS)[number], number>>> = {
  placement: 1.34,
  registration: 3,
  payment: 2,
};
