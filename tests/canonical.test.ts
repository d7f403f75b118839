// The canonical form is one form: the SQL functions the triggers hash (0004_hash_chains.sql) and the
// TypeScript re-implementation verify uses (src/integrity/canonical.ts) produce the same text for
// awkward values (quotes, backslashes, newlines, emoji, Chinese, Arabic, Devanagari, 100 KB, empty),
// tell NULL, 'SYSTEM' and '' apart, render timestamps exactly (before 1970, leap days, microseconds),
// and do not depend on the session TimeZone or DateStyle, nor on the Node process's TZ. A row's hash
// computed by hand from the documented netstring rules equals the stored record_hash.
import { createHash, randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseOrTransaction } from '../src/db/engines/handle.js';
import { auditLog, competencyTasks, signatures, studentCompetencies } from '../src/db/schema/index.js';
import { pgErrorFields } from '../src/db/errors.js';
import { queryRows } from '../src/db/sql.js';
import { CHAINS, type ChainTable, canonicalField, canonicalText, canonicalTimestamp, formOf, recordHash, sha256Hex } from '../src/integrity/canonical.js';
import { type VerifyResult, verifyChains } from '../src/integrity/verify.js';
import { onServer, openServerHandle, openTestDb, type TestDb } from './support/db.js';
import { insertAuditRow, relaxDomainGuards } from './support/fixtures.js';
import { chainRowsAsVerified, createInstructor, createStudent, failureOf } from './support/fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ poolSize: 4 });
  await relaxDomainGuards(t.db); // arbitrary signers and statuses: this file tests the chain itself
});
afterAll(() => t.dispose());

/** What the SQL side says about one row: its canonical text, the hash of it, and the stored hash. */
async function sqlCanonical(db: DatabaseOrTransaction, table: ChainTable, id: string) {
  const [row] = await queryRows<{ canon: string; hash: string; stored: string }>(
    db,
    sql`select ${sql.raw(`${table}_canonical(r)`)} as canon, nd_sha256_hex(${sql.raw(`${table}_canonical(r)`)}) as hash, r.record_hash as stored
          from ${sql.raw(table)} r where r.id = ${id}`,
  );
  return row;
}

/** The same row as verify fetches it, and what TypeScript makes of it. */
async function tsCanonical(db: DatabaseOrTransaction, table: ChainTable, id: string) {
  const [row] = await chainRowsAsVerified(db, table, sql`id = ${id}`);
  return { row, canon: canonicalText(formOf(CHAINS[table], row), row), hash: recordHash(CHAINS[table], row) };
}

/** Asserts both implementations agree on a row and both reproduce the stored hash. (Not toBe on the
 *  text first: a 100 KB diff helps nobody; the hash comparison names the row.) */
async function expectSameCanonical(table: ChainTable, id: string) {
  const s = await sqlCanonical(t.db, table, id);
  const ts = await tsCanonical(t.db, table, id);
  expect(ts.hash, `${table} ${id}: TS canonical hash vs stored record_hash`).toBe(s.stored);
  expect(s.hash, `${table} ${id}: SQL canonical hash vs stored record_hash`).toBe(s.stored);
  expect(ts.canon.length).toBe(s.canon.length);
  expect(ts.canon === s.canon, `${table} ${id}: TS canonical text equals SQL canonical text`).toBe(true);
}

const HUNDRED_KB = (() => {
  const unit = 'Lesson 42: reverse parking "ok", \\ mirror check\n ✓ 驾驶 ';
  let s = '';
  while (Buffer.byteLength(s, 'utf8') < 100 * 1024) s += unit;
  return s;
})();

const AWKWARD: Array<[string, string]> = [
  ['double and single quotes', `He said "stop" and it's 'fine'`],
  ['backslashes', 'C:\\temp\\new \\n is not a newline \\\\ \\u0041 \\x'],
  ['newlines, CR and tabs', 'line one\nline two\r\n\tindented\n'],
  ['emoji (astral, ZWJ, flags, skin tone)', '🚗💨 👩🏽‍🏫 🇦🇺 ✅'],
  ['Chinese', '驾驶学校学员通过了路考'],
  ['Arabic', 'مدرسة تعليم القيادة'],
  ['Devanagari', 'ड्राइविंग स्कूल में स्वागत है'],
  ['a netstring look-alike', '6:SYSTEM,~,0:,'],
  ['a 100 KB string', HUNDRED_KB],
  ['an empty string', ''],
];

