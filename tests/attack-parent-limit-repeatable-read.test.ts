// Attack (should fix): parent_student_links_limit (migration 0015) locks the student row and then
// counts active links, which is right under READ COMMITTED only. In a REPEATABLE READ (or a caller's
// RR transaction around setParentPermissions) the count uses the snapshot taken before the lock wait,
// so a link activated and committed meanwhile is not seen: a student ends with 6 active links.
// FOR UPDATE does not raise a serialization failure here, because the other transaction only locked
// the student row and did not update it.
// Fix: make the trigger UPDATE the student row (e.g. a counter, active_parent_links), so that a
// concurrent activation under RR fails with 40001; or refuse to run under RR (SERIALIZABLE is safe).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { parents, parentStudentLinks, profiles } from '../src/db/schema/index.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { createSchoolBasics } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  if (onServer) app = await openTestDb({ role: 'app', poolSize: 3 });
});
afterAll(() => app?.dispose());

async function newParent(db: TestDb['db'], n: number) {
  const userId = `user_attackparent${n}${Date.now()}`;
  const [profile] = await db.insert(profiles).values({ userId, firstName: 'P', lastName: String(n), email: `${userId}@example.com`, role: 'parent' }).returning();
  const [parent] = await db.insert(parents).values({ userId, profileId: profile.id }).returning();
  return parent;
}

describe.runIf(onServer)('at most 5 active parent links, concurrently', () => {
  it('holds when one activation runs in REPEATABLE READ while another commits', async () => {
    const { student } = await createSchoolBasics(app.db);
    const family: Array<{ id: string }> = [];
    for (let n = 1; n <= 6; n++) family.push(await newParent(app.db, n));
    for (const p of family.slice(0, 4)) await app.db.insert(parentStudentLinks).values({ parentId: p.id, studentId: student.id, status: 'active' });

    let snapshotTaken!: () => void;
    const snapshot = new Promise<void>((r) => (snapshotTaken = r));
    let otherCommitted!: () => void;
    const committed = new Promise<void>((r) => (otherCommitted = r));
    const slow = app.db
      .transaction(
        async (tx) => {
          await tx.execute(sql`select count(*) from parent_student_links`); // the snapshot
          snapshotTaken();
          await committed;
          await tx.insert(parentStudentLinks).values({ parentId: family[5].id, studentId: student.id, status: 'active' });
        },
        { isolationLevel: 'repeatable read' },
      )
      .catch(() => undefined);
    await snapshot;
    await app.db.insert(parentStudentLinks).values({ parentId: family[4].id, studentId: student.id, status: 'active' }).catch(() => undefined);
    otherCommitted();
    await slow;

    const active = await app.db.$count(parentStudentLinks, and(eq(parentStudentLinks.studentId, student.id), eq(parentStudentLinks.status, 'active')));
    expect(active).toBeLessThanOrEqual(5);
  });
});
