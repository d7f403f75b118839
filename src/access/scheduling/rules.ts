// The scheduling rules the school may change, each in one place (domain-rules.md "Scheduling",
// "configurable"), and the booking status machine. docs/scheduling.md explains each one.
import type { BookingStatus } from '../../db/types.js';

export interface SchedulingSettings {
  /** Slot start times fall on this grid of the Canberra clock (minutes; must divide 60). */
  readonly gridMinutes: number;
  /** No slot starts more than this many days (x 24 hours) after now. */
  readonly horizonDays: number;
  /** A pending booking holds its slot this long after it was made; then it blocks nothing and is cancelled as expired. */
  readonly holdMinutes: number;
  /** Cancelling less than this many hours before the start is a late cancellation (recorded, not refused; fee 0 for now). */
  readonly lateCancellationHours: number;
  /** A lesson may be started (startBooking) from this many minutes before its start time. */
  readonly startEarlyMinutes: number;
  /** A lesson may be marked a no-show (markNoShow) from this many minutes after its start time. */
  readonly noShowAfterMinutes: number;
}

export const SCHEDULING: SchedulingSettings = Object.freeze({
  gridMinutes: 15,
  horizonDays: 60,
  holdMinutes: 30,
  lateCancellationHours: 24,
  startEarlyMinutes: 30,
  noShowAfterMinutes: 15,
});

/** From when each booking step may be taken, for a lesson starting at `start` (completeBooking: only
 *  after the start; the instant itself is refused). */
export function stepAllowedFrom(step: 'in_progress' | 'completed' | 'no_show', start: Date): { from: Date; inclusive: boolean } {
  const minute = 60_000;
  if (step === 'in_progress') return { from: new Date(start.getTime() - SCHEDULING.startEarlyMinutes * minute), inclusive: true };
  if (step === 'no_show') return { from: new Date(start.getTime() + SCHEDULING.noShowAfterMinutes * minute), inclusive: true };
  return { from: start, inclusive: false };
}

/** Whether a booking step may be taken at `now` (stepAllowedFrom). */
export function isStepDue(step: 'in_progress' | 'completed' | 'no_show', start: Date, now: Date): boolean {
  const { from, inclusive } = stepAllowedFrom(step, start);
  return inclusive ? now.getTime() >= from.getTime() : now.getTime() > from.getTime();
}

// Whole-hour UTC offsets (Canberra: +10:00, +11:00) keep a grid that divides 60 the same on the
// Canberra clock and in UTC, which is what lets the slot search step through instants.
if (60 % SCHEDULING.gridMinutes !== 0) throw new Error(`SCHEDULING.gridMinutes must divide 60, got ${SCHEDULING.gridMinutes}`);

/**
 * Allowed status changes (the database enforces the same table: bookings_lifecycle_guard, SQLSTATE
 * ND020). completed, cancelled, no_show and rescheduled are final.
 */
export const BOOKING_TRANSITIONS: Readonly<Record<BookingStatus, readonly BookingStatus[]>> = Object.freeze({
  pending: ['confirmed', 'cancelled'],
  confirmed: ['in_progress', 'cancelled', 'no_show', 'rescheduled'],
  in_progress: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
  no_show: [],
  rescheduled: [],
});

export function canMoveBooking(from: BookingStatus, to: BookingStatus): boolean {
  return BOOKING_TRANSITIONS[from].includes(to);
}

/** cancellation_reason and cancelled_by of a hold cancelled because it expired. */
export const HOLD_EXPIRED_REASON = 'hold_expired';
export const HOLD_EXPIRED_BY = 'system:hold-expiry';
