// Compliance records cannot be changed through any statement an application can send, on every
// engine: audit_log, signatures and student_competencies are insert-only; a lesson changes only
// through its signing steps; messages and call_logs are log-style. Each forbidden statement is
// rejected with a stable SQLSTATE and leaves every row exactly as it was.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditEvent } from '../src/access/audit.js';
import {
  disputeLesson,
  recordLesson,
  recordLessonCorrection,
  signLessonAsInstructor,
  signLessonAsStudent,
} from '../src/access/lessons.js';
import { sqlstateOf, toDbError } from '../src/db/errors.js';
import {
  auditLog,
  callLogs,
  competencyTasks,
  conversations,
  lessons,
  messages,
  signatures,
  studentCompetencies,
} from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createSchoolBasics, failureOf } from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.dispose());

const evidence = (signerId: string) => ({ signerId, signatureUrl: `r2://signatures/${signerId}.png`, ipAddress: '203.0.113.7' });

async function snapshot(table: string): Promise<unknown[]> {
  return queryRows(t.db, sql.raw(`select * from ${table} order by id`));
}

async function seedChainRows() {
  const { instructor, student } = await createSchoolBasics(t.db);
  await appendAuditEvent(t.db, { eventType: 'TEST_EVENT', details: { n: 1 } });
  await t.db.insert(signatures).values({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'enrollment', documentId: student.id, signatureUrl: 'r2://x' });
  const [task] = await t.db.select().from(competencyTasks).where(eq(competencyTasks.taskNumber, 1));
  await t.db.insert(studentCompetencies).values({ studentId: student.id, taskId: task.id, instructorId: instructor.id, status: 'taught', transmission: 'auto' });
}

describe('append-only tables', () => {
  beforeAll(seedChainRows);

  const forbidden: Array<[string, string]> = [];
  for (const table of ['audit_log', 'signatures', 'student_competencies']) {
    forbidden.push(
      [table, `update ${table} set created_at = created_at`],
      [table, `update ${table} set previous_hash = null`],
      [table, `delete from ${table}`],
      [table, `truncate ${table} cascade`],
    );
  }
  // signatures is referenced by lessons and student_competencies: PostgreSQL itself refuses a plain
  // TRUNCATE of it (0A000) before any trigger runs; with CASCADE the append-only trigger answers.
  forbidden.push(['audit_log', 'truncate audit_log'], ['student_competencies', 'truncate student_competencies']);

  it.each(forbidden)('%s refuses "%s" with SQLSTATE ND001 and changes nothing', async (table, statement) => {
    const before = await snapshot(table);
    expect(before.length).toBeGreaterThan(0);
    const err = await failureOf(() => t.db.execute(sql.raw(statement)));
    expect(sqlstateOf(err)).toBe('ND001');
    expect(toDbError(err).code).toBe('APPEND_ONLY_VIOLATION');
    expect(toDbError(err).message).toContain(`${table} is append-only`);
    expect(await snapshot(table)).toEqual(before);
  });

  it('signatures refuses a plain "truncate signatures" (PostgreSQL: referenced by foreign keys) and changes nothing', async () => {
    const before = await snapshot('signatures');
    const err = await failureOf(() => t.db.execute(sql`truncate signatures`));
    expect(sqlstateOf(err)).toBe('0A000');
    expect(await snapshot('signatures')).toEqual(before);
  });

  it('still accepts new rows (a correction is a new row)', async () => {
    const before = await t.db.$count(auditLog);
    await appendAuditEvent(t.db, { eventType: 'CORRECTION', details: { of: 'previous' } });
    expect(await t.db.$count(auditLog)).toBe(before + 1);
  });
});

