// The test server: naming of its throwaway databases, and the driver each test opens them with
// (node-postgres, or with TEST_DATABASE_DRIVER=neon the Neon serverless driver through a local
// WebSocket proxy, tests/support/ws-proxy.ts, named by NEON_WS_PROXY).
import { openNeon } from '../../src/db/engines/neon.js';
import { openPostgres } from '../../src/db/engines/postgres.js';
import type { DbHandle } from '../../src/db/engines/handle.js';

export const TEMPLATE_DATABASE = 'nexdrive_test_template';

/** A login role in nexdrive_app (created by global setup): how tests connect as the application does. */
export const APP_TEST_LOGIN = 'nexdrive_app_test';

export type ServerDriver = 'postgres' | 'neon';

/** The same server URL pointing at another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** TEST_DATABASE_DRIVER: postgres (default) or neon, which needs NEON_WS_PROXY. */
export function serverDriverFromEnv(env: NodeJS.ProcessEnv = process.env): ServerDriver {
  const driver = env.TEST_DATABASE_DRIVER?.trim().toLowerCase() || 'postgres';
  if (driver !== 'postgres' && driver !== 'neon') throw new Error(`TEST_DATABASE_DRIVER is "${driver}"; expected postgres or neon`);
  if (driver === 'neon' && !env.NEON_WS_PROXY) {
    throw new Error('TEST_DATABASE_DRIVER=neon needs NEON_WS_PROXY=host:port of a running tests/support/ws-proxy.ts');
  }
  return driver;
}

/** Opens a database of the test server with the driver under test. */
export function openServerDb(driver: ServerDriver, url: string, max: number): Promise<DbHandle> {
  return driver === 'neon' ? openNeon({ url, max }) : openPostgres({ url, max });
}
