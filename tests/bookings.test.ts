// No double bookings: the exclusion constraint (half-open ranges, active bookings only) and the spec's
// unique index, with overlap reported as SQLSTATE 23P01 and mapped to the typed BOOKING_OVERLAP error.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookings } from '../src/db/schema/index.js';
import { sqlstateOf, toDbError } from '../src/db/errors.js';
import { bookingValues, createBooking, createInstructor, createSchoolBasics, failureOf, serviceId } from './support/fixtures.js';
import { openTestDb, type TestDb } from './support/db.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.dispose());

describe('bookings_instructor_no_overlap_excl', () => {
  it('rejects 10:30-11:30 beside 10:00-11:00 for the same instructor with SQLSTATE 23P01', async () => {
    const { instructor, serviceId: svc } = await createSchoolBasics(t.db);
    await createBooking(t.db, bookingValues(instructor.id, svc, '2026-12-01T10:00:00+11:00'));
    const err = await failureOf(() => createBooking(t.db, bookingValues(instructor.id, svc, '2026-12-01T10:30:00+11:00')));
    expect(sqlstateOf(err)).toBe('23P01');
    expect(toDbError(err)).toMatchObject({ code: 'BOOKING_OVERLAP', constraint: 'bookings_instructor_no_overlap_excl' });
  });

  it('rejects a booking that lies inside another one (10:15-10:45 within 10:00-11:00)', async () => {
    const { instructor, serviceId: svc } = await createSchoolBasics(t.db);
    await createBooking(t.db, bookingValues(instructor.id, svc, '2026-12-02T10:00:00+11:00'));
    const err = await failureOf(() => createBooking(t.db, bookingValues(instructor.id, svc, '2026-12-02T10:15:00+11:00', 30)));
    expect(sqlstateOf(err)).toBe('23P01');
  });

  it('accepts back-to-back bookings 10:00-11:00 and 11:00-12:00', async () => {
    const { instructor, serviceId: svc } = await createSchoolBasics(t.db);
    await createBooking(t.db, bookingValues(instructor.id, svc, '2026-12-03T10:00:00+11:00'));
    await createBooking(t.db, bookingValues(instructor.id, svc, '2026-12-03T11:00:00+11:00'));
    const rows = await t.db.select().from(bookings).where(eq(bookings.instructorId, instructor.id));
    expect(rows).toHaveLength(2);
  });

  it.each(['cancelled', 'rescheduled'] as const)('accepts a new booking over a %s one', async (status) => {
    const { instructor, serviceId: svc } = await createSchoolBasics(t.db);
    const cancelledBy = status === 'cancelled' ? 'user_2fixture' : undefined; // a cancellation names who (migration booking_lifecycle)
    await createBooking(t.db, bookingValues(instructor.id, svc, '2026-12-04T10:00:00+11:00', 60, { status, cancelledBy }));
    const again = await createBooking(t.db, bookingValues(instructor.id, svc, '2026-12-04T10:00:00+11:00'));
    expect(again.status).toBe('pending');
  });

  it('rejects reviving a cancelled booking whose slot was taken meanwhile (cancelled is final: ND020, INVALID_TRANSITION)', async () => {
    const { instructor, serviceId: svc } = await createSchoolBasics(t.db);
    const old = await createBooking(t.db, bookingValues(instructor.id, svc, '2026-12-05T10:00:00+11:00', 60, { status: 'cancelled', cancelledBy: 'user_2fixture' }));
    await createBooking(t.db, bookingValues(instructor.id, svc, '2026-12-05T10:30:00+11:00'));
    const err = await failureOf(() => t.db.update(bookings).set({ status: 'confirmed' }).where(eq(bookings.id, old.id)));
    expect(sqlstateOf(err)).toBe('ND020');
    expect(toDbError(err).code).toBe('INVALID_TRANSITION');
  });

  it('lets two instructors teach at the same time', async () => {
    const a = await createInstructor(t.db);
    const b = await createInstructor(t.db);
    const svc = await serviceId(t.db);
    await createBooking(t.db, bookingValues(a.id, svc, '2026-12-06T10:00:00+11:00'));
    const other = await createBooking(t.db, bookingValues(b.id, svc, '2026-12-06T10:00:00+11:00'));
    expect(other.instructorId).toBe(b.id);
  });

  it('reports an identical start time as BOOKING_OVERLAP too (the spec index idx_bookings_no_overlap or the exclusion)', async () => {
    const { instructor, serviceId: svc } = await createSchoolBasics(t.db);
    await createBooking(t.db, bookingValues(instructor.id, svc, '2026-12-07T10:00:00+11:00'));
    const err = await failureOf(() => createBooking(t.db, bookingValues(instructor.id, svc, '2026-12-07T10:00:00+11:00', 30)));
    expect(toDbError(err).code).toBe('BOOKING_OVERLAP');
  });
});
