// Signatures bound to people and documents, in the database (migration 0012): raw SQL cannot sign a
// lesson as anyone but its own instructor and then its own student, sign twice, choose the time, or
// delete a signed draft and re-create it for someone else. The same binding holds for competency,
// certificate and enrollment signatures.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlstateOf, toDbError } from '../src/db/errors.js';
import { competencyTasks, lessons, signatures, studentCompetencies } from '../src/db/schema/index.js';
import type { NewSignature } from '../src/db/types.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createInstructor, createLesson, createSchoolBasics, createStudent, failureOf, lessonValues } from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.dispose());

const signature = (values: Pick<NewSignature, 'signerId' | 'signerRole' | 'documentType' | 'documentId'> & Partial<NewSignature>) =>
  t.db.insert(signatures).values({ signatureUrl: `r2://signatures/${randomUUID()}.png`, ...values }).returning().then((r) => r[0]);

async function draftLesson() {
  const { instructor, student } = await createSchoolBasics(t.db);
  const lesson = await createLesson(t.db, lessonValues(instructor.id, student.id, 1));
  return { instructor, student, lesson };
}

async function signedByInstructor() {
  const d = await draftLesson();
  const sig = await signature({ signerId: d.instructor.userId, signerRole: 'instructor', documentType: 'lesson', documentId: d.lesson.id });
  await t.db.update(lessons).set({ status: 'pending_student_signature', instructorSignatureId: sig.id }).where(eq(lessons.id, d.lesson.id));
  return { ...d, instructorSignature: sig };
}

const signatureCount = (documentId: string) => t.db.$count(signatures, eq(signatures.documentId, documentId));

describe('lesson signatures', () => {
  it("refuses an instructor signature by another instructor, with SIGNATURE_REFUSED, and writes nothing", async () => {
    const { lesson } = await draftLesson();
    const other = await createInstructor(t.db);
    const err = await failureOf(() => signature({ signerId: other.userId, signerRole: 'instructor', documentType: 'lesson', documentId: lesson.id }));
    expect(sqlstateOf(err)).toBe('ND003');
    expect(toDbError(err).code).toBe('SIGNATURE_REFUSED');
    expect(await signatureCount(lesson.id)).toBe(0);
  });

  it('refuses a student signature by anyone but the lesson’s student: another student, the instructor', async () => {
    const { instructor, lesson } = await signedByInstructor();
    const stranger = await createStudent(t.db, instructor.id);
    for (const signerId of [stranger.userId, instructor.userId, 'user_nobody']) {
      const err = await failureOf(() => signature({ signerId, signerRole: 'student', documentType: 'lesson', documentId: lesson.id }));
      expect(sqlstateOf(err), signerId).toBe('ND003');
    }
    expect(await signatureCount(lesson.id)).toBe(1);
  });

  it('refuses the student signing a draft, and the instructor signing a lesson already awaiting the student', async () => {
    const { student, lesson } = await draftLesson();
    expect(sqlstateOf(await failureOf(() => signature({ signerId: student.userId, signerRole: 'student', documentType: 'lesson', documentId: lesson.id })))).toBe('ND003');
    const pending = await signedByInstructor();
    const err = await failureOf(() => signature({ signerId: pending.instructor.userId, signerRole: 'instructor', documentType: 'lesson', documentId: pending.lesson.id }));
    expect(sqlstateOf(err)).toBe('ND003');
  });

  it('accepts one signature per lesson and role: a second instructor signature of a draft is a unique violation', async () => {
    const { instructor, lesson } = await draftLesson();
    await signature({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'lesson', documentId: lesson.id });
    const err = await failureOf(() => signature({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'lesson', documentId: lesson.id }));
    expect(toDbError(err)).toMatchObject({ code: 'UNIQUE_VIOLATION', constraint: 'signatures_document_signer_role_unique' });
    expect(await signatureCount(lesson.id)).toBe(1);
  });

  it('refuses a signature for a lesson that does not exist (yet)', async () => {
    const { instructor } = await createSchoolBasics(t.db);
    const err = await failureOf(() => signature({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'lesson', documentId: randomUUID() }));
    expect(sqlstateOf(err)).toBe('ND003');
  });

  it("replaces the caller's timestamp_utc with the database clock, and sets signed_at to the student signature's time", async () => {
    const { student, lesson } = await signedByInstructor();
    const before = new Date();
    const sig = await signature({
      signerId: student.userId, signerRole: 'student', documentType: 'lesson', documentId: lesson.id, timestampUtc: new Date('2001-01-01T00:00:00Z'),
    });
    expect(sig.timestampUtc.getTime()).toBeGreaterThanOrEqual(before.getTime() - 5_000);
    const [done] = await t.db
      .update(lessons)
      .set({ status: 'completed', studentSignatureId: sig.id, signedAt: new Date('2001-01-01T00:00:00Z') })
      .where(eq(lessons.id, lesson.id))
      .returning();
    expect(done.signedAt).toEqual(sig.timestampUtc);
  });

  it('refuses to delete a draft that has a signature, so a signature can never outlive its lesson', async () => {
    const { instructor, lesson } = await draftLesson();
    await signature({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'lesson', documentId: lesson.id });
    const err = await failureOf(() => t.db.delete(lessons).where(eq(lessons.id, lesson.id)));
    expect(sqlstateOf(err)).toBe('ND002');
    expect(await t.db.$count(lessons, eq(lessons.id, lesson.id))).toBe(1);
  });

  it('refuses to edit a draft once its instructor has signed it, even before the status moves', async () => {
    const { instructor, lesson } = await draftLesson();
    await signature({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'lesson', documentId: lesson.id });
    const err = await failureOf(() => t.db.update(lessons).set({ comments: 'changed after signing' }).where(eq(lessons.id, lesson.id)));
    expect(sqlstateOf(err)).toBe('ND002');
  });

  it("refuses the instructor's signing step when it also changes the lesson's data", async () => {
    const { instructor, lesson } = await draftLesson();
    const sig = await signature({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'lesson', documentId: lesson.id });
    const err = await failureOf(() =>
      t.db.update(lessons).set({ status: 'pending_student_signature', instructorSignatureId: sig.id, odoEnd: 99_999, odoStart: 0 }).where(eq(lessons.id, lesson.id)),
    );
    expect(sqlstateOf(err)).toBe('ND002');
  });

  it("refuses completing a lesson with another lesson's student signature", async () => {
    const a = await signedByInstructor();
    const b = await signedByInstructor();
    const bSig = await signature({ signerId: b.student.userId, signerRole: 'student', documentType: 'lesson', documentId: b.lesson.id });
    const err = await failureOf(() => t.db.update(lessons).set({ status: 'completed', studentSignatureId: bSig.id }).where(eq(lessons.id, a.lesson.id)));
    expect(sqlstateOf(err)).toBe('ND002');
  });
});

