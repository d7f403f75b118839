// Tampering that only a superuser can do (triggers disabled) is found by verify, at the exact row:
// changed content, a timestamp moved by one microsecond, deleted rows, swapped positions, a forged
// genesis row, on audit_log, signatures and one student's competency chain, and never on chains
// nobody touched. It also shows what a chain alone cannot see (deleting the newest row, rewriting
// history with recomputed hashes, appending a self-consistent forgery) and that a digest taken
// earlier catches the first two. On a server, the real `db:verify` CLI reports the same break.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseOrTransaction } from '../src/db/engines/handle.js';
import { sqlstateOf } from '../src/db/errors.js';
import { auditLog, competencyTasks, signatures, studentCompetencies } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import type { AuditLogEntry, Signature, StudentCompetency } from '../src/db/types.js';
import { CHAINS, type ChainTable, recordHash } from '../src/integrity/canonical.js';
import { digestFromResult, readDigest, writeDigest } from '../src/integrity/digest.js';
import { type VerifyResult, verifyChains } from '../src/integrity/verify.js';
import { onServer, openTestDb, serverCliEnv, type TestDb } from './support/db.js';
import { insertAuditRow, relaxDomainGuards } from './support/fixtures.js';
import { chainRowsAsVerified, createInstructor, createStudent, failureOf, tamperWithTriggersDisabled } from './support/fixtures.js';

// A fresh database per test: a tampered chain stays broken (append-only), so scenarios must not share one.
let t: TestDb;
beforeEach(async () => {
  t = await openTestDb({ poolSize: 4 });
  await relaxDomainGuards(t.db); // arbitrary signers and statuses: this file tests the chain itself
});
afterEach(() => t.dispose());

interface World {
  audit: AuditLogEntry[];
  sigs: Signature[];
  /** Two students with three competency rows each, in position order. */
  studentA: string;
  studentB: string;
  compsA: StudentCompetency[];
  compsB: StudentCompetency[];
}

/** Six audit rows, four signatures, and two students' competency chains of three rows each. */
async function seedChains(db: DatabaseOrTransaction): Promise<World> {
  for (let i = 1; i <= 6; i++) {
    await insertAuditRow(db, { eventType: `EVENT_${i}`, actorId: `user_actor${i}`, details: { n: i, note: 'lesson booked' } });
  }
  for (let i = 1; i <= 4; i++) {
    await db.insert(signatures).values({
      signerId: `user_signer${i}`, signerRole: 'instructor', documentType: 'enrollment', documentId: randomUUID(), signatureUrl: `r2://signatures/${i}.png`,
    });
  }
  const instructor = await createInstructor(db);
  const a = await createStudent(db, instructor.id);
  const b = await createStudent(db, instructor.id);
  const tasks = await db.select({ id: competencyTasks.id }).from(competencyTasks).orderBy(asc(competencyTasks.taskNumber));
  for (let i = 0; i < 3; i++) {
    for (const s of [a, b]) {
      await db.insert(studentCompetencies).values({ studentId: s.id, taskId: tasks[i].id, instructorId: instructor.id, status: 'taught', transmission: 'auto' });
    }
  }
  const comps = (studentId: string) =>
    db.select().from(studentCompetencies).where(eq(studentCompetencies.studentId, studentId)).orderBy(asc(studentCompetencies.chainPosition));
  return {
    audit: await db.select().from(auditLog).orderBy(asc(auditLog.chainPosition)),
    sigs: await db.select().from(signatures).orderBy(asc(signatures.chainPosition)),
    studentA: a.id,
    studentB: b.id,
    compsA: await comps(a.id),
    compsB: await comps(b.id),
  };
}

/** The breaks without their messages, in the order verify reports them. */
const found = (result: VerifyResult) => result.breaks.map(({ message: _message, ...b }) => b);

const at = (table: ChainTable, chainKey: string | null, position: number, rowId: string | null, kind: string) => ({ table, chainKey, position, rowId, kind });

async function auditRow(id: string) {
  const [row] = await t.db.select().from(auditLog).where(eq(auditLog.id, id));
  return row;
}

