// Errors of scheduling decided in TypeScript, each with a stable code. The database raises the same
// INVALID_TRANSITION (as a DbError, SQLSTATE ND020) if anything gets past the check here.
import { NexDriveError } from '../../db/errors.js';
import type { BookingStatus } from '../../db/types.js';
import type { SlotRefusalReason } from './availability.js';

/** Why a slot cannot be booked: SLOT_REFUSAL_REASONS, or `hold_expired` when a pending booking whose
 *  hold ran out is confirmed. */
export type SlotUnavailableReason = SlotRefusalReason | 'hold_expired';

/** The requested lesson time cannot be booked; `reason` says why (docs/scheduling.md). Nothing was written. */
export class SlotUnavailableError extends NexDriveError {
  declare readonly code: 'SLOT_UNAVAILABLE';
  constructor(
    readonly reason: SlotUnavailableReason,
    message: string,
  ) {
    super('SLOT_UNAVAILABLE', message);
  }
}

/** A booking status change the lifecycle does not allow (pending -> completed, anything out of a final status). */
export class InvalidTransitionError extends NexDriveError {
  declare readonly code: 'INVALID_TRANSITION';
  constructor(
    readonly bookingId: string,
    readonly from: BookingStatus,
    readonly to: BookingStatus,
  ) {
    super('INVALID_TRANSITION', `booking ${bookingId} is ${from}; it cannot become ${to}`);
  }
}

/** A booking step asked for before its time (startBooking, completeBooking, markNoShow: SCHEDULING's
 *  startEarlyMinutes and noShowAfterMinutes); `allowedFrom` says when it may be asked. Nothing was written. */
export class NotYetDueError extends NexDriveError {
  declare readonly code: 'NOT_YET_DUE';
  constructor(
    readonly bookingId: string,
    readonly allowedFrom: Date,
    message: string,
  ) {
    super('NOT_YET_DUE', message);
  }
}
