// Lesson rules on every path (migration 0012): who the lesson is for, its number and what it corrects
// never change after insert; the correction rules hold whatever the row order of a multi-row INSERT;
// lesson_date and bookings.scheduled_date are the Canberra dates of their start times, DST included.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlstateOf, toDbError } from '../src/db/errors.js';
import { bookings, lessons } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { openTestDb, type TestDb } from './support/db.js';
import {
  bookingValues, createInstructor, createLesson, createSchoolBasics, createStudent, failureOf, lessonValues, signOffLesson,
} from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.dispose());

const rowOf = async (id: string) => (await t.db.select().from(lessons).where(eq(lessons.id, id)))[0];

describe('a recorded lesson keeps who, which number and what it corrects', () => {
  it.each([
    ['student_id', async (ctx: Ctx) => ({ studentId: (await createStudent(t.db, ctx.instructorId)).id })],
    ['instructor_id', async () => ({ instructorId: (await createInstructor(t.db)).id })],
    ['lesson_number', async () => ({ lessonNumber: 1000 })],
    ['correction_of', async (ctx: Ctx) => ({ correctionOf: ctx.signedId, correctionReason: 'sneaky' })],
    ['correction_reason', async (ctx: Ctx) => ({ correctionReason: 'a reason on a lesson that corrects nothing', correctionOf: ctx.signedId })],
  ])('refuses a draft edit of %s with LESSON_FROZEN, and the row is unchanged', async (_column, change) => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const signed = await signOffLesson(t.db, await createLesson(t.db, lessonValues(instructor.id, student.id, 1)));
    const draft = await createLesson(t.db, lessonValues(instructor.id, student.id, 2));
    const before = await rowOf(draft.id);
    const err = await failureOf(async () =>
      t.db.update(lessons).set(await change({ instructorId: instructor.id, signedId: signed.id })).where(eq(lessons.id, draft.id)),
    );
    expect(toDbError(err).code).toBe('LESSON_FROZEN');
    expect(await rowOf(draft.id)).toEqual(before);
  });

  it('after a refused attempt to renumber a draft to 1000, the next lesson still gets the next number', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const first = await createLesson(t.db, lessonValues(instructor.id, student.id, 1));
    await failureOf(() => t.db.update(lessons).set({ lessonNumber: 1000 }).where(eq(lessons.id, first.id)));
    expect((await createLesson(t.db, lessonValues(instructor.id, student.id, 1000))).lessonNumber).toBe(2);
  });

  it('still lets a draft change what it records (times, odometer, comments)', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const draft = await createLesson(t.db, lessonValues(instructor.id, student.id, 1));
    const [edited] = await t.db.update(lessons).set({ comments: 'Good mirror checks', odoStart: 1000, odoEnd: 1030 }).where(eq(lessons.id, draft.id)).returning();
    expect(edited).toMatchObject({ comments: 'Good mirror checks', totalKm: 30, lessonNumber: draft.lessonNumber });
  });
});

type Ctx = { instructorId: string; signedId: string };

