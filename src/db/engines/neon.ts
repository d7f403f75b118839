// Neon (production, Sydney) through the serverless driver's WebSocket Pool. Not neon-http: that
// driver has no interactive transactions and its migrator cannot roll back a failed migration.
// For local testing only, NEON_WS_PROXY=host:port sends the driver through a plain-WebSocket proxy to
// an ordinary PostgreSQL server (tests/support/ws-proxy.ts), so CI runs this engine's code for real.
import { Client, Pool, neonConfig } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-serverless';
import { migrate } from 'drizzle-orm/neon-serverless/migrator';
import ws from 'ws';
import { connectTimeoutMs, neonWsProxy, redactUrl } from '../config.js';
import * as schema from '../schema/index.js';
import { checkPool, withConnectErrors } from './connect.js';
import { type Database, type DbHandle, MIGRATION_LOCK_KEY } from './handle.js';

export interface NeonOptions {
  url: string;
  max?: number;
  /** Limit for one connection attempt; default DATABASE_CONNECT_TIMEOUT or 10 s. */
  connectTimeoutMs?: number;
  /** host:port of a plain-WebSocket proxy to a non-Neon server (testing only); default NEON_WS_PROXY. */
  wsProxy?: string;
}

/**
 * Settings for a proxy without TLS in front of an ordinary server: plain ws://, no TLS inside the
 * PostgreSQL protocol, and no pipelined startup (that assumes Neon's cleartext-password handshake).
 */
function proxiedClient(proxy: string): typeof Client {
  return class ProxiedClient extends Client {
    constructor(config: ConstructorParameters<typeof Client>[0]) {
      super(config);
      // Per client (the getter returns this connection's socket), so the global neonConfig stays as Neon needs it.
      Object.assign(this.neonConfig, {
        wsProxy: proxy,
        useSecureWebSocket: false,
        forceDisablePgSSL: true,
        pipelineTLS: false,
        pipelineConnect: false,
      });
    }
  };
}

/** Opens a pool; nothing connects until the first query (the lazy `db` of src/db/index.ts uses this). */
export function openNeonSync(options: NeonOptions): DbHandle & { pool: Pool } {
  // Node 20 has no global WebSocket; Neon's driver needs one.
  neonConfig.webSocketConstructor ??= ws;
  const proxy = options.wsProxy ?? neonWsProxy();
  const NeonClient = withConnectErrors(proxy ? proxiedClient(proxy) : Client, {
    timeoutMs: options.connectTimeoutMs ?? connectTimeoutMs(),
    via: proxy ? `through WebSocket proxy ${proxy}` : 'over WebSocket',
  });
  const pool = new Pool({ connectionString: options.url, max: options.max ?? 10 });
  pool.Client = NeonClient; // Neon's Pool sets its own Client class and ignores the `Client` option
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema }) as unknown as Database;
  return {
    engine: 'neon',
    db,
    pool,
    location: redactUrl(options.url),
    async withMigrationLock(use) {
      const client = new NeonClient(options.url);
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
export async function openNeon(options: NeonOptions): Promise<DbHandle & { pool: Pool }> {
  const handle = openNeonSync(options);
  await checkPool(handle.pool).catch(async (err: unknown) => {
    await handle.close().catch(() => {});
    throw err;
  });
  return handle;
}
