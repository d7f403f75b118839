// Choosing an engine from the environment (Unix socket URLs included), the connect timeout and the
// test-only Neon proxy setting, and the one-line errors a developer sees when one of them is wrong.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { createDb } from '../src/db/client.js';
import { connectTimeoutMs, DEFAULT_PGLITE_DIR, neonWsProxy, redactUrl, resolveConnectionTarget } from '../src/db/config.js';
import { ConfigError } from '../src/db/errors.js';

/** The error `run` throws (it must throw). */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('resolveConnectionTarget', () => {
  it('picks embedded PGlite in .data/pglite when DATABASE_URL is unset or blank', () => {
    expect(resolveConnectionTarget({})).toEqual({ engine: 'pglite', dataDir: path.resolve(DEFAULT_PGLITE_DIR) });
    expect(resolveConnectionTarget({ DATABASE_URL: '  ' })).toMatchObject({ engine: 'pglite' });
  });

  it('honours PGLITE_DATA_DIR, including memory://', () => {
    expect(resolveConnectionTarget({ PGLITE_DATA_DIR: 'tmp/db' })).toEqual({ engine: 'pglite', dataDir: path.resolve('tmp/db') });
    expect(resolveConnectionTarget({ PGLITE_DATA_DIR: 'memory://' })).toEqual({ engine: 'pglite', dataDir: 'memory://' });
  });

  it.each(['postgres://u:p@localhost:5432/db', 'postgresql://u@db.internal/nexdrive'])('uses node-postgres for %s', (url) => {
    expect(resolveConnectionTarget({ DATABASE_URL: url })).toEqual({ engine: 'postgres', url });
  });

  it('uses the Neon Pool for a Neon host, and DATABASE_DRIVER overrides the guess', () => {
    const neon = 'postgresql://u:p@ep-cool-1.ap-southeast-2.aws.neon.tech/nexdrive?sslmode=require';
    expect(resolveConnectionTarget({ DATABASE_URL: neon })).toMatchObject({ engine: 'neon' });
    expect(resolveConnectionTarget({ DATABASE_URL: neon, DATABASE_DRIVER: 'postgres' })).toMatchObject({ engine: 'postgres' });
    expect(resolveConnectionTarget({ DATABASE_URL: 'postgres://u@proxy:5432/db', DATABASE_DRIVER: 'neon' })).toMatchObject({ engine: 'neon' });
  });

  it.each([
    'postgres:///nexdrive?host=/var/run/postgresql',
    'postgresql:///nexdrive?host=/tmp/pg&port=5433&user=rob',
    'postgresql://rob@/nexdrive?host=/var/run/postgresql',
    'postgresql://rob:secret@/nexdrive?host=/var/run/postgresql',
    'postgres:///nexdrive?host=db.internal',
  ])('accepts %s (an empty host and a host= parameter) for node-postgres', (url) => {
    expect(resolveConnectionTarget({ DATABASE_URL: url })).toEqual({ engine: 'postgres', url });
  });

  it('refuses a socket URL for the Neon driver, which connects over WebSocket to a host', () => {
    const err = thrownBy(() => resolveConnectionTarget({ DATABASE_URL: 'postgres:///db?host=/var/run/postgresql', DATABASE_DRIVER: 'neon' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/Unix socket folder \/var\/run\/postgresql.*DATABASE_DRIVER=postgres/);
  });

  it.each([
    ['not a url', /is not a URL; expected postgres:\/\//],
    ['mysql://u@h/db', /scheme "mysql"; expected postgres:\/\//],
    ['postgres://', /no host and no host= parameter; expected postgres:\/\//],
    ['postgres:///nexdrive', /no host and no host= parameter/],
    ['postgresql://rob@/nexdrive', /no host and no host= parameter/],
    ['postgres:///nexdrive?port=5433', /no host and no host= parameter/],
  ])('refuses DATABASE_URL=%s with a one-line ConfigError', (url, message) => {
    let caught: unknown;
    try {
      resolveConnectionTarget({ DATABASE_URL: url });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe('CONFIG_ERROR');
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('\n');
  });

  it('refuses an unknown DATABASE_DRIVER', () => {
    expect(() => resolveConnectionTarget({ DATABASE_URL: 'postgres://h/db', DATABASE_DRIVER: 'mysql' })).toThrow(/expected "postgres" or "neon"/);
  });

  it('hides passwords in reports, in the URL or in a password= parameter, socket URLs included', () => {
    expect(redactUrl('postgres://rob:secret@h:5432/db')).toBe('postgres://rob:***@h:5432/db');
    expect(redactUrl('postgresql://rob:secret@/db?host=/tmp/pg')).toBe('postgresql://rob:***@/db?host=/tmp/pg');
    expect(redactUrl('postgres:///db?host=/tmp/pg&password=secret')).not.toContain('secret');
    expect(redactUrl('postgres:///db?host=/tmp/pg')).toBe('postgres:///db?host=/tmp/pg');
  });
});

describe('DATABASE_CONNECT_TIMEOUT', () => {
  it('defaults to 10 s and takes seconds, fractions included', () => {
    expect(connectTimeoutMs({})).toBe(10_000);
    expect(connectTimeoutMs({ DATABASE_CONNECT_TIMEOUT: ' ' })).toBe(10_000);
    expect(connectTimeoutMs({ DATABASE_CONNECT_TIMEOUT: '3' })).toBe(3_000);
    expect(connectTimeoutMs({ DATABASE_CONNECT_TIMEOUT: '0.5' })).toBe(500);
  });

  it.each(['0', '-1', 'abc', '10s', '1e3', '3601', 'Infinity'])('refuses %s with a one-line ConfigError, also when the target is resolved', (value) => {
    for (const run of [
      () => connectTimeoutMs({ DATABASE_CONNECT_TIMEOUT: value }),
      () => resolveConnectionTarget({ DATABASE_URL: 'postgres://h/db', DATABASE_CONNECT_TIMEOUT: value }),
    ]) {
      const err = thrownBy(run);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(`DATABASE_CONNECT_TIMEOUT is "${value}"; expected a number of seconds`);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});

describe('NEON_WS_PROXY (local testing only)', () => {
  it('is unset by default and takes host:port', () => {
    expect(neonWsProxy({})).toBeUndefined();
    expect(neonWsProxy({ NEON_WS_PROXY: '127.0.0.1:54330' })).toBe('127.0.0.1:54330');
  });

  it.each(['ws://127.0.0.1:54330', '127.0.0.1', 'localhost:port'])('refuses %s', (value) => {
    const err = thrownBy(() => neonWsProxy({ NEON_WS_PROXY: value }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('expected host:port');
  });

  it.each(['10.0.0.5:54330', 'proxy.example.com:443', 'ep-cool-1.ap-southeast-2.aws.neon.tech:443'])(
    'refuses a proxy that is not on this machine (%s): it turns TLS off',
    (value) => {
      const err = thrownBy(() => neonWsProxy({ NEON_WS_PROXY: value }));
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('only a proxy on this machine');
    },
  );
});

describe('createDb', () => {
  it('opens an in-memory PGlite with pgvector, pgcrypto and btree_gist available, and closes it', async () => {
    const handle = await createDb({ target: { engine: 'pglite', dataDir: 'memory://' } });
    const { rows } = (await handle.db.execute(
      "select name from pg_available_extensions where name in ('vector', 'pgcrypto', 'btree_gist') order by name",
    )) as unknown as { rows: Array<{ name: string }> };
    expect(rows.map((r) => r.name)).toEqual(['btree_gist', 'pgcrypto', 'vector']);
    expect(handle.engine).toBe('pglite');
    await handle.close();
    await expect(handle.db.execute('select 1')).rejects.toThrow();
  });
});
