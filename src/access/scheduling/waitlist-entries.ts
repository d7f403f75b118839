// Joining and leaving the waitlist (domain-rules.md "Scheduling": a cancelled slot is offered to the
// waitlist entries it matches, ./waitlist.ts). A student joins for themselves; a parent with
// can_book_lessons, the student's instructor or an admin for them; a prospect (contact) through an AI
// agent or an admin. One live entry (waiting or notified) per person and instructor: the database's
// unique indexes decide (migration 0026), so a repeated or concurrent join gives back the one entry.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../db/errors.js';
import { contacts, instructors, services, waitlist } from '../../db/schema/index.js';
import { changeWithAudit, recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { id } from '../core/validation.js';
import { endsAfterStart, wallTime } from './availability-inputs.js';
import { waitlistMatchColumns, type WaitlistMatch } from './waitlist.js';

/** Entries still hoping for a slot. */
export const LIVE_WAITLIST_STATUSES = ['waiting', 'notified'] as const;

export const waitlistEntryColumns = { ...waitlistMatchColumns, status: waitlist.status, notifiedAt: waitlist.notifiedAt };
export type WaitlistEntryView = WaitlistMatch & { status: (typeof waitlist.$inferSelect)['status']; notifiedAt: Date | null };

export const joinWaitlistInput = z
  .strictObject({
    studentId: id().optional(),
    contactId: id().optional(),
    /** A student's is their own instructor (the default); a prospect's may be left out: any instructor. */
    instructorId: id().optional(),
    serviceId: id().optional(),
    preferredDay: z.int('expected 0 (Sunday) to 6 (Saturday)').min(0).max(6).optional(),
    preferredTimeStart: wallTime().optional(),
    preferredTimeEnd: wallTime().optional(),
  })
  .refine((v) => (v.studentId === undefined) !== (v.contactId === undefined), {
    path: ['studentId'],
    message: 'the waitlist is joined by a student (studentId) or a prospect (contactId), exactly one',
  })
  .refine((v) => endsAfterStart({ startTime: v.preferredTimeStart, endTime: v.preferredTimeEnd }), {
    path: ['preferredTimeEnd'],
    message: 'the preferred window ends after it starts',
  });

export const leaveWaitlistInput = z.strictObject({ waitlistId: id() });

/** Who the entry is for, checked: the student as the matrix row says; a prospect by admins and agents only. */
async function checkPerson(ctx: OperationContext, person: { studentId: string | null; contactId: string | null }) {
  if (person.studentId !== null) return (await ctx.student(person.studentId, { lock: 'key share' })).student;
  ctx.only(['admin', 'agent'], 'put a prospect (contactId) on the waitlist');
  const [contact] = await ctx.tx.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.id, person.contactId!), isNull(contacts.deletedAt)));
  if (!contact) throw new NotFoundError(`contact ${person.contactId} not found`);
  return null;
}

export interface JoinWaitlistResult {
  entry: WaitlistEntryView;
  /** False when the person already had a live entry for this instructor: that one is returned, unchanged. */
  created: boolean;
}

export const joinWaitlist = defineOperation({
  name: 'joinWaitlist',
  kind: 'write',
  input: joinWaitlistInput,
  async run(ctx, input): Promise<JoinWaitlistResult> {
    const student = await checkPerson(ctx, { studentId: input.studentId ?? null, contactId: input.contactId ?? null });
    let instructorId = input.instructorId ?? null;
    if (student) {
      if (instructorId !== null && student.instructorId !== null && instructorId !== student.instructorId) {
        throw new ValidationError('instructorId: a student waits for their own instructor', [`instructorId: the student's instructor is ${student.instructorId}`], ['instructorId']);
      }
      instructorId ??= student.instructorId;
      if (instructorId === null) throw new ValidationError('instructorId: the student has no instructor; name one', ['instructorId: required'], ['instructorId']);
    }
    if (input.instructorId !== undefined) {
      const [row] = await ctx.tx.select({ id: instructors.id }).from(instructors).where(and(eq(instructors.id, input.instructorId), eq(instructors.status, 'active')));
      if (!row) throw new NotFoundError(`instructor ${input.instructorId} not found`);
    }
    if (input.serviceId !== undefined) {
      const [row] = await ctx.tx.select({ id: services.id }).from(services).where(and(eq(services.id, input.serviceId), eq(services.isActive, true)));
      if (!row) throw new NotFoundError(`service ${input.serviceId} not found`);
    }
    const person = student ? eq(waitlist.studentId, student.id) : eq(waitlist.contactId, input.contactId!);
    const [inserted] = await ctx.tx
      .insert(waitlist)
      .values({
        studentId: student?.id ?? null, contactId: student ? null : input.contactId!, instructorId, serviceId: input.serviceId ?? null,
        preferredDay: input.preferredDay ?? null, preferredTimeStart: input.preferredTimeStart ?? null, preferredTimeEnd: input.preferredTimeEnd ?? null,
      })
      // one live entry per person and instructor (waitlist_*_live_unique): a concurrent join waits, then skips
      .onConflictDoNothing()
      .returning(waitlistEntryColumns);
    if (!inserted) {
      const [existing] = await ctx.tx
        .select(waitlistEntryColumns)
        .from(waitlist)
        .where(and(person, sql`${waitlist.instructorId} is not distinct from ${instructorId}`, inArray(waitlist.status, [...LIVE_WAITLIST_STATUSES])));
      if (!existing) throw new Error('joinWaitlist: the insert met a conflict but no live entry matches'); // cannot happen: the indexes are on live entries
      return { entry: existing, created: false };
    }
    await recordAudit(ctx, {
      eventType: 'WAITLIST_JOINED',
      subjectType: 'waitlist',
      subjectId: inserted.id,
      details: {
        studentId: inserted.studentId, contactId: inserted.contactId, instructorId, serviceId: inserted.serviceId,
        preferredDay: inserted.preferredDay, preferredTimeStart: inserted.preferredTimeStart, preferredTimeEnd: inserted.preferredTimeEnd,
      },
    });
    return { entry: inserted, created: true };
  },
});

export interface LeaveWaitlistResult {
  entry: WaitlistEntryView;
  /** False when the entry was no longer live (already left, booked or expired): nothing changed. */
  left: boolean;
}

/** Takes a live entry off the waitlist (status cancelled); whoever may join it for the person may. */
export const leaveWaitlist = defineOperation({
  name: 'leaveWaitlist',
  kind: 'write',
  input: leaveWaitlistInput,
  async run(ctx, { waitlistId }): Promise<LeaveWaitlistResult> {
    const [entry] = await ctx.tx.select(waitlistEntryColumns).from(waitlist).where(eq(waitlist.id, waitlistId)).for('update');
    if (!entry) throw new NotFoundError(`waitlist entry ${waitlistId} not found`);
    try {
      await checkPerson(ctx, entry);
    } catch (err) {
      // the entry, not its person, is what the caller asked for
      if (err instanceof NotFoundError) throw new NotFoundError(`waitlist entry ${waitlistId} not found`);
      throw err;
    }
    if (!(LIVE_WAITLIST_STATUSES as readonly string[]).includes(entry.status)) return { entry, left: false };
    const [left] = await changeWithAudit(
      ctx,
      ctx.tx.update(waitlist).set({ status: 'cancelled' }).where(eq(waitlist.id, waitlistId)).returning(waitlistEntryColumns),
      { eventType: 'WAITLIST_LEFT', subjectType: 'waitlist', subjectId: waitlistId, details: { studentId: entry.studentId, contactId: entry.contactId, from: entry.status } },
    );
    return { entry: left, left: true };
  },
});
