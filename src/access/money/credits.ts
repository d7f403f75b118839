// Package credits: paying a booking with one credit, giving it back when the booking is cancelled, and
// expiring packages. Credits never go below zero or above the total, also under concurrent use: every
// operation locks the student's row, then the packages it reads, and the database's CHECK
// (credits_used BETWEEN 0 AND credits_total) is the last line. A credit paid booking has a payment of
// method 'package_credit' (amount 0, no invoice: the package's purchase had one) naming the package the
// credit came from, so the credit goes back to that package.
import { and, eq, lte, sql } from 'drizzle-orm';
import { bookings, packages, payments, studentPackages } from '../../db/schema/index.js';
import { randomUUID } from 'node:crypto';
import { changeWithAudit, recordAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { CreditNotReturnableError, NoCreditsError } from './errors.js';
import { bookingInput, jobInput } from './inputs.js';
import { assertUnpaid, lockStudentBooking, lockStudentBookingAndPackages } from './payables.js';
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
  // Five statements after the actor: the student (locked), the booking with the candidate packages
  // (locked, one statement), and the credit, its payment, the booking's payment and the audit entry in
  // one statement (data-modifying CTEs), then COMMIT.
  async run(ctx, { bookingId }): Promise<CreditResult> {
    const { student } = await ctx.studentOfBooking(bookingId, { lock: true });
    const { booking, candidates } = await lockStudentBookingAndPackages(ctx, student.id, bookingId);
    assertUnpaid(booking);
    const chosen = choosePackage(candidates, booking.serviceId, new Date());
    if (!chosen) throw new NoCreditsError(`student ${student.id} has no package with a credit for this booking's service`);
    // The package is locked, so what it holds now is what the UPDATE below starts from.
    const creditsRemaining = chosen.creditsTotal - chosen.creditsUsed - 1;
    const paymentId = randomUUID();
    const used = ctx.tx.$with('used').as(
      ctx.tx
        .update(studentPackages)
        .set({
          creditsUsed: sql`${studentPackages.creditsUsed} + 1`,
          status: sql`case when ${studentPackages.creditsUsed} + 1 >= ${studentPackages.creditsTotal} then 'exhausted' else ${studentPackages.status} end`,
        })
        .where(eq(studentPackages.id, chosen.id))
        .returning({ status: studentPackages.status }),
    );
    const paid = ctx.tx.$with('paid', { id: sql<string>`id` }).as(sql`
      insert into ${payments} (id, student_id, booking_id, package_id, student_package_id, amount_cents, payment_method, status, description)
      select ${paymentId}::uuid, ${student.id}::uuid, ${booking.id}::uuid, ${chosen.packageId}::uuid, ${chosen.id}::uuid, 0, 'package_credit', 'completed', ${`1 credit of ${chosen.name}`}
        from ${used}
      returning id`);
    const paidBooking = ctx.tx
      .update(bookings)
      .set({ paymentStatus: 'package_credit', paymentId })
      .where(and(eq(bookings.id, booking.id), sql`exists (select 1 from ${paid})`))
      // (the package's status as the credit's UPDATE left it: exhausted at zero, by that UPDATE's rule)
      .returning({ id: bookings.id, packageStatus: sql<CreditResult['packageStatus']>`(select status from ${used})`.as('package_status') });
    const event = {
      eventType: 'PACKAGE_CREDIT_USED',
      subjectType: 'booking',
      subjectId: booking.id,
      details: { studentId: student.id, studentPackageId: chosen.id, paymentId, creditsRemaining },
    };
    const [done] = await changeWithAudit(ctx, paidBooking, event, [used, paid]);
    if (!done) throw new Error(`redeemCredit: the credit of package ${chosen.id} for booking ${booking.id} was not written`);
    return { bookingId: booking.id, paymentId, studentPackageId: chosen.id, creditsRemaining, low: isLowOnCredits(creditsRemaining), packageStatus: done.packageStatus };
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
  // Four statements after the actor: the student (locked); the booking, its payment and the package
  // the credit came from (locked in that order, one statement); the package, the payment, the booking
  // and the audit entry in one statement (data-modifying CTEs); COMMIT. A booking without a credit
  // payment takes one more read, to say why.
  async run(ctx, { bookingId }): Promise<CreditResult> {
    const { student } = await ctx.studentOfBooking(bookingId, { lock: true });
    const [held] = await ctx.tx
      .select({ booking: bookings, payment: payments, pkg: studentPackages })
      .from(bookings)
      .innerJoin(payments, eq(payments.id, bookings.paymentId))
      .innerJoin(studentPackages, eq(studentPackages.id, payments.studentPackageId))
      .where(and(eq(bookings.id, bookingId), eq(bookings.studentId, student.id)))
      .for('update', { of: [bookings, payments, studentPackages] });
    const booking = held?.booking ?? (await lockStudentBooking(ctx, student.id, bookingId));
    if (booking.status !== 'cancelled' && booking.status !== 'rescheduled') {
      throw new CreditNotReturnableError(`booking ${booking.id} is ${booking.status}: a credit comes back when the booking is cancelled`, 'booking_active');
    }
    if (!held || held.payment.paymentMethod !== 'package_credit') {
      throw new CreditNotReturnableError(`booking ${booking.id} was not paid with a package credit`, 'not_paid_by_credit');
    }
    const { payment, pkg } = held;
    if (payment.bookingId !== booking.id) {
      // Money follows the booking: a reschedule moved the credit to the booking that replaced this one.
      throw new CreditNotReturnableError(`booking ${booking.id} was rescheduled: its credit pays booking ${payment.bookingId} now`, 'moved');
    }
    if (booking.paymentStatus !== 'package_credit' || payment.status !== 'completed') {
      throw new CreditNotReturnableError(`the credit of booking ${booking.id} was returned already`, 'already_returned');
    }
    const refunded = ctx.tx.$with('refunded').as(
      ctx.tx
        .update(payments)
        .set({ status: 'refunded', refundedAt: sql`now()`, refundReason: `credit returned: booking ${booking.status}` })
        .where(eq(payments.id, payment.id))
        .returning({ id: payments.id }),
    );
    const bookingRefunded = ctx.tx.$with('booking_refunded').as(
      ctx.tx
        .update(bookings)
        .set({ paymentStatus: 'refunded' })
        .where(and(eq(bookings.id, booking.id), sql`exists (select 1 from ${refunded})`))
        .returning({ id: bookings.id }),
    );
    const giveBack = ctx.tx
      .update(studentPackages)
      .set({
        creditsUsed: sql`${studentPackages.creditsUsed} - 1`,
        status: sql`case when ${studentPackages.status} <> 'exhausted' then ${studentPackages.status}
                         when ${studentPackages.expiresAt} is null or ${studentPackages.expiresAt} > now() then 'active'
                         else 'expired' end`,
      })
      .where(and(eq(studentPackages.id, pkg.id), sql`exists (select 1 from ${bookingRefunded})`))
      .returning({ id: studentPackages.id, status: studentPackages.status, creditsTotal: studentPackages.creditsTotal, creditsUsed: studentPackages.creditsUsed });
    // The package is locked: the credit it gets back leaves it with one more than it holds now.
    const creditsRemaining = pkg.creditsTotal - (pkg.creditsUsed - 1);
    const [returned] = await changeWithAudit(
      ctx,
      giveBack,
      {
        eventType: 'PACKAGE_CREDIT_RETURNED',
        subjectType: 'booking',
        subjectId: booking.id,
        details: { studentId: student.id, studentPackageId: pkg.id, paymentId: payment.id, creditsRemaining },
      },
      [refunded, bookingRefunded],
    );
    if (!returned) throw new Error(`returnCredit: the credit of booking ${booking.id} was not given back`);
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
