// Scheduling through the database, on every engine, as the application runs (a member of
// nexdrive_app): getAvailableSlots over real rows (daylight saving both ways in 2026 and 2027,
// overrides, buffers, the daily cap, notice, horizon), createBooking and every refusal reason, holds
// and their expiry, each lifecycle step allowed and refused (through the operations and through raw
// SQL, which the database refuses too), cancellation (late flag, waitlist), and rescheduling as one
// change. Times are fixed by passing `now` as an admin or system actor.
import { and, asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOOKING_TRANSITIONS, cancelBooking, completeBooking, confirmBooking, createBooking, expirePendingBookings, getAvailableSlots,
  InvalidTransitionError, markNoShow, recordManualPayment, rescheduleBooking, SCHEDULING, SlotUnavailableError, startBooking, systemActor,
} from '../src/access/index.js';
import { HOLD_EXPIRED_BY, HOLD_EXPIRED_REASON } from '../src/access/scheduling/rules.js';
import { bookingColumns } from '../src/access/scheduling/views.js';
import { DbError, ForbiddenError, NotFoundError, sqlstateOf, toDbError, ValidationError } from '../src/db/errors.js';
import { auditLog, availabilityOverrides, bookings, contacts, instructors, payments, services, waitlist } from '../src/db/schema/index.js';
import type { BookingStatus } from '../src/db/types.js';
import { canberraDate } from '../src/domain/time.js';
import { canberraInstant, DAY_MS, HOUR_MS, MINUTE_MS } from '../src/domain/wall-clock.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createParent, createStudent, failureOf } from './support/fixtures.js';
import { asOwner, bookingRow, createDiary, insertBooking, type Diary } from './support/scheduling.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

/** The clock of these tests: Monday 1 March 2027, 09:00 in Canberra (AEDT). */
const NOW = new Date('2027-03-01T09:00:00+11:00');
const local = (date: string, time: string) => canberraInstant(date, time);
const minutesAfter = (d: Date, minutes: number) => new Date(d.getTime() + minutes * MINUTE_MS);
/** An AI agent: it acts in real time (only admins and jobs may pass `now`). */
const system = systemActor('agent:voice');
/** `time` in Canberra, `days` days from today (real time, for the agent). */
const daysAhead = (days: number, time: string) => local(canberraDate(new Date(Date.now() + days * DAY_MS)), time);

function book(d: Diary, start: Date, extra: Record<string, unknown> = {}) {
  return createBooking(t.db, d.asAdmin, { instructorId: d.instructor.id, serviceId: d.serviceId, studentId: d.student.id, start, bookedVia: 'admin', now: NOW, ...extra });
}

function slotsOf(d: Diary, date: string, now = NOW) {
  const from = local(date, '00:00');
  return getAvailableSlots(t.db, { instructorId: d.instructor.id, serviceId: d.serviceId, from, to: new Date(from.getTime() + DAY_MS), now });
}

async function refusal(run: () => Promise<unknown>): Promise<string> {
  const err = await failureOf(run);
  if (!(err instanceof SlotUnavailableError)) throw err;
  return err.reason;
}

const bookingCount = (instructorId: string) => t.db.$count(bookings, eq(bookings.instructorId, instructorId));

