// Moving a booking along its lifecycle: confirm (payment taken), start, complete, no-show, cancel.
// Each checks the actor (./scope.ts), then the transition (./rules.ts BOOKING_TRANSITIONS; the database
// checks it again, ND020), writes the change and its audit entry.
import { and, eq, inArray } from 'drizzle-orm';
import { ForbiddenError } from '../../db/errors.js';
import { bookings, payments } from '../../db/schema/index.js';
import type { Booking, BookingStatus } from '../../db/types.js';
import { HOUR_MS } from '../../domain/wall-clock.js';
import { actorName, webhookProvider } from '../core/actor.js';
import { changeWithAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { PAID_PAYMENT_STATUSES } from '../money/payables.js';
import { isHoldExpired } from './availability.js';
import { clockOf } from './clock.js';
import { InvalidTransitionError, NotYetDueError, SlotUnavailableError } from './errors.js';
import { bookingStepInput, cancelBookingInput, confirmBookingInput } from './inputs.js';
import { canMoveBooking, isStepDue, SCHEDULING, stepAllowedFrom } from './rules.js';
import { bookingInScope } from './scope.js';
import { bookingColumns, type BookingView } from './views.js';
import { waitlistForSlot, type WaitlistMatch } from './waitlist.js';

export function assertTransition(booking: Pick<Booking, 'id' | 'status'>, to: BookingStatus): void {
  if (!canMoveBooking(booking.status, to)) throw new InvalidTransitionError(booking.id, booking.status, to);
}

const AUDIT_EVENT = {
  confirmed: 'BOOKING_CONFIRMED',
  in_progress: 'BOOKING_STARTED',
  completed: 'BOOKING_COMPLETED',
  no_show: 'BOOKING_NO_SHOW',
} as const;

/** The move and its audit entry, in one statement. */
async function moveAudited(ctx: OperationContext, booking: Booking, to: keyof typeof AUDIT_EVENT): Promise<BookingView> {
  assertTransition(booking, to);
  const [row] = await changeWithAudit(
    ctx,
    ctx.tx.update(bookings).set({ status: to }).where(eq(bookings.id, booking.id)).returning(bookingColumns),
    { eventType: AUDIT_EVENT[to], subjectType: 'booking', subjectId: booking.id, details: { from: booking.status, to, studentId: booking.studentId, instructorId: booking.instructorId } },
  );
  return row;
}

/** pending -> confirmed, while the hold lasts (payment taken, or the school accepts it). A hold that has
 *  run out is refused (SLOT_UNAVAILABLE, reason hold_expired): the slot may be someone else's now. */
export const confirmBooking = defineOperation({
  name: 'confirmBooking',
  kind: 'write',
  input: confirmBookingInput,
  async run(ctx, input): Promise<BookingView> {
    const { booking } = await bookingInScope(ctx, input.bookingId);
    const now = clockOf(ctx, input.now);
    await checkWebhookPaid(ctx, booking.id);
    assertTransition(booking, 'confirmed');
    if (isHoldExpired(booking, now)) {
      throw new SlotUnavailableError('hold_expired', `booking ${booking.id} was held for ${SCHEDULING.holdMinutes} minutes from ${booking.createdAt.toISOString()}; book again`);
    }
    return moveAudited(ctx, booking, 'confirmed');
  },
});

/**
 * A payment gateway's webhook confirms only a booking its own provider was paid for (design.md "Who
 * acts": a webhook reports what its provider saw): webhook:stripe, a booking with a completed stripe
 * payment. Anyone else the matrix lets through confirms as before.
 */
async function checkWebhookPaid(ctx: OperationContext, bookingId: string): Promise<void> {
  const provider = webhookProvider(ctx.actor);
  if (provider === null) return;
  const [paid] = await ctx.tx
    .select({ id: payments.id })
    .from(payments)
    .where(and(eq(payments.bookingId, bookingId), eq(payments.gateway, provider), inArray(payments.status, PAID_PAYMENT_STATUSES)))
    .limit(1);
  if (!paid) throw new ForbiddenError(`webhook:${provider} confirms only a booking paid through ${provider}`);
}

const STEP_WORDS = { in_progress: 'started', completed: 'completed', no_show: 'marked a no-show' } as const;

/**
 * A step that moves the status (and audits it) once its time has come (SCHEDULING.startEarlyMinutes,
 * noShowAfterMinutes; stepAllowedFrom), at the operation's clock (./clock.ts: the current time, or
 * `now` from admins and jobs): the rights and the lifecycle decide the rest.
 */
function statusStep(name: 'startBooking' | 'completeBooking' | 'markNoShow', to: 'in_progress' | 'completed' | 'no_show') {
  return defineOperation({
    name,
    kind: 'write',
    input: bookingStepInput,
    async run(ctx, input): Promise<BookingView> {
      const { booking } = await bookingInScope(ctx, input.bookingId);
      const now = clockOf(ctx, input.now);
      assertTransition(booking, to);
      if (!isStepDue(to, booking.startTime, now)) {
        const { from, inclusive } = stepAllowedFrom(to, booking.startTime);
        throw new NotYetDueError(
          booking.id, from,
          `booking ${booking.id} starts at ${booking.startTime.toISOString()}: it can be ${STEP_WORDS[to]} ${inclusive ? 'from' : 'after'} ${from.toISOString()}`,
        );
      }
      return moveAudited(ctx, booking, to);
    },
  });
}

/** confirmed -> in_progress: the lesson has begun (from SCHEDULING.startEarlyMinutes before its start). */
export const startBooking = statusStep('startBooking', 'in_progress');

/** in_progress -> completed, only after the start time. */
export const completeBooking = statusStep('completeBooking', 'completed');

/** confirmed -> no_show: the student did not come (from SCHEDULING.noShowAfterMinutes after the start). */
export const markNoShow = statusStep('markNoShow', 'no_show');

/** Once a lesson has started (or is under way), only staff cancel or move it: a student or parent asks
 *  the school (a no-show is the instructor's to record). */
export function refuseOnceStarted(ctx: OperationContext, booking: { startTime: Date; status: string }, now: Date, what: string): void {
  const kind = ctx.actor.kind;
  if ((kind === 'student' || kind === 'parent') && (booking.status === 'in_progress' || booking.startTime <= now)) {
    throw new ForbiddenError(`the lesson has started: a ${kind} may not ${what} it now; ask the school`);
  }
}

export interface CancelBookingResult {
  booking: BookingView;
  /** Cancelled less than SCHEDULING.lateCancellationHours before the start (recorded, never refused). */
  lateCancellation: boolean;
  /** Waitlist entries to tell about the freed slot, oldest first. They are other people's: admins and
   *  instructors get them, students and parents an empty list (the ids are in the audit entry). */
  waitlist: WaitlistMatch[];
}

/** pending | confirmed | in_progress -> cancelled, with who, why and (the database's clock) when. */
export const cancelBooking = defineOperation({
  name: 'cancelBooking',
  kind: 'write',
  input: cancelBookingInput,
  async run(ctx, input): Promise<CancelBookingResult> {
    const { booking } = await bookingInScope(ctx, input.bookingId);
    const now = clockOf(ctx, input.now);
    const a = ctx.actor;
    refuseOnceStarted(ctx, booking, now, 'cancel');
    assertTransition(booking, 'cancelled');
    const lateCancellation = booking.startTime.getTime() - now.getTime() < SCHEDULING.lateCancellationHours * HOUR_MS;
    // Who waits for this slot is read before the change (the change does not touch the waitlist), so
    // the cancellation and its entry, which names them, are one statement (issue 20).
    const matches = await waitlistForSlot(ctx.tx, booking, a.kind === 'instructor' ? a.instructorId : undefined);
    const [row] = await changeWithAudit(
      ctx,
      ctx.tx
        .update(bookings)
        .set({ cancelledBy: actorName(a), cancellationReason: input.reason, status: 'cancelled' })
        .where(eq(bookings.id, booking.id))
        .returning(bookingColumns),
      {
        eventType: 'BOOKING_CANCELLED',
        subjectType: 'booking',
        subjectId: booking.id,
        details: {
          from: booking.status, studentId: booking.studentId, instructorId: booking.instructorId, startTime: booking.startTime.toISOString(),
          lateCancellation, hoursBeforeStart: Math.round(((booking.startTime.getTime() - now.getTime()) / HOUR_MS) * 10) / 10,
          waitlistEntryIds: matches.map((m) => m.id),
        },
      },
    );
    const staff = a.kind === 'admin' || a.kind === 'instructor';
    return { booking: row, lateCancellation, waitlist: staff ? matches : [] };
  },
});
