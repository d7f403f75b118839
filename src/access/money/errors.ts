// Errors the money operations decide in TypeScript, each with a stable code. Errors the database raises
// (INVOICE_NUMBER_REFUSED ND030, INVALID_TRANSITION ND031, DUPLICATE_GATEWAY_PAYMENT, RECORD_FROZEN...)
// are DbErrors mapped in src/db/errors.ts; docs/money.md lists both.
import { NexDriveError } from '../../db/errors.js';
import type { PaymentStatus } from '../../db/types.js';

/** The student has no active, unexpired package with a credit left that covers the booking's service. */
export class NoCreditsError extends NexDriveError {
  constructor(message: string) {
    super('NO_CREDITS', message);
  }
}

/** No active voucher with this code inside its validity window (codes are case-insensitive). */
export class VoucherNotFoundError extends NexDriveError {
  constructor(code: string) {
    super('VOUCHER_NOT_FOUND', `voucher ${code} not found`);
  }
}

/** The voucher has no use left: in all (`max_uses`, reservations of open checkouts included) or for this student. */
export class VoucherExhaustedError extends NexDriveError {
  constructor(
    message: string,
    readonly limit: 'max_uses' | 'max_uses_per_student',
  ) {
    super('VOUCHER_EXHAUSTED', message);
  }
}

/** The voucher exists but does not apply to this purchase (another service, a package, not a lesson). */
export class VoucherNotApplicableError extends NexDriveError {
  constructor(message: string) {
    super('VOUCHER_NOT_APPLICABLE', message);
  }
}

/** A refund above what is left of the payment (amount paid minus refunds so far). */
export class RefundExceedsPaymentError extends NexDriveError {
  constructor(
    message: string,
    readonly refundableCents: number,
  ) {
    super('REFUND_EXCEEDS_PAYMENT', message);
  }
}

/** A payment status move the rules do not allow (a failed payment completed, a pending one refunded).
 *  The database refuses the same moves with SQLSTATE ND031, also INVALID_TRANSITION. */
export class PaymentTransitionError extends NexDriveError {
  constructor(
    readonly from: PaymentStatus,
    readonly to: PaymentStatus,
    message = `a ${from} payment cannot become ${to}`,
  ) {
    super('INVALID_TRANSITION', message);
  }
}

/** The booking is paid already (by a payment, a credit, or waived). */
export class AlreadyPaidError extends NexDriveError {
  constructor(message: string) {
    super('ALREADY_PAID', message);
  }
}

/** The booking has an open checkout (a pending or processing payment): finish or fail that one first. */
export class PaymentInProgressError extends NexDriveError {
  constructor(
    message: string,
    readonly paymentId: string,
  ) {
    super('PAYMENT_IN_PROGRESS', message);
  }
}

/** A cancelled or rescheduled booking is not paid for. */
export class NotPayableError extends NexDriveError {
  constructor(message: string) {
    super('NOT_PAYABLE', message);
  }
}

/** returnCredit cannot give a credit back: the booking is still active, was not paid by a credit, its
 *  credit was returned already (a credit comes back once), or it was rescheduled and its credit moved to
 *  the booking that replaced it (`moved`: return it from that booking). */
export class CreditNotReturnableError extends NexDriveError {
  constructor(
    message: string,
    readonly reason: 'booking_active' | 'not_paid_by_credit' | 'already_returned' | 'moved',
  ) {
    super('CREDIT_NOT_RETURNABLE', message);
  }
}

/** A completion for a payment that the gateway already completed under another gateway payment id
 *  (not a repeat of the same webhook). */
export class GatewayPaymentMismatchError extends NexDriveError {
  constructor(message: string) {
    super('GATEWAY_PAYMENT_MISMATCH', message);
  }
}
