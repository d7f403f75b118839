// Attack (should fix): every system actor may pass `now` to the booking operations
// (src/access/scheduling/clock.ts), and system actors include the AI agents (agent:sms, agent:voice)
// that talk to the public. `now` moves notice, horizon and the hold, and createBooking writes it as
// the booking's created_at (the hold's start). So an agent (a prompt-injected one, or a bug) can:
// book a prospect's lesson inside the 24-hour notice and confirm it unpaid (confirmBooking with the
// same `now`); book beyond the 60-day horizon; book a lesson whose time has already passed
// (backdated, created_at in the past); or book with `now` in the future so that created_at lies ahead
// and expirePendingBookings never releases the unpaid hold; or pass a `now` far ahead to
// expirePendingBookings / createBooking and cancel every live hold of an instructor.
// Fix: accept `now` only from admins and an explicit allow-list of jobs (cron:*), never agent:*, or
// accept it only within a few minutes of the database clock; and set created_at from the database
// clock (now()), never from the caller.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBooking, systemActor } from '../src/access/index.js';
import { contacts } from '../src/db/schema/index.js';
import { canberraDate } from '../src/domain/time.js';
import { addDays, canberraInstant, HOUR_MS } from '../src/domain/wall-clock.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createDiary } from './support/scheduling.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

it('an AI agent cannot book a lesson whose time has already passed by choosing `now`', async () => {
  const d = await createDiary(t.db); // every day 08:00-18:00
  const [contact] = await t.db.insert(contacts).values({ firstName: 'Casey', phone: '+61400000009' }).returning();
  const yesterday = addDays(canberraDate(new Date()), -1);
  const start = canberraInstant(yesterday, '10:00');
  const outcome = await createBooking(t.db, systemActor('agent:sms'), {
    instructorId: d.instructor.id, serviceId: d.serviceId, contactId: contact.id, start, bookedVia: 'sms',
    now: new Date(start.getTime() - 25 * HOUR_MS),
  }).then((b) => `booked ${b.startTime.toISOString()}, created_at ${b.createdAt.toISOString()}`, (err: { code?: string }) => err.code);
  expect(['FORBIDDEN', 'SLOT_UNAVAILABLE', 'VALIDATION_ERROR']).toContain(outcome);
});
