// Attack (issue 15, defect 4): a booking's 30-minute hold runs from booking, its payment's from
// checkout. After expirePendingBookings cancelled the booking, completePayment still succeeded: the
// booking ended `cancelled` and `paid`, with an invoice number issued. And startPayment accepted a
// pending booking whose hold had run out.
// Fix: the completion records the money (the payment completes with its invoice number: the money was
// taken) but never marks a cancelled booking paid; the payment is flagged needs_refund by the database
// (migration 0023) and audited PAYMENT_NEEDS_REFUND. startPayment refuses a booking that is not pending
// or confirmed, or whose hold has run out (NOT_PAYABLE). As nexdrive_app, a cancelled booking cannot be
// marked paid, nor take a new checkout (ND032).
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { completePayment, expirePendingBookings, recordManualPayment, refundPayment, SCHEDULING, startPayment, systemActor } from '../src/access/index.js';
import { sqlstateOf } from '../src/db/errors.js';
import { auditLog, bookings, payments } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { failureOf } from './support/fixtures.js';
import { aheadSlot, pendingBooking } from './support/money-follows.js';
import { bookingRow, createDiary, insertBooking } from './support/scheduling.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

const webhook = systemActor('webhook:stripe');

it('records a late payment for a cancelled booking, flags it for refund, and never marks the booking paid', async () => {
  const d = await createDiary(app.db);
  const b = await pendingBooking(app.db, d);
  const { payment } = await startPayment(app.db, d.asStudent, { studentId: d.student.id, bookingId: b.id, method: 'card', gateway: 'stripe' });
  const { expired } = await expirePendingBookings(app.db, d.asAdmin, { now: new Date(b.createdAt.getTime() + (SCHEDULING.holdMinutes + 1) * 60_000) });
  expect(expired.map((e) => e.id)).toContain(b.id);

  const late = await completePayment(app.db, webhook, { paymentId: payment.id, gateway: 'stripe', gatewayPaymentId: `pi_late_${payment.id.slice(0, 8)}` });
  expect(late).toMatchObject({ alreadyCompleted: false, needsRefund: true, payment: { status: 'completed', needsRefund: true } });
  expect(late.payment.invoiceNumber).toMatch(/^NXD-\d{4}-\d{4,}$/);
  expect(late.payment.completedAt).toBeInstanceOf(Date);
  expect(await bookingRow(app.db, b.id)).toMatchObject({ status: 'cancelled', paymentStatus: 'unpaid' });
  const flagged = await app.db.select().from(auditLog).where(and(eq(auditLog.eventType, 'PAYMENT_NEEDS_REFUND'), eq(auditLog.subjectId, payment.id)));
  expect(flagged).toHaveLength(1);

  // The webhook again: the same answer, nothing changes.
  expect(await completePayment(app.db, webhook, { paymentId: payment.id, gateway: 'stripe', gatewayPaymentId: `pi_late_${payment.id.slice(0, 8)}` }))
    .toMatchObject({ alreadyCompleted: true, needsRefund: true });
  // The school pays it back; the booking stays cancelled.
  const refunded = await refundPayment(app.db, d.asAdmin, { paymentId: payment.id, amountCents: payment.amountCents, reason: 'booking cancelled before payment' });
  expect(refunded.payment).toMatchObject({ status: 'refunded', needsRefund: true });
  expect((await bookingRow(app.db, b.id)).status).toBe('cancelled');
});

it('refuses a checkout on a pending booking whose hold has run out, or on one that is under way or over (NOT_PAYABLE)', async () => {
  const d = await createDiary(app.db);
  const stale = await insertBooking(app.db, d, aheadSlot(), 'pending', 60, { createdAt: new Date(Date.now() - (SCHEDULING.holdMinutes + 10) * 60_000), amountCents: 10500 });
  expect(await failureOf(() => startPayment(app.db, d.asStudent, { studentId: d.student.id, bookingId: stale.id, method: 'card' }))).toMatchObject({ code: 'NOT_PAYABLE' });
  for (const status of ['in_progress', 'completed', 'no_show'] as const) {
    const row = await insertBooking(app.db, d, aheadSlot(), status, 60, { amountCents: 10500 });
    expect(await failureOf(() => startPayment(app.db, d.asAdmin, { studentId: d.student.id, bookingId: row.id, method: 'card' })), status).toMatchObject({ code: 'NOT_PAYABLE' });
  }
  expect(await app.db.select().from(payments).where(eq(payments.studentId, d.student.id))).toEqual([]);
  // Cash taken at the lesson is still recorded for a lesson that is over.
  const over = await insertBooking(app.db, d, aheadSlot(), 'completed', 60, { amountCents: 10500 });
  expect((await recordManualPayment(app.db, d.asAdmin, { studentId: d.student.id, bookingId: over.id, method: 'cash' })).payment.status).toBe('completed');
  expect((await bookingRow(app.db, over.id)).paymentStatus).toBe('paid');
});

it('refuses, as nexdrive_app, to mark a cancelled booking paid or to open a checkout for it (ND032)', async () => {
  const d = await createDiary(app.db);
  const row = await insertBooking(app.db, d, aheadSlot(), 'cancelled', 60, { amountCents: 10500 });
  expect(sqlstateOf(await failureOf(() => app.db.update(bookings).set({ paymentStatus: 'paid' }).where(eq(bookings.id, row.id))))).toBe('ND032');
  const checkout = await failureOf(() => app.db.insert(payments).values({ studentId: d.student.id, bookingId: row.id, amountCents: 10500, paymentMethod: 'card', status: 'pending' }));
  expect(sqlstateOf(checkout)).toBe('ND032');
  expect((await bookingRow(app.db, row.id)).paymentStatus).toBe('unpaid');
});
