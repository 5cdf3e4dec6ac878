import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COST_GRAPH_SETTINGS, measureCosts, SUBGRAPHS, subgraphStatements, WORKLOADS, type OperationCost } from '../../bench/cost.js';
import { DEFERRED_RETAILCRM_BUDGETS, DEFERRED_STATEMENT_BUDGETS, STATEMENT_BUDGETS } from '../../bench/statement-budgets.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';

// Every bench workload through the gateway, a few operations each after one unmeasured: the SQL
// statements each subgraph sent per operation stay within bench/statement-budgets.ts.
let t: TestGraph;
let costs: Map<string, OperationCost>;

beforeAll(async () => {
  t = await startTestGraph(COST_GRAPH_SETTINGS);
  costs = new Map((await measureCosts(t, { operations: 3, texts: true })).map((c) => [c.workload, c]));
}, 300_000);
afterAll(async () => t?.close());

describe('statements per operation', () => {
  it.each(WORKLOADS)('%s stays within its budget per subgraph', (workload) => {
    const cost = costs.get(workload)!;
    const budget = STATEMENT_BUDGETS[workload];
    // Counted at all: a workload whose subgraphs sent nothing would pass any budget.
    expect(SUBGRAPHS.some((s) => (cost.statements[s] ?? 0) > 0)).toBe(true);
    const over = SUBGRAPHS.filter((s) => (cost.statements[s] ?? 0) > (budget[s] ?? 0)).map((s) => `${s} ${cost.statements[s]} > ${budget[s] ?? 0}`);
    expect(over, `${workload}: statements per operation over budget (update bench/statement-budgets.ts only with a reason)`).toEqual([]);
  });

  it.each(WORKLOADS)('%s leaves the relays and syncs no more than its budget', (workload) => {
    expect(costs.get(workload)!.deferred.statements, `${workload}: deferred statements per operation over budget`).toBeLessThanOrEqual(DEFERRED_STATEMENT_BUDGETS[workload] ?? 0);
  });

  it.each(WORKLOADS)('%s leaves the relays no more RetailCRM requests than its budget', (workload) => {
    expect(costs.get(workload)!.deferred.upstream.retailCrm, `${workload}: deferred RetailCRM requests per operation over budget`).toBeLessThanOrEqual(DEFERRED_RETAILCRM_BUDGETS[workload] ?? 0);
  });

  it('counts the work a placement leaves to the relays', () => {
    // Counted at all: the placement's order reaches RetailCRM only through its relay.
    expect(costs.get('placement')!.deferred.statements).toBeGreaterThan(0);
    expect(costs.get('placement')!.deferred.upstream.retailCrm).toBeGreaterThanOrEqual(1);
  });

  it('serves the account page in one statement per subgraph, whatever the number of orders', () => {
    expect(subgraphStatements(costs.get('account-page')!)).toBeLessThanOrEqual(4);
    expect(costs.get('account-page-100-orders')!.statements).toEqual(costs.get('account-page')!.statements);
    // A customer from before the graph, whose loyalty account the graph did not open: once the
    // account is read, the loyalty subgraph finds it by the customer's id as it does an enrolled one's.
    expect(costs.get('account-page-existing-customer')!.statements).toEqual(costs.get('account-page')!.statements);
  });

  it('prices a quote again in at most 3 statements in all, whatever its lines', () => {
    // The steady state of a storefront: the same customer's cart quoted again (the calculation and
    // the customer's phone are remembered; offers and stock are read with the stock, once per request).
    for (const quote of ['quote-1', 'quote-5', 'quote-20']) expect(subgraphStatements(costs.get(quote)!), quote).toBeLessThanOrEqual(3);
    expect(costs.get('quote-20')!.statements).toEqual(costs.get('quote-1')!.statements);
  });

  it('places an order in at most 15 statements in all, the outbox included', () => {
    expect(subgraphStatements(costs.get('placement')!)).toBeLessThanOrEqual(15);
    expect(Object.values(costs.get('placement')!.texts!).flat().some((text) => /insert into "?platform"?\."?outbox/.test(text))).toBe(true);
  });

  it('keeps no idempotency record for a read', () => {
    const reads = WORKLOADS.filter((w) => !['placement', 'registration', 'payment'].includes(w));
    const touching = reads.filter((w) => Object.values(costs.get(w)!.texts ?? {}).flat().some((text) => text.includes('idempotency_keys')));
    expect(touching).toEqual([]);
    // The mutations do keep one, so the statements' texts were there to look at.
    expect(Object.values(costs.get('payment')!.texts!).flat().some((text) => text.includes('idempotency_keys'))).toBe(true);
  });

  it('sends no statement from outside a subgraph request while the workloads run', () => {
    // Background work is off: anything counted as `other` would be a statement no request is charged for.
    expect([...costs.values()].filter((c) => c.statements.other).map((c) => c.workload)).toEqual([]);
  });
});
