// What a checkout pays for, and the voucher it reserves, loaded and checked inside the operation's
// transaction. Locking, in every money operation: first the student's row (so the operations about one
// student run one at a time, whatever rows of theirs they touch), then that student's rows (booking,
// payment, packages; redeemCredit locks the candidate packages and the booking in one statement, the
// packages first, which no operation can meet in the other order without holding the student's row),
// then the rows students share, in this order: the voucher, the invoice year (taken by the database when
// a payment completes), and the audit chain last (the entry is written last, often in the statement of
// the change itself: changeWithAudit). So no two money operations wait for each other in a circle.
import { and, eq, inArray, isNull, gt, lte, or, sql } from 'drizzle-orm';
import { NotFoundError } from '../../db/errors.js';
import { bookings, packages, payments, services, studentPackages, vouchers } from '../../db/schema/index.js';
import { jsonObjectOf, rowsFromJson, type RowOf } from '../core/views.js';
import { SCHEDULING } from '../scheduling/rules.js';
import type { Booking, Package, Service, Voucher } from '../../db/types.js';
import type { OperationContext } from '../core/context.js';
import { AlreadyPaidError, NotPayableError, PaymentInProgressError, VoucherExhaustedError, VoucherNotApplicableError, VoucherNotFoundError } from './errors.js';
import { normalizeVoucherCode, voucherDiscount, type Purchase } from './rules.js';

/** Payment statuses that hold a voucher reservation (an open checkout). */
export const OPEN_PAYMENT_STATUSES = ['pending', 'processing'] as const;
/** Payment statuses of a payment that took its money (it has an invoice number, unless it used a credit). */
export const PAID_PAYMENT_STATUSES = ['completed', 'partially_refunded', 'refunded', 'disputed'] as const;

export interface Payable {
  purchase: Purchase;
  booking: Booking | null;
  pkg: Package | null;
  description: string;
}

/**
 * The booking (locked) or the package a student pays for. A booking must be the student's, pending
 * (hold not run out) or confirmed, unpaid and without an open checkout; a package must be on sale.
 */
export async function loadPayable(
  ctx: OperationContext,
  studentId: string,
  what: { bookingId?: string; packageId?: string },
  statuses: readonly string[] = PAYABLE_BOOKING_STATUSES,
): Promise<Payable> {
  if (what.bookingId) {
    const booking = await lockStudentBooking(ctx, studentId, what.bookingId);
    assertUnpaid(booking, statuses);
    return {
      purchase: { kind: 'booking', priceCents: booking.amountCents, serviceId: booking.serviceId, serviceCategory: booking.serviceCategory },
      booking,
      pkg: null,
      description: `${booking.serviceName}, ${booking.scheduledDate}`,
    };
  }
  const [pkg] = await ctx.tx.select().from(packages).where(and(eq(packages.id, what.packageId!), eq(packages.isActive, true)));
  if (!pkg) throw new NotFoundError(`package ${what.packageId} not found`);
  return { purchase: { kind: 'package', priceCents: pkg.priceCents }, booking: null, pkg, description: pkg.name };
}

/** A booking as a payment sees it: the row, whether its pending hold has run out (by the database's
 *  clock), the open checkout on it, if any, and its service's name and category, read with the row in
 *  one statement. */
export type PayableBooking = Booking & {
  readonly holdOver: boolean;
  readonly openPaymentId: string | null;
  readonly serviceName: string;
  readonly serviceCategory: Service['category'];
};

/** The student's booking, locked FOR UPDATE; NOT_FOUND when it is not theirs. */
export async function lockStudentBooking(ctx: OperationContext, studentId: string, bookingId: string): Promise<PayableBooking> {
  const [row] = await ctx.tx.select(payableBookingColumns()).from(bookings).where(and(eq(bookings.id, bookingId), eq(bookings.studentId, studentId))).for('update', { of: bookings });
  if (!row) throw new NotFoundError(`booking ${bookingId} not found`);
  return payableBooking(row);
}

function payableBooking(row: { booking: Booking; holdOver: boolean; openPaymentId: string | null; serviceName: string; serviceCategory: Service['category'] }): PayableBooking {
  return { ...row.booking, holdOver: row.holdOver, openPaymentId: row.openPaymentId, serviceName: row.serviceName, serviceCategory: row.serviceCategory };
}

/** What a credit may come from: a student's package with its package's name and services. */
const CREDIT_CANDIDATE_COLUMNS = {
  id: studentPackages.id, packageId: studentPackages.packageId, status: studentPackages.status, creditsTotal: studentPackages.creditsTotal,
  creditsUsed: studentPackages.creditsUsed, purchasedAt: studentPackages.purchasedAt, expiresAt: studentPackages.expiresAt,
  applicableServices: packages.applicableServices, name: packages.name,
};
export type CreditCandidate = RowOf<typeof CREDIT_CANDIDATE_COLUMNS>;

/**
 * lockStudentBooking, and in the same statement (one round trip, issue 20) the student's active
 * packages, locked FOR UPDATE too (a locking sub-SELECT): the candidates a credit may come from.
 * Every credit operation holds the student's row first, so the order of these two locks among
 * themselves cannot make two credit operations wait for each other in a circle.
 */
