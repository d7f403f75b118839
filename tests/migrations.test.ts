// Migrations and seed data: a re-run of runMigrations applies nothing and leaves the catalog as it was;
// a failing migration rolls back every statement it ran; an edited applied migration is refused as
// drift before anything runs; the seed is idempotent, never overwrites the school's edits, and holds
// exactly SPEC-01 section 9's 23 tasks and 7 services (as recorded in tests/spec/spec-01.json);
// drizzle-kit sees no schema change that the committed migrations lack.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, MigrationDriftError, runMigrations } from '../src/db/migrate.js';
import { competencyTasks, services } from '../src/db/schema/index.js';
import { COMPETENCY_TASKS, seedReferenceData } from '../src/db/seed/index.js';
import { sqlstateOf } from '../src/db/errors.js';
import { queryRows } from '../src/db/sql.js';
import { failureOf } from './support/fixtures.js';
import { openTestDb, type TestDb } from './support/db.js';
import { readSpec01 } from './spec/model.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** SPEC-01 section 9: the task list and the service list of the seed script. */
const specSeed = readSpec01().seed;

interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}
interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

function readJournal(folder = MIGRATIONS_FOLDER): Journal {
  return JSON.parse(readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')) as Journal;
}

/** A copy of drizzle/migrations (with meta) in a fresh temporary folder. */
function copyMigrations(): string {
  const folder = path.join(mkdtempSync(path.join(tmpdir(), 'nexdrive-migrations-')), 'migrations');
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  return folder;
}

/** Adds a migration at the end of a copied folder's journal. */
function appendMigration(folder: string, tag: string, statements: string[]): void {
  const journal = readJournal(folder);
  const last = journal.entries[journal.entries.length - 1];
  journal.entries.push({ idx: last.idx + 1, version: last.version, when: last.when + 60_000, tag, breakpoints: true });
  writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify(journal, null, 2));
  writeFileSync(path.join(folder, `${tag}.sql`), statements.join('\n--> statement-breakpoint\n'));
}

/** Every table, column, function, trigger, constraint and index of schema public, with its definition. */
async function catalogSnapshot(db: TestDb['db']): Promise<string[]> {
  const rows = await queryRows<{ item: string }>(db, sql`
    select item from (
      select 'table ' || table_name as item from information_schema.tables where table_schema = 'public'
      union all
      select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
        from information_schema.columns where table_schema = 'public'
      union all
      select 'function ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'
      union all
      select 'trigger ' || pg_get_triggerdef(t.oid)
        from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and not t.tgisinternal
      union all
      select 'constraint ' || k.conrelid::regclass::text || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid)
        from pg_constraint k join pg_namespace n on n.oid = k.connamespace where n.nspname = 'public'
      union all
      select 'index ' || indexdef from pg_indexes where schemaname = 'public'
    ) s order by item`);
  return rows.map((r) => r.item);
}

async function appliedMigrations(db: TestDb['db']): Promise<string[]> {
  const rows = await queryRows<{ hash: string }>(db, sql`select hash from drizzle.__drizzle_migrations order by id`);
  return rows.map((r) => r.hash);
}

async function tableExists(db: TestDb['db'], name: string): Promise<boolean> {
  const [row] = await queryRows<{ exists: boolean }>(db, sql`select to_regclass(${`public.${name}`}) is not null as exists`);
  return row.exists;
}

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ poolSize: 2 });
});
afterAll(() => t.dispose());

describe('runMigrations on a migrated database', () => {
  it('applies 0 of the journal\'s N migrations and leaves the catalog and the migration log as they were', async () => {
    const total = readJournal().entries.length;
    expect(total).toBeGreaterThanOrEqual(7);
    const catalogBefore = await catalogSnapshot(t.db);
    const logBefore = await appliedMigrations(t.db);
    expect(logBefore).toHaveLength(total);

    expect(await runMigrations(t)).toEqual({ applied: 0, total });

    expect(await appliedMigrations(t.db)).toEqual(logBefore);
    const catalogAfter = await catalogSnapshot(t.db);
    expect(catalogAfter.length).toBeGreaterThan(500);
    expect(catalogAfter).toEqual(catalogBefore);
  });
});

describe('a migration that fails', () => {
  it('rolls back its earlier statements: the error surfaces, probe_ok does not exist, nothing is logged', async () => {
    const fresh = await openTestDb({ poolSize: 2 });
    const folder = copyMigrations();
    try {
      // The second statement fails only because the first one ran (duplicate column).
      appendMigration(folder, '9990_probe_atomicity', [
        'CREATE TABLE probe_ok (id integer PRIMARY KEY, note text);',
        'ALTER TABLE probe_ok ADD COLUMN note text;',
      ]);
      const logBefore = await appliedMigrations(fresh.db);

      const err = await failureOf(() => runMigrations(fresh, folder));
      expect(sqlstateOf(err)).toBe('42701'); // duplicate_column: the ALTER, after CREATE TABLE had run

      expect(await tableExists(fresh.db, 'probe_ok')).toBe(false);
      expect(await appliedMigrations(fresh.db)).toEqual(logBefore);
      // The database is still a consistent, fully migrated one.
      expect(await runMigrations(fresh)).toEqual({ applied: 0, total: readJournal().entries.length });
    } finally {
      rmSync(path.dirname(folder), { recursive: true, force: true });
      await fresh.dispose();
    }
  });
});

