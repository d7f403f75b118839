// The learner's record (issue 19), on both engines, as the application's role. Bridge forms: only the
// lesson's own instructor, only after signing, once per lesson; skills_covered comes from the lesson,
// never the caller; the form's words stay out of the audit log; a parent reads a form only when the link
// is active, can_view_bridge_forms is on and the form is visible to parents (SPEC-16 8.1).
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BridgeFormExistsError, LessonNotSignedError, createBridgeForm, listBridgeForms, setBridgeFormVisibility, skillsCovered,
} from '../src/access/index.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../src/db/errors.js';
import { auditLog, lessons, parentStudentLinks, signatures, students } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, createInstructor, createLesson, createParent, createSchoolBasics, failureOf, lessonValues } from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

const WORDS = { positives: 'Smooth clutch control at Civic', practiceInstructions: 'Hill starts twice a week', focusAreas: 'Roundabouts', nextLessonRecommendation: 'Task 6: intersections' };

/** A lesson the instructor has signed (awaiting the student), touching tasks 1-4. */
async function signedLesson(s: Awaited<ReturnType<typeof createSchoolBasics>>, n: number) {
  const lesson = await createLesson(t.db, lessonValues(s.instructor.id, s.student.id, n, {
    competenciesTaught: [1, 2, 3], competenciesAssessed: [2], competenciesAchievedManual: [3], competenciesAchievedAuto: [4],
  }));
  const [sig] = await t.db.insert(signatures).values({ signerId: s.instructor.userId, signerRole: 'instructor', documentType: 'lesson', documentId: lesson.id, signatureUrl: 'r2://i.png' }).returning();
  await t.db.update(lessons).set({ status: 'pending_student_signature', instructorSignatureId: sig.id }).where(eq(lessons.id, lesson.id));
  return lesson;
}

describe('skillsCovered (pure)', () => {
  it('lists each task once at the furthest step the lesson reached, in task order, with its name', () => {
    const names = new Map([[1, 'Pre-drive'], [2, 'Moving off'], [3, 'Stopping']]);
    expect(skillsCovered({ competenciesTaught: [3, 1, 2], competenciesAssessed: [2], competenciesAchievedManual: [3], competenciesAchievedAuto: [9] }, names)).toEqual([
      { task_number: 1, task_name: 'Pre-drive', status: 'taught' },
      { task_number: 2, task_name: 'Moving off', status: 'assessed' },
      { task_number: 3, task_name: 'Stopping', status: 'achieved' },
      { task_number: 9, task_name: '', status: 'achieved' },
    ]);
    expect(skillsCovered({ competenciesTaught: null, competenciesAssessed: null, competenciesAchievedManual: null, competenciesAchievedAuto: null }, names)).toEqual([]);
  });
});

describe(createBridgeForm.name, () => {
  it("writes the form of a signed lesson for its instructor, skills from the lesson, once; the words stay out of the audit log", async () => {
    const s = await createSchoolBasics(t.db);
    const lesson = await signedLesson(s, 1);
    const me = actorOf.instructor(s.instructor);
    const form = await createBridgeForm(t.db, me, { lessonId: lesson.id, ...WORDS, isVisibleToParent: false });
    expect(form).toMatchObject({ lessonId: lesson.id, studentId: s.student.id, instructorId: s.instructor.id, ...WORDS, isVisibleToParent: false, isVisibleToStudent: true });
    expect((form.skillsCovered as { task_number: number; status: string; task_name: string }[]).map((k) => [k.task_number, k.status])).toEqual([[1, 'taught'], [2, 'assessed'], [3, 'achieved'], [4, 'achieved']]);
    expect((form.skillsCovered as { task_name: string }[]).every((k) => k.task_name.length > 0)).toBe(true);
    expect(await failureOf(() => createBridgeForm(t.db, me, { lessonId: lesson.id, ...WORDS }))).toBeInstanceOf(BridgeFormExistsError);
    const entries = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, lesson.id));
    expect(entries.map((e) => e.eventType)).toContain('BRIDGE_FORM_CREATED');
    expect(JSON.stringify(entries)).not.toContain('Civic');
  });

  it('refuses a draft lesson, another instructor, an admin, skills from the caller and empty words', async () => {
    const s = await createSchoolBasics(t.db);
    const me = actorOf.instructor(s.instructor);
    const draft = await createLesson(t.db, lessonValues(s.instructor.id, s.student.id, 1));
    expect(await failureOf(() => createBridgeForm(t.db, me, { lessonId: draft.id, ...WORDS }))).toBeInstanceOf(LessonNotSignedError);
    const lesson = await signedLesson(s, 2);
    // an instructor who is not the student's does not see the lesson at all
    const stranger = actorOf.instructor(await createInstructor(t.db));
    expect(await failureOf(() => createBridgeForm(t.db, stranger, { lessonId: lesson.id, ...WORDS }))).toBeInstanceOf(NotFoundError);
    const admin = actorOf.admin(await createAdmin(t.db));
    expect(await failureOf(() => createBridgeForm(t.db, admin, { lessonId: lesson.id, ...WORDS }))).toBeInstanceOf(ForbiddenError);
    const bad = await failureOf(() => createBridgeForm(t.db, me, { lessonId: lesson.id, ...WORDS, positives: ' ', skillsCovered: [] } as never));
    expect(bad).toBeInstanceOf(ValidationError);
  });

  it("refuses the student's new instructor a lesson another instructor taught", async () => {
    const s = await createSchoolBasics(t.db);
    const lesson = await signedLesson(s, 1);
    const next = await createInstructor(t.db);
    await t.db.update(students).set({ instructorId: next.id }).where(eq(students.id, s.student.id));
    expect(await failureOf(() => createBridgeForm(t.db, actorOf.instructor(next), { lessonId: lesson.id, ...WORDS }))).toBeInstanceOf(ForbiddenError);
  });
});

