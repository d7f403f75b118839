// Attack (issue 15, defect 1): rescheduleBooking copied payment_status and payment_id onto the new
// booking while the money operations still acted on the old one:
//   * redeem a credit, confirm, reschedule, returnCredit({ bookingId: old }): the credit came back and
//     the new booking stayed confirmed and paid by a credit (a free lesson);
//   * a full refundPayment after a reschedule left the new booking 'paid';
//   * a checkout started before a reschedule and completed by its webhook after it paid the old booking,
//     the new one stayed unpaid, and a second checkout on the new booking was accepted meanwhile.
// Fix: money follows the booking. The reschedule moves the payment (and open checkouts) to the new
// booking in its transaction (payments.booking_id; bookings.rescheduled_from names the old one); the
// old booking keeps its history but takes no payment and returns no credit (CREDIT_NOT_RETURNABLE,
// `moved`). The database holds it (migration 0023): a payment moves only to the booking that replaced
// its own (ND004), and a rescheduled booking keeps no live payment at commit (ND032).
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { completePayment, confirmBooking, recordManualPayment, redeemCredit, refundPayment, returnCredit, startPayment, systemActor } from '../src/access/index.js';
import { sqlstateOf } from '../src/db/errors.js';
import { bookings, payments, studentPackages } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { failureOf } from './support/fixtures.js';
import { givePackage } from './support/money.js';
import { aheadSlot, cancel, confirmedBooking, pendingBooking, reschedule } from './support/money-follows.js';
import { bookingRow, createDiary, insertBooking } from './support/scheduling.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

const paymentRow = async (id: string) => (await app.db.select().from(payments).where(eq(payments.id, id)))[0];

it('moves a credit with the booking: the old booking returns nothing, the live one returns it once', async () => {
  const d = await createDiary(app.db);
  const held = await givePackage(app.db, d.student.id, { creditsTotal: 10 });
  const b = await pendingBooking(app.db, d);
  const credit = await redeemCredit(app.db, d.asAdmin, { bookingId: b.id });
  await confirmBooking(app.db, d.asAdmin, { bookingId: b.id });
  const { booking: live } = await reschedule(app.db, d, b.id);

  expect(await failureOf(() => returnCredit(app.db, d.asAdmin, { bookingId: b.id }))).toMatchObject({ code: 'CREDIT_NOT_RETURNABLE', reason: 'moved' });
  const [used] = await app.db.select({ creditsUsed: studentPackages.creditsUsed }).from(studentPackages).where(eq(studentPackages.id, held.id));
  expect(used.creditsUsed).toBe(1);
  expect(await bookingRow(app.db, live.id)).toMatchObject({ status: 'confirmed', paymentStatus: 'package_credit', paymentId: credit.paymentId, rescheduledFrom: b.id });
  expect((await paymentRow(credit.paymentId)).bookingId).toBe(live.id);

  await cancel(app.db, d, live.id);
  expect((await returnCredit(app.db, d.asAdmin, { bookingId: live.id })).creditsRemaining).toBe(10);
  expect(await failureOf(() => returnCredit(app.db, d.asAdmin, { bookingId: b.id }))).toMatchObject({ code: 'CREDIT_NOT_RETURNABLE' });
  expect(await failureOf(() => returnCredit(app.db, d.asAdmin, { bookingId: live.id }))).toMatchObject({ code: 'CREDIT_NOT_RETURNABLE', reason: 'already_returned' });
});

it('refunds the live booking after a reschedule', async () => {
  const d = await createDiary(app.db);
  const b = await confirmedBooking(app.db, d);
  const { payment } = await recordManualPayment(app.db, d.asAdmin, { studentId: d.student.id, bookingId: b.id, method: 'cash' });
  const { booking: live } = await reschedule(app.db, d, b.id);
  expect(await bookingRow(app.db, live.id)).toMatchObject({ paymentStatus: 'paid', paymentId: payment.id });

  await refundPayment(app.db, d.asAdmin, { paymentId: payment.id, amountCents: payment.amountCents, reason: 'lesson not wanted' });
  expect((await bookingRow(app.db, live.id)).paymentStatus).toBe('refunded');
  expect(await bookingRow(app.db, b.id)).toMatchObject({ status: 'rescheduled', paymentStatus: 'paid' }); // its history
  expect(await failureOf(() => startPayment(app.db, d.asAdmin, { studentId: d.student.id, bookingId: b.id, method: 'card' }))).toMatchObject({ code: 'NOT_PAYABLE' });
});

it('carries an open checkout to the new booking: no second checkout meanwhile, and the late webhook pays the live booking', async () => {
  const d = await createDiary(app.db);
  const b = await pendingBooking(app.db, d);
  const { payment } = await startPayment(app.db, d.asAdmin, { studentId: d.student.id, bookingId: b.id, method: 'card', gateway: 'stripe' });
  await confirmBooking(app.db, d.asAdmin, { bookingId: b.id });
  const { booking: live } = await reschedule(app.db, d, b.id);

  expect(await failureOf(() => startPayment(app.db, d.asAdmin, { studentId: d.student.id, bookingId: live.id, method: 'card', gateway: 'stripe' })))
    .toMatchObject({ code: 'PAYMENT_IN_PROGRESS' });
  const done = await completePayment(app.db, systemActor('webhook:stripe'), { paymentId: payment.id, gateway: 'stripe', gatewayPaymentId: `pi_${payment.id.slice(0, 8)}` });
  expect(done).toMatchObject({ alreadyCompleted: false, needsRefund: false, payment: { bookingId: live.id, status: 'completed' } });
  expect(await bookingRow(app.db, live.id)).toMatchObject({ paymentStatus: 'paid', paymentId: payment.id });
  expect(await bookingRow(app.db, b.id)).toMatchObject({ paymentStatus: 'unpaid' });
});

it('refuses, as nexdrive_app, to move money anywhere but to the booking that replaced its own, or to leave it behind', async () => {
  const d = await createDiary(app.db);
  const b = await confirmedBooking(app.db, d);
  const other = await confirmedBooking(app.db, d);
  const { payment } = await recordManualPayment(app.db, d.asAdmin, { studentId: d.student.id, bookingId: b.id, method: 'cash' });

  expect(sqlstateOf(await failureOf(() => app.db.update(payments).set({ bookingId: other.id }).where(eq(payments.id, payment.id))))).toBe('ND004');
  // Rescheduled by hand, the money left behind: refused when the transaction commits.
  const leftBehind = await failureOf(() => app.db.transaction(async (tx) => {
    await tx.update(bookings).set({ status: 'rescheduled' }).where(eq(bookings.id, b.id));
  }));
  expect(sqlstateOf(leftBehind)).toBe('ND032');
  expect((await bookingRow(app.db, b.id)).status).toBe('confirmed');
  // A "successor" of a booking that was not rescheduled, to launder a payment onto it.
  const fake = await failureOf(() => insertBooking(app.db, d, aheadSlot(), 'confirmed', 60, { rescheduledFrom: b.id, amountCents: b.amountCents }));
  expect(sqlstateOf(fake)).toBe('ND022');
  expect((await paymentRow(payment.id)).bookingId).toBe(b.id);
});
