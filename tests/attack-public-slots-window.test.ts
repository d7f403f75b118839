// Attack (should fix): getAvailableSlots is public (no actor: the booking page calls it before sign-in)
// yet accepts any window in years 1900-2200 and any `now`. `to` is cut at now + 60 days, but `from` is
// never raised to now, and `now` is the caller's: with from 1900, to 2200 and now 2200 it loads every
// booking of the instructor and walks ~110,000 Canberra dates through Temporal synchronously (about
// 4.3 s of blocked Node event loop per call on this machine, 0.8 s without `now` for 1900..today), a
// cheap denial of service on an unauthenticated endpoint. The same freedom shows an instructor's past
// diary (the gaps are past lessons) and, by moving `now` 30 minutes, which bookings are unpaid holds.
// Fix: refuse windows longer than the horizon (VALIDATION_ERROR), raise `from` to now, and take `now`
// only from trusted callers (or bound it to the current time); never load bookings outside the window.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getAvailableSlots } from '../src/access/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createDiary } from './support/scheduling.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

it('refuses a 300-year window with a caller-chosen `now` from an anonymous caller (VALIDATION_ERROR)', async () => {
  const d = await createDiary(t.db);
  const outcome = await getAvailableSlots(t.db, {
    instructorId: d.instructor.id, serviceId: d.serviceId,
    from: new Date('1900-01-01T00:00:00Z'), to: new Date('2200-12-01T00:00:00Z'), now: new Date('2200-11-01T00:00:00Z'),
  }).then((slots) => `answered ${slots.length} slots`, (err: { code?: string }) => err.code);
  expect(outcome).toBe('VALIDATION_ERROR');
});
