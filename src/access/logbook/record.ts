// Recording a lesson (a draft the instructor then signs) and correcting a signed one. The lesson is
// always for the student's own instructor; the database gives it its number (the next of the
// student's lessons; a correction keeps the original's) and checks the correction rules.
import { and, eq } from 'drizzle-orm';
import { ForbiddenError, NotFoundError, ValidationError } from '../../db/errors.js';
import { bookings, lessons } from '../../db/schema/index.js';
import type { Lesson } from '../../db/types.js';
import { roundToLogbookPeriods } from '../../domain/rules.js';
import { canberraDate, minutesBetween } from '../../domain/time.js';
import { recordAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { lessonRuleIssues, recordLessonCorrectionInput, recordLessonInput } from './inputs.js';

/** The numeric GPS columns take strings. */
const gps = (v: { gpsLatitude?: number; gpsLongitude?: number }) => ({
  gpsLatitude: v.gpsLatitude === undefined ? undefined : String(v.gpsLatitude),
  gpsLongitude: v.gpsLongitude === undefined ? undefined : String(v.gpsLongitude),
});

const timing = (startTime: Date, endTime: Date) => {
  const totalMinutes = minutesBetween(startTime, endTime);
  return { startTime, endTime, lessonDate: canberraDate(startTime), totalMinutes, roundedMinutes: roundToLogbookPeriods(totalMinutes) };
};

/** Records a lesson as a draft for the student's instructor (the instructor, or an admin). */
export const recordLesson = defineOperation({
  name: 'recordLesson',
  kind: 'write',
  input: recordLessonInput,
  async run(ctx, input): Promise<Lesson> {
    const { student } = await ctx.student(input.studentId);
    const { studentId: _s, lessonDate: _d, startTime, endTime, gpsLatitude: _la, gpsLongitude: _lo, ...data } = input;
    if (input.bookingId) {
      const [booking] = await ctx.tx
        .select({ id: bookings.id })
        .from(bookings)
        .where(and(eq(bookings.id, input.bookingId), eq(bookings.studentId, student.id), eq(bookings.instructorId, student.instructorId)));
      if (!booking) throw new NotFoundError(`booking ${input.bookingId} not found for this student and instructor`);
    }
    const [lesson] = await ctx.tx
      .insert(lessons)
      .values({ ...data, ...gps(input), ...timing(startTime, endTime), studentId: student.id, instructorId: student.instructorId })
      .returning();
    await recordAudit(ctx, {
      eventType: 'LESSON_CREATED',
      subjectType: 'lesson',
      subjectId: lesson.id,
      details: { studentId: lesson.studentId, lessonNumber: lesson.lessonNumber, totalMinutes: lesson.totalMinutes },
    });
    return lesson;
  },
});

/** A correction: a new draft row that points at a signed (or disputed) lesson and keeps its number.
 *  The original is never touched. `changes` holds only what differs. */
export const recordLessonCorrection = defineOperation({
  name: 'recordLessonCorrection',
  kind: 'write',
  input: recordLessonCorrectionInput,
  async run(ctx, { lessonId, reason, changes }): Promise<Lesson> {
    const { lesson: original } = await ctx.lesson(lessonId);
    const a = ctx.actor;
    if (a.kind === 'instructor' && a.instructorId !== original.instructorId) {
      // The correction is recorded for the lesson's instructor, who signs it: another instructor (say,
      // the student's new one) would create a draft nobody can sign. Admins handle those.
      throw new ForbiddenError('only the instructor who taught the lesson (or an admin) corrects it');
    }
    if (original.status === 'draft') {
      throw new ValidationError('lessonId: a draft lesson is edited, not corrected', [`lessonId: lesson ${lessonId} is a draft`], ['lessonId']);
    }
    const { startTime = original.startTime, endTime = original.endTime, gpsLatitude, gpsLongitude, ...data } = changes;
    const merged = { ...original, ...data, startTime, endTime };
    const problems = lessonRuleIssues({ ...merged, lessonDate: undefined });
    if (problems.length) {
      const issues = problems.map((p) => `changes.${p.path}: ${p.message}`);
      throw new ValidationError(`invalid correction: ${issues.join('; ')}`, issues, problems.map((p) => `changes.${p.path}`));
    }
    const { id: _id, createdAt: _c, totalKm: _k, status: _st, instructorSignatureId: _is, studentSignatureId: _ss, signedAt: _sa, correctionOf: _co, correctionReason: _cr, ...kept } = merged;
    const [correction] = await ctx.tx
      .insert(lessons)
      .values({
        ...kept,
        ...(gpsLatitude === undefined && gpsLongitude === undefined ? {} : gps({ gpsLatitude, gpsLongitude })),
        ...timing(startTime, endTime),
        correctionOf: original.id,
        correctionReason: reason,
      })
      .returning();
    await recordAudit(ctx, {
      eventType: 'LESSON_CORRECTED',
      subjectType: 'lesson',
      subjectId: correction.id,
      details: { correctionOf: original.id, lessonNumber: correction.lessonNumber, changed: Object.keys(changes).sort() },
    });
    return correction;
  },
});
