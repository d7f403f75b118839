// The digital logbook (ACT Form 10.044): recording a lesson, the two signatures that complete it,
// disputes and corrections. The database enforces the allowed transitions (migration 0008,
// docs/integrity.md); these functions perform each step whole, in one transaction, with its audit entry.
import { eq, sql } from 'drizzle-orm';
import { lessons, signatures } from '../db/schema/index.js';
import type { Database, DatabaseOrTransaction } from '../db/engines/handle.js';
import { mapDbErrors, NotFoundError, ValidationError } from '../db/errors.js';
import type { Lesson, NewLesson, NewSignature } from '../db/types.js';
import { queryRows } from '../db/sql.js';
import { roundToLogbookPeriods } from '../domain/rules.js';
import { appendAuditEvent } from './audit.js';

export type RecordLessonInput = Omit<
  NewLesson,
  'id' | 'lessonNumber' | 'totalMinutes' | 'roundedMinutes' | 'status' | 'instructorSignatureId' | 'studentSignatureId' | 'signedAt' | 'createdAt' | 'correctionOf' | 'correctionReason'
>;

/** Evidence captured with a signature (never the image itself: that lives at signatureUrl). */
export type SignatureEvidence = Pick<NewSignature, 'signerId' | 'signatureUrl' | 'ipAddress' | 'userAgent' | 'deviceInfo' | 'gpsLatitude' | 'gpsLongitude'>;

function minutesBetween(start: Date, end: Date): number {
  return Math.floor((end.getTime() - start.getTime()) / 60_000);
}

async function nextLessonNumber(tx: DatabaseOrTransaction, studentId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(tx, sql`select next_lesson_number(${studentId}::uuid) as n`);
  return Number(row.n);
}

/** Records a lesson as a draft with the student's next lesson number (safe under concurrent recording). */
export async function recordLesson(db: Database, input: RecordLessonInput): Promise<Lesson> {
  const start = new Date(input.startTime);
  const end = new Date(input.endTime);
  if (!(end > start)) throw new ValidationError('a lesson ends after it starts');
  const totalMinutes = minutesBetween(start, end);
  return mapDbErrors(() =>
    db.transaction(async (tx) => {
      const lessonNumber = await nextLessonNumber(tx, input.studentId);
      const [lesson] = await tx
        .insert(lessons)
        .values({ ...input, lessonNumber, totalMinutes, roundedMinutes: roundToLogbookPeriods(totalMinutes) })
        .returning();
      await appendAuditEvent(tx, {
        eventType: 'LESSON_CREATED',
        actorId: null,
        actorRole: 'instructor',
        subjectType: 'lesson',
        subjectId: lesson.id,
        details: { studentId: lesson.studentId, lessonNumber, totalMinutes },
      });
      return lesson;
    }),
  );
}

async function lessonForUpdate(tx: DatabaseOrTransaction, lessonId: string): Promise<Lesson> {
  const [lesson] = await tx.select().from(lessons).where(eq(lessons.id, lessonId)).for('update');
  if (!lesson) throw new NotFoundError(`lesson ${lessonId} not found`);
  return lesson;
}

/** The lesson columns each signing step sets, given the new signature's id. */
const SIGNING_STEPS = {
  instructor: (signatureId: string) => ({ status: 'pending_student_signature' as const, instructorSignatureId: signatureId }),
  student: (signatureId: string) => ({ status: 'completed' as const, studentSignatureId: signatureId, signedAt: sql`now()` }),
};

/** One signing step: the signature row, the lesson's new status, and the audit entry, in one transaction. */
async function signLesson(db: Database, lessonId: string, signerRole: keyof typeof SIGNING_STEPS, evidence: SignatureEvidence): Promise<Lesson> {
  return mapDbErrors(() =>
    db.transaction(async (tx) => {
      await lessonForUpdate(tx, lessonId);
      const [signature] = await tx
        .insert(signatures)
        .values({ ...evidence, signerRole, documentType: 'lesson', documentId: lessonId })
        .returning();
      const [lesson] = await tx.update(lessons).set(SIGNING_STEPS[signerRole](signature.id)).where(eq(lessons.id, lessonId)).returning();
      await appendAuditEvent(tx, {
        eventType: 'LESSON_SIGNED',
        actorId: evidence.signerId,
        actorRole: signerRole,
        subjectType: 'lesson',
        subjectId: lessonId,
        details: { signatureId: signature.id, step: signerRole },
      });
      return lesson;
    }),
  );
}

/** Step 1: the instructor signs; the lesson leaves draft and is frozen. */
export function signLessonAsInstructor(db: Database, lessonId: string, evidence: SignatureEvidence): Promise<Lesson> {
  return signLesson(db, lessonId, 'instructor', evidence);
}

/** Step 2: the student signs; the lesson is completed and permanent. */
export function signLessonAsStudent(db: Database, lessonId: string, evidence: SignatureEvidence): Promise<Lesson> {
  return signLesson(db, lessonId, 'student', evidence);
}

/** The student refuses to sign: the lesson is marked disputed, and a correction may follow. */
export async function disputeLesson(db: Database, lessonId: string, dispute: { actorId: string; reason: string }): Promise<Lesson> {
  return mapDbErrors(() =>
    db.transaction(async (tx) => {
      const [lesson] = await tx.update(lessons).set({ status: 'disputed' }).where(eq(lessons.id, lessonId)).returning();
      if (!lesson) throw new NotFoundError(`lesson ${lessonId} not found`);
      await appendAuditEvent(tx, {
        eventType: 'LESSON_DISPUTED',
        actorId: dispute.actorId,
        actorRole: 'student',
        subjectType: 'lesson',
        subjectId: lessonId,
        details: { reason: dispute.reason },
      });
      return lesson;
    }),
  );
}

/** A correction: a new draft row that points at the original and keeps its number. The original is never touched. */
export async function recordLessonCorrection(
  db: Database,
  correctionOf: string,
  correction: { reason: string; changes: Partial<RecordLessonInput> },
): Promise<Lesson> {
  if (!correction.reason.trim()) throw new ValidationError('a correction needs a reason');
  return mapDbErrors(() =>
    db.transaction(async (tx) => {
      const [original] = await tx.select().from(lessons).where(eq(lessons.id, correctionOf));
      if (!original) throw new NotFoundError(`lesson ${correctionOf} not found`);
      const { id: _id, createdAt: _c, totalKm: _k, status: _s, instructorSignatureId: _i, studentSignatureId: _t, signedAt: _a, ...kept } = original;
      const merged = { ...kept, ...correction.changes };
      const totalMinutes = minutesBetween(new Date(merged.startTime), new Date(merged.endTime));
      const [lesson] = await tx
        .insert(lessons)
        .values({
          ...merged,
          totalMinutes,
          roundedMinutes: roundToLogbookPeriods(totalMinutes),
          correctionOf,
          correctionReason: correction.reason,
        })
        .returning();
      await appendAuditEvent(tx, {
        eventType: 'LESSON_CORRECTED',
        actorId: null,
        actorRole: 'instructor',
        subjectType: 'lesson',
        subjectId: lesson.id,
        details: { correctionOf, reason: correction.reason },
      });
      return lesson;
    }),
  );
}
