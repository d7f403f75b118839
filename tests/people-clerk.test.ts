// syncClerkUser (issue 17 item 1): Clerk's user webhooks arrive at least once and in any order. A repeat
// changes nothing, an older event never overwrites a newer one, a deletion is final (also when it arrives
// before the creation), a new account is a student's (never an admin's or an instructor's, whatever the
// metadata says), and a verified email or phone links the person's contact.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContact, getStudent, linkInstructor, syncClerkUser, systemActor, type SyncClerkUserInput } from '../src/access/index.js';
import { auditLog, contacts, profiles } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, createInstructor, createStudent, failureOf } from './support/fixtures.js';

let t: TestDb;
let admin: ReturnType<typeof actorOf.admin>;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
  admin = actorOf.admin(await createAdmin(t.db));
});
afterAll(() => t.dispose());

const clerk = systemActor('webhook:clerk');
let n = 0;
const newUserId = () => `user_clerk${Date.now()}${n++}`;
type ClerkUserPayload = SyncClerkUserInput['user'];

function userPayload(id: string, first: string, options: { email?: string; emailVerified?: boolean; phone?: string; phoneVerified?: boolean; role?: string } = {}): ClerkUserPayload {
  return {
    id, first_name: first, last_name: 'Nguyen', image_url: null,
    primary_email_address_id: 'idn_e', primary_phone_number_id: options.phone ? 'idn_p' : null,
    email_addresses: [{ id: 'idn_e', email_address: options.email ?? `${id}@example.com`, verification: { status: options.emailVerified === false ? 'unverified' : 'verified' } }],
    phone_numbers: options.phone ? [{ id: 'idn_p', phone_number: options.phone, verification: { status: options.phoneVerified === false ? 'unverified' : 'verified' } }] : [],
    public_metadata: options.role ? { role: options.role } : {},
  };
}
const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute));
const event = (eventId: string, type: SyncClerkUserInput['type'], minute: number, user: ClerkUserPayload): SyncClerkUserInput => ({ eventId, type, occurredAt: at(minute), user });

async function profileOf(userId: string) {
  const [row] = await t.db.select().from(profiles).where(eq(profiles.userId, userId));
  return row;
}
async function auditCount(): Promise<number> {
  const [{ c }] = await queryRows<{ c: number }>(t.db, sql`select count(*)::int as c from audit_log`);
  return c;
}

