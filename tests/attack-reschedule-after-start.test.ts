// Attack (should fix): rescheduleBooking (and cancelBooking) never look at the OLD booking's time. A
// student (or a parent with can_book_lessons) can "reschedule" a confirmed lesson after its start has
// passed, e.g. a lesson they did not turn up to that the instructor has not marked no_show yet: the old
// booking becomes `rescheduled` (final, so markNoShow is now INVALID_TRANSITION), the new one is
// confirmed with the old payment, and nothing records lateness (cancelBooking at least flags
// lateCancellation; rescheduling an hour before the lesson is not flagged at all). A student may also
// cancel a lesson that is in_progress.
// Fix: refuse rescheduleBooking for students and parents once the old booking's start is less than the
// notice (or lateCancellationHours) away, or at least once it has started (SLOT_UNAVAILABLE / a new
// reason such as `started`); record late reschedules like late cancellations; let only staff cancel an
// in_progress booking.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rescheduleBooking } from '../src/access/index.js';
import { canberraDate } from '../src/domain/time.js';
import { addDays, canberraInstant, HOUR_MS } from '../src/domain/wall-clock.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createDiary, insertBooking } from './support/scheduling.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

it('a student cannot reschedule a lesson whose start has already passed', async () => {
  const d = await createDiary(t.db); // every day 08:00-18:00
  const started = new Date(Math.floor((Date.now() - 2 * HOUR_MS) / (15 * 60_000)) * 15 * 60_000);
  const missed = await insertBooking(t.db, d, started, 'confirmed'); // two hours ago, not marked no_show yet
  const later = canberraInstant(addDays(canberraDate(new Date()), 3), '10:00');
  const outcome = await rescheduleBooking(t.db, d.asStudent, { bookingId: missed.id, start: later })
    .then((r) => `rescheduled: old ${r.previous.status}, new ${r.booking.status}`, (err: { code?: string }) => err.code);
  expect(outcome).not.toMatch(/^rescheduled/);
});
