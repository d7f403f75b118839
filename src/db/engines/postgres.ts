// A PostgreSQL server (15 or newer) through node-postgres: self-hosting, CI and every concurrency test.
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { redactUrl } from '../config.js';
import * as schema from '../schema/index.js';
import { type Database, type DbHandle, MIGRATION_LOCK_KEY } from './handle.js';

export interface PostgresOptions {
  url: string;
  /** Pool size; the default suits a CLI or a test file. */
  max?: number;
}

/** Opens a pool; nothing connects until the first query (the lazy `db` of src/db/index.ts uses this). */
export function openPostgresSync(options: PostgresOptions): DbHandle & { pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: options.url, max: options.max ?? 10 });
  // An idle client that loses its server emits 'error'; without a listener that kills the process.
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema }) as unknown as Database;
  return {
    engine: 'postgres',
    db,
    pool,
    location: redactUrl(options.url),
    async migrate(config) {
      const client = new pg.Client({ connectionString: options.url });
      await client.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        await migrate(drizzle({ client, schema }), config);
      } finally {
        await client.end(); // ends the session, which releases the advisory lock
      }
    },
    close: () => pool.end(),
  };
}

export async function openPostgres(options: PostgresOptions): Promise<DbHandle & { pool: pg.Pool }> {
  return openPostgresSync(options);
}
