// Attack (should fix): the final drive's "lesson of at least 45 minutes" is whatever lessons row the
// change names, as long as it is the student's and its total_minutes >= 45. Nothing checks that the
// lesson has happened, is signed, or really lasted that long:
//   * through the access layer, an instructor records a 60-minute draft lesson dated next year
//     (recordLesson refuses no future date), signs off task 23 "in" it, and issueCertificate issues the
//     certificate, while the lesson is still an unsigned draft in the future;
//   * through raw SQL as nexdrive_app, a lesson whose start and end are 1 minute apart with
//     total_minutes = 999 passes too (no CHECK ties total_minutes to end_time - start_time).
// Fix: in competency_guard, take the lesson's minutes as least(total_minutes, end_time - start_time)
// (or add a CHECK total_minutes <= minutes between the times) and require end_time <= nd_now(); and in
// students_certificate_guard require the final drive's lesson to be completed (signed by both, not
// disputed) at issue time. recordLesson should refuse lessons that end in the future.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordCompetencyChange, recordLesson } from '../src/access/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { makeCompetent, range } from './support/compliance.js';
import { actorOf, createSchoolBasics } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('refuses the final drive as competent on a lesson that has not taken place yet (FINAL_DRIVE_LESSON_REQUIRED)', async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  await makeCompetent(app.db, student, range(1, 22));
  const nextYear = new Date(Date.now() + 365 * 24 * 3_600_000);
  const start = new Date(Math.floor(nextYear.getTime() / 3_600_000) * 3_600_000);
  const lesson = await recordLesson(app.db, actorOf.instructor(instructor), {
    studentId: student.id, startTime: start, endTime: new Date(start.getTime() + 60 * 60_000),
  });
  expect(lesson.status).toBe('draft');

  const outcome = await recordCompetencyChange(app.db, actorOf.instructor(instructor), { studentId: student.id, taskNumber: 23, status: 'competent', lessonId: lesson.id })
    .then((row) => `accepted: task 23 ${row.status}`, (err: { code?: string }) => err.code);
  expect(outcome).toBe('FINAL_DRIVE_LESSON_REQUIRED');
});
