// Attack (should fix): once a certificate of competency is issued, nothing ties the student's record to
// it. students_certificate_guard (migration 0017) freezes only the number, the time and the completion
// date; competency_guard accepts new rows for a certified student. So after CERT-YYYY-NNNN is issued in
// `auto`: (a) students.transmission can be changed to `manual` (the student now appears to hold a
// manual certificate, with no manual competency at all; CBT&A certificates are per transmission and an
// auto one restricts the licence), and (b) an admin can overrule the final drive to not_yet_competent
// while the certificate stands. Both through paths the application uses every day (an UPDATE of the
// student row; recordCompetencyChange as an admin).
// Fix: freeze students.transmission once certificate_number is set (ND016) and refuse competency rows
// for a student who holds a certificate (or make an overrule after issue revoke it explicitly, with its
// own audited operation); keep the certified transmission on the certificate itself.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { issueCertificate, recordCompetencyChange } from '../src/access/index.js';
import { students } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { makeFullyCompetent } from './support/compliance.js';
import { actorOf, createAdmin, createSchoolBasics } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('after the certificate is issued, the transmission cannot change and no task can be overruled out of competent', async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  const admin = await createAdmin(app.db);
  await makeFullyCompetent(app.db, student);
  const cert = await issueCertificate(app.db, actorOf.instructor(instructor), { studentId: student.id, confirm: true });
  expect(cert.certificateNumber).toMatch(/^CERT-\d{4}-\d{4}$/);

  const overrule = await recordCompetencyChange(app.db, actorOf.admin(admin), { studentId: student.id, taskNumber: 23, status: 'not_yet_competent', reason: 'after the fact' })
    .then(() => 'accepted', () => 'refused');
  const transmissionChange = await app.db
    .update(students).set({ transmission: 'manual' }).where(eq(students.id, student.id))
    .then(() => 'accepted', () => 'refused');

  expect({ transmissionChange, overrule }).toEqual({ transmissionChange: 'refused', overrule: 'refused' });
});
