import { mkdir } from 'node:fs/promises';
import { loadConfig, type Config } from './config.js';
import { createDatabase, databaseOptionsFrom, type Database } from './db/database.js';
import { createLogger, type Logger } from './logger.js';

export interface StartedService {
  /** Lines printed once the service is up (URLs and the like). */
  readonly banner: readonly string[];
  close(): Promise<void>;
}

/**
 * The body of every `main.ts`: parse the config once, open the database (DATABASE_URL, or PGlite
 * in PGLITE_DATA_DIR), start, print the banner, stop cleanly on SIGINT/SIGTERM, and exit non-zero
 * when start-up fails.
 */
export async function runService(name: string, start: (config: Config, db: Database, logger: Logger) => Promise<StartedService>): Promise<void> {
  const logger = createLogger(name);
  let db: Database | undefined;
  try {
    const config = loadConfig();
    if (!config.DATABASE_URL) await mkdir(config.PGLITE_DATA_DIR, { recursive: true });
    db = createDatabase({ ...databaseOptionsFrom(config.DATABASE_URL, config.PGLITE_DATA_DIR), onPoolError: (error) => logger.warn({ error: error.message }, 'idle database connection failed') });
    const service = await start(config, db, logger);
    process.stdout.write(`${service.banner.join('\n')}\n`);
    const shutdown = async (signal: string) => {
      logger.info({ signal }, 'shutting down');
      await service.close();
      await db?.destroy();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
  } catch (error) {
    logger.fatal({ error: error instanceof Error ? error.message : String(error) }, 'start-up failed');
    await db?.destroy().catch(() => undefined);
    process.exit(1);
  }
}