describe('getAvailableSlots on the database', () => {
  describe('daylight saving: a 09:00-12:00 rule is 09:00 local on both sides of each change', () => {
    it.each([
      ['2026-04-04', '+11:00'], ['2026-04-05', '+10:00'], ['2026-10-03', '+10:00'], ['2026-10-04', '+11:00'],
      ['2027-04-03', '+11:00'], ['2027-04-04', '+10:00'], ['2027-10-02', '+10:00'], ['2027-10-03', '+11:00'],
    ])('%s: first slot 09:00%s, last 11:00, nine in all', async (date, offset) => {
      const d = await createDiary(t.db, { rules: [[[0, 6], '09:00', '12:00']] }); // Saturdays and Sundays
      const slots = await slotsOf(d, date as string, new Date(Date.parse(`${date}T00:00:00Z`) - 10 * DAY_MS));
      expect(slots).toHaveLength(9);
      expect(slots[0].start).toEqual(new Date(`${date}T09:00:00${offset}`));
      expect(slots[8].start).toEqual(new Date(`${date}T11:00:00${offset}`));
    });

    it('a rule spanning the missing hour (01:00-04:00 on 2026-10-04) is 2 real hours: 5 slots of 60 minutes, the last at 03:00 AEDT', async () => {
      const d = await createDiary(t.db, { buffer: 0, rules: [[[0], '01:00', '04:00']] });
      const slots = await slotsOf(d, '2026-10-04', new Date('2026-09-20T00:00:00Z'));
      expect(slots.map((s) => s.start)).toEqual(
        ['01:00:00+10:00', '01:15:00+10:00', '01:30:00+10:00', '01:45:00+10:00', '03:00:00+11:00'].map((x) => new Date(`2026-10-04T${x}`)),
      );
    });

    it('a rule spanning the repeated hour (01:00-04:00 on 2027-04-04) is 4 real hours: 13 slots, 02:00 AEDT and 02:00 AEST both offered', async () => {
      const d = await createDiary(t.db, { buffer: 0, rules: [[[0], '01:00', '04:00']] });
      const slots = await slotsOf(d, '2027-04-04', new Date('2027-03-20T00:00:00Z'));
      expect(slots).toHaveLength(13);
      const starts = slots.map((s) => s.start.getTime());
      expect(starts).toContain(Date.parse('2027-04-04T02:00:00+11:00'));
      expect(starts).toContain(Date.parse('2027-04-04T02:00:00+10:00'));
    });

    it('books 09:00 on the day daylight saving ends and on the day it starts, each on its own Canberra date', async () => {
      const d = await createDiary(t.db, { rules: [[[0], '09:00', '12:00']] });
      const april = await book(d, new Date('2027-04-04T09:00:00+10:00'));
      expect(april).toMatchObject({ scheduledDate: '2027-04-04', startTime: new Date('2027-04-03T23:00:00Z') });
      const october = await createBooking(t.db, d.asAdmin, {
        instructorId: d.instructor.id, serviceId: d.serviceId, studentId: d.student.id, start: '2027-10-03T09:00:00+11:00', bookedVia: 'admin', now: '2027-09-20T09:00:00+10:00',
      });
      expect(october).toMatchObject({ scheduledDate: '2027-10-03', startTime: new Date('2027-10-02T22:00:00Z') });
    });
  });

  it('reads overrides from the database: a blocked day has no slot, an available evening opens one', async () => {
    const d = await createDiary(t.db, { rules: [[[2], '09:00', '12:00']] }); // Tuesdays
    await t.db.insert(availabilityOverrides).values([
      { instructorId: d.instructor.id, date: '2027-03-02', startTime: null, endTime: null, overrideType: 'blocked', reason: 'Sick day' },
      { instructorId: d.instructor.id, date: '2027-03-03', startTime: '18:00', endTime: '19:00', overrideType: 'available' },
    ]);
    expect(await slotsOf(d, '2027-03-02')).toEqual([]);
    expect((await slotsOf(d, '2027-03-03')).map((s) => s.start)).toEqual([local('2027-03-03', '18:00')]);
    expect(await slotsOf(d, '2027-03-09')).toHaveLength(9);
  });

  it('reads bookings from the database: the buffer on both sides, and cancelled bookings free', async () => {
    const d = await createDiary(t.db, { rules: [[[2], '09:00', '13:00']] });
    await insertBooking(t.db, d, local('2027-03-02', '11:00'));
    await insertBooking(t.db, d, local('2027-03-02', '09:00'), 'cancelled');
    const starts = (await slotsOf(d, '2027-03-02')).map((s) => s.start);
    // 10:00 would end as the booking starts (no gap); 12:00, 15 minutes after it, would end after 13:00.
    expect(starts).toEqual(['09:00', '09:15', '09:30', '09:45'].map((time) => local('2027-03-02', time)));
  });

  it('closes a Canberra date that holds max_lessons_per_day active bookings', async () => {
    const d = await createDiary(t.db, { cap: 2 });
    await insertBooking(t.db, d, local('2027-03-02', '08:00'));
    await insertBooking(t.db, d, local('2027-03-02', '16:00'), 'completed');
    expect(await slotsOf(d, '2027-03-02')).toEqual([]);
    expect((await slotsOf(d, '2027-03-03')).length).toBeGreaterThan(0);
  });

  it('keeps notice and horizon: nothing in the next 24 hours (learner-60), nothing after 60 days', async () => {
    const d = await createDiary(t.db);
    const slots = await getAvailableSlots(t.db, { instructorId: d.instructor.id, serviceId: d.serviceId, from: NOW, to: new Date(NOW.getTime() + (SCHEDULING.horizonDays + 2) * DAY_MS), now: NOW });
    expect(slots[0].start).toEqual(new Date(NOW.getTime() + 24 * HOUR_MS));
    expect(slots.at(-1)!.start.getTime()).toBeLessThanOrEqual(NOW.getTime() + SCHEDULING.horizonDays * DAY_MS);
    expect(slots.at(-1)!.start.getTime()).toBeGreaterThan(NOW.getTime() + (SCHEDULING.horizonDays - 1) * DAY_MS);
  });

  it('is NOT_FOUND for an unknown or inactive instructor or service, VALIDATION_ERROR for a window that ends before it starts', async () => {
    const d = await createDiary(t.db);
    const ask = (over: Record<string, unknown>) => getAvailableSlots(t.db, { instructorId: d.instructor.id, serviceId: d.serviceId, from: NOW, to: new Date(NOW.getTime() + DAY_MS), ...over });
    expect(await failureOf(() => ask({ instructorId: '00000000-0000-4000-8000-000000000000' }))).toBeInstanceOf(NotFoundError);
    expect(await failureOf(() => ask({ to: NOW }))).toBeInstanceOf(ValidationError);
    const [inactive] = await t.db.insert(services).values({ name: 'Old', slug: `old-${d.instructor.id}`, durationMinutes: 60, priceCents: 1, category: 'lesson', isActive: false }).returning();
    expect(await failureOf(() => ask({ serviceId: inactive.id }))).toBeInstanceOf(NotFoundError);
    await t.db.update(instructors).set({ status: 'onboarding' }).where(eq(instructors.id, d.instructor.id));
    expect(await failureOf(() => ask({}))).toBeInstanceOf(NotFoundError);
  });
});

