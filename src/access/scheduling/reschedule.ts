// Rescheduling a confirmed booking: a new booking at the new time and the old one marked
// `rescheduled`, in one transaction. The new slot is checked like a new booking (the diary lock,
// availability with the old booking left out, so a lesson may move into part of its own time); if it
// is not free nothing changes. The new booking keeps the old one's student, service, place, channel,
// price and payment, and is confirmed, as the old one was.
import { eq } from 'drizzle-orm';
import { bookings } from '../../db/schema/index.js';
import { canberraDate } from '../../domain/time.js';
import { HOUR_MS, MINUTE_MS } from '../../domain/wall-clock.js';
import { actorName } from '../core/actor.js';
import { recordAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { clockOf } from './clock.js';
import { claimSlot } from './create-booking.js';
import { rescheduleBookingInput } from './inputs.js';
import { assertTransition, refuseOnceStarted } from './lifecycle.js';
import { SCHEDULING } from './rules.js';
import { loadInstructor, loadService } from './schedule-data.js';
import { bookingInScope } from './scope.js';
import { bookingColumns, type BookingView } from './views.js';

export interface RescheduleBookingResult {
  /** The old booking, now `rescheduled`. */
  previous: BookingView;
  /** The new booking at the new time. */
  booking: BookingView;
}

export const rescheduleBooking = defineOperation({
  name: 'rescheduleBooking',
  kind: 'write',
  input: rescheduleBookingInput,
  async run(ctx, input): Promise<RescheduleBookingResult> {
    const { booking: old } = await bookingInScope(ctx, input.bookingId);
    const now = clockOf(ctx, input.now);
    refuseOnceStarted(ctx, old, now, 'reschedule');
    assertTransition(old, 'rescheduled');
    const instructor = await loadInstructor(ctx.tx, old.instructorId);
    // The service as it is sold now decides duration and notice; the price paid stays the old one's.
    const service = await loadService(ctx.tx, old.serviceId);
    await claimSlot(ctx, instructor, service, input.start, now, old.id);
    // The old booking first: it stops holding its time before the new one takes part of it.
    const [previous] = await ctx.tx.update(bookings).set({ status: 'rescheduled' }).where(eq(bookings.id, old.id)).returning(bookingColumns);
    const a = ctx.actor;
    const [booking] = await ctx.tx
      .insert(bookings)
      .values({
        instructorId: old.instructorId,
        studentId: old.studentId,
        contactId: old.contactId,
        serviceId: old.serviceId,
        scheduledDate: canberraDate(input.start),
        startTime: input.start,
        endTime: new Date(input.start.getTime() + service.durationMinutes * MINUTE_MS),
        durationMinutes: service.durationMinutes,
        pickupAddress: old.pickupAddress,
        suburb: old.suburb,
        status: 'confirmed',
        paymentStatus: old.paymentStatus,
        paymentId: old.paymentId,
        amountCents: old.amountCents,
        bookedVia: old.bookedVia,
        bookedBy: actorName(a),
        isCoLesson: old.isCoLesson,
        coLessonParentId: old.coLessonParentId,
        bookingNotes: old.bookingNotes,
        adminNotes: old.adminNotes,
        createdAt: now,
      })
      .returning(bookingColumns);
    await recordAudit(ctx, {
      eventType: 'BOOKING_RESCHEDULED',
      subjectType: 'booking',
      subjectId: old.id,
      details: {
        newBookingId: booking.id, studentId: old.studentId, instructorId: old.instructorId,
        from: old.startTime.toISOString(), to: booking.startTime.toISOString(),
        lateReschedule: old.startTime.getTime() - now.getTime() < SCHEDULING.lateCancellationHours * HOUR_MS,
      },
    });
    return { previous, booking };
  },
});
