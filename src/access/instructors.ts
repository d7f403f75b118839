// Creating or linking the instructor record of a Clerk user (spec section 9: Rob signs up through
// Clerk, then an admin links his instructor record). Idempotent: running it again with the same
// arguments changes nothing.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { instructors, profiles } from '../db/schema/index.js';
import type { Database } from '../db/engines/handle.js';
import { mapDbErrors, NexDriveError, ValidationError } from '../db/errors.js';
import type { Instructor, Profile } from '../db/types.js';
import { appendAuditEvent } from './audit.js';

export const linkInstructorInput = z.object({
  clerkId: z.string().regex(/^user_[A-Za-z0-9]+$/, 'a Clerk user id looks like user_2abc...'),
  adiNumber: z.string().regex(/^[A-Za-z0-9-]{1,20}$/, 'an ADI number is letters and digits, e.g. 608'),
  /** Needed only when the instructor record does not exist yet (adi_expiry is NOT NULL). */
  adiExpiry: z.iso.date('a date like 2027-06-30').optional(),
  /** Needed only when the Clerk webhook has not created the profile yet. */
  firstName: z.string().min(1).optional(),
  lastName: z.string().min(1).optional(),
  email: z.email().optional(),
  phone: z.string().optional(),
  isOwner: z.boolean().optional(),
});
export type LinkInstructorInput = z.input<typeof linkInstructorInput>;

export interface LinkInstructorResult {
  profile: Profile;
  instructor: Instructor;
  profileCreated: boolean;
  instructorCreated: boolean;
  /** True when an existing instructor row was moved to this Clerk user. */
  relinked: boolean;
}

/** The instructor already belongs to another user, or the user already has another ADI number. */
export class InstructorLinkConflictError extends NexDriveError {
  constructor(message: string) {
    super('INSTRUCTOR_LINK_CONFLICT', message);
  }
}

function missing(fields: Record<string, unknown>): string[] {
  return Object.entries(fields)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
}

export async function linkInstructor(db: Database, rawInput: LinkInstructorInput): Promise<LinkInstructorResult> {
  const parsed = linkInstructorInput.safeParse(rawInput);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`);
    throw new ValidationError(`invalid arguments: ${issues.join('; ')}`, issues);
  }
  const input = parsed.data;
  return mapDbErrors(() =>
    db.transaction(async (tx) => {
      let [profile] = await tx.select().from(profiles).where(eq(profiles.userId, input.clerkId));
      let profileCreated = false;
      if (!profile) {
        const absent = missing({ firstName: input.firstName, lastName: input.lastName, email: input.email });
        if (absent.length) {
          throw new ValidationError(
            `no profile for ${input.clerkId} yet; to create it also give ${absent.map(flagName).join(', ')}`,
            absent,
          );
        }
        [profile] = await tx
          .insert(profiles)
          .values({
            userId: input.clerkId,
            firstName: input.firstName!,
            lastName: input.lastName!,
            email: input.email!,
            phone: input.phone,
            role: 'instructor',
          })
          .returning();
        profileCreated = true;
      } else if (profile.role !== 'instructor' && profile.role !== 'admin') {
        throw new InstructorLinkConflictError(`profile of ${input.clerkId} has role "${profile.role}", not instructor or admin`);
      }

      const [byUser] = await tx.select().from(instructors).where(eq(instructors.userId, input.clerkId));
      if (byUser) {
        if (byUser.adiNumber !== input.adiNumber) {
          throw new InstructorLinkConflictError(`${input.clerkId} is already instructor with ADI ${byUser.adiNumber}, not ${input.adiNumber}`);
        }
        return { profile, instructor: byUser, profileCreated, instructorCreated: false, relinked: false };
      }

      const [byAdi] = await tx.select().from(instructors).where(eq(instructors.adiNumber, input.adiNumber));
      let instructor: Instructor;
      let relinked = false;
      if (byAdi) {
        // The placeholder flow of spec section 9: the record exists under another (placeholder) user.
        [instructor] = await tx
          .update(instructors)
          .set({ userId: input.clerkId, profileId: profile.id })
          .where(eq(instructors.id, byAdi.id))
          .returning();
        relinked = true;
      } else {
        if (!input.adiExpiry) {
          throw new ValidationError(`no instructor with ADI ${input.adiNumber} yet; to create it also give --adi-expiry=YYYY-MM-DD`, ['adiExpiry']);
        }
        [instructor] = await tx
          .insert(instructors)
          .values({
            userId: input.clerkId,
            profileId: profile.id,
            adiNumber: input.adiNumber,
            adiExpiry: input.adiExpiry,
            isOwner: input.isOwner ?? false,
          })
          .returning();
      }
      await appendAuditEvent(tx, {
        eventType: relinked ? 'INSTRUCTOR_RELINKED' : 'INSTRUCTOR_CREATED',
        severity: 'info',
        actorId: null,
        actorRole: 'system',
        subjectType: 'instructor',
        subjectId: instructor.id,
        details: { adiNumber: input.adiNumber, clerkUserId: input.clerkId, previousUserId: byAdi?.userId ?? null },
      });
      return { profile, instructor, profileCreated, instructorCreated: !byAdi, relinked };
    }),
  );
}

function flagName(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
