// The ACT CBT&A rules (migration 0017, docs/compliance.md), refused by the database whatever path
// wrote the row (raw SQL as the application's role, and the access layer), and the operations on top:
// recording changes, a student's progress, the certificate of competency.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALLOWED_TRANSITIONS, CertificateAlreadyIssuedError, CertificateNotEligibleError, getInstructorProgressSummary, getStudentProgress,
  issueCertificate, NycCooldownActiveError, PrerequisitesNotMetError, recordCompetencyChange, recordCompetencyChanges, systemActor,
} from '../src/access/index.js';
import { DbError, ForbiddenError, ValidationError, sqlstateOf, toDbError } from '../src/db/errors.js';
import { COMPETENCY_STATUSES } from '../src/db/schema/enums.js';
import { auditLog, competencyTasks, studentCompetencies, students } from '../src/db/schema/index.js';
import type { CompetencyStatus } from '../src/db/types.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { atClock, insertCompetency, makeCompetent, makeFullyCompetent, range, setClock } from './support/compliance.js';
import { actorOf, createAdmin, createInstructor, createLesson, createParent, createSchoolBasics, createStudent, endedLessonValues, failureOf, lessonValues, signOffLesson } from './support/fixtures.js';

let app: TestDb; // a member of nexdrive_app, as the application runs; app.asOwner for the test clock
beforeAll(async () => {
  app = await openTestDb({ role: 'app', poolSize: 24 });
});
afterAll(() => app.dispose());

const rowsOf = (db: TestDb, studentId: string) => db.db.$count(studentCompetencies, eq(studentCompetencies.studentId, studentId));
const codeOf = (err: unknown) => toDbError(err).code;

/** The statuses a task must pass through to be in `status` (task 1 has no prerequisites). */
const PATH: Record<CompetencyStatus, CompetencyStatus[]> = {
  not_started: [],
  taught: ['taught'],
  assessed: ['assessed'],
  competent: ['competent'],
  not_yet_competent: ['assessed', 'not_yet_competent'],
};

describe('transitions, through raw SQL as the application', () => {
  const pairs = COMPETENCY_STATUSES.flatMap((from) => COMPETENCY_STATUSES.map((to) => [from, to] as const));
  it.each(pairs)('%s -> %s is %s', async (from, to) => {
    const { student } = await createSchoolBasics(app.db);
    // Leaving not_yet_competent waits out the cooldown: walk there 40 hours ago on the owner's clock.
    const past = new Date(Date.now() - 40 * 3_600_000);
    for (const status of PATH[from]) await atClock(app, past, (tx) => insertCompetency(tx, student, 1, status));
    const allowed = ALLOWED_TRANSITIONS[from].includes(to);
    const attempt = () => insertCompetency(app.db, student, 1, to);
    if (allowed) {
      expect((await attempt()).status).toBe(to);
    } else {
      const before = await rowsOf(app, student.id);
      expect(codeOf(await failureOf(attempt))).toBe('INVALID_TRANSITION');
      expect(await rowsOf(app, student.id)).toBe(before);
    }
  });

  it('names the task and both statuses in the refusal', async () => {
    const { student } = await createSchoolBasics(app.db);
    await insertCompetency(app.db, student, 1, 'competent');
    const err = toDbError(await failureOf(() => insertCompetency(app.db, student, 1, 'taught')));
    expect(err).toMatchObject({ code: 'INVALID_TRANSITION', details: { taskNumber: 1, from: 'competent', to: 'taught' } });
  });
});

