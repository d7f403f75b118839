// Columns the database computes or guards itself:
// - generated columns (lessons.total_km, student_packages.credits_remaining) follow their inputs on
//   INSERT and UPDATE, and cannot be written directly (SQLSTATE 428C9);
// - partial indexes: idx_lessons_student_number keeps lesson numbers unique per student except for
//   corrections; idx_calls_requires_callback indexes only the calls waiting for a callback;
// - the updated_at trigger (0002) on every table that has the column, and on no other table;
// - next_lesson_number() (0003): 1, 2, 3... per student, corrections ignored, and no duplicate
//   numbers under concurrency (server only).
import { eq, sql } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { ALL_TABLES } from '../src/db/tables.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lessons, studentPackages } from '../src/db/schema/index.js';
import type { DatabaseOrTransaction } from '../src/db/engines/handle.js';
import { pgErrorFields, sqlstateOf, toDbError } from '../src/db/errors.js';
import { queryRows } from '../src/db/sql.js';
import {
  createLesson, createSchoolBasics, createStudent, failureOf, lessonValues, signOffLesson, validRows,
} from './support/fixtures.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ poolSize: 12 }); // the concurrency test holds 8 transactions open at once
});
afterAll(() => t.dispose());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function countRows(tableName: string, where = sql`true`): Promise<number> {
  const [row] = await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from ${sql.identifier(tableName)} where ${where}`);
  return row.n;
}

// ─── Generated columns ──────────────────────

describe('generated columns', () => {
  it('lessons.total_km is odo_end - odo_start (1000 to 1042 gives 42)', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const lesson = await createLesson(t.db, lessonValues(instructor.id, student.id, 1, { odoStart: 1000, odoEnd: 1042 }));
    expect(lesson.totalKm).toBe(42);
  });

  it.each([
    ['odo_end is missing', { odoStart: 1000, odoEnd: null }],
    ['odo_start is missing', { odoStart: null, odoEnd: 1042 }],
    ['both readings are missing', { odoStart: null, odoEnd: null }],
  ] as const)('lessons.total_km is NULL when %s', async (_missing, odometer) => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const lesson = await createLesson(t.db, lessonValues(instructor.id, student.id, 1, odometer));
    expect(lesson.totalKm).toBeNull();
  });

  it('lessons.total_km is recomputed when odo_end is updated (and when it is first filled in)', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const lesson = await createLesson(t.db, lessonValues(instructor.id, student.id, 1, { odoStart: 1000, odoEnd: null }));
    const [filled] = await t.db.update(lessons).set({ odoEnd: 1042 }).where(eq(lessons.id, lesson.id)).returning();
    expect(filled.totalKm).toBe(42);
    const [corrected] = await t.db.update(lessons).set({ odoEnd: 1100 }).where(eq(lessons.id, lesson.id)).returning();
    expect(corrected.totalKm).toBe(100);
  });

  it('student_packages.credits_remaining is credits_total - credits_used, recomputed when credits_used changes', async () => {
    const [pack] = await t.db.insert(studentPackages).values({ ...(await validRows.student_packages(t.db)), creditsTotal: 10 }).returning();
    expect(pack.creditsRemaining).toBe(10);
    const [afterThree] = await t.db.update(studentPackages).set({ creditsUsed: 3 }).where(eq(studentPackages.id, pack.id)).returning();
    expect(afterThree.creditsRemaining).toBe(7);
    const [usedUp] = await t.db.update(studentPackages).set({ creditsUsed: 10 }).where(eq(studentPackages.id, pack.id)).returning();
    expect(usedUp.creditsRemaining).toBe(0);
  });

  /** An INSERT of a valid row that also names the generated column. */
  const insertsWritingGenerated = {
    'lessons.total_km': async () => {
      const { instructor, student } = await createSchoolBasics(t.db);
      return sql`insert into lessons (instructor_id, student_id, lesson_number, lesson_date, start_time, end_time, total_minutes, odo_start, odo_end, total_km)
        values (${instructor.id}, ${student.id}, 1, '2026-12-01', '2026-12-01T10:00:00+11:00', '2026-12-01T11:00:00+11:00', 60, 1000, 1042, 5)`;
    },
    'student_packages.credits_remaining': async () => {
      const { studentId, packageId } = await validRows.student_packages(t.db);
      return sql`insert into student_packages (student_id, package_id, credits_total, credits_used, credits_remaining)
        values (${studentId}, ${packageId}, 10, 0, 99)`;
    },
  };

  it.each(Object.keys(insertsWritingGenerated) as (keyof typeof insertsWritingGenerated)[])(
    'rejects an INSERT that writes %s directly with SQLSTATE 428C9, and writes nothing',
    async (column) => {
      const tableName = column.split('.')[0];
      const insert = await insertsWritingGenerated[column]();
      const before = await countRows(tableName);
      const err = await failureOf(() => t.db.execute(insert));
      expect(sqlstateOf(err), pgErrorFields(err)?.message).toBe('428C9');
      expect(await countRows(tableName)).toBe(before);
    },
  );

  it('rejects an UPDATE that writes lessons.total_km directly with SQLSTATE 428C9, and leaves the row as it was', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const lesson = await createLesson(t.db, lessonValues(instructor.id, student.id, 1, { odoStart: 1000, odoEnd: 1042 }));
    const err = await failureOf(() => t.db.execute(sql`update lessons set total_km = 5 where id = ${lesson.id}`));
    expect(sqlstateOf(err), pgErrorFields(err)?.message).toBe('428C9');
    const [stored] = await t.db.select().from(lessons).where(eq(lessons.id, lesson.id));
    expect(stored.totalKm).toBe(42);
  });

  it('rejects an UPDATE that writes student_packages.credits_remaining directly with SQLSTATE 428C9, and leaves the row as it was', async () => {
    const [pack] = await t.db.insert(studentPackages).values({ ...(await validRows.student_packages(t.db)), creditsTotal: 10, creditsUsed: 4 }).returning();
    const err = await failureOf(() => t.db.execute(sql`update student_packages set credits_remaining = 99 where id = ${pack.id}`));
    expect(sqlstateOf(err), pgErrorFields(err)?.message).toBe('428C9');
    const [stored] = await t.db.select().from(studentPackages).where(eq(studentPackages.id, pack.id));
    expect(stored.creditsRemaining).toBe(6);
  });
});

// ─── Partial indexes ────────────────────────

async function indexDefinition(name: string): Promise<string | undefined> {
  const [row] = await queryRows<{ indexdef: string }>(t.db, sql`select indexdef from pg_indexes where schemaname = 'public' and indexname = ${name}`);
  return row?.indexdef;
}

describe('idx_lessons_student_number: one lesson per (student, lesson_number), corrections excepted', () => {
  it('assigns the number itself: a caller asking for lesson 1 again, or for 1000, gets 2, then 3', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    await createLesson(t.db, lessonValues(instructor.id, student.id, 1));
    const second = await createLesson(t.db, lessonValues(instructor.id, student.id, 1, { lessonDate: '2026-12-01' }));
    const third = await createLesson(t.db, lessonValues(instructor.id, student.id, 1000));
    expect([second.lessonNumber, third.lessonNumber]).toEqual([2, 3]);
  });

  it('keeps idx_lessons_student_number as the last line: with the numbering trigger off, a second lesson 1 is refused with 23505', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    await createLesson(t.db, lessonValues(instructor.id, student.id, 1));
    const err = await failureOf(() =>
      t.db.transaction(async (tx) => {
        await tx.execute(sql`alter table lessons disable trigger lessons_signing_guard`);
        await createLesson(tx, lessonValues(instructor.id, student.id, 1));
      }),
    );
    expect(pgErrorFields(err)).toMatchObject({ code: '23505', constraint: 'idx_lessons_student_number' });
    expect(toDbError(err).code).toBe('UNIQUE_VIOLATION');
    expect(await countRows('lessons', sql`student_id = ${student.id}`)).toBe(1);
  });

  it('accepts a correction row that reuses the number of the (signed) lesson it corrects', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const original = await signOffLesson(t.db, await createLesson(t.db, lessonValues(instructor.id, student.id, 1)));
    const correction = await createLesson(t.db, lessonValues(instructor.id, student.id, 1, {
      correctionOf: original.id, correctionReason: 'Odometer end reading was mistyped',
    }));
    expect(correction).toMatchObject({ lessonNumber: 1, correctionOf: original.id });
    expect(await countRows('lessons', sql`student_id = ${student.id} and lesson_number = 1`)).toBe(2);
  });

  it('lets two students each have a lesson 1', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const other = await createStudent(t.db, instructor.id);
    await createLesson(t.db, lessonValues(instructor.id, student.id, 1));
    const second = await createLesson(t.db, lessonValues(instructor.id, other.id, 1));
    expect(second.lessonNumber).toBe(1);
  });

  it('is a unique index on (student_id, lesson_number) with WHERE correction_of IS NULL', async () => {
    const definition = await indexDefinition('idx_lessons_student_number');
    expect(definition).toMatch(/^CREATE UNIQUE INDEX idx_lessons_student_number ON public\.lessons/);
    expect(definition).toContain('(student_id, lesson_number)');
    expect(definition).toContain('WHERE (correction_of IS NULL)');
  });
});

describe('idx_calls_requires_callback', () => {
  it('exists and is partial: it indexes only calls WHERE requires_callback = true', async () => {
    const definition = await indexDefinition('idx_calls_requires_callback');
    expect(definition).toContain('ON public.call_logs');
    expect(definition).toContain(' WHERE ');
    expect(definition).toContain('WHERE (requires_callback = true)');
  });
});

// ─── updated_at triggers ────────────────────

const schemaTables = ALL_TABLES;
const tableByName = new Map(schemaTables.map((table) => [getTableConfig(table).name, table]));
const hasUpdatedAt = (table: PgTable) => getTableConfig(table).columns.some((column) => column.name === 'updated_at');
const tablesWithUpdatedAt = [...tableByName].filter(([, table]) => hasUpdatedAt(table)).map(([name]) => name).sort();
const tablesWithoutUpdatedAt = [...tableByName].filter(([, table]) => !hasUpdatedAt(table)).map(([name]) => name).sort();

/** For each table with updated_at: another column to change, and its new value. */
const CHANGES: Record<string, [column: string, value: string | number | boolean]> = {
  availability_overrides: ['reason', 'Sick day'],
  availability_rules: ['is_active', false],
  bookings: ['booking_notes', 'Pick up from the library'],
  competency_tasks: ['description', 'Reworded'],
  contacts: ['notes', 'Called back'],
  conversations: ['handoff_reason', 'Asked for a human'],
  instructors: ['bio', 'Patient and calm'],
  notifications: ['failed_reason', 'Twilio timed out'], // what was sent (subject, body) never changes (migration 0028)
  notification_preferences: ['enabled', true],
  packages: ['description', '10 lessons'],
  parent_invitations: ['first_name', 'Pat'], // the invitee's name may be corrected while pending (migration 0029)
  parent_student_links: ['can_view_payments', false],
  parents: ['years_driving', 25],
  payments: ['description', 'Lesson 1'],
  private_notes: ['note', 'Much better at roundabouts'],
  profiles: ['first_name', 'Samantha'],
  rag_documents: ['title', 'Renamed FAQ'],
  self_assessments: ['responses', '[{"task_number":1,"confidence":3,"notes":null}]'], // reviewed_by_instructor: only once submitted (migration 0025)
  services: ['description', 'Reworded'],
  student_packages: ['credits_used', 1],
  students: ['school_or_work', 'Narrabundah College'],
  vouchers: ['is_active', false],
  waitlist: ['status', 'notified'],
};

describe('updated_at is set by the database on every UPDATE', () => {
  it(`the schema has ${tablesWithUpdatedAt.length} tables with updated_at, each with a change to test below`, () => {
    expect(tablesWithUpdatedAt.length).toBeGreaterThan(0);
    expect(Object.keys(CHANGES).sort()).toEqual(tablesWithUpdatedAt);
  });

  it.each(tablesWithUpdatedAt)(
    '%s: an UPDATE of another column moves updated_at forward, even when the caller sets updated_at to 2001-01-01',
    async (tableName) => {
      const table = tableByName.get(tableName)!;
      const row = await validRows[tableName as keyof typeof validRows](t.db);
      // Insert and update are separate statements, so separate transactions (now() is a transaction's start).
      const [{ id }] = await t.db.insert(table).values(row as never).returning({ id: sql<string>`id` });
      await sleep(5); // PGlite's clock has millisecond resolution
      const [column, value] = CHANGES[tableName];
      const [after] = await queryRows<{ moved: boolean; set_by_trigger: boolean; changed: boolean }>(t.db, sql`
        update ${sql.identifier(tableName)}
        set ${sql.identifier(column)} = ${value}, updated_at = '2001-01-01T00:00:00Z'
        where id = ${id}
        returning updated_at > created_at as moved, updated_at = now() as set_by_trigger,
                  ${sql.identifier(column)} = ${value} as changed`);
      expect(after).toEqual({ moved: true, set_by_trigger: true, changed: true });
    },
  );

  it('update_updated_at() runs BEFORE UPDATE FOR EACH ROW on exactly the tables that have updated_at', async () => {
    const rows = await queryRows<{ table_name: string; tgtype: number }>(t.db, sql`
      select c.relname as table_name, tg.tgtype::int as tgtype
      from pg_trigger tg join pg_class c on c.oid = tg.tgrelid join pg_proc p on p.oid = tg.tgfoid
      where not tg.tgisinternal and p.proname = 'update_updated_at' and c.relnamespace = 'public'::regnamespace
      order by c.relname`);
    expect(rows.map((row) => row.table_name)).toEqual(tablesWithUpdatedAt);
    // tgtype bits: 1 = ROW, 2 = BEFORE, 4 = INSERT, 8 = DELETE, 16 = UPDATE
    for (const row of rows) expect(row.tgtype & 0b11111, row.table_name).toBe(1 | 2 | 16);
  });

  it(`the ${tablesWithoutUpdatedAt.length} tables without updated_at have no trigger that touches updated_at`, async () => {
    expect(tablesWithoutUpdatedAt.length).toBeGreaterThan(0);
    const rows = await queryRows<{ table_name: string; trigger_name: string }>(t.db, sql`
      select c.relname as table_name, tg.tgname as trigger_name
      from pg_trigger tg join pg_class c on c.oid = tg.tgrelid join pg_proc p on p.oid = tg.tgfoid
      where not tg.tgisinternal and c.relnamespace = 'public'::regnamespace
        and c.relname in (${sql.join(tablesWithoutUpdatedAt.map((name) => sql`${name}`), sql`, `)})
        and (p.proname = 'update_updated_at' or p.prosrc ilike '%updated_at%')`);
    expect(rows).toEqual([]);
  });
});

// ─── next_lesson_number() ───────────────────

async function nextLessonNumber(db: DatabaseOrTransaction, studentId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`select next_lesson_number(${studentId}) as n`);
  return row.n;
}

describe('next_lesson_number(student)', () => {
  it('returns 1 for a new student, then 2 and 3 after lessons 1 and 2 are recorded', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    expect(await nextLessonNumber(t.db, student.id)).toBe(1);
    await createLesson(t.db, lessonValues(instructor.id, student.id, 1));
    expect(await nextLessonNumber(t.db, student.id)).toBe(2);
    await createLesson(t.db, lessonValues(instructor.id, student.id, 2));
    expect(await nextLessonNumber(t.db, student.id)).toBe(3);
  });

  it('ignores correction rows: after lesson 1 and a correction of it, the next number is 2, not 3', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const original = await signOffLesson(t.db, await createLesson(t.db, lessonValues(instructor.id, student.id, 1)));
    await createLesson(t.db, lessonValues(instructor.id, student.id, 1, {
      correctionOf: original.id, correctionReason: 'Wrong date recorded',
    }));
    expect(await countRows('lessons', sql`student_id = ${student.id}`)).toBe(2);
    expect(await nextLessonNumber(t.db, student.id)).toBe(2);
  });

  it('counts per student: two new students both get 1, and a lesson for one leaves the other at 1', async () => {
    const { instructor, student: first } = await createSchoolBasics(t.db);
    const second = await createStudent(t.db, instructor.id);
    expect(await nextLessonNumber(t.db, first.id)).toBe(1);
    expect(await nextLessonNumber(t.db, second.id)).toBe(1);
    await createLesson(t.db, lessonValues(instructor.id, first.id, 1));
    expect(await nextLessonNumber(t.db, first.id)).toBe(2);
    expect(await nextLessonNumber(t.db, second.id)).toBe(1);
  });

  describe.runIf(onServer)('under concurrency (PostgreSQL server only)', () => {
    it('8 concurrent transactions that each take next_lesson_number() and insert that lesson get exactly 1..8, with no error', async () => {
      const { instructor, student } = await createSchoolBasics(t.db);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, () =>
          t.db.transaction(async (tx) => {
            const n = await nextLessonNumber(tx, student.id);
            await tx.execute(sql`select pg_sleep(0.02)`); // widen the read-to-insert window a racing number would need
            await tx.insert(lessons).values(lessonValues(instructor.id, student.id, n));
            return n;
          }),
        ),
      );
      const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [pgErrorFields(o.reason)?.message ?? String(o.reason)] : []));
      expect(failures).toEqual([]);
      const numbers = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 0)).sort((a, b) => a - b);
      expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const stored = await t.db.select({ n: lessons.lessonNumber }).from(lessons).where(eq(lessons.studentId, student.id));
      expect(stored.map((row) => row.n).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });
  });
});
