// Attack (issue 17): one account given two roles at once. A new account (the Clerk webhook made it a
// student's, nothing enrolled) accepts a parent invitation while an admin enrols it as a student. Without
// the profile lock in resolveParentNewcomer the acceptance, having read "no student row" before the
// enrolment committed, would go on to make the account a parent's too. The order is forced, not left to
// timing: the enrolment holds the profile row and has made the student row when the acceptance starts,
// and commits only once the acceptance waits for the lock. Server only (PGlite has one connection).
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptParentInvitation, syncClerkUser, systemActor } from '../src/access/index.js';
import { parentInvitations, parents, profiles, students } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { createSchoolBasics } from './support/fixtures.js';

describe.runIf(onServer)('a parent invitation accepted while the account is enrolled as a student', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb({ role: 'app', poolSize: 4 });
  });
  afterAll(() => t?.dispose());

  it('waits for the enrolment, then refuses (FORBIDDEN): the account has one role', async () => {
    const { instructor, student: someone } = await createSchoolBasics(t.db);
    const userId = `user_race${Date.now()}`;
    await syncClerkUser(t.db, systemActor('webhook:clerk'), { eventId: `evt_${userId}`, type: 'user.created', occurredAt: new Date(), user: { id: userId, first_name: 'Jo' } });
    const token = 'R'.repeat(43);
    await t.db.insert(parentInvitations).values({ studentId: someone.id, invitedBy: 'test', email: 'jo@example.com', tokenHash: createHash('sha256').update(token).digest('hex'), expiresAt: new Date(Date.now() + 60_000) });

    let outcome: Promise<string> | undefined;
    await t.db.transaction(async (tx) => {
      // what convertContact does: the profile locked, then the student row
      const [profile] = await tx.select().from(profiles).where(eq(profiles.userId, userId)).for('update');
      await tx.insert(students).values({ userId, profileId: profile.id, instructorId: instructor.id });
      outcome = acceptParentInvitation(t.db, { userId, role: 'parent' }, { token }).then(() => 'accepted', (err: { code?: string }) => err.code ?? 'error');
      for (let i = 0; i < 500; i++) {
        const [waiting] = await queryRows<{ n: number }>(t.db, sql`
          select count(*)::int as n from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock' and query ilike '%profiles%'`);
        const settled = await Promise.race([outcome.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10))]);
        if (waiting.n > 0 || settled) break;
      }
    });
    expect(await outcome).toBe('FORBIDDEN');
    expect(await t.db.select().from(parents).where(eq(parents.userId, userId))).toEqual([]);
    const [profile] = await t.db.select().from(profiles).where(eq(profiles.userId, userId));
    expect(profile.role).toBe('student');
  });
});
