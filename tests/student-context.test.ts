// getStudentContext (issue 11), on both engines, as the application's role: the next 3 confirmed
// lessons (not past, pending, cancelled or another student's), the competency counts, logbook hours
// from completed lessons where a completed correction replaces what it corrects (corrections of
// corrections, two corrections of one lesson, a draft or disputed correction, an original signed after
// its correction), active package credits (not exhausted, expired, cancelled or another student's), a
// parent's flags, and no private note or admin_notes in the answer, whoever asks.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLogbookSummary, getStudentContext, recordCompetencyChanges, systemActor, type StudentContext } from '../src/access/index.js';
import type { DatabaseOrTransaction } from '../src/db/engines/handle.js';
import { NotFoundError } from '../src/db/errors.js';
import { bookings, lessons, packages, parentStudentLinks, privateNotes, signatures, studentPackages } from '../src/db/schema/index.js';
import type { Lesson, NewLesson } from '../src/db/types.js';
import { canberraDate } from '../src/domain/time.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, bookingValues, createAdmin, createLesson, createParent, createSchoolBasics, createStudent, failureOf, lessonValues } from './support/fixtures.js';

const SECRET_NOTE = `CANARY-context-private-note-${randomUUID()}`;
const SECRET_ADMIN = `CANARY-context-admin-notes-${randomUUID()}`;
const DAY = 86_400_000;

let t: TestDb;
let s: Awaited<ReturnType<typeof createSchoolBasics>>;
let admin: Awaited<ReturnType<typeof createAdmin>>;
let expectedBookings: string[];
let expectedPackages: string[];

/** An hour-aligned instant `days` from now (distinct hours keep the instructor's diary free of overlaps). */
const inDays = (days: number, hour = 0) => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + days * DAY + hour * 3_600_000);

async function book(studentId: string, start: Date, values: Partial<typeof bookings.$inferInsert>) {
  const [row] = await t.db
    .insert(bookings)
    .values({ ...bookingValues(s.instructor.id, s.serviceId, start.toISOString()), scheduledDate: canberraDate(start), studentId, ...values })
    .returning();
  return row.id;
}

/** A lesson of `minutes`, correcting `correctionOf` if given, taken through the signing steps to `to`. */
async function lesson(minutes: number, to: 'draft' | 'pending' | 'completed' | 'disputed', correctionOf?: Lesson, db: DatabaseOrTransaction = t.db, id?: string): Promise<Lesson> {
  // No lesson_number: the database gives the next one, or the corrected lesson's to a correction.
  const { lessonNumber: _n, ...base } = lessonValues(s.instructor.id, s.student.id, 1);
  const values: NewLesson = {
    ...base,
    endTime: new Date(base.startTime.getTime() + minutes * 60_000),
    totalMinutes: minutes,
    roundedMinutes: Math.floor((minutes + 15) / 30) * 30,
    ...(correctionOf ? { correctionOf: correctionOf.id, correctionReason: 'corrected time' } : {}),
    ...(id ? { id } : {}),
  };
  const row = await createLesson(db, values);
  if (to !== 'draft') await signStep(db, row, 'instructor');
  if (to === 'completed') await signStep(db, row, 'student');
  if (to === 'disputed') await db.update(lessons).set({ status: 'disputed' }).where(eq(lessons.id, row.id));
  return row;
}

async function signStep(db: DatabaseOrTransaction, row: Lesson, role: 'instructor' | 'student') {
  const [sig] = await db
    .insert(signatures)
    .values({ signerId: role === 'instructor' ? s.instructor.userId : s.student.userId, signerRole: role, documentType: 'lesson', documentId: row.id, signatureUrl: 'r2://s.png' })
    .returning();
  await db
    .update(lessons)
    .set(role === 'instructor' ? { status: 'pending_student_signature', instructorSignatureId: sig.id } : { status: 'completed', studentSignatureId: sig.id })
    .where(eq(lessons.id, row.id));
}

beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
  s = await createSchoolBasics(t.db);
  admin = await createAdmin(t.db);
  const other = await createStudent(t.db, s.instructor.id);

  // Bookings: the 3 soonest confirmed future ones are the context's.
  const soonest = await book(s.student.id, inDays(2, 1), { status: 'confirmed', adminNotes: SECRET_ADMIN });
  const second = await book(s.student.id, inDays(5, 2), { status: 'confirmed' });
  const third = await book(s.student.id, inDays(9, 3), { status: 'confirmed' });
  await book(s.student.id, inDays(12, 4), { status: 'confirmed' }); // the fourth
  await book(s.student.id, inDays(-3, 5), { status: 'confirmed' }); // past
  await book(s.student.id, inDays(1, 6), { status: 'pending' });
  await book(s.student.id, inDays(3, 7), { status: 'cancelled', cancelledAt: new Date(), cancelledBy: admin.userId });
  await book(other.id, inDays(1, 8), { status: 'confirmed' });
  expectedBookings = [soonest, second, third];

  // Competencies: task 1 competent, tasks 2 and 3 taught.
  await recordCompetencyChanges(t.db, actorOf.instructor(s.instructor), {
    studentId: s.student.id,
    changes: [{ taskNumber: 1, status: 'competent' }, { taskNumber: 2, status: 'taught' }, { taskNumber: 3, status: 'taught' }],
  });
  await t.db.insert(privateNotes).values({ instructorId: s.instructor.id, studentId: s.student.id, note: SECRET_NOTE, noteType: 'safety_concern' });

  // The logbook, lesson number by lesson number (minutes counted in brackets).
  await lesson(60, 'completed'); // 1 [60]
  await lesson(45, 'completed', await lesson(90, 'completed')); // 2: corrected 90 -> 45 [45]
  await lesson(120, 'draft', await lesson(60, 'completed')); // 3: a draft correction replaces nothing [60]
  const l4 = await lesson(60, 'completed');
  await lesson(120, 'completed', await lesson(75, 'completed', l4)); // 4: a correction of a correction [120]
  const l5 = await lesson(30, 'completed');
  await lesson(60, 'completed', l5);
  await lesson(90, 'completed', l5); // 5: two corrections of one lesson: the newer [90]
  await lesson(60, 'completed', await lesson(60, 'disputed')); // 6: a disputed lesson, corrected [60]
  await lesson(60, 'draft'); // 7: a draft counts nothing
  // 8: the original and its correction recorded in one transaction (one created_at), the original
  // signed by the student after its correction, and given the greater id: still replaced [30].
  const [high, low] = [randomUUID(), randomUUID()].sort().reverse();
  const l8 = await t.db.transaction(async (tx) => {
    const original = await lesson(45, 'pending', undefined, tx, high);
    await lesson(30, 'pending', original, tx, low);
    return original;
  });
  await signStep(t.db, { ...l8, id: low }, 'student');
  await signStep(t.db, l8, 'student');
  await lesson(120, 'completed', await lesson(60, 'pending')); // 9: corrected while awaiting the student, who never signed [120]

  // Packages: two with credits left; exhausted, expired, cancelled and another student's do not count.
  const [pack] = await t.db.insert(packages).values({ name: '10 lesson pack', totalCredits: 10, priceCents: 95000 }).returning();
  const sp = async (values: Partial<typeof studentPackages.$inferInsert>) =>
    (await t.db.insert(studentPackages).values({ studentId: s.student.id, packageId: pack.id, creditsTotal: 10, ...values }).returning())[0].id;
  const expiring = await sp({ creditsUsed: 5, expiresAt: inDays(30) });
  const open = await sp({ creditsTotal: 5, creditsUsed: 2 });
  await sp({ creditsTotal: 5, creditsUsed: 5, status: 'exhausted' });
  await sp({ creditsUsed: 1, expiresAt: inDays(-1) });
  await sp({ creditsUsed: 1, status: 'cancelled' });
  await t.db.insert(studentPackages).values({ studentId: other.id, packageId: pack.id, creditsTotal: 10 });
  expectedPackages = [expiring, open];
}, 120_000);
afterAll(() => t.dispose());

const context = (actor: Parameters<typeof getStudentContext>[1]) => getStudentContext(t.db, actor, { studentId: s.student.id });