describe('corrections, whatever the row order', () => {
  it('refuses a multi-row INSERT that lists a correction of a new draft before the draft itself', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const draftId = crypto.randomUUID();
    const err = await failureOf(() =>
      t.db.insert(lessons).values([
        { ...lessonValues(instructor.id, student.id, 1), correctionOf: draftId, correctionReason: 'listed first' },
        { ...lessonValues(instructor.id, student.id, 1), id: draftId },
      ]),
    );
    expect(sqlstateOf(err)).toBe('ND002');
    expect(await t.db.$count(lessons, eq(lessons.studentId, student.id))).toBe(0);
  });

  it('refuses a correction of another student’s lesson, or under a different number, and accepts the right one', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const other = await createStudent(t.db, instructor.id);
    const signed = await signOffLesson(t.db, await createLesson(t.db, lessonValues(instructor.id, student.id, 1)));
    const correction = (overrides: object) =>
      createLesson(t.db, { ...lessonValues(instructor.id, student.id, 1), correctionOf: signed.id, correctionReason: 'odometer', ...overrides });
    expect(sqlstateOf(await failureOf(() => correction({ studentId: other.id })))).toBe('ND002');
    expect(sqlstateOf(await failureOf(() => correction({ lessonNumber: 2 })))).toBe('ND002');
    const ok = await correction({ lessonNumber: undefined }); // no number given: the original's is taken
    expect(ok).toMatchObject({ lessonNumber: signed.lessonNumber, correctionOf: signed.id, status: 'draft' });
  });

  it('refuses a correction made by another instructor than the one who taught the lesson', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const signed = await signOffLesson(t.db, await createLesson(t.db, lessonValues(instructor.id, student.id, 1)));
    const other = await createInstructor(t.db);
    const err = await failureOf(() =>
      createLesson(t.db, { ...lessonValues(other.id, student.id, 1), correctionOf: signed.id, correctionReason: 'not mine' }),
    );
    expect(sqlstateOf(err)).toBe('ND002');
  });
});

describe('business dates are Canberra dates', () => {
  // Daylight saving ends at 03:00 on Sunday 5 April 2026 (back to 02:00, UTC+10) and starts at 02:00 on
  // Sunday 4 October 2026 (on to 03:00, UTC+11).
  it.each([
    ['summer (UTC+11): 00:30 on 1 Dec is 13:30 UTC on 30 Nov', '2026-11-30T13:30:00Z', '2026-12-01', '2026-11-30'],
    ['winter (UTC+10): 00:30 on 1 Jul is 14:30 UTC on 30 Jun', '2026-06-30T14:30:00Z', '2026-07-01', '2026-06-30'],
    ['the night DST ends: 00:30 AEDT on 5 Apr is 13:30 UTC on 4 Apr', '2026-04-04T13:30:00Z', '2026-04-05', '2026-04-04'],
    ['the night DST starts: 23:30 AEST on 3 Oct is 13:30 UTC on 3 Oct', '2026-10-03T13:30:00Z', '2026-10-03', '2026-10-02'],
  ])('%s: accepts the Canberra date and refuses another', async (_label, startIso, canberraDate, wrongDate) => {
    const { instructor, student, serviceId } = await createSchoolBasics(t.db);
    const start = new Date(startIso);
    const end = new Date(start.getTime() + 60 * 60_000);
    const lesson = { ...lessonValues(instructor.id, student.id, 1), startTime: start, endTime: end };
    expect(sqlstateOf(await failureOf(() => createLesson(t.db, { ...lesson, lessonDate: wrongDate })))).toBe('23514');
    expect((await createLesson(t.db, { ...lesson, lessonDate: canberraDate })).lessonDate).toBe(canberraDate);
    const booking = { ...bookingValues(instructor.id, serviceId, startIso, 60), studentId: student.id };
    expect(toDbError(await failureOf(() => t.db.insert(bookings).values({ ...booking, scheduledDate: wrongDate })))).toMatchObject({
      code: 'CHECK_VIOLATION', constraint: 'bookings_scheduled_date_canberra_check',
    });
    const [stored] = await t.db.insert(bookings).values({ ...booking, scheduledDate: canberraDate }).returning();
    expect(stored.scheduledDate).toBe(canberraDate);
  });

  it('does not depend on the session time zone', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const ok = await t.db.transaction(async (tx) => {
      await tx.execute(sql`set local time zone 'America/New_York'`);
      const lesson = await createLesson(tx, {
        ...lessonValues(instructor.id, student.id, 1), startTime: new Date('2026-11-30T13:30:00Z'), endTime: new Date('2026-11-30T14:30:00Z'), lessonDate: '2026-12-01',
      });
      return (await queryRows<{ d: string }>(tx, sql`select lesson_date::text as d from lessons where id = ${lesson.id}`))[0].d;
    });
    expect(ok).toBe('2026-12-01');
  });
});
