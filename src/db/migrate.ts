// The one migration entry point, used by the CLI, the tests and production alike.
// Every schema change, including all custom SQL (extensions, functions, triggers, the exclusion
// constraint, the vector index), is a tracked drizzle migration in drizzle/migrations. Drizzle applies
// all pending files in one transaction: an error rolls every one of them back, and a re-run applies nothing.
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { Database, DbHandle } from './engines/handle.js';
import { NexDriveError } from './errors.js';
import { packagePath } from './package-root.js';
import { queryRows } from './sql.js';

/** The migrations shipped with the package (drizzle/migrations beside package.json). */
export const MIGRATIONS_FOLDER = packagePath('drizzle', 'migrations');

export interface MigrationReport {
  /** Migrations applied by this run (0 on a re-run). */
  applied: number;
  /** Migrations in the folder, all of them applied now. */
  total: number;
}

/** An applied migration's file was edited afterwards, or the journal lost a file. Nothing was applied. */
export class MigrationDriftError extends NexDriveError {
  constructor(message: string) {
    super('MIGRATION_DRIFT', message);
  }
}

async function appliedMigrationHashes(db: Database): Promise<string[]> {
  const [{ exists }] = await queryRows<{ exists: boolean }>(
    db,
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`,
  );
  if (!exists) return [];
  const rows = await queryRows<{ hash: string }>(db, sql`select hash from drizzle.__drizzle_migrations order by id`);
  return rows.map((r) => r.hash);
}

function assertNoDrift(applied: string[], files: { hash: string }[], folder: string): void {
  if (applied.length > files.length) {
    throw new MigrationDriftError(
      `the database has ${applied.length} migrations applied but ${folder} holds only ${files.length}; is this the right folder?`,
    );
  }
  applied.forEach((hash, i) => {
    if (hash !== files[i].hash) {
      throw new MigrationDriftError(
        `migration #${i + 1} in ${folder} differs from the one applied to this database; never edit an applied migration, add a new one`,
      );
    }
  });
}

/**
 * Applies pending migrations. The applied ones are read on the session that holds the migration lock,
 * before and after, so two runs started together report N and 0, never N and N.
 */
export async function runMigrations(handle: DbHandle, migrationsFolder = MIGRATIONS_FOLDER): Promise<MigrationReport> {
  const files = readMigrationFiles({ migrationsFolder });
  return handle.withMigrationLock(async (session) => {
    const before = await appliedMigrationHashes(session.db);
    assertNoDrift(before, files, migrationsFolder);
    await session.migrate({ migrationsFolder });
    const after = await appliedMigrationHashes(session.db);
    assertNoDrift(after, files, migrationsFolder);
    return { applied: after.length - before.length, total: files.length };
  });
}
