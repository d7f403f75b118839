// Issue 16: one client that connected to db:serve without a user name wedged it (every later client:
// "server closed the connection unexpectedly", nothing logged). A real db:serve process here meets
// the failing clients one after another, and after each a good client must still get its answer.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
let serve: ChildProcess;
let url = '';
let port = 0;
let stderr = '';
const dir = mkdtempSync(path.join(tmpdir(), 'nexdrive-serve-'));

beforeAll(async () => {
  const env = { ...process.env, PGLITE_DATA_DIR: path.join(dir, 'pglite') } as NodeJS.ProcessEnv;
  delete env.DATABASE_URL;
  serve = spawn(process.execPath, ['--import', 'tsx', 'src/cli/serve.ts', '--port=0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  serve.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    serve.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (postgres:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    serve.on('exit', (code) => reject(new Error(`db:serve exited ${code}: ${stderr}`)));
  });
  port = Number(new URL(url).port);
}, 120_000);

afterAll(async () => {
  if (serve.exitCode === null) {
    const exited = new Promise((resolve) => serve.once('exit', resolve));
    serve.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function goodClientAnswers(): Promise<number> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return (await client.query<{ n: number }>('select 41 + 1 as n')).rows[0].n;
  } finally {
    await client.end();
  }
}

/** Writes bytes on a raw connection; resolves with what came back once the server or `closeAfterMs` ends it. */
function raw(bytes: Buffer, closeAfterMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let reply = Buffer.alloc(0);
    socket.on('data', (d) => (reply = Buffer.concat([reply, d])));
    socket.on('error', () => {});
    socket.on('close', () => resolve(reply.toString('latin1')));
    setTimeout(() => socket.destroy(), closeAfterMs);
  });
}

function startup(params: Record<string, string>): Buffer {
  const body = Buffer.from(`${Object.entries(params).map(([k, v]) => `${k}\0${v}\0`).join('')}\0`);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
}

describe('db:serve after a failing client', () => {
  it('refuses a startup packet without a user name (28000), logs it in one line, and keeps serving', async () => {
    expect(await goodClientAnswers()).toBe(42);
    const reply = await raw(startup({ database: 'postgres' }));
    expect(reply).toContain('28000');
    expect(reply).toContain('no PostgreSQL user name specified');
    expect(await goodClientAnswers()).toBe(42);
    expect(stderr).toMatch(/^db:serve: client #\d+ refused: no PostgreSQL user name specified in startup packet$/m);
  });

  it('keeps serving after a malformed startup packet, a wrong password, and a client gone mid-startup', async () => {
    await raw(Buffer.from([0, 0, 0, 12, 0, 3, 0, 0, 0x75, 0x73, 0x65, 0x72])); // "user" without its terminators
    expect(await goodClientAnswers()).toBe(42);
    await raw(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect(await goodClientAnswers()).toBe(42);
    await raw(startup({ user: 'postgres', database: 'postgres' }).subarray(0, 10), 50); // cut short
    expect(await goodClientAnswers()).toBe(42);
    const wrong = new pg.Client({ connectionString: url.replace('postgres@', 'postgres:wrong@') });
    wrong.on('error', () => {});
    await wrong.connect().then(() => wrong.end(), () => {});
    expect(await goodClientAnswers()).toBe(42);
    const [dropped] = await Promise.all([raw(Buffer.concat([startup({ user: 'postgres', database: 'postgres' }), Buffer.from('Q\0\0\0\x0dselect 1')]), 300)]);
    expect(typeof dropped).toBe('string');
    expect(await goodClientAnswers()).toBe(42);
  });
});
