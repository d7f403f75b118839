// What every engine hands back: one drizzle database typed with the full schema, its engine's own
// migrator, and a close() that releases every connection.
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
  /** Applies pending drizzle migrations with this engine's migrator, one at a time across processes. */
  migrate(config: MigrationConfig): Promise<void>;
  close(): Promise<void>;
}

/**
 * Server engines serialize migrators with a session-level advisory lock, because drizzle reads the
 * last applied migration before opening its transaction: two processes starting at once would both
 * apply the same file. The key is arbitrary but fixed.
 */
export const MIGRATION_LOCK_KEY = 862_417_301;
