// Reads the environment and decides which engine to open, and how long a connection attempt may take.
// Pure: no connections are made here, so the CLI can report a bad DATABASE_URL in one line before
// anything starts.
import path from 'node:path';
import { ConfigError } from './errors.js';

export type EngineName = 'pglite' | 'postgres' | 'neon';

export type ConnectionTarget =
  | { engine: 'pglite'; dataDir: string } // dataDir 'memory://' keeps the database in memory
  | { engine: 'postgres'; url: string }
  | { engine: 'neon'; url: string };

/** Where the embedded database lives when neither DATABASE_URL nor PGLITE_DATA_DIR says otherwise. */
export const DEFAULT_PGLITE_DIR = '.data/pglite';

/** How long one connection attempt may take (DNS, TCP, TLS, startup and authentication) by default. */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

const NEON_HOST = /\.neon\.(tech|build)$/i;
const EXPECTED = 'expected postgres://user:password@host:5432/database or postgres:///database?host=/socket/dir';

// WHATWG URL refuses credentials without a host (postgresql://user@/db?host=/dir), which libpq and
// node-postgres accept; parse such a URL with a placeholder host and report the host as empty.
const NO_HOST = 'nexdrive-no-host.invalid';

function parseUrl(url: string): URL | undefined {
  for (const candidate of [url, url.replace('@/', `@${NO_HOST}/`)]) {
    try {
      return new URL(candidate);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** The host a URL connects to: the `host=` parameter wins over the URL's host, as in libpq. */
function hostOf(parsed: URL): string {
  const hostname = parsed.hostname === NO_HOST ? '' : decodeURIComponent(parsed.hostname);
  return parsed.searchParams.get('host') || hostname;
}

/**
 * DATABASE_URL unset -> embedded PGlite (PGLITE_DATA_DIR or .data/pglite);
 * postgres:// or postgresql:// -> node-postgres, unless the host is Neon's (or DATABASE_DRIVER=neon),
 * then the Neon serverless Pool, which keeps interactive transactions.
 * A Unix socket URL (an empty host and host=/socket/dir) connects through node-postgres.
 */
export function resolveConnectionTarget(env: NodeJS.ProcessEnv = process.env): ConnectionTarget {
  const url = env.DATABASE_URL?.trim();
  if (!url) {
    const dir = env.PGLITE_DATA_DIR?.trim() || DEFAULT_PGLITE_DIR;
    return { engine: 'pglite', dataDir: dir === 'memory://' ? dir : path.resolve(dir) };
  }
  const parsed = parseUrl(url);
  if (!parsed) {
    throw new ConfigError(`DATABASE_URL is not a URL; ${EXPECTED} (or unset it to use the embedded database)`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL has scheme "${parsed.protocol.replace(/:$/, '')}"; ${EXPECTED}`);
  }
  const host = hostOf(parsed);
  if (!host) throw new ConfigError(`DATABASE_URL has no host and no host= parameter; ${EXPECTED}`);
  const driver = env.DATABASE_DRIVER?.trim().toLowerCase();
  if (driver && driver !== 'neon' && driver !== 'postgres') {
    throw new ConfigError(`DATABASE_DRIVER is "${driver}"; expected "postgres" or "neon" (or unset)`);
  }
  connectTimeoutMs(env); // a bad DATABASE_CONNECT_TIMEOUT is reported now, before any engine loads
  const neon = driver ? driver === 'neon' : NEON_HOST.test(host);
  if (neon && host.startsWith('/')) {
    throw new ConfigError(`DATABASE_URL names the Unix socket folder ${host}; the Neon driver connects over WebSocket to a host, set DATABASE_DRIVER=postgres`);
  }
  return neon ? { engine: 'neon', url } : { engine: 'postgres', url };
}

/** DATABASE_CONNECT_TIMEOUT (seconds, default 10) in milliseconds. 0 would mean "wait forever": refused. */
export function connectTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DATABASE_CONNECT_TIMEOUT?.trim();
  if (!raw) return DEFAULT_CONNECT_TIMEOUT_SECONDS * 1000;
  const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(seconds > 0 && seconds <= 3600)) {
    throw new ConfigError(`DATABASE_CONNECT_TIMEOUT is "${raw}"; expected a number of seconds above 0 and at most 3600 (default ${DEFAULT_CONNECT_TIMEOUT_SECONDS})`);
  }
  return Math.round(seconds * 1000);
}

/**
 * NEON_WS_PROXY=host:port, for local testing only: the Neon driver then reaches an ordinary PostgreSQL
 * server through a plain-WebSocket proxy (tests/support/ws-proxy.ts) instead of Neon's own endpoint.
 */
export function neonWsProxy(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env.NEON_WS_PROXY?.trim();
  if (!raw) return undefined;
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(raw)) {
    throw new ConfigError(`NEON_WS_PROXY is "${raw}"; expected host:port of a local WebSocket proxy (testing only), e.g. 127.0.0.1:54330`);
  }
  // The proxy switches TLS off: only a proxy on this machine, so a stray setting can never send
  // credentials in clear text across a network.
  if (!/^(127\.\d+\.\d+\.\d+|localhost):/.test(raw)) {
    throw new ConfigError(`NEON_WS_PROXY is "${raw}"; only a proxy on this machine (127.0.0.1 or localhost) is allowed: it turns TLS off`);
  }
  return raw;
}

/** A URL with its password (in the URL or a password= parameter) hidden, for logs and reports. */
export function redactUrl(url: string): string {
  const parsed = parseUrl(url);
  if (!parsed) return '(unparseable URL)';
  if (parsed.password) parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString().replace(`@${NO_HOST}/`, '@/');
}
