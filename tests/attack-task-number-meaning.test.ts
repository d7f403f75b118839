// Attack (should fix): competency_tasks_keep_meaning (migration 0013) freezes a task's number only when a
// student_competencies row refers to it, but signed lessons refer to tasks by NUMBER
// (lessons.competencies_taught/assessed/achieved_*, bridge forms' skills_covered). nexdrive_app swaps
// the numbers of tasks 5 and 6, and a completed, signed lesson that recorded "task 5: Gear Changing" now
// reads "Low Speed Manoeuvres". verify still passes (the lesson is not hashed).
// Fix: also treat a task as referenced when any lesson's competency arrays contain its task_number
// (or freeze task_number outright: it is the public ACT numbering).
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { competencyTasks } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createLesson, createSchoolBasics, lessonValues, signOffLesson } from './support/fixtures.js';

let app: TestDb;
beforeAll(async () => {
  app = await openTestDb({ role: 'app' });
});
afterAll(() => app.dispose());

it('a task number that a signed lesson records keeps its meaning: nexdrive_app cannot swap tasks 5 and 6', async () => {
  const { instructor, student } = await createSchoolBasics(app.db);
  const lesson = await createLesson(app.db, { ...lessonValues(instructor.id, student.id, 1), competenciesTaught: [5] });
  await signOffLesson(app.db, lesson);
  const nameOf = async (n: number) => (await app.db.select({ name: competencyTasks.name }).from(competencyTasks).where(eq(competencyTasks.taskNumber, n)))[0]?.name;
  const before = await nameOf(5);
  await app.db
    .transaction(async (tx) => {
      await tx.execute(sql`update competency_tasks set task_number = 1005 where task_number = 5`);
      await tx.execute(sql`update competency_tasks set task_number = 5 where task_number = 6`);
      await tx.execute(sql`update competency_tasks set task_number = 6 where task_number = 1005`);
    })
    .catch(() => undefined);
  expect(before).toBe('Gear Changing');
  expect(await nameOf(5)).toBe(before);
});
