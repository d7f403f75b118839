// The spec's ready-made `db` (section 3.3: `import { db } from '@/db'`): the environment's engine,
// chosen as createDb() chooses it, opened on first use rather than at import. Importing opens
// nothing, takes no lock and connects nowhere; the first property access (db.select, db.insert...)
// opens it synchronously: the PGlite constructor and the pg and Neon pools are synchronous, and
// queue their queries until they are ready. An embedded folder is locked from then until closeDb().
// Code that manages its own connection (CLI commands, tests, jobs) uses createDb() instead.
// Migrations never run here: `npm run db:migrate` (or runMigrations) does that.
import { resolveConnectionTarget } from './config.js';
import { openEmbeddedSync } from './engines/embedded.js';
import type { Database, DbHandle } from './engines/handle.js';
import { openNeonSync } from './engines/neon.js';
import { openPostgresSync } from './engines/postgres.js';

// Kept on globalThis, so that a module reloaded in the same process (a dev server's hot reload)
// finds the handle already open instead of opening the folder a second time, which its lock refuses.
const state = ((globalThis as { [key: symbol]: unknown })[Symbol.for('nexdrive.db.lazy')] ??= { current: null }) as {
  current: DbHandle | null;
};

function openFromEnvironment(): DbHandle {
  const target = resolveConnectionTarget();
  switch (target.engine) {
    case 'pglite':
      return openEmbeddedSync({ dataDir: target.dataDir });
    case 'postgres':
      return openPostgresSync({ url: target.url });
    case 'neon':
      return openNeonSync({ url: target.url });
  }
}

function realDb(): Database {
  state.current ??= openFromEnvironment();
  return state.current.db;
}

/**
 * The database of the environment (DATABASE_URL, PGLITE_DATA_DIR), opened on first use.
 * Methods are bound to the real drizzle instance, so `const { select } = db` works too.
 */
export const db: Database = new Proxy(Object.create(null) as Database, {
  get(_target, property) {
    // Probes that are not a use must not open the database: `await` on a value that may be a
    // promise reads `then`; JSON.stringify reads `toJSON`; inspectors read symbols.
    if (state.current === null && (property === 'then' || property === 'toJSON' || typeof property === 'symbol')) return undefined;
    const real = realDb();
    const value: unknown = Reflect.get(real, property, real);
    return typeof value === 'function' ? value.bind(real) : value;
  },
  has(_target, property) {
    return Reflect.has(realDb(), property);
  },
  getPrototypeOf() {
    return Reflect.getPrototypeOf(realDb());
  },
});

/** The handle behind `db` if it is open (its engine and location), without opening it. */
export function openedDbHandle(): DbHandle | null {
  return state.current;
}

/**
 * Closes `db`: ends its pool, or closes PGlite and releases the folder's lock. The next use
 * opens it again, from the environment as it is then.
 */
export async function closeDb(): Promise<void> {
  const handle = state.current;
  state.current = null;
  if (handle) await handle.close();
}
