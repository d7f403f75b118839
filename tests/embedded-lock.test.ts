// One writer per embedded (PGlite) folder. A second process opening a folder would keep its own copy
// of the database in memory and overwrite the first one's files, so: a folder held by a process is
// refused to others (EMBEDDED_DB_LOCKED, naming the holder), unless the holder is db:serve, which
// every other opener connects through; a dead holder's lock is taken over, by exactly one process;
// and db:serve's clients take turns on its one PostgreSQL session. Real processes on real folders,
// each a copy of one folder migrated and seeded in beforeAll. PGlite-only: skipped on a server run.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../src/db/client.js';
import { acquireFolderLock, lockPathFor, readFolderLock } from '../src/db/engines/folder-lock.js';
import { openPglite } from '../src/db/engines/pglite.js';
import { EmbeddedDbLockedError } from '../src/db/errors.js';
import { runMigrations } from '../src/db/migrate.js';
import { seedReferenceData } from '../src/db/seed/index.js';
import { onServer } from './support/db.js';
import { type Child, killRunningChildren, runTsx } from './support/processes.js';

const SERVE = 'src/cli/serve.ts';
const SETUP = 'src/cli/setup.ts';
const VERIFY = 'src/cli/verify.ts';
const CHILD = 'tests/support/lock-child.ts';

let root: string;
let template: string;
let copies = 0;

/** A fresh folder holding the migrated, seeded database (copying beats PGlite's ~4 s initdb). */
function migratedFolder(): string {
  const dir = path.join(root, `db${++copies}`);
  cpSync(template, dir, { recursive: true });
  return dir;
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';

async function auditIds(dataDir: string): Promise<string[]> {
  const handle = await openPglite({ dataDir });
  try {
    const { rows } = await handle.client.query<{ id: string }>('select id from audit_log order by id');
    return rows.map((r) => r.id);
  } finally {
    await handle.close();
  }
}

async function startServe(dataDir: string): Promise<{ child: Child; url: string }> {
  const child = runTsx(SERVE, ['--port=0'], { PGLITE_DATA_DIR: dataDir });
  const [, url] = await child.waitFor(/^serving .* at (postgres:\/\/\S+) /m);
  return { child, url };
}

async function stop(child: Child): Promise<void> {
  child.signal('SIGTERM');
  const result = await child.finished;
  expect(result.code, result.stderr).toBe(0);
}

function withTimeout<T>(promise: Promise<T>, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]);
}

