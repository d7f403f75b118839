// Competency records for tests: raw rows as the database receives them (the rules trigger checks
// each), a student made competent in every task, and the owner's test clock (nexdrive.clock, which
// the database honours only for the tables' owner).
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { DatabaseOrTransaction, Transaction } from '../../src/db/engines/handle.js';
import type { TestDb } from './db.js';
import { competencyTasks, studentCompetencies, students } from '../../src/db/schema/index.js';
import type { CompetencyStatus, StudentCompetency } from '../../src/db/types.js';
import { createLesson, endedLessonValues, signOffLesson } from './fixtures.js';

let taskIds: Map<number, string> | undefined;
export async function taskId(db: DatabaseOrTransaction, taskNumber: number): Promise<string> {
  if (!taskIds) {
    const rows = await db.select({ id: competencyTasks.id, n: competencyTasks.taskNumber }).from(competencyTasks);
    taskIds = new Map(rows.map((r) => [r.n, r.id]));
  }
  const id = taskIds.get(taskNumber);
  if (!id) throw new Error(`no task ${taskNumber}`);
  return id;
}

/** One raw competency row for the student's own instructor and transmission (overrides change that). */
export async function insertCompetency(
  db: DatabaseOrTransaction,
  student: { id: string; instructorId: string; transmission?: string },
  taskNumber: number,
  status: CompetencyStatus,
  overrides: Partial<typeof studentCompetencies.$inferInsert> = {},
): Promise<StudentCompetency> {
  const transmission = student.transmission ?? (await db.select({ t: students.transmission }).from(students).where(eq(students.id, student.id)))[0].t;
  const [row] = await db
    .insert(studentCompetencies)
    .values({ id: randomUUID(), studentId: student.id, taskId: await taskId(db, taskNumber), instructorId: student.instructorId, status, transmission: transmission as 'auto', ...overrides })
    .returning();
  return row;
}

/** Makes the student competent in the given tasks, in ascending order (prerequisites come first). */
export async function makeCompetent(db: DatabaseOrTransaction, student: { id: string; instructorId: string }, taskNumbers: number[]) {
  for (const n of [...taskNumbers].sort((a, b) => a - b)) await insertCompetency(db, student, n, 'competent');
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Competent in every task: 1-22, then the final drive with a 60-minute lesson that has ended, signed by both. */
export async function makeFullyCompetent(db: DatabaseOrTransaction, student: { id: string; instructorId: string }) {
  await makeCompetent(db, student, range(1, 22));
  const lesson = await createLesson(db, endedLessonValues(student.instructorId, student.id, 1));
  await insertCompetency(db, student, 23, 'competent', { lessonId: lesson.id });
  await signOffLesson(db, lesson); // the certificate counts the final drive once its lesson is signed by both
}

/** Runs `use` in a transaction whose database clock (nd_now()) reads `at`. The database honours the
 *  clock only for the tables' owner, so this runs as the owner (TestDb.asOwner). */
export async function atClock<T>(t: Pick<TestDb, 'asOwner'>, at: Date | string, use: (tx: Transaction) => Promise<T>): Promise<T> {
  return t.asOwner(async (tx) => {
    await setClock(tx, at);
    return use(tx);
  });
}

/** Sets the test clock for the rest of the transaction (refused unless the transaction is the owner's). */
export async function setClock(tx: Transaction, at: Date | string): Promise<void> {
  await tx.execute(sql`select set_config('nexdrive.clock', ${new Date(at).toISOString()}, true)`);
}
