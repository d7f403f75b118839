// Attack (issue 20's review, on a PostgreSQL server only: PGlite has one connection). createBooking
// cancels the diary's run-out holds before it reads the schedule. When both were folded into one
// statement, two things broke, and these tests pin them:
//   1. A hold's owner confirming it at the edge of its hold, while another booking is made: the expiry
//      waited for the confirmation and then skipped the hold, but the schedule, read by the same
//      statement's older snapshot, still saw it pending and run out, so free. The new booking broke the
//      buffer or the daily cap, or hit the exclusion constraint as a raw error.
//   2. The audit entries of the expiry were written between the cancellations: the statement took the
//      audit chain's lock, then waited for a hold another transaction held, which then waited for the
//      chain's lock to write its own entry: a deadlock.
// The order is forced, not left to timing: the confirmation commits only once createBooking waits for
// its lock (pg_stat_activity), or has finished.
import { and, asc, eq, notInArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmBooking, createBooking, SlotUnavailableError } from '../src/access/index.js';
import { bookings } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { canberraInstant, MINUTE_MS } from '../src/domain/wall-clock.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { createStudent, failureOf } from './support/fixtures.js';
import { createDiary, insertBooking, type Diary } from './support/scheduling.js';

const local = (date: string, time: string) => canberraInstant(date, time);
const CREATED = new Date('2027-03-01T08:00:00+11:00');
const at = (minutes: number) => new Date(CREATED.getTime() + minutes * MINUTE_MS);

describe.runIf(onServer)('createBooking while a run-out hold is being confirmed (PostgreSQL server)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb({ role: 'app', poolSize: 6 });
  });
  afterAll(() => t?.dispose());

  /** Resolves once `pending` has settled, or a backend of this database waits for a lock in the expiry's UPDATE. */
  async function untilWaitingOrDone(pending: Promise<unknown>): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      const [waiting] = await queryRows<{ n: number }>(t.db, sql`
        select count(*)::int as n from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock' and query ilike '%with expired as%'`);
      const settled = await Promise.race([pending.then(() => true, () => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10))]);
      if (waiting.n > 0 || settled) return;
    }
    throw new Error('createBooking neither waited for the hold nor finished');
  }

  const book = (d: Diary, studentId: string, time: string) =>
    createBooking(t.db, d.asAdmin, { instructorId: d.instructor.id, serviceId: d.serviceId, studentId, start: local('2027-03-03', time), bookedVia: 'website', now: at(31) });

  const activeRows = (d: Diary) =>
    t.db.select().from(bookings).where(and(eq(bookings.instructorId, d.instructor.id), notInArray(bookings.status, ['cancelled', 'rescheduled']))).orderBy(asc(bookings.startTime));

  it.each([
    ['10:00', 8, 'taken'],
    ['11:00', 8, 'buffer'],
    ['14:00', 1, 'daily_cap'],
  ] as const)('sees the hold confirmed: a lesson at %s (cap %i) is refused with %s, and the diary keeps its rules', async (time, cap, reason) => {
    const d = await createDiary(t.db, { cap }); // buffer 15 minutes
    const hold = await insertBooking(t.db, d, local('2027-03-03', '10:00'), 'pending', 60, { createdAt: CREATED });
    const other = await createStudent(t.db, d.instructor.id);
    let attempt: Promise<unknown> | undefined;
    await t.db.transaction(async (tx) => {
      // The owner confirms a minute before the hold runs out; the booker's clock is a minute after.
      await confirmBooking(tx, d.asAdmin, { bookingId: hold.id, now: at(29) });
      attempt = book(d, other.id, time);
      await untilWaitingOrDone(attempt);
    });
    const err = await failureOf(() => attempt!);
    expect(err).toBeInstanceOf(SlotUnavailableError);
    expect((err as SlotUnavailableError).reason).toBe(reason);
    const rows = await activeRows(d);
    expect(rows.map((r) => [r.id, r.status])).toEqual([[hold.id, 'confirmed']]);
  });

  it.each([0, 1, 2])('does not deadlock with the confirmation of run-out hold #%i of three', async (which) => {
    const d = await createDiary(t.db);
    const holds: Array<{ id: string }> = [];
    for (const time of ['09:00', '12:00', '14:00']) holds.push(await insertBooking(t.db, d, local('2027-03-03', time), 'pending', 60, { createdAt: CREATED }));
    const other = await createStudent(t.db, d.instructor.id);
    let attempt: Promise<unknown> | undefined;
    const confirmed = await t.db.transaction(async (tx) => {
      await tx.execute(sql`select id from bookings where id = ${holds[which].id} for update`);
      attempt = book(d, other.id, '16:00');
      await untilWaitingOrDone(attempt);
      // Now the confirmation writes its audit entry while createBooking waits for this hold.
      return confirmBooking(tx, d.asAdmin, { bookingId: holds[which].id, now: at(29) });
    });
    expect(confirmed.status).toBe('confirmed');
    expect(await attempt).toMatchObject({ status: 'pending' });
    const rows = await activeRows(d);
    // The confirmed hold stays; the other two ran out and were cancelled; the new lesson holds 16:00.
    expect(rows.map((r) => r.id)).toEqual([holds[which].id, (await attempt as { id: string }).id]);
  });
});
