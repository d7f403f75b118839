// Neon (production, Sydney) through the serverless driver's WebSocket Pool. Not neon-http: that
// driver has no interactive transactions and its migrator cannot roll back a failed migration.
import { Client, Pool, neonConfig } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-serverless';
import { migrate } from 'drizzle-orm/neon-serverless/migrator';
import ws from 'ws';
import { redactUrl } from '../config.js';
import * as schema from '../schema/index.js';
import { type Database, type DbHandle, MIGRATION_LOCK_KEY } from './handle.js';

export interface NeonOptions {
  url: string;
  max?: number;
}

/** Opens a pool; nothing connects until the first query (the lazy `db` of src/db/index.ts uses this). */
export function openNeonSync(options: NeonOptions): DbHandle & { pool: Pool } {
  // Node 20 has no global WebSocket; Neon's driver needs one.
  neonConfig.webSocketConstructor ??= ws;
  const pool = new Pool({ connectionString: options.url, max: options.max ?? 10 });
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema }) as unknown as Database;
  return {
    engine: 'neon',
    db,
    pool,
    location: redactUrl(options.url),
    async migrate(config) {
      const client = new Client(options.url);
      await client.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        await migrate(drizzle({ client, schema }), config);
      } finally {
        await client.end();
      }
    },
    close: () => pool.end(),
  };
}

export async function openNeon(options: NeonOptions): Promise<DbHandle & { pool: Pool }> {
  return openNeonSync(options);
}
