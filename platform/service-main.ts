import { mkdir } from 'node:fs/promises';
import { loadConfig, type Config } from './config.js';
import { createDatabase, databaseOptionsFrom, type Database } from './db/database.js';
import { beginDrain, endDrain } from './http/http-server.js';
import { setUpstreamClientOwner } from './http/upstream-client.js';
import { createLogger, type Logger } from './logger.js';
import { stopTelemetry } from './telemetry.js';

export interface StartedService {
  /** Lines printed once the service is up (URLs and the like). */
  readonly banner: readonly string[];
  close(): Promise<void>;
}

/**
 * The body of every `main.ts`: parse the config once, open the database (DATABASE_URL, or PGlite
 * in PGLITE_DATA_DIR), start, print the banner, stop cleanly on SIGINT/SIGTERM, and exit non-zero
 * when start-up fails.
 *
 * Stopping: the first signal stops new requests, lets those in flight finish (SHUTDOWN_GRACE_MS),
 * stops background work, closes the database and exits 0. Signals come in copies (Ctrl-C reaches
 * npm and node alike, supervisors repeat theirs), so the second is only logged; the third stops
 * waiting for requests in flight and background work and exits 1 — after the database has closed,
 * because a PGlite folder left mid-write does not open again.
 */
export async function runService(name: string, start: (config: Config, db: Database, logger: Logger) => Promise<StartedService>): Promise<void> {
  const logger = createLogger(name);
  setUpstreamClientOwner(name);
  let db: Database | undefined;
  let service: StartedService | undefined;
  let graceMs = 10_000;
  let signals = 0;
  let forced = false;
  let onPostgres = false;
  let startedUp!: () => void;
  const startUp = new Promise<void>((resolve) => (startedUp = resolve));
  let force!: () => void;
  const forcedOut = new Promise<'forced'>((resolve) => (force = () => resolve('forced')));
  let stopping: Promise<void> | undefined;

  const stop = async (signal: NodeJS.Signals) => {
    const since = performance.now();
    logger.info({ signal, graceMs }, 'shutting down');
    // A start-up under way (migrations, seeding) is let finish: cutting it is cutting a write.
    await startUp;
    beginDrain(graceMs);
    if (forced) endDrain();
    // Background work ends at its next safe point; one stuck on an upstream must not hold the
    // process for ever: after the grace and as long again, the database is closed under it.
    const closed = service?.close().catch((error: unknown) => logger.error({ error: String(error) }, 'stopping the service failed'));
    let overdue: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (overdue = setTimeout(() => resolve('late'), 2 * graceMs)));
    const ended = await Promise.race([closed, forcedOut, late]);
    clearTimeout(overdue);
    if (ended === 'late') logger.error({ ms: 2 * graceMs }, 'background work did not stop in time: closing the database under it');
    // PGlite's close waits for the statement in progress, never more, and must run: a folder left
    // mid-write does not open again. A Postgres pool waits for every client it lent out, and the
    // server rolls back whatever a dead process left open, so a forced stop does not wait for it.
    const destroyed = db?.destroy().catch((error: unknown) => logger.error({ error: String(error) }, 'closing the database failed'));
    await (onPostgres ? Promise.race([destroyed, forcedOut]) : destroyed);
    logger.info({ ms: Math.round(performance.now() - since), forced }, 'stopped');
    // The spans still buffered (tracing on): a forced stop does not wait for the collector.
    await (forced ? undefined : stopTelemetry());
    process.exit(forced || ended === 'late' ? 1 : 0);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      stopping = stop(signal);
      return;
    }
    if (signals === 2) {
      logger.warn({ signal }, 'already shutting down: waiting for requests in flight and the database (a third signal stops waiting)');
      return;
    }
    if (!forced) process.stderr.write(`${name}: ${signal} a third time: cutting requests in flight; the database is still closed before exit\n`);
    forced = true;
    endDrain();
    force();
    // A start-up that has not finished is abandoned too; the database close waits for its statement.
    startedUp();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const config = loadConfig();
    graceMs = config.SHUTDOWN_GRACE_MS;
    onPostgres = config.DATABASE_URL !== undefined;
    if (!config.DATABASE_URL) await mkdir(config.PGLITE_DATA_DIR, { recursive: true });
    db = createDatabase({ ...databaseOptionsFrom(config.DATABASE_URL, config.PGLITE_DATA_DIR, config.DATABASE_PREPARED_STATEMENTS), onPoolError: (error) => logger.warn({ error: error.message }, 'idle database connection failed') });
    service = await start(config, db, logger);
    startedUp();
    if (!stopping) process.stdout.write(`${service.banner.join('\n')}\n`);
  } catch (error) {
    if (stopping) {
      // Asked to stop while starting: the start-up failed because of it, or fails on its own; stop() ends the process.
      startedUp();
      return;
    }
    logger.fatal({ error: error instanceof Error ? error.message : String(error) }, 'start-up failed');
    await db?.destroy().catch(() => undefined);
    process.exit(1);
  }
}
