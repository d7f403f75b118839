// The two signatures that complete a lesson (ACT Form 10.044), and the student's refusal. Each step is
// one transaction: the signature row (its signer is the actor, never an input), the lesson's new
// status, and the audit entry. The database checks again that the signer is the lesson's own
// instructor or student (migration 0012), and sets the signature time and signed_at itself.
import { eq } from 'drizzle-orm';
import { ForbiddenError } from '../../db/errors.js';
import { lessons, signatures } from '../../db/schema/index.js';
import type { Lesson } from '../../db/types.js';
import { changeWithAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { disputeLessonInput, signLessonInput } from './inputs.js';
import type { z } from 'zod';

type SignInput = z.output<typeof signLessonInput>;

async function sign(ctx: OperationContext, { lessonId, signature: evidence }: SignInput, role: 'instructor' | 'student'): Promise<Lesson> {
  const { lesson } = await ctx.lesson(lessonId, { lock: true });
  const a = ctx.actor;
  const own = role === 'instructor' ? a.kind === 'instructor' && a.instructorId === lesson.instructorId : a.kind === 'student' && a.studentId === lesson.studentId;
  if (!own || a.userId === null) throw new ForbiddenError(`only the lesson's own ${role} signs it as ${role}`);
  const [signature] = await ctx.tx
    .insert(signatures)
    .values({
      ...evidence,
      gpsLatitude: evidence.gpsLatitude?.toString(),
      gpsLongitude: evidence.gpsLongitude?.toString(),
      signerId: a.userId,
      signerRole: role,
      documentType: 'lesson',
      documentId: lesson.id,
    })
    .returning();
  const step =
    role === 'instructor'
      ? { status: 'pending_student_signature' as const, instructorSignatureId: signature.id }
      : { status: 'completed' as const, studentSignatureId: signature.id };
  // The lesson's step and its entry in one statement (issue 20); the signature is a statement of its
  // own before it, because the lesson's guard reads the signature the step names.
  const [signed] = await changeWithAudit(ctx, ctx.tx.update(lessons).set(step).where(eq(lessons.id, lesson.id)).returning(), {
    eventType: 'LESSON_SIGNED',
    subjectType: 'lesson',
    subjectId: lesson.id,
    details: { signatureId: signature.id, step: role, status: step.status },
  });
  return signed;
}

/** Step 1: the lesson's instructor signs its draft; the lesson is frozen and awaits the student. */
export const signLessonAsInstructor = defineOperation({
  name: 'signLessonAsInstructor',
  kind: 'write',
  input: signLessonInput,
  run: (ctx, input) => sign(ctx, input, 'instructor'),
});

/** Step 2: the lesson's student signs; the lesson is completed and permanent. */
export const signLessonAsStudent = defineOperation({
  name: 'signLessonAsStudent',
  kind: 'write',
  input: signLessonInput,
  run: (ctx, input) => sign(ctx, input, 'student'),
});

/** The lesson's student refuses to sign: the lesson is marked disputed, and a correction may follow. */
export const disputeLesson = defineOperation({
  name: 'disputeLesson',
  kind: 'write',
  input: disputeLessonInput,
  async run(ctx, { lessonId, reason }): Promise<Lesson> {
    const { lesson } = await ctx.lesson(lessonId, { lock: true });
    const [disputed] = await changeWithAudit(ctx, ctx.tx.update(lessons).set({ status: 'disputed' }).where(eq(lessons.id, lesson.id)).returning(), {
      eventType: 'LESSON_DISPUTED', severity: 'warning', subjectType: 'lesson', subjectId: lesson.id, details: {}, personalDetails: { reason },
    });
    return disputed;
  },
});
