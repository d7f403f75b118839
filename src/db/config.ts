// Reads the environment and decides which engine to open. Pure: no connections are made here,
// so the CLI can report a bad DATABASE_URL in one line before anything starts.
import path from 'node:path';
import { ConfigError } from './errors.js';

export type EngineName = 'pglite' | 'postgres' | 'neon';

export type ConnectionTarget =
  | { engine: 'pglite'; dataDir: string } // dataDir 'memory://' keeps the database in memory
  | { engine: 'postgres'; url: string }
  | { engine: 'neon'; url: string };

/** Where the embedded database lives when neither DATABASE_URL nor PGLITE_DATA_DIR says otherwise. */
export const DEFAULT_PGLITE_DIR = '.data/pglite';

const NEON_HOST = /\.neon\.(tech|build)$/i;

/**
 * DATABASE_URL unset -> embedded PGlite (PGLITE_DATA_DIR or .data/pglite);
 * postgres:// or postgresql:// -> node-postgres, unless the host is Neon's (or DATABASE_DRIVER=neon),
 * then the Neon serverless Pool, which keeps interactive transactions.
 */
export function resolveConnectionTarget(env: NodeJS.ProcessEnv = process.env): ConnectionTarget {
  const url = env.DATABASE_URL?.trim();
  if (!url) {
    const dir = env.PGLITE_DATA_DIR?.trim() || DEFAULT_PGLITE_DIR;
    return { engine: 'pglite', dataDir: dir === 'memory://' ? dir : path.resolve(dir) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      `DATABASE_URL is not a URL; expected postgres://user:password@host:5432/database (or unset it to use the embedded database)`,
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(
      `DATABASE_URL has scheme "${parsed.protocol.replace(/:$/, '')}"; expected postgres://user:password@host:5432/database`,
    );
  }
  if (!parsed.hostname) {
    throw new ConfigError('DATABASE_URL has no host; expected postgres://user:password@host:5432/database');
  }
  const driver = env.DATABASE_DRIVER?.trim().toLowerCase();
  if (driver && driver !== 'neon' && driver !== 'postgres') {
    throw new ConfigError(`DATABASE_DRIVER is "${driver}"; expected "postgres" or "neon" (or unset)`);
  }
  const neon = driver ? driver === 'neon' : NEON_HOST.test(parsed.hostname);
  return neon ? { engine: 'neon', url } : { engine: 'postgres', url };
}

/** A URL with its password hidden, for logs and reports. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