describe('prerequisites, review tasks and revision points', () => {
  it('refuses assessing task 3 before 1 and 2 are competent, naming [1, 2], then [2]; teaching needs none', async () => {
    const { student } = await createSchoolBasics(app.db);
    expect(toDbError(await failureOf(() => insertCompetency(app.db, student, 3, 'assessed')))).toMatchObject({
      code: 'PREREQUISITES_NOT_MET', details: { blockingTasks: [1, 2] },
    });
    await insertCompetency(app.db, student, 1, 'competent');
    expect(toDbError(await failureOf(() => insertCompetency(app.db, student, 3, 'competent')))).toMatchObject({ details: { blockingTasks: [2] } });
    await insertCompetency(app.db, student, 3, 'taught');
    await insertCompetency(app.db, student, 2, 'competent');
    expect((await insertCompetency(app.db, student, 3, 'assessed')).status).toBe('assessed');
  });

  it('refuses the review of 1-17 (task 17) while task 5 is not competent (overruled after 6-16 were signed off)', async () => {
    const { student } = await createSchoolBasics(app.db);
    await makeCompetent(app.db, student, range(1, 16));
    const admin = actorOf.admin(await createAdmin(app.db));
    await recordCompetencyChange(app.db, admin, { studentId: student.id, taskNumber: 5, status: 'not_yet_competent', reason: 'reassessment ordered' });
    expect(toDbError(await failureOf(() => insertCompetency(app.db, student, 17, 'assessed')))).toMatchObject({ details: { blockingTasks: [5] } });
  });

  it('refuses tasks 18-22 until every task 1-17 is competent (revision point 1), even when their own prerequisites are', async () => {
    const { student } = await createSchoolBasics(app.db);
    await makeCompetent(app.db, student, range(1, 16));
    for (const task of [18, 20, 21]) {
      expect(toDbError(await failureOf(() => insertCompetency(app.db, student, task, 'assessed'))), `task ${task}`).toMatchObject({
        code: 'PREREQUISITES_NOT_MET', details: { blockingTasks: [17] },
      });
    }
    await insertCompetency(app.db, student, 17, 'competent');
    expect((await insertCompetency(app.db, student, 20, 'assessed')).status).toBe('assessed');
  });

  it('refuses the final drive until 18-22 are competent (revision point 2), naming them', async () => {
    const { student } = await createSchoolBasics(app.db);
    await makeCompetent(app.db, student, [...range(1, 18), 20]);
    expect(toDbError(await failureOf(() => insertCompetency(app.db, student, 23, 'assessed')))).toMatchObject({
      details: { blockingTasks: [19, 21, 22] },
    });
  });

  it('judges each transmission on its own: competent in manual does not count for auto', async () => {
    const { instructor } = await createSchoolBasics(app.db);
    const student = await createStudent(app.db, instructor.id, { transmission: 'manual' });
    await makeCompetent(app.db, student, [1, 2]);
    await app.db.update(students).set({ transmission: 'auto' }).where(eq(students.id, student.id));
    expect(toDbError(await failureOf(() => insertCompetency(app.db, { ...student, transmission: 'auto' }, 3, 'assessed')))).toMatchObject({
      details: { blockingTasks: [1, 2] },
    });
  });
});

describe('the final drive', () => {
  it('is competent only with a lesson of the student of at least 45 minutes', async () => {
    const { instructor, student } = await createSchoolBasics(app.db);
    await makeCompetent(app.db, student, range(1, 22));
    expect(codeOf(await failureOf(() => insertCompetency(app.db, student, 23, 'competent')))).toBe('FINAL_DRIVE_LESSON_REQUIRED');
    const short = await createLesson(app.db, endedLessonValues(instructor.id, student.id, 1, 44));
    expect(codeOf(await failureOf(() => insertCompetency(app.db, student, 23, 'competent', { lessonId: short.id })))).toBe('FINAL_DRIVE_LESSON_REQUIRED');
    const other = await createSchoolBasics(app.db);
    const theirs = await createLesson(app.db, endedLessonValues(other.instructor.id, other.student.id, 1));
    expect(codeOf(await failureOf(() => insertCompetency(app.db, student, 23, 'competent', { lessonId: theirs.id })))).toBe('COMPETENCY_ROW_MISMATCH');
    const enough = await createLesson(app.db, endedLessonValues(instructor.id, student.id, 1, 45));
    expect((await insertCompetency(app.db, student, 23, 'competent', { lessonId: enough.id })).status).toBe('competent');
  });
});

