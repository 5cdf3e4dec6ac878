import { mkdir } from 'node:fs/promises';
import { loadConfig } from '../platform/config.js';
import { createDatabase, databaseOptionsFrom } from '../platform/db/database.js';
import { createLogger } from '../platform/logger.js';
import { startGraph } from './graph.js';

// `npm start`: the whole graph in one process tree — emulators, subgraphs, gateway — on PGlite
// in .data/pglite (or on DATABASE_URL), seeded with the demo retailer.
const startedAt = performance.now();
const logger = createLogger('retail-graph');
try {
  const config = loadConfig();
  if (!config.DATABASE_URL) await mkdir(config.PGLITE_DATA_DIR, { recursive: true });
  const db = createDatabase(databaseOptionsFrom(config.DATABASE_URL, config.PGLITE_DATA_DIR));
  const graph = await startGraph({ config, db, emulators: true, logger });
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const lines = [
    '',
    `The retail graph is up (${seconds} s, database: ${config.DATABASE_URL ? 'Postgres' : `PGlite in ${config.PGLITE_DATA_DIR}`}).`,
    `  GraphQL     ${graph.urls.gateway}`,
    `  Playground  ${graph.urls.playground}   (tokens: npm run tokens)`,
    `  Health      ${graph.urls.playground}health   ready: ${graph.urls.playground}ready`,
    `  Subgraphs   customer ${graph.urls.customer}   loyalty ${graph.urls.loyalty}`,
    `  Emulators   RetailCRM ${graph.urls.retailCrm}   BonusPlus ${graph.urls.bonusPlus}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await graph.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
} catch (error) {
  logger.fatal({ error: error instanceof Error ? error.message : String(error) }, 'start-up failed');
  process.exit(1);
}
