// Errors the notification operations decide in TypeScript, each with a stable code. Errors the database
// raises (INVALID_TRANSITION ND050/ND052, RECORD_FROZEN ND051/ND053, DUPLICATE_EXTERNAL_ID) are DbErrors
// mapped in src/db/errors.ts; docs/notifications.md lists both.
import { NexDriveError } from '../../db/errors.js';

/** A send reported by a worker whose lease ran out: another worker has claimed the row since (or the
 *  claim token was never this row's). The row stays as the current claim leaves it. */
export class LeaseLostError extends NexDriveError {
  constructor(notificationId: string) {
    super('LEASE_LOST', `notification ${notificationId}: this claim no longer holds it (its lease ran out and it was claimed again, or the token is not this row's)`);
  }
}

/** An opt-out of a notification the school must send (SPEC-07 section 4: confirmations, cancellations, receipts). */
export class NotOptableError extends NexDriveError {
  constructor(type: string) {
    super('NOT_OPTABLE', `${type} notifications are required and cannot be turned off`);
  }
}

/** An idempotency key already used for a different message (another channel or type). */
export class IdempotencyKeyReusedError extends NexDriveError {
  constructor(key: string) {
    super('IDEMPOTENCY_KEY_REUSED', `idempotency key ${key} already names a notification of another type or channel`);
  }
}