describe('syncClerkUser: created, updated, deleted', () => {
  it('creates a student profile from user.created (E.164 phone), and a repeat of the event changes nothing', async () => {
    const id = newUserId();
    const created = event(`evt_${id}_1`, 'user.created', 0, userPayload(id, 'Mai', { phone: '+61 412 000 111' }));
    expect(await syncClerkUser(t.db, clerk, created)).toMatchObject({ action: 'created' });
    expect(await profileOf(id)).toMatchObject({ firstName: 'Mai', lastName: 'Nguyen', email: `${id}@example.com`, phone: '+61412000111', role: 'student', status: 'active' });
    const before = await auditCount();
    expect(await syncClerkUser(t.db, clerk, created)).toEqual({ action: 'ignored', profileId: null, linkedContactIds: [] });
    expect(await auditCount()).toBe(before);
  });

  it('never makes an admin or an instructor, whatever the metadata says; a parent when it says parent', async () => {
    const adminWannabe = newUserId();
    await syncClerkUser(t.db, clerk, event(`evt_${adminWannabe}`, 'user.created', 0, userPayload(adminWannabe, 'Eve', { role: 'admin' })));
    expect((await profileOf(adminWannabe)).role).toBe('student');
    const parent = newUserId();
    await syncClerkUser(t.db, clerk, event(`evt_${parent}`, 'user.created', 0, userPayload(parent, 'Pat', { role: 'parent' })));
    expect((await profileOf(parent)).role).toBe('parent');
  });

  it('ignores an update older than the last one applied, and applies a newer one', async () => {
    const id = newUserId();
    await syncClerkUser(t.db, clerk, event('evt_b', 'user.updated', 5, userPayload(id, 'Newer')));
    expect(await syncClerkUser(t.db, clerk, event('evt_a', 'user.updated', 3, userPayload(id, 'Older')))).toMatchObject({ action: 'ignored' });
    expect(await syncClerkUser(t.db, clerk, event('evt_c', 'user.created', 1, userPayload(id, 'Oldest')))).toMatchObject({ action: 'ignored' });
    expect((await profileOf(id)).firstName).toBe('Newer');
    expect(await syncClerkUser(t.db, clerk, event('evt_d', 'user.updated', 9, userPayload(id, 'Newest')))).toMatchObject({ action: 'updated' });
    expect((await profileOf(id)).firstName).toBe('Newest');
  });

  it('orders two events of the same millisecond by their ids, whichever arrives first', async () => {
    for (const order of [['evt_x', 'evt_y'], ['evt_y', 'evt_x']]) {
      const id = newUserId();
      for (const eventId of order) await syncClerkUser(t.db, clerk, event(eventId, 'user.updated', 7, userPayload(id, eventId)));
      expect((await profileOf(id)).firstName).toBe('evt_y');
    }
  });

  it('deactivates on user.deleted and keeps the student record; nothing applies after the deletion', async () => {
    const instructor = await createInstructor(t.db);
    const student = await createStudent(t.db, instructor.id);
    const result = await syncClerkUser(t.db, clerk, event(`evt_del_${student.userId}`, 'user.deleted', 30, { id: student.userId }));
    expect(result).toMatchObject({ action: 'deactivated' });
    expect(await profileOf(student.userId)).toMatchObject({ status: 'inactive' });
    expect((await profileOf(student.userId)).deletedAt).not.toBeNull();
    // the compliance records stay, and an admin still reads the student; the student can no longer act
    expect((await getStudent(t.db, admin, { studentId: student.id })).id).toBe(student.id);
    expect(await failureOf(() => getStudent(t.db, actorOf.student(student), { studentId: student.id }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await syncClerkUser(t.db, clerk, event(`evt_late_${student.userId}`, 'user.updated', 40, userPayload(student.userId, 'Back')))).toMatchObject({ action: 'ignored' });
    expect(await syncClerkUser(t.db, clerk, event(`evt_del2_${student.userId}`, 'user.deleted', 50, { id: student.userId }))).toMatchObject({ action: 'ignored' });
  });

  it('a deletion that arrives before the creation leaves a deactivated profile the creation does not revive', async () => {
    const id = newUserId();
    expect(await syncClerkUser(t.db, clerk, event('evt_2', 'user.deleted', 20, { id }))).toMatchObject({ action: 'deactivated' });
    expect(await syncClerkUser(t.db, clerk, event('evt_1', 'user.created', 10, userPayload(id, 'Ghost')))).toMatchObject({ action: 'ignored' });
    expect(await profileOf(id)).toMatchObject({ status: 'inactive', firstName: '' });
  });

  it('ends in the same profile whatever order 3 events arrive in, some delivered twice (seed printed, 40 orders)', async () => {
    const seed = 20261205;
    console.log(`syncClerkUser reorder property: seed ${seed}`);
    let state = seed;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 40; round++) {
      const id = newUserId();
      const events = [
        event('e1', 'user.created', 1, userPayload(id, 'One', { phone: '0412 000 222' })),
        event('e2', 'user.updated', 2, userPayload(id, 'Two')),
        event('e3', 'user.updated', 3, userPayload(id, 'Three', { email: `three.${id}@example.com` })),
      ];
      const deliveries = [...events, ...events.filter(() => random() < 0.5)];
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
      }
      for (const d of deliveries) await syncClerkUser(t.db, clerk, d);
      expect(await profileOf(id), `round ${round}: ${deliveries.map((d) => d.eventId).join(',')}`).toMatchObject({
        firstName: 'Three', email: `three.${id}@example.com`, phone: null, clerkEventId: 'e3', role: 'student', status: 'active',
      });
    }
  });
});

