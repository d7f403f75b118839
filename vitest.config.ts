import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One suite, two engines: PGlite by default; a PostgreSQL server when TEST_DATABASE_URL is set.
// Global setup migrates and seeds a template once; each test file gets its own copy of it.
export default defineConfig({
  resolve: {
    // The spec's import paths: '@/db' is src/db/index.ts, '@/db/schema' src/db/schema/index.ts
    // (the same mapping as "paths" in tsconfig.json).
    alias: [{ find: /^@\//, replacement: fileURLToPath(new URL('./src/', import.meta.url)) }],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: two workers keep PGlite instances (each ~100 MB) and server connections in check.
    maxWorkers: 2,
  },
});
