// Fixtures for the issue 15 money attacks: a diary (tests/support/scheduling.ts) and bookings made and
// moved through the operations in real time, days ahead, on their own Canberra hour.
import { cancelBooking, confirmBooking, createBooking, rescheduleBooking } from '../../src/access/index.js';
import type { DatabaseOrTransaction } from '../../src/db/engines/handle.js';
import { canberraDate } from '../../src/domain/time.js';
import { canberraInstant, DAY_MS } from '../../src/domain/wall-clock.js';
import type { Diary } from './scheduling.js';

let hour = 0;
/** A start a few days ahead, every other hour (09:00-15:00 Canberra: clear of the diary's buffer),
 *  never the same twice in a file. */
export function aheadSlot(): Date {
  const n = hour++;
  const date = canberraDate(new Date(Date.now() + (3 + Math.floor(n / 4)) * DAY_MS));
  return canberraInstant(date, `${String(9 + 2 * (n % 4)).padStart(2, '0')}:00`);
}

/** A pending booking of the diary's student, made by the admin now. */
export function pendingBooking(db: DatabaseOrTransaction, d: Diary, start = aheadSlot()) {
  return createBooking(db, d.asAdmin, { instructorId: d.instructor.id, serviceId: d.serviceId, studentId: d.student.id, start, bookedVia: 'admin' });
}

export async function confirmedBooking(db: DatabaseOrTransaction, d: Diary) {
  const b = await pendingBooking(db, d);
  return confirmBooking(db, d.asAdmin, { bookingId: b.id });
}

export async function reschedule(db: DatabaseOrTransaction, d: Diary, bookingId: string) {
  return rescheduleBooking(db, d.asAdmin, { bookingId, start: aheadSlot() });
}

export function cancel(db: DatabaseOrTransaction, d: Diary, bookingId: string) {
  return cancelBooking(db, d.asAdmin, { bookingId, reason: 'test' });
}