describe('awkward values: SQL and TypeScript canonical forms agree', () => {
  it.each(AWKWARD)('audit_log row with %s in details, actor_id and user_agent: verify clean, SQL text = TS text', async (_label, value) => {
    const entry = await insertAuditRow(t.db, {
      eventType: 'AWKWARD_VALUE',
      actorId: value,
      actorRole: value,
      userAgent: value,
      details: { value, [value]: value, list: [value, { nested: value }] },
    });
    // The value went in unchanged (drivers neither trimmed nor re-encoded it).
    const [stored] = await t.db.select().from(auditLog).where(eq(auditLog.id, entry.id));
    expect(stored.actorId === value && stored.userAgent === value).toBe(true);
    expect((stored.details as { value: string }).value === value).toBe(true);
    await expectSameCanonical('audit_log', entry.id);
    const result = await verifyChains(t.db, { tables: ['audit_log'] });
    expect(result.breaks).toEqual([]);
  });

  it('signatures and student_competencies rows with awkward text and JSON: SQL text = TS text', async () => {
    const awkward = AWKWARD.map(([, v]) => v).filter((v) => v !== HUNDRED_KB).join(' | ');
    const [sig] = await t.db
      .insert(signatures)
      .values({
        signerId: `user_${awkward}`, signerRole: 'student', documentType: 'lesson', documentId: randomUUID(), signatureUrl: `r2://sig/${awkward}`,
        userAgent: awkward, deviceInfo: { model: awkward, big: HUNDRED_KB }, ipAddress: '2001:db8::1', gpsLatitude: '-35.2809', gpsLongitude: '149.13',
        timestampUtc: new Date('2026-02-28T23:59:59.999Z'),
      })
      .returning();
    await expectSameCanonical('signatures', sig.id);
    const instructor = await createInstructor(t.db);
    const student = await createStudent(t.db, instructor.id);
    const [task] = await t.db.select().from(competencyTasks).orderBy(asc(competencyTasks.taskNumber)).limit(1);
    const [comp] = await t.db
      .insert(studentCompetencies)
      .values({ studentId: student.id, taskId: task.id, instructorId: instructor.id, status: 'competent', transmission: 'manual', signedByInstructor: true, signatureId: sig.id })
      .returning();
    await expectSameCanonical('student_competencies', comp.id);
    expect((await verifyChains(t.db)).breaks).toEqual([]);
  });
});

describe("NULL, 'SYSTEM' and '' are three different values", () => {
  it('canonicalField renders them as ~, 6:SYSTEM, and 0:, (and so does nd_canon_field)', async () => {
    expect([canonicalField(null), canonicalField('SYSTEM'), canonicalField('')]).toEqual(['~,', '6:SYSTEM,', '0:,']);
    const [row] = await queryRows<Record<string, string>>(
      t.db,
      sql`select nd_canon_field(null::text) as "null", nd_canon_field('SYSTEM') as "system", nd_canon_field('') as "empty"`,
    );
    expect(row).toEqual({ null: '~,', system: '6:SYSTEM,', empty: '0:,' });
  });

  it('counts UTF-8 bytes, not characters, in both implementations', async () => {
    for (const v of ['é', '驾', '🚗', 'ड्रा']) {
      const [row] = await queryRows<{ f: string }>(t.db, sql`select nd_canon_field(${v}::text) as f`);
      expect(canonicalField(v)).toBe(`${Buffer.byteLength(v, 'utf8')}:${v},`);
      expect(row.f).toBe(canonicalField(v));
    }
    expect(canonicalField('🚗')).toBe('4:🚗,');
  });

  it('give three different canonical texts and hashes for otherwise identical rows, and each stored hash matches only its own', async () => {
    const actors = [null, 'SYSTEM', ''] as const;
    const ids: string[] = [];
    for (const actorId of actors) ids.push((await insertAuditRow(t.db, { eventType: 'SYSTEM_TASK', actorId, details: { job: 'reminders' } })).id);
    for (const [i, id] of ids.entries()) {
      const { row } = await tsCanonical(t.db, 'audit_log', id);
      expect(row.actor_id).toBe(actors[i]); // NULL stayed NULL, '' stayed ''
      const variants = actors.map((actor_id) => canonicalText(formOf(CHAINS.audit_log, row), { ...row, actor_id }));
      expect(new Set(variants).size).toBe(3);
      expect(new Set(variants.map(sha256Hex)).size).toBe(3);
      expect(variants.map((v) => sha256Hex(v) === row.record_hash)).toEqual(actors.map((_, j) => j === i));
      await expectSameCanonical('audit_log', id);
    }
    expect((await verifyChains(t.db, { tables: ['audit_log'] })).breaks).toEqual([]);
  });
});

