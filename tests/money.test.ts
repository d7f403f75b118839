// Money through the access layer (issue 10), on both engines, as a member of nexdrive_app: checkouts
// with vouchers, completion by webhook (idempotent) with the database's invoice numbers, failures and
// expiry, manual payments, package credits, refunds; then the rules the database keeps on its own
// (invoice numbers, payment status moves, one payment per gateway payment). Concurrency is in
// tests/money-concurrency.test.ts (server only).
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completePayment, expirePackages, expirePendingPayments, failPayment, recordManualPayment, redeemCredit, refundPayment, returnCredit,
  startPayment, systemActor,
} from '../src/access/index.js';
import { NotFoundError, ValidationError, sqlstateOf, toDbError } from '../src/db/errors.js';
import { auditLog, bookings, payments, studentPackages, vouchers } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { BUSINESS_TIME_ZONE, PAYMENT_HOLD_MINUTES } from '../src/domain/rules.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, createInstructor, createSchoolBasics, createStudent, failureOf, serviceId as seededService, validRows } from './support/fixtures.js';
import { cancelledCreditBooking, creditBooking, createPackage, createVoucher, givePackage, insertPayment, unpaidBooking } from './support/money.js';

let t: TestDb;
let asAdmin: ReturnType<typeof actorOf.admin>;
const webhook = systemActor('webhook:stripe');
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
  asAdmin = actorOf.admin(await createAdmin(t.db));
});
afterAll(() => t.dispose());

async function school() {
  const { instructor, student, serviceId } = await createSchoolBasics(t.db);
  return {
    instructor, student, serviceId,
    people: { instructorId: instructor.id, studentId: student.id, serviceId },
    asStudent: actorOf.student(student),
    asInstructor: actorOf.instructor(instructor),
  };
}

const row = async <T extends typeof payments | typeof bookings | typeof vouchers | typeof studentPackages>(table: T, id: string) =>
  (await t.db.select().from(table as typeof payments).where(eq((table as typeof payments).id, id)))[0] as unknown as T['$inferSelect'];

const auditOf = (subjectId: string, eventType: string) =>
  t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, subjectId), eq(auditLog.eventType, eventType)));

const canberraYear = (at = new Date()) => Number(new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_TIME_ZONE, year: 'numeric' }).format(at));

/** The highest invoice number given this Canberra year, as an integer (0: none yet). */
async function lastInvoiceNumber(): Promise<number> {
  const [{ n }] = await queryRows<{ n: number }>(
    t.db,
    sql`select coalesce(max(substr(invoice_number, 10)::int), 0)::int as n from payments where invoice_number like ${`NXD-${canberraYear()}-%`}`,
  );
  return n;
}
const invoice = (n: number) => `NXD-${canberraYear()}-${String(n).padStart(4, '0')}`;

