// nexdrive-db studio (npm run db:studio): Drizzle Studio on DATABASE_URL, or on the embedded database
// while `npm run db:serve` serves it (drizzle-kit cannot open PGlite with its extensions itself).
// Checks the server first, so a missing db:serve is one line saying what to do, not a stack trace.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { ConfigError } from '../db/errors.js';
import { packagePath, packageRoot } from '../db/package-root.js';
import { parseCommandArgs, runCommand } from './run.js';

runCommand(async () => {
  parseCommandArgs({
    usage: 'nexdrive-db studio   (npm run db:studio)',
    help: 'Opens Drizzle Studio (drizzle-kit) on DATABASE_URL, or on the embedded database served by `npm run db:serve`\n(start that first, in another terminal; PGLITE_PORT if not 5433).',
    options: {},
  });
  const served = !process.env.DATABASE_URL;
  const url = process.env.DATABASE_URL ?? `postgres://postgres@127.0.0.1:${process.env.PGLITE_PORT ?? 5433}/postgres`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    const why = (err as { code?: string }).code ?? (err as Error).message;
    throw new ConfigError(
      served
        ? `no database served at ${url} (${why}): start \`npm run db:serve\` (nexdrive-db serve) first, in another terminal`
        : `cannot connect to DATABASE_URL (${why})`,
    );
  } finally {
    await client.end().catch(() => {});
  }
  let drizzleKit: string;
  try {
    // The app's own drizzle-kit first (a devDependency there), else the one beside this package.
    const resolved = [path.join(process.cwd(), 'package.json'), import.meta.url].map((from) => {
      try {
        return createRequire(from).resolve('drizzle-kit');
      } catch {
        return undefined;
      }
    });
    const found = resolved.find((r) => r !== undefined);
    if (!found) throw new Error('drizzle-kit not found');
    drizzleKit = path.join(path.dirname(found), 'bin.cjs');
  } catch {
    throw new ConfigError('Drizzle Studio needs drizzle-kit: npm install --save-dev drizzle-kit');
  }
  // Run in the package's folder: drizzle.config.ts names the schema relative to it.
  const child = spawn(process.execPath, [drizzleKit, 'studio', `--config=${packagePath('drizzle.config.ts')}`], {
    stdio: 'inherit',
    cwd: packageRoot(),
    env: { ...process.env, DATABASE_URL: url },
  });
  return new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
});