describe.skipIf(onServer)('embedded folder lock', () => {
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'nexdrive-lock-'));
    template = path.join(root, 'template');
    const handle = await openPglite({ dataDir: template });
    await runMigrations(handle);
    await seedReferenceData(handle.db);
    await handle.close();
  });
  afterEach(killRunningChildren);
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('while db:serve runs, db:setup, createDb() and db in other processes go through it, and every committed row is there after it stops', async () => {
    const dir = migratedFolder();
    const env = { PGLITE_DATA_DIR: dir };
    const serve = await startServe(dir);
    expect(readFolderLock(dir)?.holder).toMatchObject({ pid: serve.child.pid, servingUrl: serve.url });

    // At once: db:setup, two processes appending through createDb(), one through the lazy db, and a
    // direct client (as psql or Drizzle Studio would be).
    const setup = runTsx(SETUP, [], env);
    const appenders = [runTsx(CHILD, ['append', '30'], env), runTsx(CHILD, ['append', '30'], env), runTsx(CHILD, ['lazy-append', '10'], env)];
    const direct = new pg.Pool({ connectionString: serve.url, max: 3 });
    const directIds: string[] = [];
    const directWork = (async () => {
      for (let i = 0; i < 30; i++) {
        const { rows } = await direct.query<{ id: string }>(
          'insert into audit_log (event_type, details) values ($1, $2) returning id',
          ['LOCK_TEST_DIRECT', { i }],
        );
        directIds.push(rows[0].id);
      }
    })();
    const [setupResult, ...appended] = await Promise.all([setup.finished, ...appenders.map((a) => a.finished)]);
    await directWork;
    await direct.end();

    expect(setupResult.code, setupResult.stderr).toBe(0);
    expect(setupResult.stdout).toContain(`engine      postgres (${dir} via db:serve at ${serve.url})`);
    expect(setupResult.stdout).toMatch(/^migrations {2}0 applied/m);
    const childIds = appended.flatMap((result) => {
      expect(result.code, result.stderr).toBe(0);
      const out = JSON.parse(lastLine(result.stdout)) as { location: string; ids: string[] };
      expect(out.location).toBe(`${dir} via db:serve at ${serve.url}`);
      return out.ids;
    });
    const committed = [...directIds, ...childIds];
    expect(new Set(committed).size).toBe(100);

    await stop(serve.child);
    expect(existsSync(lockPathFor(dir))).toBe(false);

    // Opened again, the folder has every row a writer was told was committed, and nothing else.
    expect(await auditIds(dir)).toEqual([...committed].sort());

    // And verify, opening the folder itself, counts the same rows in an intact chain.
    const verify = await runTsx(VERIFY, ['--json'], env).finished;
    expect(verify.code, verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout) as { ok: boolean; heads: Array<{ table: string; rows: number }> };
    expect(report.ok).toBe(true);
    expect(report.heads.find((h) => h.table === 'audit_log')?.rows).toBe(100);
  });

  it('a folder held by a process that does not serve it: others fail at once with EMBEDDED_DB_LOCKED naming the holder, and write nothing', async () => {
    const dir = migratedFolder();
    const env = { PGLITE_DATA_DIR: dir };
    const holder = runTsx(CHILD, ['hold'], env);
    const [ready] = await holder.waitFor(/^\{"ready".*$/m);
    expect(JSON.parse(ready)).toEqual({ ready: true, pid: holder.pid, location: dir });

    for (const second of [runTsx(CHILD, ['append', '5'], env), runTsx(SETUP, [], env)]) {
      const result = await second.finished;
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^error: EMBEDDED_DB_LOCKED: the embedded database ${dir} is in use by pid ${holder.pid} \\(node tests/support/lock-child\\.ts hold, since `));
      expect(lines[0]).toContain('stop that process, or run `npm run db:serve`');
    }

    await stop(holder);
    expect(existsSync(lockPathFor(dir))).toBe(false);
    expect(await auditIds(dir)).toEqual([]);
  });

  it('a holder killed with SIGKILL leaves a stale lock, which the next open takes over', async () => {
    const dir = migratedFolder();
    const env = { PGLITE_DATA_DIR: dir };
    const holder = runTsx(CHILD, ['hold'], env);
    await holder.waitFor(/^\{"ready"/m);
    holder.signal('SIGKILL');
    expect((await holder.finished).signal).toBe('SIGKILL');
    expect(readFolderLock(dir)).toMatchObject({ holder: { pid: holder.pid }, state: 'dead' });

    const next = await runTsx(CHILD, ['append', '3'], env).finished;
    expect(next.code, next.stderr).toBe(0);
    const out = JSON.parse(lastLine(next.stdout)) as { location: string; engine: string; ids: string[] };
    expect(out).toMatchObject({ location: dir, engine: 'pglite' });
    expect(existsSync(lockPathFor(dir))).toBe(false); // released at close
    expect(await auditIds(dir)).toEqual([...out.ids].sort());
  });

  it('a process that exits without closing leaves no lock behind', async () => {
    const dir = path.join(root, 'exit-holding');
    const result = await runTsx(CHILD, ['exit-holding', dir]).finished;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ held: lockPathFor(dir) });
    expect(existsSync(lockPathFor(dir))).toBe(false);
  });

  it('processes racing to take over one stale lock: exactly one wins, the others name the winner', async () => {
    for (let round = 1; round <= 2; round++) {
      const dir = path.join(root, `race${round}`);
      mkdirSync(dir);
      const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
      const stale = { pid: deadPid, command: 'crashed', hostname: hostname(), startedAt: new Date().toISOString(), startToken: null, lockId: `stale-${round}` };
      writeFileSync(lockPathFor(dir), JSON.stringify(stale));
      const go = path.join(root, `go${round}`);
      const racers = [1, 2, 3].map(() => runTsx(CHILD, ['race', dir, go]));
      await Promise.all(racers.map((r) => r.waitFor(/^ready$/m)));
      writeFileSync(go, ''); // every racer polls for this file each millisecond

      const outcomes = await Promise.all(
        racers.map((r) =>
          r.waitFor(/^won \d+$/m).then(
            () => ({ racer: r, won: true, stderr: '' }),
            async () => ({ racer: r, won: false, ...(await r.finished) }),
          ),
        ),
      );
      const winners = outcomes.filter((o) => o.won);
      expect(winners, `round ${round}`).toHaveLength(1);
      const winner = winners[0].racer;
      expect(readFolderLock(dir)).toMatchObject({ holder: { pid: winner.pid }, state: 'alive' });
      for (const loser of outcomes.filter((o) => !o.won)) {
        expect(loser.stderr.trim()).toMatch(new RegExp(`^error: EMBEDDED_DB_LOCKED: .* in use by pid ${winner.pid} \\(`));
      }
      await stop(winner);
      expect(existsSync(lockPathFor(dir))).toBe(false);
    }
  });

  it('clients of db:serve take turns: parameterized queries of concurrent clients each get their own result, even when messages arrive in pieces', async () => {
    const serve = await startServe(migratedFolder());
    // A client on a slow link: the proxy forwards a Parse at once and the rest of that write 20 ms
    // later, as a network may. Unguarded, another client's Parse lands in between and this
    // client's Bind binds that client's statement.
    const target = new URL(serve.url);
    const proxy = net.createServer((socket) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      upstream.on('data', (d) => socket.write(d));
      let pending = Promise.resolve();
      socket.on('data', (chunk) => {
        pending = pending.then(async () => {
          const first = chunk[0] === 0x50 && chunk.length > 5 ? 1 + chunk.readInt32BE(1) : chunk.length;
          upstream.write(chunk.subarray(0, first));
          if (first < chunk.length) {
            await new Promise((r) => setTimeout(r, 20));
            upstream.write(chunk.subarray(first));
          }
        });
      });
      socket.on('close', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
      socket.on('error', () => {});
      upstream.on('error', () => {});
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `postgres://postgres@127.0.0.1:${(proxy.address() as net.AddressInfo).port}/postgres`;

    const urls = [proxyUrl, serve.url, serve.url, proxyUrl];
    const wrong: string[] = [];
    try {
      await Promise.all(
        urls.map(async (url, client) => {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          try {
            for (let q = 0; q < 40; q++) {
              const tag = `client ${client} query ${q}`;
              // Each client its own statement text (and column order), the same parameter types.
              const text = client % 2 ? `select $1::text as tag, ${client} as client` : `select ${client} as client, $1::text as tag`;
              const { rows } = await withTimeout(c.query<{ tag: string; client: number }>(text, [tag]));
              if (rows[0]?.tag !== tag || rows[0]?.client !== client) wrong.push(`${tag} got ${JSON.stringify(rows)}`);
            }
          } finally {
            await c.end();
          }
        }),
      );
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
    expect(wrong).toEqual([]);
    await stop(serve.child);
  });

  it('the same process opening a folder twice is refused, and close() releases it', async () => {
    const dir = migratedFolder();
    const first = await createDb({ target: { engine: 'pglite', dataDir: dir } });
    const refused = await createDb({ target: { engine: 'pglite', dataDir: dir } }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(EmbeddedDbLockedError);
    expect((refused as EmbeddedDbLockedError).code).toBe('EMBEDDED_DB_LOCKED');
    expect((refused as Error).message).toMatch(/already open in this process/);
    await first.close();
    expect(existsSync(lockPathFor(dir))).toBe(false);
    const again = await createDb({ target: { engine: 'pglite', dataDir: dir } });
    await again.close();
  });

  describe('stale or foreign lock files', () => {
    const lockOf = (holder: object) => {
      const dir = path.join(root, `crafted${++copies}`);
      mkdirSync(dir);
      writeFileSync(lockPathFor(dir), JSON.stringify(holder));
      return dir;
    };
    const base = () => ({ command: 'node other.ts', hostname: hostname(), startedAt: new Date().toISOString(), lockId: 'crafted' });

    it.skipIf(!existsSync('/proc/self/stat'))('a lock whose pid now belongs to another process (another start token) is stale', () => {
      const dir = lockOf({ ...base(), pid: process.pid, startToken: '1' });
      const lock = acquireFolderLock(dir);
      expect(JSON.parse(readFileSync(lockPathFor(dir), 'utf8'))).toMatchObject({ pid: process.pid, lockId: lock.holder.lockId });
      expect(lock.holder.startToken).not.toBe('1');
      lock.release();
      expect(existsSync(lockPathFor(dir))).toBe(false);
    });

    it('a live holder is never taken over, and a lock of another host is not either (its process cannot be checked)', () => {
      const live = lockOf({ ...base(), pid: process.ppid, startToken: null });
      expect(() => acquireFolderLock(live)).toThrow(new RegExp(`in use by pid ${process.ppid} \\(node other\\.ts`));
      const foreign = lockOf({ ...base(), pid: 4242, hostname: 'laptop.example', startToken: null });
      expect(() => acquireFolderLock(foreign)).toThrow(/locked by pid 4242 on host laptop\.example .*delete .*\.lock$/);
      expect(JSON.parse(readFileSync(lockPathFor(foreign), 'utf8'))).toMatchObject({ pid: 4242 });
    });

    it('an empty lock file (its creator died before writing it) is taken over once it is a few seconds old', () => {
      const dir = lockOf({});
      writeFileSync(lockPathFor(dir), '');
      const old = new Date(Date.now() - 60_000);
      utimesSync(lockPathFor(dir), old, old);
      const lock = acquireFolderLock(dir);
      expect(lock.holder.pid).toBe(process.pid);
      lock.release();
    });
  });
});
