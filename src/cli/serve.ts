// nexdrive-db serve (npm run db:serve): serves the embedded PGlite database on a local port, so psql, Drizzle Studio and
// any PostgreSQL client can open it (drizzle-kit cannot open PGlite with its extensions itself).
//   npm run db:serve [-- --port=5433]     then: psql postgres://postgres@127.0.0.1:5433/postgres
// PGlite has one connection: clients share it and take turns (engines/pglite-server.ts). The folder's
// lock records the URL while serving, so every other command and createDb() connect through here.
// --port=0 picks a free port (the URL printed says which).
import { resolveConnectionTarget } from '../db/config.js';
import { ConfigError } from '../db/errors.js';
import { openPglite } from '../db/engines/pglite.js';
import { PgliteTurnServer } from '../db/engines/pglite-server.js';
import { runMigrations } from '../db/migrate.js';
import { parseCommandArgs, runCommand } from './run.js';

runCommand(async () => {
  const flags = parseCommandArgs({
    usage: 'nexdrive-db serve [--port=5433]   (npm run db:serve -- ...)',
    help: 'Serves the embedded database (PGLITE_DATA_DIR, default .data/pglite) on 127.0.0.1, after migrating it.\n  --port=N  TCP port (default PGLITE_PORT or 5433; 0 picks a free one)',
    options: { port: { type: 'string' } },
  });
  const port = Number(flags.port ?? process.env.PGLITE_PORT ?? 5433);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be a TCP port, got "${flags.port}"`);
  const target = resolveConnectionTarget();
  if (target.engine !== 'pglite') {
    throw new ConfigError('db:serve serves the embedded database; unset DATABASE_URL (your server is already reachable at that URL)');
  }
  const handle = await openPglite({ dataDir: target.dataDir }); // takes the folder's lock
  try {
    await runMigrations(handle);
    const server = new PgliteTurnServer({ db: handle.client, port, host: '127.0.0.1', maxConnections: 32 });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    handle.lock?.setServingUrl(url); // no lock (nor sharing) for memory://
    console.log(`serving ${handle.location} at ${url} (Ctrl-C stops)`);
    console.log(`  psql:           psql ${url}`);
    console.log(`  Drizzle Studio: npm run db:studio (in another terminal)`);
    console.log(`  npm run db:* commands and createDb() on this folder connect through this server meanwhile`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    handle.lock?.setServingUrl(undefined); // new openers get a clear refusal while we shut down
    await server.stop();
  } finally {
    await handle.close(); // releases the lock
  }
  return 0;
});
