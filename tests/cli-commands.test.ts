// Issue 16: every command has --help, parses its flags with node:util parseArgs, lists all missing
// flags at once, and fails in one line: db:studio without db:serve, sslmode=require, permission denied.
// Real processes (tsx on src/cli, as npm run db:* runs them).
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { describeFailure } from '../src/cli/run.js';
import { emptyServerDatabase, onServer, serverCliEnv } from './support/db.js';
import { APP_TEST_LOGIN } from './support/server.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const COMMANDS = ['setup', 'migrate', 'seed', 'verify', 'serve', 'studio', 'link-instructor', 'erd'];

async function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete base[k];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', `src/cli/${command}.ts`, ...args], {
      cwd: ROOT,
      env: base,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const nowhere = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', DATABASE_CONNECT_TIMEOUT: '2' };

describe('the commands', () => {
  it.each(COMMANDS)('%s --help prints its usage and exits 0 without opening anything', async (command) => {
    const r = await run(command, ['--help'], nowhere);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: nexdrive-db ${command}`));
    expect(r.stderr).toBe('');
  });

  it('rejects an unknown flag in one line', async () => {
    const r = await run('setup', ['--force'], nowhere);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: CONFIG_ERROR: unknown flag --force; usage: nexdrive-db setup/)]);
  });

  it('db:link-instructor lists every missing flag at once', async () => {
    const r = await run('link-instructor', ['--first-name=Rob'], nowhere);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: CONFIG_ERROR: missing --clerk-id=\.\.\. and --adi=\.\.\.; usage: /);
  });

  it('db:studio without db:serve says to start it, in one line', async () => {
    const r = await run('studio', [], { DATABASE_URL: undefined, PGLITE_PORT: String(await closedPort()) });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: CONFIG_ERROR: no database served at .*: start `npm run db:serve` .* first/)]);
  });

  it('sslmode=require gives no node-postgres SECURITY WARNING: one line, the connection failure', async () => {
    const r = await run('migrate', [], { ...nowhere, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none?sslmode=require' });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('SECURITY WARNING');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a permission error is one line that says to run migrations as the owner, without the query', () => {
    const cause = Object.assign(new Error('permission denied for table competency_tasks'), { code: '42501' });
    const wrapped = new DrizzleQueryError(`insert into competency_tasks values (${Array.from({ length: 253 }, (_, i) => `$${i + 1}`).join(', ')})`, [], cause);
    const line = describeFailure(wrapped);
    expect(line).toMatch(/^PERMISSION_DENIED: permission denied for table competency_tasks; .*run migrations as the owner/);
    expect(line).not.toContain('Failed query');
    expect(line).not.toContain('$253');
  });

  it.runIf(onServer)('db:setup as a member of nexdrive_app fails in one line: permission denied, run migrations as the owner', async () => {
    const database = await emptyServerDatabase();
    try {
      const asApp = new URL(database.url);
      asApp.username = APP_TEST_LOGIN;
      asApp.password = '';
      const r = await run('setup', [], serverCliEnv(asApp.toString()));
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: PERMISSION_DENIED: permission denied.*run migrations as the owner/);
      expect(r.stderr).not.toContain('Failed query');
    } finally {
      await database.drop();
    }
  }, 180_000);
});
