// A property test through the database, on every engine: after a random run of bookings, confirmations
// and cancellations in an instructor's diary (random rules, buffer and cap, two days around a
// daylight-saving change or an ordinary week), every slot getAvailableSlots returns can be booked, every
// grid start it leaves out is refused, and no active booking (widened by the buffer) shares any time
// with a slot. Each trial booking runs inside a transaction that is rolled back, so it changes nothing.
import fc from './support/property.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelBooking, confirmBooking, createBooking, getAvailableSlots, SlotUnavailableError, type Slot } from '../src/access/index.js';
import { and, eq, notInArray } from 'drizzle-orm';
import { bookings } from '../src/db/schema/index.js';
import { addDays, canberraDayRange, canberraInstant, DAY_MS, MINUTE_MS } from '../src/domain/wall-clock.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createDiary, type Diary } from './support/scheduling.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

class Rollback extends Error {}

/** Books in a transaction that is then rolled back: true if createBooking accepted the slot. */
async function couldBook(d: Diary, start: Date, now: Date): Promise<boolean> {
  try {
    await t.db.transaction(async (tx) => {
      await createBooking(tx, d.asAdmin, { instructorId: d.instructor.id, serviceId: d.serviceId, studentId: d.student.id, start, bookedVia: 'admin', now });
      throw new Rollback();
    });
  } catch (err) {
    if (err instanceof Rollback) return true;
    if (err instanceof SlotUnavailableError) return false;
    throw err;
  }
  throw new Error('unreachable');
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('book' as const), day: fc.integer({ min: 0, max: 1 }), quarter: fc.integer({ min: 24, max: 80 }) }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('confirm' as const), pick: fc.nat() }),
);

const diaryRun = fc.record({
  base: fc.constantFrom('2027-04-03', '2027-10-02', '2027-03-09'), // the Saturday before each change, an ordinary Tuesday
  buffer: fc.constantFrom(0, 10, 15, 30),
  cap: fc.integer({ min: 2, max: 5 }),
  open: fc.constantFrom('08:00', '09:30'),
  close: fc.constantFrom('13:00', '17:00'),
  steps: fc.array(step, { minLength: 4, maxLength: 12 }),
});

describe('getAvailableSlots and createBooking agree after random bookings and cancellations', () => {
  it('every returned slot can be booked, every other grid start cannot, and booked time (with its buffer) is never offered', async () => {
    await fc.assert(
      fc.asyncProperty(diaryRun, async (run) => {
        const d = await createDiary(t.db, { buffer: run.buffer, cap: run.cap, rules: [[[0, 1, 2, 3, 4, 5, 6], run.open, run.close]] });
        const now = new Date(canberraDayRange(run.base).start - 10 * DAY_MS);
        const ids: string[] = [];
        for (const s of run.steps) {
          if (s.kind === 'book') {
            const start = new Date(canberraDayRange(addDays(run.base, s.day)).start + s.quarter * 15 * MINUTE_MS);
            await createBooking(t.db, d.asAdmin, { instructorId: d.instructor.id, serviceId: d.serviceId, studentId: d.student.id, start, bookedVia: 'admin', now }).then(
              (b) => ids.push(b.id),
              (err) => { if (!(err instanceof SlotUnavailableError)) throw err; },
            );
          } else if (ids.length) {
            const bookingId = ids[s.pick % ids.length];
            const move = s.kind === 'cancel' ? cancelBooking(t.db, d.asAdmin, { bookingId, reason: 'property', now }) : confirmBooking(t.db, d.asAdmin, { bookingId, now });
            await move.catch((err: { code?: string }) => { if (err.code !== 'INVALID_TRANSITION') throw err; });
          }
        }

        const from = new Date(canberraDayRange(run.base).start);
        const to = new Date(canberraDayRange(addDays(run.base, 1)).end);
        const slots: Slot[] = await getAvailableSlots(t.db, { instructorId: d.instructor.id, serviceId: d.serviceId, from, to, now });
        const active = await t.db
          .select()
          .from(bookings)
          .where(and(eq(bookings.instructorId, d.instructor.id), notInArray(bookings.status, ['cancelled', 'rescheduled'])));
        const buffer = run.buffer * MINUTE_MS;
        for (const b of active) {
          for (const s of slots) expect(s.start.getTime() < b.endTime.getTime() + buffer && s.end.getTime() > b.startTime.getTime() - buffer).toBe(false);
        }
        for (const s of slots) expect(await couldBook(d, s.start, now)).toBe(true);
        // The starts left out, sampled between the rules' hours: each is refused.
        const offered = new Set(slots.map((s) => s.start.getTime()));
        for (const day of [run.base, addDays(run.base, 1)]) {
          for (let q = 0; q < 16; q++) {
            const start = new Date(canberraInstant(day, run.open).getTime() + q * 30 * MINUTE_MS);
            if (!offered.has(start.getTime())) expect(await couldBook(d, start, now)).toBe(false);
          }
        }
      }),
      { numRuns: 12 },
    );
  }, 180_000);
});
