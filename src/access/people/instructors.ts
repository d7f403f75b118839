// Creating or linking the instructor record of a Clerk user (spec section 9: Rob signs up through
// Clerk, then an admin links his instructor record). Idempotent: running it again with the same
// arguments changes nothing.
//
// Re-linking moves an existing instructor record (and with it every student, booking and lesson of
// that instructor) to another Clerk user, so it is allowed only from a placeholder: an instructor
// whose user_id is not a Clerk user id (e.g. 'placeholder:adi-608', created before the instructor had
// an account). Moving a record that belongs to a real Clerk user needs `force: true`, and is audited
// as a warning naming the previous user. Otherwise INSTRUCTOR_LINK_CONFLICT.
import { eq, sql } from 'drizzle-orm';
import { queryRows } from '../../db/sql.js';
import { z } from 'zod';
import { instructors, profiles } from '../../db/schema/index.js';
import { NexDriveError, ValidationError } from '../../db/errors.js';
import type { Instructor, Profile } from '../../db/types.js';
import { CLERK_USER_ID } from '../core/actor.js';
import { recordAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { isoDate, text } from '../core/validation.js';

/** An instructor record not yet linked to a Clerk account: its user_id is not a Clerk user id. */
export function isPlaceholderUserId(userId: string): boolean {
  return !CLERK_USER_ID.test(userId);
}

export const linkInstructorInput = z.strictObject({
  clerkId: z.string().regex(CLERK_USER_ID, 'a Clerk user id looks like user_2abc...'),
  adiNumber: z.string().regex(/^[A-Za-z0-9-]{1,20}$/, 'an ADI number is letters and digits, e.g. 608'),
  /** Needed only when the instructor record does not exist yet (adi_expiry is NOT NULL). */
  adiExpiry: isoDate().optional(),
  /** Needed only when the Clerk webhook has not created the profile yet. */
  firstName: text(100).optional(),
  lastName: text(100).optional(),
  email: z.email().optional(),
  phone: z.string().regex(/^\+?[0-9 ]{6,20}$/, 'a phone number like +61400000000').optional(),
  isOwner: z.boolean().optional(),
  /** Move a record that belongs to another real Clerk user (audited as a warning). */
  force: z.boolean().optional(),
});
export type LinkInstructorInput = z.input<typeof linkInstructorInput>;

export interface LinkInstructorResult {
  profile: Profile;
  instructor: Instructor;
  profileCreated: boolean;
  instructorCreated: boolean;
  /** True when an existing instructor record was moved to this Clerk user. */
  relinked: boolean;
  /** The user the record belonged to before, when relinked. */
  previousUserId: string | null;
}

/** The instructor already belongs to another user, or the user already has another ADI number. */
export class InstructorLinkConflictError extends NexDriveError {
  constructor(message: string) {
    super('INSTRUCTOR_LINK_CONFLICT', message);
  }
}

function flagName(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Creates or links the instructor record of a Clerk user (admins and system actors, e.g. the CLI). */
export const linkInstructor = defineOperation({
  name: 'linkInstructor',
  kind: 'write',
  input: linkInstructorInput,
  async run(ctx, input): Promise<LinkInstructorResult> {
    ctx.school();
    const { tx } = ctx;
    let [profile] = await tx.select().from(profiles).where(eq(profiles.userId, input.clerkId)).for('update');
    let profileCreated = false;
    if (!profile) {
      const absent = (['firstName', 'lastName', 'email'] as const).filter((k) => input[k] === undefined);
      if (absent.length) {
        const issues = absent.map((k) => `${k}: needed to create the profile of ${input.clerkId}`);
        throw new ValidationError(`no profile for ${input.clerkId} yet; to create it also give ${absent.map(flagName).join(', ')}`, issues, [...absent]);
      }
      [profile] = await tx
        .insert(profiles)
        .values({ userId: input.clerkId, firstName: input.firstName!, lastName: input.lastName!, email: input.email!, phone: input.phone, role: 'instructor' })
        .returning();
      profileCreated = true;
    } else if (profile.role !== 'instructor' && profile.role !== 'admin') {
      // The Clerk webhook makes every new account a student's (syncClerkUser); an account with nothing
      // enrolled on it (no student or parent row) is the instructor's to take. Any other: a conflict.
      const [enrolled] = await queryRows<{ taken: boolean }>(tx, sql`
        select exists (select 1 from students where user_id = ${input.clerkId}) or exists (select 1 from parents where user_id = ${input.clerkId}) as taken`);
      if (enrolled.taken || profile.deletedAt !== null) {
        throw new InstructorLinkConflictError(`profile of ${input.clerkId} has role "${profile.role}", not instructor or admin`);
      }
      [profile] = await tx.update(profiles).set({ role: 'instructor' }).where(eq(profiles.id, profile.id)).returning();
    }

    const [byUser] = await tx.select().from(instructors).where(eq(instructors.userId, input.clerkId)).for('update');
    if (byUser) {
      if (byUser.adiNumber !== input.adiNumber) {
        throw new InstructorLinkConflictError(`${input.clerkId} is already instructor with ADI ${byUser.adiNumber}, not ${input.adiNumber}`);
      }
      return { profile, instructor: byUser, profileCreated, instructorCreated: false, relinked: false, previousUserId: null };
    }

    const [byAdi] = await tx.select().from(instructors).where(eq(instructors.adiNumber, input.adiNumber)).for('update');
    let instructor: Instructor;
    if (byAdi) {
      const fromPlaceholder = isPlaceholderUserId(byAdi.userId);
      if (!fromPlaceholder && !input.force) {
        throw new InstructorLinkConflictError(
          `ADI ${input.adiNumber} belongs to ${byAdi.userId}, a real Clerk user; moving the record (and all its students) to ${input.clerkId} needs --force`,
        );
      }
      // The audit entry comes first: the database lets an instructor's user_id change only in a
      // transaction that has recorded the relink (migration 0012, nd_identity_guard).
      await recordAudit(ctx, {
        eventType: 'INSTRUCTOR_RELINKED',
        severity: fromPlaceholder ? 'info' : 'warning',
        subjectType: 'instructor',
        subjectId: byAdi.id,
        details: { adiNumber: input.adiNumber, clerkUserId: input.clerkId, previousUserId: byAdi.userId, forced: !fromPlaceholder },
      });
      [instructor] = await tx.update(instructors).set({ userId: input.clerkId, profileId: profile.id }).where(eq(instructors.id, byAdi.id)).returning();
      return { profile, instructor, profileCreated, instructorCreated: false, relinked: true, previousUserId: byAdi.userId };
    }
    if (!input.adiExpiry) {
      throw new ValidationError(
        `no instructor with ADI ${input.adiNumber} yet; to create it also give --adi-expiry=YYYY-MM-DD`,
        ['adiExpiry: needed to create the instructor'],
        ['adiExpiry'],
      );
    }
    [instructor] = await tx
      .insert(instructors)
      .values({ userId: input.clerkId, profileId: profile.id, adiNumber: input.adiNumber, adiExpiry: input.adiExpiry, isOwner: input.isOwner ?? false })
      .returning();
    await recordAudit(ctx, {
      eventType: 'INSTRUCTOR_CREATED',
      subjectType: 'instructor',
      subjectId: instructor.id,
      details: { adiNumber: input.adiNumber, clerkUserId: input.clerkId },
    });
    return { profile, instructor, profileCreated, instructorCreated: true, relinked: false, previousUserId: null };
  },
});