describe('lessons: signing steps', () => {
  async function draft() {
    const { instructor, student } = await createSchoolBasics(t.db);
    const lesson = await recordLesson(t.db, {
      instructorId: instructor.id,
      studentId: student.id,
      lessonDate: '2026-12-01',
      startTime: new Date('2026-12-01T10:00:00+11:00'),
      endTime: new Date('2026-12-01T11:00:00+11:00'),
      odoStart: 1000,
      odoEnd: 1042,
    });
    return { instructor, student, lesson };
  }

  it('walks draft -> pending_student_signature -> completed and records both signatures', async () => {
    const { instructor, student, lesson } = await draft();
    expect(lesson).toMatchObject({ status: 'draft', lessonNumber: 1, totalMinutes: 60, roundedMinutes: 60, totalKm: 42 });
    const pending = await signLessonAsInstructor(t.db, lesson.id, evidence(instructor.userId));
    expect(pending.status).toBe('pending_student_signature');
    const done = await signLessonAsStudent(t.db, lesson.id, evidence(student.userId));
    expect(done.status).toBe('completed');
    expect(done.signedAt).toBeInstanceOf(Date);
    const sigs = await t.db.select().from(signatures).where(eq(signatures.documentId, lesson.id));
    expect(sigs.map((s) => s.signerRole).sort()).toEqual(['instructor', 'student']);
  });

  it('lets a draft be edited and deleted', async () => {
    const { lesson } = await draft();
    await t.db.update(lessons).set({ comments: 'Good mirror checks' }).where(eq(lessons.id, lesson.id));
    await t.db.delete(lessons).where(eq(lessons.id, lesson.id));
    expect(await t.db.$count(lessons, eq(lessons.id, lesson.id))).toBe(0);
  });

  it('refuses to record a lesson that is already completed (ND002)', async () => {
    const { lesson } = await draft();
    const { id: _id, totalKm: _k, createdAt: _c, ...copy } = lesson;
    const err = await failureOf(() => t.db.insert(lessons).values({ ...copy, lessonNumber: 99, status: 'completed' }));
    expect(toDbError(err).code).toBe('LESSON_FROZEN');
  });

  it('refuses to skip the instructor signature (draft -> completed)', async () => {
    const { lesson } = await draft();
    const err = await failureOf(() => t.db.update(lessons).set({ status: 'completed', signedAt: new Date() }).where(eq(lessons.id, lesson.id)));
    expect(sqlstateOf(err)).toBe('ND002');
  });

  it("refuses a student's signature in the instructor's place", async () => {
    const { student, lesson } = await draft();
    // The student cannot sign a draft at all (ND003, tests/signatures.test.ts); so the instructor's
    // step cannot be made with a student signature either.
    const err = await failureOf(() =>
      t.db.insert(signatures).values({ ...evidence(student.userId), signerRole: 'student', documentType: 'lesson', documentId: lesson.id }),
    );
    expect(sqlstateOf(err)).toBe('ND003');
    const [row] = await t.db.select().from(lessons).where(eq(lessons.id, lesson.id));
    expect(row.status).toBe('draft');
  });

  it('freezes the data once the instructor has signed, and refuses deletion', async () => {
    const { instructor, lesson } = await draft();
    await signLessonAsInstructor(t.db, lesson.id, evidence(instructor.userId));
    const before = await snapshot('lessons');
    for (const run of [
      () => t.db.update(lessons).set({ comments: 'edited after signing' }).where(eq(lessons.id, lesson.id)),
      () => t.db.update(lessons).set({ odoEnd: 2000 }).where(eq(lessons.id, lesson.id)),
      () => t.db.update(lessons).set({ status: 'draft' }).where(eq(lessons.id, lesson.id)),
      () => t.db.update(lessons).set({ status: 'completed', signedAt: new Date() }).where(eq(lessons.id, lesson.id)),
      () => t.db.delete(lessons).where(eq(lessons.id, lesson.id)),
    ]) {
      expect(sqlstateOf(await failureOf(run))).toBe('ND002');
    }
    expect(await snapshot('lessons')).toEqual(before);
  });

  it('never changes a completed lesson, nor deletes or truncates one', async () => {
    const { instructor, student, lesson } = await draft();
    await signLessonAsInstructor(t.db, lesson.id, evidence(instructor.userId));
    await signLessonAsStudent(t.db, lesson.id, evidence(student.userId));
    const before = await snapshot('lessons');
    for (const statement of [
      `update lessons set comments = 'x' where id = '${lesson.id}'`,
      `update lessons set status = 'disputed' where id = '${lesson.id}'`,
      `update lessons set signed_at = signed_at where id = '${lesson.id}'`,
      `delete from lessons where id = '${lesson.id}'`,
    ]) {
      expect(sqlstateOf(await failureOf(() => t.db.execute(sql.raw(statement))))).toBe('ND002');
    }
    expect(sqlstateOf(await failureOf(() => t.db.execute(sql`truncate lessons cascade`)))).toBe('ND001');
    expect(await snapshot('lessons')).toEqual(before);
  });

  it('lets a pending lesson be disputed, and then never changed', async () => {
    const { instructor, student, lesson } = await draft();
    await signLessonAsInstructor(t.db, lesson.id, evidence(instructor.userId));
    const disputed = await disputeLesson(t.db, lesson.id, { actorId: student.userId, reason: 'wrong finish time' });
    expect(disputed.status).toBe('disputed');
    const err = await failureOf(() => signLessonAsStudent(t.db, lesson.id, evidence(student.userId)));
    expect(toDbError(err).code).toBe('SIGNATURE_REFUSED'); // a disputed lesson is not awaiting the student
  });

  it('records a correction as a new row with the same number, leaves the original untouched, and corrects the correction', async () => {
    const { instructor, student, lesson } = await draft();
    await signLessonAsInstructor(t.db, lesson.id, evidence(instructor.userId));
    const original = await signLessonAsStudent(t.db, lesson.id, evidence(student.userId));
    const fix = await recordLessonCorrection(t.db, lesson.id, { reason: 'odometer misread', changes: { odoEnd: 1052 } });
    expect(fix).toMatchObject({ correctionOf: lesson.id, lessonNumber: original.lessonNumber, totalKm: 52, status: 'draft' });
    const [after] = await t.db.select().from(lessons).where(eq(lessons.id, lesson.id));
    expect(after).toEqual(original);
    await signLessonAsInstructor(t.db, fix.id, evidence(instructor.userId));
    await signLessonAsStudent(t.db, fix.id, evidence(student.userId));
    const fix2 = await recordLessonCorrection(t.db, fix.id, { reason: 'finish time', changes: { endTime: new Date('2026-12-01T11:30:00+11:00') } });
    expect(fix2).toMatchObject({ correctionOf: fix.id, lessonNumber: 1, totalMinutes: 90, roundedMinutes: 90 });
  });

  it('refuses a correction that changes the lesson number or corrects a draft', async () => {
    const { instructor, student, lesson } = await draft();
    const err = await failureOf(() => recordLessonCorrection(t.db, lesson.id, { reason: 'draft', changes: {} }));
    expect(toDbError(err).code).toBe('LESSON_FROZEN');
    await signLessonAsInstructor(t.db, lesson.id, evidence(instructor.userId));
    await signLessonAsStudent(t.db, lesson.id, evidence(student.userId));
    const err2 = await failureOf(() => recordLessonCorrection(t.db, lesson.id, { reason: 'renumber', changes: { studentId: student.id, lessonNumber: 7 } as never }));
    expect(sqlstateOf(err2)).toBe('ND002');
  });
});

