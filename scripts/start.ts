import { startTelemetry } from '../platform/telemetry.js';

// Tracing, when OTEL_* asks for it, hooks http, undici and pg: it starts before anything imports them.
await startTelemetry('retail-graph');
const { runService } = await import('../platform/service-main.js');

// Loading the graph's modules and starting PGlite both take seconds: do them side by side.
const graphModule = import('./graph.js');

// `npm start`: the whole graph in one process — emulators, subgraphs, gateway — on PGlite in
// .data/pglite (or on DATABASE_URL), seeded with the demo retailer.
const startedAt = performance.now();
await runService('retail-graph', async (config, db, logger) => {
  const { startGraph } = await graphModule;
  const graph = await startGraph({ config, db, emulators: true, logger });
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
    close: () => graph.close(),
  };
});
