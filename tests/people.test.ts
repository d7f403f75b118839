// People through the access layer: a student's record, the privacy choices the student controls, and
// the limit of 5 active parent links (enforced by the database, migration 0015, under concurrency too).
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStudent, listBookings, listLessons, setParentPermissions } from '../src/access/index.js';
import { NotFoundError, ValidationError, sqlstateOf, toDbError } from '../src/db/errors.js';
import { auditLog, parentStudentLinks, students } from '../src/db/schema/index.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { actorOf, createParent, createSchoolBasics, failureOf } from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app', poolSize: 12 });
});
afterAll(() => t.dispose());

describe(getStudent.name, () => {
  it("returns the student's record with their name, to the student and to a parent who may see progress", async () => {
    const { student } = await createSchoolBasics(t.db);
    const { parent } = await createParent(t.db, student.id);
    const mine = await getStudent(t.db, actorOf.student(student), { studentId: student.id });
    expect(mine).toMatchObject({ id: student.id, firstName: 'Sam', lastName: 'Learner', transmission: 'auto', parentVisibility: true });
    expect(await getStudent(t.db, actorOf.parent(parent), { studentId: student.id })).toEqual(mine);
  });

  it('answers NOT_FOUND, not FORBIDDEN, for a student the actor may not see, and for one that does not exist', async () => {
    const { student } = await createSchoolBasics(t.db);
    const { instructor: other } = await createSchoolBasics(t.db);
    const missing = await failureOf(() => getStudent(t.db, actorOf.instructor(other), { studentId: '00000000-0000-4000-8000-000000000000' }));
    const hidden = await failureOf(() => getStudent(t.db, actorOf.instructor(other), { studentId: student.id }));
    expect(hidden).toBeInstanceOf(NotFoundError);
    expect(missing).toBeInstanceOf(NotFoundError);
  });
});

describe(setParentPermissions.name, () => {
  it('lets the student switch every parent off at once (the master switch), and back on, audited', async () => {
    const { student } = await createSchoolBasics(t.db);
    const { parent } = await createParent(t.db, student.id);
    const asParent = actorOf.parent(parent);
    await listLessons(t.db, asParent, { studentId: student.id });
    const r = await setParentPermissions(t.db, actorOf.student(student), { studentId: student.id, parentVisibility: false });
    expect(r.parentVisibility).toBe(false);
    expect(await failureOf(() => listLessons(t.db, asParent, { studentId: student.id }))).toBeInstanceOf(NotFoundError);
    await setParentPermissions(t.db, actorOf.student(student), { studentId: student.id, parentVisibility: true });
    await listLessons(t.db, asParent, { studentId: student.id });
    const entries = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, student.id));
    expect(entries.filter((e) => e.eventType === 'PRIVACY_SETTINGS_CHANGED').map((e) => [e.actorId, e.actorRole])).toEqual([
      [student.userId, 'student'], [student.userId, 'student'],
    ]);
  });

  it("changes one parent's flags: without can_view_bookings that parent's bookings of the student no longer exist", async () => {
    const { student } = await createSchoolBasics(t.db);
    const { parent } = await createParent(t.db, student.id);
    const r = await setParentPermissions(t.db, actorOf.student(student), { studentId: student.id, parentId: parent.id, permissions: { canViewBookings: false } });
    expect(r.link).toMatchObject({ parentId: parent.id, canViewBookings: false, canViewProgress: true });
    expect(await failureOf(() => listBookings(t.db, actorOf.parent(parent), { studentId: student.id }))).toBeInstanceOf(NotFoundError);
    expect(await listBookings(t.db, actorOf.parent(parent), {})).toEqual([]);
  });

  it('refuses the parent changing their own flags (FORBIDDEN) and the instructor (FORBIDDEN)', async () => {
    const { instructor, student } = await createSchoolBasics(t.db);
    const { parent } = await createParent(t.db, student.id);
    for (const actor of [actorOf.parent(parent), actorOf.instructor(instructor)]) {
      const err = await failureOf(() => setParentPermissions(t.db, actor, { studentId: student.id, parentId: parent.id, permissions: { canViewPayments: true } }));
      expect(err).toMatchObject({ code: 'FORBIDDEN' });
    }
  });

  it('refuses flags without a parent, and nothing to change, naming the problem', async () => {
    const { student } = await createSchoolBasics(t.db);
    const err = await failureOf(() => setParentPermissions(t.db, actorOf.student(student), { studentId: student.id, permissions: { canViewPayments: true } }));
    expect((err as ValidationError).fields).toEqual(['parentId']);
    expect(await failureOf(() => setParentPermissions(t.db, actorOf.student(student), { studentId: student.id }))).toBeInstanceOf(ValidationError);
  });

  it('refuses a sixth active parent (PARENT_LINK_LIMIT) and lets the student revoke one to make room', async () => {
    const { student } = await createSchoolBasics(t.db);
    const linked = [];
    for (let i = 0; i < 5; i++) linked.push(await createParent(t.db, student.id));
    const sixth = await failureOf(() => createParent(t.db, student.id));
    expect(toDbError(sixth).code).toBe('PARENT_LINK_LIMIT');
    const pending = await createParent(t.db, student.id, { status: 'pending' });
    expect(toDbError(await failureOf(() => setParentPermissions(t.db, actorOf.student(student), { studentId: student.id, parentId: pending.parent.id, linkStatus: 'active' })))).toMatchObject({
      code: 'PARENT_LINK_LIMIT',
    });
    await setParentPermissions(t.db, actorOf.student(student), { studentId: student.id, parentId: linked[0].parent.id, linkStatus: 'revoked' });
    const r = await setParentPermissions(t.db, actorOf.student(student), { studentId: student.id, parentId: pending.parent.id, linkStatus: 'active' });
    expect(r.link?.status).toBe('active');
    expect(await t.db.$count(parentStudentLinks, sql`${parentStudentLinks.studentId} = ${student.id} and ${parentStudentLinks.status} = 'active'`)).toBe(5);
  });

  it.runIf(onServer)('holds the limit when 8 parents are linked at once: exactly 5 are active', async () => {
    const { student } = await createSchoolBasics(t.db);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => createParent(t.db, student.id)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const r of results) if (r.status === 'rejected') expect(sqlstateOf(r.reason)).toBe('ND005');
    const [row] = await t.db.select({ id: students.id }).from(students).where(eq(students.id, student.id));
    expect(row).toBeDefined();
  });
});
