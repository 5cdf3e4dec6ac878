import { startTelemetry } from '../platform/telemetry.js';

// Tracing, when OTEL_* asks for it, hooks http, undici and pg: it starts before anything imports them.
await startTelemetry('retail-graph');
const { runService } = await import('../platform/service-main.js');
const { trackDatabaseFigures } = await import('../platform/metrics.js');
const { CUSTOMER_HISTORY_CURSOR } = await import('../subgraphs/customer/crm-sync/customer-sync.service.js');
const { BONUSPLUS_FOLLOW_CURSOR } = await import('../subgraphs/loyalty/crm-card/bonusplus-follow.service.js');
const { ORDER_HISTORY_CURSOR } = await import('../subgraphs/order/crm-sync/order-sync.service.js');
const { ONEC_ORDER_STATES_CURSOR } = await import('../subgraphs/order/onec/onec-exchange.service.js');

// Loading the graph's modules and starting PGlite both take seconds: do them side by side.
const graphModule = import('./graph.js');

// `npm start`: the whole graph in one process — emulators, subgraphs, gateway — on PGlite in
// .data/pglite (or on DATABASE_URL), seeded with the demo retailer.
const startedAt = performance.now();
await runService('retail-graph', async (config, db, logger) => {
  const { startGraph } = await graphModule;
  const graph = await startGraph({ config, db, emulators: true, logger });
  // Every part's figures from the one database: the outbox, each source's sync lag, the holds.
  const untrack = trackDatabaseFigures(db, {
    outbox: true,
    syncSources: [CUSTOMER_HISTORY_CURSOR, BONUSPLUS_FOLLOW_CURSOR, ORDER_HISTORY_CURSOR, ONEC_ORDER_STATES_CURSOR],
    inventoryRuns: true,
    holds: ['stock', 'bonus'],
  });
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  return {
    banner: [
      '',
      `The retail graph is up in ${seconds} s (database: ${config.DATABASE_URL ? 'Postgres' : `PGlite in ${config.PGLITE_DATA_DIR}`}).`,
      `  GraphQL     ${graph.urls.gateway}`,
      `  Playground  ${graph.urls.playground}   (tokens to paste: npm run tokens)`,
      `  Console     ${graph.urls.playground}console   (staff: sign in with a staff token from npm run tokens)`,
      `  Health      ${graph.urls.playground}health   ${graph.urls.playground}ready`,
      `  Subgraphs   customer ${graph.urls.customer}   order ${graph.urls.order}   loyalty ${graph.urls.loyalty}   inventory ${graph.urls.inventory}`,
      `  Emulators   RetailCRM ${graph.urls.retailCrm}   BonusPlus ${graph.urls.bonusPlus}   1C ${graph.urls.oneC}`,
      '',
    ],
    close: async () => {
      untrack();
      await graph.close();
    },
  };
});
