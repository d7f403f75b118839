// Bridge forms (SPEC-16): after a lesson its instructor writes what went well, what to practise and what
// comes next, for the student and (where allowed) their supervising driver. Once per lesson (the
// table's unique lesson_id), only for a lesson the instructor has signed (instructor_signature_id set),
// and skills_covered comes from the lesson itself. A parent reads a form only when the link is active,
// can_view_bridge_forms is on and the form is visible to parents (listBridgeForms, SPEC-16 8.1).
import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { ForbiddenError, NotFoundError } from '../../db/errors.js';
import { BridgeFormExistsError, LessonNotSignedError } from './errors.js';
import { competencyTasks, lessonBridgeForms } from '../../db/schema/index.js';
import { recordAudit, changeWithAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { id, text } from '../core/validation.js';
import { bridgeFormColumns, type BridgeFormView } from '../logbook/views.js';
import { skillsCovered } from './skills.js';

export const createBridgeFormInput = z.strictObject({
  lessonId: id(),
  positives: text(2000),
  practiceInstructions: text(2000),
  focusAreas: text(2000),
  nextLessonRecommendation: text(2000),
  isVisibleToParent: z.boolean().optional(),
});

export type BridgeFormRecord = BridgeFormView & { isVisibleToStudent: boolean; isVisibleToParent: boolean };
const recordColumns = { ...bridgeFormColumns, isVisibleToStudent: lessonBridgeForms.isVisibleToStudent, isVisibleToParent: lessonBridgeForms.isVisibleToParent };

export const createBridgeForm = defineOperation({
  name: 'createBridgeForm',
  kind: 'write',
  input: createBridgeFormInput,
  async run(ctx, { lessonId, ...content }): Promise<BridgeFormRecord> {
    const { lesson } = await ctx.lesson(lessonId, { lock: true });
    const a = ctx.actor;
    if (a.kind !== 'instructor' || a.instructorId !== lesson.instructorId) throw new ForbiddenError("only the lesson's own instructor writes its bridge form");
    if (!lesson.instructorSignatureId) throw new LessonNotSignedError('the instructor has not signed this lesson yet');
    const [existing] = await ctx.tx.select({ id: lessonBridgeForms.id }).from(lessonBridgeForms).where(eq(lessonBridgeForms.lessonId, lesson.id));
    if (existing) throw new BridgeFormExistsError('this lesson already has a bridge form');
    const numbers = [...new Set([
      ...(lesson.competenciesTaught ?? []), ...(lesson.competenciesAssessed ?? []),
      ...(lesson.competenciesAchievedManual ?? []), ...(lesson.competenciesAchievedAuto ?? []),
    ])];
    const tasks = numbers.length === 0 ? [] : await ctx.tx.select({ n: competencyTasks.taskNumber, name: competencyTasks.name }).from(competencyTasks).where(inArray(competencyTasks.taskNumber, numbers));
    // The id and the parent's visibility are decided here, so the form and its audit entry go in one
    // statement (SPEC-16: visible to the parent unless the instructor says not). The form's words stay
    // out of the audit log.
    const formId = randomUUID();
    const isVisibleToParent = content.isVisibleToParent ?? true;
    const [form] = await changeWithAudit(
      ctx,
      ctx.tx
        .insert(lessonBridgeForms)
        .values({
          ...content, id: formId, isVisibleToParent, lessonId: lesson.id, studentId: lesson.studentId, instructorId: lesson.instructorId,
          skillsCovered: skillsCovered(lesson, new Map(tasks.map((t) => [t.n, t.name]))),
        })
        .returning(recordColumns),
      { eventType: 'BRIDGE_FORM_CREATED', subjectType: 'lesson', subjectId: lesson.id, details: { bridgeFormId: formId, isVisibleToParent } },
    );
    return form;
  },
});

export const setBridgeFormVisibilityInput = z
  .strictObject({ lessonId: id(), isVisibleToStudent: z.boolean().optional(), isVisibleToParent: z.boolean().optional() })
  .refine((v) => v.isVisibleToStudent !== undefined || v.isVisibleToParent !== undefined, { message: 'say what to change', path: ['isVisibleToParent'] });

/** The form's instructor (or an admin) shows or hides it to the student or to parents. */
export const setBridgeFormVisibility = defineOperation({
  name: 'setBridgeFormVisibility',
  kind: 'write',
  input: setBridgeFormVisibilityInput,
  async run(ctx, { lessonId, ...change }): Promise<BridgeFormRecord> {
    const { lesson } = await ctx.lesson(lessonId, { lock: true });
    const a = ctx.actor;
    if (a.kind === 'instructor' && a.instructorId !== lesson.instructorId) throw new ForbiddenError("only the lesson's own instructor or an admin changes who sees its bridge form");
    const [form] = await ctx.tx.update(lessonBridgeForms).set(change).where(eq(lessonBridgeForms.lessonId, lesson.id)).returning(recordColumns);
    if (!form) throw new NotFoundError(`lesson ${lessonId} has no bridge form`);
    await recordAudit(ctx, { eventType: 'BRIDGE_FORM_VISIBILITY_CHANGED', subjectType: 'lesson', subjectId: lesson.id, details: { bridgeFormId: form.id, ...change } });
    return form;
  },
});
