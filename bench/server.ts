// The PostgreSQL server and the throwaway database a benchmark run uses.
// BENCH_DATABASE_URL names an existing server; without it a throwaway server is started with
// .ci/pg-server.sh in a fresh temporary folder on a free port, and stopped (and its folder removed) at
// the end. Either way the run works in its own database, nexdrive_bench_<random>, dropped at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const PG_SERVER_SCRIPT = fileURLToPath(new URL('../.ci/pg-server.sh', import.meta.url));

export interface BenchServer {
  url: string;
  /** How the server was obtained, for the report. */
  origin: string;
  stop(): Promise<void>;
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Runs .ci/pg-server.sh in its own process group, so a Ctrl-C at the terminal reaches only this
 *  process (which then stops the server in order) and not the postmaster directly. */
function pgServer(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [PG_SERVER_SCRIPT, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`pg-server.sh ${args[0]} exited with ${code}: ${err.trim()}`)),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function acquireServer(): Promise<BenchServer> {
  const given = process.env.BENCH_DATABASE_URL?.trim();
  if (given) {
    const shown = new URL(given);
    if (shown.password) shown.password = '***';
    return { url: given, origin: `BENCH_DATABASE_URL (${shown.host})`, stop: async () => {} };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'nexdrive-bench-pg-'));
  const port = await freePort();
  let url: string;
  try {
    url = (await pgServer(['start', dir, String(port)])).split('\n').pop()!;
  } catch (err) {
    await pgServer(['stop', dir]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stopped = false;
  return {
    url,
    origin: `throwaway server started by .ci/pg-server.sh (127.0.0.1:${port}, ${dir})`,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await pgServer(['stop', dir]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates nexdrive_bench_<random> on the server; drop() removes it, closing any session still in it. */
export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `nexdrive_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  let dropped = false;
  return {
    name,
    url: withDatabase(serverUrl, name),
    async drop() {
      if (dropped) return;
      dropped = true;
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
