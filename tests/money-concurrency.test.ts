// Money under concurrency, on a PostgreSQL server only (PGlite has one connection): invoice numbers
// without gaps or duplicates, credits that never go below zero, voucher limits that hold, a webhook
// delivered five times at once completing once, refunds that never add up to more than was paid, a
// credit returned once. Every call runs in its own transaction on its own connection (pool of 40); each
// refusal must be the expected typed error. Runs as a member of nexdrive_app, as the application does.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completePayment, failPayment, redeemCredit, refundPayment, returnCredit, startPayment, systemActor,
} from '../src/access/index.js';
import { auditLog, bookings, payments, studentPackages, vouchers } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import type { Booking, Student } from '../src/db/types.js';
import { BUSINESS_TIME_ZONE } from '../src/domain/rules.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, createSchoolBasics, createStudent } from './support/fixtures.js';
import { createPackage, createVoucher, givePackage, insertPayment, unpaidBooking } from './support/money.js';

const webhook = systemActor('webhook:stripe');

/** Runs all calls at once; returns what each gave: 'ok' with its value, or the error's code. */
async function allAtOnce<T>(calls: Array<() => Promise<T>>) {
  const settled = await Promise.allSettled(calls.map((call) => call()));
  return settled.map((s) => (s.status === 'fulfilled' ? { ok: true as const, value: s.value } : { ok: false as const, code: (s.reason as { code?: string }).code ?? String(s.reason) }));
}
const codes = (results: Array<{ ok: boolean; code?: string }>) => results.filter((r) => !r.ok).map((r) => r.code);

