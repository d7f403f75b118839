// Package entry point (@nexdrive/db): what a web route needs at run time. The database (`db`,
// createDb, closeDb), the access layer's operations, errors, domain rules and types. What a route
// never needs has its own subpath, so it is not pulled into every route: @nexdrive/db/migrate,
// /seed, /integrity and /schema (src/entries/*).
export { db, closeDb, openedDbHandle } from './db/lazy.js';
export { createDb, type CreateDbOptions } from './db/client.js';
export { resolveConnectionTarget, type ConnectionTarget, type EngineName } from './db/config.js';
export type { Database, DatabaseOrTransaction, DbHandle, Transaction } from './db/engines/handle.js';
export * from './db/errors.js';
export type * from './db/types.js';
export * from './access/index.js';
export * from './domain/rules.js';
export { canberraDate } from './domain/time.js';