describe('drift: an applied migration that changed', () => {
  it('refuses an edited applied file with MIGRATION_DRIFT and applies nothing, not even a pending migration', async () => {
    const fresh = await openTestDb({ poolSize: 2 });
    const folder = copyMigrations();
    try {
      const edited = readJournal(folder).entries[3].tag;
      appendFileSync(path.join(folder, `${edited}.sql`), '\n-- edited after it was applied\n');
      appendMigration(folder, '9991_probe_drift', ['CREATE TABLE probe_drift (id integer);']);
      const logBefore = await appliedMigrations(fresh.db);

      const err = await failureOf(() => runMigrations(fresh, folder));
      expect(err).toBeInstanceOf(MigrationDriftError);
      expect(err).toMatchObject({ code: 'MIGRATION_DRIFT' });
      expect((err as Error).message).toContain('migration #4');

      expect(await tableExists(fresh.db, 'probe_drift')).toBe(false);
      expect(await appliedMigrations(fresh.db)).toEqual(logBefore);
    } finally {
      rmSync(path.dirname(folder), { recursive: true, force: true });
      await fresh.dispose();
    }
  });

  it('refuses a folder whose journal lost an applied migration', async () => {
    const folder = copyMigrations();
    try {
      const journal = readJournal(folder);
      journal.entries.pop();
      writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify(journal, null, 2));
      const logBefore = await appliedMigrations(t.db);

      const err = await failureOf(() => runMigrations(t, folder));
      expect(err).toBeInstanceOf(MigrationDriftError);
      expect(err).toMatchObject({ code: 'MIGRATION_DRIFT' });
      expect(await appliedMigrations(t.db)).toEqual(logBefore);
    } finally {
      rmSync(path.dirname(folder), { recursive: true, force: true });
    }
  });
});

describe('seed data', () => {
  it('re-running seedReferenceData inserts 0 tasks and 0 services', async () => {
    expect(await seedReferenceData(t.db)).toEqual({ competencyTasksInserted: 0, servicesInserted: 0 });
  });

  it('spec 12.3: 23 competency tasks and at least 7 services', async () => {
    expect(await t.db.select().from(competencyTasks)).toHaveLength(23);
    expect((await t.db.select().from(services)).length).toBeGreaterThanOrEqual(7);
  });

  it('holds tasks 1..23 with the review tasks 17 and 22 and the final drive 23 as the spec defines them', async () => {
    const rows = await t.db.select().from(competencyTasks).orderBy(competencyTasks.taskNumber);
    expect(rows.map((r) => r.taskNumber)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));

    expect(rows.filter((r) => r.isReview).map((r) => r.taskNumber)).toEqual([17, 22]);
    expect(rows[16].reviewRequiresTasks).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(rows[21].reviewRequiresTasks).toEqual([18, 19, 20, 21]);

    expect(rows.filter((r) => r.isFinalDrive).map((r) => r.taskNumber)).toEqual([23]);
    expect(rows[22]).toMatchObject({ finalDriveMinMinutes: 45, finalDriveUnfamiliarRoads: true });
    for (const r of rows.slice(0, 22)) {
      expect(r.finalDriveMinMinutes, `task ${r.taskNumber}`).toBeNull();
      expect(r.finalDriveUnfamiliarRoads, `task ${r.taskNumber}`).toBe(false);
      if (!r.isReview) expect(r.reviewRequiresTasks, `task ${r.taskNumber}`).toEqual([]);
    }
  });

  it('stores the prerequisites of COMPETENCY_TASKS, each one a lower-numbered task that exists', async () => {
    const rows = await t.db.select().from(competencyTasks).orderBy(competencyTasks.taskNumber);
    expect(rows.map((r) => [r.taskNumber, r.prerequisites])).toEqual(COMPETENCY_TASKS.map((c) => [c.taskNumber, c.prerequisites]));
    const numbers = new Set(rows.map((r) => r.taskNumber));
    const bad = rows.flatMap((r) =>
      (r.prerequisites ?? []).filter((p) => p >= r.taskNumber || !numbers.has(p)).map((p) => `task ${r.taskNumber} requires ${p}`),
    );
    expect(bad).toEqual([]);
  });

  it('matches SPEC-01 section 9 task by task (number, name, category, description, prerequisites, flags, review and final-drive fields, order)', async () => {
    const fromSpec = specSeed.competencyTasks;
    expect(fromSpec).toHaveLength(23);
    const rows = await t.db.select().from(competencyTasks).orderBy(competencyTasks.taskNumber);
    expect(
      rows.map((r) => ({
        taskNumber: r.taskNumber,
        name: r.name,
        category: r.category,
        description: r.description,
        prerequisites: r.prerequisites,
        isReview: r.isReview,
        isFinalDrive: r.isFinalDrive,
        reviewRequiresTasks: r.reviewRequiresTasks,
        finalDriveMinMinutes: r.finalDriveMinMinutes,
        finalDriveUnfamiliarRoads: r.finalDriveUnfamiliarRoads,
        sortOrder: r.sortOrder,
      })),
    ).toEqual(fromSpec);
  });

  it('holds the 7 services of SPEC-01 section 9 with their slugs and prices in cents', async () => {
    const rows = await t.db.select().from(services).orderBy(services.sortOrder);
    const prices = Object.fromEntries(rows.map((r) => [r.slug, r.priceCents]));
    expect(prices).toEqual({
      'learner-60': 10500,
      'learner-90': 15000,
      'learner-120': 19500,
      'co-lesson-60': 10500,
      'pre-test-review-60': 10500,
      'final-drive-90': 15000,
      keys2drive: 0,
    });
    const fromSpec = specSeed.services;
    expect(fromSpec).toHaveLength(7);
    expect(
      rows.map((r) => ({
        name: r.name,
        slug: r.slug,
        description: r.description,
        durationMinutes: r.durationMinutes,
        priceCents: r.priceCents,
        category: r.category,
        requiresEligibilityCheck: r.requiresEligibilityCheck,
        sortOrder: r.sortOrder,
      })),
    ).toEqual(fromSpec);
    expect(rows.filter((r) => r.requiresEligibilityCheck).map((r) => r.slug)).toEqual(['pre-test-review-60', 'final-drive-90']);
  });

  it('does not overwrite a service whose price the school changed, and re-inserts one that is missing', async () => {
    await t.db.update(services).set({ priceCents: 11_900 }).where(eq(services.slug, 'learner-60'));
    await t.db.delete(services).where(eq(services.slug, 'keys2drive'));
    try {
      expect(await seedReferenceData(t.db)).toEqual({ competencyTasksInserted: 0, servicesInserted: 1 });
      const [edited] = await t.db.select().from(services).where(eq(services.slug, 'learner-60'));
      expect(edited.priceCents).toBe(11_900);
      const [restored] = await t.db.select().from(services).where(eq(services.slug, 'keys2drive'));
      expect(restored).toMatchObject({ priceCents: 0, category: 'special', durationMinutes: 60 });
    } finally {
      await t.db.update(services).set({ priceCents: 10_500 }).where(eq(services.slug, 'learner-60'));
    }
  });
});

