// What every engine hands back: one drizzle database typed with the full schema, its engine's own
// migrator under the migration lock, and a close() that releases every connection.
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { MigrationConfig } from 'drizzle-orm/migrator';
import type { EngineName } from '../config.js';
import type * as schema from '../schema/index.js';

export type Schema = typeof schema;

/** A drizzle database on any engine. Query functions take this (or a transaction) as their first argument. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

/** A transaction handed to a `db.transaction()` callback. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** A function that can run alone or inside a caller's transaction takes this. */
export type DatabaseOrTransaction = Database | Transaction;

export interface DbHandle {
  readonly engine: EngineName;
  readonly db: Database;
  /** Where the data lives: the PGlite folder, or the URL with its password hidden. */
  readonly location: string;
  /**
   * Runs `use` while holding the migration lock, one migrator at a time across processes, on the
   * session that holds it: what `use` reads there (the applied migrations) no other migrator changes.
   */
  withMigrationLock<T>(use: (session: MigrationSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The session that holds the migration lock. */
export interface MigrationSession {
  readonly db: Database;
  /** Applies pending drizzle migrations with this engine's migrator. */
  migrate(config: MigrationConfig): Promise<void>;
}

/**
 * Server engines serialize migrators with a session-level advisory lock, because drizzle reads the
 * last applied migration before opening its transaction: two processes starting at once would both
 * apply the same file, and a count read outside the lock would be wrong. The key is arbitrary but fixed.
 */
export const MIGRATION_LOCK_KEY = 862_417_301;
