// Every table of the schema, read from the barrel: one list for the report, the ERD and the tests.
import { getTableName, isTable } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import * as schema from './schema/index.js';

export const ALL_TABLES: readonly PgTable[] = Object.values(schema as Record<string, unknown>).filter((v): v is PgTable => isTable(v));

/** The SQL names of all tables, sorted. */
export const ALL_TABLE_NAMES: readonly string[] = ALL_TABLES.map((t) => getTableName(t)).sort();