describe('canonicalTimestamp', () => {
  const utc = (iso: string, micros: number) => BigInt(Date.parse(iso)) * 1000n + BigInt(micros);

  it('renders epoch 0 as 1970-01-01T00:00:00.000000Z', () => {
    expect(canonicalTimestamp(0n)).toBe('1970-01-01T00:00:00.000000Z');
  });

  it('renders negative values (before 1970) with the microseconds counted forward from the earlier second', () => {
    expect(canonicalTimestamp(-1n)).toBe('1969-12-31T23:59:59.999999Z');
    expect(canonicalTimestamp(-1_000_000n)).toBe('1969-12-31T23:59:59.000000Z');
    expect(canonicalTimestamp(-1_234_567n)).toBe('1969-12-31T23:59:58.765433Z');
    expect(canonicalTimestamp(utc('1901-12-13T20:45:52Z', 42))).toBe('1901-12-13T20:45:52.000042Z');
  });

  it('renders leap days, and the microsecond after one ends', () => {
    expect(canonicalTimestamp(utc('2024-02-29T23:59:59Z', 999_999))).toBe('2024-02-29T23:59:59.999999Z');
    expect(canonicalTimestamp(utc('2024-02-29T23:59:59Z', 999_999) + 1n)).toBe('2024-03-01T00:00:00.000000Z');
    expect(canonicalTimestamp(utc('2000-02-29T12:00:00Z', 0))).toBe('2000-02-29T12:00:00.000000Z');
  });

  it('pads microseconds to six digits', () => {
    expect(canonicalTimestamp(7n)).toBe('1970-01-01T00:00:00.000007Z');
    expect(canonicalTimestamp(1_000_010n)).toBe('1970-01-01T00:00:01.000010Z');
    expect(canonicalTimestamp(utc('2026-12-01T00:00:00Z', 120_000))).toBe('2026-12-01T00:00:00.120000Z');
  });

  const agreeWithSql = async (literals: string[]) => {
    for (const literal of literals) {
      const [row] = await queryRows<{ canon: string; us: string }>(
        t.db,
        sql`select nd_canon_ts(${literal}::timestamptz) as canon, (extract(epoch from ${literal}::timestamptz) * 1000000)::bigint::text as us`,
      );
      expect(canonicalTimestamp(BigInt(row.us)), literal).toBe(row.canon);
    }
  };

  it('agrees with the SQL nd_canon_ts, via the epoch microseconds verify fetches, for years 1 to 9999', async () => {
    await agreeWithSql([
      '1970-01-01 00:00:00+00', '1969-12-31 23:59:59.999999+00', '1900-03-01 12:00:00.000001+00', '1582-10-10 08:00:00.5+00',
      '2024-02-29 23:59:59.999999+00', '2026-04-05 02:30:00+10', '0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00',
    ]);
  });
});