/** Recomputes a row's record_hash from its stored fields in TypeScript (a self-consistent forgery). */
async function rehash(tx: DatabaseOrTransaction, table: ChainTable, id: string): Promise<string> {
  const [row] = await chainRowsAsVerified(tx, table, sql`id = ${id}`);
  const hash = recordHash(CHAINS[table], row);
  await tx.execute(sql`update ${sql.raw(table)} set record_hash = ${hash} where id = ${id}`);
  return hash;
}

describe('an untouched database', () => {
  it('verifies with ok=true, no breaks, and every chain head as written', async () => {
    const w = await seedChains(t.db);
    const result = await verifyChains(t.db);
    expect(result.breaks).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.rowsChecked).toBe(6 + 4 + 6);
    expect(result.heads).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ table: 'audit_log', chainKey: null, rows: 6, position: 6, hash: w.audit[5].recordHash }),
        expect.objectContaining({ table: 'signatures', chainKey: null, rows: 4, position: 4, hash: w.sigs[3].recordHash }),
        expect.objectContaining({ table: 'student_competencies', chainKey: w.studentA, rows: 3, position: 3, hash: w.compsA[2].recordHash }),
        expect.objectContaining({ table: 'student_competencies', chainKey: w.studentB, rows: 3, position: 3, hash: w.compsB[2].recordHash }),
      ]),
    );
    expect(result.heads).toHaveLength(4);
  });
});

describe('audit_log: content changed in place', () => {
  it('reports content_changed at exactly the row whose details changed, and nothing else', async () => {
    const w = await seedChains(t.db);
    const victim = w.audit[2];
    await tamperWithTriggersDisabled(t.db, (tx) => tx.execute(sql`update audit_log set details = '{"n": 3, "note": "lesson cancelled"}' where id = ${victim.id}`));
    expect((await auditRow(victim.id)).details).toEqual({ n: 3, note: 'lesson cancelled' });
    const result = await verifyChains(t.db);
    expect(result.ok).toBe(false);
    expect(found(result)).toEqual([at('audit_log', null, 3, victim.id, 'content_changed')]);
  });

  it('reports content_changed when created_at moves by one microsecond', async () => {
    const w = await seedChains(t.db);
    const victim = w.audit[3];
    const micros = async () =>
      BigInt((await queryRows<{ us: string }>(t.db, sql`select (extract(epoch from created_at) * 1000000)::bigint::text as us from audit_log where id = ${victim.id}`))[0].us);
    const before = await micros();
    await tamperWithTriggersDisabled(t.db, (tx) => tx.execute(sql`update audit_log set created_at = created_at + interval '1 microsecond' where id = ${victim.id}`));
    expect((await micros()) - before).toBe(1n);
    expect(found(await verifyChains(t.db))).toEqual([at('audit_log', null, 4, victim.id, 'content_changed')]);
  });

  it("reports content_changed when an event's severity is downgraded", async () => {
    const w = await seedChains(t.db);
    const victim = w.audit[1];
    await tamperWithTriggersDisabled(t.db, (tx) => tx.execute(sql`update audit_log set severity = 'critical' where id = ${victim.id}`));
    expect((await auditRow(victim.id)).severity).toBe('critical');
    expect(found(await verifyChains(t.db))).toEqual([at('audit_log', null, 2, victim.id, 'content_changed')]);
  });
});

