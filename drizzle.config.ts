// drizzle-kit configuration. `generate` needs no database. `studio` connects to DATABASE_URL, or to
// the embedded database served by `npm run db:serve` (drizzle-kit cannot open PGlite with its
// extensions itself). Do not use `drizzle-kit push` or `drizzle-kit migrate`: see README.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  schema: './src/db/schema/index.ts',
  out: './drizzle/migrations',
  dialect: 'postgresql',
  dbCredentials: {
    url: process.env.DATABASE_URL ?? `postgres://postgres@127.0.0.1:${process.env.PGLITE_PORT ?? 5433}/postgres`,
  },
  verbose: true,
  strict: true,
});