describe(createBooking.name, () => {
  it('books a free slot as pending: the service price, its duration, the Canberra date, who booked, the hold from now, an audit entry', async () => {
    const d = await createDiary(t.db);
    const start = local('2027-03-03', '10:00');
    const booking = await book(d, start, { pickupAddress: '1 Northbourne Ave', suburb: 'Braddon' });
    expect(booking).toMatchObject({
      status: 'pending', amountCents: 10500, durationMinutes: 60, startTime: start, endTime: minutesAfter(start, 60), scheduledDate: '2027-03-03',
      studentId: d.student.id, bookedVia: 'admin', suburb: 'Braddon', createdAt: NOW,
    });
    expect(booking).not.toHaveProperty('adminNotes');
    expect(await bookingRow(t.db, booking.id)).toMatchObject({ bookedBy: d.admin.userId });
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, booking.id), eq(auditLog.eventType, 'BOOKING_CREATED')));
    expect(entry).toMatchObject({ actorId: d.admin.userId, actorRole: 'admin', details: { studentId: d.student.id, amountCents: 10500 } });
  });

  it('lets the student book for themselves in real time (no now), and refuses them a now of their own (FORBIDDEN)', async () => {
    const d = await createDiary(t.db);
    const date = canberraDate(new Date(Date.now() + 3 * DAY_MS));
    const input = { instructorId: d.instructor.id, serviceId: d.serviceId, studentId: d.student.id, start: local(date, '10:00'), bookedVia: 'website' as const };
    expect((await createBooking(t.db, d.asStudent, input)).status).toBe('pending');
    expect(await failureOf(() => createBooking(t.db, d.asStudent, { ...input, start: local(date, '14:00'), now: new Date() }))).toBeInstanceOf(ForbiddenError);
  });

  describe('refuses a slot that is not free with SLOT_UNAVAILABLE and its reason, writing nothing', () => {
    it.each([
      ['outside_hours', '2027-03-03', '07:45'], // the rules open at 08:00
      ['outside_hours', '2027-03-03', '17:15'], // a 60-minute lesson would end after 18:00
      ['notice', '2027-03-01', '15:00'], // within 24 hours of now
      ['horizon', '2027-05-01', '10:00'], // more than 60 days ahead
      ['taken', '2027-03-03', '10:30'], // inside the confirmed 10:00-11:00
      ['buffer', '2027-03-03', '09:00'], // ends as it starts: no 15 minutes before it
      ['buffer', '2027-03-03', '11:00'], // starts as it ends: no 15 minutes after it
      ['hold', '2027-03-03', '14:00'], // a pending booking made 10 minutes ago
    ])('%s: %s %s', async (reason, date, time) => {
      const d = await createDiary(t.db);
      await insertBooking(t.db, d, local('2027-03-03', '10:00'));
      await insertBooking(t.db, d, local('2027-03-03', '14:00'), 'pending', 60, { createdAt: minutesAfter(NOW, -10) });
      const before = await bookingCount(d.instructor.id);
      expect(await refusal(() => book(d, local(date as string, time as string)))).toBe(reason);
      expect(await bookingCount(d.instructor.id)).toBe(before);
    });

    it('daily_cap: a third lesson on a date capped at 2, while the next date is free', async () => {
      const d = await createDiary(t.db, { cap: 2 });
      await book(d, local('2027-03-03', '08:00'));
      await book(d, local('2027-03-03', '10:00'));
      expect(await refusal(() => book(d, local('2027-03-03', '14:00')))).toBe('daily_cap');
      expect((await book(d, local('2027-03-04', '14:00'))).status).toBe('pending');
    });
  });

  it('no longer counts an expired hold: cancels it as hold_expired (audited) and books its time', async () => {
    const d = await createDiary(t.db);
    const stale = await insertBooking(t.db, d, local('2027-03-03', '10:00'), 'pending', 60, { createdAt: minutesAfter(NOW, -SCHEDULING.holdMinutes) });
    const booking = await book(d, local('2027-03-03', '10:00'));
    expect(booking.status).toBe('pending');
    expect(await bookingRow(t.db, stale.id)).toMatchObject({ status: 'cancelled', cancelledBy: HOLD_EXPIRED_BY, cancellationReason: HOLD_EXPIRED_REASON });
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, stale.id), eq(auditLog.eventType, 'BOOKING_HOLD_EXPIRED')));
    expect(entry).toMatchObject({ actorId: d.admin.userId });
    // (written by the statement that cancels it, with the times as JavaScript's toISOString writes them)
    expect(entry.details).toEqual({
      instructorId: d.instructor.id, startTime: stale.startTime.toISOString(), createdAt: stale.createdAt.toISOString(), holdMinutes: SCHEDULING.holdMinutes,
    });
  });

  it.each([
    ['a start off the 15-minute grid', { start: '2027-03-03T10:05:00+11:00' }, ['start']],
    ['both a student and a contact', { contactId: '00000000-0000-4000-8000-000000000000' }, ['studentId']],
    ['a co-lesson without its parent', { isCoLesson: true }, ['coLessonParentId']],
    ['an unknown channel', { bookedVia: 'pigeon' }, ['bookedVia']],
  ])('refuses %s with VALIDATION_ERROR', async (_label, change, fields) => {
    const d = await createDiary(t.db);
    const err = await failureOf(() => book(d, local('2027-03-03', '10:00'), change));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toEqual(fields);
  });

  it("refuses a student's booking with another instructor (VALIDATION_ERROR on instructorId)", async () => {
    const d = await createDiary(t.db);
    const other = await createDiary(t.db);
    const err = await failureOf(() => book(d, local('2027-03-03', '10:00'), { instructorId: other.instructor.id }));
    expect((err as ValidationError).fields).toEqual(['instructorId']);
  });

  it('books a co-lesson with a linked parent, and refuses a parent who is not linked', async () => {
    const d = await createDiary(t.db);
    const { parent } = await createParent(t.db, d.student.id);
    const stranger = await createParent(t.db, (await createStudent(t.db, d.instructor.id)).id);
    const co = await book(d, local('2027-03-03', '10:00'), { isCoLesson: true, coLessonParentId: parent.id });
    expect(co).toMatchObject({ isCoLesson: true, coLessonParentId: parent.id });
    const err = await failureOf(() => book(d, local('2027-03-04', '10:00'), { isCoLesson: true, coLessonParentId: stranger.parent.id }));
    expect((err as ValidationError).fields).toEqual(['coLessonParentId']);
  });

  it('books a prospect (contactId) for a system agent, refuses it to a student (FORBIDDEN), and a missing contact is NOT_FOUND', async () => {
    const d = await createDiary(t.db);
    const [contact] = await t.db.insert(contacts).values({ firstName: 'Casey', phone: '+61400000001' }).returning();
    const input = { instructorId: d.instructor.id, serviceId: d.serviceId, contactId: contact.id, start: daysAhead(3, '10:00'), bookedVia: 'voice_agent' as const };
    const booking = await createBooking(t.db, system, input);
    expect(booking).toMatchObject({ contactId: contact.id, studentId: null, status: 'pending' });
    expect(await bookingRow(t.db, booking.id)).toMatchObject({ bookedBy: 'agent:voice' });
    expect(await failureOf(() => createBooking(t.db, d.asStudent, { ...input, start: daysAhead(4, '10:00') }))).toBeInstanceOf(ForbiddenError);
    expect(await failureOf(() => createBooking(t.db, system, { ...input, contactId: '00000000-0000-4000-8000-000000000000', start: daysAhead(4, '10:00') }))).toBeInstanceOf(NotFoundError);
    expect(await failureOf(() => createBooking(t.db, system, { ...input, start: daysAhead(5, '10:00'), now: NOW }))).toBeInstanceOf(ForbiddenError); // an agent never sets the clock
  });

  it('books a service that is not bookable online for staff only: the student is FORBIDDEN, the instructor may', async () => {
    const d = await createDiary(t.db);
    const [phoneOnly] = await t.db.insert(services).values({ name: 'Phone only', slug: `phone-${d.instructor.id}`, durationMinutes: 60, priceCents: 9000, category: 'lesson', isBookableOnline: false, minNoticeHours: 0 }).returning();
    const date = canberraDate(new Date(Date.now() + 3 * DAY_MS));
    const input = { instructorId: d.instructor.id, serviceId: phoneOnly.id, studentId: d.student.id, bookedVia: 'phone' as const };
    expect(await failureOf(() => createBooking(t.db, d.asStudent, { ...input, start: local(date, '10:00') }))).toBeInstanceOf(ForbiddenError);
    expect(await createBooking(t.db, d.asInstructor, { ...input, start: local(date, '10:00') })).toMatchObject({ amountCents: 9000 });
  });

  it("refuses a system agent booking for a student (FORBIDDEN: an agent books prospects only)", async () => {
    const d = await createDiary(t.db);
    const err = await failureOf(() => createBooking(t.db, system, { instructorId: d.instructor.id, serviceId: d.serviceId, studentId: d.student.id, start: daysAhead(3, '10:00'), bookedVia: 'sms' }));
    expect(err).toBeInstanceOf(ForbiddenError);
  });
});