describe('the cooldown after not yet competent', () => {
  it('refuses reassessment for 36 hours, saying when it ends; teaching is allowed meanwhile; after 36 hours assessment is accepted', async () => {
    const { student } = await createSchoolBasics(app.db);
    const t0 = new Date('2026-03-02T09:00:00+11:00');
    await atClock(app, t0, (tx) => insertCompetency(tx, student, 1, 'assessed'));
    await atClock(app, t0, (tx) => insertCompetency(tx, student, 1, 'not_yet_competent'));
    const endsAt = new Date(t0.getTime() + 36 * 3_600_000);
    const early = await failureOf(() => atClock(app, new Date(endsAt.getTime() - 60_000), (tx) => insertCompetency(tx, student, 1, 'assessed')));
    const refusal = toDbError(early) as DbError;
    expect(refusal.code).toBe('NYC_COOLDOWN_ACTIVE');
    expect(new Date(String(refusal.details?.endsAt))).toEqual(endsAt);
    await atClock(app, new Date(endsAt.getTime() - 60_000), (tx) => insertCompetency(tx, student, 1, 'taught'));
    await atClock(app, endsAt, (tx) => insertCompetency(tx, student, 1, 'assessed'));
  });

  it('gives the access layer a NycCooldownActiveError with the time it ends', async () => {
    const { instructor, student } = await createSchoolBasics(app.db);
    const asInstructor = actorOf.instructor(instructor);
    await recordCompetencyChanges(app.db, asInstructor, { studentId: student.id, changes: [{ taskNumber: 1, status: 'assessed' }, { taskNumber: 1, status: 'not_yet_competent' }] });
    const err = await failureOf(() => recordCompetencyChange(app.db, asInstructor, { studentId: student.id, taskNumber: 1, status: 'assessed' }));
    expect(err).toBeInstanceOf(NycCooldownActiveError);
    const [nyc] = await app.db.select().from(studentCompetencies).where(and(eq(studentCompetencies.studentId, student.id), eq(studentCompetencies.status, 'not_yet_competent')));
    expect((err as NycCooldownActiveError).endsAt).toEqual(new Date(nyc.statusChangedAt.getTime() + 36 * 3_600_000));
  });
});

describe('who and what a row is for', () => {
  it("refuses another instructor's row for the student, the wrong transmission, an inactive task (COMPETENCY_ROW_MISMATCH)", async () => {
    const { student } = await createSchoolBasics(app.db);
    const other = await createInstructor(app.db);
    expect(codeOf(await failureOf(() => insertCompetency(app.db, { ...student, instructorId: other.id }, 1, 'taught')))).toBe('COMPETENCY_ROW_MISMATCH');
    expect(codeOf(await failureOf(() => insertCompetency(app.db, { ...student, transmission: 'manual' }, 1, 'taught')))).toBe('COMPETENCY_ROW_MISMATCH');
    await app.asOwner(async (tx) => {
      const [task] = await tx.insert(competencyTasks).values({ taskNumber: 900, name: 'Retired task', sortOrder: 900, isActive: false }).returning();
      expect(codeOf(await failureOf(() => tx.transaction((sp) => sp.insert(studentCompetencies).values({ studentId: student.id, taskId: task.id, instructorId: student.instructorId, status: 'taught', transmission: 'auto' }))))).toBe('COMPETENCY_ROW_MISMATCH');
      tx.rollback();
    }).catch((err: unknown) => {
      if (!String(err).includes('Rollback')) throw err;
    });
  });

  it("replaces a caller's status_changed_at (2099) with the database's clock", async () => {
    const { student } = await createSchoolBasics(app.db);
    const row = await insertCompetency(app.db, student, 1, 'taught', { statusChangedAt: new Date('2099-01-01T00:00:00Z') });
    expect(Math.abs(row.statusChangedAt.getTime() - Date.now())).toBeLessThan(5 * 60_000);
  });

  it('refuses the test clock to the application’s role (CLOCK_OVERRIDE_REFUSED), and writes nothing', async () => {
    const { student } = await createSchoolBasics(app.db);
    const err = await failureOf(() =>
      app.db.transaction(async (tx) => {
        await setClock(tx, '2020-01-01T00:00:00Z'); // as nexdrive_app, not the owner
        await insertCompetency(tx, student, 1, 'taught');
      }),
    );
    expect(codeOf(err)).toBe('CLOCK_OVERRIDE_REFUSED');
    expect(await rowsOf(app, student.id)).toBe(0);
  });
});