describe('audit_log: rows removed or reordered', () => {
  it('reports a gap naming the missing position, and a broken link, at the row after a deleted middle row', async () => {
    const w = await seedChains(t.db);
    await tamperWithTriggersDisabled(t.db, (tx) => tx.execute(sql`delete from audit_log where id = ${w.audit[2].id}`));
    expect(await auditRow(w.audit[2].id)).toBeUndefined();
    const result = await verifyChains(t.db);
    expect(found(result)).toEqual([
      at('audit_log', null, 4, w.audit[3].id, 'gap'),
      at('audit_log', null, 4, w.audit[3].id, 'link_broken'),
    ]);
    expect(result.breaks[0].message).toBe('position 3 is missing before this row');
    expect(result.breaks[1].message).toContain('position 2');
  });

  it('cannot see a deleted newest row alone, but a digest taken before reports digest_rows_missing for that chain', async () => {
    const w = await seedChains(t.db);
    const digest = digestFromResult(await verifyChains(t.db));
    await tamperWithTriggersDisabled(t.db, (tx) => tx.execute(sql`delete from audit_log where id = ${w.audit[5].id}`));
    expect(await auditRow(w.audit[5].id)).toBeUndefined();

    const alone = await verifyChains(t.db);
    expect(alone.breaks).toEqual([]);
    expect(alone.heads.find((h) => h.table === 'audit_log')).toMatchObject({ position: 5, hash: w.audit[4].recordHash });

    const since = await verifyChains(t.db, { since: digest });
    expect(found(since)).toEqual([at('audit_log', null, 6, null, 'digest_rows_missing')]);
    expect(since.breaks[0].message).toContain('chain ends at 5');
  });

  it('reports both rows of a position swap as content_changed, and the links around them as broken', async () => {
    const w = await seedChains(t.db);
    const [third, fourth] = [w.audit[2], w.audit[3]];
    await tamperWithTriggersDisabled(t.db, async (tx) => {
      // Through a temporary position: (chain_position) is unique and must be >= 1.
      await tx.execute(sql`update audit_log set chain_position = 1000000 where id = ${third.id}`);
      await tx.execute(sql`update audit_log set chain_position = 3 where id = ${fourth.id}`);
      await tx.execute(sql`update audit_log set chain_position = 4 where id = ${third.id}`);
    });
    expect((await auditRow(third.id)).chainPosition).toBe(4);
    expect((await auditRow(fourth.id)).chainPosition).toBe(3);
    expect(found(await verifyChains(t.db))).toEqual([
      at('audit_log', null, 3, fourth.id, 'link_broken'),
      at('audit_log', null, 3, fourth.id, 'content_changed'),
      at('audit_log', null, 4, third.id, 'link_broken'),
      at('audit_log', null, 4, third.id, 'content_changed'),
      at('audit_log', null, 5, w.audit[4].id, 'link_broken'),
    ]);
  });
});

describe('audit_log: forged rows with self-consistent hashes', () => {
  it('cannot see a forged row appended after the head (linked to it, hash recomputed), even with an earlier digest', async () => {
    // A digest vouches only for rows up to its heads; rows after them are new as far as it knows.
    const w = await seedChains(t.db);
    const digest = digestFromResult(await verifyChains(t.db));
    const forgedId = randomUUID();
    const forgedHash = await tamperWithTriggersDisabled(t.db, async (tx) => {
      await tx.execute(sql`insert into audit_log (id, event_type, actor_id, details, chain_position, previous_hash, record_hash)
                           values (${forgedId}, 'REFUND_APPROVED', 'user_forger', '{"amount": 50000}', 7, ${w.audit[5].recordHash}, ${'0'.repeat(64)})`);
      return rehash(tx, 'audit_log', forgedId);
    });
    expect(await auditRow(forgedId)).toMatchObject({ chainPosition: 7, previousHash: w.audit[5].recordHash, recordHash: forgedHash });
    for (const result of [await verifyChains(t.db), await verifyChains(t.db, { since: digest })]) {
      expect(result.breaks).toEqual([]);
      expect(result.heads.find((h) => h.table === 'audit_log')).toMatchObject({ position: 7, hash: forgedHash });
    }
  });

  it('is refused a second genesis row by the genesis check constraint, even with triggers disabled', async () => {
    await seedChains(t.db);
    const err = await failureOf(() =>
      tamperWithTriggersDisabled(t.db, (tx) =>
        tx.execute(sql`insert into audit_log (event_type, chain_position, previous_hash, record_hash) values ('FORGED_GENESIS', 7, null, ${'0'.repeat(64)})`),
      ),
    );
    expect(sqlstateOf(err)).toBe('23514');
    expect(await t.db.$count(auditLog)).toBe(6);
  });

  it('reports extra_genesis at a forged row with no previous_hash at a new position (constraint dropped by a superuser)', async () => {
    const w = await seedChains(t.db);
    const forgedId = randomUUID();
    await tamperWithTriggersDisabled(t.db, async (tx) => {
      await tx.execute(sql`alter table audit_log drop constraint audit_log_genesis_check`);
      await tx.execute(sql`insert into audit_log (id, event_type, chain_position, previous_hash, record_hash)
                           values (${forgedId}, 'FORGED_GENESIS', 7, null, ${'0'.repeat(64)})`);
      await rehash(tx, 'audit_log', forgedId);
    });
    expect(await auditRow(forgedId)).toMatchObject({ chainPosition: 7, previousHash: null });
    const result = await verifyChains(t.db);
    expect(found(result)).toEqual([at('audit_log', null, 7, forgedId, 'extra_genesis')]);
    expect(w.audit).toHaveLength(6);
  });

  it('cannot see history rewritten with every later hash recomputed, but a digest taken before reports digest_mismatch at its head', async () => {
    const w = await seedChains(t.db);
    const digest = digestFromResult(await verifyChains(t.db));
    await tamperWithTriggersDisabled(t.db, async (tx) => {
      await tx.execute(sql`update audit_log set details = '{"n": 3, "note": "rewritten"}' where id = ${w.audit[2].id}`);
      let previous = w.audit[1].recordHash;
      for (const row of w.audit.slice(2)) {
        await tx.execute(sql`update audit_log set previous_hash = ${previous} where id = ${row.id}`);
        previous = await rehash(tx, 'audit_log', row.id);
      }
    });
    const after = await t.db.select().from(auditLog).orderBy(asc(auditLog.chainPosition));
    expect(after[2].details).toEqual({ n: 3, note: 'rewritten' });
    expect(after.slice(2).every((r, i) => r.recordHash !== w.audit[i + 2].recordHash)).toBe(true);
    expect(after.slice(0, 2).map((r) => r.recordHash)).toEqual(w.audit.slice(0, 2).map((r) => r.recordHash));

    expect((await verifyChains(t.db)).breaks).toEqual([]);
    const since = await verifyChains(t.db, { since: digest });
    expect(found(since)).toEqual([at('audit_log', null, 6, w.audit[5].id, 'digest_mismatch')]);
  });
});

