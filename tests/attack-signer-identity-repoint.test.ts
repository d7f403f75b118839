// Attack (should fix): signatures are bound to people through instructors.user_id / students.user_id
// (nd_expected_signer), which nexdrive_app may UPDATE, and the binding is checked only when the
// signature is inserted. Re-pointing the instructor's user_id at another Clerk id for one transaction,
// signing, and putting it back leaves a lesson whose instructor signature names someone who is not
// its instructor; verify reports nothing.
// Fix: freeze user_id (and profile_id) of instructors, students and parents once that person has a
// signature (or grant nexdrive_app UPDATE on those tables column by column, without user_id, and
// relink through an audited owner-side function).
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { instructors, lessons, signatures } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createLesson, createSchoolBasics, lessonValues } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it("every lesson's instructor signature is signed by that lesson's instructor, even after nexdrive_app re-points user_id for a moment", async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  const lesson = await createLesson(app.db, lessonValues(instructor.id, student.id, 1));
  await app.db
    .transaction(async (tx) => {
      await tx.update(instructors).set({ userId: 'user_mallory' }).where(eq(instructors.id, instructor.id));
      const [forged] = await tx
        .insert(signatures)
        .values({ signerId: 'user_mallory', signerRole: 'instructor', documentType: 'lesson', documentId: lesson.id, signatureUrl: 'r2://m.png' })
        .returning();
      await tx.update(lessons).set({ status: 'pending_student_signature', instructorSignatureId: forged.id }).where(eq(lessons.id, lesson.id));
    })
    .catch(() => undefined);
  await app.db.update(instructors).set({ userId: instructor.userId }).where(eq(instructors.id, instructor.id)).catch(() => undefined);

  const mismatched = await app.db.$count(
    signatures,
    sql`document_type = 'lesson' and document_id = ${lesson.id} and signer_id is distinct from nd_expected_signer(document_type, document_id, signer_role)`,
  );
  expect(mismatched).toBe(0);
});