describe(startPayment.name, () => {
  it("opens a pending payment for the booking's amount_cents (10,500), no invoice number, held 30 minutes, audited", async () => {
    const s = await school();
    const booking = await unpaidBooking(t.db, s.people, 10500);
    const result = await startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: booking.id, method: 'card', gateway: 'Stripe' });
    expect(result.payment).toMatchObject({ status: 'pending', amountCents: 10500, discountCents: 0, invoiceNumber: null, bookingId: booking.id, paymentMethod: 'card' });
    expect(result.holdExpiresAt!.getTime() - result.payment.createdAt.getTime()).toBe(PAYMENT_HOLD_MINUTES * 60_000);
    expect((await row(payments, result.payment.id)).gateway).toBe('stripe');
    expect((await row(bookings, booking.id)).paymentStatus).toBe('unpaid');
    const [entry] = await auditOf(result.payment.id, 'PAYMENT_STARTED');
    expect(entry).toMatchObject({ actorId: s.student.userId, actorRole: 'student', details: { amountCents: 10500 } });
  });

  it('takes 15% off 9,999 cents as 1,500 (rounded up in the student’s favour) and reserves the voucher without using it', async () => {
    const s = await school();
    const voucher = await createVoucher(t.db, { discountPercent: 15, maxUses: 5 });
    const booking = await unpaidBooking(t.db, s.people, 9999);
    const { payment } = await startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: booking.id, method: 'card', gateway: 'stripe', voucherCode: voucher.code.toLowerCase() });
    expect(payment).toMatchObject({ amountCents: 8499, discountCents: 1500, voucherId: voucher.id, status: 'pending' });
    expect((await row(vouchers, voucher.id)).timesUsed).toBe(0); // consumed at completion, not at checkout
  });

  it('completes at once, with an invoice number, when a voucher leaves nothing to pay (fixed 200.00 on 105.00)', async () => {
    const s = await school();
    const voucher = await createVoucher(t.db, { voucherType: 'fixed_amount', discountPercent: null, discountCents: 20000 });
    const booking = await unpaidBooking(t.db, s.people, 10500);
    const before = await lastInvoiceNumber();
    const result = await startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: booking.id, method: 'card', gateway: 'stripe', voucherCode: voucher.code });
    expect(result.payment).toMatchObject({ status: 'completed', amountCents: 0, discountCents: 10500, paymentMethod: 'voucher', invoiceNumber: invoice(before + 1) });
    expect(result.holdExpiresAt).toBeNull();
    expect(await row(bookings, booking.id)).toMatchObject({ paymentStatus: 'paid', paymentId: result.payment.id });
    expect((await row(vouchers, voucher.id)).timesUsed).toBe(1);
  });

  it('lets a free-lesson voucher pay a lesson, and refuses it on a package (VOUCHER_NOT_APPLICABLE)', async () => {
    const s = await school();
    const voucher = await createVoucher(t.db, { voucherType: 'free_lesson', discountPercent: null, maxUsesPerStudent: 5 });
    const booking = await unpaidBooking(t.db, s.people, 10500);
    const lesson = await startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: booking.id, method: 'card', gateway: 'stripe', voucherCode: voucher.code });
    expect(lesson.payment).toMatchObject({ amountCents: 0, status: 'completed' });
    const pkg = await createPackage(t.db);
    const err = await failureOf(() => startPayment(t.db, s.asStudent, { studentId: s.student.id, packageId: pkg.id, method: 'card', gateway: 'stripe', voucherCode: voucher.code }));
    expect(err).toMatchObject({ code: 'VOUCHER_NOT_APPLICABLE' });
  });

  it('treats a voucher outside its window or inactive as not there (VOUCHER_NOT_FOUND), and writes nothing', async () => {
    const s = await school();
    const day = 86_400_000;
    const notYet = await createVoucher(t.db, { validFrom: new Date(Date.now() + day) });
    const over = await createVoucher(t.db, { validFrom: new Date(Date.now() - 2 * day), validUntil: new Date(Date.now() - day) });
    const off = await createVoucher(t.db, { isActive: false });
    const booking = await unpaidBooking(t.db, s.people);
    for (const code of [notYet.code, over.code, off.code, 'NO-SUCH-CODE']) {
      const err = await failureOf(() => startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: booking.id, method: 'card', gateway: 'stripe', voucherCode: code }));
      expect(err, code).toMatchObject({ code: 'VOUCHER_NOT_FOUND' });
    }
    expect(await t.db.$count(payments, eq(payments.bookingId, booking.id))).toBe(0);
  });

  it('refuses a voucher for another service (VOUCHER_NOT_APPLICABLE)', async () => {
    const s = await school();
    const voucher = await createVoucher(t.db, { applicableServices: [await seededService(t.db, 'co-lesson-60')] });
    const booking = await unpaidBooking(t.db, s.people);
    const err = await failureOf(() => startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: booking.id, method: 'card', gateway: 'stripe', voucherCode: voucher.code }));
    expect(err).toMatchObject({ code: 'VOUCHER_NOT_APPLICABLE' });
  });

  it('holds max_uses_per_student (1): the same student is refused a second use, another student is not', async () => {
    const s = await school();
    const voucher = await createVoucher(t.db, { maxUses: 10, maxUsesPerStudent: 1 });
    const first = await startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: (await unpaidBooking(t.db, s.people)).id, method: 'card', gateway: 'stripe', voucherCode: voucher.code });
    await completePayment(t.db, webhook, { paymentId: first.payment.id, gateway: 'stripe', gatewayPaymentId: `pi_${first.payment.id}` });
    const second = await unpaidBooking(t.db, s.people);
    const again = await failureOf(() => startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: second.id, method: 'card', gateway: 'stripe', voucherCode: voucher.code }));
    expect(again).toMatchObject({ code: 'VOUCHER_EXHAUSTED', limit: 'max_uses_per_student' });
    const other = await createStudent(t.db, s.instructor.id);
    const theirs = await startPayment(t.db, actorOf.student(other), {
      studentId: other.id, bookingId: (await unpaidBooking(t.db, { ...s.people, studentId: other.id })).id, method: 'card', gateway: 'stripe', voucherCode: voucher.code,
    });
    expect(theirs.payment.voucherId).toBe(voucher.id);
  });

  it('counts an open checkout against max_uses (1), and a failed one gives its use back', async () => {
    const s = await school();
    const voucher = await createVoucher(t.db, { maxUses: 1 });
    const other = await createStudent(t.db, s.instructor.id);
    const mine = await startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: (await unpaidBooking(t.db, s.people)).id, method: 'card', gateway: 'stripe', voucherCode: voucher.code });
    const otherBooking = await unpaidBooking(t.db, { ...s.people, studentId: other.id });
    const refused = await failureOf(() => startPayment(t.db, actorOf.student(other), { studentId: other.id, bookingId: otherBooking.id, method: 'card', gateway: 'stripe', voucherCode: voucher.code }));
    expect(refused).toMatchObject({ code: 'VOUCHER_EXHAUSTED', limit: 'max_uses' });
    await failPayment(t.db, webhook, { paymentId: mine.payment.id, reason: 'card_declined', gatewayPaymentId: `pi_${mine.payment.id}` });
    const theirs = await startPayment(t.db, actorOf.student(other), { studentId: other.id, bookingId: otherBooking.id, method: 'card', gateway: 'stripe', voucherCode: voucher.code });
    expect(theirs.payment.voucherId).toBe(voucher.id);
  });

  it('refuses a paid booking (ALREADY_PAID), one with an open checkout (PAYMENT_IN_PROGRESS), a cancelled one (NOT_PAYABLE), another student’s (NOT_FOUND)', async () => {
    const s = await school();
    const booking = await unpaidBooking(t.db, s.people);
    const open = await startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: booking.id, method: 'card', gateway: 'stripe' });
    const start = (bookingId: string) => failureOf(() => startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId, method: 'card', gateway: 'stripe' }));
    expect(await start(booking.id)).toMatchObject({ code: 'PAYMENT_IN_PROGRESS', paymentId: open.payment.id });
    await completePayment(t.db, webhook, { paymentId: open.payment.id, gatewayPaymentId: `pi_${open.payment.id}` });
    expect(await start(booking.id)).toMatchObject({ code: 'ALREADY_PAID' });
    const cancelled = await unpaidBooking(t.db, s.people);
    await t.db.update(bookings).set({ status: 'cancelled', cancelledAt: new Date(), cancelledBy: s.student.userId }).where(eq(bookings.id, cancelled.id));
    expect(await start(cancelled.id)).toMatchObject({ code: 'NOT_PAYABLE' });
    const other = await createStudent(t.db, s.instructor.id);
    expect(await start((await unpaidBooking(t.db, { ...s.people, studentId: other.id })).id)).toBeInstanceOf(NotFoundError);
  });

  it('prices a package purchase at the package’s price; a package not on sale is NOT_FOUND', async () => {
    const s = await school();
    const pkg = await createPackage(t.db, { priceCents: 95000 });
    const { payment } = await startPayment(t.db, s.asStudent, { studentId: s.student.id, packageId: pkg.id, method: 'card', gateway: 'stripe' });
    expect(payment).toMatchObject({ amountCents: 95000, packageId: pkg.id, bookingId: null });
    const off = await createPackage(t.db, { isActive: false });
    expect(await failureOf(() => startPayment(t.db, s.asStudent, { studentId: s.student.id, packageId: off.id, method: 'card', gateway: 'stripe' }))).toBeInstanceOf(NotFoundError);
  });

  it.each([
    ['both a booking and a package', { packageId: '00000000-0000-4000-8000-000000000001' }, ['bookingId']],
    ['neither', { bookingId: undefined }, ['bookingId']],
    ['cash (a manual payment, not a checkout)', { method: 'cash' }, ['method']],
    ['package_credit (redeemCredit, not a checkout)', { method: 'package_credit' }, ['method']],
  ])('refuses %s with VALIDATION_ERROR naming the field', async (_label, change, fields) => {
    const s = await school();
    const booking = await unpaidBooking(t.db, s.people);
    const err = await failureOf(() => startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: booking.id, method: 'card', gateway: 'stripe', ...change } as never));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toEqual(fields);
  });
});