describe('syncClerkUser links the person to their contact', () => {
  it('by a verified email (any case) or phone, never by an unverified one, never a contact of another user', async () => {
    const id = newUserId();
    const byEmail = await createContact(t.db, admin, { firstName: 'Lin', email: `Lin.${id}@Example.com` });
    const byPhone = await createContact(t.db, admin, { firstName: 'Lin', phone: '0412 000 333' });
    const result = await syncClerkUser(t.db, clerk, event(`evt_${id}`, 'user.created', 0, userPayload(id, 'Lin', { email: `lin.${id}@example.com`, phone: '+61412000333' })));
    expect(result.linkedContactIds).toEqual([byEmail.id, byPhone.id].sort());

    const unverified = newUserId();
    const waiting = await createContact(t.db, admin, { firstName: 'Uma', email: `uma.${unverified}@example.com` });
    await syncClerkUser(t.db, clerk, event(`evt_${unverified}`, 'user.created', 0, userPayload(unverified, 'Uma', { email: `uma.${unverified}@example.com`, emailVerified: false })));
    const [row] = await t.db.select().from(contacts).where(eq(contacts.id, waiting.id));
    expect(row.userId).toBeNull();

    const other = newUserId();
    const r2 = await syncClerkUser(t.db, clerk, event(`evt_${other}`, 'user.created', 0, userPayload(other, 'Lin', { email: `lin.${id}@example.com` })));
    expect(r2.linkedContactIds).toEqual([]);
  });
});

describe('syncClerkUser: who may call it', () => {
  const input = () => event(`evt_${n}`, 'user.created', 0, userPayload(newUserId(), 'X'));
  it.each([['webhook:stripe'], ['agent:sms'], ['cron:nightly'], ['cli:ops']])('refuses %s', async (name) => {
    expect(await failureOf(() => syncClerkUser(t.db, systemActor(name), input()))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses a malformed payload before any SQL: a user id that is not Clerk’s, an unknown type, a time without an offset', async () => {
    for (const bad of [
      { ...input(), user: { id: 'admin' } },
      { ...input(), type: 'user.promoted' },
      { ...input(), occurredAt: '2026-12-01T10:00:00' },
    ]) expect(await failureOf(() => syncClerkUser(t.db, clerk, bad as never))).toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});

describe('linkInstructor after the webhook', () => {
  it("takes an account the webhook made a student's while nothing is enrolled on it, and refuses an enrolled student's", async () => {
    const rob = newUserId();
    await syncClerkUser(t.db, clerk, event(`evt_${rob}`, 'user.created', 0, userPayload(rob, 'Rob')));
    const linked = await linkInstructor(t.db, systemActor('cli:test'), { clerkId: rob, adiNumber: `A${n++}${Date.now() % 100000}`, adiExpiry: '2028-06-30' });
    expect(linked.profile.role).toBe('instructor');
    const instructor = await createInstructor(t.db);
    const student = await createStudent(t.db, instructor.id);
    expect(await failureOf(() => linkInstructor(t.db, systemActor('cli:test'), { clerkId: student.userId, adiNumber: `B${Date.now() % 100000}`, adiExpiry: '2028-06-30' }))).toMatchObject({ code: 'INSTRUCTOR_LINK_CONFLICT' });
  });
});

describe('the audit trail', () => {
  it('records each applied event with the webhook as actor, and no personal data beyond ids', async () => {
    const id = newUserId();
    const { profileId } = await syncClerkUser(t.db, clerk, event(`evt_audit_${id}`, 'user.created', 0, userPayload(id, 'Audit')));
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, profileId!));
    expect(entry).toMatchObject({ eventType: 'PROFILE_CREATED', actorRole: 'system', subjectType: 'profile' });
    expect(JSON.stringify(entry.details)).not.toContain('Audit');
  });
});
