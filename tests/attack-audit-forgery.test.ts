// Attack (minor): appendAuditEvent lets an instructor (and any system actor) append any event type about
// any subject: LESSON_SIGNED for a lesson of another instructor's student, with details claiming the
// student's step and even a systemActor key. actor_id still names the instructor, but the audit log is
// the compliance trail and these rows read like the access layer's own.
// Fix: reserve the event types the access layer writes itself (LESSON_*, PRIVACY_SETTINGS_CHANGED,
// PRIVATE_NOTE_CREATED, INSTRUCTOR_*...), check subjectId against the actor's visibility when the
// subject is a student or lesson, and drop reserved keys (systemActor) from caller details.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendAuditEvent, recordLesson } from '../src/access/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createInstructor, createSchoolBasics, failureOf } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it("refuses an instructor's LESSON_SIGNED entry about another instructor's lesson", async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  const lesson = await recordLesson(app.db, actorOf.instructor(instructor), { studentId: student.id, startTime: '2026-12-01T10:00:00+11:00', endTime: '2026-12-01T11:00:00+11:00' });
  const stranger = await createInstructor(app.db);
  const err = await failureOf(() =>
    appendAuditEvent(app.db, actorOf.instructor(stranger), {
      eventType: 'LESSON_SIGNED', subjectType: 'lesson', subjectId: lesson.id, details: { step: 'student', status: 'completed', systemActor: 'agent:sms' },
    }),
  );
  expect((err as { code?: string }).code).toMatch(/^(FORBIDDEN|NOT_FOUND|VALIDATION_ERROR)$/);
});
