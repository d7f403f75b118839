// Property: whatever mix of legitimate writes an application makes (audit events with arbitrary text
// and JSON, competency rows for any of three students, signatures, multi-row inserts, transactions
// that commit, transactions that insert and then roll back), every chain stays verifiable: verify
// finds no break, positions run 1..n with no gap or repeat, each chain has exactly one genesis row,
// and exactly the rows of committed statements are there.
import { randomUUID } from 'node:crypto';
import fc from './support/property.js';
import { asc, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseOrTransaction } from '../src/db/engines/handle.js';
import { COMPETENCY_STATUSES } from '../src/db/schema/enums.js';
import { auditLog, competencyTasks, signatures, studentCompetencies } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import type { ChainTable } from '../src/integrity/canonical.js';
import { verifyChains } from '../src/integrity/verify.js';
import { openTestDb, type TestDb } from './support/db.js';
import { insertAuditRow, relaxDomainGuards } from './support/fixtures.js';
import { createInstructor, createStudent } from './support/fixtures.js';

let t: TestDb;
let taskIds: string[];
beforeAll(async () => {
  t = await openTestDb({ poolSize: 4 });
  await relaxDomainGuards(t.db); // arbitrary signers and statuses: this file tests the chain itself
  taskIds = (await t.db.select({ id: competencyTasks.id }).from(competencyTasks).orderBy(asc(competencyTasks.taskNumber))).map((r) => r.id);
});
afterAll(() => t.dispose());

// ─── Operations ───

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type Write =
  | { kind: 'audit'; eventType: string; actorId: string | null; userAgent: string | null; details: Record<string, Json> }
  | { kind: 'competency'; student: number; task: number; status: (typeof COMPETENCY_STATUSES)[number] }
  | { kind: 'signature'; signerId: string; deviceInfo: Json }
  | { kind: 'multi'; table: ChainTable; count: number; student: number };

type Op = Write | { kind: 'transaction'; writes: Write[]; rollback: boolean };

/** PostgreSQL text and jsonb cannot hold U+0000; everything else goes in as generated. */
const noNul = (s: string) => s.replaceAll('\u0000', '');
const clean = (v: Json): Json =>
  typeof v === 'string'
    ? noNul(v)
    : Array.isArray(v)
      ? v.map(clean)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [noNul(k), clean(x)]))
        : v;

const text = fc.string({ unit: 'binary', maxLength: 40 }).map(noNul);
const json = fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }).map((v) => clean(v as Json));
const student = fc.integer({ min: 0, max: 2 });

const write: fc.Arbitrary<Write> = fc.oneof(
  fc.record({
    kind: fc.constant('audit' as const),
    eventType: text,
    actorId: fc.option(fc.oneof(text, fc.constantFrom('SYSTEM', '')), { nil: null }),
    userAgent: fc.option(text, { nil: null }),
    details: fc.dictionary(text, json, { maxKeys: 4 }).map((d) => clean(d) as Record<string, Json>),
  }),
  fc.record({ kind: fc.constant('competency' as const), student, task: fc.nat(22), status: fc.constantFrom(...COMPETENCY_STATUSES) }),
  fc.record({ kind: fc.constant('signature' as const), signerId: text, deviceInfo: json }),
  fc.record({
    kind: fc.constant('multi' as const),
    table: fc.constantFrom<ChainTable>('audit_log', 'signatures', 'student_competencies'),
    count: fc.integer({ min: 2, max: 5 }),
    student,
  }),
);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: write },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transaction' as const), writes: fc.array(write, { minLength: 1, maxLength: 3 }), rollback: fc.boolean() }) },
);

interface Tally {
  audit_log: number;
  signatures: number;
  student_competencies: number;
  /** Rows per student of this run. */
  perStudent: number[];
}

const emptyTally = (): Tally => ({ audit_log: 0, signatures: 0, student_competencies: 0, perStudent: [0, 0, 0] });

function addTo(tally: Tally, w: Write): void {
  const table: ChainTable = w.kind === 'audit' ? 'audit_log' : w.kind === 'signature' ? 'signatures' : w.kind === 'competency' ? 'student_competencies' : w.table;
  const rows = w.kind === 'multi' ? w.count : 1;
  tally[table] += rows;
  if (w.kind === 'competency' || (w.kind === 'multi' && w.table === 'student_competencies')) tally.perStudent[w.student] += rows;
}

const signatureRow = (signerId: string, deviceInfo: Json) => ({
  signerId, signerRole: 'student' as const, documentType: 'competency' as const, documentId: randomUUID(), // one signature per document and role (signatures_document_signer_role_unique)
  signatureUrl: 'r2://signatures/property.png', deviceInfo,
});

