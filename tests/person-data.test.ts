// exportPersonData (issue 19, APP 12), on both engines, as the application's role: every table of the
// schema with a column that names a person (student_id, contact_id, user_id, signer_id, recipient...)
// has a part in the export (a new table fails here until it has one); canaries planted in the
// person's free-text and contact columns across the tables all come back, the private parts are
// marked, another person's canaries do not, and only admins may ask.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERSON_PARTS, exportPersonData } from '../src/access/index.js';
import { ForbiddenError } from '../src/db/errors.js';
import { bookings, callLogs, contacts, conversations, lessonBridgeForms, lessons, messages, notifications, payments, privateNotes, profiles, selfAssessments } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, bookingValues, createAdmin, createLesson, createSchoolBasics, failureOf, lessonValues } from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

/** Columns that name a person (a student, a contact, a Clerk user). */
const PERSON_COLUMNS = ['student_id', 'contact_id', 'user_id', 'signer_id', 'recipient_id', 'recipient_contact_id', 'actor_id', 'subject_id', 'conversation_id', 'profile_id'];
/** Tables that name people but hold nothing about a learner or contact. */
const NOT_ABOUT_A_LEARNER: Record<string, string> = {
  instructors: 'staff records, not a learner or a contact',
  parents: "a supervising driver is a person of their own: export them by their own contact; the learner's part lists the links",
  availability_rules: "the instructor's diary",
  availability_overrides: "the instructor's diary",
};

describe('the export covers the schema', () => {
  it('has a part for every table with a column that names a person', async () => {
    const rows = await queryRows<{ table_name: string }>(t.db, sql`
      select distinct table_name from information_schema.columns
       where table_schema = 'public' and column_name in (${sql.join(PERSON_COLUMNS.map((c) => sql`${c}`), sql`, `)})`);
    const covered = new Set(PERSON_PARTS.map((p) => p.table));
    const missing = rows.map((r) => r.table_name).filter((n) => !covered.has(n) && !(n in NOT_ABOUT_A_LEARNER)).sort();
    expect(missing).toEqual([]);
  });
});

describe(exportPersonData.name, () => {
  it("returns every canary planted in the person's rows, table by table, with the private parts marked; another person's stay out", async () => {
    const canary = (where: string) => `CANARY-${where}-${randomUUID()}`;
    const planted: Record<string, string> = {};
    const plant = (where: string) => (planted[where] = canary(where));
    const s = await createSchoolBasics(t.db);
    const other = await createSchoolBasics(t.db);
    const otherSecret = canary('other-person');
    await t.db.insert(privateNotes).values({ instructorId: other.instructor.id, studentId: other.student.id, note: otherSecret, noteType: 'general' });

    await t.db.update(profiles).set({ phone: plant('profile-phone'), addressLine1: plant('profile-address') }).where(sql`id = ${s.student.profileId}`);
    const [contact] = await t.db.insert(contacts).values({ userId: s.student.userId, firstName: plant('contact-name'), email: plant('contact-email'), notes: plant('contact-notes') }).returning();
    const lesson = await createLesson(t.db, lessonValues(s.instructor.id, s.student.id, 1, { comments: plant('lesson-comments'), locationDetail: plant('lesson-location') }));
    await t.db.insert(lessonBridgeForms).values({ lessonId: lesson.id, studentId: s.student.id, instructorId: s.instructor.id, skillsCovered: [], positives: plant('bridge-positives') });
    await t.db.insert(privateNotes).values({ instructorId: s.instructor.id, studentId: s.student.id, note: plant('private-note'), noteType: 'general' });
    await t.db.insert(selfAssessments).values({ studentId: s.student.id, assessmentType: 'general', responses: [{ task_number: 1, confidence: 2, notes: plant('self-assessment') }] });
    await t.db.insert(bookings).values({ ...bookingValues(s.instructor.id, s.serviceId, '2027-03-03T10:00:00+11:00'), studentId: s.student.id, pickupAddress: plant('booking-pickup'), bookingNotes: plant('booking-notes') });
    await t.db.insert(payments).values({ studentId: s.student.id, amountCents: 100, paymentMethod: 'card', status: 'pending', description: plant('payment-description') });
    const [conversation] = await t.db.insert(conversations).values({ contactId: contact.id, channel: 'sms', channelIdentifier: plant('conversation-phone') }).returning();
    await t.db.insert(messages).values({ conversationId: conversation.id, direction: 'inbound', senderType: 'user', content: plant('message') });
    await t.db.insert(callLogs).values({ contactId: contact.id, callerPhone: plant('caller-phone'), transcript: plant('call-transcript'), startedAt: new Date('2026-12-01T10:00:00+11:00') });
    await t.db.insert(notifications).values({ channel: 'sms', notificationType: 'booking_confirmation', body: plant('notification'), recipientId: s.student.userId });

    const admin = actorOf.admin(await createAdmin(t.db));
    const byStudent = await exportPersonData(t.db, admin, { studentId: s.student.id });
    const text = JSON.stringify(byStudent);
    for (const [where, value] of Object.entries(planted)) expect(text, where).toContain(value);
    expect(text).not.toContain(otherSecret);
    expect(byStudent.manifest.map((m) => m.table)).toEqual(PERSON_PARTS.map((p) => p.table));
    expect(byStudent.manifest.find((m) => m.table === 'private_notes')).toMatchObject({ private: true, rows: 1 });
    expect(JSON.stringify(byStudent.parts.private_notes)).toContain(planted['private-note']);
    expect(byStudent.parts.lessons.map((l) => l.id)).toEqual([lesson.id]);

    // asked by the contact: the same person
    const byContact = await exportPersonData(t.db, admin, { contactId: contact.id });
    expect(byContact.person.studentId).toBe(s.student.id);
    for (const [where, value] of Object.entries(planted)) expect(JSON.stringify(byContact), where).toContain(value);

    // audited, without the data
    const [entry] = await queryRows<{ details: unknown }>(t.db, sql`select details from audit_log where event_type = 'PRIVACY_DATA_EXPORTED' and subject_id = ${s.student.id} order by chain_position desc limit 1`);
    expect(JSON.stringify(entry.details)).not.toContain('CANARY');

    for (const actor of [actorOf.instructor(s.instructor), actorOf.student(s.student)]) {
      expect(await failureOf(() => exportPersonData(t.db, actor, { studentId: s.student.id }))).toBeInstanceOf(ForbiddenError);
    }
  });
});
