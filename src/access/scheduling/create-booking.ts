// Booking a lesson: for a student (by the student, a parent with can_book_lessons, the student's
// instructor or an admin) or for a prospect through contact_id (by an admin or a system agent). The
// slot is checked inside the transaction after taking the instructor's diary lock, so buffers, the
// daily cap and notice hold under concurrent bookings; the exclusion constraint is the last line.
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { ForbiddenError, NotFoundError, ValidationError } from '../../db/errors.js';
import { bookings, contacts, parentStudentLinks } from '../../db/schema/index.js';
import { canberraDate } from '../../domain/time.js';
import { MINUTE_MS } from '../../domain/wall-clock.js';
import { actorName } from '../core/actor.js';
import { changeWithAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { slotRefusal, type AvailabilityData } from './availability.js';
import { clockOf } from './clock.js';
import { expireHolds } from './diary.js';
import { SlotUnavailableError } from './errors.js';
import { createBookingInput } from './inputs.js';
import { loadSchedule, lockInstructorDiary, type LockedDiary } from './schedule-data.js';
import { bookingColumns, type BookingView } from './views.js';

/** Who sees the student decides who may book for them; a prospect is booked by admins and agents only. */
async function checkWho(ctx: OperationContext, input: { studentId?: string | null; contactId?: string | null; instructorId: string; coLessonParentId?: string | null }) {
  if (input.studentId == null) {
    ctx.only(['admin', 'agent'], 'book for a prospect (contactId)');
    const [contact] = await ctx.tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.id, input.contactId!));
    if (!contact) throw new NotFoundError(`contact ${input.contactId} not found`);
    return;
  }
  // FOR KEY SHARE: the student before any booking row (./student-lock.ts), in the same statement
  const { student } = await ctx.student(input.studentId, { lock: 'key share' });
  if (student.instructorId !== input.instructorId) {
    throw new ValidationError('instructorId: a student books with their own instructor', [`instructorId: the student's instructor is ${student.instructorId}`], ['instructorId']);
  }
  if (input.coLessonParentId != null) {
    const [link] = await ctx.tx
      .select({ id: parentStudentLinks.id })
      .from(parentStudentLinks)
      .where(and(eq(parentStudentLinks.parentId, input.coLessonParentId), eq(parentStudentLinks.studentId, student.id), eq(parentStudentLinks.status, 'active')));
    if (!link) throw new ValidationError('coLessonParentId: not a parent linked to this student', ['coLessonParentId: a co-lesson parent is actively linked to the student'], ['coLessonParentId']);
  }
}

/**
 * Inside a transaction holding the instructor's diary lock (lockInstructorDiary, whose LockedDiary it
 * takes): cancels the instructor's expired holds, then throws SLOT_UNAVAILABLE unless a lesson of `service` starting at `start` is bookable at `now`.
 * `ignoreBookingId` is left out of the bookings (the one being rescheduled).
 */
export async function claimSlot(ctx: OperationContext, { instructor, service }: LockedDiary, start: Date, now: Date, ignoreBookingId?: string): Promise<void> {
  const end = new Date(start.getTime() + service.durationMinutes * MINUTE_MS);
  // Two statements, in this order: the expiry may wait for a hold's owner confirming it, and the
  // schedule must be read after that wait (a later snapshot), or the confirmed hold would look free.
  await expireHolds(ctx, now, instructor.id);
  const schedule = await loadSchedule(ctx.tx, instructor, start, end);
  const data: AvailabilityData = { ...schedule, bookings: schedule.bookings.filter((b) => b.id !== ignoreBookingId), instructor, service, now };
  const reason = slotRefusal(data, start);
  if (reason) throw new SlotUnavailableError(reason, `${start.toISOString()} cannot be booked with instructor ${instructor.id}: ${reason}`);
}

/** Books a lesson as pending (holding its slot while payment is taken); returns the booking. */
export const createBooking = defineOperation({
  name: 'createBooking',
  kind: 'write',
  input: createBookingInput,
  async run(ctx, input): Promise<BookingView> {
    await checkWho(ctx, input);
    const now = clockOf(ctx, input.now);
    const diary = await lockInstructorDiary(ctx.tx, input.instructorId, input.serviceId);
    const { instructor, service } = diary;
    const kind = ctx.actor.kind;
    if (!service.isBookableOnline && kind !== 'admin' && kind !== 'instructor') {
      throw new ForbiddenError(`service ${service.id} is booked through the school, not online`);
    }
    await claimSlot(ctx, diary, input.start, now);
    const values = {
      id: randomUUID(),
      instructorId: instructor.id,
      studentId: input.studentId ?? null,
      contactId: input.contactId ?? null,
      serviceId: service.id,
      scheduledDate: canberraDate(input.start),
      startTime: input.start,
      endTime: new Date(input.start.getTime() + service.durationMinutes * MINUTE_MS),
      durationMinutes: service.durationMinutes,
      pickupAddress: input.pickupAddress ?? null,
      suburb: input.suburb ?? null,
      status: 'pending' as const,
      amountCents: service.priceCents,
      bookedVia: input.bookedVia,
      bookedBy: actorName(ctx.actor),
      isCoLesson: input.isCoLesson ?? false,
      coLessonParentId: input.coLessonParentId ?? null,
      // The hold runs from here, on the same clock as every other rule of this operation.
      createdAt: now,
    };
    // The booking and its entry in one statement (issue 20).
    const [booking] = await changeWithAudit(ctx, ctx.tx.insert(bookings).values(values).returning(bookingColumns), {
      eventType: 'BOOKING_CREATED',
      subjectType: 'booking',
      subjectId: values.id,
      details: {
        instructorId: values.instructorId, studentId: values.studentId, contactId: values.contactId, serviceId: values.serviceId,
        startTime: values.startTime.toISOString(), amountCents: values.amountCents, bookedVia: values.bookedVia,
      },
    });
    return booking;
  },
});
