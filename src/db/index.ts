// The database layer's public face (spec section 3.3's src/db/index.ts): the ready `db` of the
// environment (opened on first use, closed by closeDb()), createDb() for code that manages its own
// handle, migrate, seed, and the schema, types and errors that go with them.
export { db, closeDb, openedDbHandle } from './lazy.js';
export { createDb, type CreateDbOptions } from './client.js';
export { resolveConnectionTarget, type ConnectionTarget, type EngineName } from './config.js';
export type { Database, DatabaseOrTransaction, DbHandle, Transaction } from './engines/handle.js';
export { runMigrations, MigrationDriftError, MIGRATIONS_FOLDER, type MigrationReport } from './migrate.js';
export { seedReferenceData, type SeedReport } from './seed/index.js';
export { describeDatabase, formatReport } from './report.js';
export * from './errors.js';
export * as schema from './schema/index.js';
export type * from './types.js';