describe.runIf(onServer)('money under concurrency (PostgreSQL server)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb({ role: 'app', poolSize: 40 });
  });
  afterAll(() => t?.dispose());

  async function school() {
    const { instructor, student, serviceId } = await createSchoolBasics(t.db);
    return { instructor, student, serviceId, people: { instructorId: instructor.id, studentId: student.id, serviceId } };
  }

  // First in this file's fresh database, so this year's numbering starts here at 0001.
  it('20 concurrent completions get invoice numbers 0001..0020 of one Canberra year, no gap, no duplicate', async () => {
    const { instructor } = await school();
    const pending = [];
    for (let i = 0; i < 20; i++) pending.push(await insertPayment(t.db, (await createStudent(t.db, instructor.id)).id, { gateway: 'stripe' }));
    const results = await allAtOnce(pending.map((p, i) => () => completePayment(t.db, webhook, { paymentId: p.id, gatewayPaymentId: `pi_twenty_${i}` })));
    expect(codes(results)).toEqual([]);
    const numbers = results.map((r) => (r.ok ? r.value.payment.invoiceNumber! : '')).sort();
    const year = new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_TIME_ZONE, year: 'numeric' }).format(new Date());
    expect(new Set(numbers.map((n) => n.slice(0, 9)))).toEqual(new Set([`NXD-${year}-`]));
    expect(numbers.map((n) => n.slice(9))).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(4, '0')));
  });

  it('32 concurrent redemptions on a 10-credit package: exactly 10 succeed, 22 are NO_CREDITS, the package is exhausted at 10 used', async () => {
    const s = await school();
    const held = await givePackage(t.db, s.student.id, { creditsTotal: 10 });
    const booked = [];
    for (let i = 0; i < 32; i++) booked.push(await unpaidBooking(t.db, s.people));
    const results = await allAtOnce(booked.map((b) => () => redeemCredit(t.db, actorOf.student(s.student), { bookingId: b.id })));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(codes(results)).toEqual(Array(22).fill('NO_CREDITS'));
    expect(new Set(results.flatMap((r) => (r.ok ? [r.value.creditsRemaining] : [])))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const [after] = await t.db.select().from(studentPackages).where(eq(studentPackages.id, held.id));
    expect(after).toMatchObject({ creditsUsed: 10, creditsRemaining: 0, status: 'exhausted' });
    const paid = await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from bookings where student_id = ${s.student.id} and payment_status = 'package_credit'`);
    expect(paid[0].n).toBe(10);
  });

  it('10 concurrent checkouts on a 3-use voucher: 3 reserved, 7 VOUCHER_EXHAUSTED; a failed payment gives its use back; 3 completions use it up', async () => {
    const s = await school();
    const voucher = await createVoucher(t.db, { maxUses: 3, maxUsesPerStudent: 1 });
    const buyers: Array<{ student: Student; booking: Booking }> = [];
    for (let i = 0; i < 11; i++) {
      const student = await createStudent(t.db, s.instructor.id);
      buyers.push({ student, booking: await unpaidBooking(t.db, { ...s.people, studentId: student.id }) });
    }
    const checkout = (b: (typeof buyers)[number]) => () =>
      startPayment(t.db, actorOf.student(b.student), { studentId: b.student.id, bookingId: b.booking.id, method: 'card', gateway: 'stripe', voucherCode: voucher.code.toLowerCase() });
    const results = await allAtOnce(buyers.slice(0, 10).map(checkout));
    const reserved = results.flatMap((r) => (r.ok ? [r.value.payment] : []));
    expect(reserved).toHaveLength(3);
    expect(codes(results)).toEqual(Array(7).fill('VOUCHER_EXHAUSTED'));
    const late = buyers[10];
    expect((await allAtOnce([checkout(late)]))[0]).toMatchObject({ ok: false, code: 'VOUCHER_EXHAUSTED' });
    await failPayment(t.db, webhook, { paymentId: reserved[0].id, reason: 'card_declined', gatewayPaymentId: `pi_${reserved[0].id}` });
    const again = await allAtOnce([checkout(late)]);
    expect(again[0].ok).toBe(true);
    const open = [...reserved.slice(1), ...again.flatMap((r) => (r.ok ? [r.value.payment] : []))];
    expect(codes(await allAtOnce(open.map((p) => () => completePayment(t.db, webhook, { paymentId: p.id, gatewayPaymentId: `pi_${p.id}` }))))).toEqual([]);
    const [after] = await t.db.select().from(vouchers).where(eq(vouchers.id, voucher.id));
    expect(after.timesUsed).toBe(3);
  });

  it('5 concurrent checkouts by one student on a voucher allowed once per student: exactly 1 is reserved', async () => {
    const s = await school();
    const voucher = await createVoucher(t.db, { maxUses: 100, maxUsesPerStudent: 1 });
    const booked = [];
    for (let i = 0; i < 5; i++) booked.push(await unpaidBooking(t.db, s.people));
    const results = await allAtOnce(
      booked.map((b) => () => startPayment(t.db, actorOf.student(s.student), { studentId: s.student.id, bookingId: b.id, method: 'card', gateway: 'stripe', voucherCode: voucher.code })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(codes(results)).toEqual(Array(4).fill('VOUCHER_EXHAUSTED'));
  });

  it('the same webhook 5 times at once: one completion, one package, one audit entry, and the same invoice number for all 5', async () => {
    const s = await school();
    const pkg = await createPackage(t.db, { totalCredits: 10 });
    const { payment } = await startPayment(t.db, actorOf.student(s.student), { studentId: s.student.id, packageId: pkg.id, method: 'card', gateway: 'stripe' });
    const results = await allAtOnce(Array.from({ length: 5 }, () => () => completePayment(t.db, webhook, { paymentId: payment.id, gateway: 'stripe', gatewayPaymentId: 'pi_five_times' })));
    expect(codes(results)).toEqual([]);
    const values = results.flatMap((r) => (r.ok ? [r.value] : []));
    expect(values.filter((v) => !v.alreadyCompleted)).toHaveLength(1);
    expect(new Set(values.map((v) => v.payment.invoiceNumber)).size).toBe(1);
    expect(values[0].payment.invoiceNumber).toMatch(/^NXD-\d{4}-\d{4}$/);
    expect(new Set(values.map((v) => v.studentPackageId)).size).toBe(1);
    expect(await t.db.$count(studentPackages, eq(studentPackages.paymentId, payment.id))).toBe(1);
    expect(await t.db.$count(auditLog, sql`${auditLog.subjectId} = ${payment.id} and ${auditLog.eventType} = 'PAYMENT_COMPLETED'`)).toBe(1);
  });

  it('two concurrent refunds of 6,000 on a 10,500 payment: one succeeds, the other is REFUND_EXCEEDS_PAYMENT; 6,000 refunded', async () => {
    const s = await school();
    const admin = actorOf.admin(await createAdmin(t.db));
    const paid = await insertPayment(t.db, s.student.id, { status: 'completed', amountCents: 10500 });
    const results = await allAtOnce(Array.from({ length: 2 }, () => () => refundPayment(t.db, admin, { paymentId: paid.id, amountCents: 6000, reason: 'double click' })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(codes(results)).toEqual(['REFUND_EXCEEDS_PAYMENT']);
    const [after] = await t.db.select().from(payments).where(eq(payments.id, paid.id));
    expect(after).toMatchObject({ refundAmountCents: 6000, status: 'partially_refunded' });
  });

  it('a completion under REPEATABLE READ that cannot see a number committed meanwhile is refused (UNIQUE_VIOLATION), never given a duplicate or a gap', async () => {
    const s = await school();
    const [first, second] = [await insertPayment(t.db, s.student.id, { gateway: 'stripe' }), await insertPayment(t.db, s.student.id, { gateway: 'stripe' })];
    const lastNumber = async () =>
      (await queryRows<{ n: string | null }>(t.db, sql`select max(invoice_number) as n from payments where invoice_number is not null`))[0].n;
    const before = await lastNumber();
    const err = await t.db
      .transaction(
        async (tx) => {
          await tx.execute(sql`select count(*) from payments`); // the snapshot is taken here
          await completePayment(t.db, webhook, { paymentId: first.id, gatewayPaymentId: `pi_${first.id}` }); // another transaction, committed
          await completePayment(tx, webhook, { paymentId: second.id, gatewayPaymentId: `pi_${second.id}` });
        },
        { isolationLevel: 'repeatable read' },
      )
      .then(() => null, (e: unknown) => e);
    expect((err as { code?: string } | null)?.code).toBe('UNIQUE_VIOLATION');
    const [after] = await t.db.select().from(payments).where(eq(payments.id, second.id));
    expect(after).toMatchObject({ status: 'pending', invoiceNumber: null });
    const [done] = await t.db.select().from(payments).where(eq(payments.id, first.id));
    expect(done.invoiceNumber! > (before ?? '')).toBe(true);
    expect((await completePayment(t.db, webhook, { paymentId: second.id, gatewayPaymentId: `pi_${second.id}` })).payment.invoiceNumber).toBe(
      `${done.invoiceNumber!.slice(0, 9)}${String(Number(done.invoiceNumber!.slice(9)) + 1).padStart(4, '0')}`,
    );
  });

  it('5 concurrent returns of one cancelled booking’s credit: one succeeds, 4 are CREDIT_NOT_RETURNABLE; the package gets 1 credit back', async () => {
    const s = await school();
    const held = await givePackage(t.db, s.student.id, { creditsTotal: 10 });
    const booking = await unpaidBooking(t.db, s.people);
    await redeemCredit(t.db, actorOf.student(s.student), { bookingId: booking.id });
    await t.db.update(bookings).set({ status: 'cancelled', cancelledAt: new Date(), cancelledBy: s.student.userId }).where(eq(bookings.id, booking.id));
    const results = await allAtOnce(Array.from({ length: 5 }, () => () => returnCredit(t.db, systemActor('cron:return-credits'), { bookingId: booking.id })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(codes(results)).toEqual(Array(4).fill('CREDIT_NOT_RETURNABLE'));
    const [after] = await t.db.select().from(studentPackages).where(eq(studentPackages.id, held.id));
    expect(after.creditsUsed).toBe(0);
  });
});