describe(recordCompetencyChanges.name, () => {
  it('records several tasks from one lesson in one transaction, with COMPETENCY_SIGNED_OFF / COMPETENCY_CHANGED audit entries naming the instructor', async () => {
    const { instructor, student } = await createSchoolBasics(app.db);
    const lesson = await createLesson(app.db, lessonValues(instructor.id, student.id, 1));
    const rows = await recordCompetencyChanges(app.db, actorOf.instructor(instructor), {
      studentId: student.id, lessonId: lesson.id,
      changes: [{ taskNumber: 1, status: 'competent' }, { taskNumber: 2, status: 'competent' }, { taskNumber: 3, status: 'assessed' }],
      signature: { signatureUrl: 'r2://competency.png' },
    });
    expect(rows.map((r) => [r.status, r.lessonId, r.instructorId, r.signedByInstructor])).toEqual([
      ['competent', lesson.id, instructor.id, true], ['competent', lesson.id, instructor.id, true], ['assessed', lesson.id, instructor.id, true],
    ]);
    const audit = await app.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, student.id), sql`${auditLog.eventType} like 'COMPETENCY_%'`))
      .orderBy(auditLog.chainPosition);
    expect(audit.map((a) => [a.eventType, a.actorId])).toEqual([
      ['COMPETENCY_SIGNED_OFF', instructor.userId], ['COMPETENCY_SIGNED_OFF', instructor.userId], ['COMPETENCY_CHANGED', instructor.userId],
    ]);
  });

  it('writes nothing when one change of the batch is refused, and names the blocking tasks', async () => {
    const { instructor, student } = await createSchoolBasics(app.db);
    const audits = await app.db.$count(auditLog);
    const err = await failureOf(() =>
      recordCompetencyChanges(app.db, actorOf.instructor(instructor), { studentId: student.id, changes: [{ taskNumber: 1, status: 'competent' }, { taskNumber: 3, status: 'assessed' }] }),
    );
    expect(err).toBeInstanceOf(PrerequisitesNotMetError);
    expect((err as PrerequisitesNotMetError).blockingTasks).toEqual([2]);
    expect(await rowsOf(app, student.id)).toBe(0);
    expect(await app.db.$count(auditLog)).toBe(audits);
  });

  it('refuses unknown tasks, not_started and a malformed status before any SQL, naming the fields', async () => {
    const { instructor, student } = await createSchoolBasics(app.db);
    const err = await failureOf(() =>
      recordCompetencyChanges(app.db, actorOf.instructor(instructor), {
        studentId: student.id, changes: [{ taskNumber: 1, status: 'not_started' as never }, { taskNumber: 0, status: 'competent' }, { taskNumber: 2, status: 'great' as never }],
      }),
    );
    expect((err as ValidationError).fields).toEqual(['changes.0.status', 'changes.1.taskNumber', 'changes.2.status']);
    const unknown = await failureOf(() => recordCompetencyChange(app.db, actorOf.instructor(instructor), { studentId: student.id, taskNumber: 99, status: 'taught' }));
    expect((unknown as ValidationError).fields).toEqual(['changes.0.taskNumber']);
  });

  it("refuses another instructor's student (NOT_FOUND) and a student recording their own (FORBIDDEN)", async () => {
    const { student } = await createSchoolBasics(app.db);
    const other = await createInstructor(app.db);
    expect(await failureOf(() => recordCompetencyChange(app.db, actorOf.instructor(other), { studentId: student.id, taskNumber: 1, status: 'taught' }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await failureOf(() => recordCompetencyChange(app.db, actorOf.student(student), { studentId: student.id, taskNumber: 1, status: 'taught' }))).toBeInstanceOf(ForbiddenError);
  });

  it('lets only an admin overrule a competent task, and only with a reason, audited as a warning', async () => {
    const { instructor, student } = await createSchoolBasics(app.db);
    const admin = actorOf.admin(await createAdmin(app.db));
    await recordCompetencyChange(app.db, actorOf.instructor(instructor), { studentId: student.id, taskNumber: 1, status: 'competent' });
    expect(await failureOf(() => recordCompetencyChange(app.db, actorOf.instructor(instructor), { studentId: student.id, taskNumber: 1, status: 'not_yet_competent', reason: 'second look' }))).toMatchObject({ code: 'INVALID_TRANSITION' });
    expect((await failureOf(() => recordCompetencyChange(app.db, admin, { studentId: student.id, taskNumber: 1, status: 'not_yet_competent' })) as ValidationError).fields).toEqual(['changes.0.reason']);
    const row = await recordCompetencyChange(app.db, admin, { studentId: student.id, taskNumber: 1, status: 'not_yet_competent', reason: 'audit found the assessment incomplete' });
    expect(row.status).toBe('not_yet_competent');
    const [entry] = await app.db.select().from(auditLog).where(and(eq(auditLog.subjectId, student.id), eq(auditLog.eventType, 'COMPETENCY_OVERRULED')));
    expect(entry).toMatchObject({ severity: 'warning', actorRole: 'admin', details: { taskNumber: 1, reason: 'audit found the assessment incomplete' } });
    // Each overrule needs its own reason: a batch that overrules two competent tasks with one reason is refused.
    const other = await createSchoolBasics(app.db);
    await insertCompetency(app.db, other.student, 1, 'competent');
    await insertCompetency(app.db, other.student, 2, 'competent');
    const batch = await failureOf(() =>
      recordCompetencyChanges(app.db, admin, {
        studentId: other.student.id,
        changes: [{ taskNumber: 1, status: 'taught', reason: 'overruled' }, { taskNumber: 2, status: 'taught' }],
      }),
    );
    expect((batch as ValidationError).fields).toEqual(['changes.1.reason']);
    expect(codeOf(await failureOf(() => insertCompetency(app.db, other.student, 2, 'taught')))).toBe('INVALID_TRANSITION');
  });
});

