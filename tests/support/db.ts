// Each test file opens its own database, cloned from the migrated, seeded template of global setup.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { openPglite } from '../../src/db/engines/pglite.js';
import { sql } from 'drizzle-orm';
import type { DbHandle, Transaction } from '../../src/db/engines/handle.js';
import { APP_TEST_LOGIN, databaseUrl, openServerDb, TEMPLATE_DATABASE } from './server.js';

/** pglite, or on the test server: postgres (node-postgres) or neon (the Neon driver through ws-proxy). */
export const engine = inject('engine');
export const onServer = engine !== 'pglite';

/** Opens another handle on a test server database, with the driver under test. */
export function openServerHandle(url: string, max: number): Promise<DbHandle> {
  if (engine === 'pglite') throw new Error('openServerHandle needs a test server (TEST_DATABASE_URL)');
  return openServerDb(engine, url, max);
}

/** Environment for a CLI command spawned on a test server database: the same driver (and proxy) as the tests. */
export function serverCliEnv(url: string): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: url, DATABASE_DRIVER: engine === 'neon' ? 'neon' : 'postgres' };
}

export interface TestDb extends DbHandle {
  /** The server URL of this file's own database (server engine only), as its owner. */
  url?: string;
  /**
   * Runs `use` in a transaction on this database as its owner (the migrating role), whatever role
   * the file runs as: for what only the owner may do (the test clock nexdrive.clock, disabling a
   * trigger). PGlite: SET LOCAL ROLE on the one session; a server: a second pool, as the owner.
   */
  asOwner<T>(use: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Closes every connection and drops the database. */
  dispose(): Promise<void>;
}

async function createFromTemplate(admin: pg.Client, name: string): Promise<void> {
  // CREATE DATABASE fails if another session is copying the same template at that instant.
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(`create database ${name} template ${TEMPLATE_DATABASE}`);
      return;
    } catch (err) {
      if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

export interface TestDbOptions {
  poolSize?: number;
  /**
   * 'app' runs the file as a member of nexdrive_app, the application's role (migration 0014), as the
   * application runs in production: on a server through a login role in nexdrive_app, on PGlite
   * (one session) with SET ROLE. Access-layer tests use it. Default 'owner' (the migrating role).
   */
  role?: 'owner' | 'app';
}

export async function openTestDb(options: TestDbOptions = {}): Promise<TestDb> {
  const asApp = options.role === 'app';
  if (!onServer) {
    const template = new Blob([readFileSync(inject('pgliteTemplatePath'))]);
    const handle = await openPglite({ dataDir: 'memory://', loadDataDir: template });
    if (asApp) await handle.client.exec('set role nexdrive_app');
    const asOwner = <T>(use: (tx: Transaction) => Promise<T>) =>
      handle.db.transaction(async (tx) => {
        if (asApp) await tx.execute(sql`set local role postgres`); // the session user is the superuser
        return use(tx);
      });
    return { ...handle, asOwner, dispose: () => handle.close() };
  }
  const serverUrl = inject('serverUrl');
  const name = `nexdrive_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await createFromTemplate(admin, name);
  // A database's own privileges are not copied from its template: repeat migration 0018's REVOKE.
  await admin.query(`revoke temporary on database ${name} from public`);
  const url = databaseUrl(serverUrl, name);
  const handle = await openServerHandle(asApp ? withUser(url, APP_TEST_LOGIN) : url, options.poolSize ?? 20);
  let ownerHandle: Promise<DbHandle> | undefined;
  const owner = () => (asApp ? (ownerHandle ??= openServerHandle(url, 4)) : Promise.resolve(handle));
  return {
    ...handle,
    url,
    asOwner: async (use) => (await owner()).db.transaction(use),
    async dispose() {
      if (ownerHandle) await (await ownerHandle).close();
      await handle.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** A new, empty database on the test server (not cloned from the template), for migrating from scratch. */
export async function emptyServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = inject('serverUrl');
  if (!serverUrl) throw new Error('emptyServerDatabase needs a test server (TEST_DATABASE_URL)');
  const name = `nexdrive_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  return {
    url: databaseUrl(serverUrl, name),
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

function withUser(url: string, user: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = '';
  return parsed.toString();
}
