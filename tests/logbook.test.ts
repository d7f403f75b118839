// The digital logbook through the access layer: recording a lesson, its two signatures, a dispute and
// corrections, each fn(db, actor, input) in one transaction with its audit entry; only the right
// people can take each step; bad input is refused before any SQL and writes nothing.
// Runs as a member of nexdrive_app, as the application does.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  disputeLesson, listLessons, recordLesson, recordLessonCorrection, signLessonAsInstructor, signLessonAsStudent,
} from '../src/access/index.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../src/db/errors.js';
import { auditLog, bookings, lessons, profiles, signatures } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import {
  actorOf, bookingValues, createAdmin, createInstructor, createSchoolBasics, createStudent, failureOf,
} from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

const at = (iso: string) => new Date(iso);
const lessonInput = (studentId: string, extra: object = {}) => ({
  studentId, startTime: at('2026-12-01T10:00:00+11:00'), endTime: at('2026-12-01T11:00:00+11:00'), odoStart: 1000, odoEnd: 1042, ...extra,
});
const evidence = { signatureUrl: 'r2://signatures/sig.png', ipAddress: '203.0.113.7', gpsLatitude: -35.2809, gpsLongitude: 149.13 };

async function counts(studentId: string) {
  return { lessons: await t.db.$count(lessons, eq(lessons.studentId, studentId)), audit: await t.db.$count(auditLog), signatures: await t.db.$count(signatures) };
}

async function school() {
  const { instructor, student, serviceId } = await createSchoolBasics(t.db);
  return { instructor, student, serviceId, asInstructor: actorOf.instructor(instructor), asStudent: actorOf.student(student) };
}

