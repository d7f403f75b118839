// Hash chains: every insert links to the row before it by position, whatever the caller passes;
// audit_log and signatures are one chain each, student_competencies one chain per student; and on a
// real server, concurrent writers (single rows, multi-row inserts, rolled-back transactions, many
// students at once) never fork a chain.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseOrTransaction } from '../src/db/engines/handle.js';
import { auditLog, competencyTasks, signatures, studentCompetencies } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { verifyChains } from '../src/integrity/verify.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';
import { insertAuditRow, relaxDomainGuards } from './support/fixtures.js';
import { createInstructor, createStudent } from './support/fixtures.js';

let t: TestDb;
let taskIds: string[];
beforeAll(async () => {
  t = await openTestDb({ poolSize: 24 });
  await relaxDomainGuards(t.db); // arbitrary signers and statuses: this file tests the chain itself
  taskIds = (await t.db.select({ id: competencyTasks.id }).from(competencyTasks)).map((r) => r.id);
});
afterAll(() => t.dispose());

async function head(table: 'audit_log' | 'signatures') {
  const [row] = await queryRows<{ record_hash: string; chain_position: string }>(
    t.db,
    sql.raw(`select record_hash, chain_position::text from ${table} order by chain_position desc limit 1`),
  );
  return row ?? null;
}

const signatureRow = (n: number) => ({
  signerId: `user_signer${n}`,
  signerRole: 'instructor' as const,
  documentType: 'enrollment' as const,
  documentId: randomUUID(), // one signature per document and role (signatures_document_signer_role_unique)
  signatureUrl: `r2://signatures/${n}.png`,
});

function competencyRow(studentId: string, instructorId: string, n: number) {
  return { studentId, instructorId, taskId: taskIds[n % taskIds.length], status: 'taught' as const, transmission: 'auto' as const };
}

