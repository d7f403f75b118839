// Attack (minor): bookings_lifecycle_guard (migration 0019) freezes a booking's instructor, service and
// times, but not whose booking it is or what it cost. As nexdrive_app, a completed (final) booking can
// be moved to another student or a prospect, its amount_cents, booked_by and created_at rewritten, and
// a cancelled booking's cancellation_reason changed afterwards, all without a trace. created_at is the
// start of a pending hold, so rewriting it also revives an expired hold. docs/scheduling.md lists only
// payment status, notes, pickup address and the lesson link as free to change.
// Fix: add student_id, contact_id, amount_cents, booked_by, booked_via, created_at (and, once
// cancelled, cancellation_reason) to the ND022 list, and say which columns stay free.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toDbError } from '../src/db/errors.js';
import { bookings } from '../src/db/schema/index.js';
import { canberraInstant } from '../src/domain/wall-clock.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createStudent } from './support/fixtures.js';
import { createDiary, insertBooking } from './support/scheduling.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

it('refuses moving a completed booking to another student and rewriting its price (BOOKING_FROZEN)', async () => {
  const d = await createDiary(t.db);
  const other = await createStudent(t.db, d.instructor.id);
  const done = await insertBooking(t.db, d, canberraInstant('2026-06-01', '10:00'), 'completed', 60, { amountCents: 9500 });
  const outcome = await t.db
    .update(bookings)
    .set({ studentId: other.id, amountCents: 0, bookedBy: 'user_2nobody', createdAt: sql`now()` })
    .where(eq(bookings.id, done.id))
    .then(() => 'accepted', (err) => toDbError(err).code);
  expect(outcome).toBe('BOOKING_FROZEN');
});
