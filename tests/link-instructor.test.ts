// db:link-instructor (spec section 9): create or link the instructor record of a Clerk user,
// idempotently, with clear errors for missing or bad arguments. Re-linking moves a record only from a
// placeholder, or with force (audited as a warning with the previous user); only admins and system
// actors may link.
import { execFileSync } from 'node:child_process';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstructorLinkConflictError, isPlaceholderUserId, linkInstructor, systemActor } from '../src/access/index.js';
import { ForbiddenError, ValidationError } from '../src/db/errors.js';
import { auditLog, instructors, profiles } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createInstructor, createSchoolBasics, failureOf } from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

const cli = systemActor('cli:link-instructor');
const rob = { clerkId: 'user_rob608', adiNumber: '608', adiExpiry: '2027-06-30', firstName: 'Rob', lastName: 'Harrison', email: 'rob@example.com' };

describe(linkInstructor.name, () => {
  it('creates the profile and the instructor, then changes nothing on a second run', async () => {
    const first = await linkInstructor(t.db, cli, { ...rob, isOwner: true });
    expect(first).toMatchObject({ profileCreated: true, instructorCreated: true, relinked: false });
    expect(first.instructor).toMatchObject({ userId: 'user_rob608', adiNumber: '608', isOwner: true, profileId: first.profile.id });
    const audits = await t.db.$count(auditLog);
    const second = await linkInstructor(t.db, cli, rob);
    expect(second).toMatchObject({ profileCreated: false, instructorCreated: false, relinked: false });
    expect(second.instructor).toEqual(first.instructor);
    expect(await t.db.$count(instructors, eq(instructors.adiNumber, '608'))).toBe(1);
    expect(await t.db.$count(auditLog)).toBe(audits);
  });

  it('records the system actor who created it: actor_role system, its name in details', async () => {
    const r = await linkInstructor(t.db, cli, { ...rob, clerkId: 'user_audited', adiNumber: '611' });
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, r.instructor.id), eq(auditLog.eventType, 'INSTRUCTOR_CREATED')));
    expect(entry).toMatchObject({ actorId: null, actorRole: 'system', details: { adiNumber: '611', systemActor: 'cli:link-instructor' } });
  });

  it('links a placeholder instructor with that ADI to the Clerk user (the spec section 9 flow)', async () => {
    expect(isPlaceholderUserId('placeholder:adi-777')).toBe(true);
    expect(isPlaceholderUserId('user_2abc')).toBe(false);
    const placeholder = await createInstructor(t.db, { adiNumber: '777', userId: 'placeholder:adi-777' });
    const r = await linkInstructor(t.db, cli, { clerkId: 'user_new777', adiNumber: '777', firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' });
    expect(r).toMatchObject({ relinked: true, instructorCreated: false, previousUserId: 'placeholder:adi-777' });
    expect(r.instructor.id).toBe(placeholder.id);
    expect(r.instructor.userId).toBe('user_new777');
  });

  it("refuses to move a real Clerk user's instructor record (and all their students) to someone who names the ADI number", async () => {
    const { instructor } = await createSchoolBasics(t.db, { adiNumber: '780' });
    const err = await failureOf(() =>
      linkInstructor(t.db, cli, { clerkId: 'user_thief', adiNumber: '780', firstName: 'Eve', lastName: 'X', email: 'eve@example.com' }),
    );
    expect(err).toBeInstanceOf(InstructorLinkConflictError);
    expect((err as InstructorLinkConflictError).code).toBe('INSTRUCTOR_LINK_CONFLICT');
    const [after] = await t.db.select().from(instructors).where(eq(instructors.id, instructor.id));
    expect(after.userId).toBe(instructor.userId);
    expect(await t.db.$count(profiles, eq(profiles.userId, 'user_thief'))).toBe(0);
  });

  it('moves it with force, audited as a warning naming the previous user', async () => {
    const { instructor } = await createSchoolBasics(t.db, { adiNumber: '781' });
    const r = await linkInstructor(t.db, cli, { clerkId: 'user_newaccount', adiNumber: '781', firstName: 'Rob', lastName: 'H', email: 'rob2@example.com', force: true });
    expect(r).toMatchObject({ relinked: true, previousUserId: instructor.userId });
    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, instructor.id), eq(auditLog.eventType, 'INSTRUCTOR_RELINKED')));
    expect(entry).toMatchObject({ severity: 'warning', details: { previousUserId: instructor.userId, forced: true } });
  });

  it('may be done by an admin or a system actor only', async () => {
    const { instructor } = await createSchoolBasics(t.db);
    const err = await failureOf(() => linkInstructor(t.db, { userId: instructor.userId, role: 'instructor' }, { ...rob, clerkId: 'user_byinstructor', adiNumber: '790' }));
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(await t.db.$count(instructors, eq(instructors.adiNumber, '790'))).toBe(0);
  });

  it('names the missing flags when the profile does not exist yet, and writes nothing', async () => {
    const err = await failureOf(() => linkInstructor(t.db, cli, { clerkId: 'user_nobody', adiNumber: '901', adiExpiry: '2027-01-01' }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toContain('--first-name, --last-name, --email');
    expect(await t.db.$count(profiles, eq(profiles.userId, 'user_nobody'))).toBe(0);
  });

  it('asks for --adi-expiry when the instructor must be created, and rolls back the new profile', async () => {
    const err = await failureOf(() => linkInstructor(t.db, cli, { clerkId: 'user_noexp', adiNumber: '902', firstName: 'A', lastName: 'B', email: 'a@example.com' }));
    expect((err as Error).message).toContain('--adi-expiry=YYYY-MM-DD');
    expect(await t.db.$count(profiles, eq(profiles.userId, 'user_noexp'))).toBe(0);
  });

  it('rejects a malformed Clerk id and date with a validation error naming both fields', async () => {
    const err = await failureOf(() => linkInstructor(t.db, cli, { ...rob, clerkId: 'rob', adiExpiry: '30/06/2027' }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toEqual(['clerkId', 'adiExpiry']);
  });

  it('refuses to give a user a second ADI number', async () => {
    await linkInstructor(t.db, cli, { ...rob, clerkId: 'user_twoadi', adiNumber: '903' });
    const err = await failureOf(() => linkInstructor(t.db, cli, { ...rob, clerkId: 'user_twoadi', adiNumber: '904' }));
    expect(err).toBeInstanceOf(InstructorLinkConflictError);
  });
});

describe('npm run db:link-instructor', () => {
  function run(args: string[]): { status: number; stderr: string } {
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/link-instructor.ts', ...args], { encoding: 'utf8', stdio: 'pipe', env: { ...process.env, DATABASE_URL: 'postgres://nowhere.invalid/db' } });
      return { status: 0, stderr: '' };
    } catch (err) {
      const e = err as { status: number; stderr: string };
      return { status: e.status, stderr: e.stderr };
    }
  }

  it('exits 1 with a one-line usage error naming both missing flags', () => {
    const r = run([]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: CONFIG_ERROR: missing --clerk-id=\.\.\. and --adi=\.\.\.; usage: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('accepts --force, and rejects unknown flags and bare words', () => {
    expect(run(['--clerk-id=user_x', '--adi=608', '--force']).stderr).not.toContain('unknown flag');
    expect(run(['--clerk-id=user_x', '--adi=608', '--colour=red']).stderr).toContain('unknown flag --colour');
    expect(run(['user_x']).stderr).toContain('unexpected argument "user_x"');
  });
});