describe('drizzle-kit generate on the finished tree', () => {
  // Engine-independent (no database). drizzle-kit resolves `out` relative to the working directory
  // and cannot re-read an absolute path, so the copy lives inside the repository and is removed after.

  /** Copies drizzle/migrations to .tmp-kit-check-<random>/migrations, runs drizzle-kit generate on it, cleans up. */
  function generateOnCopy(extraSchemaSource?: string) {
    const dir = `.tmp-kit-check-${randomUUID().slice(0, 8)}`;
    const root = path.join(REPO_ROOT, dir);
    const folder = path.join(root, 'migrations');
    try {
      cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
      const schema = ['./src/db/schema/index.ts'];
      if (extraSchemaSource) {
        writeFileSync(path.join(root, 'extra-schema.ts'), extraSchemaSource);
        schema.push(`./${dir}/extra-schema.ts`);
      }
      const config = path.join(root, 'drizzle.config.json');
      writeFileSync(config, JSON.stringify({ dialect: 'postgresql', schema, out: `./${dir}/migrations`, strict: true, verbose: true }));
      const list = () => readdirSync(folder, { recursive: true }).map(String).sort();
      const filesBefore = list();
      const output = execFileSync('npx', ['drizzle-kit', 'generate', '--config', config], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 55_000, // below the test timeout: a prompt waiting for input must fail, not hang
      });
      const added = list().filter((f) => !filesBefore.includes(f));
      return { output, filesBefore, added, addedSql: added.filter((f) => f.endsWith('.sql')).map((f) => readFileSync(path.join(folder, f), 'utf8')) };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  it('reports "No schema changes" and writes no new file', () => {
    const run = generateOnCopy();
    expect(run.output).toContain('No schema changes');
    expect(run.added).toEqual([]);
    expect(run.filesBefore.filter((f) => f.endsWith('.sql'))).toHaveLength(readJournal().entries.length);
  });

  it('does write a migration when the schema has a table the migrations lack (so the check above can fail)', () => {
    const run = generateOnCopy(
      "import { integer, pgTable } from 'drizzle-orm/pg-core';\nexport const probeKit = pgTable('probe_kit', { id: integer('id') });\n",
    );
    expect(run.output).not.toContain('No schema changes');
    expect(run.addedSql).toHaveLength(1);
    expect(run.addedSql[0]).toContain('CREATE TABLE "probe_kit"');
  });
});