describe(completePayment.name, () => {
  it('completes a checkout: the next invoice number of the Canberra year, the booking paid, the voucher used, audited without the gateway response', async () => {
    const s = await school();
    const voucher = await createVoucher(t.db);
    const booking = await unpaidBooking(t.db, s.people, 10500);
    const { payment } = await startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: booking.id, method: 'card', gateway: 'stripe', voucherCode: voucher.code });
    const before = await lastInvoiceNumber();
    const result = await completePayment(t.db, webhook, { paymentId: payment.id, gateway: 'stripe', gatewayPaymentId: 'pi_complete_1', gatewayResponse: { card: '4242 secret' } });
    expect(result).toMatchObject({ alreadyCompleted: false, payment: { status: 'completed', amountCents: 9450, invoiceNumber: invoice(before + 1) } });
    expect(result.payment).not.toHaveProperty('gatewayResponse');
    expect(await row(bookings, booking.id)).toMatchObject({ paymentStatus: 'paid', paymentId: payment.id });
    expect((await row(vouchers, voucher.id)).timesUsed).toBe(1);
    const [entry] = await auditOf(payment.id, 'PAYMENT_COMPLETED');
    expect(entry).toMatchObject({ actorId: null, actorRole: 'system', details: { systemActor: 'webhook:stripe', invoiceNumber: invoice(before + 1), gatewayPaymentId: 'pi_complete_1' } });
    expect(JSON.stringify(entry.details)).not.toContain('secret');
  });

  it('answers a repeated webhook with the same result and changes nothing (one package, one use, one audit entry)', async () => {
    const s = await school();
    const pkg = await createPackage(t.db, { totalCredits: 5, validForDays: 90 });
    const voucher = await createVoucher(t.db);
    const { payment } = await startPayment(t.db, s.asStudent, { studentId: s.student.id, packageId: pkg.id, method: 'card', gateway: 'stripe', voucherCode: voucher.code });
    const input = { paymentId: payment.id, gateway: 'stripe', gatewayPaymentId: 'pi_repeat_1' };
    const first = await completePayment(t.db, webhook, input);
    const second = await completePayment(t.db, webhook, input);
    const third = await completePayment(t.db, asAdmin, { paymentId: payment.id }); // a repeat by hand, without the gateway's id
    expect(second).toEqual({ ...first, alreadyCompleted: true });
    expect(third).toEqual(second);
    expect(await t.db.$count(studentPackages, eq(studentPackages.paymentId, payment.id))).toBe(1);
    expect((await row(vouchers, voucher.id)).timesUsed).toBe(1);
    expect(await auditOf(payment.id, 'PAYMENT_COMPLETED')).toHaveLength(1);
  });

  it('activates a package purchase: credits_total from the package, expiring valid_for_days later at the same Canberra wall-clock time', async () => {
    const s = await school();
    const pkg = await createPackage(t.db, { totalCredits: 10, validForDays: 180 });
    const forever = await createPackage(t.db, { totalCredits: 3, validForDays: null });
    const buy = async (packageId: string) => {
      const { payment } = await startPayment(t.db, s.asStudent, { studentId: s.student.id, packageId, method: 'card', gateway: 'stripe' });
      const { studentPackageId } = await completePayment(t.db, webhook, { paymentId: payment.id, gatewayPaymentId: `pi_${payment.id}` });
      return row(studentPackages, studentPackageId!);
    };
    const held = await buy(pkg.id);
    expect(held).toMatchObject({ studentId: s.student.id, packageId: pkg.id, creditsTotal: 10, creditsUsed: 0, creditsRemaining: 10, status: 'active' });
    const wallClock = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_TIME_ZONE, dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' }).format(d);
    const [date, time] = wallClock(held.purchasedAt).split(', ');
    const [y, m, d] = date.split('-').map(Number);
    expect(wallClock(held.expiresAt!)).toBe(`${new Date(Date.UTC(y, m - 1, d + 180)).toISOString().slice(0, 10)}, ${time}`);
    expect((await buy(forever.id)).expiresAt).toBeNull();
  });

  it('refuses a completion under another gateway payment id once completed (GATEWAY_PAYMENT_MISMATCH), and a gateway payment already recorded on another payment (DUPLICATE_GATEWAY_PAYMENT)', async () => {
    const s = await school();
    const a = await insertPayment(t.db, s.student.id, { gateway: 'stripe' });
    const b = await insertPayment(t.db, s.student.id, { gateway: 'stripe' });
    await completePayment(t.db, webhook, { paymentId: a.id, gatewayPaymentId: 'pi_dup_1' });
    expect(await failureOf(() => completePayment(t.db, webhook, { paymentId: a.id, gatewayPaymentId: 'pi_other' }))).toMatchObject({ code: 'GATEWAY_PAYMENT_MISMATCH' });
    expect(await failureOf(() => completePayment(t.db, asAdmin, { paymentId: a.id, gateway: 'tyro' }))).toMatchObject({ code: 'GATEWAY_PAYMENT_MISMATCH' });
    expect(await failureOf(() => completePayment(t.db, webhook, { paymentId: b.id, gatewayPaymentId: 'pi_dup_1' }))).toMatchObject({ code: 'DUPLICATE_GATEWAY_PAYMENT' });
    expect(await row(payments, b.id)).toMatchObject({ status: 'pending', invoiceNumber: null });
  });

  it('refuses to complete a failed payment (INVALID_TRANSITION); it took no number, so the next completion has no gap', async () => {
    const s = await school();
    const failed = await insertPayment(t.db, s.student.id, { gateway: 'stripe' });
    await failPayment(t.db, webhook, { paymentId: failed.id, reason: 'card_declined', gatewayPaymentId: `pi_${failed.id}` });
    const before = await lastInvoiceNumber();
    expect(await failureOf(() => completePayment(t.db, webhook, { paymentId: failed.id, gatewayPaymentId: `pi_${failed.id}` }))).toMatchObject({ code: 'INVALID_TRANSITION', from: 'failed', to: 'completed' });
    expect((await row(payments, failed.id)).invoiceNumber).toBeNull();
    const next = await completePayment(t.db, webhook, { paymentId: (await insertPayment(t.db, s.student.id, { gateway: 'stripe' })).id, gatewayPaymentId: 'pi_after_failed' });
    expect(next.payment.invoiceNumber).toBe(invoice(before + 1));
  });

  it('refuses a gateway payment id without a gateway (VALIDATION_ERROR)', async () => {
    const s = await school();
    const p = await insertPayment(t.db, s.student.id);
    const err = await failureOf(() => completePayment(t.db, asAdmin, { paymentId: p.id, gatewayPaymentId: 'pi_1' }));
    expect(err).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['gateway'] });
  });

  it('treats an unknown payment as NOT_FOUND', async () => {
    expect(await failureOf(() => completePayment(t.db, webhook, { paymentId: '00000000-0000-4000-8000-00000000dead', gatewayPaymentId: `pi_${'00000000-0000-4000-8000-00000000dead'}` }))).toBeInstanceOf(NotFoundError);
  });
});

