// Attack (critical): nexdrive_app has UPDATE on competency_tasks (migration 0014) and
// competency_tasks_keep_meaning (0018) does not freeze is_active. The certificate guard requires only
// the ACTIVE tasks to be competent, so in one transaction the application's role deactivates every
// task, issues a certificate to a student with no competency row at all, and reactivates the tasks:
// CERT-YYYY-NNNN is issued, the task list looks untouched, and no audit entry exists. The same trick on
// one task (17 or 22, the review tasks) also moves the revision point that nd_competency_blocking_tasks
// judges prerequisites by.
// Fix: revoke UPDATE on competency_tasks from nexdrive_app (reference data is the owner's, as seeding
// is), or add is_active to the frozen columns once any row refers to the task; and have the certificate
// guard require every task that any of the student's rows or the published scheme names (or keep the
// task list a certificate was judged against in the certificate's audit entry).
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { studentCompetencies, students } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createSchoolBasics } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('the application role cannot issue a certificate to a student with no competency at all by deactivating the tasks', async () => {
  const { student } = await createSchoolBasics(app.db);
  expect(await app.db.$count(studentCompetencies, eq(studentCompetencies.studentId, student.id))).toBe(0);

  await app.db
    .transaction(async (tx) => {
      await tx.execute(sql`update competency_tasks set is_active = false`);
      await tx.update(students).set({ certificateIssuedAt: new Date() }).where(eq(students.id, student.id));
      await tx.execute(sql`update competency_tasks set is_active = true`);
    })
    .catch(() => undefined);

  const [row] = await app.db.select({ number: students.certificateNumber }).from(students).where(eq(students.id, student.id));
  expect(row.number).toBeNull();
});
