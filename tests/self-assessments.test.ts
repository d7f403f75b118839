// Self-assessments (SPEC-19, issue 19), on both engines, as the application's role: the database picks
// the type from the booking and the student's progress (general without an assessment booking; before
// the first review 1-17, after it 1-22, after both the final drive's 1-23); the responses answer each
// task of that type once (confidence 1-5, notes at most 500); a submitted assessment is final, even to
// raw SQL; only the student's instructor marks it reviewed; who reads them.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listSelfAssessments, markSelfAssessmentReviewed, responseProblems, startSelfAssessment, submitSelfAssessment, tasksInScope,
} from '../src/access/index.js';
import { ForbiddenError, NotFoundError, ValidationError, toDbError } from '../src/db/errors.js';
import { selfAssessments } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, createInstructor, createParent, createSchoolBasics, failureOf, serviceId } from './support/fixtures.js';
import { makeCompetent, range } from './support/compliance.js';
import { unpaidBooking } from './support/money.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
});
afterAll(() => t.dispose());

const answers = (tasks: number[], confidence = 3) => tasks.map((taskNumber) => ({ taskNumber, confidence }));

describe('the pure core', () => {
  it('scopes each type to its tasks and finds duplicates, strays and gaps', () => {
    const all = range(1, 23);
    expect(tasksInScope('pre_review_1_17', all)).toEqual(range(1, 17));
    expect(tasksInScope('pre_review_1_22', all)).toEqual(range(1, 22));
    expect(tasksInScope('pre_final_drive', all)).toEqual(all);
    expect(tasksInScope('general', all.filter((n) => n !== 5))).toEqual(all.filter((n) => n !== 5));
    const r = responseProblems('pre_review_1_17', all, [...range(1, 16), 16, 18].map((n) => ({ task_number: n })));
    expect(r).toEqual({ duplicated: [16], outOfScope: [18], missing: [17] });
  });
});

describe('the type, decided by the database', () => {
  it('general without a booking or for a plain lesson; 1-17, 1-22 and the final drive for an assessment booking as the reviews are passed', async () => {
    const s = await createSchoolBasics(t.db);
    const me = actorOf.student(s.student);
    const people = { instructorId: s.instructor.id, studentId: s.student.id, serviceId: s.serviceId };
    const review = { ...people, serviceId: await serviceId(t.db, 'pre-test-review-60') };
    const typeFor = async (bookingId?: string) => (await startSelfAssessment(t.db, me, { studentId: s.student.id, bookingId })).assessmentType;
    expect(await typeFor()).toBe('general');
    expect(await typeFor((await unpaidBooking(t.db, people)).id)).toBe('general');
    expect(await typeFor((await unpaidBooking(t.db, review)).id)).toBe('pre_review_1_17');
    await makeCompetent(t.db, s.student, range(1, 17));
    expect(await typeFor((await unpaidBooking(t.db, review)).id)).toBe('pre_review_1_22');
    await makeCompetent(t.db, s.student, range(18, 22));
    const finalDrive = { ...people, serviceId: await serviceId(t.db, 'final-drive-90') };
    expect(await typeFor((await unpaidBooking(t.db, finalDrive)).id)).toBe('pre_final_drive');
    // another student's booking is not this student's
    const other = await createSchoolBasics(t.db);
    const theirs = await unpaidBooking(t.db, { instructorId: other.instructor.id, studentId: other.student.id, serviceId: review.serviceId });
    expect(await failureOf(() => typeFor(theirs.id))).toBeInstanceOf(NotFoundError);
    // the type is not the caller's to give
    expect(await failureOf(() => startSelfAssessment(t.db, me, { studentId: s.student.id, assessmentType: 'general' } as never))).toBeInstanceOf(ValidationError);
  });
});