export async function lockStudentBookingAndPackages(
  ctx: OperationContext,
  studentId: string,
  bookingId: string,
): Promise<{ booking: PayableBooking; candidates: CreditCandidate[] }> {
  // (names qualified by hand: in a one-table select drizzle writes columns without their table)
  const candidates = sql<Array<Record<string, unknown>>>`(select coalesce(jsonb_agg(c.candidate), '[]'::jsonb) from (
      select ${jsonObjectOf(CREDIT_CANDIDATE_COLUMNS)} as candidate
        from student_packages inner join packages on packages.id = student_packages.package_id
       where student_packages.student_id = ${studentId} and student_packages.status = 'active'
         for update of student_packages) c)`;
  const [row] = await ctx.tx
    .select({ ...payableBookingColumns(), candidates })
    .from(bookings)
    .where(and(eq(bookings.id, bookingId), eq(bookings.studentId, studentId)))
    .for('update', { of: bookings });
  if (!row) throw new NotFoundError(`booking ${bookingId} not found`);
  return {
    booking: payableBooking(row),
    candidates: rowsFromJson(CREDIT_CANDIDATE_COLUMNS, row.candidates),
  };
}

/** The booking, whether its pending hold has run out (by the database's clock), and its open checkout. */
function payableBookingColumns() {
  return {
    booking: bookings,
    // (qualified by hand: drizzle drops the table name of columns in a one-table select, and the
    // subquery's "id" would be the payment's own)
    holdOver: sql<boolean>`"bookings"."created_at" + make_interval(mins => ${SCHEDULING.holdMinutes}::int) <= now()`,
    openPaymentId: sql<string | null>`(select open.id from ${payments} open
      where open.booking_id = "bookings"."id" and open.status in (${sql.join(OPEN_PAYMENT_STATUSES.map((status) => sql`${status}`), sql`, `)}) limit 1)`,
    serviceName: sql<string>`(select s.name from ${services} s where s.id = "bookings"."service_id")`,
    serviceCategory: sql<Service['category']>`(select s.category from ${services} s where s.id = "bookings"."service_id")`,
  };
}

/** Booking statuses that take a checkout or a credit: the lesson is still ahead (issue 15). */
export const PAYABLE_BOOKING_STATUSES = ['pending', 'confirmed'] as const;
/** Money taken in person (recordManualPayment) may also be taken at or after the lesson. */
export const MANUALLY_PAYABLE_BOOKING_STATUSES = ['pending', 'confirmed', 'in_progress', 'completed'] as const;

/**
 * A booking that can take a payment or a credit: pending (its hold not run out, by the database's
 * clock) or confirmed (or, for money taken in person, under way or over), unpaid, no checkout open.
 */
export function assertUnpaid(booking: PayableBooking, statuses: readonly string[] = PAYABLE_BOOKING_STATUSES): void {
  if (!statuses.includes(booking.status)) {
    throw new NotPayableError(`booking ${booking.id} is ${booking.status}`);
  }
  if (booking.status === 'pending' && booking.holdOver) {
    throw new NotPayableError(`booking ${booking.id} is pending and its ${SCHEDULING.holdMinutes}-minute hold has run out`);
  }
  if (booking.paymentStatus !== 'unpaid') throw new AlreadyPaidError(`booking ${booking.id} is ${booking.paymentStatus.replace('_', ' ')} already`);
  if (booking.openPaymentId) {
    throw new PaymentInProgressError(`booking ${booking.id} has a checkout open (payment ${booking.openPaymentId}): complete or fail it first`, booking.openPaymentId);
  }
}

export interface Reservation {
  voucher: Voucher;
  discountCents: number;
  amountCents: number;
}

/**
 * Finds the voucher by code (case-insensitive; inactive or outside its window = not found), locks it,
 * checks that it applies and that a use is left, in all (uses plus open checkouts' reservations, below
 * max_uses) and for this student (uses and reservations below max_uses_per_student). The lock makes
 * concurrent checkouts on one voucher count one after the other. The caller records the reservation by
 * inserting its pending payment with voucher_id.
 */
export async function reserveVoucher(ctx: OperationContext, rawCode: string, studentId: string, purchase: Purchase): Promise<Reservation> {
  const code = normalizeVoucherCode(rawCode);
  const [voucher] = await ctx.tx
    .select()
    .from(vouchers)
    .where(
      and(
        eq(vouchers.code, code),
        eq(vouchers.isActive, true),
        lte(vouchers.validFrom, sql`now()`),
        or(isNull(vouchers.validUntil), gt(vouchers.validUntil, sql`now()`)),
      ),
    )
    .for('update');
  if (!voucher) throw new VoucherNotFoundError(code);
  const discount = voucherDiscount(voucher, purchase);
  if (!discount.ok) throw new VoucherNotApplicableError(`voucher ${code}: ${discount.reason}`);
  const [held] = await ctx.tx
    .select({
      reserved: sql<number>`count(*) filter (where ${inArray(payments.status, OPEN_PAYMENT_STATUSES)})::int`,
      byStudent: sql<number>`count(*) filter (where ${payments.studentId} = ${studentId} and ${payments.status} <> 'failed')::int`,
    })
    .from(payments)
    .where(eq(payments.voucherId, voucher.id));
  if (voucher.maxUses !== null && voucher.timesUsed + held.reserved >= voucher.maxUses) {
    throw new VoucherExhaustedError(`voucher ${code} has no use left (${voucher.maxUses} in all)`, 'max_uses');
  }
  if (voucher.maxUsesPerStudent !== null && held.byStudent >= voucher.maxUsesPerStudent) {
    throw new VoucherExhaustedError(`voucher ${code} was used ${held.byStudent} time(s) by this student (at most ${voucher.maxUsesPerStudent})`, 'max_uses_per_student');
  }
  return { voucher, discountCents: discount.discountCents, amountCents: discount.amountCents };
}