describe('two at once (a real server runs them concurrently)', () => {
  it('two createBridgeForm calls for one lesson: one form, the other BRIDGE_FORM_EXISTS', async () => {
    const s = await createSchoolBasics(t.db);
    const lesson = await signedLesson(s, 1);
    const me = actorOf.instructor(s.instructor);
    const results = await Promise.allSettled([0, 1].map(() => createBridgeForm(t.db, me, { lessonId: lesson.id, ...WORDS })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(BridgeFormExistsError);
  });
});

describe('the parent gate (SPEC-16 8.1): link active, can_view_bridge_forms, is_visible_to_parent', () => {
  it('shows a form to a parent only when all three hold, and setBridgeFormVisibility moves the third', async () => {
    const s = await createSchoolBasics(t.db);
    const lesson = await signedLesson(s, 1);
    const me = actorOf.instructor(s.instructor);
    const form = await createBridgeForm(t.db, me, { lessonId: lesson.id, ...WORDS });
    const { parent, link } = await createParent(t.db, s.student.id);
    const asParent = actorOf.parent(parent);
    const seen = async () => {
      try {
        return (await listBridgeForms(t.db, asParent, { studentId: s.student.id })).map((f) => f.id);
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    expect(await seen()).toEqual([form.id]);
    for (const change of [{ status: 'revoked' as const }, { status: 'pending' as const }, { canViewBridgeForms: false }]) {
      await t.db.update(parentStudentLinks).set(change).where(eq(parentStudentLinks.id, link.id));
      expect(await seen()).toBe('NOT_FOUND');
      await t.db.update(parentStudentLinks).set({ status: 'active', canViewBridgeForms: true }).where(eq(parentStudentLinks.id, link.id));
    }
    const hidden = await setBridgeFormVisibility(t.db, me, { lessonId: lesson.id, isVisibleToParent: false });
    expect(hidden.isVisibleToParent).toBe(false);
    expect(await seen()).toEqual([]);
    // the student still sees it; an admin may show it again; another instructor may not touch it
    expect((await listBridgeForms(t.db, actorOf.student(s.student), { studentId: s.student.id })).map((f) => f.id)).toEqual([form.id]);
    await setBridgeFormVisibility(t.db, actorOf.admin(await createAdmin(t.db)), { lessonId: lesson.id, isVisibleToParent: true });
    expect(await seen()).toEqual([form.id]);
    const stranger = actorOf.instructor(await createInstructor(t.db));
    expect(await failureOf(() => setBridgeFormVisibility(t.db, stranger, { lessonId: lesson.id, isVisibleToParent: false }))).toBeInstanceOf(NotFoundError);
    expect(await failureOf(() => setBridgeFormVisibility(t.db, asParent, { lessonId: lesson.id, isVisibleToParent: false }))).toBeInstanceOf(ForbiddenError);
    expect(await failureOf(() => setBridgeFormVisibility(t.db, me, { lessonId: lesson.id }))).toBeInstanceOf(ValidationError);
    const noForm = await signedLesson(s, 2);
    expect(await failureOf(() => setBridgeFormVisibility(t.db, me, { lessonId: noForm.id, isVisibleToParent: false }))).toBeInstanceOf(NotFoundError);
  });
});
