// Choosing an engine from the environment, and the one-line errors a developer sees when it is wrong.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { createDb } from '../src/db/client.js';
import { DEFAULT_PGLITE_DIR, redactUrl, resolveConnectionTarget } from '../src/db/config.js';
import { ConfigError } from '../src/db/errors.js';

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
    ['not a url', /is not a URL; expected postgres:\/\//],
    ['mysql://u@h/db', /scheme "mysql"; expected postgres:\/\//],
    ['postgres://', /expected postgres:\/\//],
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

  it('hides passwords in reports', () => {
    expect(redactUrl('postgres://rob:secret@h:5432/db')).toBe('postgres://rob:***@h:5432/db');
  });
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