describe(recordLesson.name, () => {
  it("records a draft for the student's instructor: number 1, Canberra date, minutes, and an audit entry naming the instructor", async () => {
    const { instructor, student, asInstructor } = await school();
    const lesson = await recordLesson(t.db, asInstructor, lessonInput(student.id, { startTime: '2026-11-30T23:30:00Z', endTime: '2026-12-01T01:00:00Z' }));
    expect(lesson).toMatchObject({
      status: 'draft', lessonNumber: 1, instructorId: instructor.id, lessonDate: '2026-12-01', totalMinutes: 90, roundedMinutes: 90, totalKm: 42,
    });
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, lesson.id), eq(auditLog.eventType, 'LESSON_CREATED')));
    expect(entry).toMatchObject({ actorId: instructor.userId, actorRole: 'instructor', details: { studentId: student.id, lessonNumber: 1 } });
  });

  it("treats another instructor's student as not there (NOT_FOUND), and writes nothing", async () => {
    const { student } = await school();
    const stranger = await createInstructor(t.db);
    const before = await counts(student.id);
    const err = await failureOf(() => recordLesson(t.db, actorOf.instructor(stranger), lessonInput(student.id)));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(await counts(student.id)).toEqual(before);
  });

  it("lets an admin record it, for the student's own instructor, audited as the admin", async () => {
    const { instructor, student } = await school();
    const admin = await createAdmin(t.db);
    const lesson = await recordLesson(t.db, actorOf.admin(admin), lessonInput(student.id));
    expect(lesson.instructorId).toBe(instructor.id);
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, lesson.id));
    expect(entry).toMatchObject({ actorId: admin.userId, actorRole: 'admin' });
  });

  it('refuses a student recording their own lesson (FORBIDDEN)', async () => {
    const { student, asStudent } = await school();
    expect(await failureOf(() => recordLesson(t.db, asStudent, lessonInput(student.id)))).toBeInstanceOf(ForbiddenError);
  });

  it.each([
    ['a malformed student id', { studentId: 'not-a-uuid' }, ['studentId']],
    ["lessonDate: 'soon'", { lessonDate: 'soon' }, ['lessonDate']],
    ["startTime: 'soon'", { startTime: 'soon' }, ['startTime']],
    ['a date-time without an offset', { startTime: '2026-12-01T10:00:00' }, ['startTime']],
    ['an end before the start', { endTime: at('2026-12-01T09:00:00+11:00') }, ['endTime']],
    ['a lessonDate that is not the Canberra date of the start', { lessonDate: '2026-11-30' }, ['lessonDate']],
    ['a negative odometer and one running backwards', { odoStart: -5, odoEnd: -10 }, ['odoStart', 'odoEnd']],
    ['task 24 and task 0', { competenciesTaught: [24], competenciesAssessed: [0] }, ['competenciesTaught.0', 'competenciesAssessed.0']],
    ['a latitude of 91', { gpsLatitude: 91 }, ['gpsLatitude']],
    ['an unknown field (instructorId is never the caller’s to choose)', { instructorId: '00000000-0000-4000-8000-000000000000' }, ['input']],
  ])('refuses %s with VALIDATION_ERROR naming the field, and writes nothing', async (_label, change, fields) => {
    const { student, asInstructor } = await school();
    const before = await counts(student.id);
    const err = await failureOf(() => recordLesson(t.db, asInstructor, { ...lessonInput(student.id), ...change } as never));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe('VALIDATION_ERROR');
    expect((err as ValidationError).fields).toEqual(fields);
    expect(await counts(student.id)).toEqual(before);
  });

  it('refuses a malformed actor with VALIDATION_ERROR before any SQL', async () => {
    const { student } = await school();
    for (const actor of [{ userId: 'rob', role: 'instructor' }, { userId: 'user_x', role: 'owner' }, {}, null]) {
      const err = await failureOf(() => recordLesson(t.db, actor as never, lessonInput(student.id)));
      expect(err, JSON.stringify(actor)).toBeInstanceOf(ValidationError);
    }
  });

  it("refuses a bookingId that is another student's booking (NOT_FOUND)", async () => {
    const { instructor, student, serviceId, asInstructor } = await school();
    const other = await createStudent(t.db, instructor.id);
    const [booking] = await t.db.insert(bookings).values({ ...bookingValues(instructor.id, serviceId, '2026-12-01T10:00:00+11:00'), studentId: other.id }).returning();
    const err = await failureOf(() => recordLesson(t.db, asInstructor, lessonInput(student.id, { bookingId: booking.id })));
    expect(err).toBeInstanceOf(NotFoundError);
  });

  it('refuses a suspended instructor, an unknown user and a session that claims the wrong role (FORBIDDEN)', async () => {
    const { instructor, student, asInstructor } = await school();
    await t.db.update(profiles).set({ status: 'suspended' }).where(eq(profiles.userId, instructor.userId));
    const suspended = await failureOf(() => recordLesson(t.db, asInstructor, lessonInput(student.id)));
    expect(suspended).toMatchObject({ code: 'FORBIDDEN', reason: 'inactive_actor' });
    expect(await failureOf(() => recordLesson(t.db, { userId: 'user_unknown', role: 'instructor' }, lessonInput(student.id)))).toMatchObject({ reason: 'unknown_actor' });
    expect(await failureOf(() => recordLesson(t.db, { userId: student.userId, role: 'admin' }, lessonInput(student.id)))).toMatchObject({ reason: 'role_mismatch' });
  });
});

