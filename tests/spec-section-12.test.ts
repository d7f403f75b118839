// SPEC-01 section 12.3's integration tests as the spec writes them: `import { db } from '@/db'` and the
// tables from '@/db/schema', then queries on `db` with no setup of their own. Here `db` is the
// environment's database opened on first use, so beforeAll points the environment at this file's own
// migrated, seeded database (a PGlite folder, or a database on the test server) and afterAll closes it.
// The spec's fourth test ("enforces append-only on lessons") has an empty body; lessons' rules are
// tested in append-only.test.ts. Also here: `db` is lazy, and closeDb() lets go of it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { db, closeDb, createDb, openedDbHandle, runMigrations, seedReferenceData } from '@/db';
import { competencyTasks, services, lessons, auditLog } from '@/db/schema';
import { eq } from 'drizzle-orm';
import { lockPathFor } from '../src/db/engines/folder-lock.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';

void lessons; // imported by the spec's file for its fourth test

const savedEnv = { DATABASE_URL: process.env.DATABASE_URL, PGLITE_DATA_DIR: process.env.PGLITE_DATA_DIR };
let folder: string | undefined; // PGlite
let serverDb: TestDb | undefined; // server
let admin: pg.Client | undefined;
const LAZY_DB_APPLICATION = 'nexdrive-spec12-lazy-db';

/** What "db is open" means on this engine: the folder's lock file, or connections to the database. */
async function dbIsOpen(): Promise<boolean> {
  if (folder) return existsSync(lockPathFor(folder));
  const name = new URL(serverDb!.url!).pathname.slice(1);
  // A closed connection leaves pg_stat_activity a moment later. Only the lazy db's connections count
  // (its URL names them): the test harness's own pool keeps a connection to this database too.
  for (let attempt = 0; ; attempt++) {
    const { rows } = await admin!.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = $2',
      [name, LAZY_DB_APPLICATION],
    );
    if (rows[0].n === 0 || attempt === 20) return rows[0].n > 0;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (onServer) {
    serverDb = await openTestDb(); // a copy of the migrated, seeded template
    admin = new pg.Client({ connectionString: inject('serverUrl') }); // the server's own database
    await admin.connect();
    const url = new URL(serverDb.url!);
    url.searchParams.set('application_name', LAZY_DB_APPLICATION);
    process.env.DATABASE_URL = url.toString();
    delete process.env.PGLITE_DATA_DIR;
  } else {
    folder = path.join(mkdtempSync(path.join(tmpdir(), 'nexdrive-spec12-')), 'pglite');
    const handle = await createDb({ target: { engine: 'pglite', dataDir: folder } });
    await runMigrations(handle);
    await seedReferenceData(handle.db);
    await handle.close();
    delete process.env.DATABASE_URL;
    process.env.PGLITE_DATA_DIR = folder;
  }
});

afterAll(async () => {
  await closeDb();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await admin?.end();
  await serverDb?.dispose();
  if (folder) rmSync(path.dirname(folder), { recursive: true, force: true });
});

describe('the lazy db', () => {
  it('opens nothing when imported, opens on first use, and closeDb() lets go of it; a later use opens it again', async () => {
    expect(openedDbHandle()).toBeNull();
    expect(await dbIsOpen()).toBe(false);
    expect(JSON.stringify({ db })).toBe('{"db":{}}'); // logging it is not a use
    expect(openedDbHandle()).toBeNull();
    const [{ n }] = await db.select({ n: competencyTasks.taskNumber }).from(competencyTasks).where(eq(competencyTasks.taskNumber, 1));
    expect(n).toBe(1);
    expect(await dbIsOpen()).toBe(true);
    expect(openedDbHandle()?.location).toContain(folder ?? new URL(serverDb!.url!).pathname); // this file's database, from the environment
    await closeDb();
    expect(openedDbHandle()).toBeNull();
    expect(await dbIsOpen()).toBe(false);
    expect(await db.select().from(services)).not.toHaveLength(0);
    expect(await dbIsOpen()).toBe(true);
  });
});

describe('Database integration', () => {
  it('has 23 competency tasks after seeding', async () => {
    const tasks = await db.select().from(competencyTasks);
    expect(tasks).toHaveLength(23);
  });

  it('has default services after seeding', async () => {
    const allServices = await db.select().from(services);
    expect(allServices.length).toBeGreaterThanOrEqual(7);
  });

  it('auto-computes audit hash on insert', async () => {
    const [entry] = await db.insert(auditLog).values({
      eventType: 'TEST_EVENT',
      severity: 'info',
      details: { test: true },
      recordHash: 'placeholder', // trigger overrides this
    }).returning();

    expect(entry.recordHash).not.toBe('placeholder');
    expect(entry.recordHash).toMatch(/^[a-f0-9]{64}$/); // SHA-256 hex
    expect(entry.previousHash).toBeNull(); // first record in chain
  });
});
