// Booking under concurrency, on a server only (PGlite is one session): 32 createBooking calls at once,
// each in its own transaction on its own connection, for the same slot, for slots only the buffer
// separates, for compatible slots with and without a daily cap, and 32 reschedules into one slot.
// Exactly the valid ones succeed, the rest are SLOT_UNAVAILABLE (never a deadlock or a constraint
// error), and afterwards no buffer or cap is broken. Runs as a member of nexdrive_app.
import { and, asc, eq, notInArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBooking, rescheduleBooking, SlotUnavailableError } from '../src/access/index.js';
import { bookings } from '../src/db/schema/index.js';
import { canberraDate } from '../src/domain/time.js';
import { canberraInstant, MINUTE_MS } from '../src/domain/wall-clock.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { createStudent } from './support/fixtures.js';
import { createDiary, insertBooking, type Diary } from './support/scheduling.js';

const CALLERS = 32;
const NOW = new Date('2027-03-01T09:00:00+11:00');
const local = (date: string, time: string) => canberraInstant(date, time);

describe.runIf(onServer)('32 concurrent bookers', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb({ role: 'app', poolSize: 40 });
  });
  afterAll(() => t?.dispose());

  /** Every caller books for a student of its own, at the same moment. */
  async function race(d: Diary, starts: Date[]) {
    const students = await Promise.all(starts.map(() => createStudent(t.db, d.instructor.id)));
    const results = await Promise.allSettled(
      starts.map((start, i) =>
        createBooking(t.db, d.asAdmin, { instructorId: d.instructor.id, serviceId: d.serviceId, studentId: students[i].id, start, bookedVia: 'website', now: NOW }),
      ),
    );
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof SlotUnavailableError ? r.reason.reason : `unexpected ${String(r.reason)}`] : []));
    return { won, reasons };
  }

  /** No two active bookings of the instructor closer than the buffer; no Canberra date over the cap. */
  async function assertDiaryHolds(d: Diary) {
    const rows = await t.db
      .select()
      .from(bookings)
      .where(and(eq(bookings.instructorId, d.instructor.id), notInArray(bookings.status, ['cancelled', 'rescheduled'])))
      .orderBy(asc(bookings.startTime));
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i].startTime.getTime() - rows[i - 1].endTime.getTime()).toBeGreaterThanOrEqual(d.instructor.defaultBufferMinutes * MINUTE_MS);
    }
    const perDay = new Map<string, number>();
    for (const r of rows) perDay.set(r.scheduledDate, (perDay.get(r.scheduledDate) ?? 0) + 1);
    for (const n of perDay.values()) expect(n).toBeLessThanOrEqual(d.instructor.maxLessonsPerDay);
    return rows;
  }

  it('32 calls for the same 10:00 slot: exactly 1 books it, 31 are SLOT_UNAVAILABLE (hold)', async () => {
    const d = await createDiary(t.db);
    const { won, reasons } = await race(d, Array.from({ length: CALLERS }, () => local('2027-03-03', '10:00')));
    expect(won).toHaveLength(1);
    expect(reasons).toEqual(Array(CALLERS - 1).fill('hold'));
    expect(await assertDiaryHolds(d)).toHaveLength(1);
  });

  it('16 calls at 10:00 and 16 at 11:00, which only the 15-minute buffer separates: exactly 1 succeeds', async () => {
    // The database alone would take both: back-to-back bookings do not overlap.
    const other = await createDiary(t.db);
    await insertBooking(t.db, other, local('2027-03-03', '10:00'));
    await insertBooking(t.db, other, local('2027-03-03', '11:00'));

    const d = await createDiary(t.db);
    const starts = Array.from({ length: CALLERS }, (_, i) => local('2027-03-03', i % 2 ? '11:00' : '10:00'));
    const { won, reasons } = await race(d, starts);
    expect(won).toHaveLength(1);
    expect(new Set(reasons)).toEqual(new Set(reasons.filter((r) => r === 'hold' || r === 'buffer')));
    expect(reasons).toContain('buffer');
    await assertDiaryHolds(d);
  });

  // Eight 60-minute lessons 75 minutes apart fit between 08:00 and 18:00 with the 15-minute buffer.
  const eightSlots = ['08:00', '09:15', '10:30', '11:45', '13:00', '14:15', '15:30', '16:45'];

  it('32 calls on 8 slots that fit together (4 callers each): exactly 8 succeed, one per slot', async () => {
    const d = await createDiary(t.db);
    const { won, reasons } = await race(d, Array.from({ length: CALLERS }, (_, i) => local('2027-03-03', eightSlots[i % 8])));
    expect(won).toHaveLength(8);
    expect(won.map((b) => b.startTime.getTime()).sort()).toEqual(eightSlots.map((s) => local('2027-03-03', s).getTime()).sort());
    expect(reasons).toEqual(Array(CALLERS - 8).fill('hold'));
    await assertDiaryHolds(d);
  });

  it('the same 32 calls with max_lessons_per_day = 3: exactly 3 succeed, the rest are hold or daily_cap', async () => {
    const d = await createDiary(t.db, { cap: 3 });
    const { won, reasons } = await race(d, Array.from({ length: CALLERS }, (_, i) => local('2027-03-03', eightSlots[i % 8])));
    expect(won).toHaveLength(3);
    expect(new Set(won.map((b) => b.startTime.getTime())).size).toBe(3);
    expect(reasons.every((r) => r === 'hold' || r === 'daily_cap')).toBe(true);
    expect(reasons).toContain('daily_cap');
    expect(await assertDiaryHolds(d)).toHaveLength(3);
  });

  it('32 reschedules into one free slot at once: exactly 1 moves, the other 31 bookings stay confirmed where they were', async () => {
    const d = await createDiary(t.db, { cap: 8 });
    const days = ['2027-03-10', '2027-03-11', '2027-03-12', '2027-03-13'];
    const originals = await Promise.all(Array.from({ length: CALLERS }, (_, i) => insertBooking(t.db, d, local(days[i % 4], eightSlots[Math.floor(i / 4)]))));
    const target = local('2027-03-05', '10:00');
    const results = await Promise.allSettled(originals.map((b) => rescheduleBooking(t.db, d.asAdmin, { bookingId: b.id, start: target, now: NOW })));
    const moved = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof SlotUnavailableError ? r.reason.reason : String(r.reason)] : []));
    expect(moved).toHaveLength(1);
    expect(refused).toEqual(Array(CALLERS - 1).fill('taken'));
    const rows = await assertDiaryHolds(d);
    expect(rows.filter((r) => r.scheduledDate === canberraDate(target))).toHaveLength(1);
    expect(rows.filter((r) => r.status === 'confirmed')).toHaveLength(CALLERS);
  });
});