async function apply(db: DatabaseOrTransaction, w: Write, students: string[], instructorId: string): Promise<void> {
  const competency = (s: number, task: number, status: (typeof COMPETENCY_STATUSES)[number] = 'taught') => ({
    studentId: students[s], taskId: taskIds[task % taskIds.length], instructorId, status, transmission: 'auto' as const,
  });
  switch (w.kind) {
    case 'audit':
      await insertAuditRow(db, { eventType: w.eventType, actorId: w.actorId, userAgent: w.userAgent, details: w.details });
      return;
    case 'competency':
      await db.insert(studentCompetencies).values(competency(w.student, w.task, w.status));
      return;
    case 'signature':
      await db.insert(signatures).values(signatureRow(w.signerId, w.deviceInfo));
      return;
    case 'multi': {
      const n = Array.from({ length: w.count }, (_, i) => i);
      if (w.table === 'audit_log') await db.insert(auditLog).values(n.map((i) => ({ eventType: 'MULTI', details: { i } })));
      else if (w.table === 'signatures') await db.insert(signatures).values(n.map((i) => signatureRow(`user_multi${i}`, { i })));
      else await db.insert(studentCompetencies).values(n.map((i) => competency(w.student, i)));
    }
  }
}

class Rollback extends Error {}

async function counts(): Promise<Record<ChainTable, number>> {
  return {
    audit_log: await t.db.$count(auditLog),
    signatures: await t.db.$count(signatures),
    student_competencies: await t.db.$count(studentCompetencies),
  };
}

/** Every chain of a table: rows, lowest and highest position, distinct positions, genesis rows. */
async function chainShapes(table: ChainTable) {
  const key = table === 'student_competencies' ? 'student_id::text' : `'-'`;
  return queryRows<{ chain_key: string; rows: number; min_position: number; max_position: number; distinct_positions: number; geneses: number }>(
    t.db,
    sql.raw(`select ${key} as chain_key, count(*)::int as rows, min(chain_position)::int as min_position,
                    max(chain_position)::int as max_position, count(distinct chain_position)::int as distinct_positions,
                    count(*) filter (where previous_hash is null)::int as geneses
               from ${table} group by 1`),
  );
}

describe('hash chains under random legitimate writes', () => {
  it('stay verifiable, contiguous from 1, with one genesis per chain and exactly the committed rows', { timeout: 300_000 }, async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 15 }), async (ops) => {
        runs++;
        // A fresh set of students per run, so their chains start at genesis in this run.
        const instructor = await createInstructor(t.db);
        const students = [
          (await createStudent(t.db, instructor.id)).id,
          (await createStudent(t.db, instructor.id)).id,
          (await createStudent(t.db, instructor.id)).id,
        ];
        const before = await counts();
        const committed = emptyTally();
        for (const o of ops) {
          if (o.kind !== 'transaction') {
            await apply(t.db, o, students, instructor.id);
            addTo(committed, o);
            continue;
          }
          const outcome = t.db.transaction(async (tx) => {
            for (const w of o.writes) await apply(tx, w, students, instructor.id);
            if (o.rollback) throw new Rollback('roll back');
          });
          if (o.rollback) {
            await expect(outcome).rejects.toBeInstanceOf(Rollback);
          } else {
            await outcome;
            for (const w of o.writes) addTo(committed, w);
          }
        }

        const result = await verifyChains(t.db);
        expect(result.breaks).toEqual([]);
        expect(result.ok).toBe(true);

        const after = await counts();
        expect(after).toEqual({
          audit_log: before.audit_log + committed.audit_log,
          signatures: before.signatures + committed.signatures,
          student_competencies: before.student_competencies + committed.student_competencies,
        });
        expect(result.rowsChecked).toBe(after.audit_log + after.signatures + after.student_competencies);

        for (const table of ['audit_log', 'signatures', 'student_competencies'] as const) {
          for (const c of await chainShapes(table)) {
            expect(c, `${table} chain ${c.chain_key}`).toMatchObject({ min_position: 1, max_position: c.rows, distinct_positions: c.rows, geneses: 1 });
          }
        }
        const shapes = new Map((await chainShapes('student_competencies')).map((c) => [c.chain_key, c.rows]));
        expect(students.map((s) => shapes.get(s) ?? 0)).toEqual(committed.perStudent);
      }),
      { numRuns: 25 },
    );
    expect(runs).toBeGreaterThanOrEqual(25);
  });
});
