// A PostgreSQL server (15 or newer) through node-postgres: self-hosting, CI and every concurrency test.
// A socket URL (postgres:///db?host=/run/postgresql) connects through the Unix socket in that folder.
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { connectTimeoutMs, redactUrl } from '../config.js';
import * as schema from '../schema/index.js';
import { checkPool, withConnectErrors } from './connect.js';
import { sslFromUrl } from './ssl.js';
import { type Database, type DbHandle, MIGRATION_LOCK_KEY } from './handle.js';

export interface PostgresOptions {
  url: string;
  /** Pool size; the default suits a CLI or a test file. */
  max?: number;
  /** Limit for one connection attempt; default DATABASE_CONNECT_TIMEOUT or 10 s. */
  connectTimeoutMs?: number;
}

/** Opens a pool; nothing connects until the first query (the lazy `db` of src/db/index.ts uses this). */
export function openPostgresSync(options: PostgresOptions): DbHandle & { pool: pg.Pool } {
  const Client = withConnectErrors(pg.Client, { timeoutMs: options.connectTimeoutMs ?? connectTimeoutMs() });
  const tls = sslFromUrl(options.url); // sslmode as we read it, without node-postgres' warning
  const pool = new pg.Pool({ ...tls, max: options.max ?? 10, Client: Client as unknown as new () => pg.Client });
  // An idle client that loses its server emits 'error'; without a listener that kills the process.
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema }) as unknown as Database;
  return {
    engine: 'postgres',
    db,
    pool,
    location: redactUrl(options.url),
    async withMigrationLock(use) {
      const client = new Client({ ...tls });
      await client.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        const session = drizzle({ client, schema });
        return await use({ db: session as unknown as Database, migrate: (config) => migrate(session, config) });
      } finally {
        await client.end(); // ends the session, which releases the advisory lock
      }
    },
    close: () => pool.end(),
  };
}

/** Opens a pool and checks one connection: a server that cannot be reached fails here with a ConnectionError. */
export async function openPostgres(options: PostgresOptions): Promise<DbHandle & { pool: pg.Pool }> {
  const handle = openPostgresSync(options);
  await checkPool(handle.pool).catch(async (err: unknown) => {
    await handle.close().catch(() => {});
    throw err;
  });
  return handle;
}
