// npm run db:serve: serves the embedded PGlite database on a local port, so psql, Drizzle Studio and
// any PostgreSQL client can open it (drizzle-kit cannot open PGlite with its extensions itself).
//   npm run db:serve [-- --port=5433]     then: psql postgres://postgres@127.0.0.1:5433/postgres
// PGlite has one connection: clients share it and their queries run one at a time.
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { resolveConnectionTarget } from '../db/config.js';
import { ConfigError } from '../db/errors.js';
import { openPglite } from '../db/engines/pglite.js';
import { runMigrations } from '../db/migrate.js';
import { parseFlags, runCommand } from './run.js';

runCommand(async () => {
  const flags = parseFlags(process.argv.slice(2));
  const port = Number(flags.port ?? process.env.PGLITE_PORT ?? 5433);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`--port must be a TCP port, got "${flags.port}"`);
  const target = resolveConnectionTarget();
  if (target.engine !== 'pglite') {
    throw new ConfigError('db:serve serves the embedded database; unset DATABASE_URL (your server is already reachable at that URL)');
  }
  const handle = await openPglite({ dataDir: target.dataDir });
  await runMigrations(handle);
  const server = new PGLiteSocketServer({ db: handle.client, port, host: '127.0.0.1', maxConnections: 8 });
  await server.start();
  console.log(`serving ${handle.location} at postgres://postgres@127.0.0.1:${port}/postgres (Ctrl-C stops)`);
  console.log(`  psql:           psql postgres://postgres@127.0.0.1:${port}/postgres`);
  console.log(`  Drizzle Studio: npm run db:studio (in another terminal)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.stop();
  await handle.close();
  return 0;
});
