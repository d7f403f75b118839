// A payment's end: completed (by the gateway's webhook, or at once for a manual payment or a zero
// amount) or failed (declined, or its checkout expired). Completing is idempotent: the same webhook
// delivered again, even at the same moment, finds the payment completed and answers with the same
// result, changing nothing. What completing does, in one transaction: the booking becomes paid, a
// package purchase becomes the student's package, the voucher reservation becomes a use, and the
// database gives the invoice number (migration money_rules: Canberra year, gapless, at completion).
import { and, eq, lte, ne, sql } from 'drizzle-orm';
import { NotFoundError, ValidationError } from '../../db/errors.js';
import { bookings, packages, payments, studentPackages, vouchers } from '../../db/schema/index.js';
import type { Payment, StudentPackage } from '../../db/types.js';
import { BUSINESS_TIME_ZONE, PAYMENT_HOLD_MINUTES } from '../../domain/rules.js';
import { recordAudit, changeWithAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { GatewayPaymentMismatchError, PaymentTransitionError } from './errors.js';
import { checkWebhookClaim } from './gateway.js';
import { completePaymentInput, failPaymentInput, jobInput } from './inputs.js';
import { PAID_PAYMENT_STATUSES } from './payables.js';
import { toPaymentView, type PaymentView } from './views.js';

/**
 * The student of a payment, checked against the actor's rights and locked; then the booking it pays and
 * the payment, locked, in one statement (the booking by a locking sub-SELECT, which runs as the payment's
 * row is read, before that row is locked). Student, booking, payment is the order of every money
 * operation and of a reschedule (booking, then its payments), so they never wait for each other in a
 * circle. A reschedule that committed meanwhile moved the payment to the new booking: PostgreSQL reads
 * the payment again after waiting for its lock, and the sub-SELECT locks the new booking then. Two
 * statements (issue 20: one round trip each on Neon).
 */
export async function lockScopedPayment(ctx: OperationContext, paymentId: string): Promise<Payment> {
  const scoped = await ctx.studentOfPayment(paymentId, { lock: true });
  const [row] = await ctx.tx
    .select({
      payment: payments,
      // (qualified by hand: drizzle writes a one-table select's columns without their table)
      lockedBookingId: sql<string | null>`(select b.id from ${bookings} b where b.id = "payments"."booking_id" for update of b)`,
    })
    .from(payments)
    .where(eq(payments.id, paymentId))
    .for('update', { of: payments });
  if (!row) throw new NotFoundError(`payment ${paymentId} not found`);
  if (!scoped) {
    // No row for its student: a prospect's payment (contact_id), where the cell alone decides.
    if (row.payment.studentId) throw new NotFoundError(`payment ${paymentId} not found`);
    ctx.school();
  }
  return row.payment;
}

export interface Settlement {
  payment: Payment;
  /** The package a completed package purchase gave the student. */
  studentPackage: StudentPackage | null;
  /** The booking was cancelled before the money arrived: it stays unpaid, the payment is flagged
   *  needs_refund (by the database) and the school owes the money back. */
  needsRefund: boolean;
}

/**
 * Completes a locked, open payment. The status change comes last, because the database takes the
 * invoice year's lock then (and holds it to commit): everything before it is the student's own rows
 * and the voucher. With `eventType`, the completion's audit entry (completionAudit, with the invoice
 * number the database gives) is written in the same statement as the status change, so the year's lock
 * is held for that one round trip (issue 20); without, the caller writes it.
 */
export async function settlePayment(
  ctx: OperationContext,
  payment: Payment,
  changes: Partial<Pick<Payment, 'gateway' | 'gatewayPaymentId' | 'gatewayResponse' | 'paymentMethod'>> = {},
  eventType?: string,
): Promise<Settlement> {
  if (payment.bookingId) {
    // Never marks a cancelled booking paid (the database refuses that too: bookings_money_follows).
    await ctx.tx
      .update(bookings)
      .set({ paymentStatus: 'paid', paymentId: payment.id })
      .where(and(eq(bookings.id, payment.bookingId), ne(bookings.status, 'cancelled')));
  }
  if (payment.voucherId) {
    // vouchers_times_used_check (times_used <= max_uses) is the last line if a reservation was ever lost
    await ctx.tx.update(vouchers).set({ timesUsed: sql`${vouchers.timesUsed} + 1` }).where(eq(vouchers.id, payment.voucherId));
  }
  let studentPackage: StudentPackage | null = null;
  if (payment.packageId && payment.studentId) {
    const [pkg] = await ctx.tx.select().from(packages).where(eq(packages.id, payment.packageId));
    // valid_for_days counted on the Canberra calendar: the same wall-clock time that many days later
    const expiresAt =
      pkg.validForDays === null
        ? null
        : sql`((now() at time zone ${BUSINESS_TIME_ZONE}) + make_interval(days => ${pkg.validForDays}::int)) at time zone ${BUSINESS_TIME_ZONE}`;
    [studentPackage] = await ctx.tx
      .insert(studentPackages)
      .values({ studentId: payment.studentId, packageId: pkg.id, paymentId: payment.id, creditsTotal: pkg.totalCredits, expiresAt })
      .returning();
  }
  const complete = ctx.tx.update(payments).set({ ...changes, status: 'completed' }).where(eq(payments.id, payment.id)).returning();
  const [completed] = eventType
    ? await changeWithAudit(ctx, complete, completionAudit({ payment: { ...payment, ...changes }, studentPackage }, eventType), [], { invoiceNumber: 'invoice_number' })
    : await complete;
  return { payment: completed, studentPackage, needsRefund: completed.needsRefund };
}

export interface CompletionResult {
  payment: PaymentView;
  /** True when the payment had completed before this call (a repeated webhook): nothing changed. */
  alreadyCompleted: boolean;
  /** The package a package purchase gave the student (on the call that completed it). */
  studentPackageId: string | null;
  /** The payment completed for a booking cancelled meanwhile: the booking stays unpaid and the money is
   *  owed back (audit entry PAYMENT_NEEDS_REFUND; refund it with refundPayment). */
  needsRefund: boolean;
}

/** Records the gateway's success for a pending or processing payment. */
export const completePayment = defineOperation({
  name: 'completePayment',
  kind: 'write',
  input: completePaymentInput,
  async run(ctx, input): Promise<CompletionResult> {
    const payment = await lockScopedPayment(ctx, input.paymentId);
    checkWebhookClaim(ctx, payment, input);
    const gateway = input.gateway ?? payment.gateway;
    if (input.gateway && payment.gateway && input.gateway !== payment.gateway) {
      throw new GatewayPaymentMismatchError(`payment ${payment.id} is a ${payment.gateway} payment, not ${input.gateway}`);
    }
    if ((PAID_PAYMENT_STATUSES as readonly string[]).includes(payment.status)) {
      if (input.gatewayPaymentId != null && input.gatewayPaymentId !== payment.gatewayPaymentId) {
        throw new GatewayPaymentMismatchError(
          `payment ${payment.id} was completed ${payment.gatewayPaymentId ? `as ${payment.gateway} payment ${payment.gatewayPaymentId}` : 'without a gateway payment'}, not ${input.gatewayPaymentId}`,
        );
      }
      const [activated] = await ctx.tx.select({ id: studentPackages.id }).from(studentPackages).where(eq(studentPackages.paymentId, payment.id));
      return { payment: toPaymentView(payment), alreadyCompleted: true, studentPackageId: activated?.id ?? null, needsRefund: payment.needsRefund };
    }
    if (payment.status === 'failed') throw new PaymentTransitionError('failed', 'completed', `payment ${payment.id} failed; it cannot complete`);
    if (input.gatewayPaymentId && !gateway) {
      throw new ValidationError('gateway: a gateway payment id needs its gateway', ['gateway: a gateway payment id needs its gateway'], ['gateway']);
    }
    const settled = await settlePayment(ctx, payment, {
      gateway,
      gatewayPaymentId: input.gatewayPaymentId ?? payment.gatewayPaymentId,
      ...(input.gatewayResponse ? { gatewayResponse: input.gatewayResponse } : {}),
    }, 'PAYMENT_COMPLETED');
    if (settled.needsRefund) {
      await recordAudit(ctx, {
        eventType: 'PAYMENT_NEEDS_REFUND',
        subjectType: 'payment',
        subjectId: settled.payment.id,
        severity: 'warning',
        details: {
          studentId: settled.payment.studentId, bookingId: settled.payment.bookingId, amountCents: settled.payment.amountCents,
          invoiceNumber: settled.payment.invoiceNumber, reason: 'the booking was cancelled before the payment completed',
        },
      });
    }
    return {
      payment: toPaymentView(settled.payment), alreadyCompleted: false, studentPackageId: settled.studentPackage?.id ?? null,
      needsRefund: settled.needsRefund,
    };
  },
});

/** The audit entry of a completion: what was paid and its invoice, never the gateway's response. */
export function completionAudit({ payment, studentPackage }: Pick<Settlement, 'payment' | 'studentPackage'>, eventType: string) {
  return {
    eventType,
    subjectType: 'payment',
    subjectId: payment.id,
    details: {
      studentId: payment.studentId,
      amountCents: payment.amountCents,
      paymentMethod: payment.paymentMethod,
      invoiceNumber: payment.invoiceNumber,
      bookingId: payment.bookingId,
      packageId: payment.packageId,
      studentPackageId: studentPackage?.id ?? null,
      voucherId: payment.voucherId,
      discountCents: payment.discountCents,
      gateway: payment.gateway,
      gatewayPaymentId: payment.gatewayPaymentId,
    },
  };
}

export interface FailureResult {
  payment: PaymentView;
  /** True when the payment had failed before this call: nothing changed. */
  alreadyFailed: boolean;
}

/** Records the gateway's failure (declined, abandoned) of an open payment; its voucher reservation is released. */
export const failPayment = defineOperation({
  name: 'failPayment',
  kind: 'write',
  input: failPaymentInput,
  async run(ctx, { paymentId, reason, gatewayPaymentId }): Promise<FailureResult> {
    const payment = await lockScopedPayment(ctx, paymentId);
    checkWebhookClaim(ctx, payment, { gatewayPaymentId });
    if (gatewayPaymentId !== undefined && payment.gatewayPaymentId !== null && gatewayPaymentId !== payment.gatewayPaymentId) {
      throw new GatewayPaymentMismatchError(`payment ${payment.id} is gateway payment ${payment.gatewayPaymentId}, not ${gatewayPaymentId}`);
    }
    if (payment.status === 'failed') return { payment: toPaymentView(payment), alreadyFailed: true };
    if (payment.status !== 'pending' && payment.status !== 'processing') {
      throw new PaymentTransitionError(payment.status, 'failed', `payment ${payment.id} is ${payment.status}; it cannot fail`);
    }
    const [failed] = await changeWithAudit(ctx, ctx.tx.update(payments).set({ status: 'failed' }).where(eq(payments.id, payment.id)).returning(), {
      eventType: 'PAYMENT_FAILED',
      subjectType: 'payment',
      subjectId: payment.id,
      details: { studentId: payment.studentId, reason, voucherReleased: payment.voucherId },
    });
    return { payment: toPaymentView(failed), alreadyFailed: false };
  },
});

export interface ExpiredPayment {
  paymentId: string;
  studentId: string | null;
  bookingId: string | null;
  gateway: string | null;
}

/**
 * Job: fails every payment still pending PAYMENT_HOLD_MINUTES after its checkout started, releasing its
 * voucher reservation. The application then cancels those checkouts at the gateway, so no late payment
 * arrives for a failed one (completing a failed payment is INVALID_TRANSITION).
 */
export const expirePendingPayments = defineOperation({
  name: 'expirePendingPayments',
  kind: 'write',
  input: jobInput,
  async run(ctx, input): Promise<{ expired: ExpiredPayment[] }> {
    ctx.school();
    const now = input.now ?? new Date();
    const cutoff = new Date(now.getTime() - PAYMENT_HOLD_MINUTES * 60_000);
    const expired = await ctx.tx
      .update(payments)
      .set({ status: 'failed' })
      .where(and(eq(payments.status, 'pending'), lte(payments.createdAt, cutoff)))
      .returning({ paymentId: payments.id, studentId: payments.studentId, bookingId: payments.bookingId, gateway: payments.gateway });
    if (expired.length > 0) {
      await recordAudit(ctx, {
        eventType: 'PAYMENTS_EXPIRED',
        subjectType: 'payment',
        details: { count: expired.length, paymentIds: expired.map((p) => p.paymentId), holdMinutes: PAYMENT_HOLD_MINUTES, now: now.toISOString() },
      });
    }
    return { expired };
  },
});
