// Reading the logbook: a student's lessons (corrections included, each pointing at what it corrects)
// and the bridge forms for their supervising drivers, in shapes that carry nothing private.
import { and, asc, eq, type SQL } from 'drizzle-orm';
import { lessonBridgeForms, lessons } from '../../db/schema/index.js';
import { defineOperation } from '../core/operation.js';
import { studentIdInput } from './inputs.js';
import { bridgeFormColumns, lessonColumns, type BridgeFormView, type LessonView } from './views.js';

/** A student's lessons in logbook order. A parent without can_view_lesson_notes sees comments = null. */
export const listLessons = defineOperation({
  name: 'listLessons',
  kind: 'read',
  input: studentIdInput,
  async run(ctx, { studentId }): Promise<LessonView[]> {
    const { parentLink } = await ctx.student(studentId);
    const rows = await ctx.tx
      .select(lessonColumns)
      .from(lessons)
      .where(eq(lessons.studentId, studentId))
      .orderBy(asc(lessons.lessonNumber), asc(lessons.createdAt));
    if (parentLink && !parentLink.canViewLessonNotes) return rows.map((r) => ({ ...r, comments: null }));
    return rows;
  },
});

/** A student's bridge forms: students see those visible to students, parents those visible to
 *  parents, and AI agents (system actors, who answer students and parents) only what the student sees. */
export const listBridgeForms = defineOperation({
  name: 'listBridgeForms',
  kind: 'read',
  input: studentIdInput,
  async run(ctx, { studentId }): Promise<BridgeFormView[]> {
    await ctx.student(studentId);
    const visibleTo: Partial<Record<typeof ctx.actor.kind, SQL>> = {
      student: eq(lessonBridgeForms.isVisibleToStudent, true),
      parent: eq(lessonBridgeForms.isVisibleToParent, true),
      system: eq(lessonBridgeForms.isVisibleToStudent, true),
    };
    return ctx.tx
      .select(bridgeFormColumns)
      .from(lessonBridgeForms)
      .where(and(eq(lessonBridgeForms.studentId, studentId), visibleTo[ctx.actor.kind]))
      .orderBy(asc(lessonBridgeForms.createdAt));
  },
});
