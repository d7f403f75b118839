// Compliance records cannot be changed through any statement an application can send, on every
// engine: audit_log, signatures and student_competencies are insert-only; messages and call_logs are
// log-style. (The lesson signing steps: tests/logbook.test.ts and tests/signatures.test.ts.) Each forbidden statement is
// rejected with a stable SQLSTATE and leaves every row exactly as it was.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlstateOf, toDbError } from '../src/db/errors.js';
import {
  auditLog,
  callLogs,
  competencyTasks,
  conversations,
  lessons,
  messages,
  signatures,
  studentCompetencies,
} from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createSchoolBasics, failureOf, insertAuditRow } from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.dispose());

const evidence = (signerId: string) => ({ signerId, signatureUrl: `r2://signatures/${signerId}.png`, ipAddress: '203.0.113.7' });

async function snapshot(table: string): Promise<unknown[]> {
  return queryRows(t.db, sql.raw(`select * from ${table} order by id`));
}

async function seedChainRows() {
  const { instructor, student } = await createSchoolBasics(t.db);
  await insertAuditRow(t.db, { eventType: 'TEST_EVENT', details: { n: 1 } });
  await t.db.insert(signatures).values({ signerId: instructor.userId, signerRole: 'instructor', documentType: 'enrollment', documentId: student.id, signatureUrl: 'r2://x' });
  const [task] = await t.db.select().from(competencyTasks).where(eq(competencyTasks.taskNumber, 1));
  await t.db.insert(studentCompetencies).values({ studentId: student.id, taskId: task.id, instructorId: instructor.id, status: 'taught', transmission: 'auto' });
}

describe('append-only tables', () => {
  beforeAll(seedChainRows);

  const forbidden: Array<[string, string]> = [];
  for (const table of ['audit_log', 'signatures', 'student_competencies']) {
    forbidden.push(
      [table, `update ${table} set created_at = created_at`],
      [table, `update ${table} set previous_hash = null`],
      [table, `delete from ${table}`],
      [table, `truncate ${table} cascade`],
    );
  }
  // signatures is referenced by lessons and student_competencies: PostgreSQL itself refuses a plain
  // TRUNCATE of it (0A000) before any trigger runs; with CASCADE the append-only trigger answers.
  forbidden.push(['audit_log', 'truncate audit_log'], ['student_competencies', 'truncate student_competencies']);

  it.each(forbidden)('%s refuses "%s" with SQLSTATE ND001 and changes nothing', async (table, statement) => {
    const before = await snapshot(table);
    expect(before.length).toBeGreaterThan(0);
    const err = await failureOf(() => t.db.execute(sql.raw(statement)));
    expect(sqlstateOf(err)).toBe('ND001');
    expect(toDbError(err).code).toBe('APPEND_ONLY_VIOLATION');
    expect(toDbError(err).message).toContain(`${table} is append-only`);
    expect(await snapshot(table)).toEqual(before);
  });

  it('signatures refuses a plain "truncate signatures" (PostgreSQL: referenced by foreign keys) and changes nothing', async () => {
    const before = await snapshot('signatures');
    const err = await failureOf(() => t.db.execute(sql`truncate signatures`));
    expect(sqlstateOf(err)).toBe('0A000');
    expect(await snapshot('signatures')).toEqual(before);
  });

  it('still accepts new rows (a correction is a new row)', async () => {
    const before = await t.db.$count(auditLog);
    await insertAuditRow(t.db, { eventType: 'CORRECTION', details: { of: 'previous' } });
    expect(await t.db.$count(auditLog)).toBe(before + 1);
  });
});

describe('log-style tables', () => {
  it('messages: delivery receipts may be recorded; content, deletion and truncation are refused', async () => {
    const [conv] = await t.db.insert(conversations).values({ channel: 'sms', channelIdentifier: '+61400000000' }).returning();
    const [msg] = await t.db.insert(messages).values({ conversationId: conv.id, direction: 'outbound', senderType: 'ai', content: 'Your lesson is at 10:00' }).returning();
    await t.db.update(messages).set({ deliveryStatus: 'delivered' }).where(eq(messages.id, msg.id));
    await t.db.update(messages).set({ externalId: 'SM123' }).where(eq(messages.id, msg.id));
    const before = await snapshot('messages');
    for (const run of [
      () => t.db.update(messages).set({ content: 'Your lesson is at 11:00' }).where(eq(messages.id, msg.id)),
      () => t.db.update(messages).set({ externalId: 'SM999' }).where(eq(messages.id, msg.id)),
      () => t.db.delete(messages).where(eq(messages.id, msg.id)),
      () => t.db.execute(sql`truncate messages`),
    ]) {
      expect(toDbError(await failureOf(run)).code).toBe('APPEND_ONLY_VIOLATION');
    }
    expect(await snapshot('messages')).toEqual(before);
  });

  it('call_logs: the end of a call is filled once; who called and when never change; rows are never deleted', async () => {
    const startedAt = new Date('2026-12-01T09:00:00+11:00');
    const [call] = await t.db.insert(callLogs).values({ callerPhone: '+61400000001', startedAt }).returning();
    await t.db
      .update(callLogs)
      .set({ endedAt: new Date('2026-12-01T09:05:00+11:00'), durationSeconds: 300, outcome: 'answered', resolution: 'booking_made' })
      .where(eq(callLogs.id, call.id));
    await t.db.update(callLogs).set({ requiresCallback: true, resolution: 'callback_scheduled' }).where(eq(callLogs.id, call.id));
    const before = await snapshot('call_logs');
    for (const run of [
      () => t.db.update(callLogs).set({ callerPhone: '+61499999999' }).where(eq(callLogs.id, call.id)),
      () => t.db.update(callLogs).set({ startedAt: new Date() }).where(eq(callLogs.id, call.id)),
      () => t.db.update(callLogs).set({ durationSeconds: 30 }).where(eq(callLogs.id, call.id)),
      () => t.db.delete(callLogs).where(eq(callLogs.id, call.id)),
      () => t.db.execute(sql`truncate call_logs`),
    ]) {
      expect(sqlstateOf(await failureOf(run))).toBe('ND001');
    }
    expect(await snapshot('call_logs')).toEqual(before);
  });
});