describe('the lifecycle', () => {
  const asSystem = systemActor('cron:confirm-paid');
  /** A booking of the diary's student in `status`, made through the operations where a path exists. */
  async function bookingIn(d: Diary, status: BookingStatus, start = local('2027-03-03', '10:00')) {
    const b = await book(d, start);
    const id = b.id;
    const later = minutesAfter(NOW, 5);
    if (status === 'pending') return id;
    if (status === 'cancelled') return (await cancelBooking(t.db, d.asAdmin, { bookingId: id, reason: 'test', now: later })).booking.id;
    await confirmBooking(t.db, d.asAdmin, { bookingId: id, now: later });
    if (status === 'confirmed') return id;
    // The steps keep time (SCHEDULING.startEarlyMinutes, noShowAfterMinutes): 20 minutes into the lesson,
    // told by an admin (only admins and jobs pass `now`).
    const during = minutesAfter(start, 20);
    if (status === 'no_show') return (await markNoShow(t.db, d.asAdmin, { bookingId: id, now: during })).id;
    if (status === 'rescheduled') return (await rescheduleBooking(t.db, d.asAdmin, { bookingId: id, start: minutesAfter(start, 24 * 60), now: later })).previous.id;
    await startBooking(t.db, d.asAdmin, { bookingId: id, now: during });
    if (status === 'in_progress') return id;
    await completeBooking(t.db, d.asAdmin, { bookingId: id, now: during });
    return id;
  }

  const STEPS: Array<[string, BookingStatus, (d: Diary, id: string) => Promise<unknown>]> = [
    ['confirmBooking', 'confirmed', (d, id) => confirmBooking(t.db, asSystem, { bookingId: id, now: minutesAfter(NOW, 10) })],
    ['startBooking', 'in_progress', (d, id) => startBooking(t.db, d.asAdmin, { bookingId: id, now: minutesAfter(local('2027-03-03', '10:00'), 20) })],
    ['completeBooking', 'completed', (d, id) => completeBooking(t.db, d.asAdmin, { bookingId: id, now: minutesAfter(local('2027-03-03', '10:00'), 20) })],
    ['markNoShow', 'no_show', (d, id) => markNoShow(t.db, d.asAdmin, { bookingId: id, now: minutesAfter(local('2027-03-03', '10:00'), 20) })],
    ['cancelBooking', 'cancelled', (d, id) => cancelBooking(t.db, d.asInstructor, { bookingId: id, reason: 'Exam clash' })],
    ['rescheduleBooking', 'rescheduled', (d, id) => rescheduleBooking(t.db, d.asAdmin, { bookingId: id, start: local('2027-03-10', '10:00'), now: minutesAfter(NOW, 10) })],
  ];
  const FROM: BookingStatus[] = ['pending', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show', 'rescheduled'];
  const cases = STEPS.flatMap(([name, to, run]) => FROM.map((from) => [name, from, to, run] as const));

  it.each(cases)('%s from %s: allowed exactly when %s is in BOOKING_TRANSITIONS[from]', async (_name, from, to, run) => {
    const d = await createDiary(t.db);
    const id = await bookingIn(d, from);
    const before = await bookingRow(t.db, id);
    const err = await run(d, id).then(() => null, (e: unknown) => e);
    if (BOOKING_TRANSITIONS[from].includes(to)) {
      expect(err).toBeNull();
      expect((await bookingRow(t.db, id)).status).toBe(to);
    } else {
      expect(err).toBeInstanceOf(InvalidTransitionError);
      expect(err).toMatchObject({ code: 'INVALID_TRANSITION', from, to });
      expect(await bookingRow(t.db, id)).toEqual(before);
    }
  });

  it('lets a student cancel before the lesson starts, and not once it is under way (FORBIDDEN: ask the school)', async () => {
    const d = await createDiary(t.db);
    const started = await bookingIn(d, 'in_progress');
    const err = await failureOf(() => cancelBooking(t.db, d.asStudent, { bookingId: started, reason: 'Changed my mind' }));
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((await bookingRow(t.db, started)).status).toBe('in_progress');
    const ahead = await bookingIn(d, 'confirmed', local('2027-03-05', '10:00'));
    expect((await cancelBooking(t.db, d.asStudent, { bookingId: ahead, reason: 'Exam clash' })).booking.status).toBe('cancelled');
  });

  it('writes an audit entry for each step, by its actor', async () => {
    const d = await createDiary(t.db);
    const id = await bookingIn(d, 'completed');
    const rows = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, id)).orderBy(asc(auditLog.chainPosition));
    expect(rows.map((r) => [r.eventType, r.actorRole])).toEqual([
      ['BOOKING_CREATED', 'admin'], ['BOOKING_CONFIRMED', 'admin'], ['BOOKING_STARTED', 'admin'], ['BOOKING_COMPLETED', 'admin'],
    ]);
  });

  it('confirms a hold while it lasts, and refuses one that ran out (SLOT_UNAVAILABLE, hold_expired), leaving it pending', async () => {
    const d = await createDiary(t.db);
    const fresh = await book(d, local('2027-03-03', '10:00'));
    const stale = await book(d, local('2027-03-03', '14:00'));
    const confirmed = await confirmBooking(t.db, asSystem, { bookingId: fresh.id, now: minutesAfter(NOW, SCHEDULING.holdMinutes - 1) });
    expect(confirmed.status).toBe('confirmed');
    // the row as a select of the booking view returns it (the change and its audit entry are one statement)
    expect(Object.keys(confirmed).sort()).toEqual(Object.keys(bookingColumns).sort());
    expect(confirmed.startTime).toBeInstanceOf(Date);
    expect(confirmed.startTime.getTime()).toBe(fresh.startTime.getTime());
    expect(await refusal(() => confirmBooking(t.db, asSystem, { bookingId: stale.id, now: minutesAfter(NOW, SCHEDULING.holdMinutes) }))).toBe('hold_expired');
    expect((await bookingRow(t.db, stale.id)).status).toBe('pending');
  });

  it("treats a prospect's booking as its instructor's and the school's: the instructor starts it, a student cannot see it", async () => {
    const d = await createDiary(t.db);
    const [contact] = await t.db.insert(contacts).values({ firstName: 'Pat', phone: '+61400000002' }).returning();
    const b = await createBooking(t.db, system, { instructorId: d.instructor.id, serviceId: d.serviceId, contactId: contact.id, start: daysAhead(3, '10:00'), bookedVia: 'sms' });
    expect(await failureOf(() => confirmBooking(t.db, system, { bookingId: b.id }))).toBeInstanceOf(ForbiddenError); // payment or the school confirms, not the agent
    await confirmBooking(t.db, asSystem, { bookingId: b.id });
    expect(await failureOf(() => startBooking(t.db, d.asStudent, { bookingId: b.id }))).toBeInstanceOf(NotFoundError);
    const stranger = actorOf.instructor((await createDiary(t.db)).instructor);
    expect(await failureOf(() => startBooking(t.db, stranger, { bookingId: b.id }))).toBeInstanceOf(NotFoundError);
    // The instructor may act on it: in real time the lesson (3 days ahead) is not due yet (NOT_YET_DUE), not NOT_FOUND.
    expect(await failureOf(() => startBooking(t.db, d.asInstructor, { bookingId: b.id }))).toMatchObject({ code: 'NOT_YET_DUE' });
    expect(await failureOf(() => startBooking(t.db, d.asInstructor, { bookingId: b.id, now: b.startTime }))).toBeInstanceOf(ForbiddenError); // only admins and jobs set the clock
    expect((await startBooking(t.db, d.asAdmin, { bookingId: b.id, now: b.startTime })).status).toBe('in_progress');
  });
});