describe(failPayment.name, () => {
  it('fails an open payment (no invoice number, voucher released, reason audited); a repeat changes nothing; a completed one is INVALID_TRANSITION', async () => {
    const s = await school();
    const voucher = await createVoucher(t.db, { maxUses: 1 });
    const { payment } = await startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: (await unpaidBooking(t.db, s.people)).id, method: 'card', gateway: 'stripe', voucherCode: voucher.code });
    const result = await failPayment(t.db, webhook, { paymentId: payment.id, reason: 'card_declined', gatewayPaymentId: `pi_${payment.id}` });
    expect(result).toMatchObject({ alreadyFailed: false, payment: { status: 'failed', invoiceNumber: null } });
    expect(await failPayment(t.db, webhook, { paymentId: payment.id, reason: 'card_declined', gatewayPaymentId: `pi_${payment.id}` })).toMatchObject({ alreadyFailed: true });
    expect(await auditOf(payment.id, 'PAYMENT_FAILED')).toMatchObject([{ details: { reason: 'card_declined' } }]);
    const other = await startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: (await unpaidBooking(t.db, s.people)).id, method: 'card', gateway: 'stripe', voucherCode: voucher.code });
    expect(other.payment.voucherId).toBe(voucher.id); // the use came back
    await completePayment(t.db, webhook, { paymentId: other.payment.id, gatewayPaymentId: `pi_${other.payment.id}` });
    expect(await failureOf(() => failPayment(t.db, webhook, { paymentId: other.payment.id, reason: 'late', gatewayPaymentId: `pi_${other.payment.id}` }))).toMatchObject({ code: 'INVALID_TRANSITION' });
  });
});

