// Small helpers for raw SQL that every engine answers the same way.
import type { SQL } from 'drizzle-orm';
import type { DatabaseOrTransaction } from './engines/handle.js';

/** Runs raw SQL and returns its rows. pg, PGlite and Neon all answer `execute` with `{ rows }`. */
export async function queryRows<T extends Record<string, unknown>>(db: DatabaseOrTransaction, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