describe('timestamps outside years 1..9999, where the canonical form is not defined', () => {
  it.each([
    ['signatures', 'signatures_timestamp_utc_range_check', sql`insert into signatures (signer_id, signer_role, document_type, document_id, signature_url, timestamp_utc)
        values ('user_future', 'student', 'lesson', ${randomUUID()}, 'r2://sig/future.png', '10000-01-01 00:00:00+00')`],
    ['signatures', 'signatures_timestamp_utc_range_check', sql`insert into signatures (signer_id, signer_role, document_type, document_id, signature_url, timestamp_utc)
        values ('user_past', 'student', 'lesson', ${randomUUID()}, 'r2://sig/past.png', '0001-06-01 00:00:00+00 BC')`],
  ])('are refused by the schema (%s, %s), so SQL and verify never disagree on one', async (_table, constraint, insert) => {
    const err = await failureOf(() => t.db.execute(insert));
    expect(pgErrorFields(err)).toMatchObject({ code: '23514', constraint });
  });

  it('refuses a competency dated 1 BC (to_char drops the era, so it would hash like 1 AD)', async () => {
    const instructor = await createInstructor(t.db);
    const student = await createStudent(t.db, instructor.id);
    const [task] = await t.db.select().from(competencyTasks).orderBy(asc(competencyTasks.taskNumber)).limit(1);
    const err = await failureOf(() =>
      t.db.execute(sql`insert into student_competencies (student_id, task_id, instructor_id, status, transmission, status_changed_at)
          values (${student.id}, ${task.id}, ${instructor.id}, 'taught', 'auto', '0001-06-01 00:00:00+00 BC')`),
    );
    expect(pgErrorFields(err)).toMatchObject({ code: '23514', constraint: 'student_competencies_status_changed_at_range_check' });
  });
});

// ─── Session settings and the Node process time zone ───

const SHOW = sql`select current_setting('TimeZone') as tz, current_setting('DateStyle') as ds, '2026-01-01 00:00:00+00'::timestamptz::text as shown`;

/** Runs `use` in a database session with these settings. PGlite has one connection: SET applies to it
 *  and is reset afterwards. On a server, a one-connection pool of its own is that session. */
async function inSession<T>(settings: { timeZone: string; dateStyle?: string }, use: (db: DatabaseOrTransaction) => Promise<T>): Promise<T> {
  const apply = async (db: DatabaseOrTransaction) => {
    await db.execute(sql.raw(`set TimeZone = '${settings.timeZone}'`));
    await db.execute(sql.raw(`set DateStyle = '${settings.dateStyle ?? 'ISO, MDY'}'`));
    const [now] = await queryRows<{ tz: string; ds: string }>(db, SHOW);
    expect(now.tz).toBe(settings.timeZone); // the setting really is in force in this session
  };
  if (onServer) {
    const handle = await openServerHandle(t.url!, 1);
    try {
      await apply(handle.db);
      return await use(handle.db);
    } finally {
      await handle.close();
    }
  }
  try {
    await apply(t.db);
    return await use(t.db);
  } finally {
    await t.db.execute(sql`reset TimeZone`);
    await t.db.execute(sql`reset DateStyle`);
  }
}