describe('competency, certificate and enrollment signatures', () => {
  async function competencyRowValues() {
    const { instructor, student } = await createSchoolBasics(t.db);
    const [task] = await t.db.select({ id: competencyTasks.id }).from(competencyTasks).where(eq(competencyTasks.taskNumber, 1));
    return { instructor, student, row: { id: randomUUID(), studentId: student.id, taskId: task.id, instructorId: instructor.id, status: 'taught' as const, transmission: 'auto' as const } };
  }

  it("accepts the row's instructor signing first and the row naming that signature, in one transaction", async () => {
    const { instructor, row } = await competencyRowValues();
    await t.db.transaction(async (tx) => {
      const [sig] = await tx.insert(signatures).values({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'competency', documentId: row.id, signatureUrl: 'r2://c.png' }).returning();
      await tx.insert(studentCompetencies).values({ ...row, signatureId: sig.id, signedByInstructor: true });
    });
    expect(await t.db.$count(studentCompetencies, eq(studentCompetencies.id, row.id))).toBe(1);
  });

  it('refuses at commit a competency signature by someone other than the row’s instructor, and keeps neither row', async () => {
    const { row } = await competencyRowValues();
    const impostor = await createInstructor(t.db);
    const err = await failureOf(() =>
      t.db.transaction(async (tx) => {
        const [sig] = await tx.insert(signatures).values({ signerId: impostor.userId, signerRole: 'instructor', documentType: 'competency', documentId: row.id, signatureUrl: 'r2://c.png' }).returning();
        await tx.insert(studentCompetencies).values({ ...row, signatureId: sig.id, signedByInstructor: true });
      }),
    );
    expect(sqlstateOf(err)).toBe('ND003');
    expect(await signatureCount(row.id)).toBe(0);
    expect(await t.db.$count(studentCompetencies, eq(studentCompetencies.id, row.id))).toBe(0);
  });

  it('refuses at commit a competency signature whose row never appears', async () => {
    const { instructor } = await competencyRowValues();
    const documentId = randomUUID();
    const err = await failureOf(() =>
      t.db.insert(signatures).values({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'competency', documentId, signatureUrl: 'r2://c.png' }),
    );
    expect(sqlstateOf(err)).toBe('ND003');
    expect(await signatureCount(documentId)).toBe(0);
  });

  it('refuses a row that names a signature of another document, or claims a signature it has not got', async () => {
    const { instructor, student, row } = await competencyRowValues();
    const [enrollment] = await t.db.insert(signatures).values({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'enrollment', documentId: student.id, signatureUrl: 'r2://e.png' }).returning();
    expect(sqlstateOf(await failureOf(() => t.db.insert(studentCompetencies).values({ ...row, signatureId: enrollment.id })))).toBe('ND003');
    expect(sqlstateOf(await failureOf(() => t.db.insert(studentCompetencies).values({ ...row, signedByStudent: true })))).toBe('ND003');
  });

  it("binds certificate and enrollment signatures (document = the student) to the student and the student's instructor", async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const other = await createInstructor(t.db);
    await signature({ signerId: student.userId, signerRole: 'student', documentType: 'enrollment', documentId: student.id });
    await signature({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'certificate', documentId: student.id });
    for (const [signerId, signerRole] of [[other.userId, 'instructor'], [instructor.userId, 'student']] as const) {
      const err = await failureOf(() => signature({ signerId, signerRole, documentType: 'enrollment', documentId: student.id }));
      expect(sqlstateOf(err), `${signerRole} ${signerId}`).toBe('ND003');
    }
    expect(await signatureCount(student.id)).toBe(2);
  });
});

describe('signatures stay append-only', () => {
  it('still refuses UPDATE of a bound signature (ND001)', async () => {
    const { instructor, lesson } = await signedByInstructor();
    const err = await failureOf(() => t.db.execute(sql`update signatures set signer_id = 'user_forged' where document_id = ${lesson.id}`));
    expect(sqlstateOf(err)).toBe('ND001');
    const [row] = await t.db.select().from(signatures).where(eq(signatures.documentId, lesson.id));
    expect(row.signerId).toBe(instructor.userId);
  });
});