describe('signing', () => {
  async function draft() {
    const s = await school();
    const lesson = await recordLesson(t.db, s.asInstructor, lessonInput(s.student.id));
    return { ...s, lesson };
  }

  it('walks draft -> pending_student_signature -> completed; each signature carries its signer, each step its audit entry', async () => {
    const { instructor, student, lesson, asInstructor, asStudent } = await draft();
    const pending = await signLessonAsInstructor(t.db, asInstructor, { lessonId: lesson.id, signature: evidence });
    expect(pending.status).toBe('pending_student_signature');
    const done = await signLessonAsStudent(t.db, asStudent, { lessonId: lesson.id, signature: evidence });
    expect(done.status).toBe('completed');
    const sigs = await t.db.select().from(signatures).where(eq(signatures.documentId, lesson.id));
    expect(Object.fromEntries(sigs.map((s) => [s.signerRole, s.signerId]))).toEqual({ instructor: instructor.userId, student: student.userId });
    expect(done.signedAt).toEqual(sigs.find((s) => s.signerRole === 'student')!.timestampUtc);
    const audit = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, lesson.id), eq(auditLog.eventType, 'LESSON_SIGNED')));
    expect(audit.map((a) => [a.actorId, a.actorRole]).sort()).toEqual([[instructor.userId, 'instructor'], [student.userId, 'student']].sort());
  });

  it("refuses everyone but the lesson's own instructor for step 1: another instructor (NOT_FOUND), an admin and the student (FORBIDDEN)", async () => {
    const { lesson, asStudent } = await draft();
    const stranger = await createInstructor(t.db);
    const admin = await createAdmin(t.db);
    const before = await t.db.$count(signatures);
    expect(await failureOf(() => signLessonAsInstructor(t.db, actorOf.instructor(stranger), { lessonId: lesson.id, signature: evidence }))).toBeInstanceOf(NotFoundError);
    expect(await failureOf(() => signLessonAsInstructor(t.db, actorOf.admin(admin), { lessonId: lesson.id, signature: evidence }))).toBeInstanceOf(ForbiddenError);
    expect(await failureOf(() => signLessonAsInstructor(t.db, asStudent, { lessonId: lesson.id, signature: evidence }))).toBeInstanceOf(ForbiddenError);
    expect(await t.db.$count(signatures)).toBe(before);
  });

  it("refuses everyone but the lesson's own student for step 2: another student (NOT_FOUND), the instructor (FORBIDDEN)", async () => {
    const { instructor, lesson, asInstructor } = await draft();
    await signLessonAsInstructor(t.db, asInstructor, { lessonId: lesson.id, signature: evidence });
    const classmate = await createStudent(t.db, instructor.id);
    expect(await failureOf(() => signLessonAsStudent(t.db, actorOf.student(classmate), { lessonId: lesson.id, signature: evidence }))).toBeInstanceOf(NotFoundError);
    expect(await failureOf(() => signLessonAsStudent(t.db, asInstructor, { lessonId: lesson.id, signature: evidence }))).toBeInstanceOf(ForbiddenError);
  });

  it('refuses a second call of a step that is done (SIGNATURE_REFUSED) and writes nothing more', async () => {
    const { lesson, asInstructor } = await draft();
    await signLessonAsInstructor(t.db, asInstructor, { lessonId: lesson.id, signature: evidence });
    const before = { sigs: await t.db.$count(signatures), audit: await t.db.$count(auditLog) };
    const err = await failureOf(() => signLessonAsInstructor(t.db, asInstructor, { lessonId: lesson.id, signature: evidence }));
    expect(err).toMatchObject({ code: 'SIGNATURE_REFUSED' });
    expect({ sigs: await t.db.$count(signatures), audit: await t.db.$count(auditLog) }).toEqual(before);
  });

  it('refuses signature evidence that is malformed (no url, a bad IP), naming the fields', async () => {
    const { lesson, asInstructor } = await draft();
    const err = await failureOf(() => signLessonAsInstructor(t.db, asInstructor, { lessonId: lesson.id, signature: { signatureUrl: ' ', ipAddress: '999.1.1.1' } }));
    expect((err as ValidationError).fields).toEqual(['signature.signatureUrl', 'signature.ipAddress']);
  });

  it('lets the student dispute a lesson awaiting them; then it can never be signed (SIGNATURE_REFUSED)', async () => {
    const { student, lesson, asInstructor, asStudent } = await draft();
    await signLessonAsInstructor(t.db, asInstructor, { lessonId: lesson.id, signature: evidence });
    const disputed = await disputeLesson(t.db, asStudent, { lessonId: lesson.id, reason: 'wrong finish time' });
    expect(disputed.status).toBe('disputed');
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, lesson.id), eq(auditLog.eventType, 'LESSON_DISPUTED')));
    expect(entry).toMatchObject({ actorId: student.userId, actorRole: 'student', severity: 'warning', details: {}, personalDetails: { reason: 'wrong finish time' } });
    expect(await failureOf(() => signLessonAsStudent(t.db, asStudent, { lessonId: lesson.id, signature: evidence }))).toMatchObject({ code: 'SIGNATURE_REFUSED' });
  });

  it('refuses a dispute by the instructor (FORBIDDEN) and of a draft (LESSON_FROZEN)', async () => {
    const { lesson, asInstructor, asStudent } = await draft();
    expect(await failureOf(() => disputeLesson(t.db, asInstructor, { lessonId: lesson.id, reason: 'x' }))).toBeInstanceOf(ForbiddenError);
    expect(await failureOf(() => disputeLesson(t.db, asStudent, { lessonId: lesson.id, reason: 'x' }))).toMatchObject({ code: 'LESSON_FROZEN' });
  });
});