describe(expirePendingPayments.name, () => {
  it(`fails payments pending ${PAYMENT_HOLD_MINUTES} minutes or more, releasing their vouchers, and no younger ones`, async () => {
    const s = await school();
    const voucher = await createVoucher(t.db, { maxUses: 1 });
    const { payment } = await startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: (await unpaidBooking(t.db, s.people)).id, method: 'card', gateway: 'stripe', voucherCode: voucher.code });
    const at = (minutes: number) => new Date(payment.createdAt.getTime() + minutes * 60_000);
    const early = await expirePendingPayments(t.db, systemActor('cron:expire-payments'), { now: at(PAYMENT_HOLD_MINUTES - 1) });
    expect(early.expired.map((e) => e.paymentId)).not.toContain(payment.id);
    // + 1 ms: created_at has microseconds, a JavaScript Date only milliseconds
    const due = await expirePendingPayments(t.db, systemActor('cron:expire-payments'), { now: new Date(at(PAYMENT_HOLD_MINUTES).getTime() + 1) });
    expect(due.expired).toContainEqual({ paymentId: payment.id, studentId: s.student.id, bookingId: payment.bookingId, gateway: 'stripe' });
    expect(await row(payments, payment.id)).toMatchObject({ status: 'failed', invoiceNumber: null });
    expect(await failureOf(() => completePayment(t.db, webhook, { paymentId: payment.id, gatewayPaymentId: `pi_${payment.id}` }))).toMatchObject({ code: 'INVALID_TRANSITION' });
    const again = await startPayment(t.db, s.asStudent, { studentId: s.student.id, bookingId: payment.bookingId!, method: 'card', gateway: 'stripe', voucherCode: voucher.code });
    expect(again.payment.voucherId).toBe(voucher.id);
  });
});

describe(recordManualPayment.name, () => {
  it("records the instructor's cash payment completed at once: invoice number, booking paid, audited as the instructor", async () => {
    const s = await school();
    const booking = await unpaidBooking(t.db, s.people, 10500);
    const before = await lastInvoiceNumber();
    const { payment } = await recordManualPayment(t.db, s.asInstructor, { studentId: s.student.id, bookingId: booking.id, method: 'cash' });
    expect(payment).toMatchObject({ status: 'completed', paymentMethod: 'cash', amountCents: 10500, invoiceNumber: invoice(before + 1) });
    expect((await row(bookings, booking.id)).paymentStatus).toBe('paid');
    // (the number is the database's, given by the same statement that writes the entry)
    expect(await auditOf(payment.id, 'PAYMENT_RECORDED')).toMatchObject([{ actorId: s.instructor.userId, actorRole: 'instructor', details: { invoiceNumber: invoice(before + 1) } }]);
  });

  it("gives a package bought in cash, and treats another instructor's student as not there", async () => {
    const s = await school();
    const pkg = await createPackage(t.db, { totalCredits: 4 });
    const { studentPackageId } = await recordManualPayment(t.db, asAdmin, { studentId: s.student.id, packageId: pkg.id, method: 'direct_debit' });
    expect(await row(studentPackages, studentPackageId!)).toMatchObject({ creditsTotal: 4, status: 'active' });
    const stranger = actorOf.instructor(await createInstructor(t.db));
    const err = await failureOf(() => recordManualPayment(t.db, stranger, { studentId: s.student.id, packageId: pkg.id, method: 'cash' }));
    expect(err).toBeInstanceOf(NotFoundError);
  });
});

describe(redeemCredit.name, () => {
  const day = 86_400_000;
  const inDays = (n: number) => new Date(Date.now() + n * day);

  it('takes the credit from the eligible package that expires first, and says how many are left', async () => {
    const s = await school();
    const later = await givePackage(t.db, s.student.id, { expiresAt: inDays(60) });
    const sooner = await givePackage(t.db, s.student.id, { expiresAt: inDays(30) });
    const otherService = await createPackage(t.db, { applicableServices: [await seededService(t.db, 'co-lesson-60')] });
    await givePackage(t.db, s.student.id, { packageId: otherService.id, expiresAt: inDays(1) });
    await givePackage(t.db, s.student.id, { expiresAt: null });
    const booking = await unpaidBooking(t.db, s.people);
    const result = await redeemCredit(t.db, s.asStudent, { bookingId: booking.id });
    expect(result).toMatchObject({ studentPackageId: sooner.id, creditsRemaining: 9, low: false, packageStatus: 'active' });
    expect((await row(studentPackages, later.id)).creditsUsed).toBe(0);
    expect(await row(bookings, booking.id)).toMatchObject({ paymentStatus: 'package_credit', paymentId: result.paymentId });
    expect(await row(payments, result.paymentId)).toMatchObject({
      paymentMethod: 'package_credit', amountCents: 0, status: 'completed', invoiceNumber: null, studentPackageId: sooner.id, packageId: sooner.packageId,
    });
    expect(await auditOf(booking.id, 'PACKAGE_CREDIT_USED')).toMatchObject([{ actorId: s.student.userId, details: { studentPackageId: sooner.id, creditsRemaining: 9 } }]);
  });

  it('breaks an expiry tie by the earliest purchase', async () => {
    const s = await school();
    const expiresAt = inDays(30);
    await givePackage(t.db, s.student.id, { expiresAt, purchasedAt: inDays(-1) });
    const older = await givePackage(t.db, s.student.id, { expiresAt, purchasedAt: inDays(-10) });
    expect((await redeemCredit(t.db, s.asStudent, { bookingId: (await unpaidBooking(t.db, s.people)).id })).studentPackageId).toBe(older.id);
  });

  it('exhausts a package at zero (low: true), then answers NO_CREDITS; a package past expires_at is not used', async () => {
    const s = await school();
    const last = await givePackage(t.db, s.student.id, { creditsTotal: 3, creditsUsed: 2 });
    await givePackage(t.db, s.student.id, { expiresAt: inDays(-1) }); // past expiry, not yet marked by expirePackages
    const result = await redeemCredit(t.db, s.asStudent, { bookingId: (await unpaidBooking(t.db, s.people)).id });
    expect(result).toMatchObject({ studentPackageId: last.id, creditsRemaining: 0, low: true, packageStatus: 'exhausted' });
    const booking = await unpaidBooking(t.db, s.people);
    expect(await failureOf(() => redeemCredit(t.db, s.asStudent, { bookingId: booking.id }))).toMatchObject({ code: 'NO_CREDITS' });
    expect((await row(bookings, booking.id)).paymentStatus).toBe('unpaid');
  });

  it('refuses a booking that is paid already (ALREADY_PAID), spending no credit', async () => {
    const s = await school();
    const held = await givePackage(t.db, s.student.id);
    const booking = await unpaidBooking(t.db, s.people);
    await redeemCredit(t.db, s.asStudent, { bookingId: booking.id });
    expect(await failureOf(() => redeemCredit(t.db, s.asStudent, { bookingId: booking.id }))).toMatchObject({ code: 'ALREADY_PAID' });
    expect((await row(studentPackages, held.id)).creditsUsed).toBe(1);
  });
});