describe('signatures chain', () => {
  it("reports content_changed at exactly the signature whose signer was replaced", async () => {
    const w = await seedChains(t.db);
    const victim = w.sigs[1];
    await tamperWithTriggersDisabled(t.db, (tx) => tx.execute(sql`update signatures set signer_id = 'user_someoneelse' where id = ${victim.id}`));
    const [row] = await t.db.select().from(signatures).where(eq(signatures.id, victim.id));
    expect(row.signerId).toBe('user_someoneelse');
    expect(found(await verifyChains(t.db))).toEqual([at('signatures', null, 2, victim.id, 'content_changed')]);
  });

  it('reports gap and link_broken at the signature after a deleted one', async () => {
    const w = await seedChains(t.db);
    await tamperWithTriggersDisabled(t.db, (tx) => tx.execute(sql`delete from signatures where id = ${w.sigs[1].id}`));
    expect(await t.db.$count(signatures, eq(signatures.id, w.sigs[1].id))).toBe(0);
    const result = await verifyChains(t.db);
    expect(found(result)).toEqual([at('signatures', null, 3, w.sigs[2].id, 'gap'), at('signatures', null, 3, w.sigs[2].id, 'link_broken')]);
    expect(result.breaks[0].message).toBe('position 2 is missing before this row');
  });
});

describe("student_competencies: one student's chain", () => {
  it("reports content_changed on the tampered student's chain only, named by chainKey", async () => {
    const w = await seedChains(t.db);
    const victim = w.compsA[1];
    await tamperWithTriggersDisabled(t.db, (tx) => tx.execute(sql`update student_competencies set status = 'competent' where id = ${victim.id}`));
    const [row] = await t.db.select().from(studentCompetencies).where(eq(studentCompetencies.id, victim.id));
    expect(row.status).toBe('competent');
    expect(found(await verifyChains(t.db))).toEqual([at('student_competencies', w.studentA, 2, victim.id, 'content_changed')]);
  });

  it("reports a gap at the next row of the student whose middle row was deleted, and nothing on the other student's chain", async () => {
    const w = await seedChains(t.db);
    await tamperWithTriggersDisabled(t.db, (tx) => tx.execute(sql`delete from student_competencies where id = ${w.compsB[1].id}`));
    expect(await t.db.$count(studentCompetencies, eq(studentCompetencies.studentId, w.studentB))).toBe(2);
    const result = await verifyChains(t.db);
    expect(found(result)).toEqual([
      at('student_competencies', w.studentB, 3, w.compsB[2].id, 'gap'),
      at('student_competencies', w.studentB, 3, w.compsB[2].id, 'link_broken'),
    ]);
    expect(result.breaks[0].message).toBe('position 2 is missing before this row');
  });

  it("with a digest taken before, reports digest_rows_missing for a student whose newest row, or whole chain, was deleted", async () => {
    const w = await seedChains(t.db);
    const digest = digestFromResult(await verifyChains(t.db));
    await tamperWithTriggersDisabled(t.db, async (tx) => {
      await tx.execute(sql`delete from student_competencies where id = ${w.compsA[2].id}`);
      await tx.execute(sql`delete from student_competencies where student_id = ${w.studentB}`);
    });
    expect(await t.db.$count(studentCompetencies, eq(studentCompetencies.studentId, w.studentA))).toBe(2);
    expect(await t.db.$count(studentCompetencies, eq(studentCompetencies.studentId, w.studentB))).toBe(0);
    expect((await verifyChains(t.db)).breaks).toEqual([]);
    const since = await verifyChains(t.db, { since: digest });
    expect(found(since)).toEqual(
      expect.arrayContaining([
        at('student_competencies', w.studentA, 3, null, 'digest_rows_missing'),
        at('student_competencies', w.studentB, 3, null, 'digest_rows_missing'),
      ]),
    );
    expect(since.breaks).toHaveLength(2);
  });
});

