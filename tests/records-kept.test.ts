// Records that are kept (migration 0013): payments are never deleted and a completed payment's
// amount never changes; a competency task's number and rules never change once a competency row
// refers to it, so no row silently changes meaning.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlstateOf, toDbError } from '../src/db/errors.js';
import { competencyTasks, payments, studentCompetencies } from '../src/db/schema/index.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createSchoolBasics, failureOf, relaxDomainGuards, validRows } from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
  await relaxDomainGuards(t.db); // competency rows here only need to exist; their rules are tested elsewhere
});
afterAll(() => t.dispose());

async function payment(status: 'pending' | 'completed', amountCents = 10500) {
  const [row] = await t.db.insert(payments).values({ ...(await validRows.payments(t.db)), amountCents, status }).returning();
  return row;
}
const amountOf = async (id: string) => (await t.db.select({ a: payments.amountCents }).from(payments).where(eq(payments.id, id)))[0]?.a;

describe('payments', () => {
  it('are never deleted, in any status (APPEND_ONLY_VIOLATION)', async () => {
    for (const status of ['pending', 'completed'] as const) {
      const row = await payment(status);
      const err = await failureOf(() => t.db.delete(payments).where(eq(payments.id, row.id)));
      expect(toDbError(err).code, status).toBe('APPEND_ONLY_VIOLATION');
      expect(await amountOf(row.id)).toBe(10500);
    }
  });

  it('are never truncated', async () => {
    await payment('pending');
    const err = await failureOf(() => t.db.execute(sql`truncate payments cascade`));
    expect(sqlstateOf(err)).toBe('ND001');
  });

  it('keep a completed amount: changing it is RECORD_FROZEN; so is moving the payment to another student', async () => {
    const row = await payment('completed');
    const { student } = await createSchoolBasics(t.db);
    for (const change of [{ amountCents: 1 }, { amountCents: 20000 }, { studentId: student.id }, { currency: 'USD' }]) {
      const err = await failureOf(() => t.db.update(payments).set(change).where(eq(payments.id, row.id)));
      expect(toDbError(err).code, JSON.stringify(change)).toBe('RECORD_FROZEN');
    }
    expect(await amountOf(row.id)).toBe(10500);
  });

  it('record refunds in their own columns on a completed payment', async () => {
    const row = await payment('completed');
    const [refunded] = await t.db
      .update(payments)
      .set({ status: 'partially_refunded', refundAmountCents: 5000, refundReason: 'lesson cut short', refundedAt: new Date() })
      .where(eq(payments.id, row.id))
      .returning();
    expect(refunded).toMatchObject({ amountCents: 10500, refundAmountCents: 5000 });
  });

  it('let a pending amount change (the checkout is not finished), and keep an invoice number once given', async () => {
    const row = await payment('pending');
    await t.db.update(payments).set({ amountCents: 9500 }).where(eq(payments.id, row.id));
    expect(await amountOf(row.id)).toBe(9500);
    // The database gives the number when the payment completes (0017, tests/money.test.ts); then it is kept.
    const [completed] = await t.db.update(payments).set({ status: 'completed' }).where(eq(payments.id, row.id)).returning();
    expect(completed.invoiceNumber).toMatch(/^NXD-\d{4}-\d{4}$/);
    const err = await failureOf(() => t.db.update(payments).set({ invoiceNumber: 'NXD-2099-0001' }).where(eq(payments.id, row.id)));
    expect(toDbError(err).code).toBe('RECORD_FROZEN');
  });
});

describe('competency tasks', () => {
  async function referencedTask() {
    const values = await validRows.competency_tasks(t.db);
    const [task] = await t.db.insert(competencyTasks).values({ ...values, prerequisites: [1, 2] }).returning();
    const { instructor, student } = await createSchoolBasics(t.db);
    await t.db.insert(studentCompetencies).values({ studentId: student.id, taskId: task.id, instructorId: instructor.id, status: 'taught', transmission: 'auto' });
    return task;
  }

  it.each([
    ['task_number', { taskNumber: 999_999_999 }],
    ['prerequisites', { prerequisites: [] }],
    ['review_requires_tasks', { reviewRequiresTasks: [1] }],
    ['is_review', { isReview: true }],
    ['is_final_drive', { isFinalDrive: true }],
    ['final_drive_min_minutes', { finalDriveMinMinutes: 30 }],
    ['final_drive_unfamiliar_roads', { finalDriveUnfamiliarRoads: true }],
  ])('refuse a change of %s once a competency row refers to the task (RECORD_FROZEN)', async (_column, change) => {
    const task = await referencedTask();
    const err = await failureOf(() => t.db.update(competencyTasks).set(change).where(eq(competencyTasks.id, task.id)));
    expect(toDbError(err).code).toBe('RECORD_FROZEN');
    const [after] = await t.db.select().from(competencyTasks).where(eq(competencyTasks.id, task.id));
    expect(after).toMatchObject({ taskNumber: task.taskNumber, prerequisites: [1, 2] });
  });

  it('still take a new name and description when referred to, and new rules when not; never a new number', async () => {
    const task = await referencedTask();
    await t.db.update(competencyTasks).set({ name: 'Renamed', description: 'Clearer words' }).where(eq(competencyTasks.id, task.id));
    const [fresh] = await t.db.insert(competencyTasks).values(await validRows.competency_tasks(t.db)).returning();
    const [changed] = await t.db.update(competencyTasks).set({ prerequisites: [3] }).where(eq(competencyTasks.id, fresh.id)).returning();
    expect(changed.prerequisites).toEqual([3]);
    // Lessons name tasks by number (competencies_taught...): a number never changes, even unreferenced.
    const err = await failureOf(() => t.db.update(competencyTasks).set({ taskNumber: fresh.taskNumber + 1 }).where(eq(competencyTasks.id, fresh.id)));
    expect(toDbError(err).code).toBe('RECORD_FROZEN');
  });
});
