// Refunds, by an admin: never more than was paid less what was refunded already (checked here, under
// the payment's lock, and by the database's CHECK refund_amount_cents <= amount_cents). A full refund
// makes the payment 'refunded' (a part, 'partially_refunded'); the booking it paid follows ('refunded'
// on a full refund); a fully refunded package purchase cancels the package that purchase gave that
// student, and no other student's copy of the same package.
import { and, eq, sql } from 'drizzle-orm';
import { bookings, payments, studentPackages } from '../../db/schema/index.js';
import type { Payment, StudentPackage } from '../../db/types.js';
import { changeWithAudit, recordAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { lockScopedPayment } from './completion.js';
import { PaymentTransitionError, RefundExceedsPaymentError } from './errors.js';
import { refundPaymentInput } from './inputs.js';
import { toPaymentView, type PaymentView } from './views.js';

const REFUNDABLE = new Set(['completed', 'partially_refunded', 'disputed']);

export interface RefundResult {
  payment: PaymentView;
  /** What is left to refund after this one. */
  refundableCents: number;
  /** The package a full refund of its purchase cancelled. */
  cancelledStudentPackageId: string | null;
}

export const refundPayment = defineOperation({
  name: 'refundPayment',
  kind: 'write',
  input: refundPaymentInput,
  async run(ctx, { paymentId, amountCents, reason }): Promise<RefundResult> {
    const payment = await lockScopedPayment(ctx, paymentId);
    if (!REFUNDABLE.has(payment.status)) {
      throw new PaymentTransitionError(payment.status, 'refunded', `payment ${payment.id} is ${payment.status}: only a completed payment is refunded`);
    }
    const refundedSoFar = payment.refundAmountCents ?? 0;
    const refundable = payment.amountCents - refundedSoFar;
    if (amountCents > refundable) {
      throw new RefundExceedsPaymentError(
        `refund of ${amountCents} cents on payment ${payment.id}: only ${refundable} of its ${payment.amountCents} cents are left to refund`,
        refundable,
      );
    }
    const total = refundedSoFar + amountCents;
    const full = total === payment.amountCents;
    const status = full ? 'refunded' : 'partially_refunded';
    const update = ctx.tx
      .update(payments)
      .set({ refundAmountCents: total, refundReason: reason, refundedAt: sql`now()`, status })
      .where(eq(payments.id, payment.id))
      .returning();
    const entry = (cancelledStudentPackageId: string | null) => ({
      eventType: 'PAYMENT_REFUNDED',
      subjectType: 'payment',
      subjectId: payment.id,
      details: {
        studentId: payment.studentId, amountCents, totalRefundedCents: total, status, reason,
        invoiceNumber: payment.invoiceNumber, cancelledStudentPackageId,
      },
    });
    const marksBooking = full && payment.bookingId !== null;
    const cancelsPackage = full && payment.packageId !== null && payment.paymentMethod !== 'package_credit' && payment.studentId !== null;
    let refunded: Payment;
    let cancelled: StudentPackage | undefined;
    if (!marksBooking && !cancelsPackage) {
      [refunded] = await changeWithAudit(ctx, update, entry(null)); // the refund and its entry in one statement (issue 20)
    } else {
      [refunded] = await update;
      if (marksBooking) {
        await ctx.tx
          .update(bookings)
          .set({ paymentStatus: 'refunded' })
          .where(and(eq(bookings.id, payment.bookingId!), eq(bookings.paymentId, payment.id)));
      }
      if (cancelsPackage) {
        [cancelled] = await ctx.tx
          .update(studentPackages)
          .set({ status: 'cancelled' })
          .where(and(eq(studentPackages.paymentId, payment.id), eq(studentPackages.studentId, payment.studentId!)))
          .returning();
      }
      await recordAudit(ctx, entry(cancelled?.id ?? null));
    }
    return { payment: toPaymentView(refunded), refundableCents: payment.amountCents - total, cancelledStudentPackageId: cancelled?.id ?? null };
  },
});
