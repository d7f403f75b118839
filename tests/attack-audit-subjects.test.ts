// Issue 15, defect 7: audit subjects were checked by spelling. An instructor appended a `critical`
// entry about another instructor's student with subjectType 'students' (only 'student' was checked), and
// 'booking' and 'payment' subjects were not checked at all. Now a subject is one of AUDIT_SUBJECTS, given
// with its id, and the actor must see it as the operations on it decide (NOT_FOUND otherwise).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditEvent, AUDIT_SUBJECTS } from '../src/access/index.js';
import { queryRows } from '../src/db/sql.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, bookingValues, createBooking, createInstructor, createSchoolBasics, failureOf } from './support/fixtures.js';
import { givePackage, insertPayment } from './support/money.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

const entries = async () => (await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from audit_log where event_type = 'SUBJECT_PROBE'`))[0].n;

describe('appendAuditEvent subjects', () => {
  it("refuses a subject type off the list ('students'), and a subject id without its type", async () => {
    const s = await createSchoolBasics(t.db);
    const stranger = actorOf.instructor(await createInstructor(t.db));
    expect(await failureOf(() => appendAuditEvent(t.db, stranger, { eventType: 'SUBJECT_PROBE', severity: 'critical', subjectType: 'students' as never, subjectId: s.student.id }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['subjectType'] });
    expect(await failureOf(() => appendAuditEvent(t.db, stranger, { eventType: 'SUBJECT_PROBE', subjectId: s.student.id }))).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['subjectId'] });
    expect(await entries()).toBe(0);
  });

  it("refuses another instructor's student, booking, payment and package (NOT_FOUND), and writes nothing", async () => {
    const s = await createSchoolBasics(t.db);
    const stranger = actorOf.instructor(await createInstructor(t.db));
    const booking = await createBooking(t.db, bookingValues(s.instructor.id, s.serviceId, '2028-03-01T10:00:00+11:00', 60, { studentId: s.student.id }));
    const payment = await insertPayment(t.db, s.student.id);
    const pkg = await givePackage(t.db, s.student.id);
    const subjects = [['student', s.student.id], ['booking', booking.id], ['payment', payment.id], ['student_package', pkg.id], ['instructor', s.instructor.id]] as const;
    for (const [subjectType, subjectId] of subjects) {
      const err = await failureOf(() => appendAuditEvent(t.db, stranger, { eventType: 'SUBJECT_PROBE', severity: 'critical', subjectType, subjectId }));
      expect(err, subjectType).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(await entries()).toBe(0);
    // the student's own instructor may write about each of them
    for (const [subjectType, subjectId] of subjects) {
      await appendAuditEvent(t.db, actorOf.instructor(s.instructor), { eventType: 'SUBJECT_PROBE', subjectType, subjectId });
    }
    expect(await entries()).toBe(subjects.length);
  });

  it('lists every subject the access layer writes about', () => {
    expect([...AUDIT_SUBJECTS].sort()).toEqual(['booking', 'contact', 'instructor', 'lesson', 'payment', 'rag_document', 'student', 'student_package']);
  });
});
