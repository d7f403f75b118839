// Attack (issue 15, defect 3, on a PostgreSQL server only: PGlite has one connection): the draft lesson
// a final drive is about to name is edited to 5 minutes in one transaction while another records the
// final drive competent "in" it. Without a lock, the competency guard reads the lesson as committed (60
// minutes) and accepts, the edit commits too (no competency row named the draft when it ran), and the
// final drive stands on a 5-minute lesson. Fix (migration 0023, trigger competency_a_lock_lesson): the
// competency row locks the lesson it names (FOR SHARE) before competency_guard reads it, so it waits
// for the edit, then judges the lesson as edited (FINAL_DRIVE_LESSON_REQUIRED).
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDbError } from '../src/db/errors.js';
import { lessons } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { insertCompetency, makeCompetent, range } from './support/compliance.js';
import { createLesson, createSchoolBasics, endedLessonValues } from './support/fixtures.js';

describe.runIf(onServer)('an edit of the final drive\'s draft lesson racing the competency row that names it (PostgreSQL server)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb({ role: 'app', poolSize: 4 });
  });
  afterAll(() => t?.dispose());

  it('makes the competency row wait for the edit, then refuses the 5-minute lesson (FINAL_DRIVE_LESSON_REQUIRED)', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    await makeCompetent(t.db, student, range(1, 22));
    const lesson = await createLesson(t.db, endedLessonValues(instructor.id, student.id, 1));
    let outcome: Promise<string> | undefined;
    await t.db.transaction(async (tx) => {
      await tx.update(lessons).set({ endTime: new Date(lesson.startTime.getTime() + 5 * 60_000), totalMinutes: 5, roundedMinutes: 0 }).where(eq(lessons.id, lesson.id));
      outcome = insertCompetency(t.db, student, 23, 'competent', { lessonId: lesson.id }).then(() => 'accepted', (err: unknown) => toDbError(err).code);
      // Commit the edit only once the competency row waits for its lock (or has already finished,
      // which is what happened without the lock): the order is forced, not left to timing.
      for (let i = 0; i < 500; i++) {
        const [waiting] = await queryRows<{ n: number }>(t.db, sql`
          select count(*)::int as n from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock' and query ilike '%student_competencies%'`);
        const settled = await Promise.race([outcome.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10))]);
        if (waiting.n > 0 || settled) break;
      }
    });
    expect(await outcome).toBe('FINAL_DRIVE_LESSON_REQUIRED');
    const [kept] = await t.db.select({ totalMinutes: lessons.totalMinutes }).from(lessons).where(eq(lessons.id, lesson.id));
    expect(kept.totalMinutes).toBe(5);
  });
});
