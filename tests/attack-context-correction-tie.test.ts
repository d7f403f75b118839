// Attack (low): two corrections of one lesson recorded in one transaction. getStudentContext's logbook
// keeps, per lesson number, "the newest record (created_at, then id)" and docs/knowledge.md promises
// "of two corrections of one lesson, the newer". But created_at is the transaction's start (the lessons
// trigger stamps now()), so both corrections share it, and the tie is broken by `id desc`: ids are
// random UUIDs (gen_random_uuid), so which correction's minutes count is a coin flip, not the newer one.
// Here the correction recorded first (60 minutes) happens to get the greater id and is counted; the
// one recorded after it (90 minutes), the instructor's last word, is ignored.
// Why it matters: the agents tell the student their logbook hours (the ACT requires logged hours);
// the figure depends on random ids and can differ from what the instructor last recorded.
// Fix: break the tie by something ordered: e.g. the time the correction was completed (signed_at), or
// a per-lesson sequence / clock_timestamp() column, or refuse a second correction of a lesson that
// already has an open correction in the same transaction (recordLessonCorrection). Then document it.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getStudentContext, systemActor } from '../src/access/index.js';
import type { DatabaseOrTransaction } from '../src/db/engines/handle.js';
import { lessons, signatures } from '../src/db/schema/index.js';
import type { Lesson, NewLesson } from '../src/db/types.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createLesson, createSchoolBasics, lessonValues } from './support/fixtures.js';

let t: TestDb;
let s: Awaited<ReturnType<typeof createSchoolBasics>>;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
  s = await createSchoolBasics(t.db);
});
afterAll(() => t.dispose());

async function signStep(db: DatabaseOrTransaction, row: Lesson, role: 'instructor' | 'student') {
  const [sig] = await db
    .insert(signatures)
    .values({ signerId: role === 'instructor' ? s.instructor.userId : s.student.userId, signerRole: role, documentType: 'lesson', documentId: row.id, signatureUrl: 'r2://s.png' })
    .returning();
  await db
    .update(lessons)
    .set(role === 'instructor' ? { status: 'pending_student_signature', instructorSignatureId: sig.id } : { status: 'completed', studentSignatureId: sig.id })
    .where(eq(lessons.id, row.id));
}

async function lesson(db: DatabaseOrTransaction, minutes: number, correctionOf?: Lesson, id?: string): Promise<Lesson> {
  const { lessonNumber: _n, ...base } = lessonValues(s.instructor.id, s.student.id, 1);
  const values: NewLesson = {
    ...base,
    endTime: new Date(base.startTime.getTime() + minutes * 60_000),
    totalMinutes: minutes,
    roundedMinutes: Math.floor((minutes + 15) / 30) * 30,
    ...(correctionOf ? { correctionOf: correctionOf.id, correctionReason: 'corrected time' } : {}),
    ...(id ? { id } : {}),
  };
  return createLesson(db, values);
}

it('of two completed corrections of one lesson recorded in one transaction, the later one counts (90 minutes), whatever their ids', async () => {
  const original = await lesson(t.db, 30);
  await signStep(t.db, original, 'instructor');
  await signStep(t.db, original, 'student');
  // The first correction gets the greater id (as a random UUID does half the time).
  const [high, low] = [randomUUID(), randomUUID()].sort().reverse();
  const [first, second] = await t.db.transaction(async (tx) => [await lesson(tx, 60, original, high), await lesson(tx, 90, original, low)]);
  for (const c of [first, second]) {
    await signStep(t.db, c, 'instructor');
    await signStep(t.db, c, 'student');
  }
  const c = await getStudentContext(t.db, systemActor('agent:sms'), { studentId: s.student.id });
  expect(c.logbook).toMatchObject({ lessons: 1, totalMinutes: 90 });
});