describe(returnCredit.name, () => {
  it('gives the credit back to its own package once (exhausted becomes active), marking the booking and the credit refunded', async () => {
    const s = await school();
    const held = await givePackage(t.db, s.student.id, { creditsTotal: 1 });
    const booking = await unpaidBooking(t.db, s.people);
    const used = await redeemCredit(t.db, s.asStudent, { bookingId: booking.id });
    expect(used.packageStatus).toBe('exhausted');
    await t.db.update(bookings).set({ status: 'cancelled', cancelledAt: new Date(), cancelledBy: s.student.userId }).where(eq(bookings.id, booking.id));
    const back = await returnCredit(t.db, s.asInstructor, { bookingId: booking.id });
    expect(back).toMatchObject({ studentPackageId: held.id, creditsRemaining: 1, packageStatus: 'active' });
    expect(await row(bookings, booking.id)).toMatchObject({ paymentStatus: 'refunded' });
    expect(await row(payments, used.paymentId)).toMatchObject({ status: 'refunded', invoiceNumber: null });
    const again = await failureOf(() => returnCredit(t.db, s.asInstructor, { bookingId: booking.id }));
    expect(again).toMatchObject({ code: 'CREDIT_NOT_RETURNABLE', reason: 'already_returned' });
    expect((await row(studentPackages, held.id)).creditsUsed).toBe(0);
  });

  it('refuses an active booking and a cancelled booking paid by card (CREDIT_NOT_RETURNABLE)', async () => {
    const s = await school();
    const { booking } = await creditBooking(t.db, s.people, false);
    expect(await failureOf(() => returnCredit(t.db, asAdmin, { bookingId: booking.id }))).toMatchObject({ reason: 'booking_active' });
    const card = await unpaidBooking(t.db, s.people);
    await recordManualPayment(t.db, asAdmin, { studentId: s.student.id, bookingId: card.id, method: 'cash' });
    await t.db.update(bookings).set({ status: 'cancelled', cancelledAt: new Date(), cancelledBy: 'user_admin' }).where(eq(bookings.id, card.id));
    expect(await failureOf(() => returnCredit(t.db, asAdmin, { bookingId: card.id }))).toMatchObject({ reason: 'not_paid_by_credit' });
  });
});

describe(expirePackages.name, () => {
  it('marks active packages past expires_at expired at `now`, and leaves the others', async () => {
    const s = await school();
    const now = new Date('2031-03-01T00:00:00Z');
    const past = await givePackage(t.db, s.student.id, { expiresAt: new Date('2031-02-28T23:59:59Z') });
    const future = await givePackage(t.db, s.student.id, { expiresAt: new Date('2031-03-01T00:00:01Z') });
    const never = await givePackage(t.db, s.student.id, { expiresAt: null });
    const { expired } = await expirePackages(t.db, asAdmin, { now });
    expect(expired).toContainEqual({ studentPackageId: past.id, studentId: s.student.id });
    expect(expired.map((e) => e.studentPackageId)).not.toContain(future.id);
    expect((await row(studentPackages, past.id)).status).toBe('expired');
    expect((await row(studentPackages, future.id)).status).toBe('active');
    expect((await row(studentPackages, never.id)).status).toBe('active');
  });
});

