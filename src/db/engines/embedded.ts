// The embedded database's folder, opened by whichever process asks first. While `npm run db:serve`
// holds the folder, every other opener connects through it with node-postgres instead: PGlite
// allows one process per folder, and the server shares that one process with its clients.
// A folder held by a process that does not serve it is refused (EmbeddedDbLockedError).
import { EmbeddedDbLockedError } from '../errors.js';
import type { DbHandle } from './handle.js';
import { openPglite, openPgliteSync } from './pglite.js';
import { openPostgres, openPostgresSync } from './postgres.js';

export interface EmbeddedOptions {
  /** A folder, or 'memory://' (never shared, never served). */
  dataDir: string;
  /** A tarball to start a folder from; such an open never goes through db:serve. */
  loadDataDir?: Blob | File;
  /** Pool size when connecting through db:serve (its one PGlite session runs one query at a time). */
  poolSize?: number;
}

const SERVED_POOL_SIZE = 4;

/** The db:serve URL to connect to instead, if that is what the lock error says. */
function servedBy(err: unknown, options: EmbeddedOptions): string | undefined {
  if (!(err instanceof EmbeddedDbLockedError) || options.loadDataDir) return undefined;
  return err.servingUrl;
}

function throughServer(handle: DbHandle, dataDir: string, url: string): DbHandle {
  return { ...handle, location: `${dataDir} via db:serve at ${url}` };
}

export async function openEmbedded(options: EmbeddedOptions): Promise<DbHandle> {
  try {
    return await openPglite({ dataDir: options.dataDir, loadDataDir: options.loadDataDir });
  } catch (err) {
    const url = servedBy(err, options);
    if (!url) throw err;
    return throughServer(await openPostgres({ url, max: options.poolSize ?? SERVED_POOL_SIZE }), options.dataDir, url);
  }
}

/** The same, without waiting for PGlite to start (for the lazy `db`). */
export function openEmbeddedSync(options: EmbeddedOptions): DbHandle {
  try {
    return openPgliteSync({ dataDir: options.dataDir, loadDataDir: options.loadDataDir });
  } catch (err) {
    const url = servedBy(err, options);
    if (!url) throw err;
    return throughServer(openPostgresSync({ url, max: options.poolSize ?? SERVED_POOL_SIZE }), options.dataDir, url);
  }
}