describe('the database keeps the lifecycle whatever writes the row (raw SQL as the application)', () => {
  const FROM: BookingStatus[] = ['pending', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show', 'rescheduled'];
  const pairs = FROM.flatMap((from) => FROM.filter((to) => to !== from).map((to) => [from, to] as const));

  it.each(pairs)('UPDATE status %s -> %s is refused with ND020 unless BOOKING_TRANSITIONS allows it', async (from, to) => {
    const d = await createDiary(t.db);
    const row = await insertBooking(t.db, d, local('2027-03-03', '10:00'), from);
    const run = () => t.db.update(bookings).set({ status: to, cancelledBy: to === 'cancelled' ? 'user_2raw' : undefined }).where(eq(bookings.id, row.id));
    if (BOOKING_TRANSITIONS[from].includes(to)) {
      await run();
      expect((await bookingRow(t.db, row.id)).status).toBe(to);
    } else {
      const err = await failureOf(run);
      expect(sqlstateOf(err)).toBe('ND020');
      expect(toDbError(err)).toMatchObject({ code: 'INVALID_TRANSITION' });
      expect((await bookingRow(t.db, row.id)).status).toBe(from);
    }
  });

  it('sets cancelled_at to its own clock when a booking is cancelled, whatever the caller sends', async () => {
    const d = await createDiary(t.db);
    const row = await insertBooking(t.db, d, local('2027-03-03', '10:00'));
    const before = Date.now();
    await t.db.update(bookings).set({ status: 'cancelled', cancelledBy: 'user_2raw', cancelledAt: new Date('2000-01-01T00:00:00Z') }).where(eq(bookings.id, row.id));
    const after = await bookingRow(t.db, row.id);
    expect(after.cancelledAt!.getTime()).toBeGreaterThan(before - 60_000);
  });

  it.each([
    ['a cancellation that names nobody', (id: string) => t.db.update(bookings).set({ status: 'cancelled' }).where(eq(bookings.id, id))],
    ['cancelled_by on a booking that is not cancelled', (id: string) => t.db.update(bookings).set({ cancelledBy: 'user_2raw' }).where(eq(bookings.id, id))],
    ['cancelled_at on a booking that is not cancelled', (id: string) => t.db.update(bookings).set({ cancelledAt: new Date() }).where(eq(bookings.id, id))],
  ])('refuses %s with ND021 (INVALID_CANCELLATION)', async (_label, run) => {
    const d = await createDiary(t.db);
    const row = await insertBooking(t.db, d, local('2027-03-03', '10:00'));
    const err = await failureOf(() => run(row.id));
    expect(sqlstateOf(err)).toBe('ND021');
    expect(toDbError(err).code).toBe('INVALID_CANCELLATION');
  });

  it('never changes who cancelled and when (ND021)', async () => {
    const d = await createDiary(t.db);
    const row = await insertBooking(t.db, d, local('2027-03-03', '10:00'), 'cancelled');
    expect(sqlstateOf(await failureOf(() => t.db.update(bookings).set({ cancelledBy: 'user_2other' }).where(eq(bookings.id, row.id))))).toBe('ND021');
    expect(sqlstateOf(await failureOf(() => t.db.update(bookings).set({ cancelledAt: new Date() }).where(eq(bookings.id, row.id))))).toBe('ND021');
  });

  it.each([
    ['start_time and end_time', { startTime: local('2027-03-03', '11:00'), endTime: local('2027-03-03', '12:00'), scheduledDate: '2027-03-03' }],
    ['instructor_id', 'instructor'],
  ])('refuses editing a booking\'s %s (ND022, BOOKING_FROZEN): it is rescheduled instead', async (_label, change) => {
    const d = await createDiary(t.db);
    const row = await insertBooking(t.db, d, local('2027-03-03', '10:00'));
    const set = change === 'instructor' ? { instructorId: (await createDiary(t.db)).instructor.id } : change;
    const err = await failureOf(() => t.db.update(bookings).set(set as never).where(eq(bookings.id, row.id)));
    expect(sqlstateOf(err)).toBe('ND022');
    expect(toDbError(err).code).toBe('BOOKING_FROZEN');
  });

  it('still lets the rest of a booking change: payment status, notes, the lesson link', async () => {
    const d = await createDiary(t.db);
    const row = await insertBooking(t.db, d, local('2027-03-03', '10:00'), 'completed');
    await t.db.update(bookings).set({ paymentStatus: 'paid', bookingNotes: 'Bring glasses', adminNotes: 'Paid cash' }).where(eq(bookings.id, row.id));
    expect(await bookingRow(t.db, row.id)).toMatchObject({ paymentStatus: 'paid', status: 'completed' });
  });
});

describe(cancelBooking.name, () => {
  it('sets cancelled_at (the database clock), cancelled_by (the actor) and the reason, and frees the slot at once', async () => {
    const d = await createDiary(t.db);
    const b = await book(d, local('2027-03-03', '10:00'));
    const result = await cancelBooking(t.db, d.asStudent, { bookingId: b.id, reason: 'Exam clash' });
    expect(result.booking).toMatchObject({ status: 'cancelled', cancellationReason: 'Exam clash' });
    const row = await bookingRow(t.db, b.id);
    expect(row.cancelledBy).toBe(d.student.userId);
    expect(row.cancelledAt).toBeInstanceOf(Date);
    expect((await book(d, local('2027-03-03', '10:00'))).status).toBe('pending');
  });

  it('records a cancellation 23 hours before the start as late, 25 hours before as not (never refuses it)', async () => {
    const d = await createDiary(t.db);
    const start = local('2027-03-05', '10:00');
    const early = await book(d, start);
    const late = await book(d, local('2027-03-06', '10:00'));
    const a = await cancelBooking(t.db, d.asAdmin, { bookingId: early.id, reason: 'x', now: new Date(start.getTime() - 25 * HOUR_MS) });
    const b = await cancelBooking(t.db, d.asAdmin, { bookingId: late.id, reason: 'x', now: new Date(local('2027-03-06', '10:00').getTime() - 23 * HOUR_MS) });
    expect([a.lateCancellation, b.lateCancellation]).toEqual([false, true]);
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, late.id), eq(auditLog.eventType, 'BOOKING_CANCELLED')));
    expect(entry.details).toMatchObject({ lateCancellation: true, hoursBeforeStart: 23 });
  });

  it('returns the waitlist entries that match the freed slot, oldest first, to staff; students get none (ids in the audit entry)', async () => {
    const d = await createDiary(t.db);
    const other = await createDiary(t.db);
    const start = local('2027-03-03', '10:00'); // a Wednesday (3)
    // one live entry per person and instructor (migration 0026): each entry is another student's
    const waiting = await Promise.all(Array.from({ length: 7 }, () => createStudent(t.db, d.instructor.id)));
    let n = 0;
    const entry = (values: Partial<typeof waitlist.$inferInsert>) => ({ studentId: waiting[n++].id, ...values });
    const rows = await t.db
      .insert(waitlist)
      .values([
        entry({ instructorId: d.instructor.id, serviceId: d.serviceId, preferredDay: 3, preferredTimeStart: '09:00', preferredTimeEnd: '12:00' }), // matches
        entry({}), // anything, anywhere: matches
        entry({ preferredDay: 4 }), // Thursdays only
        entry({ preferredTimeStart: '10:30' }), // window starts too late
        entry({ preferredTimeEnd: '10:45' }), // window ends too early
        entry({ instructorId: other.instructor.id }), // another instructor
        entry({ status: 'notified' }), // already told
      ])
      .returning();
    const first = await book(d, start);
    const second = await book(d, local('2027-03-03', '14:00'));
    const staff = await cancelBooking(t.db, d.asInstructor, { bookingId: first.id, reason: 'Car in service' });
    expect(staff.waitlist.map((w) => w.id).sort()).toEqual([rows[0].id, rows[1].id].sort());
    const student = await cancelBooking(t.db, d.asStudent, { bookingId: second.id, reason: 'Sick' });
    expect(student.waitlist).toEqual([]);
    const [audit] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, first.id), eq(auditLog.eventType, 'BOOKING_CANCELLED')));
    expect((audit.details as { waitlistEntryIds: string[] }).waitlistEntryIds).toEqual(staff.waitlist.map((w) => w.id));
  });
});