describe(submitSelfAssessment.name, () => {
  it('takes each task of the type once, confidence 1-5 and notes up to 500; then it is final, even to raw SQL', async () => {
    const s = await createSchoolBasics(t.db);
    const me = actorOf.student(s.student);
    const review = { instructorId: s.instructor.id, studentId: s.student.id, serviceId: await serviceId(t.db, 'pre-test-review-60') };
    const started = await startSelfAssessment(t.db, me, { studentId: s.student.id, bookingId: (await unpaidBooking(t.db, review)).id });
    expect(started).toMatchObject({ assessmentType: 'pre_review_1_17', completedAt: null, responses: [] });
    const submit = (responses: { taskNumber: number; confidence: number; notes?: string }[]) => submitSelfAssessment(t.db, me, { selfAssessmentId: started.id, responses });
    const refusal = async (responses: Parameters<typeof submit>[0]) => ((await failureOf(() => submit(responses))) as ValidationError).issues.join('; ');
    expect(await refusal(answers(range(1, 16)))).toContain('tasks not answered: 17');
    expect(await refusal([...answers(range(1, 17)), { taskNumber: 3, confidence: 4 }])).toContain('tasks answered twice: 3');
    expect(await refusal(answers(range(1, 18)))).toContain('tasks outside pre_review_1_17: 18');
    expect(await failureOf(() => submit(answers(range(1, 17), 6)))).toBeInstanceOf(ValidationError);
    expect(await failureOf(() => submit(answers(range(1, 17), 0)))).toBeInstanceOf(ValidationError);
    expect(await failureOf(() => submit([{ taskNumber: 1, confidence: 3, notes: 'x'.repeat(501) }, ...answers(range(2, 17))]))).toBeInstanceOf(ValidationError);
    // another student may not submit it
    const other = await createSchoolBasics(t.db);
    expect(await failureOf(() => submitSelfAssessment(t.db, actorOf.student(other.student), { selfAssessmentId: started.id, responses: answers(range(1, 17)) }))).toBeInstanceOf(NotFoundError);
    const done = await submit([{ taskNumber: 1, confidence: 2, notes: 'Still nervous at hill starts' }, ...answers(range(2, 17))]);
    expect(done.completedAt).toBeInstanceOf(Date);
    expect(done.responses[0]).toEqual({ task_number: 1, confidence: 2, notes: 'Still nervous at hill starts' });
    expect(await failureOf(() => submit(answers(range(1, 17), 5)))).toBeInstanceOf(ValidationError);
    // raw SQL as the application's role: the answers, the type and the time stay
    for (const change of [sql`responses = '[]'`, sql`assessment_type = 'general'`, sql`completed_at = null`]) {
      const err = await failureOf(() => t.db.execute(sql`update self_assessments set ${change} where id = ${started.id}`));
      expect(toDbError(err).code).toBe('RECORD_FROZEN');
    }
  });
});

describe('two submissions at once (a real server runs them concurrently)', () => {
  it('the first is kept, the second refused', async () => {
    const s = await createSchoolBasics(t.db);
    const me = actorOf.student(s.student);
    const started = await startSelfAssessment(t.db, me, { studentId: s.student.id });
    const results = await Promise.allSettled([1, 5].map((c) => submitSelfAssessment(t.db, me, { selfAssessmentId: started.id, responses: answers(range(1, 23), c) })));
    const kept = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof submitSelfAssessment>>>[];
    expect(kept).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ValidationError);
    const [stored] = await listSelfAssessments(t.db, me, { studentId: s.student.id });
    expect(stored.responses).toEqual(kept[0].value.responses);
  });
});

describe(markSelfAssessmentReviewed.name, () => {
  it("is the student's instructor's, only once submitted; students, parents and other instructors read or are refused as the matrix says", async () => {
    const s = await createSchoolBasics(t.db);
    const me = actorOf.student(s.student);
    const started = await startSelfAssessment(t.db, me, { studentId: s.student.id });
    const instructor = actorOf.instructor(s.instructor);
    expect(await failureOf(() => markSelfAssessmentReviewed(t.db, instructor, { selfAssessmentId: started.id }))).toBeInstanceOf(ValidationError);
    await submitSelfAssessment(t.db, me, { selfAssessmentId: started.id, responses: answers(range(1, 23)) });
    expect(await failureOf(() => markSelfAssessmentReviewed(t.db, me, { selfAssessmentId: started.id }))).toBeInstanceOf(ForbiddenError);
    const stranger = actorOf.instructor(await createInstructor(t.db));
    expect(await failureOf(() => markSelfAssessmentReviewed(t.db, stranger, { selfAssessmentId: started.id }))).toBeInstanceOf(NotFoundError);
    const admin = actorOf.admin(await createAdmin(t.db));
    expect(await failureOf(() => markSelfAssessmentReviewed(t.db, admin, { selfAssessmentId: started.id }))).toBeInstanceOf(ForbiddenError);
    expect((await markSelfAssessmentReviewed(t.db, instructor, { selfAssessmentId: started.id })).reviewedByInstructor).toBe(true);
    expect((await markSelfAssessmentReviewed(t.db, instructor, { selfAssessmentId: started.id })).reviewedByInstructor).toBe(true);
    const err = await failureOf(() => t.db.update(selfAssessments).set({ reviewedByInstructor: false }).where(eq(selfAssessments.id, started.id)));
    expect(toDbError(err).code).toBe('RECORD_FROZEN');
    const { parent } = await createParent(t.db, s.student.id);
    expect((await listSelfAssessments(t.db, actorOf.parent(parent), { studentId: s.student.id })).map((a) => a.id)).toEqual([started.id]);
    const { parent: blind } = await createParent(t.db, s.student.id, { canViewProgress: false });
    expect(await failureOf(() => listSelfAssessments(t.db, actorOf.parent(blind), { studentId: s.student.id }))).toBeInstanceOf(NotFoundError);
  });
});
