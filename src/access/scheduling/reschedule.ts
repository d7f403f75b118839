// Rescheduling a confirmed booking: a new booking at the new time and the old one marked
// `rescheduled`, in one transaction. The new slot is checked like a new booking (the diary lock,
// availability with the old booking left out, so a lesson may move into part of its own time); if it
// is not free nothing changes. The new booking keeps the old one's student, service, place, channel and
// price, and is confirmed, as the old one was. Money follows the booking (issue 15, docs/money.md): its
// open checkouts and the payment or credit that paid it move to the new booking (payments.booking_id),
// in the same transaction, so refunds, credit returns and late webhooks act on the live booking; the old
// one keeps its history (payment_status, payment_id) but takes no payment and returns no credit. The
// database checks it at commit (bookings_money_moved) and lets a payment move only this way.
import { and, eq, inArray } from 'drizzle-orm';
import { bookings, payments } from '../../db/schema/index.js';
import type { Booking } from '../../db/types.js';
import type { OperationContext } from '../core/context.js';
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
import { lockInstructorDiary } from './schedule-data.js';
import { bookingInScope } from './scope.js';
import { lockBookingStudentKey } from './student-lock.js';
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
    await lockBookingStudentKey(ctx, input.bookingId); // the student before the booking (./student-lock.ts)
    const { booking: old } = await bookingInScope(ctx, input.bookingId);
    const now = clockOf(ctx, input.now);
    refuseOnceStarted(ctx, old, now, 'reschedule');
    assertTransition(old, 'rescheduled');
    // The service as it is sold now decides duration and notice; the price paid stays the old one's.
    const diary = await lockInstructorDiary(ctx.tx, old.instructorId, old.serviceId);
    const { instructor, service } = diary;
    await claimSlot(ctx, diary, input.start, now, old.id);
    // The old booking first: it stops holding its time before the new one takes part of it.
    const [previous] = await ctx.tx.update(bookings).set({ status: 'rescheduled' }).where(eq(bookings.id, old.id)).returning(bookingColumns);
    const a = ctx.actor;
    // Money follows the booking: the payment that paid the old booking (and its status) goes with it.
    const moved = await movableMoney(ctx, old);
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
        paymentStatus: moved.paid ? old.paymentStatus : old.paymentStatus === 'waived' ? 'waived' : 'unpaid',
        paymentId: moved.paid ? old.paymentId : null,
        rescheduledFrom: old.id,
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
    const movedPaymentIds = await moveMoney(ctx, old.id, booking.id);
    await recordAudit(ctx, {
      eventType: 'BOOKING_RESCHEDULED',
      subjectType: 'booking',
      subjectId: old.id,
      details: {
        newBookingId: booking.id, studentId: old.studentId, instructorId: old.instructorId,
        from: old.startTime.toISOString(), to: booking.startTime.toISOString(),
        lateReschedule: old.startTime.getTime() - now.getTime() < SCHEDULING.lateCancellationHours * HOUR_MS,
        movedPaymentIds,
      },
    });
    return { previous, booking };
  },
});

/** Payment statuses whose money (or checkout) is live: they move with a rescheduled booking. Failed and
 *  refunded payments stay with the old booking as its history. */
const LIVE_PAYMENT_STATUSES = ['pending', 'processing', 'completed', 'partially_refunded', 'disputed'] as const;

/** Whether the payment that paid the booking (bookings.payment_id) is live, so it and the booking's
 *  payment status go to the new booking. The payments are locked after the booking (bookingInScope). */
async function movableMoney(ctx: OperationContext, old: Booking): Promise<{ paid: boolean }> {
  if (!old.paymentId) return { paid: false };
  const [payment] = await ctx.tx
    .select({ id: payments.id })
    .from(payments)
    .where(and(eq(payments.id, old.paymentId), eq(payments.bookingId, old.id), inArray(payments.status, LIVE_PAYMENT_STATUSES)))
    .for('update');
  return { paid: payment !== undefined };
}

/** Moves every live payment of the old booking (the one that paid it, open checkouts) to the new one. */
async function moveMoney(ctx: OperationContext, oldId: string, newId: string): Promise<string[]> {
  const rows = await ctx.tx
    .update(payments)
    .set({ bookingId: newId })
    .where(and(eq(payments.bookingId, oldId), inArray(payments.status, LIVE_PAYMENT_STATUSES)))
    .returning({ id: payments.id });
  return rows.map((r) => r.id);
}