describe(rescheduleBooking.name, () => {
  async function confirmed(d: Diary, start = local('2027-03-03', '10:00')) {
    const b = await book(d, start);
    return confirmBooking(t.db, d.asAdmin, { bookingId: b.id, now: NOW });
  }

  it('makes a confirmed booking at the new time and marks the old one rescheduled, keeping price and payment', async () => {
    const d = await createDiary(t.db);
    // In real time: the student may not pass `now`.
    const day = (n: number) => canberraDate(new Date(Date.now() + n * DAY_MS));
    const made = await createBooking(t.db, d.asStudent, { instructorId: d.instructor.id, serviceId: d.serviceId, studentId: d.student.id, start: local(day(3), '10:00'), bookedVia: 'website' });
    const old = await confirmBooking(t.db, d.asAdmin, { bookingId: made.id });
    const { payment } = await recordManualPayment(t.db, d.asAdmin, { studentId: d.student.id, bookingId: old.id, method: 'cash' });
    const { previous, booking } = await rescheduleBooking(t.db, d.asStudent, { bookingId: old.id, start: local(day(4), '15:00') });
    expect(previous).toMatchObject({ id: old.id, status: 'rescheduled' });
    expect(booking).toMatchObject({ status: 'confirmed', startTime: local(day(4), '15:00'), scheduledDate: day(4), paymentStatus: 'paid', amountCents: 10500, studentId: d.student.id });
    // Money follows the booking: the payment pays the new booking now; the old one keeps its history.
    expect(await bookingRow(t.db, booking.id)).toMatchObject({ paymentId: payment.id, rescheduledFrom: old.id });
    expect(await bookingRow(t.db, old.id)).toMatchObject({ paymentId: payment.id, paymentStatus: 'paid' });
    const [moved] = await t.db.select({ bookingId: payments.bookingId }).from(payments).where(eq(payments.id, payment.id));
    expect(moved.bookingId).toBe(booking.id);
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, old.id), eq(auditLog.eventType, 'BOOKING_RESCHEDULED')));
    expect(entry).toMatchObject({ actorId: d.student.userId, details: { newBookingId: booking.id } });
  });

  it('may move a lesson into part of its own time (10:00 -> 10:30 the same day)', async () => {
    const d = await createDiary(t.db);
    const old = await confirmed(d);
    const { booking } = await rescheduleBooking(t.db, d.asAdmin, { bookingId: old.id, start: local('2027-03-03', '10:30'), now: NOW });
    expect(booking.startTime).toEqual(local('2027-03-03', '10:30'));
  });

  it('changes nothing when the new slot is not free (SLOT_UNAVAILABLE): the old booking stays confirmed, no new booking, no audit entry', async () => {
    const d = await createDiary(t.db);
    const old = await confirmed(d);
    await insertBooking(t.db, d, local('2027-03-04', '10:00'));
    const before = await bookingCount(d.instructor.id);
    expect(await refusal(() => rescheduleBooking(t.db, d.asAdmin, { bookingId: old.id, start: local('2027-03-04', '10:45'), now: NOW }))).toBe('taken');
    expect((await bookingRow(t.db, old.id)).status).toBe('confirmed');
    expect(await bookingCount(d.instructor.id)).toBe(before);
    expect(await t.db.$count(auditLog, and(eq(auditLog.subjectId, old.id), eq(auditLog.eventType, 'BOOKING_RESCHEDULED')))).toBe(0);
  });

  it('is one change: when the new booking cannot be written, the old one is not left rescheduled', async () => {
    const d = await createDiary(t.db);
    const old = await confirmed(d);
    await t.db.update(bookings).set({ bookingNotes: 'ATOMICITY-PROBE' }).where(eq(bookings.id, old.id));
    // A fault planted by the owner: inserting a booking that carries this note fails, after the old one was marked.
    await asOwner(t, async (db) => {
      await db.execute(sql`create function probe_fail() returns trigger language plpgsql as $$ begin
        if new.booking_notes = 'ATOMICITY-PROBE' then raise exception 'planted fault'; end if; return new; end $$`);
      await db.execute(sql`create trigger probe_fail before insert on bookings for each row execute function probe_fail()`);
    });
    try {
      const err = await failureOf(() => rescheduleBooking(t.db, d.asAdmin, { bookingId: old.id, start: local('2027-03-04', '10:00'), now: NOW }));
      expect(err).toBeInstanceOf(DbError);
      expect((err as Error).message).toContain('planted fault');
    } finally {
      await asOwner(t, async (db) => {
        await db.execute(sql`drop trigger probe_fail on bookings`);
        await db.execute(sql`drop function probe_fail()`);
      });
    }
    expect((await bookingRow(t.db, old.id)).status).toBe('confirmed');
    expect(await t.db.$count(bookings, and(eq(bookings.instructorId, d.instructor.id), eq(bookings.startTime, local('2027-03-04', '10:00'))))).toBe(0);
  });
});

