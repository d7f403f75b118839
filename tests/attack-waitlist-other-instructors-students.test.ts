// Attack (minor): cancelBooking returns the matching waitlist entries to the cancelling instructor
// (src/access/scheduling/waitlist.ts). An entry with no instructor matches every instructor's freed
// slot, so an instructor receives the waitlist entries (student ids, wishes) of OTHER instructors'
// students, who do not exist for them anywhere else (getStudent: NOT_FOUND) and whom they cannot book
// (createBooking: a student books with their own instructor). A leak, and a useless match.
// Fix: for an entry with a student, match only when the student's instructor is the slot's instructor
// (join students), and filter what an instructor receives by what the instructor may see.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cancelBooking } from '../src/access/index.js';
import { waitlist } from '../src/db/schema/index.js';
import { canberraInstant } from '../src/domain/wall-clock.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createDiary, insertBooking } from './support/scheduling.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

it('an instructor cancelling a lesson is not told about another instructor\'s student on the waitlist', async () => {
  const mine = await createDiary(t.db);
  const theirs = await createDiary(t.db);
  await t.db.insert(waitlist).values({ studentId: theirs.student.id, status: 'waiting' }); // any instructor, any time
  const booking = await insertBooking(t.db, mine, canberraInstant('2027-03-04', '10:00'));
  const { waitlist: told } = await cancelBooking(t.db, mine.asInstructor, { bookingId: booking.id, reason: 'Car in for service' });
  expect(told.map((w) => w.studentId)).not.toContain(theirs.student.id);
});