describe('getStudentContext', () => {
  let c: StudentContext;
  beforeAll(async () => {
    c = await context(systemActor('agent:sms'));
  });

  it('lists the 3 soonest confirmed lessons that have not started, with the service and the instructor’s first name', () => {
    expect(c.nextBookings!.map((b) => b.id)).toEqual(expectedBookings);
    expect(Object.keys(c.nextBookings![0]).sort()).toEqual(['durationMinutes', 'endTime', 'id', 'instructorFirstName', 'pickupAddress', 'serviceName', 'startTime', 'status', 'suburb']);
    expect(c.nextBookings![0]).toMatchObject({ status: 'confirmed', instructorFirstName: 'Rob' });
    expect(c.nextBookings![0].serviceName).toEqual(expect.any(String));
  });

  it('returns each part typed as a select of its columns would (times as Dates, to the millisecond)', async () => {
    const first = c.nextBookings![0];
    const [stored] = await t.db.select({ startTime: bookings.startTime, endTime: bookings.endTime }).from(bookings).where(eq(bookings.id, first.id));
    expect(first.startTime).toBeInstanceOf(Date);
    expect([first.startTime.getTime(), first.endTime.getTime()]).toEqual([stored.startTime.getTime(), stored.endTime.getTime()]);
    expect(first.durationMinutes).toBe((stored.endTime.getTime() - stored.startTime.getTime()) / 60_000);
    const expiring = c.packageCredits!.packages.find((p) => p.expiresAt !== null)!;
    const [held] = await t.db.select({ expiresAt: studentPackages.expiresAt }).from(studentPackages).where(eq(studentPackages.id, expiring.id));
    expect(expiring.expiresAt).toBeInstanceOf(Date);
    expect(expiring.expiresAt!.getTime()).toBe(held.expiresAt!.getTime());
    expect(typeof expiring.creditsRemaining).toBe('number');
  });

  it('counts the competencies of the 23 active tasks: 1 competent, 2 taught, 20 not started', () => {
    expect(c.competencies).toEqual({ counts: { not_started: 20, taught: 2, assessed: 0, competent: 1, not_yet_competent: 0 }, activeTasks: 23, certificateNumber: null });
  });

  it('counts 8 logbook lessons, 585 minutes, 600 rounded minutes = 10 hours (corrections replace what they correct)', () => {
    // 60 + 45 + 60 + 120 + 90 + 60 + 30 + 120 minutes; rounded to 30-minute periods 60 + 60 + 60 + 120 + 90 + 60 + 30 + 120.
    expect(c.logbook).toEqual({ lessons: 8, totalMinutes: 585, roundedMinutes: 600, hours: 10 });
  });

  it("getLogbookSummary (the portal's logbook, issue 19) gives the same numbers, corrections of corrections included", async () => {
    const summary = await getLogbookSummary(t.db, actorOf.student(s.student), { studentId: s.student.id });
    expect(summary).toEqual({ studentId: s.student.id, ...c.logbook });
  });

  it('sums 8 credits left on the 2 active, unexpired packages, the one expiring first listed first', () => {
    expect(c.packageCredits!.creditsRemaining).toBe(8);
    expect(c.packageCredits!.packages.map((p) => p.id)).toEqual(expectedPackages);
    expect(c.packageCredits!.packages[0]).toMatchObject({ packageName: '10 lesson pack', creditsTotal: 10, creditsRemaining: 5 });
  });

  it('has exactly the documented fields, and no private note or admin_notes for any reader (admin included)', async () => {
    expect(Object.keys(c).sort()).toEqual(['asOf', 'competencies', 'firstName', 'logbook', 'nextBookings', 'packageCredits', 'status', 'studentId', 'transmission']);
    const readers = [systemActor('agent:voice'), actorOf.admin(admin), actorOf.instructor(s.instructor), actorOf.student(s.student)];
    for (const actor of readers) {
      const text = JSON.stringify(await context(actor));
      expect(text).toContain(expectedBookings[0]); // the booking whose admin_notes hold the secret is listed
      expect(text).not.toContain(SECRET_ADMIN);
      expect(text).not.toContain(SECRET_NOTE);
    }
  });

  it('gives a parent only what the link allows: no bookings without can_view_bookings, no credits without can_view_payments, nothing without can_view_progress', async () => {
    const { parent, link } = await createParent(t.db, s.student.id);
    const asParent = actorOf.parent(parent);
    const full = await context(asParent);
    expect(full.nextBookings).toHaveLength(3);
    expect(full.packageCredits!.creditsRemaining).toBe(8);
    const withLink = async (flags: Partial<typeof parentStudentLinks.$inferInsert>) => {
      await t.db.update(parentStudentLinks).set({ canViewBookings: true, canViewPayments: true, canViewProgress: true, ...flags }).where(eq(parentStudentLinks.id, link.id));
      return context(asParent);
    };
    const noBookings = await withLink({ canViewBookings: false });
    expect(noBookings.nextBookings).toBeNull();
    expect(noBookings.packageCredits!.creditsRemaining).toBe(8);
    const noPayments = await withLink({ canViewPayments: false });
    expect(noPayments.packageCredits).toBeNull();
    expect(noPayments.nextBookings).toHaveLength(3);
    expect(await failureOf(() => withLink({ canViewProgress: false }))).toBeInstanceOf(NotFoundError);
  });
});
