// Attack (critical): the guards' trigger functions name tables without a schema and set no search_path,
// and every role may create temporary tables (PostgreSQL grants TEMPORARY to PUBLIC). pg_temp is
// searched before public for tables, so a member of nexdrive_app that creates a temporary table called
// `signatures` decides what lessons_signing_guard reads: here it completes a lesson its student never
// signed, pointing student_signature_id at the instructor's signature and choosing signed_at.
// DISCARD PLANS (allowed to anyone) drops plans a pooled connection may have cached before.
// Fix: SET search_path = pg_catalog, public, pg_temp on every trigger and table-reading function (or
// qualify every table as public.x), and REVOKE TEMPORARY ON DATABASE ... FROM PUBLIC.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lessons, signatures } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createLesson, createSchoolBasics, lessonValues } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('a temporary table named signatures does not let nexdrive_app complete a lesson its student never signed', async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  const lesson = await createLesson(app.db, lessonValues(instructor.id, student.id, 1));
  const [instructorSignature] = await app.db
    .insert(signatures)
    .values({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'lesson', documentId: lesson.id, signatureUrl: 'r2://i.png' })
    .returning();
  await app.db.update(lessons).set({ status: 'pending_student_signature', instructorSignatureId: instructorSignature.id }).where(eq(lessons.id, lesson.id));

  await app.db
    .transaction(async (tx) => {
      await tx.execute(sql`create temp table signatures on commit drop as select * from public.signatures`);
      await tx.execute(sql`update pg_temp.signatures set signer_role = 'student', timestamp_utc = '2020-01-01T00:00:00Z' where id = ${instructorSignature.id}`);
      await tx.execute(sql`discard plans`);
      await tx.execute(sql`update public.lessons set status = 'completed', student_signature_id = ${instructorSignature.id} where id = ${lesson.id}`);
    })
    .catch(() => undefined); // refused is the expected outcome; what counts is the lesson afterwards

  const [after] = await app.db.select({ status: lessons.status, studentSignatureId: lessons.studentSignatureId, signedAt: lessons.signedAt }).from(lessons).where(eq(lessons.id, lesson.id));
  const studentSignatures = await app.db.$count(signatures, sql`document_id = ${lesson.id} and signer_role = 'student'`);
  expect(studentSignatures).toBe(0);
  expect(after).toEqual({ status: 'pending_student_signature', studentSignatureId: null, signedAt: null });
});