describe(expirePendingBookings.name, () => {
  it('cancels the holds older than 30 minutes as cron:expire-holds, keeps younger ones, and frees their slots', async () => {
    const d = await createDiary(t.db);
    const old = await book(d, local('2027-03-03', '10:00'));
    const young = await createBooking(t.db, d.asAdmin, {
      instructorId: d.instructor.id, serviceId: d.serviceId, studentId: d.student.id, start: local('2027-03-03', '14:00'), bookedVia: 'admin', now: minutesAfter(NOW, 5),
    });
    const job = systemActor('cron:expire-holds');
    const { expired } = await expirePendingBookings(t.db, job, { now: minutesAfter(NOW, SCHEDULING.holdMinutes + 1) });
    expect(expired.map((b) => b.id)).toContain(old.id);
    expect(expired.map((b) => b.id)).not.toContain(young.id);
    expect(await bookingRow(t.db, old.id)).toMatchObject({ status: 'cancelled', cancelledBy: HOLD_EXPIRED_BY, cancellationReason: HOLD_EXPIRED_REASON });
    expect((await bookingRow(t.db, young.id)).status).toBe('pending');
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, old.id), eq(auditLog.eventType, 'BOOKING_HOLD_EXPIRED')));
    expect(entry).toMatchObject({ actorId: null, actorRole: 'system', details: { systemActor: 'cron:expire-holds' } });
    const slots = await slotsOf(d, '2027-03-03', minutesAfter(NOW, SCHEDULING.holdMinutes + 1));
    expect(slots.map((s) => s.start)).toContainEqual(local('2027-03-03', '10:00'));
  });

  it('is refused to instructors, students and parents (FORBIDDEN)', async () => {
    const d = await createDiary(t.db);
    expect(await failureOf(() => expirePendingBookings(t.db, d.asInstructor, {}))).toBeInstanceOf(ForbiddenError);
  });
});
