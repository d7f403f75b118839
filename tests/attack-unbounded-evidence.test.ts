// Attack (should fix): signature evidence (its device_info; user_agent is bounded) and lessons.device_info and
// audit details are unbounded JSON. A student's client can attach megabytes to a signature, which lands
// in signatures: append-only, hash-chained, never deleted, re-hashed by every db:verify. Deeply nested
// JSON is not a ValidationError either (a stack overflow reported as DATABASE_ERROR).
// Fix: bound the serialized size and depth of every JSON input (e.g. 4 KB, depth 8) in the zod schemas.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordLesson, signLessonAsInstructor } from '../src/access/index.js';
import { ValidationError } from '../src/db/errors.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createSchoolBasics, failureOf } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('refuses 2 MB of device_info on a signature with VALIDATION_ERROR', async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  const lesson = await recordLesson(app.db, actorOf.instructor(instructor), { studentId: student.id, startTime: '2026-12-01T10:00:00+11:00', endTime: '2026-12-01T11:00:00+11:00' });
  const err = await failureOf(() =>
    signLessonAsInstructor(app.db, actorOf.instructor(instructor), { lessonId: lesson.id, signature: { signatureUrl: 'r2://i.png', deviceInfo: { blob: 'x'.repeat(2_000_000) } } }),
  ).catch((accepted: unknown) => accepted);
  expect(err).toBeInstanceOf(ValidationError);
});