describe(refundPayment.name, () => {
  async function paidBooking() {
    const s = await school();
    const booking = await unpaidBooking(t.db, s.people, 10500);
    const { payment } = await recordManualPayment(t.db, asAdmin, { studentId: s.student.id, bookingId: booking.id, method: 'cash' });
    return { ...s, booking, payment };
  }

  it('refunds in parts, never more than what is left (REFUND_EXCEEDS_PAYMENT), and the booking follows a full refund', async () => {
    const { booking, payment } = await paidBooking();
    const part = await refundPayment(t.db, asAdmin, { paymentId: payment.id, amountCents: 4000, reason: 'lesson cut short' });
    expect(part).toMatchObject({ refundableCents: 6500, payment: { status: 'partially_refunded', refundAmountCents: 4000, amountCents: 10500 } });
    expect((await row(bookings, booking.id)).paymentStatus).toBe('paid');
    const over = await failureOf(() => refundPayment(t.db, asAdmin, { paymentId: payment.id, amountCents: 6501, reason: 'too much' }));
    expect(over).toMatchObject({ code: 'REFUND_EXCEEDS_PAYMENT', refundableCents: 6500 });
    expect((await row(payments, payment.id)).refundAmountCents).toBe(4000);
    const rest = await refundPayment(t.db, asAdmin, { paymentId: payment.id, amountCents: 6500, reason: 'instructor ill' });
    expect(rest).toMatchObject({ refundableCents: 0, payment: { status: 'refunded', refundAmountCents: 10500, invoiceNumber: payment.invoiceNumber } });
    expect((await row(bookings, booking.id)).paymentStatus).toBe('refunded');
    expect(await failureOf(() => refundPayment(t.db, asAdmin, { paymentId: payment.id, amountCents: 1, reason: 'again' }))).toMatchObject({ code: 'INVALID_TRANSITION' });
    expect(await auditOf(payment.id, 'PAYMENT_REFUNDED')).toHaveLength(2);
  });

  it('refuses to refund a payment that has not completed (INVALID_TRANSITION) and a refund of 0 cents (VALIDATION_ERROR)', async () => {
    const s = await school();
    const pending = await insertPayment(t.db, s.student.id, { gateway: 'stripe' });
    expect(await failureOf(() => refundPayment(t.db, asAdmin, { paymentId: pending.id, amountCents: 100, reason: 'x' }))).toMatchObject({ code: 'INVALID_TRANSITION' });
    expect(await failureOf(() => refundPayment(t.db, asAdmin, { paymentId: pending.id, amountCents: 0, reason: 'x' }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['amountCents'] });
  });

  it("cancels the refunded student's package only, not another student's copy of the same package; a partial refund cancels nothing", async () => {
    const s = await school();
    const other = await createStudent(t.db, s.instructor.id);
    const pkg = await createPackage(t.db, { priceCents: 95000 });
    const buy = async (studentId: string) => {
      const { payment } = await recordManualPayment(t.db, asAdmin, { studentId, packageId: pkg.id, method: 'cash' });
      return (await t.db.select().from(studentPackages).where(eq(studentPackages.paymentId, payment.id)))[0];
    };
    const mine = await buy(s.student.id);
    const theirs = await buy(other.id);
    const part = await refundPayment(t.db, asAdmin, { paymentId: mine.paymentId!, amountCents: 5000, reason: 'goodwill' });
    expect(part.cancelledStudentPackageId).toBeNull();
    expect((await row(studentPackages, mine.id)).status).toBe('active');
    const full = await refundPayment(t.db, asAdmin, { paymentId: mine.paymentId!, amountCents: 90000, reason: 'changed their mind' });
    expect(full.cancelledStudentPackageId).toBe(mine.id);
    expect((await row(studentPackages, mine.id)).status).toBe('cancelled');
    expect((await row(studentPackages, theirs.id)).status).toBe('active');
    expect(await t.db.$count(studentPackages, and(eq(studentPackages.packageId, pkg.id), eq(studentPackages.status, 'active')))).toBe(1);
  });
});

describe('the database keeps the money rules (raw SQL as nexdrive_app)', () => {
  const pay = async (values: Partial<typeof payments.$inferInsert> = {}) => insertPayment(t.db, (await school()).student.id, values);

  it('gives a completed payment the next invoice number, and a credit redemption none', async () => {
    const before = await lastInvoiceNumber();
    expect((await pay({ status: 'completed' })).invoiceNumber).toBe(invoice(before + 1));
    const p = await pay();
    const [completed] = await t.db.update(payments).set({ status: 'completed' }).where(eq(payments.id, p.id)).returning();
    expect(completed.invoiceNumber).toBe(invoice(before + 2));
    expect((await pay({ status: 'completed', paymentMethod: 'package_credit', amountCents: 0 })).invoiceNumber).toBeNull();
  });

  it('refuses an invoice number chosen by the caller, on any payment (INVOICE_NUMBER_REFUSED, ND030)', async () => {
    for (const status of ['completed', 'pending'] as const) {
      const err = await failureOf(() => pay({ status, invoiceNumber: 'NXD-2031-0001' }));
      expect(toDbError(err).code, status).toBe('INVOICE_NUMBER_REFUSED');
      expect(sqlstateOf(err)).toBe('ND030');
    }
    const p = await pay();
    expect(toDbError(await failureOf(() => t.db.update(payments).set({ invoiceNumber: 'NXD-2031-0002' }).where(eq(payments.id, p.id)))).code).toBe('INVOICE_NUMBER_REFUSED');
  });

  it('gives back a number whose transaction rolled back: no gap', async () => {
    const before = await lastInvoiceNumber();
    const { student } = await school();
    const err = await failureOf(() =>
      t.db.transaction(async (tx) => {
        const rolledBack = await insertPayment(tx, student.id, { status: 'completed' });
        expect(rolledBack.invoiceNumber).toBe(invoice(before + 1));
        throw new Error('the gateway call failed after all');
      }),
    );
    expect(String(err)).toContain('the gateway call failed');
    expect((await pay({ status: 'completed' })).invoiceNumber).toBe(invoice(before + 1));
  });

  // Without search_path on the functions, pg_temp.payments is read first: the number would be 9001, a gap.
  it('numbers from public.payments even when the session has a temporary table called payments', async () => {
    const before = await lastInvoiceNumber();
    const { student } = await school();
    const given = await t.db.transaction(async (tx) => {
      // Where temporary tables are not allowed at all (REVOKE TEMPORARY), there is nothing to shadow with.
      const shadowed = await tx
        .transaction(async (sp) => {
          await sp.execute(sql`create temp table payments on commit drop as select * from public.payments where false`);
          await sp.execute(sql`insert into pg_temp.payments (id, student_id, amount_cents, payment_method, status, invoice_number)
                                values (gen_random_uuid(), ${student.id}, 1, 'card', 'completed', ${invoice(9000)})`);
          return true;
        })
        .catch(() => false);
      await tx.execute(sql`discard plans`);
      const [row] = await queryRows<{ invoice_number: string }>(
        tx,
        sql`insert into public.payments (student_id, amount_cents, payment_method, status) values (${student.id}, 100, 'card', 'completed') returning invoice_number`,
      );
      return { shadowed, number: row.invoice_number };
    });
    expect(given.number).toBe(invoice(before + 1));
  });

  it('numbers by the Australia/Canberra year: 23:59:59 on 31 December is the old year, 00:00 on 1 January (13:00 UTC) the new one', async () => {
    const next = async (at: string) => (await queryRows<{ n: string }>(t.db, sql`select next_invoice_number(${at}::timestamptz) as n`))[0].n;
    expect(await next('2040-12-31T12:59:59Z')).toBe('NXD-2040-0001');
    expect(await next('2040-12-31T13:00:00Z')).toBe('NXD-2041-0001');
  });

  it.each([
    ['failed', 'completed'],
    ['refunded', 'completed'],
    ['pending', 'refunded'],
    ['completed', 'pending'],
    ['completed', 'failed'],
  ] as const)('refuses a payment moving from %s to %s (INVALID_TRANSITION, ND031)', async (from, to) => {
    const p = await pay({ status: from });
    const err = await failureOf(() => t.db.update(payments).set({ status: to }).where(eq(payments.id, p.id)));
    expect(toDbError(err).code).toBe('INVALID_TRANSITION');
    expect(sqlstateOf(err)).toBe('ND031');
  });

  it('lets a completed payment be disputed and the dispute won (back to completed), keeping its number', async () => {
    const p = await pay({ status: 'completed' });
    for (const status of ['disputed', 'completed', 'partially_refunded', 'refunded'] as const) {
      const [moved] = await t.db.update(payments).set({ status }).where(eq(payments.id, p.id)).returning();
      expect(moved.invoiceNumber).toBe(p.invoiceNumber);
    }
  });

  it('records one payment per gateway payment (DUPLICATE_GATEWAY_PAYMENT)', async () => {
    await pay({ gateway: 'stripe', gatewayPaymentId: 'pi_raw_1' });
    const err = await failureOf(() => pay({ gateway: 'stripe', gatewayPaymentId: 'pi_raw_1' }));
    expect(toDbError(err)).toMatchObject({ code: 'DUPLICATE_GATEWAY_PAYMENT', constraint: 'payments_gateway_payment_unique' });
    await pay({ gateway: 'tyro', gatewayPaymentId: 'pi_raw_1' }); // another gateway's id space
  });

  it("freezes a completed payment's voucher, discount and gateway payment (RECORD_FROZEN)", async () => {
    const voucher = await createVoucher(t.db);
    const p = await pay({ status: 'completed', voucherId: voucher.id, discountCents: 100, gateway: 'stripe', gatewayPaymentId: 'pi_frozen' });
    for (const change of [{ voucherId: null }, { discountCents: 0 }, { gatewayPaymentId: 'pi_else' }]) {
      const err = await failureOf(() => t.db.update(payments).set(change).where(eq(payments.id, p.id)));
      expect(toDbError(err).code, JSON.stringify(change)).toBe('RECORD_FROZEN');
    }
  });

  it('refuses a refund above the amount, whatever writes it (CHECK_VIOLATION)', async () => {
    const p = await pay({ status: 'completed', amountCents: 10500 });
    const err = await failureOf(() => t.db.update(payments).set({ status: 'refunded', refundAmountCents: 10501 }).where(eq(payments.id, p.id)));
    expect(toDbError(err)).toMatchObject({ code: 'CHECK_VIOLATION', constraint: 'payments_refund_amount_cents_check' });
  });

  it('keeps package credits within 0..total whatever writes them (CHECK_VIOLATION)', async () => {
    const { student } = await school();
    const held = await givePackage(t.db, student.id, { creditsTotal: 2 });
    for (const creditsUsed of [3, -1]) {
      const err = await failureOf(() => t.db.update(studentPackages).set({ creditsUsed }).where(eq(studentPackages.id, held.id)));
      expect(toDbError(err)).toMatchObject({ code: 'CHECK_VIOLATION', constraint: 'student_packages_credits_used_check' });
    }
  });
});

describe('invoice numbers past 9999 (as the owner, who may write a number the trigger would refuse)', () => {
  let owner: TestDb;
  beforeAll(async () => {
    owner = await openTestDb({ poolSize: 2 });
  });
  afterAll(() => owner?.dispose());

  it('follow NXD-2042-9999 with NXD-2042-10000 and then 10001 (the numbers are compared as integers, not as text)', async () => {
    const next = async () => (await queryRows<{ n: string }>(owner.db, sql`select next_invoice_number('2042-06-01T00:00:00Z') as n`))[0].n;
    const write = async (invoiceNumber: string) => {
      await owner.db.transaction(async (tx) => {
        await tx.execute(sql`alter table payments disable trigger payments_money_rules`);
        await tx.insert(payments).values({ ...(await validRows.payments(tx)), status: 'completed', invoiceNumber, completedAt: new Date() });
        await tx.execute(sql`alter table payments enable trigger payments_money_rules`);
      });
    };
    await write('NXD-2042-0002');
    await write('NXD-2042-9999');
    expect(await next()).toBe('NXD-2042-10000');
    await write('NXD-2042-10000');
    expect(await next()).toBe('NXD-2042-10001');
  });
});
