// A student's record, and the privacy choices the student controls: the master switch
// parent_visibility and, per linked parent, the can_view_* / can_book_lessons flags and the link's
// status. At most 5 parents are linked actively (enforced by the database, migration 0015).
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { NotFoundError } from '../../db/errors.js';
import { parentStudentLinks, profiles, students } from '../../db/schema/index.js';
import type { ParentStudentLink } from '../../db/types.js';
import { recordAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { id } from '../core/validation.js';
import { studentColumns, type StudentView } from './views.js';

export const getStudent = defineOperation({
  name: 'getStudent',
  kind: 'read',
  input: z.strictObject({ studentId: id() }),
  async run(ctx, { studentId }): Promise<StudentView> {
    await ctx.student(studentId);
    const [row] = await ctx.tx.select(studentColumns).from(students).innerJoin(profiles, eq(profiles.id, students.profileId)).where(eq(students.id, studentId));
    return row;
  },
});

/** A parent link's six flags (setParentPermissions, and the link an invitation will make: inviteParent). */
export const permissionFlags = z.strictObject({
  canViewProgress: z.boolean().optional(),
  canViewBookings: z.boolean().optional(),
  canViewPayments: z.boolean().optional(),
  canViewLessonNotes: z.boolean().optional(),
  canViewBridgeForms: z.boolean().optional(),
  canBookLessons: z.boolean().optional(),
});

export const setParentPermissionsInput = z
  .strictObject({
    studentId: id(),
    /** The master switch: false hides everything from every parent. */
    parentVisibility: z.boolean().optional(),
    /** The parent whose link the flags and status below change. */
    parentId: id().optional(),
    permissions: permissionFlags.optional(),
    /** 'active' accepts a pending link (or restores a revoked one); 'revoked' ends it. */
    linkStatus: z.enum(['active', 'revoked']).optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.permissions || v.linkStatus) && !v.parentId) ctx.addIssue({ code: 'custom', path: ['parentId'], message: 'permissions and linkStatus need the parent' });
    if (v.parentVisibility === undefined && !v.permissions && !v.linkStatus) ctx.addIssue({ code: 'custom', path: [], message: 'nothing to change' });
  });

export interface ParentPermissionsResult {
  parentVisibility: boolean;
  link: Pick<ParentStudentLink, 'parentId' | 'status' | 'canViewProgress' | 'canViewBookings' | 'canViewPayments' | 'canViewLessonNotes' | 'canViewBridgeForms' | 'canBookLessons'> | null;
}

/** The student (or an admin) changes what linked parents may see and do. */
export const setParentPermissions = defineOperation({
  name: 'setParentPermissions',
  kind: 'write',
  input: setParentPermissionsInput,
  async run(ctx, input): Promise<ParentPermissionsResult> {
    const { student } = await ctx.student(input.studentId, { lock: true });
    let parentVisibility = student.parentVisibility;
    if (input.parentVisibility !== undefined && input.parentVisibility !== parentVisibility) {
      [{ parentVisibility }] = await ctx.tx
        .update(students)
        .set({ parentVisibility: input.parentVisibility })
        .where(eq(students.id, student.id))
        .returning({ parentVisibility: students.parentVisibility });
    }
    let link: ParentPermissionsResult['link'] = null;
    if (input.parentId) {
      const status = input.linkStatus ? { status: input.linkStatus, ...(input.linkStatus === 'active' ? { acceptedAt: new Date() } : {}) } : {};
      const [updated] = await ctx.tx
        .update(parentStudentLinks)
        .set({ ...input.permissions, ...status })
        .where(and(eq(parentStudentLinks.studentId, student.id), eq(parentStudentLinks.parentId, input.parentId)))
        .returning();
      if (!updated) throw new NotFoundError(`parent ${input.parentId} is not linked to student ${student.id}`);
      const { parentId, status: linkStatus, canViewProgress, canViewBookings, canViewPayments, canViewLessonNotes, canViewBridgeForms, canBookLessons } = updated;
      link = { parentId, status: linkStatus, canViewProgress, canViewBookings, canViewPayments, canViewLessonNotes, canViewBridgeForms, canBookLessons };
    }
    await recordAudit(ctx, {
      eventType: 'PRIVACY_SETTINGS_CHANGED',
      subjectType: 'student',
      subjectId: student.id,
      details: { parentVisibility: input.parentVisibility ?? null, parentId: input.parentId ?? null, permissions: input.permissions ?? null, linkStatus: input.linkStatus ?? null },
    });
    return { parentVisibility, link };
  },
});
