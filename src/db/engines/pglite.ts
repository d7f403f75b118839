// Embedded PostgreSQL (PGlite, PostgreSQL 18 in WASM): the default engine, no server to install.
// pgvector is a separate package pinned to one PGlite version; pgcrypto and btree_gist ship in contrib.
// A data folder is opened by one process at a time (./folder-lock.ts); 'memory://' takes no lock.
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import * as schema from '../schema/index.js';
import { acquireFolderLock, type FolderLock } from './folder-lock.js';
import type { Database, DbHandle } from './handle.js';
import { unrefPgliteTimers } from './pglite-timers.js';

export const PGLITE_EXTENSIONS = { vector, pgcrypto, btree_gist };

export interface PgliteOptions {
  /** A folder, or 'memory://' for a database that lives only as long as the process. */
  dataDir: string;
  /** A tarball from `dumpDataDir()` to start from (tests clone a migrated template this way). */
  loadDataDir?: Blob | File;
}

export type PgliteHandle = DbHandle & {
  client: PGlite;
  /** The folder's lock (null in memory); db:serve records its URL in it. */
  lock: FolderLock | null;
};

/**
 * Opens PGlite without waiting for it to start: its constructor is synchronous and its queries
 * wait until it is ready, so the lazy `db` can open on first use. Takes the folder's lock first
 * (EmbeddedDbLockedError if another process, or this one, has the folder open).
 */
export function openPgliteSync(options: PgliteOptions): PgliteHandle {
  const inMemory = options.dataDir === 'memory://';
  const lock = inMemory ? null : acquireFolderLock(options.dataDir); // creates the folder too
  unrefPgliteTimers(); // a script that never calls close() still exits when its work is done
  let client: PGlite;
  try {
    client = new PGlite({
      ...(inMemory ? {} : { dataDir: options.dataDir }),
      extensions: PGLITE_EXTENSIONS,
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
  } catch (err) {
    lock?.release();
    throw err;
  }
  // A failed start rejects every query (and openPglite); unobserved, it would end the process.
  client.waitReady.catch(() => {});
  const db = drizzle({ client, schema }) as unknown as Database;
  return {
    engine: 'pglite',
    db,
    client,
    lock,
    location: inMemory ? 'in memory' : options.dataDir,
    // PGlite has one connection and one process: there is no other migrator to race.
    withMigrationLock: (use) => use({ db, migrate: (config) => migrate(drizzle({ client, schema }), config) }),
    async close() {
      try {
        await client.close();
      } finally {
        lock?.release(); // only once PGlite has written its last page
      }
    },
  };
}

/** Opens PGlite and waits until it has started (or failed to: then the lock is released). */
export async function openPglite(options: PgliteOptions): Promise<PgliteHandle> {
  const handle = openPgliteSync(options);
  try {
    await handle.client.waitReady;
  } catch (err) {
    await handle.close().catch(() => {});
    throw err;
  }
  return handle;
}