describe(recordLessonCorrection.name, () => {
  async function completed() {
    const s = await school();
    const lesson = await recordLesson(t.db, s.asInstructor, lessonInput(s.student.id));
    await signLessonAsInstructor(t.db, s.asInstructor, { lessonId: lesson.id, signature: evidence });
    const original = await signLessonAsStudent(t.db, s.asStudent, { lessonId: lesson.id, signature: evidence });
    return { ...s, original };
  }

  it('records a new draft with the same number, leaves the original untouched, and corrects the correction', async () => {
    const { student, original, asInstructor, asStudent } = await completed();
    const fix = await recordLessonCorrection(t.db, asInstructor, { lessonId: original.id, reason: 'odometer misread', changes: { odoEnd: 1052 } });
    expect(fix).toMatchObject({ correctionOf: original.id, lessonNumber: original.lessonNumber, totalKm: 52, status: 'draft', correctionReason: 'odometer misread' });
    const [after] = await t.db.select().from(lessons).where(eq(lessons.id, original.id));
    expect(after).toEqual(original);
    await signLessonAsInstructor(t.db, asInstructor, { lessonId: fix.id, signature: evidence });
    await signLessonAsStudent(t.db, asStudent, { lessonId: fix.id, signature: evidence });
    const fix2 = await recordLessonCorrection(t.db, asInstructor, { lessonId: fix.id, reason: 'finish time', changes: { endTime: '2026-12-01T11:30:00+11:00' } });
    expect(fix2).toMatchObject({ correctionOf: fix.id, lessonNumber: 1, totalMinutes: 90, roundedMinutes: 90 });
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, fix2.id), eq(auditLog.eventType, 'LESSON_CORRECTED')));
    expect(entry.actorId).not.toBeNull();
    const all = await listLessons(t.db, asStudent, { studentId: student.id });
    expect(all.map((l) => l.correctionOf)).toEqual([null, original.id, fix.id]);
  });

  it('refuses a correction of a draft, without a reason, with no change, or changing who or which number (VALIDATION_ERROR)', async () => {
    const { student, original, asInstructor } = await completed();
    const draft = await recordLesson(t.db, asInstructor, lessonInput(student.id));
    const cases: Array<[object, string[]]> = [
      [{ lessonId: draft.id, reason: 'x', changes: { odoEnd: 1 } }, ['lessonId']],
      [{ lessonId: original.id, reason: '  ', changes: { odoEnd: 1050 } }, ['reason']],
      [{ lessonId: original.id, reason: 'x', changes: {} }, ['changes']],
      [{ lessonId: original.id, reason: 'x', changes: { studentId: student.id, lessonNumber: 7 } }, ['changes']],
      [{ lessonId: original.id, reason: 'x', changes: { endTime: '2026-12-01T09:00:00+11:00' } }, ['changes.endTime']],
    ];
    const before = await counts(student.id);
    for (const [input, fields] of cases) {
      const err = await failureOf(() => recordLessonCorrection(t.db, asInstructor, input as never));
      expect(err, JSON.stringify(input)).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).fields, JSON.stringify(input)).toEqual(fields);
    }
    expect(await counts(student.id)).toEqual(before);
  });

  it('refuses the student correcting their own lesson (FORBIDDEN)', async () => {
    const { original, asStudent } = await completed();
    expect(await failureOf(() => recordLessonCorrection(t.db, asStudent, { lessonId: original.id, reason: 'x', changes: { odoEnd: 1 } }))).toBeInstanceOf(ForbiddenError);
  });
});
