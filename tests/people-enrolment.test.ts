// convertContact (issue 17 item 3): a qualified contact becomes an enrolled student in one transaction,
// with the contact's instructor, once however often (or however concurrently) it is asked.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertContact, createContact, setLifecycleStage, syncClerkUser, systemActor } from '../src/access/index.js';
import { contacts, profiles, students } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, createInstructor, failureOf } from './support/fixtures.js';

let t: TestDb;
let admin: ReturnType<typeof actorOf.admin>;
let rob: ReturnType<typeof actorOf.instructor>;
let robId: string;
let other: ReturnType<typeof actorOf.instructor>;
beforeAll(async () => {
  t = await openTestDb({ role: 'app', poolSize: 12 });
  admin = actorOf.admin(await createAdmin(t.db));
  const instructor = await createInstructor(t.db);
  rob = actorOf.instructor(instructor);
  robId = instructor.id;
  other = actorOf.instructor(await createInstructor(t.db));
});
afterAll(() => t.dispose());

let n = 0;
async function qualified(actor = rob, fields: { email?: string | null } = {}) {
  n++;
  const email = fields.email === null ? undefined : (fields.email ?? `kai.${Date.now()}.${n}@example.com`);
  const contact = await createContact(t.db, actor, { firstName: 'Kai', lastName: 'Tran', email, phone: `+614${String(30_000_000 + n + (Date.now() % 1_000_000)).padStart(8, '0')}`, source: 'website' });
  await setLifecycleStage(t.db, actor, { contactId: contact.id, stage: 'lead' });
  await setLifecycleStage(t.db, actor, { contactId: contact.id, stage: 'qualified' });
  return contact;
}
const userId = () => `user_enrol${Date.now()}${n++}`;

describe(convertContact.name, () => {
  it('enrols a qualified contact: a student of the contact’s instructor, a profile made from the contact, the contact enrolled and linked', async () => {
    const contact = await qualified();
    const uid = userId();
    const { student, created } = await convertContact(t.db, rob, { contactId: contact.id, userId: uid, transmission: 'manual' });
    expect(created).toBe(true);
    expect(student).toMatchObject({ userId: uid, instructorId: robId, transmission: 'manual', referralSource: 'website' });
    const [profile] = await t.db.select().from(profiles).where(eq(profiles.userId, uid));
    expect(profile).toMatchObject({ role: 'student', firstName: 'Kai', email: contact.email });
    const [row] = await t.db.select().from(contacts).where(eq(contacts.id, contact.id));
    expect(row).toMatchObject({ lifecycleStage: 'enrolled', userId: uid });
  });

  it('is idempotent: a second call gives the same student and writes nothing', async () => {
    const contact = await qualified();
    const uid = userId();
    const first = await convertContact(t.db, rob, { contactId: contact.id, userId: uid });
    const [{ c: auditBefore }] = await queryRows<{ c: number }>(t.db, sql`select count(*)::int as c from audit_log`);
    const again = await convertContact(t.db, rob, { contactId: contact.id });
    expect(again).toEqual({ student: first.student, created: false });
    const [{ c: auditAfter }] = await queryRows<{ c: number }>(t.db, sql`select count(*)::int as c from audit_log`);
    expect(auditAfter).toBe(auditBefore);
  });

  it('uses the profile the Clerk webhook made, and the contact the webhook linked', async () => {
    const uid = userId();
    const contact = await qualified(rob, { email: `${uid}@example.com` });
    await syncClerkUser(t.db, systemActor('webhook:clerk'), {
      eventId: `evt_${uid}`, type: 'user.created', occurredAt: new Date(),
      user: { id: uid, first_name: 'Kai', last_name: 'Tran', primary_email_address_id: 'e', email_addresses: [{ id: 'e', email_address: `${uid}@example.com`, verification: { status: 'verified' } }] },
    });
    const { student } = await convertContact(t.db, admin, { contactId: contact.id });
    const [profile] = await t.db.select().from(profiles).where(eq(profiles.userId, uid));
    expect(student.profileId).toBe(profile.id);
  });

  it('refuses what is not convertible, writing nothing', async () => {
    const prospect = await createContact(t.db, rob, { firstName: 'Early', email: `early.${Date.now()}@example.com` });
    expect(await failureOf(() => convertContact(t.db, rob, { contactId: prospect.id, userId: userId() }))).toMatchObject({ code: 'CONTACT_NOT_CONVERTIBLE' });
    const noAccount = await qualified();
    expect(await failureOf(() => convertContact(t.db, rob, { contactId: noAccount.id }))).toMatchObject({ code: 'VALIDATION_ERROR' });
    const noInstructor = await createContact(t.db, admin, { firstName: 'Orphan', email: `orphan.${Date.now()}@example.com` });
    await setLifecycleStage(t.db, admin, { contactId: noInstructor.id, stage: 'lead' });
    await setLifecycleStage(t.db, admin, { contactId: noInstructor.id, stage: 'qualified' });
    expect(await failureOf(() => convertContact(t.db, admin, { contactId: noInstructor.id, userId: userId() }))).toMatchObject({ code: 'CONTACT_NOT_CONVERTIBLE' });
    const noEmail = await qualified(rob, { email: null });
    const uid = userId();
    expect(await failureOf(() => convertContact(t.db, rob, { contactId: noEmail.id, userId: uid }))).toMatchObject({ code: 'CONTACT_NOT_CONVERTIBLE' });
    expect(await t.db.select().from(students).where(eq(students.userId, uid))).toEqual([]);
    expect(await t.db.select().from(profiles).where(eq(profiles.userId, uid))).toEqual([]);
  });

  it('refuses an instructor’s or an admin’s account, and another instructor’s contact (NOT_FOUND)', async () => {
    const contact = await qualified();
    expect(await failureOf(() => convertContact(t.db, rob, { contactId: contact.id, userId: rob.userId }))).toMatchObject({ code: 'CONTACT_NOT_CONVERTIBLE' });
    expect(await failureOf(() => convertContact(t.db, rob, { contactId: contact.id, userId: admin.userId }))).toMatchObject({ code: 'CONTACT_NOT_CONVERTIBLE' });
    expect(await failureOf(() => convertContact(t.db, other, { contactId: contact.id, userId: userId() }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it.skipIf(!onServer)('8 concurrent conversions of one contact make one student (server)', async () => {
    const contact = await qualified();
    const uid = userId();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => convertContact(t.db, rob, { contactId: contact.id, userId: uid })));
    const made = results.filter((r) => r.status === 'fulfilled' && r.value.created);
    expect(made).toHaveLength(1);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await t.db.select().from(students).where(eq(students.userId, uid))).toHaveLength(1);
  });
});
