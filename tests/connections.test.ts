// Connecting fails clearly and in time, on both server drivers (node-postgres, and the Neon driver
// through a WebSocket proxy), against real sockets: a closed port, an unresolvable host, a server that
// accepts TCP and never answers, a missing database, an unknown role, a wrong password. Each gives a
// ConnectionError with a stable code and a one-line message naming the server and never the password,
// from createDb() and from a query alike; every CLI command prints it as `error: CODE: ...` and exits
// non-zero. Unix socket URLs connect.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { drizzle } from 'drizzle-orm/node-postgres';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createDb } from '../src/db/client.js';
import type { DbHandle } from '../src/db/engines/handle.js';
import { openNeon } from '../src/db/engines/neon.js';
import { openPostgres } from '../src/db/engines/postgres.js';
import { ConnectionError, mapDbErrors, sqlstateOf, toDbError } from '../src/db/errors.js';
import { queryRows } from '../src/db/sql.js';
import { failureOf } from './support/fixtures.js';
import { onServer, openTestDb } from './support/db.js';
import { databaseUrl } from './support/server.js';
import { startWsProxy, type WsProxy } from './support/ws-proxy.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const PASSWORD = 'hunter2-never-printed';
const NO_SUCH_HOST = 'nexdrive-no-such-host.invalid';
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const serverUrl = inject('serverUrl');

