// Migrations started together on one server: the migration lock lets one migrator at a time apply
// and count, so two runs report N and 0 applied (in some order), never N twice. Two handles in one
// process, then two real `db:setup` processes, through the driver under test (node-postgres or Neon).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, runMigrations } from '../src/db/migrate.js';
import { queryRows } from '../src/db/sql.js';
import { emptyServerDatabase, engine, onServer, openServerHandle, serverCliEnv } from './support/db.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const TOTAL = (JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

describe.runIf(onServer)('two migrators at once on an empty database', () => {
  it('two handles: runMigrations reports N and 0 applied, and the migration log holds each migration once', async () => {
    const database = await emptyServerDatabase();
    const [a, b] = await Promise.all([openServerHandle(database.url, 1), openServerHandle(database.url, 1)]);
    try {
      const reports = await Promise.all([runMigrations(a), runMigrations(b)]);
      expect(reports.map((r) => r.applied).sort((x, y) => x - y)).toEqual([0, TOTAL]);
      expect(reports.map((r) => r.total)).toEqual([TOTAL, TOTAL]);
      const [log] = await queryRows<{ rows: number; hashes: number }>(
        a.db,
        sql`select count(*)::int as rows, count(distinct hash)::int as hashes from drizzle.__drizzle_migrations`,
      );
      expect(log).toEqual({ rows: TOTAL, hashes: TOTAL });
    } finally {
      await Promise.all([a.close(), b.close()]);
      await database.drop();
    }
  });

  it('two `db:setup` processes: one prints N applied and seeds, the other 0 and 0, both exit 0', async () => {
    const database = await emptyServerDatabase();
    try {
      const run = () =>
        promisify(execFile)('npx', ['tsx', 'src/cli/setup.ts'], { cwd: ROOT, env: serverCliEnv(database.url), encoding: 'utf8', timeout: 120_000 });
      const outputs = (await Promise.all([run(), run()])).map((r) => r.stdout);
      for (const o of outputs) expect(o).toMatch(new RegExp(`^engine {6}${engine} \\(`, 'm')); // the driver under test
      const migrated = outputs.map((o) => /^migrations {2}(\d+) applied, (\d+) in total$/m.exec(o)?.slice(1).map(Number));
      expect(migrated.sort((x, y) => (x?.[0] ?? -1) - (y?.[0] ?? -1))).toEqual([
        [0, TOTAL],
        [TOTAL, TOTAL],
      ]);
      const seeded = outputs.map((o) => /^seed {8}(\d+) tasks and (\d+) services added$/m.exec(o)?.slice(1).map(Number));
      expect(seeded.sort((x, y) => (x?.[0] ?? -1) - (y?.[0] ?? -1))).toEqual([
        [0, 0],
        [23, 7],
      ]);
    } finally {
      await database.drop();
    }
  });
});
