// Parents (issue 17 item 4): a student (or an admin) invites; the parent, signed in with their own Clerk
// user, accepts with a single-use token that expires; the student (or an admin) revokes. At most 5
// active parents per student, also when many accept at once. The database refuses reusing or editing an
// invitation (ND042), through raw SQL as the application's role too.
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptParentInvitation, getStudent, inviteParent, revokeParentLink, syncClerkUser, systemActor } from '../src/access/index.js';
import { parentInvitations, parentStudentLinks, parents, profiles } from '../src/db/schema/index.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, createInstructor, createParent, createStudent, failureOf } from './support/fixtures.js';

let t: TestDb;
let admin: ReturnType<typeof actorOf.admin>;
let instructorId: string;
let teacher: ReturnType<typeof actorOf.instructor>;
beforeAll(async () => {
  t = await openTestDb({ role: 'app', poolSize: 12 });
  admin = actorOf.admin(await createAdmin(t.db));
  const instructor = await createInstructor(t.db);
  instructorId = instructor.id;
  teacher = actorOf.instructor(instructor);
});
afterAll(() => t.dispose());

let n = 0;
/** A person who has just signed up: the Clerk webhook made their profile (a student's, nothing enrolled). */
async function signedUp(): Promise<{ userId: string; role: 'parent' }> {
  const userId = `user_parent${Date.now()}${n++}`;
  await syncClerkUser(t.db, systemActor('webhook:clerk'), {
    eventId: `evt_${userId}`, type: 'user.created', occurredAt: new Date(),
    user: { id: userId, first_name: 'Pat', last_name: 'Parent', primary_email_address_id: 'e', email_addresses: [{ id: 'e', email_address: `${userId}@example.com`, verification: { status: 'verified' } }] },
  });
  return { userId, role: 'parent' };
}
async function newStudent() {
  const student = await createStudent(t.db, instructorId);
  return { student, actor: actorOf.student(student) };
}