/** A port on 127.0.0.1 where nothing listens: bound to learn a free one, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP server that accepts connections and never sends a byte, like a hung server or another service. */
async function silentServer(): Promise<{ port: number; accepted: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The error is a ConnectionError with this code, on one line, naming `names` and never the password. */
function expectConnectionError(err: unknown, code: string, ...names: Array<string | RegExp>): void {
  expect(err).toBeInstanceOf(ConnectionError);
  expect(err).toMatchObject({ code });
  const message = (err as Error).message;
  expect(message).not.toContain('\n');
  expect(message).not.toContain(PASSWORD);
  for (const name of names) {
    if (typeof name === 'string') expect(message).toContain(name);
    else expect(message).toMatch(name);
  }
}

let proxy: WsProxy;
let silent: Awaited<ReturnType<typeof silentServer>>;
beforeAll(async () => {
  proxy = await startWsProxy();
  silent = await silentServer();
});
afterAll(async () => {
  await proxy.close();
  await silent.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const viaPg = (url: string) => openPostgres({ url, max: 1 });
const viaNeon = (url: string) => openNeon({ url, max: 1, wsProxy: proxy.address });

describe('node-postgres: createDb fails fast with a typed one-line error', () => {
  it('a closed port: DB_CONNECTION_REFUSED naming host:port', async () => {
    const port = await closedPort();
    const err = await failureOf(() => viaPg(`postgres://rob:${PASSWORD}@127.0.0.1:${port}/nexdrive`));
    expectConnectionError(err, 'DB_CONNECTION_REFUSED', `127.0.0.1:${port}`, 'check that PostgreSQL is running');
  });

  it(`an unresolvable host (${NO_SUCH_HOST}): DB_HOST_NOT_FOUND naming the host`, async () => {
    const err = await failureOf(() => viaPg(`postgres://rob:${PASSWORD}@${NO_SUCH_HOST}:5432/nexdrive`));
    expectConnectionError(err, 'DB_HOST_NOT_FOUND', `"${NO_SUCH_HOST}"`, 'check the host name');
  });

  it('a server that accepts TCP and never answers: DB_CONNECT_TIMEOUT after DATABASE_CONNECT_TIMEOUT seconds', async () => {
    vi.stubEnv('DATABASE_CONNECT_TIMEOUT', '1');
    const before = silent.accepted();
    const err = await failureOf(() => viaPg(`postgres://rob:${PASSWORD}@127.0.0.1:${silent.port}/nexdrive`));
    expect(silent.accepted()).toBe(before + 1); // TCP was accepted: it is the startup that never finished
    expectConnectionError(err, 'DB_CONNECT_TIMEOUT', `127.0.0.1:${silent.port}`, 'within 1 s', 'DATABASE_CONNECT_TIMEOUT');
  });

  it('a socket folder where no server runs: DB_CONNECTION_REFUSED naming the socket', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nexdrive-nosocket-'));
    try {
      const err = await failureOf(() => viaPg(`postgres:///nexdrive?host=${dir}&port=5999`));
      expectConnectionError(err, 'DB_CONNECTION_REFUSED', `socket ${dir}/.s.PGSQL.5999`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('toDbError gives the same codes for a driver error from a pool the engine did not open', async () => {
    const port = await closedPort();
    const pool = new pg.Pool({ connectionString: `postgres://rob:${PASSWORD}@127.0.0.1:${port}/nexdrive` });
    try {
      const db = drizzle({ client: pool });
      const err = await failureOf(() => mapDbErrors(() => db.execute(sql`select 1`)));
      expectConnectionError(err, 'DB_CONNECTION_REFUSED', `127.0.0.1:${port}`);
      expect(toDbError(new Error('Connection terminated due to connection timeout'))).toMatchObject({ code: 'DB_CONNECT_TIMEOUT' });
      expect(toDbError(new Error('Connection terminated unexpectedly'))).toMatchObject({ code: 'DATABASE_ERROR' }); // mid-query: not a connect failure
    } finally {
      await pool.end();
    }
  });
});

describe('the Neon driver: createDb fails fast with a typed one-line error', () => {
  it('a WebSocket proxy that is not running: DB_CONNECTION_REFUSED naming the proxy', async () => {
    const port = await closedPort();
    const err = await failureOf(() => openNeon({ url: `postgres://rob:${PASSWORD}@127.0.0.1:5432/nexdrive`, max: 1, wsProxy: `127.0.0.1:${port}` }));
    expectConnectionError(err, 'DB_CONNECTION_REFUSED', `through WebSocket proxy 127.0.0.1:${port}`);
  });

  it('a closed port behind the proxy: DB_CONNECTION_FAILED with what the proxy reports', async () => {
    const port = await closedPort();
    const err = await failureOf(() => viaNeon(`postgres://rob:${PASSWORD}@127.0.0.1:${port}/nexdrive`));
    expectConnectionError(err, 'DB_CONNECTION_FAILED', `could not connect to 127.0.0.1:${port} through WebSocket proxy`, 'ECONNREFUSED');
    expect(sqlstateOf(err)).toBe('08001');
  });

  it(`without a proxy (as in production), an unresolvable host: DB_HOST_NOT_FOUND`, async () => {
    vi.stubEnv('NEON_WS_PROXY', ''); // the Neon run of the suite sets it; production has none
    const err = await failureOf(() => openNeon({ url: `postgres://rob:${PASSWORD}@${NO_SUCH_HOST}/nexdrive`, max: 1 }));
    expectConnectionError(err, 'DB_HOST_NOT_FOUND', `"${NO_SUCH_HOST}"`, 'over WebSocket');
  });

  it('a server that accepts TCP and never answers, behind the proxy: DB_CONNECT_TIMEOUT', async () => {
    vi.stubEnv('DATABASE_CONNECT_TIMEOUT', '1');
    const before = silent.accepted();
    const err = await failureOf(() => viaNeon(`postgres://rob:${PASSWORD}@127.0.0.1:${silent.port}/nexdrive`));
    expect(silent.accepted()).toBe(before + 1);
    expectConnectionError(err, 'DB_CONNECT_TIMEOUT', `127.0.0.1:${silent.port} through WebSocket proxy`, 'within 1 s');
  });
});

describe.runIf(onServer).each([
  ['node-postgres', viaPg],
  ['the Neon driver', viaNeon],
] as const)('on the test server, %s', (_driver, open: (url: string) => Promise<DbHandle>) => {
  const host = () => new URL(serverUrl).host;

  it('a database that does not exist: DB_DATABASE_NOT_FOUND naming it and the server', async () => {
    const err = await failureOf(() => open(databaseUrl(serverUrl, 'nexdrive_no_such_database')));
    expectConnectionError(err, 'DB_DATABASE_NOT_FOUND', 'database "nexdrive_no_such_database" does not exist', host(), 'check the database name');
    expect(sqlstateOf(err)).toBe('3D000');
  });

  it('a role that does not exist: DB_AUTH_FAILED naming the user and the server', async () => {
    const url = new URL(serverUrl);
    url.username = 'nexdrive_no_such_role';
    url.password = PASSWORD;
    const err = await failureOf(() => open(url.toString()));
    expectConnectionError(err, 'DB_AUTH_FAILED', 'user "nexdrive_no_such_role"', host(), 'check the user name and password');
    expect(sqlstateOf(err)).toBe('28000');
  });

  it('a query on a handle whose database went away: the same DB_DATABASE_NOT_FOUND, from toDbError', async () => {
    const t = await openTestDb({ poolSize: 1 });
    const handle = await open(t.url!);
    try {
      await handle.db.execute(sql`select 1`);
      await t.dispose(); // drops the database, ending every session on it
      const pool = (handle as DbHandle & { pool: { totalCount: number } }).pool;
      await vi.waitFor(() => expect(pool.totalCount).toBe(0)); // the pool has noticed and dropped its connection
      const err = await failureOf(() => mapDbErrors(() => handle.db.execute(sql`select 1`)));
      expectConnectionError(err, 'DB_DATABASE_NOT_FOUND', host());
    } finally {
      await handle.close();
    }
  });
});

describe.runIf(onServer && existsSync(path.join(PG_BIN, 'initdb')))('a server that requires a password', () => {
  // Its own throwaway server: the test server trusts every local connection.
  const sh = promisify(execFile);
  let dir = '';
  let url = (password: string) => `postgres://nexdrive_pw:${password}@127.0.0.1/postgres`;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nexdrive-pw-pg-'));
    const port = await closedPort();
    const { stdout } = await sh('bash', ['.ci/pg-server.sh', 'start', dir, String(port)], { cwd: ROOT });
    const admin = new pg.Client({ connectionString: stdout.trim() });
    await admin.connect();
    try {
      await admin.query(`create role nexdrive_pw login password 'right-password'`);
      writeFileSync(
        path.join(dir, 'pg_hba.conf'),
        ['local all postgres trust', 'host all postgres 127.0.0.1/32 trust', 'host all all 127.0.0.1/32 scram-sha-256', ''].join('\n'),
      );
      await admin.query('select pg_reload_conf()');
    } finally {
      await admin.end();
    }
    url = (password) => `postgres://nexdrive_pw:${password}@127.0.0.1:${port}/postgres`;
  }, 120_000);
  afterAll(async () => {
    await sh('bash', ['.ci/pg-server.sh', 'stop', dir], { cwd: ROOT });
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['node-postgres', viaPg],
    ['the Neon driver', viaNeon],
  ] as const)('%s: a wrong password gives DB_AUTH_FAILED (28P01) without the password; the right one connects', async (_driver, open) => {
    const err = await failureOf(() => open(url(PASSWORD)));
    expectConnectionError(err, 'DB_AUTH_FAILED', 'user "nexdrive_pw"', 'password authentication failed');
    expect(sqlstateOf(err)).toBe('28P01');
    const handle = await open(url('right-password'));
    try {
      expect(await queryRows(handle.db, sql`select current_user as who`)).toEqual([{ who: 'nexdrive_pw' }]);
    } finally {
      await handle.close();
    }
  });
});

describe.runIf(onServer)('Unix socket URLs (node-postgres)', () => {
  let socket: { dir: string; port: string };
  beforeAll(async () => {
    const admin = await openPostgres({ url: serverUrl, max: 1 });
    try {
      const [row] = await queryRows<{ dir: string; port: string }>(
        admin.db,
        sql`select split_part(current_setting('unix_socket_directories'), ',', 1) as dir, current_setting('port') as port`,
      );
      socket = row;
    } finally {
      await admin.close();
    }
  });

  it.each([
    (s: typeof socket) => `postgres:///postgres?host=${s.dir}&port=${s.port}&user=postgres`,
    (s: typeof socket) => `postgresql://postgres@/postgres?host=${s.dir}&port=${s.port}`,
  ])('createDb() connects through the socket in the host= folder (%#)', async (urlOf) => {
    vi.stubEnv('DATABASE_URL', urlOf(socket));
    vi.stubEnv('DATABASE_DRIVER', '');
    const handle = await createDb();
    try {
      expect(handle.engine).toBe('postgres');
      // inet_server_addr() is null on a Unix socket connection, an address on TCP.
      expect(await queryRows(handle.db, sql`select current_database() as db, inet_server_addr() as addr`)).toEqual([{ db: 'postgres', addr: null }]);
    } finally {
      await handle.close();
    }
  });

  it('db:migrate runs through a socket URL', async () => {
    const t = await openTestDb({ poolSize: 1 });
    try {
      const name = new URL(t.url!).pathname.slice(1);
      const { stdout } = await promisify(execFile)('npx', ['tsx', 'src/cli/migrate.ts'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: `postgres:///${name}?host=${socket.dir}&port=${socket.port}&user=postgres`, DATABASE_DRIVER: 'postgres' },
        encoding: 'utf8',
      });
      expect(stdout).toMatch(new RegExp(`^postgres \\(postgres:///${name}\\?host=.*\\): 0 migrations applied, \\d+ in total$`, 'm'));
    } finally {
      await t.dispose();
    }
  });
});

describe('every CLI command prints `error: CODE: ...` on one line and exits non-zero', () => {
  /** Runs `npx tsx src/cli/<command>.ts` with this environment; resolves with its exit code and stderr. */
  async function cli(command: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
    const base = { ...process.env };
    for (const name of ['DATABASE_URL', 'DATABASE_DRIVER', 'DATABASE_CONNECT_TIMEOUT', 'NEON_WS_PROXY', 'DEBUG']) delete base[name];
    try {
      await promisify(execFile)('npx', ['tsx', `src/cli/${command}.ts`], { cwd: ROOT, env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
      return { code: 0, stderr: '' };
    } catch (err) {
      const e = err as { code: unknown; stderr: string };
      if (typeof e.code !== 'number') throw err;
      return { code: e.code, stderr: e.stderr };
    }
  }

  function expectOneErrorLine(result: { code: number; stderr: string }, line: RegExp): void {
    expect(result.code).not.toBe(0);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(line);
    expect(result.stderr).not.toContain(PASSWORD);
  }

  it('db:setup on a closed port, an unresolvable host and a silent server (DATABASE_CONNECT_TIMEOUT=1)', async () => {
    const port = await closedPort();
    const [refused, unknown, silence] = await Promise.all([
      cli('setup', { DATABASE_URL: `postgres://rob:${PASSWORD}@127.0.0.1:${port}/nexdrive` }),
      cli('setup', { DATABASE_URL: `postgres://rob:${PASSWORD}@${NO_SUCH_HOST}/nexdrive` }),
      cli('setup', { DATABASE_URL: `postgres://rob:${PASSWORD}@127.0.0.1:${silent.port}/nexdrive`, DATABASE_CONNECT_TIMEOUT: '1' }),
    ]);
    expectOneErrorLine(refused, new RegExp(`^error: DB_CONNECTION_REFUSED: nothing accepts connections at 127\\.0\\.0\\.1:${port};`));
    expectOneErrorLine(unknown, new RegExp(`^error: DB_HOST_NOT_FOUND: cannot resolve the host "${NO_SUCH_HOST}"`));
    expectOneErrorLine(silence, new RegExp(`^error: DB_CONNECT_TIMEOUT: 127\\.0\\.0\\.1:${silent.port} did not complete the connection within 1 s;`));
  });

  it('an invalid DATABASE_CONNECT_TIMEOUT is a CONFIG_ERROR before anything connects', async () => {
    expectOneErrorLine(
      await cli('migrate', { DATABASE_URL: 'postgres://rob@127.0.0.1/nexdrive', DATABASE_CONNECT_TIMEOUT: '10s' }),
      /^error: CONFIG_ERROR: DATABASE_CONNECT_TIMEOUT is "10s"; expected a number of seconds/,
    );
  });

  it.runIf(onServer)('db:seed and db:verify on a missing database, through node-postgres and through the Neon driver', async () => {
    const url = databaseUrl(serverUrl, 'nexdrive_no_such_database');
    const [seed, verify] = await Promise.all([
      cli('seed', { DATABASE_URL: url, DATABASE_DRIVER: 'postgres' }),
      cli('verify', { DATABASE_URL: url, DATABASE_DRIVER: 'neon', NEON_WS_PROXY: proxy.address }),
    ]);
    expectOneErrorLine(seed, /^error: DB_DATABASE_NOT_FOUND: database "nexdrive_no_such_database" does not exist on /);
    expectOneErrorLine(verify, /^error: DB_DATABASE_NOT_FOUND: database "nexdrive_no_such_database" does not exist on .* through WebSocket proxy /);
    expect(verify.code).toBe(2); // db:verify: could not run
  });
});
