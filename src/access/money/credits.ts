// Package credits: paying a booking with one credit, giving it back when the booking is cancelled, and
// expiring packages. Credits never go below zero or above the total, also under concurrent use: every
// operation locks the student's row, then the packages it reads, and the database's CHECK
// (credits_used BETWEEN 0 AND credits_total) is the last line. A credit paid booking has a payment of
// method 'package_credit' (amount 0, no invoice: the package's purchase had one) naming the package the
// credit came from, so the credit goes back to that package.
import { and, eq, lte, sql } from 'drizzle-orm';
import { bookings, packages, payments, studentPackages } from '../../db/schema/index.js';
import { recordAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { CreditNotReturnableError, NoCreditsError } from './errors.js';
import { bookingInput, jobInput } from './inputs.js';
import { assertUnpaid, lockStudentBooking } from './payables.js';
import { choosePackage, isLowOnCredits } from './rules.js';

export interface CreditResult {
  bookingId: string;
  /** The credit's payment (method package_credit). */
  paymentId: string;
  studentPackageId: string;
  /** Credits left on that package. */
  creditsRemaining: number;
  /** creditsRemaining <= LOW_CREDITS_THRESHOLD (2). */
  low: boolean;
  packageStatus: 'active' | 'exhausted' | 'expired' | 'cancelled';
}

/**
 * Pays the booking with one credit from the student's active package that expires first (then the
 * earliest purchased) among those whose applicable_services include the booking's service (empty = all).
 * A package reaching zero becomes 'exhausted'. NO_CREDITS when none can pay.
 */
export const redeemCredit = defineOperation({
  name: 'redeemCredit',
  kind: 'write',
  input: bookingInput,
  async run(ctx, { bookingId }): Promise<CreditResult> {
    const { student } = await ctx.studentOfBooking(bookingId, { lock: true });
    const booking = await lockStudentBooking(ctx, student.id, bookingId);
    assertUnpaid(booking);
    const candidates = await ctx.tx
      .select({
        id: studentPackages.id, packageId: studentPackages.packageId, status: studentPackages.status, creditsTotal: studentPackages.creditsTotal,
        creditsUsed: studentPackages.creditsUsed, purchasedAt: studentPackages.purchasedAt, expiresAt: studentPackages.expiresAt,
        applicableServices: packages.applicableServices, name: packages.name,
      })
      .from(studentPackages)
      .innerJoin(packages, eq(packages.id, studentPackages.packageId))
      .where(and(eq(studentPackages.studentId, student.id), eq(studentPackages.status, 'active')))
      .for('update', { of: studentPackages });
    const chosen = choosePackage(candidates, booking.serviceId, new Date());
    if (!chosen) throw new NoCreditsError(`student ${student.id} has no package with a credit for this booking's service`);
    const [used] = await ctx.tx
      .update(studentPackages)
      .set({
        creditsUsed: sql`${studentPackages.creditsUsed} + 1`,
        status: sql`case when ${studentPackages.creditsUsed} + 1 >= ${studentPackages.creditsTotal} then 'exhausted' else ${studentPackages.status} end`,
      })
      .where(eq(studentPackages.id, chosen.id))
      .returning();
    const [payment] = await ctx.tx
      .insert(payments)
      .values({
        studentId: student.id, bookingId: booking.id, packageId: chosen.packageId, studentPackageId: chosen.id,
        amountCents: 0, paymentMethod: 'package_credit', status: 'completed', description: `1 credit of ${chosen.name}`,
      })
      .returning({ id: payments.id });
    await ctx.tx.update(bookings).set({ paymentStatus: 'package_credit', paymentId: payment.id }).where(eq(bookings.id, booking.id));
    const creditsRemaining = used.creditsTotal - used.creditsUsed;
    await recordAudit(ctx, {
      eventType: 'PACKAGE_CREDIT_USED',
      subjectType: 'booking',
      subjectId: booking.id,
      details: { studentId: student.id, studentPackageId: used.id, paymentId: payment.id, creditsRemaining },
    });
    return { bookingId: booking.id, paymentId: payment.id, studentPackageId: used.id, creditsRemaining, low: isLowOnCredits(creditsRemaining), packageStatus: used.status };
  },
});

/**
 * Gives the credit of a cancelled credit-paid booking back to the package it came from, once. A
 * rescheduled booking's credit moved to the booking that replaced it (CREDIT_NOT_RETURNABLE, `moved`). An exhausted package becomes active again (expired if its time has passed); the credit's
 * payment is marked refunded and the booking's payment_status 'refunded'.
 */
export const returnCredit = defineOperation({
  name: 'returnCredit',
  kind: 'write',
  input: bookingInput,
  async run(ctx, { bookingId }): Promise<CreditResult> {
    const { student } = await ctx.studentOfBooking(bookingId, { lock: true });
    const booking = await lockStudentBooking(ctx, student.id, bookingId);
    if (booking.status !== 'cancelled' && booking.status !== 'rescheduled') {
      throw new CreditNotReturnableError(`booking ${booking.id} is ${booking.status}: a credit comes back when the booking is cancelled`, 'booking_active');
    }
    const [payment] = booking.paymentId ? await ctx.tx.select().from(payments).where(eq(payments.id, booking.paymentId)).for('update') : [];
    if (!payment || payment.paymentMethod !== 'package_credit' || !payment.studentPackageId) {
      throw new CreditNotReturnableError(`booking ${booking.id} was not paid with a package credit`, 'not_paid_by_credit');
    }
    if (payment.bookingId !== booking.id) {
      // Money follows the booking: a reschedule moved the credit to the booking that replaced this one.
      throw new CreditNotReturnableError(`booking ${booking.id} was rescheduled: its credit pays booking ${payment.bookingId} now`, 'moved');
    }
    if (booking.paymentStatus !== 'package_credit' || payment.status !== 'completed') {
      throw new CreditNotReturnableError(`the credit of booking ${booking.id} was returned already`, 'already_returned');
    }
    const [returned] = await ctx.tx
      .update(studentPackages)
      .set({
        creditsUsed: sql`${studentPackages.creditsUsed} - 1`,
        status: sql`case when ${studentPackages.status} <> 'exhausted' then ${studentPackages.status}
                         when ${studentPackages.expiresAt} is null or ${studentPackages.expiresAt} > now() then 'active'
                         else 'expired' end`,
      })
      .where(eq(studentPackages.id, payment.studentPackageId))
      .returning();
    await ctx.tx
      .update(payments)
      .set({ status: 'refunded', refundedAt: sql`now()`, refundReason: `credit returned: booking ${booking.status}` })
      .where(eq(payments.id, payment.id));
    await ctx.tx.update(bookings).set({ paymentStatus: 'refunded' }).where(eq(bookings.id, booking.id));
    const creditsRemaining = returned.creditsTotal - returned.creditsUsed;
    await recordAudit(ctx, {
      eventType: 'PACKAGE_CREDIT_RETURNED',
      subjectType: 'booking',
      subjectId: booking.id,
      details: { studentId: student.id, studentPackageId: returned.id, paymentId: payment.id, creditsRemaining },
    });
    return { bookingId: booking.id, paymentId: payment.id, studentPackageId: returned.id, creditsRemaining, low: isLowOnCredits(creditsRemaining), packageStatus: returned.status };
  },
});

/** Job: marks active packages whose expires_at has passed (at `now`, default the current time) 'expired'. */
export const expirePackages = defineOperation({
  name: 'expirePackages',
  kind: 'write',
  input: jobInput,
  async run(ctx, input): Promise<{ expired: Array<{ studentPackageId: string; studentId: string }> }> {
    ctx.school();
    const now = input.now ?? new Date();
    const expired = await ctx.tx
      .update(studentPackages)
      .set({ status: 'expired' })
      .where(and(eq(studentPackages.status, 'active'), lte(studentPackages.expiresAt, now)))
      .returning({ studentPackageId: studentPackages.id, studentId: studentPackages.studentId });
    if (expired.length > 0) {
      await recordAudit(ctx, {
        eventType: 'PACKAGES_EXPIRED',
        subjectType: 'student_package',
        details: { count: expired.length, studentPackageIds: expired.map((p) => p.studentPackageId), now: now.toISOString() },
      });
    }
    return { expired };
  },
});
