// createDb(): one entry point for every engine. DATABASE_URL unset means embedded PGlite: its folder
// is opened directly, or through `npm run db:serve` while that holds it (engines/embedded.ts).
import { type ConnectionTarget, resolveConnectionTarget } from './config.js';
import type { DbHandle } from './engines/handle.js';

export interface CreateDbOptions {
  /** Defaults to what the environment says (see resolveConnectionTarget). */
  target?: ConnectionTarget;
  /** PGlite only: start from a dumped data folder (a migrated template, in tests). */
  pgliteLoadDataDir?: Blob | File;
  /** Server engines (and an embedded folder reached through db:serve): pool size. */
  poolSize?: number;
}

/** Opens the database. Always `close()` the handle: it owns connections (or the PGlite instance). */
export async function createDb(options: CreateDbOptions = {}): Promise<DbHandle> {
  const target = options.target ?? resolveConnectionTarget();
  // Engines load lazily so a Neon user never loads the WASM build, and a PGlite user never loads ws.
  switch (target.engine) {
    case 'pglite': {
      const { openEmbedded } = await import('./engines/embedded.js');
      return openEmbedded({ dataDir: target.dataDir, loadDataDir: options.pgliteLoadDataDir, poolSize: options.poolSize });
    }
    case 'postgres': {
      const { openPostgres } = await import('./engines/postgres.js');
      return openPostgres({ url: target.url, max: options.poolSize });
    }
    case 'neon': {
      const { openNeon } = await import('./engines/neon.js');
      return openNeon({ url: target.url, max: options.poolSize });
    }
  }
}
