// Migration 0023 also fixes bookings rescheduled before it: each gets the successor its
// BOOKING_RESCHEDULED audit entry names (bookings.rescheduled_from), and its live money moves there, one
// reschedule at a time. This runs the migration's own two data statements (read from the file) on a
// planted history, as the owner, in a transaction that is rolled back: a booking rescheduled twice
// (A -> B -> C) whose completed payment still names A, and a failed checkout that stays with A.
import { readFileSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bookings, payments } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { insertAuditRow } from './support/fixtures.js';
import { createDiary, insertBooking } from './support/scheduling.js';

const statements = readFileSync(new URL('../drizzle/migrations/0023_money_and_final_drive_rules.sql', import.meta.url), 'utf8')
  .split('--> statement-breakpoint')
  .map((s) => s.trim());
const backfill = statements.filter((s) => /^(-- [^\n]*\n)*(UPDATE bookings n SET rescheduled_from|DO \$\$)/.test(s));

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.dispose());

class RollBack extends Error {}

it('names each old reschedule\'s successor and moves the live money to the live booking, leaving failed checkouts behind', async () => {
  expect(backfill).toHaveLength(2);
  const outcome = await t.asOwner(async (tx) => {
    // The history as the old code wrote it: money left on the rescheduled booking.
    await tx.execute(sql`alter table bookings disable trigger bookings_money_moved`);
    await tx.execute(sql`alter table bookings disable trigger bookings_money_follows`);
    const d = await createDiary(tx);
    const day = (n: number) => new Date(Date.UTC(2027, 6, n, 0, 0));
    const a = await insertBooking(tx, d, day(1), 'confirmed', 60, { amountCents: 10500 });
    const [paid] = await tx.insert(payments).values({ studentId: d.student.id, bookingId: a.id, amountCents: 10500, paymentMethod: 'cash', status: 'completed' }).returning();
    const [failed] = await tx.insert(payments).values({ studentId: d.student.id, bookingId: a.id, amountCents: 10500, paymentMethod: 'card', status: 'failed' }).returning();
    await tx.update(bookings).set({ paymentStatus: 'paid', paymentId: paid.id }).where(eq(bookings.id, a.id));
    await tx.update(bookings).set({ status: 'rescheduled' }).where(eq(bookings.id, a.id));
    const b = await insertBooking(tx, d, day(2), 'confirmed', 60, { amountCents: 10500, paymentStatus: 'paid', paymentId: paid.id });
    await tx.update(bookings).set({ status: 'rescheduled' }).where(eq(bookings.id, b.id));
    const c = await insertBooking(tx, d, day(3), 'confirmed', 60, { amountCents: 10500, paymentStatus: 'paid', paymentId: paid.id });
    for (const [from, to] of [[a, b], [b, c]]) {
      await insertAuditRow(tx, { eventType: 'BOOKING_RESCHEDULED', actorId: 'user_admin', actorRole: 'admin', subjectType: 'booking', subjectId: from.id, details: { newBookingId: to.id } });
    }

    for (const statement of backfill) await tx.execute(sql.raw(statement));

    const successor = async (id: string) => (await tx.select({ from: bookings.rescheduledFrom }).from(bookings).where(eq(bookings.id, id)))[0].from;
    const bookingOf = async (id: string) => (await tx.select({ bookingId: payments.bookingId }).from(payments).where(eq(payments.id, id)))[0].bookingId;
    const seen = { b: await successor(b.id), c: await successor(c.id), a: await successor(a.id), paid: await bookingOf(paid.id), failed: await bookingOf(failed.id) };
    expect(seen).toEqual({ b: a.id, c: b.id, a: null, paid: c.id, failed: a.id });
    throw new RollBack('planted history rolled back');
  }).catch((err: unknown) => err);
  expect(outcome).toBeInstanceOf(RollBack);
});
