// Parents (issue 17 item 4; SPEC-02, SPEC-17 section 4.8): a student (or an admin) invites a parent by
// email or phone with the permissions the link will carry; the parent, signed in with their own Clerk
// user, accepts with the invitation's single-use token; the student or an admin revokes a link, or
// withdraws an invitation not yet accepted. At most 5 active parents per student: counted with the
// pending invitations when inviting (the student row locked), and held by the database when a link
// becomes active (ND005, migration 0015), whatever runs at once.
import { randomUUID } from 'node:crypto';
import { and, eq, gt, sql } from 'drizzle-orm';
import { NexDriveError, NotFoundError } from '../../db/errors.js';
import { parentInvitations, parentStudentLinks } from '../../db/schema/index.js';
import type { ParentStudentLink } from '../../db/types.js';
import { queryRows } from '../../db/sql.js';
import { actorName } from '../core/actor.js';
import { changeWithAudit, recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { InvitationInvalidError } from './errors.js';
import { acceptParentInvitationInput, inviteParentInput, revokeParentLinkInput } from './inputs.js';
import { DEFAULT_INVITATION_DAYS, invitationTokenHash, MAX_PARENTS_PER_STUDENT, newInvitationToken } from './parent-rules.js';

/** An invitation as the inviter sees it: never the token's hash. */
export interface ParentInvitationView {
  id: string;
  studentId: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  relationship: string;
  status: string;
  expiresAt: Date;
}

const invitationColumns = {
  id: parentInvitations.id, studentId: parentInvitations.studentId, firstName: parentInvitations.firstName, lastName: parentInvitations.lastName,
  email: parentInvitations.email, phone: parentInvitations.phone, relationship: parentInvitations.relationship, status: parentInvitations.status,
  expiresAt: parentInvitations.expiresAt,
};

export interface InviteParentResult {
  invitation: ParentInvitationView;
  /** The single-use token, for the invitation link (enqueueNotification 'parent_invitation'). Given only here, once. */
  token: string;
}

export const inviteParent = defineOperation({
  name: 'inviteParent',
  kind: 'write',
  input: inviteParentInput,
  async run(ctx, input): Promise<InviteParentResult> {
    const { student } = await ctx.student(input.studentId, { lock: true });
    const [{ taken }] = await queryRows<{ taken: number }>(ctx.tx, sql`
      select ((select count(*) from parent_student_links where student_id = ${student.id} and status = 'active')
            + (select count(*) from parent_invitations where student_id = ${student.id} and status = 'pending' and expires_at > now()))::int as taken`);
    if (taken >= MAX_PARENTS_PER_STUDENT) {
      throw new NexDriveError('PARENT_LINK_LIMIT', `student ${student.id} already has ${MAX_PARENTS_PER_STUDENT} parents or pending invitations; revoke one first`);
    }
    const token = newInvitationToken();
    const invitationId = randomUUID(); // known before the insert, so its audit entry goes in the same statement
    const [invitation] = await changeWithAudit(
      ctx,
      ctx.tx
        .insert(parentInvitations)
        .values({
          id: invitationId, studentId: student.id, invitedBy: actorName(ctx.actor),
          firstName: input.firstName ?? null, lastName: input.lastName ?? null, email: input.email ?? null, phone: input.phone ?? null,
          relationship: input.relationship, ...input.permissions,
          tokenHash: invitationTokenHash(token),
          expiresAt: sql`now() + make_interval(days => ${input.expiresInDays ?? DEFAULT_INVITATION_DAYS})`,
        })
        .returning(invitationColumns),
      {
        eventType: 'PARENT_INVITED',
        subjectType: 'student',
        subjectId: student.id,
        details: { invitationId, relationship: input.relationship, by: input.email ? 'email' : 'sms', permissions: input.permissions ?? {} },
      },
    );
    return { invitation, token };
  },
});

export interface AcceptParentInvitationResult {
  link: ParentStudentLink;
  studentId: string;
}

/**
 * The signed-in user accepts an invitation: they become (or already are) a parent, linked to the
 * student with the invitation's permissions. A new account (made by the Clerk webhook as a student's,
 * with nothing enrolled) becomes a parent's; an instructor, an admin or an enrolled student cannot
 * (FORBIDDEN). An unknown, used, withdrawn or expired token: INVITATION_INVALID, and nothing
 * is written (the account is not made a parent's either: it is all one transaction).
 */
export const acceptParentInvitation = defineOperation({
  name: 'acceptParentInvitation',
  kind: 'write',
  input: acceptParentInvitationInput,
  newcomer: 'parent',
  async run(ctx, input): Promise<AcceptParentInvitationResult> {
    ctx.school();
    const a = ctx.actor;
    if (a.kind !== 'parent') throw new Error('unreachable: the matrix lets only parents accept');
    const [invitation] = await ctx.tx
      .select()
      .from(parentInvitations)
      .where(and(eq(parentInvitations.tokenHash, invitationTokenHash(input.token)), eq(parentInvitations.status, 'pending'), gt(parentInvitations.expiresAt, sql`now()`)))
      .for('update');
    if (!invitation) throw new InvitationInvalidError();
    // (the student themself cannot get here: an account with a student row is FORBIDDEN as a parent)
    const flags = {
      relationship: invitation.relationship,
      canViewProgress: invitation.canViewProgress, canViewBookings: invitation.canViewBookings, canViewPayments: invitation.canViewPayments,
      canViewLessonNotes: invitation.canViewLessonNotes, canViewBridgeForms: invitation.canViewBridgeForms, canBookLessons: invitation.canBookLessons,
      status: 'active' as const, acceptedAt: sql`now()`,
    };
    // A link revoked before comes back with this invitation's permissions (one link per parent and student).
    const [link] = await ctx.tx
      .insert(parentStudentLinks)
      .values({ parentId: a.parentId, studentId: invitation.studentId, ...flags })
      .onConflictDoUpdate({ target: [parentStudentLinks.parentId, parentStudentLinks.studentId], set: flags })
      .returning();
    await ctx.tx
      .update(parentInvitations)
      .set({ status: 'accepted', acceptedBy: a.userId, acceptedAt: sql`now()`, linkId: link.id })
      .where(eq(parentInvitations.id, invitation.id));
    await recordAudit(ctx, {
      eventType: 'PARENT_INVITATION_ACCEPTED',
      subjectType: 'student',
      subjectId: invitation.studentId,
      details: { invitationId: invitation.id, linkId: link.id, parentId: a.parentId },
    });
    return { link, studentId: invitation.studentId };
  },
});

export interface RevokeParentLinkResult {
  /** The link now revoked, when there was one (an accepted invitation's link too). */
  linkId: string | null;
  /** The invitation withdrawn, when one was named. */
  invitationId: string | null;
  /** False when it was revoked already: nothing changed. */
  changed: boolean;
}

/** Revokes a parent's link to the student, or withdraws an invitation (and, if it was accepted, revokes its link). */
export const revokeParentLink = defineOperation({
  name: 'revokeParentLink',
  kind: 'write',
  input: revokeParentLinkInput,
  async run(ctx, input): Promise<RevokeParentLinkResult> {
    if ('invitationId' in input) {
      const [invitation] = await ctx.tx.select().from(parentInvitations).where(eq(parentInvitations.id, input.invitationId));
      if (!invitation) throw new NotFoundError(`invitation ${input.invitationId} not found`);
      await ctx.student(invitation.studentId, { lock: true });
      if (invitation.status === 'accepted') return revokeLink(ctx, invitation.linkId!, invitation.id);
      if (invitation.status === 'revoked') return { linkId: null, invitationId: invitation.id, changed: false };
      await changeWithAudit(
        ctx,
        ctx.tx.update(parentInvitations).set({ status: 'revoked', revokedAt: sql`now()` }).where(eq(parentInvitations.id, invitation.id)).returning({ id: parentInvitations.id }),
        { eventType: 'PARENT_INVITATION_REVOKED', subjectType: 'student', subjectId: invitation.studentId, details: { invitationId: invitation.id } },
      );
      return { linkId: null, invitationId: invitation.id, changed: true };
    }
    const [link] = await ctx.tx
      .select({ studentId: parentStudentLinks.studentId, parentId: parentStudentLinks.parentId })
      .from(parentStudentLinks)
      .where(eq(parentStudentLinks.id, input.linkId));
    if (!link) throw new NotFoundError(`parent link ${input.linkId} not found`);
    await ctx.student(link.studentId, { lock: true });
    return revokeLink(ctx, input.linkId, null, link);
  },
});

type LinkPeople = { studentId: string; parentId: string };

async function revokeLink(ctx: OperationContext, linkId: string, invitationId: string | null, known?: LinkPeople): Promise<RevokeParentLinkResult> {
  const [current] = known
    ? [known]
    : await ctx.tx.select({ studentId: parentStudentLinks.studentId, parentId: parentStudentLinks.parentId }).from(parentStudentLinks).where(eq(parentStudentLinks.id, linkId));
  if (!current) return { linkId, invitationId, changed: false };
  // The update and its entry in one statement; a link already revoked matches nothing and writes no entry.
  const [link] = await changeWithAudit(
    ctx,
    ctx.tx
      .update(parentStudentLinks)
      .set({ status: 'revoked' })
      .where(and(eq(parentStudentLinks.id, linkId), sql`${parentStudentLinks.status} <> 'revoked'`))
      .returning({ studentId: parentStudentLinks.studentId }),
    { eventType: 'PARENT_LINK_REVOKED', severity: 'warning', subjectType: 'student', subjectId: current.studentId, details: { linkId, parentId: current.parentId, invitationId } },
  );
  return { linkId, invitationId, changed: link !== undefined };
}