describe('digest files', () => {
  it('writeDigest creates the folders it writes into, and readDigest reads back exactly what it wrote', async () => {
    await seedChains(t.db);
    const digest = digestFromResult(await verifyChains(t.db));
    const dir = mkdtempSync(path.join(tmpdir(), 'nexdrive-digest-'));
    try {
      const file = path.join(dir, 'digests', '2026', 'today.json'); // neither folder exists yet
      writeDigest(file, digest);
      expect(readDigest(file)).toEqual(digest);
      expect(digest.chains.map((c) => c.table).sort()).toEqual(['audit_log', 'signatures', 'student_competencies', 'student_competencies']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(onServer)('the db:verify CLI against a server database', () => {
  function runCli(args: string[]): { code: number; stdout: string } {
    try {
      const stdout = execFileSync('npx', ['tsx', 'src/cli/verify.ts', ...args], {
        cwd: path.resolve(import.meta.dirname, '..'),
        env: serverCliEnv(t.url!),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { code: 0, stdout };
    } catch (err) {
      const e = err as { status: number | null; stdout: string; stderr: string };
      if (e.status === null) throw err;
      return { code: e.status, stdout: e.stdout };
    }
  }

  it('exits 0 on intact chains, then 1 with the exact break in its JSON after tampering', async () => {
    const w = await seedChains(t.db);
    const clean = runCli(['--json']);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ ok: true, breaks: [], rowsChecked: 16 });

    await tamperWithTriggersDisabled(t.db, (tx) => tx.execute(sql`update audit_log set actor_id = 'user_innocent' where id = ${w.audit[2].id}`));
    expect((await auditRow(w.audit[2].id)).actorId).toBe('user_innocent');
    const broken = runCli(['--json']);
    expect(broken.code).toBe(1);
    const report = JSON.parse(broken.stdout) as VerifyResult;
    expect(report.ok).toBe(false);
    expect(report.breaks.map(({ message: _m, ...b }) => b)).toEqual([at('audit_log', null, 3, w.audit[2].id, 'content_changed')]);
  });

  it('writes a digest with --digest and, with --since, exits 1 on a deleted newest row that verify alone passes', async () => {
    const w = await seedChains(t.db);
    const dir = mkdtempSync(path.join(tmpdir(), 'nexdrive-digest-'));
    try {
      const file = path.join(dir, 'digests', 'digest.json'); // --digest creates the folder
      expect(runCli(['--json', `--digest=${file}`]).code).toBe(0);
      await tamperWithTriggersDisabled(t.db, (tx) => tx.execute(sql`delete from signatures where id = ${w.sigs[3].id}`));
      expect(await t.db.$count(signatures)).toBe(3);
      expect(runCli(['--json']).code).toBe(0);
      const since = runCli(['--json', `--since=${file}`]);
      expect(since.code).toBe(1);
      expect((JSON.parse(since.stdout) as VerifyResult).breaks.map(({ message: _m, ...b }) => b)).toEqual([
        at('signatures', null, 4, null, 'digest_rows_missing'),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
