// erasePerson (issue 19, APP 11.2), on both engines, as the application's role. PERSONAL_COLUMNS
// classifies every column of every table that holds something about a person (read from the schema
// here, so a new column fails until it is classified). A canary is planted in every erased column of
// one learner who holds a certificate; the export returns every canary; after the erasure no canary is
// left in any table of the database, the kept records are unchanged, every chain verifies and the
// certificate still stands. Then the refusals: rights, confirm, lessons still to come, and the guards
// that an application role cannot pass by setting the erasure flag itself.
import { createHash, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as access from '../src/access/index.js';
import { PERSON_PARTS, PERSONAL_COLUMNS, PersonStillActiveError, erasePerson, exportPersonData, issueCertificate } from '../src/access/index.js';
import { ForbiddenError, ValidationError } from '../src/db/errors.js';
import {
  auditLog, bookings, callLogs, contacts, conversations, lessonBridgeForms, lessons, messages, notificationPreferences, notifications, parentInvitations,
  payments, privateNotes, selfAssessments, signatures, students,
} from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { verifyChains } from '../src/integrity/verify.js';
import { makeFullyCompetent } from './support/compliance.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, bookingValues, createAdmin, createSchoolBasics, failureOf } from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

const columnsOf = async (table: string) =>
  (await queryRows<{ column_name: string; data_type: string }>(t.db, sql`
    select column_name, data_type from information_schema.columns where table_schema = 'public' and table_name = ${table} order by ordinal_position`));

describe('PERSONAL_COLUMNS', () => {
  it('classifies every column of every table of the export, once, and names no column that does not exist', async () => {
    expect(Object.keys(PERSONAL_COLUMNS).sort()).toEqual(PERSON_PARTS.map((p) => p.table).sort());
    for (const [table, fate] of Object.entries(PERSONAL_COLUMNS)) {
      const actual = (await columnsOf(table)).map((c) => c.column_name).sort();
      const listed = [...fate.erased, ...fate.kept];
      expect(new Set(listed).size, `${table}: a column listed twice`).toBe(listed.length);
      expect([...listed].sort(), `${table}: classify every column as erased or kept (src/access/record/personal-columns.ts)`).toEqual(actual);
    }
  });
});

/** A value no other row holds: a token inside text; distinctive values for other types. */
function canaryFor(table: string, column: string, type: string, token: string, n: number): { set: ReturnType<typeof sql>; value: string } {
  const text = `${token}-${table}.${column}`;
  // Columns with a format check hold a value of that format no other row has.
  if (column.endsWith('phone')) return { set: sql`${`+6148${String(n).padStart(7, '0')}`}::text`, value: `+6148${String(n).padStart(7, '0')}` };
  if (column.endsWith('email')) return { set: sql`${`${text}@example.com`}::text`, value: `${text}@example.com` };
  switch (type) {
    case 'inet':
      return { set: sql`${`198.51.100.${n}`}::inet`, value: `198.51.100.${n}` };
    case 'numeric':
      return { set: sql`${`-35.9${String(n).padStart(5, '0')}1`}::numeric`, value: `-35.9${String(n).padStart(5, '0')}1` };
    case 'date':
      return { set: sql`${`1901-01-${String(n % 28 + 1).padStart(2, '0')}`}::date`, value: `1901-01-${String(n % 28 + 1).padStart(2, '0')}` };
    case 'jsonb':
      return table === 'self_assessments'
        ? { set: sql`jsonb_build_array(jsonb_build_object('taskNumber', 1, 'confidence', 2, 'notes', ${text}::text))`, value: text }
        : { set: sql`jsonb_build_object('canary', ${text}::text)`, value: text };
    default:
      return { set: sql`${text}::text`, value: text };
  }
}

/** Every table's rows as text, for a search the whole database over. */
async function wholeDatabaseText(): Promise<Map<string, string>> {
  const tables = await queryRows<{ table_name: string }>(t.db, sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
  const out = new Map<string, string>();
  for (const { table_name } of tables) {
    const [row] = await queryRows<{ all: string | null }>(t.db, sql`select string_agg(t::text, E'\n') as all from ${sql.identifier(table_name)} t`);
    out.set(table_name, row.all ?? '');
  }
  return out;
}

describe(erasePerson.name, () => {
  it('leaves no canary of an erased column anywhere, keeps the compliance records, and every chain and the certificate still verify', async () => {
    const token = `cnry${randomUUID().slice(0, 8)}`;
    const s = await createSchoolBasics(t.db);
    const admin = actorOf.admin(await createAdmin(t.db));
    await makeFullyCompetent(t.db, s.student);
    const cert = await issueCertificate(t.db, actorOf.instructor(s.instructor), { studentId: s.student.id, confirm: true });
    const [lesson] = await t.db.select().from(lessons).where(eq(lessons.studentId, s.student.id));
    const userId = s.student.userId;

    // One row of the person in every table that has erased columns (ids by table).
    const [contact] = await t.db.insert(contacts).values({ userId, firstName: 'Pat' }).returning();
    const [booking] = await t.db.insert(bookings).values({ ...bookingValues(s.instructor.id, s.serviceId, '2026-02-03T10:00:00+11:00'), studentId: s.student.id, status: 'completed' }).returning();
    const [form] = await t.db.insert(lessonBridgeForms).values({ lessonId: lesson.id, studentId: s.student.id, instructorId: s.instructor.id, skillsCovered: [] }).returning();
    const [assessment] = await t.db.insert(selfAssessments).values({ studentId: s.student.id, assessmentType: 'general', responses: [] }).returning();
    const [note] = await t.db.insert(privateNotes).values({ instructorId: s.instructor.id, studentId: s.student.id, note: 'x', noteType: 'general' }).returning();
    const [payment] = await t.db.insert(payments).values({ studentId: s.student.id, amountCents: 100, paymentMethod: 'card', status: 'pending' }).returning();
    const [notification] = await t.db.insert(notifications).values({ channel: 'sms', notificationType: 'booking_confirmation', body: 'x', recipientId: userId }).returning();
    const [conversation] = await t.db.insert(conversations).values({ contactId: contact.id, channel: 'sms' }).returning();
    const [message] = await t.db.insert(messages).values({ conversationId: conversation.id, direction: 'inbound', senderType: 'user', content: 'x' }).returning();
    const [call] = await t.db.insert(callLogs).values({ contactId: contact.id, callerPhone: '+61400000000', startedAt: new Date('2026-12-01T10:00:00+11:00') }).returning();
    const [invitation] = await t.db.insert(parentInvitations).values({
      studentId: s.student.id, invitedBy: userId, relationship: 'parent', email: 'p@example.com', tokenHash: createHash('sha256').update(randomUUID()).digest('hex'), expiresAt: new Date('2027-01-01T00:00:00Z'),
    }).returning();
    const rows: Record<string, string> = {
      profiles: s.student.profileId, students: s.student.id, contacts: contact.id, bookings: booking.id, lesson_bridge_forms: form.id,
      self_assessments: assessment.id, private_notes: note.id, payments: payment.id, notifications: notification.id, conversations: conversation.id,
      messages: message.id, call_logs: call.id, parent_invitations: invitation.id,
    };

    // A canary in every erased column. Planted as the owner past the guards (the same flag the erasure
    // uses), since a message's text or a submitted call's transcript cannot be edited otherwise.
    const planted: { table: string; column: string; value: string }[] = [];
    let n = 1;
    const typesOf = new Map<string, Map<string, string>>();
    for (const table of Object.keys(rows)) typesOf.set(table, new Map((await columnsOf(table)).map((c) => [c.column_name, c.data_type])));
    await t.asOwner(async (tx) => {
      await tx.execute(sql`select set_config('nexdrive.erasing', 'on', true)`);
      for (const [table, id] of Object.entries(rows)) {
        const types = typesOf.get(table)!;
        const sets = PERSONAL_COLUMNS[table].erased.map((column) => {
          const c = canaryFor(table, column, types.get(column)!, token, n++);
          planted.push({ table, column, value: c.value });
          return sql`${sql.identifier(column)} = ${c.set}`;
        });
        await tx.execute(sql`update ${sql.identifier(table)} set ${sql.join(sets, sql`, `)} where id = ${id}::uuid`);
      }
    });
    // Audit entries carry theirs through the operations and the chain's own trigger.
    const auditCanary = { table: 'audit_log', column: 'personal_details', value: `${token}-audit_log.personal_details` };
    await access.appendAuditEvent(t.db, admin, {
      eventType: 'CALL_NOTED', subjectType: 'student', subjectId: s.student.id, personalDetails: { said: auditCanary.value }, ipAddress: '198.51.100.250', userAgent: `${token}-audit_log.user_agent`,
    });
    await t.db.insert(auditLog).values({ eventType: 'LOCATION_SEEN', actorId: userId, actorRole: 'student', subjectType: 'student', subjectId: s.student.id, gpsLatitude: '-35.9777771', gpsLongitude: '149.9777771' });
    // An instructor's entry about the learner, without the learner's words: the instructor's device is theirs, and stays.
    const [staffEntry] = await t.db.insert(auditLog).values({ eventType: 'TABLET_USED', actorId: s.instructor.userId, actorRole: 'instructor', subjectType: 'student', subjectId: s.student.id, ipAddress: '198.51.100.90', userAgent: 'instructor-tablet' }).returning();
    await access.recordInteraction(t.db, admin, { contactId: contact.id, channel: 'phone', summary: `${token}-audit_log.summary` });
    planted.push(auditCanary, { table: 'audit_log', column: 'ip_address', value: '198.51.100.250' }, { table: 'audit_log', column: 'user_agent', value: `${token}-audit_log.user_agent` },
      { table: 'audit_log', column: 'gps_latitude', value: '-35.9777771' }, { table: 'audit_log', column: 'gps_longitude', value: '149.9777771' },
      { table: 'audit_log', column: 'summary', value: `${token}-audit_log.summary` });
    // Kept personal values: the logbook and the signature evidence; and a preference that stays.
    const kept = [`KEPT${token}-lesson-comments`, `KEPT${token}-signature-url`];
    await t.asOwner(async (tx) => {
      await tx.execute(sql`alter table lessons disable trigger user`);
      await tx.update(lessons).set({ comments: kept[0] }).where(eq(lessons.id, lesson.id));
      await tx.execute(sql`alter table lessons enable trigger user`);
    });
    await t.db.insert(signatures).values({ signerId: userId, signerRole: "student", documentType: "enrollment", documentId: s.student.id, signatureUrl: kept[1], timestampUtc: new Date() });
    await t.db.insert(notificationPreferences).values({ userId, notificationType: 'booking_reminder_24h', channel: 'sms', enabled: false });

    // The export returns every canary.
    const exported = JSON.stringify(await exportPersonData(t.db, admin, { studentId: s.student.id }));
    for (const p of planted) expect(exported, `export: ${p.table}.${p.column}`).toContain(p.value);

    const before = await wholeDatabaseText();
    for (const p of planted) expect([...before.values()].some((text) => text.includes(p.value)), `planted: ${p.table}.${p.column}`).toBe(true);
    for (const k of kept) expect(exported, k).toContain(k);

    const result = await erasePerson(t.db, admin, { studentId: s.student.id, confirm: true });
    expect(result.changed).toBe(true);
    expect(result.auditEntriesKept).toBe(0);
    for (const table of Object.keys(rows)) expect(result.erased[table], table).toBeGreaterThan(0);
    expect(result.erased.audit_log).toBeGreaterThanOrEqual(3);

    // No canary left, anywhere in the database; the kept values are still there.
    const after = await wholeDatabaseText();
    const left = planted.flatMap((p) => [...after].filter(([, text]) => text.includes(p.value)).map(([table]) => `${p.table}.${p.column} found in ${table}`));
    expect(left).toEqual([]);
    for (const k of kept) expect([...after.values()].some((text) => text.includes(k)), k).toBe(true);

    // Every chain verifies; the certificate stands on its records.
    const [staffAfter] = await t.db.select().from(auditLog).where(eq(auditLog.id, staffEntry.id));
    expect(staffAfter).toMatchObject({ ipAddress: '198.51.100.90', userAgent: 'instructor-tablet' });
    const verified = await verifyChains(t.db);
    expect(verified.breaks).toEqual([]);
    const [student] = await t.db.select().from(students).where(eq(students.id, s.student.id));
    expect(student).toMatchObject({ certificateNumber: cert.certificateNumber, status: 'completed', licenceNumber: s.student.licenceNumber });
    const [standing] = await queryRows<{ missing: number[]; finalDrive: string | null }>(t.db, sql`
      select nd_certificate_missing_tasks(${s.student.id}::uuid, ${student.transmission}) as missing, nd_final_drive_problem(${s.student.id}::uuid, ${student.transmission}) as "finalDrive"`);
    expect(standing).toEqual({ missing: [], finalDrive: null });
    const progress = await access.getStudentProgress(t.db, admin, { studentId: s.student.id });
    expect(progress.certificate.number).toBe(cert.certificateNumber);

    // Audited with counts, never values; a second call changes nothing and writes nothing.
    const entries = await t.db.select().from(auditLog).where(and(eq(auditLog.eventType, 'PRIVACY_PERSON_ERASED'), eq(auditLog.subjectId, s.student.id)));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorId: admin.userId, actorRole: 'admin', details: { erased: result.erased } });
    expect((entries[0].details as { rows: Record<string, string[]> }).rows.messages).toEqual([message.id]);
    const again = await erasePerson(t.db, admin, { studentId: s.student.id, confirm: true });
    expect(again.changed).toBe(false);
    expect(Object.values(again.erased).every((count) => count === 0)).toBe(true);
    expect(await t.db.select().from(auditLog).where(and(eq(auditLog.eventType, 'PRIVACY_PERSON_ERASED'), eq(auditLog.subjectId, s.student.id)))).toHaveLength(1);
  });

  it('refuses anyone but an admin, a call without confirm: true, and a person with lessons still to come (writing nothing)', async () => {
    const s = await createSchoolBasics(t.db);
    const admin = actorOf.admin(await createAdmin(t.db));
    for (const actor of [actorOf.instructor(s.instructor), actorOf.student(s.student)]) {
      expect(await failureOf(() => erasePerson(t.db, actor, { studentId: s.student.id, confirm: true }))).toBeInstanceOf(ForbiddenError);
    }
    expect(await failureOf(() => erasePerson(t.db, admin, { studentId: s.student.id } as never))).toBeInstanceOf(ValidationError);
    const [upcoming] = await t.db.insert(bookings).values({ ...bookingValues(s.instructor.id, s.serviceId, '2030-03-05T10:00:00+11:00'), studentId: s.student.id, status: 'confirmed', pickupAddress: '1 Way St' }).returning();
    const refused = await failureOf(() => erasePerson(t.db, admin, { studentId: s.student.id, confirm: true }));
    expect(refused).toBeInstanceOf(PersonStillActiveError);
    expect((refused as PersonStillActiveError).upcomingBookingIds).toEqual([upcoming.id]);
    const [still] = await t.db.select().from(bookings).where(eq(bookings.id, upcoming.id));
    expect(still.pickupAddress).toBe('1 Way St');
  });

  it('refuses a lesson under way, and a contact that carries an instructor\'s or an admin\'s Clerk id (PERSON_IS_STAFF), writing nothing', async () => {
    const s = await createSchoolBasics(t.db);
    const adminProfile = await createAdmin(t.db);
    const admin = actorOf.admin(adminProfile);
    await t.db.insert(bookings).values({ ...bookingValues(s.instructor.id, s.serviceId, '2030-03-06T10:00:00+11:00'), studentId: s.student.id, status: 'in_progress', pickupAddress: '2 Way St' });
    expect(await failureOf(() => erasePerson(t.db, admin, { studentId: s.student.id, confirm: true }))).toBeInstanceOf(PersonStillActiveError);
    for (const userId of [s.instructor.userId, adminProfile.userId]) {
      const [contact] = await t.db.insert(contacts).values({ userId, firstName: 'Staff', notes: 'keep me' }).returning();
      expect(await failureOf(() => erasePerson(t.db, admin, { contactId: contact.id, confirm: true }))).toMatchObject({ code: 'PERSON_IS_STAFF' });
      expect((await t.db.select().from(contacts).where(eq(contacts.id, contact.id)))[0].notes).toBe('keep me');
    }
  });

  it('erases a prospect asked about by their contact id', async () => {
    const admin = actorOf.admin(await createAdmin(t.db));
    const [contact] = await t.db.insert(contacts).values({ firstName: 'Prospect', email: `prospect.${randomUUID()}@example.com`, notes: 'asked about manual lessons' }).returning();
    const result = await erasePerson(t.db, admin, { contactId: contact.id, confirm: true });
    expect(result).toMatchObject({ changed: true, person: { contactId: contact.id, studentId: null } });
    const [row] = await t.db.select().from(contacts).where(eq(contacts.id, contact.id));
    expect(row).toMatchObject({ firstName: null, email: null, notes: null });
    expect(row.deletedAt).not.toBeNull();
  });
});

