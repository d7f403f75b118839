// Embedded PostgreSQL (PGlite, PostgreSQL 18 in WASM): the default engine, no server to install.
// pgvector is a separate package pinned to one PGlite version; pgcrypto and btree_gist ship in contrib.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import * as schema from '../schema/index.js';
import type { Database, DbHandle } from './handle.js';

export const PGLITE_EXTENSIONS = { vector, pgcrypto, btree_gist };

export interface PgliteOptions {
  /** A folder, or 'memory://' for a database that lives only as long as the process. */
  dataDir: string;
  /** A tarball from `dumpDataDir()` to start from (tests clone a migrated template this way). */
  loadDataDir?: Blob | File;
}

export async function openPglite(options: PgliteOptions): Promise<DbHandle & { client: PGlite }> {
  const inMemory = options.dataDir === 'memory://';
  if (!inMemory) mkdirSync(options.dataDir, { recursive: true });
  const client = await PGlite.create({
    ...(inMemory ? {} : { dataDir: options.dataDir }),
    extensions: PGLITE_EXTENSIONS,
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  const db = drizzle({ client, schema }) as unknown as Database;
  return {
    engine: 'pglite',
    db,
    client,
    location: inMemory ? 'in memory' : options.dataDir,
    // PGlite has one connection and one process: there is no other migrator to race.
    withMigrationLock: (use) => use({ db, migrate: (config) => migrate(drizzle({ client, schema }), config) }),
    close: () => client.close(),
  };
}
