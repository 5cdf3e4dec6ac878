import { loadConfig } from '../platform/config.js';
import { createDatabase, databaseOptionsFrom } from '../platform/db/database.js';
import { listDeadLetters, retryDeadLetter } from '../platform/outbox.js';
import type { PlatformDb } from '../platform/platform.migrations.js';
import type { Kysely } from 'kysely';

// `npm run outbox`: what the outbox holds by topic and status, and the dead letters.
// `npm run outbox -- retry <id>`: puts a dead letter back in the queue once its cause is fixed.
const config = loadConfig();
const db = createDatabase(databaseOptionsFrom(config.DATABASE_URL, config.PGLITE_DATA_DIR, config.DATABASE_PREPARED_STATEMENTS)) as Kysely<PlatformDb>;
try {
  const [command, id] = process.argv.slice(2);
  if (command === 'retry') {
    const done = await retryDeadLetter(db, Number(id));
    console.log(done ? `message ${id} queued again` : `no dead letter ${id}`);
    process.exitCode = done ? 0 : 1;
  } else {
    const counts = await db
      .selectFrom('platform.outbox')
      .select(['topic', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['topic', 'status'])
      .orderBy('topic')
      .execute();
    console.table(counts);
    const dead = await listDeadLetters(db, 50);
    if (dead.length === 0) console.log('no dead letters');
    for (const d of dead) console.log(`dead #${d.id} ${d.topic} after ${d.attempts} attempts: ${d.last_error}\n  ${JSON.stringify(d.payload)}`);
  }
} finally {
  await db.destroy();
}