const sqlState = (err: unknown) => (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;

describe('the erasure path, attacked as the application role', () => {
  it('setting nexdrive.erasing (with its own search_path) does not let the application edit a message or an audit entry', async () => {
    const [conversation] = await t.db.insert(conversations).values({ channel: 'sms' }).returning();
    const [message] = await t.db.insert(messages).values({ conversationId: conversation.id, direction: 'inbound', senderType: 'user', content: 'original' }).returning();
    const [entry] = await t.db.insert(auditLog).values({ eventType: 'SOMETHING_SEEN', ipAddress: '192.0.2.1' }).returning();
    const attempt = (statement: ReturnType<typeof sql>) =>
      failureOf(() => t.db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('nexdrive.erasing', 'on', true)`);
        // and a search_path of its own (it cannot create temporary tables: migration 0018)
        await tx.execute(sql`select set_config('search_path', 'pg_temp, public, pg_catalog', true)`);
        await tx.execute(statement);
      }));
    // ND001: the log guard still fires; 42501: the application has no UPDATE on audit_log at all.
    expect(sqlState(await attempt(sql`update messages set content = 'rewritten' where id = ${message.id}`))).toBe('ND001');
    expect(sqlState(await attempt(sql`update audit_log set ip_address = null, personal_salt = null where id = ${entry.id}`))).toBe('42501');
    const [kept] = await t.db.select().from(messages).where(eq(messages.id, message.id));
    expect(kept.content).toBe('original');
  });

  it('calling the erasure function directly, with any ids, leaves an entry naming every id and the login role', async () => {
    const [conversation] = await t.db.insert(conversations).values({ channel: 'sms' }).returning();
    const [message] = await t.db.insert(messages).values({ conversationId: conversation.id, direction: 'inbound', senderType: 'user', content: 'someone else' }).returning();
    await t.db.execute(sql`select nd_erase_personal_data(jsonb_build_object('messages', jsonb_build_array(${message.id}::text)))`);
    const [entry] = await t.db.select().from(auditLog).where(sql`${auditLog.eventType} = 'PRIVACY_PERSON_ERASED' and ${auditLog.details} -> 'rows' -> 'messages' ? ${message.id}::text`);
    expect(entry).toBeDefined();
    expect(entry.details).toMatchObject({ erased: { messages: 1 }, sessionUser: expect.any(String) });
  });

  it('the erasure itself may clear only a v2 audit entry\'s personal values: a change to anything else is refused', async () => {
    const [entry] = await t.db.insert(auditLog).values({ eventType: 'SOMETHING_SEEN', ipAddress: '192.0.2.2', details: { a: 1 } }).returning();
    expect(entry.canonicalVersion).toBe(2);
    expect(entry.personalDigest).toMatch(/^[0-9a-f]{64}$/);
    const refused = await failureOf(() => t.asOwner(async (tx) => {
      await tx.execute(sql`select set_config('nexdrive.erasing', 'on', true)`);
      await tx.execute(sql`update audit_log set ip_address = null, personal_salt = null, details = '{"a": 2}' where id = ${entry.id}`);
    }));
    expect(String((refused as { cause?: Error }).cause?.message)).toMatch(/changes nothing else/);
    expect((await verifyChains(t.db, { tables: ['audit_log'] })).breaks).toEqual([]);
  });
});
