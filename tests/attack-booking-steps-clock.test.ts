// Attack (issue 15, "Also"): startBooking, completeBooking and markNoShow ignored the clock: a lesson
// next week could be marked a no-show today (and started, and completed).
// Fix: each step keeps time (SCHEDULING.startEarlyMinutes = 30: start from 30 minutes before the start
// time; complete only after the start; SCHEDULING.noShowAfterMinutes = 15: no-show from 15 minutes
// after it), at the operation's clock (the current time, or `now` from admins and jobs): NOT_YET_DUE.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { completeBooking, markNoShow, SCHEDULING, startBooking } from '../src/access/index.js';
import { canberraDate } from '../src/domain/time.js';
import { canberraInstant, DAY_MS, MINUTE_MS } from '../src/domain/wall-clock.js';
import { openTestDb, type TestDb } from './support/db.js';
import { failureOf } from './support/fixtures.js';
import { bookingRow, createDiary, insertBooking } from './support/scheduling.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

const nextWeek = (time: string) => canberraInstant(canberraDate(new Date(Date.now() + 7 * DAY_MS)), time);
const at = (start: Date, minutes: number) => new Date(start.getTime() + minutes * MINUTE_MS);

it('refuses to mark next week\'s lesson a no-show today, to start it or to complete it (NOT_YET_DUE), and writes nothing', async () => {
  const d = await createDiary(app.db);
  const start = nextWeek('10:00');
  const row = await insertBooking(app.db, d, start, 'confirmed');
  const noShow = await failureOf(() => markNoShow(app.db, d.asInstructor, { bookingId: row.id }));
  expect(noShow).toMatchObject({ code: 'NOT_YET_DUE', allowedFrom: at(start, SCHEDULING.noShowAfterMinutes) });
  expect(await failureOf(() => startBooking(app.db, d.asInstructor, { bookingId: row.id }))).toMatchObject({ code: 'NOT_YET_DUE' });
  expect((await bookingRow(app.db, row.id)).status).toBe('confirmed');
  const underWay = await insertBooking(app.db, d, nextWeek('14:00'), 'in_progress');
  expect(await failureOf(() => completeBooking(app.db, d.asInstructor, { bookingId: underWay.id }))).toMatchObject({ code: 'NOT_YET_DUE' });
  expect((await bookingRow(app.db, underWay.id)).status).toBe('in_progress');
});

it('allows each step exactly from its time: start 30 minutes before, complete after the start, no-show 15 minutes after', async () => {
  const d = await createDiary(app.db);
  const start = nextWeek('10:00');
  const a = await insertBooking(app.db, d, start, 'confirmed');
  expect(await failureOf(() => startBooking(app.db, d.asAdmin, { bookingId: a.id, now: at(start, -SCHEDULING.startEarlyMinutes - 1) }))).toMatchObject({ code: 'NOT_YET_DUE' });
  expect((await startBooking(app.db, d.asAdmin, { bookingId: a.id, now: at(start, -SCHEDULING.startEarlyMinutes) })).status).toBe('in_progress');
  expect(await failureOf(() => completeBooking(app.db, d.asAdmin, { bookingId: a.id, now: start }))).toMatchObject({ code: 'NOT_YET_DUE' });
  expect((await completeBooking(app.db, d.asAdmin, { bookingId: a.id, now: at(start, 1) })).status).toBe('completed');

  const later = nextWeek('14:00');
  const b = await insertBooking(app.db, d, later, 'confirmed');
  expect(await failureOf(() => markNoShow(app.db, d.asAdmin, { bookingId: b.id, now: at(later, SCHEDULING.noShowAfterMinutes - 1) }))).toMatchObject({ code: 'NOT_YET_DUE' });
  expect((await markNoShow(app.db, d.asAdmin, { bookingId: b.id, now: at(later, SCHEDULING.noShowAfterMinutes) })).status).toBe('no_show');
  // Only admins and jobs choose the clock.
  const c = await insertBooking(app.db, d, nextWeek('16:00'), 'confirmed');
  expect(await failureOf(() => markNoShow(app.db, d.asInstructor, { bookingId: c.id, now: at(nextWeek('16:00'), 20) }))).toMatchObject({ code: 'FORBIDDEN' });
});