describe('invite, accept, revoke', () => {
  it('a student invites; the parent accepts once with the invitation’s permissions, and then sees the student', async () => {
    const { student, actor } = await newStudent();
    const { invitation, token } = await inviteParent(t.db, actor, { studentId: student.id, firstName: 'Pat', email: 'pat@example.com', relationship: 'guardian', permissions: { canViewPayments: false } });
    expect(invitation).toMatchObject({ status: 'pending', relationship: 'guardian', email: 'pat@example.com' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [stored] = await t.db.select().from(parentInvitations).where(eq(parentInvitations.id, invitation.id));
    expect(stored.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(token);

    const pat = await signedUp();
    const { link } = await acceptParentInvitation(t.db, pat, { token });
    expect(link).toMatchObject({ studentId: student.id, status: 'active', relationship: 'guardian', canViewPayments: false, canViewProgress: true });
    const [profile] = await t.db.select().from(profiles).where(eq(profiles.userId, pat.userId));
    expect(profile.role).toBe('parent');
    expect((await getStudent(t.db, pat, { studentId: student.id })).id).toBe(student.id);
    // single use: the same token again, by anyone, is refused
    expect(await failureOf(() => acceptParentInvitation(t.db, pat, { token }))).toMatchObject({ code: 'INVITATION_INVALID' });
    const latecomer = await signedUp();
    expect(await failureOf(() => acceptParentInvitation(t.db, latecomer, { token }))).toMatchObject({ code: 'INVITATION_INVALID' });
  });

  it('an unknown, expired or withdrawn token is INVITATION_INVALID, and the account is left as it was', async () => {
    const { student, actor } = await newStudent();
    const pat = await signedUp();
    expect(await failureOf(() => acceptParentInvitation(t.db, pat, { token: 'A'.repeat(43) }))).toMatchObject({ code: 'INVITATION_INVALID' });
    const expiredToken = 'E'.repeat(43);
    await t.db.insert(parentInvitations).values({ studentId: student.id, invitedBy: 'test', email: 'x@example.com', tokenHash: createHash('sha256').update(expiredToken).digest('hex'), expiresAt: new Date(Date.now() - 1000) });
    expect(await failureOf(() => acceptParentInvitation(t.db, pat, { token: expiredToken }))).toMatchObject({ code: 'INVITATION_INVALID' });
    const { invitation, token } = await inviteParent(t.db, actor, { studentId: student.id, phone: '0412 999 000' });
    expect(invitation.phone).toBe('+61412999000');
    expect(await revokeParentLink(t.db, actor, { invitationId: invitation.id })).toMatchObject({ changed: true, linkId: null });
    expect(await failureOf(() => acceptParentInvitation(t.db, pat, { token }))).toMatchObject({ code: 'INVITATION_INVALID' });
    const [profile] = await t.db.select().from(profiles).where(eq(profiles.userId, pat.userId));
    expect(profile.role).toBe('student');
    expect(await t.db.select().from(parents).where(eq(parents.userId, pat.userId))).toEqual([]);
  });

  it('an instructor, an admin or an enrolled student cannot accept (FORBIDDEN), nor the student themself', async () => {
    const { student, actor } = await newStudent();
    const { token } = await inviteParent(t.db, admin, { studentId: student.id, email: 'p@example.com' });
    const other = await newStudent();
    for (const userId of [admin.userId, other.student.userId, student.userId]) {
      expect(await failureOf(() => acceptParentInvitation(t.db, { userId, role: 'parent' }, { token }))).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await failureOf(() => acceptParentInvitation(t.db, actor, { token }))).toMatchObject({ code: 'FORBIDDEN' });
    // still usable by the parent it was meant for
    expect((await acceptParentInvitation(t.db, await signedUp(), { token })).studentId).toBe(student.id);
  });

  it('the student revokes a link: the parent no longer sees the student; a repeat changes nothing; a parent may not revoke', async () => {
    const { student, actor } = await newStudent();
    const { token } = await inviteParent(t.db, actor, { studentId: student.id, email: 'r@example.com' });
    const pat = await signedUp();
    const { link } = await acceptParentInvitation(t.db, pat, { token });
    expect(await failureOf(() => revokeParentLink(t.db, pat, { linkId: link.id }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await revokeParentLink(t.db, actor, { linkId: link.id })).toMatchObject({ changed: true });
    expect(await failureOf(() => getStudent(t.db, pat, { studentId: student.id }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await revokeParentLink(t.db, actor, { linkId: link.id })).toMatchObject({ changed: false });
    // another student may not revoke it, nor see that it exists
    const stranger = (await newStudent()).actor;
    expect(await failureOf(() => revokeParentLink(t.db, stranger, { linkId: link.id }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('an instructor may not invite for their student; another student not for this one', async () => {
    const { student } = await newStudent();
    expect(await failureOf(() => inviteParent(t.db, teacher, { studentId: student.id, email: 'i@example.com' }))).toMatchObject({ code: 'FORBIDDEN' });
    const stranger = (await newStudent()).actor;
    expect(await failureOf(() => inviteParent(t.db, stranger, { studentId: student.id, email: 'i@example.com' }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await failureOf(() => inviteParent(t.db, admin, { studentId: student.id }))).toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});

describe('at most 5 parents per student', () => {
  it('counts pending invitations with the active links when inviting', async () => {
    const { student, actor } = await newStudent();
    for (let i = 0; i < 3; i++) await createParent(t.db, student.id);
    await inviteParent(t.db, actor, { studentId: student.id, email: 'a@example.com' });
    await inviteParent(t.db, actor, { studentId: student.id, email: 'b@example.com' });
    expect(await failureOf(() => inviteParent(t.db, actor, { studentId: student.id, email: 'c@example.com' }))).toMatchObject({ code: 'PARENT_LINK_LIMIT' });
  });

  it.skipIf(!onServer)('8 parents accepting 8 invitations at once: exactly 5 links, the rest PARENT_LINK_LIMIT (server)', async () => {
    const { student } = await newStudent();
    const tokens = Array.from({ length: 8 }, (_, i) => `${String(i)}${'T'.repeat(42)}`);
    for (const token of tokens) {
      await t.db.insert(parentInvitations).values({ studentId: student.id, invitedBy: 'test', email: 'z@example.com', tokenHash: createHash('sha256').update(token).digest('hex'), expiresAt: new Date(Date.now() + 60_000) });
    }
    const people = await Promise.all(tokens.map(() => signedUp()));
    const results = await Promise.allSettled(tokens.map((token, i) => acceptParentInvitation(t.db, people[i], { token })));
    const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code)).sort();
    expect(codes).toEqual(['PARENT_LINK_LIMIT', 'PARENT_LINK_LIMIT', 'PARENT_LINK_LIMIT', 'ok', 'ok', 'ok', 'ok', 'ok']);
    const active = await t.db.select().from(parentStudentLinks).where(sql`${parentStudentLinks.studentId} = ${student.id} and ${parentStudentLinks.status} = 'active'`);
    expect(active).toHaveLength(5);
  });
});

describe('the database keeps an invitation as it was offered (raw SQL as nexdrive_app)', () => {
  it('a used invitation cannot be made pending again, nor an invitation pointed at another student or given a new token', async () => {
    const { student, actor } = await newStudent();
    const { invitation, token } = await inviteParent(t.db, actor, { studentId: student.id, email: 'g@example.com', permissions: { canViewPayments: false } });
    const other = await newStudent();
    for (const change of [sql`student_id = ${other.student.id}`, sql`token_hash = ${'b'.repeat(64)}`, sql`can_view_payments = true`, sql`expires_at = now() + interval '1 year'`]) {
      const err = await failureOf(() => t.db.execute(sql`update parent_invitations set ${change} where id = ${invitation.id}`));
      expect((err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code).toBe('ND042');
    }
    await acceptParentInvitation(t.db, await signedUp(), { token });
    const err = await failureOf(() => t.db.execute(sql`update parent_invitations set status = 'pending', accepted_by = null, accepted_at = null, link_id = null where id = ${invitation.id}`));
    expect((err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code).toBe('ND042');
    expect(await failureOf(() => t.db.execute(sql`delete from parent_invitations where id = ${invitation.id}`))).toBeTruthy();
  });
});
