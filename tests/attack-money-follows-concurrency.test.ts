// Attack (issue 15, defects 1 and 4, on a PostgreSQL server only: PGlite has one connection): the
// webhook that completes a checkout and a reschedule (or a cancellation) of its booking, at the same
// moment. Whatever order they commit in, the money ends on the live booking: the payment names the
// booking that is live at the end, that booking is paid, the old one is not payable, and a cancelled
// booking is never paid (the payment is flagged needs_refund instead). Run 20 times each, every call in
// its own transaction on its own connection, with no deadlock: the completion holds the student and
// wants the booking, so the reschedule takes the student (FOR KEY SHARE, as its new booking's foreign
// key would) before the booking (src/access/scheduling/student-lock.ts). Without that, 20 rounds met
// "deadlock detected" every time.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelBooking, completePayment, confirmBooking, rescheduleBooking, startPayment, systemActor } from '../src/access/index.js';
import { payments } from '../src/db/schema/index.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { aheadSlot, pendingBooking } from './support/money-follows.js';
import { bookingRow, createDiary } from './support/scheduling.js';

const webhook = systemActor('webhook:stripe');
const ROUNDS = 20;

describe.runIf(onServer)('a webhook racing a reschedule or a cancellation (PostgreSQL server)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb({ role: 'app', poolSize: 8 });
  });
  afterAll(() => t?.dispose());

  async function openCheckout() {
    const d = await createDiary(t.db);
    const b = await pendingBooking(t.db, d);
    const { payment } = await startPayment(t.db, d.asAdmin, { studentId: d.student.id, bookingId: b.id, method: 'card', gateway: 'stripe' });
    await confirmBooking(t.db, d.asAdmin, { bookingId: b.id });
    return { d, b, payment };
  }

  it('pays the live booking whichever commits first, a completion or a reschedule', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { d, b, payment } = await openCheckout();
      const [done, moved] = await Promise.all([
        completePayment(t.db, webhook, { paymentId: payment.id, gateway: 'stripe', gatewayPaymentId: `pi_race_${payment.id}` }),
        rescheduleBooking(t.db, d.asAdmin, { bookingId: b.id, start: aheadSlot() }),
      ]);
      expect(done.needsRefund).toBe(false);
      const [row] = await t.db.select({ bookingId: payments.bookingId, status: payments.status }).from(payments).where(eq(payments.id, payment.id));
      expect(row).toEqual({ bookingId: moved.booking.id, status: 'completed' });
      expect(await bookingRow(t.db, moved.booking.id)).toMatchObject({ status: 'confirmed', paymentStatus: 'paid', paymentId: payment.id });
      expect((await bookingRow(t.db, b.id)).status).toBe('rescheduled');
    }
  });

  it('never pays a booking cancelled at the same moment: either paid then cancelled, or flagged needs_refund', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { d, b, payment } = await openCheckout();
      const [done] = await Promise.all([
        completePayment(t.db, webhook, { paymentId: payment.id, gateway: 'stripe', gatewayPaymentId: `pi_cancel_${payment.id}` }),
        cancelBooking(t.db, d.asAdmin, { bookingId: b.id, reason: 'race' }),
      ]);
      const booking = await bookingRow(t.db, b.id);
      expect(booking.status).toBe('cancelled');
      const [row] = await t.db.select({ needsRefund: payments.needsRefund, status: payments.status }).from(payments).where(eq(payments.id, payment.id));
      expect(row.status).toBe('completed');
      // Completed first: the booking was paid, then cancelled (an ordinary refund case). Cancelled
      // first: the booking stays unpaid and the payment is flagged.
      if (row.needsRefund) expect(booking.paymentStatus).toBe('unpaid');
      else expect(booking.paymentStatus).toBe('paid');
      expect(done.needsRefund).toBe(row.needsRefund);
    }
  });
});