describe('log-style tables', () => {
  it('messages: delivery receipts may be recorded; content, deletion and truncation are refused', async () => {
    const [conv] = await t.db.insert(conversations).values({ channel: 'sms', channelIdentifier: '+61400000000' }).returning();
    const [msg] = await t.db.insert(messages).values({ conversationId: conv.id, direction: 'outbound', senderType: 'ai', content: 'Your lesson is at 10:00' }).returning();
    await t.db.update(messages).set({ deliveryStatus: 'delivered' }).where(eq(messages.id, msg.id));
    await t.db.update(messages).set({ externalId: 'SM123' }).where(eq(messages.id, msg.id));
    const before = await snapshot('messages');
    for (const run of [
      () => t.db.update(messages).set({ content: 'Your lesson is at 11:00' }).where(eq(messages.id, msg.id)),
      () => t.db.update(messages).set({ externalId: 'SM999' }).where(eq(messages.id, msg.id)),
      () => t.db.delete(messages).where(eq(messages.id, msg.id)),
      () => t.db.execute(sql`truncate messages`),
    ]) {
      expect(toDbError(await failureOf(run)).code).toBe('APPEND_ONLY_VIOLATION');
    }
    expect(await snapshot('messages')).toEqual(before);
  });

  it('call_logs: the end of a call is filled once; who called and when never change; rows are never deleted', async () => {
    const startedAt = new Date('2026-12-01T09:00:00+11:00');
    const [call] = await t.db.insert(callLogs).values({ callerPhone: '+61400000001', startedAt }).returning();
    await t.db
      .update(callLogs)
      .set({ endedAt: new Date('2026-12-01T09:05:00+11:00'), durationSeconds: 300, outcome: 'answered', resolution: 'booking_made' })
      .where(eq(callLogs.id, call.id));
    await t.db.update(callLogs).set({ requiresCallback: true, resolution: 'callback_scheduled' }).where(eq(callLogs.id, call.id));
    const before = await snapshot('call_logs');
    for (const run of [
      () => t.db.update(callLogs).set({ callerPhone: '+61499999999' }).where(eq(callLogs.id, call.id)),
      () => t.db.update(callLogs).set({ startedAt: new Date() }).where(eq(callLogs.id, call.id)),
      () => t.db.update(callLogs).set({ durationSeconds: 30 }).where(eq(callLogs.id, call.id)),
      () => t.db.delete(callLogs).where(eq(callLogs.id, call.id)),
      () => t.db.execute(sql`truncate call_logs`),
    ]) {
      expect(sqlstateOf(await failureOf(run))).toBe('ND001');
    }
    expect(await snapshot('call_logs')).toEqual(before);
  });
});