/** The same, inside one transaction with SET LOCAL (works on both engines). */
async function inTransaction<T>(settings: { timeZone: string; dateStyle: string }, use: (db: DatabaseOrTransaction) => Promise<T>): Promise<T> {
  return t.db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local TimeZone = '${settings.timeZone}'`));
    await tx.execute(sql.raw(`set local DateStyle = '${settings.dateStyle}'`));
    return use(tx);
  });
}

/** Writes one row to each chain with zone-less timestamp literals, which the session's TimeZone interprets. */
async function writeUnderSession(db: DatabaseOrTransaction, label: string) {
  await db.execute(sql`insert into audit_log (event_type, details) values (${label}, ${JSON.stringify({ at: '2026-04-05 02:30:00', label })}::jsonb)`);
  // 02:30 on 2026-04-05 happens twice in Sydney (daylight saving ends at 03:00).
  await db.execute(sql`insert into signatures (signer_id, signer_role, document_type, document_id, signature_url, timestamp_utc)
                       values (${`user_${label}`}, 'instructor', 'lesson', ${randomUUID()}, 'r2://sig/tz.png', '2026-04-05 02:30:00.123456')`);
  const instructor = await createInstructor(db);
  const student = await createStudent(db, instructor.id);
  const [task] = await db.select().from(competencyTasks).orderBy(asc(competencyTasks.taskNumber)).limit(1);
  await db.execute(sql`insert into student_competencies (student_id, task_id, instructor_id, status, transmission, status_changed_at)
                       values (${student.id}, ${task.id}, ${instructor.id}, 'assessed', 'auto', '1969-07-21 02:56:15.000001')`);
}

const stable = (r: VerifyResult) => ({ ok: r.ok, breaks: r.breaks, rowsChecked: r.rowsChecked, heads: r.heads });

describe('session TimeZone and DateStyle do not change the canonical form', () => {
  const readers = [
    { timeZone: 'Australia/Sydney' },
    { timeZone: 'America/New_York' },
    { timeZone: 'Asia/Kolkata', dateStyle: 'SQL, DMY' },
    { timeZone: 'Europe/Berlin', dateStyle: 'German' },
  ];

  it('rows written under UTC verify clean, with identical heads, under Sydney, New York, SQL/DMY and German', async () => {
    await inSession({ timeZone: 'UTC' }, (db) => writeUnderSession(db, 'WRITTEN_UTC'));
    const baseline = await inSession({ timeZone: 'UTC' }, (db) => verifyChains(db));
    expect(baseline.breaks).toEqual([]);
    const shownUtc = (await inSession({ timeZone: 'UTC' }, (db) => queryRows<{ shown: string }>(db, SHOW)))[0].shown;
    for (const settings of readers) {
      const [shown] = await inSession(settings, (db) => queryRows<{ shown: string }>(db, SHOW));
      expect(shown.shown).not.toBe(shownUtc); // timestamptz::text would have changed here
      expect(stable(await inSession(settings, (db) => verifyChains(db))), JSON.stringify(settings)).toEqual(stable(baseline));
    }
    for (const settings of [{ timeZone: 'Australia/Sydney', dateStyle: 'German' }, { timeZone: 'America/New_York', dateStyle: 'SQL, DMY' }]) {
      expect(stable(await inTransaction(settings, (tx) => verifyChains(tx)))).toEqual(stable(baseline));
    }
  });

  it('rows written under Sydney (German DateStyle, in a transaction too) verify clean under UTC and New York', async () => {
    await inSession({ timeZone: 'Australia/Sydney', dateStyle: 'German' }, (db) => writeUnderSession(db, 'WRITTEN_SYDNEY'));
    await inTransaction({ timeZone: 'Australia/Sydney', dateStyle: 'SQL, DMY' }, (tx) => writeUnderSession(tx, 'WRITTEN_SYDNEY_TX'));
    const utc = await inSession({ timeZone: 'UTC' }, (db) => verifyChains(db));
    expect(utc.breaks).toEqual([]);
    expect(stable(await inSession({ timeZone: 'America/New_York' }, (db) => verifyChains(db)))).toEqual(stable(utc));
    // The zone-less literal meant Sydney time when written: 02:30:00.123456 AEST is 16:30 UTC the day before.
    const [sig] = await queryRows<{ us: string }>(
      t.db,
      sql`select (extract(epoch from timestamp_utc) * 1000000)::bigint::text as us from signatures where signer_id = 'user_WRITTEN_SYDNEY'`,
    );
    expect(['2026-04-04T15:30:00.123456Z', '2026-04-04T16:30:00.123456Z']).toContain(canonicalTimestamp(BigInt(sig.us)));
  });
});

describe("the Node process's TZ does not change the canonical form", () => {
  it('verifies the same result under TZ=Australia/Sydney and TZ=America/New_York, including rows written under each', async () => {
    const saved = process.env.TZ;
    let reference = stable(await verifyChains(t.db));
    expect(reference.breaks).toEqual([]);
    try {
      for (const tz of ['Australia/Sydney', 'America/New_York']) {
        process.env.TZ = tz;
        // The change is in force: the local offset of a fixed instant is the zone's.
        expect(new Date('2026-01-15T00:00:00Z').getTimezoneOffset()).toBe(tz === 'Australia/Sydney' ? -660 : 300);
        expect(stable(await verifyChains(t.db))).toEqual(reference);
        const entry = await insertAuditRow(t.db, { eventType: `NODE_TZ_${tz}`, details: { tz } });
        const [sig] = await t.db
          .insert(signatures)
          .values({ signerId: 'user_nodetz', signerRole: 'student', documentType: 'lesson', documentId: randomUUID(), signatureUrl: 'r2://x', timestampUtc: new Date('2026-04-05T02:30:00.123Z') })
          .returning();
        expect(sig.timestampUtc.toISOString()).toBe('2026-04-05T02:30:00.123Z');
        await expectSameCanonical('audit_log', entry.id);
        await expectSameCanonical('signatures', sig.id);
        const after = stable(await verifyChains(t.db));
        expect(after.breaks).toEqual([]);
        // ...and the process's own zone sees the same result.
        process.env.TZ = saved ?? '';
        if (saved === undefined) delete process.env.TZ;
        reference = stable(await verifyChains(t.db));
        expect(reference).toEqual(after);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('the documented canonical form, computed by hand', () => {
  let fresh: TestDb;
  beforeAll(async () => {
    fresh = await openTestDb({ poolSize: 2 });
    await relaxDomainGuards(fresh.db); // arbitrary signers and statuses: this file tests the chain itself
  });
  afterAll(() => fresh.dispose());

  it('hashes the genesis audit row to sha256 of the netstring text written out literally', async () => {
    expect(await fresh.db.$count(auditLog)).toBe(0); // so this row is position 1, the genesis row
    const subjectId = '7d0c2f0e-3b1a-4c5d-9e8f-0123456789ab';
    const entry = await insertAuditRow(fresh.db, {
      eventType: 'HAND_CHECKED', severity: 'warning', actorId: 'user_ü', actorRole: 'instructor', subjectType: 'lesson', subjectId,
      details: { k: 'v' }, ipAddress: '203.0.113.7', userAgent: 'Mozilla/5.0 (café)', gpsLatitude: '-35.2809', gpsLongitude: '149.13',
    });
    const [{ us }] = await queryRows<{ us: string }>(fresh.db, sql`select (extract(epoch from created_at) * 1000000)::bigint::text as us from audit_log where id = ${entry.id}`);
    const micros = BigInt(us);
    const created = `${new Date(Number(micros / 1000n)).toISOString().slice(0, 19)}.${String(micros % 1_000_000n).padStart(6, '0')}Z`;
    // Version 2 (migration 0030): the personal values are hashed through a salted digest.
    expect(entry.canonicalVersion).toBe(2);
    expect(entry.personalSalt).toMatch(/^[0-9a-f]{32}$/);
    const personalByHand =
      '30:nexdrive.audit_log.personal.v2,' +
      `32:${entry.personalSalt},` +
      '14:203.0.113.7/32,' + // inet's text output keeps the prefix length
      '19:Mozilla/5.0 (café),' +
      '11:-35.2809000,' + // numeric(10,7)
      '11:149.1300000,' +
      '~,'; // personal_details
    expect(createHash('sha256').update(personalByHand, 'utf8').digest('hex')).toBe(entry.personalDigest);
    const byHand =
      '21:nexdrive.audit_log.v2,' +
      '1:1,' + // chain_position
      '~,' + // previous_hash: NULL at the genesis row
      `36:${entry.id},` +
      '12:HAND_CHECKED,' +
      '7:warning,' +
      '7:user_ü,' + // ü is two bytes in UTF-8
      '10:instructor,' +
      '6:lesson,' +
      `36:${subjectId},` +
      '10:{"k": "v"},' + // jsonb's own text output
      `64:${entry.personalDigest},` +
      `27:${created},`;
    expect(entry.chainPosition).toBe(1);
    expect((await sqlCanonical(fresh.db, 'audit_log', entry.id)).canon).toBe(byHand);
    expect(createHash('sha256').update(byHand, 'utf8').digest('hex')).toBe(entry.recordHash);
    expect((await tsCanonical(fresh.db, 'audit_log', entry.id)).canon).toBe(byHand);

    // Version 1 (rows written before migration 0030): the same row read as v1 hashes the values directly,
    // in SQL and in TypeScript alike.
    const v1ByHand =
      '21:nexdrive.audit_log.v1,1:1,~,' + `36:${entry.id},` + '12:HAND_CHECKED,7:warning,7:user_ü,10:instructor,6:lesson,' + `36:${subjectId},` +
      '10:{"k": "v"},14:203.0.113.7/32,19:Mozilla/5.0 (café),11:-35.2809000,11:149.1300000,' + `27:${created},`;
    const [asV1] = await queryRows<{ canon: string }>(fresh.db, sql`
      select audit_log_canonical(jsonb_populate_record(null::audit_log, to_jsonb(a) || '{"canonical_version": 1}')) as canon from audit_log a where a.id = ${entry.id}`);
    expect(asV1.canon).toBe(v1ByHand);
    const { row } = await tsCanonical(fresh.db, 'audit_log', entry.id);
    expect(canonicalText(formOf(CHAINS.audit_log, { ...row, canonical_version: '1' }), row)).toBe(v1ByHand);
  });
});
