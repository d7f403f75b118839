// Attack (should fix): after a student moves to another instructor (students.instructor_id), the new
// instructor sees the student, and recordLessonCorrection copies instructor_id from the ORIGINAL lesson:
// the new instructor records a correction in the previous instructor's name (the database accepts it,
// since it checks only that the correction keeps the original's instructor). Nobody can then sign it:
// the new instructor is not the lesson's instructor (FORBIDDEN) and the old one no longer sees the
// student (NOT_FOUND). The previous instructor's unsigned drafts are stranded the same way.
// Fix: in recordLessonCorrection (and signing), require the acting instructor to be the lesson's own
// instructor (lesson.instructorId), not only the student's current one; decide what a transfer does
// to open drafts.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordLesson, recordLessonCorrection, signLessonAsInstructor, signLessonAsStudent } from '../src/access/index.js';
import { ForbiddenError } from '../src/db/errors.js';
import { lessons, students } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createInstructor, createSchoolBasics, failureOf } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it("a new instructor cannot record a correction, in the previous instructor's name, of a lesson the previous instructor taught", async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  const evidence = { signatureUrl: 'r2://s.png' };
  const lesson = await recordLesson(app.db, actorOf.instructor(instructor), { studentId: student.id, startTime: '2026-12-01T10:00:00+11:00', endTime: '2026-12-01T11:00:00+11:00' });
  await signLessonAsInstructor(app.db, actorOf.instructor(instructor), { lessonId: lesson.id, signature: evidence });
  await signLessonAsStudent(app.db, actorOf.student(student), { lessonId: lesson.id, signature: evidence });
  const newInstructor = await createInstructor(app.db);
  await app.db.update(students).set({ instructorId: newInstructor.id }).where(eq(students.id, student.id));

  const err = await failureOf(() =>
    recordLessonCorrection(app.db, actorOf.instructor(newInstructor), { lessonId: lesson.id, reason: 'odometer typo', changes: { comments: 'rewritten by someone else' } }),
  );
  expect(err).toBeInstanceOf(ForbiddenError);
  expect(await app.db.$count(lessons, eq(lessons.correctionOf, lesson.id))).toBe(0);
});