describe(getStudentProgress.name, () => {
  it('gives every task with its status, what can be assessed now, what blocks the rest, the cooldown, counts and certificate reasons', async () => {
    const { instructor, student } = await createSchoolBasics(app.db);
    await makeCompetent(app.db, student, [1, 2]);
    await insertCompetency(app.db, student, 3, 'assessed');
    await insertCompetency(app.db, student, 3, 'not_yet_competent');
    const { parent } = await createParent(app.db, student.id);
    const progress = await getStudentProgress(app.db, actorOf.parent(parent), { studentId: student.id });
    expect(progress.tasks).toHaveLength(23);
    const task = (n: number) => progress.tasks.find((x) => x.taskNumber === n)!;
    expect(task(1)).toMatchObject({ status: 'competent', availableToAssess: false, blockingTasks: [] });
    expect(task(3)).toMatchObject({ status: 'not_yet_competent', availableToAssess: false, blockingTasks: [] });
    expect(task(3).cooldownEndsAt!.getTime()).toBeGreaterThan(Date.now() + 35 * 3_600_000);
    expect(task(4)).toMatchObject({ status: 'not_started', availableToAssess: false, blockingTasks: [3] });
    expect(task(5)).toMatchObject({ availableToAssess: false, blockingTasks: [3] });
    expect(task(7)).toMatchObject({ blockingTasks: [3, 4, 5] });
    expect(task(18).blockingTasks).toEqual(range(3, 17)); // revision point 1: all of 1-17
    expect(task(23).blockingTasks).toEqual([17, 18, 19, 20, 21, 22]);
    expect(progress.counts).toEqual({ not_started: 20, taught: 0, assessed: 0, competent: 2, not_yet_competent: 1 });
    expect(progress.certificate).toMatchObject({ eligible: false, number: null, missingTasks: range(3, 23) });
    expect(progress.certificate.reasons[0]).toContain('3, 4, 5');
    expect(await getStudentProgress(app.db, actorOf.instructor(instructor), { studentId: student.id })).toMatchObject({ counts: progress.counts });
  });

  it('shows a job the same progress, an AI agent nothing (FORBIDDEN: it has getStudentContext), and another instructor nothing (NOT_FOUND)', async () => {
    const { student } = await createSchoolBasics(app.db);
    expect((await getStudentProgress(app.db, systemActor('cron:weekly-summary'), { studentId: student.id })).counts.not_started).toBe(23);
    expect(await failureOf(() => getStudentProgress(app.db, systemActor('agent:sms'), { studentId: student.id }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failureOf(async () => getStudentProgress(app.db, actorOf.instructor(await createInstructor(app.db)), { studentId: student.id }))).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe(getInstructorProgressSummary.name, () => {
  it('counts every student of the instructor by status, and only theirs', async () => {
    const instructor = await createInstructor(app.db);
    const a = await createStudent(app.db, instructor.id);
    const b = await createStudent(app.db, instructor.id);
    await makeCompetent(app.db, a, [1, 2]);
    await insertCompetency(app.db, b, 1, 'taught');
    await createSchoolBasics(app.db); // someone else's student
    const summary = await getInstructorProgressSummary(app.db, actorOf.instructor(instructor), {});
    expect(summary.map((s) => [s.studentId, s.counts]).sort()).toEqual([
      [a.id, { not_started: 21, taught: 0, assessed: 0, competent: 2, not_yet_competent: 0 }],
      [b.id, { not_started: 22, taught: 1, assessed: 0, competent: 0, not_yet_competent: 0 }],
    ].sort());
  });
});

describe(issueCertificate.name, () => {
  it('issues CERT-<year>-0001, then -0002 for the next student, with the Canberra completion date, status completed and an audit entry', async () => {
    const year = 2031; // a year no other test issues in
    const first = await createSchoolBasics(app.db);
    const second = await createSchoolBasics(app.db);
    await makeFullyCompetent(app.db, first.student);
    await makeFullyCompetent(app.db, second.student);
    // 23:30 UTC on 31 Dec 2030 is 10:30 on 1 January 2031 in Canberra.
    const issue = (s: { student: { id: string }; instructor: { userId: string } }) =>
      atClock(app, '2030-12-31T23:30:00Z', (tx) => issueCertificate(tx, actorOf.instructor(s.instructor), { studentId: s.student.id, confirm: true }));
    expect(await issue(first)).toMatchObject({ certificateNumber: `CERT-${year}-0001`, completionDate: '2031-01-01' });
    expect(await issue(second)).toMatchObject({ certificateNumber: `CERT-${year}-0002` });
    const [row] = await app.db.select().from(students).where(eq(students.id, first.student.id));
    expect(row).toMatchObject({ status: 'completed', certificateNumber: `CERT-${year}-0001`, completionDate: '2031-01-01' });
    const [entry] = await app.db.select().from(auditLog).where(and(eq(auditLog.subjectId, first.student.id), eq(auditLog.eventType, 'CERTIFICATE_ISSUED')));
    expect(entry).toMatchObject({ actorId: first.instructor.userId, details: { certificateNumber: `CERT-${year}-0001` } });
  });

  it('refuses a second certificate (CERTIFICATE_ALREADY_ISSUED), and raw SQL changing an issued one (CERTIFICATE_FROZEN)', async () => {
    const { instructor, student } = await createSchoolBasics(app.db);
    await makeFullyCompetent(app.db, student);
    const cert = await issueCertificate(app.db, actorOf.instructor(instructor), { studentId: student.id, confirm: true });
    const again = await failureOf(() => issueCertificate(app.db, actorOf.instructor(instructor), { studentId: student.id, confirm: true }));
    expect(again).toBeInstanceOf(CertificateAlreadyIssuedError);
    expect((again as CertificateAlreadyIssuedError).certificateNumber).toBe(cert.certificateNumber);
    for (const change of [sql`certificate_number = 'CERT-2020-0001'`, sql`certificate_issued_at = now() - interval '1 day'`, sql`completion_date = '2020-01-01'`]) {
      expect(codeOf(await failureOf(() => app.db.execute(sql`update students set ${change} where id = ${student.id}`)))).toBe('CERTIFICATE_FROZEN');
    }
  });

  it("counts the final drive only once its lesson is signed by both: progress says why, issuing is refused until then", async () => {
    const { instructor, student } = await createSchoolBasics(app.db);
    await makeCompetent(app.db, student, range(1, 22));
    const lesson = await createLesson(app.db, endedLessonValues(instructor.id, student.id, 1));
    await insertCompetency(app.db, student, 23, 'competent', { lessonId: lesson.id });
    const asInstructor = actorOf.instructor(instructor);
    const before = await getStudentProgress(app.db, asInstructor, { studentId: student.id });
    expect(before.counts.competent).toBe(23);
    expect(before.certificate).toMatchObject({ eligible: false, missingTasks: [23], reasons: [expect.stringContaining('not yet signed')] });
    const err = await failureOf(() => issueCertificate(app.db, asInstructor, { studentId: student.id, confirm: true }));
    expect((err as CertificateNotEligibleError).missingTasks).toEqual([23]);
    await signOffLesson(app.db, lesson);
    expect((await getStudentProgress(app.db, asInstructor, { studentId: student.id })).certificate).toMatchObject({ eligible: true, missingTasks: [], reasons: [] });
    expect((await issueCertificate(app.db, asInstructor, { studentId: student.id, confirm: true })).certificateNumber).toMatch(/^CERT-/);
  });

  it('refuses a student who is not eligible, naming the missing tasks, in TypeScript and in raw SQL; and needs confirm: true', async () => {
    const { instructor, student } = await createSchoolBasics(app.db);
    await makeCompetent(app.db, student, range(1, 21));
    const err = await failureOf(() => issueCertificate(app.db, actorOf.instructor(instructor), { studentId: student.id, confirm: true }));
    expect(err).toBeInstanceOf(CertificateNotEligibleError);
    expect((err as CertificateNotEligibleError).missingTasks).toEqual([22, 23]);
    expect(codeOf(await failureOf(() => app.db.execute(sql`update students set certificate_number = 'CERT-2026-0500' where id = ${student.id}`)))).toBe('CERTIFICATE_NOT_ELIGIBLE');
    expect(await failureOf(() => issueCertificate(app.db, actorOf.instructor(instructor), { studentId: student.id, confirm: false as never }))).toBeInstanceOf(ValidationError);
    expect(sqlstateOf(await failureOf(() => createStudent(app.db, instructor.id, { certificateNumber: 'CERT-2026-0900', certificateIssuedAt: new Date() })))).toBe('ND017');
  });

  it('may not be issued by the student, a parent or a system actor (FORBIDDEN)', async () => {
    const { student } = await createSchoolBasics(app.db);
    const { parent } = await createParent(app.db, student.id);
    for (const actor of [actorOf.student(student), actorOf.parent(parent), systemActor('agent:sms')]) {
      expect(await failureOf(() => issueCertificate(app.db, actor, { studentId: student.id, confirm: true }))).toBeInstanceOf(ForbiddenError);
    }
  });
});

describe.runIf(onServer)('under concurrency', () => {
  it('issues one certificate when two calls for one student race, and gapless numbers to 10 students at once', async () => {
    const year = 2032;
    const people = await Promise.all(Array.from({ length: 10 }, () => createSchoolBasics(app.db)));
    for (const p of people) await makeFullyCompetent(app.db, p.student);
    const issue = (p: (typeof people)[number]) =>
      atClock(app, `${year}-06-01T00:00:00Z`, (tx) => issueCertificate(tx, actorOf.instructor(p.instructor), { studentId: p.student.id, confirm: true }));
    const twice = await Promise.allSettled([issue(people[0]), issue(people[0])]);
    expect(twice.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((twice.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(CertificateAlreadyIssuedError);
    const rest = await Promise.all(people.slice(1).map(issue));
    const numbers = [(twice.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ certificateNumber: string }>).value.certificateNumber, ...rest.map((c) => c.certificateNumber)];
    expect(numbers.sort()).toEqual(range(1, 10).map((n) => `CERT-${year}-${String(n).padStart(4, '0')}`));
  });
});
