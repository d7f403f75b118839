// convertContact (issue 17 item 3, SPEC-05 section 1.2): a qualified contact becomes an enrolled student,
// in one transaction: the student row (with the person's profile, made from the contact when the Clerk
// webhook has not made it yet), the contact linked to the user and moved to `enrolled`, one audit entry.
// The student's instructor is the contact's. Idempotent: a contact already converted gives back the same
// student and writes nothing. students.user_id is NOT NULL (SPEC-01), so the person needs a Clerk user:
// the contact's (linked by syncClerkUser), or the one the caller names.
import { eq } from 'drizzle-orm';
import { ValidationError } from '../../db/errors.js';
import { contacts, profiles, students } from '../../db/schema/index.js';
import type { Student } from '../../db/types.js';
import { recordAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { contactInScope } from '../crm/scope.js';
import { ContactNotConvertibleError } from './errors.js';
import { convertContactInput } from './inputs.js';

export interface ConvertContactResult {
  student: Student;
  /** False when the contact had been converted before: nothing was written. */
  created: boolean;
}

export const convertContact = defineOperation({
  name: 'convertContact',
  kind: 'write',
  input: convertContactInput,
  async run(ctx, input): Promise<ConvertContactResult> {
    const contact = await contactInScope(ctx, input.contactId, { lock: true });
    if (input.userId && contact.userId && input.userId !== contact.userId) {
      throw new ContactNotConvertibleError(`contact ${contact.id} belongs to ${contact.userId}, not ${input.userId}`);
    }
    const userId = contact.userId ?? input.userId;
    if (!userId) {
      throw new ValidationError(`contact ${contact.id} has no Clerk user yet: give userId (a student needs an account)`, ['userId: needed, the contact has no Clerk user'], ['userId']);
    }
    const [existing] = await ctx.tx.select().from(students).where(eq(students.userId, userId));
    if (existing) {
      if (contact.userId === userId && contact.lifecycleStage !== 'qualified') return { student: existing, created: false };
      throw new ContactNotConvertibleError(`${userId} is already a student (${existing.id}); the contact is ${contact.lifecycleStage}`);
    }
    if (contact.lifecycleStage !== 'qualified') {
      throw new ContactNotConvertibleError(`contact ${contact.id} is ${contact.lifecycleStage}: only a qualified contact is enrolled`);
    }
    if (!contact.instructorId) throw new ContactNotConvertibleError(`contact ${contact.id} has no instructor: assign one first (updateContact)`);

    let profileCreated = false;
    let [profile] = await ctx.tx.select().from(profiles).where(eq(profiles.userId, userId)).for('update');
    if (!profile) {
      const absent = (['firstName', 'lastName', 'email'] as const).filter((k) => !contact[k]);
      if (absent.length) {
        throw new ContactNotConvertibleError(`no profile for ${userId} yet, and the contact has no ${absent.join(', ')} to make one from (updateContact, or wait for the Clerk webhook)`);
      }
      [profile] = await ctx.tx
        .insert(profiles)
        .values({ userId, firstName: contact.firstName!, lastName: contact.lastName!, email: contact.email!, phone: contact.phone, role: 'student' })
        .returning();
      profileCreated = true;
    } else if (profile.deletedAt !== null || profile.status !== 'active') {
      throw new ContactNotConvertibleError(`the account of ${userId} is ${profile.deletedAt ? 'deleted' : profile.status}`);
    } else if (profile.role !== 'student') {
      throw new ContactNotConvertibleError(`${userId} is ${profile.role === 'admin' || profile.role === 'instructor' ? 'an' : 'a'} ${profile.role}, not a student`);
    }

    const [student] = await ctx.tx
      .insert(students)
      .values({
        userId, profileId: profile.id, instructorId: contact.instructorId,
        transmission: input.transmission, licenceNumber: input.licenceNumber, schoolOrWork: input.schoolOrWork,
        referralSource: contact.source, referralDetail: contact.sourceDetail,
      })
      .returning();
    await ctx.tx.update(contacts).set({ userId, lifecycleStage: 'enrolled' }).where(eq(contacts.id, contact.id));
    await recordAudit(ctx, {
      eventType: 'STUDENT_ENROLLED',
      subjectType: 'student',
      subjectId: student.id,
      details: { contactId: contact.id, clerkUserId: userId, instructorId: contact.instructorId, profileCreated },
    });
    return { student, created: true };
  },
});
