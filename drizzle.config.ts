// drizzle-kit configuration. `generate` needs no database. `studio` connects to DATABASE_URL, or to
// the embedded database served by `npm run db:serve` (drizzle-kit cannot open PGlite with its
// extensions itself). Do not use `drizzle-kit push` or `drizzle-kit migrate`: see README.
// Shipped with the package for `nexdrive-db studio`, which runs drizzle-kit in the package's folder:
// the schema is the TypeScript source in this repository, the built JavaScript in an installed copy.
import { existsSync } from 'node:fs';
import { defineConfig } from 'drizzle-kit';

if (existsSync('.env')) process.loadEnvFile('.env'); // variables already set win

export default defineConfig({
  schema: existsSync('./src/db/schema/index.ts') ? './src/db/schema/index.ts' : './dist/db/schema/index.js',
  out: './drizzle/migrations',
  dialect: 'postgresql',
  dbCredentials: {
    url: process.env.DATABASE_URL ?? `postgres://postgres@127.0.0.1:${process.env.PGLITE_PORT ?? 5433}/postgres`,
  },
  verbose: true,
  strict: true,
});