describe('audit_log chain (spec 12.3, corrected)', () => {
  it("replaces a caller's 'placeholder' hash with the SHA-256 of the row, linked to the previous head", async () => {
    const before = await head('audit_log');
    const [entry] = await t.db
      .insert(auditLog)
      .values({ eventType: 'TEST_EVENT', severity: 'info', details: { test: true }, recordHash: 'placeholder' })
      .returning();
    expect(entry.recordHash).not.toBe('placeholder');
    expect(entry.recordHash).toMatch(/^[a-f0-9]{64}$/);
    // Holds on a non-empty table too: the genesis row has no previous hash, every later row has the head's.
    expect(entry.previousHash).toBe(before?.record_hash ?? null);
    expect(entry.chainPosition).toBe(before ? Number(before.chain_position) + 1 : 1);
  });

  it('overwrites chain_position, previous_hash and created_at that a caller passes', async () => {
    const before = await head('audit_log');
    const [entry] = await t.db
      .insert(auditLog)
      .values({ eventType: 'FORGE', chainPosition: 1, previousHash: 'f'.repeat(64), createdAt: new Date('2000-01-01T00:00:00Z') })
      .returning();
    expect(entry.chainPosition).toBe(Number(before!.chain_position) + 1);
    expect(entry.previousHash).toBe(before!.record_hash);
    expect(entry.createdAt.getUTCFullYear()).toBeGreaterThanOrEqual(2026);
  });

  it('links five rows in order, each previous_hash being the record_hash before it, including a multi-row insert', async () => {
    const start = await head('audit_log');
    await insertAuditRow(t.db, { eventType: 'A' });
    await t.db.insert(auditLog).values([{ eventType: 'B' }, { eventType: 'C' }, { eventType: 'D' }]);
    await insertAuditRow(t.db, { eventType: 'E' });
    const rows = await t.db.select().from(auditLog).orderBy(auditLog.chainPosition);
    const tail = rows.slice(-5);
    expect(tail.map((r) => r.eventType)).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(tail[0].previousHash).toBe(start!.record_hash);
    for (let i = 1; i < tail.length; i++) {
      expect(tail[i].previousHash).toBe(tail[i - 1].recordHash);
      expect(tail[i].chainPosition).toBe(tail[i - 1].chainPosition + 1);
    }
    expect((await verifyChains(t.db, { tables: ['audit_log'] })).ok).toBe(true);
  });

  it('does not advance the chain for a rolled-back insert', async () => {
    const before = await head('audit_log');
    await expect(
      t.db.transaction(async (tx) => {
        await insertAuditRow(tx, { eventType: 'ROLLED_BACK' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const next = await insertAuditRow(t.db, { eventType: 'AFTER_ROLLBACK' });
    expect(next.chainPosition).toBe(Number(before!.chain_position) + 1);
    expect(next.previousHash).toBe(before!.record_hash);
  });
});

describe('signatures chain', () => {
  it('is one chain across signers and documents', async () => {
    const a = (await t.db.insert(signatures).values(signatureRow(1)).returning())[0];
    const b = (await t.db.insert(signatures).values({ ...signatureRow(2), signerRole: 'student', documentType: 'lesson' }).returning())[0];
    expect(b.previousHash).toBe(a.recordHash);
    expect(b.chainPosition).toBe(a.chainPosition + 1);
  });
});

describe('student_competencies chains', () => {
  it('keeps one chain per student, each starting at its own genesis row', async () => {
    const instructor = await createInstructor(t.db);
    const s1 = await createStudent(t.db, instructor.id);
    const s2 = await createStudent(t.db, instructor.id);
    const [a1] = await t.db.insert(studentCompetencies).values(competencyRow(s1.id, instructor.id, 0)).returning();
    const [b1] = await t.db.insert(studentCompetencies).values(competencyRow(s2.id, instructor.id, 0)).returning();
    const [a2, a3] = await t.db
      .insert(studentCompetencies)
      .values([competencyRow(s1.id, instructor.id, 1), competencyRow(s1.id, instructor.id, 2)])
      .returning();
    const [b2] = await t.db.insert(studentCompetencies).values(competencyRow(s2.id, instructor.id, 1)).returning();
    expect([a1.chainPosition, a1.previousHash]).toEqual([1, null]);
    expect([b1.chainPosition, b1.previousHash]).toEqual([1, null]);
    expect([a2.chainPosition, a2.previousHash]).toEqual([2, a1.recordHash]);
    expect([a3.chainPosition, a3.previousHash]).toEqual([3, a2.recordHash]);
    expect([b2.chainPosition, b2.previousHash]).toEqual([2, b1.recordHash]);
    const result = await verifyChains(t.db, { tables: ['student_competencies'] });
    expect(result.ok).toBe(true);
    expect(result.heads.find((h) => h.chainKey === s1.id)).toMatchObject({ rows: 3, position: 3, hash: a3.recordHash });
  });
});

/** A small deterministic generator, so a failing interleaving can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface ChainWriters {
  chain: 'audit_log' | 'signatures' | 'student_competencies';
  /** Inserts `count` rows in one statement. */
  insert(db: DatabaseOrTransaction, count: number, n: number): Promise<void>;
}

/** `writers` concurrent writers, each committing `rowsPerWriter` rows into the chain through a mix of
 *  single-row inserts, multi-row inserts and transactions that insert and then roll back. */
async function hammer(w: ChainWriters, writers: number, rowsPerWriter: number): Promise<number> {
  let committed = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      const rand = random(writer + 1);
      let done = 0;
      while (done < rowsPerWriter) {
        const pick = rand();
        const n = writer * 100_000 + done;
        if (pick < 0.5) {
          await w.insert(t.db, 1, n);
          done += 1;
        } else if (pick < 0.8) {
          const count = Math.min(1 + Math.floor(rand() * 5), rowsPerWriter - done);
          await w.insert(t.db, count, n);
          done += count;
        } else if (pick < 0.9) {
          const count = Math.min(2, rowsPerWriter - done);
          // Two statements in one transaction (same n: for competencies, the same student).
          await t.db.transaction(async (tx) => {
            await w.insert(tx, 1, n);
            if (count > 1) await w.insert(tx, 1, n);
          });
          done += count;
        } else {
          await t.db
            .transaction(async (tx) => {
              await w.insert(tx, 2, n);
              throw new Error('rollback');
            })
            .catch(() => {});
        }
      }
      committed += done;
    }),
  );
  return committed;
}

async function chainShape(chain: string) {
  const key = chain === 'student_competencies' ? 'student_id' : `'one'`;
  return queryRows<{ chain_key: string; rows: number; max_position: number; geneses: number; distinct_positions: number }>(
    t.db,
    sql.raw(`select ${key}::text as chain_key, count(*)::int as rows, max(chain_position)::int as max_position,
                    count(*) filter (where previous_hash is null)::int as geneses,
                    count(distinct chain_position)::int as distinct_positions
               from ${chain} group by 1`),
  );
}

describe.runIf(onServer)('concurrent writers on a PostgreSQL server', () => {
  let students: string[] = [];
  let instructorId = '';
  beforeAll(async () => {
    const instructor = await createInstructor(t.db);
    instructorId = instructor.id;
    students = [];
    for (let i = 0; i < 24; i++) students.push((await createStudent(t.db, instructor.id)).id);
  });

  const writersFor = (): ChainWriters[] => [
    {
      chain: 'audit_log',
      insert: async (db, count, n) => {
        await db.insert(auditLog).values(Array.from({ length: count }, (_, i) => ({ eventType: 'LOAD', details: { n: n + i } })));
      },
    },
    {
      chain: 'signatures',
      insert: async (db, count, n) => {
        await db.insert(signatures).values(Array.from({ length: count }, (_, i) => signatureRow(n + i)));
      },
    },
    {
      chain: 'student_competencies',
      insert: async (db, count, n) => {
        // Many students at once: each statement picks students from the pool, so chains interleave.
        // Rows are sorted by student, the lock order docs/integrity.md asks of multi-student writes.
        const rows = Array.from({ length: count }, (_, i) => competencyRow(students[(n * 7 + i * 13) % students.length], instructorId, n + i));
        rows.sort((a, b) => a.studentId.localeCompare(b.studentId));
        await db.insert(studentCompetencies).values(rows);
      },
    },
  ];

  for (const [writers, rowsPerWriter] of [
    [8, 50],
    [16, 500],
  ] as const) {
    it.each(writersFor().map((w) => [w.chain, w] as const))(
      `%s: ${writers} writers x ${rowsPerWriter} rows make no fork: positions contiguous, one genesis per chain, verify clean`,
      async (chain, w) => {
        const before = (await chainShape(chain)).reduce((n, c) => n + c.rows, 0);
        const committed = await hammer(w, writers, rowsPerWriter);
        expect(committed).toBe(writers * rowsPerWriter);
        const shape = await chainShape(chain);
        expect(shape.reduce((n, c) => n + c.rows, 0)).toBe(before + committed);
        for (const c of shape) {
          expect(c, `chain ${c.chain_key}`).toMatchObject({ max_position: c.rows, distinct_positions: c.rows, geneses: 1 });
        }
        if (chain === 'student_competencies') expect(shape.length).toBeGreaterThanOrEqual(students.length);
        const result = await verifyChains(t.db, { tables: [chain] });
        expect(result.breaks.slice(0, 5)).toEqual([]);
        expect(result.rowsChecked).toBe(before + committed);
      },
    );
  }
});

describe.runIf(onServer)('lesson numbers under concurrency', () => {
  it('assigns 1..8 to 8 lessons of one student recorded at once', async () => {
    const { recordLesson } = await import('../src/access/index.js');
    const instructor = await createInstructor(t.db);
    const student = await createStudent(t.db, instructor.id);
    const lessons = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        recordLesson(t.db, { userId: instructor.userId, role: 'instructor' }, {
          studentId: student.id,
          startTime: new Date(Date.UTC(2026, 11, 1, i, 0)),
          endTime: new Date(Date.UTC(2026, 11, 1, i, 45)),
        }),
      ),
    );
    expect(lessons.map((l) => l.lessonNumber).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.eventType, 'LESSON_CREATED'));
    expect(audit.filter((a) => a.details && (a.details as { studentId?: string }).studentId === student.id)).toHaveLength(8);
  });
});
