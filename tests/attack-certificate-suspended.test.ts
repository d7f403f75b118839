// Attack (issue 15, defect 5): issuing a certificate set the student's status to 'completed' whatever it
// was, so a suspended student who was competent in every task was certified and, no longer suspended,
// could act again. Fix: issueCertificate refuses a suspended student (CERTIFICATE_NOT_ELIGIBLE, reason),
// and so does the database's certificate guard (migration 0023, ND017), whatever writes the row:
// issuing never changes a suspension.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getStudentProgress, issueCertificate } from '../src/access/index.js';
import { sqlstateOf } from '../src/db/errors.js';
import { students } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { makeFullyCompetent } from './support/compliance.js';
import { actorOf, createAdmin, createSchoolBasics, failureOf } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('refuses to certify a suspended student, through the access layer and as nexdrive_app, and leaves the suspension', async () => {
  const { student } = await createSchoolBasics(app.db);
  const admin = actorOf.admin(await createAdmin(app.db));
  await makeFullyCompetent(app.db, student);
  await app.db.update(students).set({ status: 'suspended' }).where(eq(students.id, student.id));

  const progress = await getStudentProgress(app.db, admin, { studentId: student.id });
  expect(progress.certificate.eligible).toBe(false);
  expect(progress.certificate.reasons.join(' ')).toMatch(/suspended/);

  const err = await failureOf(() => issueCertificate(app.db, admin, { studentId: student.id, confirm: true }));
  expect(err).toMatchObject({ code: 'CERTIFICATE_NOT_ELIGIBLE', reason: 'the student is suspended' });
  const raw = await failureOf(() => app.db.update(students).set({ certificateIssuedAt: new Date() }).where(eq(students.id, student.id)));
  expect(sqlstateOf(raw)).toBe('ND017');

  const [after] = await app.db.select({ status: students.status, certificateNumber: students.certificateNumber }).from(students).where(eq(students.id, student.id));
  expect(after).toEqual({ status: 'suspended', certificateNumber: null });

  // Lifted by the school, the student is certified as usual.
  await app.db.update(students).set({ status: 'active' }).where(eq(students.id, student.id));
  expect((await issueCertificate(app.db, admin, { studentId: student.id, confirm: true })).certificateNumber).toMatch(/^CERT-/);
});
