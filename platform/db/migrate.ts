import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import type { Database } from './database.js';

/** A module's tables: its Postgres schema and its migrations, in order of their names. */
export interface SchemaModule {
  readonly schema: string;
  readonly migrations: Readonly<Record<string, Migration>>;
}

/**
 * Brings one module's schema to its latest migration. Safe to call from several processes at
 * once: Kysely's migrator takes an advisory lock, and each migration runs in a transaction.
 */
export async function migrateSchema(db: Database, module: SchemaModule): Promise<void> {
  await sql`create schema if not exists ${sql.id(module.schema)}`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...module.migrations }) },
    migrationTableSchema: module.schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${module.schema}/${failed} failed: ${String((error as Error).message ?? error)}`);
  }
}

export async function migrateAll(db: Database, modules: readonly SchemaModule[]): Promise<void> {
  for (const module of modules) await migrateSchema(db, module);
}

/**
 * Runs a migration script statement by statement (PGlite's extended protocol takes one statement
 * per query). Statements end with `;` at the end of a line; keep semicolons out of their bodies.
 */
export async function runScript(db: Kysely<any>, script: string): Promise<void> {
  for (const statement of script.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}
