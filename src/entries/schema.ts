// @nexdrive/db/schema: the drizzle tables, enums and relations, for an app's own queries (eq(), joins).
export * from '../db/schema/index.js';
