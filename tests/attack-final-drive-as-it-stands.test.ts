// Attack (issue 15, defect 3): the 45-minute rule was checked when the final drive's competency row was
// inserted, and never again:
//   * raw SQL as nexdrive_app: the draft lesson the row names is edited to 5 minutes afterwards (a draft
//     was editable whatever named it), then signed, and the certificate is issued;
//   * through the access layer: a signed correction shortens the final drive's lesson to 10 minutes
//     (recordLessonCorrection) and issueCertificate still issues a certificate.
// Fix (migration 0023): a lesson a competency row names is frozen even as a draft (it can still be
// signed; lessons_named_frozen, ND002); the certificate judges the final drive by its lesson as it
// stands (the newest completed correction: nd_lesson_as_it_stands), refusing with
// CERTIFICATE_NOT_ELIGIBLE and naming why; getStudentProgress says the same.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getStudentProgress, issueCertificate, recordLessonCorrection } from '../src/access/index.js';
import { sqlstateOf } from '../src/db/errors.js';
import { queryRows } from '../src/db/sql.js';
import { lessons, students } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { insertCompetency, makeCompetent, makeFullyCompetent, range } from './support/compliance.js';
import { actorOf, createLesson, createSchoolBasics, endedLessonValues, failureOf, signOffLesson } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('freezes the draft lesson a final drive names (nexdrive_app cannot shorten or delete it), while it can still be signed', async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  await makeCompetent(app.db, student, range(1, 22));
  const lesson = await createLesson(app.db, endedLessonValues(instructor.id, student.id, 1));
  await insertCompetency(app.db, student, 23, 'competent', { lessonId: lesson.id });

  const shorten = await failureOf(() =>
    app.db.update(lessons).set({ endTime: new Date(lesson.startTime.getTime() + 5 * 60_000), totalMinutes: 5, roundedMinutes: 0 }).where(eq(lessons.id, lesson.id)),
  );
  expect(sqlstateOf(shorten)).toBe('ND002');
  expect(sqlstateOf(await failureOf(() => app.db.delete(lessons).where(eq(lessons.id, lesson.id))))).toBe('ND002');
  const [kept] = await app.db.select({ totalMinutes: lessons.totalMinutes }).from(lessons).where(eq(lessons.id, lesson.id));
  expect(kept.totalMinutes).toBe(60);

  await signOffLesson(app.db, lesson); // signing changes nothing it was signed for
  const cert = await issueCertificate(app.db, actorOf.instructor(instructor), { studentId: student.id, confirm: true });
  expect(cert.certificateNumber).toMatch(/^CERT-\d{4}-\d{4}$/);
});

it('refuses the certificate when a signed correction takes the final drive under 45 minutes, naming why (and progress agrees)', async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  await makeFullyCompetent(app.db, student);
  const [finalDrive] = await queryRows<{ lesson_id: string }>(app.db, sql`select lesson_id from student_competencies where student_id = ${student.id} and lesson_id is not null`);
  const [original] = await app.db.select().from(lessons).where(eq(lessons.id, finalDrive.lesson_id));
  const asInstructor = actorOf.instructor(instructor);

  const before = await getStudentProgress(app.db, asInstructor, { studentId: student.id });
  expect(before.certificate.eligible).toBe(true);

  const correction = await recordLessonCorrection(app.db, asInstructor, {
    lessonId: original.id, reason: 'the drive ended early', changes: { endTime: new Date(original.startTime.getTime() + 10 * 60_000) },
  });
  // A correction counts once it is signed by both: until then the lesson stands as signed.
  expect((await getStudentProgress(app.db, asInstructor, { studentId: student.id })).certificate.eligible).toBe(true);
  await signOffLesson(app.db, { id: correction.id, instructorId: instructor.id, studentId: student.id });

  const err = await failureOf(() => issueCertificate(app.db, asInstructor, { studentId: student.id, confirm: true }));
  expect(err).toMatchObject({ code: 'CERTIFICATE_NOT_ELIGIBLE', missingTasks: [23] });
  expect((err as { reason: string }).reason).toMatch(/after its correction, lasted 10 minutes/);
  const [after] = await app.db.select({ certificateNumber: students.certificateNumber, status: students.status }).from(students).where(eq(students.id, student.id));
  expect(after).toEqual({ certificateNumber: null, status: 'active' });

  const progress = await getStudentProgress(app.db, asInstructor, { studentId: student.id });
  expect(progress.certificate.eligible).toBe(false);
  expect(progress.certificate.reasons.join(' ')).toMatch(/lasted 10 minutes/);
});

it('counts a correction that keeps the final drive long enough', async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  await makeFullyCompetent(app.db, student);
  const [finalDrive] = await queryRows<{ lesson_id: string }>(app.db, sql`select lesson_id from student_competencies where student_id = ${student.id} and lesson_id is not null`);
  const asInstructor = actorOf.instructor(instructor);
  const correction = await recordLessonCorrection(app.db, asInstructor, { lessonId: finalDrive.lesson_id, reason: 'typo in the comments', changes: { comments: 'Smooth final drive' } });
  await signOffLesson(app.db, { id: correction.id, instructorId: instructor.id, studentId: student.id });
  expect((await issueCertificate(app.db, asInstructor, { studentId: student.id, confirm: true })).certificateNumber).toMatch(/^CERT-/);
});
