// Self-assessments (SPEC-19): before a review or the final drive the student rates their confidence on
// each task in scope. The student starts one (the database decides its type from their progress and the
// booking: nd_self_assessment_type, migration 0025), submits it once (final: the database refuses any
// later change but the review mark), and their instructor marks it reviewed. Students see their own,
// instructors their students', parents with can_view_progress (the matrix).
import { desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ForbiddenError, NotFoundError, ValidationError } from '../../db/errors.js';
import { bookings, competencyTasks, selfAssessments } from '../../db/schema/index.js';
import type { SelfAssessment } from '../../db/types.js';
import { changeWithAudit, recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { id, text } from '../core/validation.js';
import { responseProblems, type SelfAssessmentResponse } from './responses.js';

export type SelfAssessmentView = Pick<SelfAssessment, 'id' | 'studentId' | 'assessmentType' | 'completedAt' | 'reviewedByInstructor' | 'createdAt'> & { responses: SelfAssessmentResponse[] };
const columns = {
  id: selfAssessments.id,
  studentId: selfAssessments.studentId,
  assessmentType: selfAssessments.assessmentType,
  responses: sql<SelfAssessmentResponse[]>`${selfAssessments.responses}`.as('responses'),
  completedAt: selfAssessments.completedAt,
  reviewedByInstructor: selfAssessments.reviewedByInstructor,
  createdAt: selfAssessments.createdAt,
};

/** The assessment, locked, once the actor is known to see its student (NOT_FOUND otherwise). */
async function assessment(ctx: OperationContext, selfAssessmentId: string) {
  const [row] = await ctx.tx
    .select({
      ...columns,
      // The task numbers a submission must answer from, read with the row (one round trip less, issue 20).
      activeTasks: sql<Array<number | string>>`(select coalesce(array_agg(t.task_number order by t.task_number), '{}') from ${competencyTasks} t where t.is_active)`,
    })
    .from(selfAssessments)
    .where(eq(selfAssessments.id, selfAssessmentId))
    .for('update');
  if (!row) throw new NotFoundError(`self-assessment ${selfAssessmentId} not found`);
  await ctx.student(row.studentId);
  const { activeTasks, ...view } = row;
  return { row: view, activeTasks: activeTasks.map(Number) };
}

export const startSelfAssessment = defineOperation({
  name: 'startSelfAssessment',
  kind: 'write',
  input: z.strictObject({ studentId: id(), bookingId: id().optional() }),
  async run(ctx, { studentId, bookingId }): Promise<SelfAssessmentView> {
    const { student } = await ctx.student(studentId);
    if (bookingId) {
      const [booking] = await ctx.tx.select({ studentId: bookings.studentId }).from(bookings).where(eq(bookings.id, bookingId));
      if (!booking || booking.studentId !== student.id) throw new NotFoundError(`booking ${bookingId} not found for this student`);
    }
    const [row] = await ctx.tx
      .insert(selfAssessments)
      .values({ studentId: student.id, assessmentType: sql`nd_self_assessment_type(${student.id}, ${bookingId ?? null}::uuid)`, responses: [] })
      .returning(columns);
    await recordAudit(ctx, { eventType: 'SELF_ASSESSMENT_STARTED', subjectType: 'student', subjectId: student.id, details: { selfAssessmentId: row.id, assessmentType: row.assessmentType, bookingId: bookingId ?? null } });
    return row;
  },
});

const responseInput = z.strictObject({
  taskNumber: z.int().min(1).max(23),
  confidence: z.int().min(1, 'confidence is 1 to 5').max(5, 'confidence is 1 to 5'),
  notes: text(500).nullish(),
});

export const submitSelfAssessment = defineOperation({
  name: 'submitSelfAssessment',
  kind: 'write',
  input: z.strictObject({ selfAssessmentId: id(), responses: z.array(responseInput).min(1).max(23) }),
  async run(ctx, { selfAssessmentId, responses }): Promise<SelfAssessmentView> {
    const { row, activeTasks } = await assessment(ctx, selfAssessmentId);
    const a = ctx.actor;
    if (a.kind !== 'student' || a.studentId !== row.studentId) throw new ForbiddenError('only the student submits their self-assessment');
    if (row.completedAt) throw new ValidationError('this self-assessment was submitted: it is final', ['already submitted'], ['selfAssessmentId']);
    const stored = responses.map((r) => ({ task_number: r.taskNumber, confidence: r.confidence, notes: r.notes ?? null }));
    const problems = responseProblems(row.assessmentType, activeTasks, stored);
    const issues = [
      ...(problems.duplicated.length ? [`tasks answered twice: ${problems.duplicated.join(', ')}`] : []),
      ...(problems.outOfScope.length ? [`tasks outside ${row.assessmentType}: ${problems.outOfScope.join(', ')}`] : []),
      ...(problems.missing.length ? [`tasks not answered: ${problems.missing.join(', ')}`] : []),
    ];
    if (issues.length) throw new ValidationError(`the responses do not answer each task of ${row.assessmentType} once`, issues, ['responses']);
    // The student's notes stay out of the audit log.
    const [submitted] = await changeWithAudit(
      ctx,
      ctx.tx
        .update(selfAssessments)
        .set({ responses: stored, completedAt: sql`now()` }) // the database stamps its own clock (migration 0025)
        .where(eq(selfAssessments.id, row.id))
        .returning(columns),
      { eventType: 'SELF_ASSESSMENT_SUBMITTED', subjectType: 'student', subjectId: row.studentId, details: { selfAssessmentId: row.id, tasks: stored.length } },
    );
    return submitted;
  },
});

export const markSelfAssessmentReviewed = defineOperation({
  name: 'markSelfAssessmentReviewed',
  kind: 'write',
  input: z.strictObject({ selfAssessmentId: id() }),
  async run(ctx, { selfAssessmentId }): Promise<SelfAssessmentView> {
    const { row } = await assessment(ctx, selfAssessmentId);
    if (!row.completedAt) throw new ValidationError('this self-assessment is not submitted yet', ['not submitted'], ['selfAssessmentId']);
    if (row.reviewedByInstructor) return row;
    const [reviewed] = await changeWithAudit(
      ctx,
      ctx.tx.update(selfAssessments).set({ reviewedByInstructor: true }).where(eq(selfAssessments.id, row.id)).returning(columns),
      { eventType: 'SELF_ASSESSMENT_REVIEWED', subjectType: 'student', subjectId: row.studentId, details: { selfAssessmentId: row.id } },
    );
    return reviewed;
  },
});

export const listSelfAssessments = defineOperation({
  name: 'listSelfAssessments',
  kind: 'read',
  input: z.strictObject({ studentId: id() }),
  async run(ctx, { studentId }): Promise<SelfAssessmentView[]> {
    const { student } = await ctx.student(studentId);
    return ctx.tx.select(columns).from(selfAssessments).where(eq(selfAssessments.studentId, student.id)).orderBy(desc(selfAssessments.createdAt), desc(selfAssessments.id));
  },
});
