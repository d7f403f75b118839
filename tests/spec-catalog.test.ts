// The built database against the user's spec (SPEC-01): every table, column, index, foreign key,
// function and trigger the spec names exists in the live catalog, on the right table; and every object
// in the database that the spec does not name is a documented deviation (DOCUMENTED_DEVIATIONS below,
// mirrored in docs/spec-deviations.md). The spec's facts come from tests/spec/spec-01.json, which
// tests/spec/extract.ts extracts from the spec itself. Extension objects (pgvector, pgcrypto,
// btree_gist) are left out by their pg_depend 'e' membership.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/sql.js';
import { openTestDb, type TestDb } from './support/db.js';
import { readSpec01, type SpecForeignKey } from './spec/model.js';

// ─── Documented deviations: objects in the database that the spec does not name ────────────────
// Each reason is one line of docs/spec-deviations.md. Keep the two in step.

type ObjectKind = 'table' | 'column' | 'constraint' | 'index' | 'function' | 'trigger';

interface Deviation {
  kind: ObjectKind;
  /** Columns are matched as "table.column"; the columns of a documented table need no entry of their own. */
  match: string | RegExp;
  /** Constraints only: the pg_constraint.contype the entry covers (c, f, u, x). */
  contype?: string;
  reason: string;
}

const APPEND_ONLY_REASON = 'append-only enforcement (issue 3)';
const SIGNATURE_BINDING_REASON = 'signatures bound to the people who may sign each document, at the database clock (issue 6)';
const IDENTITY_REASON = 'a person\'s user_id never changes; an instructor\'s only with its audit entry (hardening of issue 6)';
const COMPLIANCE_REASON = 'the ACT CBT&A rules and the certificate of competency, enforced by the database (issue 8)';
const PARENT_LIMIT_REASON = 'at most 5 active parent links per student (issue 7)';
const BOOKING_LIFECYCLE_REASON = 'booking status transitions, cancellation fields and a fixed slot on every path (issue 9)';
const MONEY_REASON = 'money (issue 10): which voucher and package a payment used, invoice numbers given by the database (unique, gapless per Canberra year), one payment per gateway payment, payment status moves';
const MONEY_FOLLOWS_REASON = 'money follows the booking (issue 15): a reschedule names the booking it replaced and moves its payments; a cancelled booking is never paid; a completed payment is final, records completed_at, and is flagged needs_refund when its booking was cancelled first';
const FINAL_DRIVE_REASON = 'the final drive stays what it was (issue 15): a lesson a competency row names is frozen; the certificate judges the final drive by its lesson as it stands, and refuses a suspended student';
const CONTACTS_REASON = 'contacts (issue 17): one live contact per E.164 phone and per email, the lifecycle state machine of SPEC-05 and the first touch kept, by the database';
const SCHOOL_SETUP_REASON = 'school set-up (issue 17): no two active weekly rules of one instructor and day overlap; one live waitlist entry per person and instructor';
const SELF_ASSESSMENT_REASON = 'self-assessments (issue 19): the database decides the type from progress and booking, and a submitted assessment is final';
const NOTIFICATIONS_REASON = 'messages and notifications (issue 18): the outbox sends each message once (idempotency key, lease, attempts, status moves held by the database), delivery reports found by provider id per channel, one message per provider message id, one call log per provider call id, one open conversation per SMS contact and web-chat session';
const PREFERENCES_REASON = 'notification preferences (SPEC-07 section 3.2, a table SPEC-01 does not have), and a number\'s own STOP opt-out (issue 18)';
const PEOPLE_REASON = 'parent invitations (a parent may have no account when invited; SPEC-17 section 4.8) and the last Clerk event applied to a profile (replays and reordering of Clerk webhooks): issue 17';
const ERASURE_REASON = 'erasure (issue 19, APP 11.2): audit entries hash their personal values through a salted digest (canonical form v2), and one SECURITY DEFINER function clears the personal columns past the guards, so every chain still verifies';
const RECORDS_KEPT_REASON = 'records that are kept: payments never deleted, completed amounts and referenced task rules frozen (issue 6)';

const DOCUMENTED_DEVIATIONS: Deviation[] = [
  { kind: 'function', match: /^(nd_self_assessment_type|self_assessments_guard)$/, reason: SELF_ASSESSMENT_REASON },
  { kind: 'trigger', match: 'self_assessments_guard', reason: SELF_ASSESSMENT_REASON },
  {
    kind: 'column',
    match: /^(audit_log|signatures|student_competencies)\.chain_position$/,
    reason: 'hash chains: each row has a position in its chain (1, 2, 3...), set by the chain trigger; the head is found by position, not by created_at, which ties within a transaction',
  },
  {
    kind: 'constraint',
    contype: 'c',
    match: /_check$/,
    reason: 'CHECK constraints: enum value lists and value ranges are enforced by the database, not only by TypeScript types',
  },
  {
    kind: 'constraint',
    contype: 'u',
    match: /_chain_position_key$/,
    reason: 'hash chains: one row per chain position (per student for student_competencies), so a chain can never fork',
  },
  {
    kind: 'constraint',
    contype: 'x',
    match: 'bookings_instructor_no_overlap_excl',
    reason: "no double booking: an exclusion constraint rejects overlapping active bookings of one instructor; the spec's idx_bookings_no_overlap only stops identical start times",
  },
  {
    kind: 'constraint',
    contype: 'f',
    match: 'fk_bookings_payment',
    reason: "bookings.payment_id is a foreign key to payments (the spec's comment says it references payments but declares no constraint)",
  },
  {
    kind: 'function',
    match: /^nd_(canon_field|canon_ts|sha256_hex)$/,
    reason: 'hash chains: canonical form helpers (netstring fields, UTC timestamps, sha256 over UTF-8 bytes) replacing the spec\'s text concatenation',
  },
  {
    kind: 'function',
    match: /^(audit_log|signatures|student_competencies)_canonical$/,
    reason: 'hash chains: the canonical text of one row of each chained table, hashed by the chain trigger and recomputed by the verifier',
  },
  {
    kind: 'function',
    match: /^(audit_log|signatures|student_competencies)_canonical_(body|from)$/,
    reason: 'hash chains: the canonical text in two parts, so the trigger builds the chain-independent part before taking the lock',
  },
  { kind: 'trigger', match: /_append_only(_truncate)?$/, reason: APPEND_ONLY_REASON },
  { kind: 'trigger', match: /_log_update_guard$/, reason: APPEND_ONLY_REASON },
  { kind: 'trigger', match: /^lessons_/, reason: APPEND_ONLY_REASON },
  { kind: 'function', match: /^(nd_reject_change|nd_log_update_guard)$/, reason: APPEND_ONLY_REASON },
  { kind: 'function', match: /^lessons_/, reason: APPEND_ONLY_REASON },
  {
    kind: 'index',
    match: 'signatures_document_signer_role_unique',
    reason: 'signatures: one signature per document and signer role (issue 6)',
  },
  {
    kind: 'function',
    match: /^(nd_expected_signer|signatures_binding_guard|signatures_check_document|student_competencies_signature_guard)$/,
    reason: SIGNATURE_BINDING_REASON,
  },
  { kind: 'trigger', match: /^(signature_binding_guard|signatures_document_check|competency_signature_guard)$/, reason: SIGNATURE_BINDING_REASON },
  { kind: 'constraint', contype: 't', match: 'signatures_document_check', reason: SIGNATURE_BINDING_REASON },
  { kind: 'constraint', contype: 't', match: 'lessons_correction_check', reason: 'lessons: the correction rules, checked after the whole INSERT statement (issue 6)' },
  {
    kind: 'function',
    match: /^(payments_keep_record|competency_tasks_keep_meaning)$/,
    reason: RECORDS_KEPT_REASON,
  },
  { kind: 'trigger', match: /^(payments_keep_record|payments_no_truncate|competency_tasks_keep_meaning)$/, reason: RECORDS_KEPT_REASON },
  { kind: 'function', match: 'parent_student_links_limit', reason: PARENT_LIMIT_REASON },
  {
    kind: 'function',
    match: /^(nd_now|nd_competency_cooldown|nd_competency_blocking_tasks|student_competencies_rules_guard|student_competencies_check_overrule|nd_certificate_missing_tasks|students_certificate_guard|students_no_certificate_on_insert)$/,
    reason: COMPLIANCE_REASON,
  },
  { kind: 'trigger', match: /^(competency_guard|competency_overrule_check|students_certificate_guard|students_no_certificate_on_insert)$/, reason: COMPLIANCE_REASON },
  { kind: 'constraint', contype: 't', match: 'competency_overrule_check', reason: COMPLIANCE_REASON },
  { kind: 'function', match: 'nd_identity_guard', reason: IDENTITY_REASON },
  { kind: 'trigger', match: /^(instructors|students|parents|profiles)_identity_guard$/, reason: IDENTITY_REASON },
  { kind: 'index', match: 'students_certificate_number_unique', reason: 'certificate numbers are unique in the database (issue 8)' },
  { kind: 'trigger', match: 'parent_student_links_limit', reason: PARENT_LIMIT_REASON },
  { kind: 'function', match: 'bookings_lifecycle_guard', reason: BOOKING_LIFECYCLE_REASON },
  { kind: 'trigger', match: 'bookings_lifecycle_guard', reason: BOOKING_LIFECYCLE_REASON },
  { kind: 'column', match: /^payments\.(voucher_id|discount_cents|student_package_id)$/, reason: MONEY_REASON },
  { kind: 'constraint', contype: 'f', match: /^(payments_voucher_id_vouchers_id_fk|fk_payments_student_package)$/, reason: MONEY_REASON },
  {
    kind: 'index',
    match: /^(payments_invoice_number_(unique|order)|payments_gateway_payment_unique|idx_payments_voucher_id|student_packages_payment_id_unique)$/,
    reason: MONEY_REASON,
  },
  { kind: 'function', match: /^(next_invoice_number|payments_money_rules)$/, reason: MONEY_REASON },
  { kind: 'trigger', match: 'payments_money_rules', reason: MONEY_REASON },
  { kind: 'column', match: /^(bookings\.rescheduled_from|payments\.(completed_at|needs_refund))$/, reason: MONEY_FOLLOWS_REASON },
  { kind: 'constraint', contype: 'f', match: 'fk_bookings_rescheduled_from', reason: MONEY_FOLLOWS_REASON },
  { kind: 'constraint', contype: 't', match: 'bookings_money_moved', reason: MONEY_FOLLOWS_REASON },
  { kind: 'index', match: 'bookings_rescheduled_from_unique', reason: MONEY_FOLLOWS_REASON },
  { kind: 'function', match: /^(bookings_money_follows|bookings_check_money_moved)$/, reason: MONEY_FOLLOWS_REASON },
  { kind: 'trigger', match: /^(bookings_money_follows|bookings_money_moved)$/, reason: MONEY_FOLLOWS_REASON },
  { kind: 'function', match: /^(nd_lesson_as_it_stands|nd_final_drive_lesson_problem|nd_final_drive_problem|student_competencies_lock_lesson)$/, reason: FINAL_DRIVE_REASON },
  { kind: 'trigger', match: 'competency_a_lock_lesson', reason: FINAL_DRIVE_REASON },
  { kind: 'index', match: /^contacts_(phone|email)_live_unique$/, reason: CONTACTS_REASON },
  { kind: 'constraint', contype: 'x', match: 'availability_rules_no_overlap_excl', reason: SCHOOL_SETUP_REASON },
  { kind: 'index', match: /^(availability_rules_no_overlap_excl|waitlist_(student|contact)_live_unique)$/, reason: SCHOOL_SETUP_REASON },
  { kind: 'function', match: 'contacts_crm_guard', reason: CONTACTS_REASON },
  { kind: 'trigger', match: 'contacts_crm_guard', reason: CONTACTS_REASON },
  { kind: 'table', match: 'parent_invitations', reason: PEOPLE_REASON },
  { kind: 'column', match: /^profiles\.clerk_(synced_at|event_id)$/, reason: PEOPLE_REASON },
  { kind: 'constraint', match: /^parent_invitations_/, reason: PEOPLE_REASON },
  { kind: 'index', match: 'idx_parent_invitations_student_id', reason: PEOPLE_REASON },
  { kind: 'function', match: 'parent_invitations_guard', reason: PEOPLE_REASON },
  { kind: 'trigger', match: /^(set_updated_at_parent_invitations|parent_invitations_guard)$/, reason: PEOPLE_REASON },
  { kind: 'table', match: 'notification_preferences', reason: PREFERENCES_REASON },
  { kind: 'column', match: /^audit_log\.(personal_details|personal_salt|personal_digest|canonical_version)$/, reason: ERASURE_REASON },
  {
    kind: 'function',
    match: /^(audit_log_personal_canonical|audit_log_canonical_body_v2|audit_log_canonical_from_v2|nd_erasing|audit_log_erasure_guard|nd_erase_personal_data)$/,
    reason: ERASURE_REASON,
  },
  { kind: 'trigger', match: /^(audit_log_no_delete_while_erasing|audit_log_erasure_guard)$/, reason: ERASURE_REASON },
  { kind: 'constraint', contype: 'p', match: 'notification_preferences_pkey', reason: PREFERENCES_REASON },
  { kind: 'constraint', contype: 'u', match: 'uq_notif_pref', reason: PREFERENCES_REASON },
  { kind: 'index', match: /^(idx_notif_pref_user|notification_preferences_phone_unique)$/, reason: PREFERENCES_REASON },
  { kind: 'trigger', match: 'set_updated_at_notification_preferences', reason: PREFERENCES_REASON },
  { kind: 'column', match: /^notifications\.(idempotency_key|segments|next_attempt_at|attempts|lease_expires_at|claim_token|claimed_by)$/, reason: NOTIFICATIONS_REASON },
  {
    kind: 'index',
    match: /^(notifications_(idempotency_key_unique|channel_external_id_unique|due_idx|lease_idx)|messages_external_id_unique|call_logs_external_call_unique|conversations_open_(sms_contact|web_chat_session)_unique)$/,
    reason: NOTIFICATIONS_REASON,
  },
  { kind: 'function', match: /^(notifications|conversations)_lifecycle_guard$/, reason: NOTIFICATIONS_REASON },
  { kind: 'trigger', match: /^(notifications|conversations)_lifecycle_guard$/, reason: NOTIFICATIONS_REASON },
];

function deviationFor(kind: ObjectKind, name: string, contype?: string): Deviation | undefined {
  return DOCUMENTED_DEVIATIONS.find(
    (d) =>
      d.kind === kind &&
      (d.contype === undefined || d.contype === contype) &&
      (typeof d.match === 'string' ? d.match === name : d.match.test(name)),
  );
}

// ─── The live catalog ───────────────────────────────────────────────────────────────────────────

interface Catalog {
  tables: string[];
  columns: { table_name: string; column_name: string; is_generated: string; generation_expression: string | null }[];
  indexes: { table_name: string; index_name: string; is_unique: boolean; is_partial: boolean; backs_constraint: boolean; definition: string }[];
  constraints: { name: string; type: string; table_name: string; ref_table: string | null; columns: string[]; ref_columns: string[]; on_delete: string }[];
  functions: string[];
  /** Functions in public that belong to an extension (left out of `functions`). */
  extensionFunctionCount: number;
  triggers: {
    name: string;
    table_name: string;
    function_name: string;
    for_row: boolean;
    before: boolean;
    on_insert: boolean;
    on_update: boolean;
    on_delete: boolean;
  }[];
}

async function readCatalog(db: TestDb['db']): Promise<Catalog> {
  const tables = await queryRows<{ table_name: string }>(db, sql`
    select table_name::text from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'`);
  const columns = await queryRows<Catalog['columns'][number]>(db, sql`
    select c.table_name::text, c.column_name::text, c.is_generated::text, c.generation_expression::text
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE'`);
  const indexes = await queryRows<Catalog['indexes'][number]>(db, sql`
    select t.relname::text as table_name, i.relname::text as index_name, x.indisunique as is_unique,
           x.indpred is not null as is_partial,
           exists (select 1 from pg_constraint k where k.conindid = x.indexrelid) as backs_constraint,
           pg_get_indexdef(x.indexrelid) as definition
    from pg_index x
    join pg_class i on i.oid = x.indexrelid
    join pg_class t on t.oid = x.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = 'public'`);
  // contype 'n' (NOT NULL recorded as a constraint, PostgreSQL 18 / PGlite only) is column
  // nullability, not a named object of the spec; it is left out so both engines read alike.
  const constraints = await queryRows<Catalog['constraints'][number]>(db, sql`
    select c.conname::text as name, c.contype::text as type, t.relname::text as table_name,
           r.relname::text as ref_table,
           array(select a.attname::text from unnest(c.conkey) with ordinality k(num, ord)
                 join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.num order by k.ord) as columns,
           array(select a.attname::text from unnest(c.confkey) with ordinality k(num, ord)
                 join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.num order by k.ord) as ref_columns,
           c.confdeltype::text as on_delete
    from pg_constraint c
    join pg_class t on t.oid = c.conrelid
    join pg_namespace n on n.oid = t.relnamespace
    left join pg_class r on r.oid = c.confrelid
    where n.nspname = 'public' and c.contype <> 'n'`);
  const functions = await queryRows<{ name: string }>(db, sql`
    select p.proname::text as name
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public'
      and not exists (select 1 from pg_depend d
                      where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')`);
  const [{ count: extensionFunctionCount }] = await queryRows<{ count: number }>(db, sql`
    select count(*)::int as count
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
    where n.nspname = 'public'`);
  const triggers = await queryRows<Catalog['triggers'][number]>(db, sql`
    select g.tgname::text as name, t.relname::text as table_name, p.proname::text as function_name,
           (g.tgtype & 1) <> 0 as for_row, (g.tgtype & 2) <> 0 as before,
           (g.tgtype & 4) <> 0 as on_insert, (g.tgtype & 8) <> 0 as on_delete, (g.tgtype & 16) <> 0 as on_update
    from pg_trigger g
    join pg_class t on t.oid = g.tgrelid
    join pg_namespace n on n.oid = t.relnamespace
    join pg_proc p on p.oid = g.tgfoid
    where n.nspname = 'public' and not g.tgisinternal`);
  return {
    tables: tables.map((r) => r.table_name),
    columns,
    indexes,
    constraints,
    functions: functions.map((r) => r.name),
    extensionFunctionCount,
    triggers,
  };
}

/** pg_constraint.confdeltype of each ON DELETE action. */
const CONFDELTYPE: Record<SpecForeignKey['onDelete'], string> = {
  'no action': 'a',
  restrict: 'r',
  cascade: 'c',
  'set null': 'n',
  'set default': 'd',
};

// ─── Tests ──────────────────────────────────────────────────────────────────────────────────────

const spec = readSpec01();
let t: TestDb;
let db: Catalog;

beforeAll(async () => {
  t = await openTestDb({ poolSize: 2 });
  db = await readCatalog(t.db);
});
afterAll(() => t.dispose());

describe('the spec data (tests/spec/spec-01.json)', () => {
  // Data that lost facts must not make the catalog checks pass vacuously. The exact counts were taken
  // from SPEC-01 v1.0 by grep; a new spec version is a reason to look at this file again.
  it('is SPEC-01 v1.0 of 20 February 2026', () => {
    expect(spec.source).toMatchObject({ document: 'SPEC-01_Database_Schema_ERD.md', version: '1.0', date: '20 February 2026' });
  });

  it('has 29 tables with 431 columns, each table with a primary key id and created_at', () => {
    expect(spec.tables).toHaveLength(29);
    expect(new Set(spec.tables.map((x) => x.name)).size).toBe(29);
    for (const table of spec.tables) {
      expect(table.primaryKey, table.name).toEqual(['id']);
      expect(table.columns, table.name).toContain('created_at');
    }
    expect(spec.tables.reduce((n, x) => n + x.columns.length, 0)).toBe(431);
    expect(spec.tables.reduce((n, x) => n + x.uniqueColumns.length, 0)).toBe(11);
  });

  it('has the 72 indexes of section 5 and the 4 of section 7', () => {
    expect(spec.indexes).toHaveLength(72 + 4);
    expect(spec.indexes.filter((i) => /^5\.\d+$/.test(i.section))).toHaveLength(72);
    expect(spec.indexes.filter((i) => i.section === '7').map((i) => i.name).sort()).toEqual([
      'idx_bookings_no_overlap', 'idx_calls_requires_callback', 'idx_lessons_student_number', 'idx_rag_chunks_embedding',
    ]);
    expect(spec.indexes.filter((i) => i.partial).map((i) => i.name).sort()).toEqual([
      'idx_bookings_no_overlap', 'idx_calls_requires_callback', 'idx_lessons_student_number',
    ]);
    expect(new Set(spec.indexes.map((i) => i.name)).size).toBe(spec.indexes.length);
  });

  it('has the 44 .references() of section 5 and the 6 fk_ constraints of section 7', () => {
    expect(spec.foreignKeys).toHaveLength(44 + 6);
    expect(spec.foreignKeys.filter((f) => f.name.endsWith('_fk'))).toHaveLength(44);
    expect(spec.foreignKeys.filter((f) => f.name.endsWith('_fk') && /^5\.\d+$/.test(f.section))).toHaveLength(44);
    expect(spec.foreignKeys.filter((f) => f.name.startsWith('fk_') && f.section === '7').map((f) => f.name).sort()).toEqual([
      'fk_bookings_lesson', 'fk_lessons_booking', 'fk_lessons_correction_of', 'fk_payments_booking', 'fk_sc_lesson', 'fk_sc_signature',
    ]);
    expect(spec.foreignKeys.filter((f) => f.onDelete === 'cascade').map((f) => f.name)).toEqual(['rag_chunks_document_id_rag_documents_id_fk']);
  });

  it('has the 2 generated columns, 5 functions, 21 updated_at triggers and 3 hash-chain triggers', () => {
    expect(spec.generatedColumns.map(({ table, column }) => ({ table, column }))).toEqual([
      { table: 'lessons', column: 'total_km' },
      { table: 'student_packages', column: 'credits_remaining' },
    ]);
    expect([...spec.functions].sort()).toEqual([
      'compute_audit_hash', 'compute_competency_hash', 'compute_signature_hash', 'next_lesson_number', 'update_updated_at',
    ]);
    expect(spec.triggers.filter((x) => x.function === 'update_updated_at' && x.event === 'UPDATE').length).toBeGreaterThanOrEqual(21);
    expect(spec.triggers.filter((x) => x.function.startsWith('compute_') && x.function.endsWith('_hash') && x.event === 'INSERT')).toHaveLength(3);
    expect(spec.triggers).toHaveLength(24);
  });

  it('reads a plausible catalog too', () => {
    expect(db.columns.length).toBeGreaterThanOrEqual(400);
    expect(db.constraints.length).toBeGreaterThanOrEqual(100);
    expect(db.triggers.length).toBeGreaterThanOrEqual(24);
    // pgvector, pgcrypto and btree_gist live in public; their functions are there, and left out.
    expect(db.extensionFunctionCount).toBeGreaterThan(100);
    expect(db.functions).not.toContain('gen_random_bytes');
    expect(db.functions).not.toContain('vector_dims');
  });
});

describe('every spec object exists in the database', () => {
  it('has the 29 spec tables in schema public', () => {
    expect(spec.tables.map((x) => x.name).filter((name) => !db.tables.includes(name))).toEqual([]);
  });

  it('has every spec column in its table', () => {
    const have = new Set(db.columns.map((c) => `${c.table_name}.${c.column_name}`));
    const missing = spec.tables.flatMap((x) => x.columns.map((c) => `${x.name}.${c}`)).filter((c) => !have.has(c));
    expect(missing).toEqual([]);
  });

  it('has total_km and credits_remaining as generated columns (section 7), with the spec\'s expressions', () => {
    for (const { table, column, expression } of spec.generatedColumns) {
      const col = db.columns.find((c) => c.table_name === table && c.column_name === column);
      expect(col, `${table}.${column}`).toBeDefined();
      expect(col!.is_generated).toBe('ALWAYS');
      expect(col!.generation_expression, `${table}.${column}`).toBe(`(${expression})`);
    }
  });

  it('has every spec index on its table, unique and partial where the spec says so', () => {
    const problems: string[] = [];
    for (const want of spec.indexes) {
      const got = db.indexes.find((i) => i.index_name === want.name);
      if (!got) problems.push(`${want.name}: missing`);
      else {
        if (got.table_name !== want.table) problems.push(`${want.name}: on ${got.table_name}, spec says ${want.table}`);
        if (got.is_unique !== want.unique) problems.push(`${want.name}: unique=${got.is_unique}, spec says ${want.unique}`);
        if (got.is_partial !== want.partial) problems.push(`${want.name}: partial=${got.is_partial}, spec says ${want.partial}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has every spec foreign key by name, on its column, to its table', () => {
    const problems: string[] = [];
    for (const want of spec.foreignKeys) {
      const got = db.constraints.find((c) => c.name === want.name && c.type === 'f');
      if (!got) {
        problems.push(`${want.name}: missing`);
        continue;
      }
      const actual = `${got.table_name}(${got.columns.join(',')}) -> ${got.ref_table}(${got.ref_columns.join(',')})`;
      const expected = `${want.table}(${want.column}) -> ${want.refTable}(${want.refColumn})`;
      if (actual !== expected) problems.push(`${want.name}: ${actual}, spec says ${expected}`);
      if (got.on_delete !== CONFDELTYPE[want.onDelete]) problems.push(`${want.name}: on delete ${got.on_delete}, spec says ${want.onDelete}`);
    }
    expect(problems).toEqual([]);
  });

  it('has the primary keys and unique constraints the spec declares with .primaryKey() and .unique()', () => {
    const have = new Set(db.constraints.map((c) => `${c.type} ${c.name} ${c.table_name}(${c.columns.join(',')})`));
    const want = spec.tables.flatMap((x) => [
      ...x.primaryKey.map((c) => `p ${x.name}_pkey ${x.name}(${c})`),
      ...x.uniqueColumns.map((c) => `u ${x.name}_${c}_unique ${x.name}(${c})`),
    ]);
    expect(want.length).toBeGreaterThanOrEqual(29 + 8);
    expect(want.filter((w) => !have.has(w))).toEqual([]);
  });

  it('has every spec function', () => {
    expect(spec.functions.filter((f) => !db.functions.includes(f))).toEqual([]);
  });

  it('has every spec trigger on its table, with its timing, event and function', () => {
    const problems: string[] = [];
    for (const want of spec.triggers) {
      const got = db.triggers.find((x) => x.name === want.name);
      if (!got) {
        problems.push(`${want.name}: missing`);
        continue;
      }
      const event = want.event === 'INSERT' ? got.on_insert : want.event === 'UPDATE' ? got.on_update : got.on_delete;
      if (got.table_name !== want.table) problems.push(`${want.name}: on ${got.table_name}, spec says ${want.table}`);
      if (got.function_name !== want.function) problems.push(`${want.name}: runs ${got.function_name}, spec says ${want.function}`);
      if (!got.for_row || got.before !== (want.timing === 'BEFORE') || !event) {
        problems.push(`${want.name}: not ${want.timing} ${want.event} FOR EACH ROW`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps updated_at on exactly the tables that have an updated_at trigger (section 7: "all tables with updated_at column")', () => {
    const withColumn = db.columns.filter((c) => c.column_name === 'updated_at').map((c) => c.table_name).sort();
    const withTrigger = db.triggers.filter((x) => x.function_name === 'update_updated_at').map((x) => x.table_name).sort();
    expect(withColumn).toHaveLength(21 + 2); // + notification_preferences (SPEC-07, issue 18), parent_invitations (issue 17)
    expect(withTrigger).toEqual(withColumn);
  });
});

describe('every database object outside the spec is a documented deviation', () => {
  const specColumns = () => new Set([
    ...spec.tables.flatMap((x) => x.columns.map((c) => `${x.name}.${c}`)),
    ...spec.generatedColumns.map((c) => `${c.table}.${c.column}`),
  ]);
  const specConstraints = () => new Set([
    ...spec.foreignKeys.map((f) => f.name),
    ...spec.tables.flatMap((x) => [...x.primaryKey.map(() => `${x.name}_pkey`), ...x.uniqueColumns.map((c) => `${x.name}_${c}_unique`)]),
  ]);

  it('tables', () => {
    const known = new Set(spec.tables.map((x) => x.name));
    expect(db.tables.filter((name) => !known.has(name) && !deviationFor('table', name))).toEqual([]);
  });

  it('columns', () => {
    const known = specColumns();
    const undocumented = db.columns
      .filter((c) => !deviationFor('table', c.table_name))
      .map((c) => `${c.table_name}.${c.column_name}`)
      .filter((name) => !known.has(name) && !deviationFor('column', name));
    expect(undocumented).toEqual([]);
  });

  it('constraints (primary keys, unique, foreign keys, checks, exclusions)', () => {
    const known = specConstraints();
    const undocumented = db.constraints
      .filter((c) => !known.has(c.name) && !deviationFor('constraint', c.name, c.type))
      .map((c) => `${c.name} (${c.type} on ${c.table_name})`);
    expect(undocumented).toEqual([]);
  });

  it('indexes (those behind a constraint are covered by the constraint check)', () => {
    const known = new Set(spec.indexes.map((i) => i.name));
    const undocumented = db.indexes
      .filter((i) => !i.backs_constraint && !known.has(i.index_name) && !deviationFor('index', i.index_name))
      .map((i) => i.definition);
    expect(undocumented).toEqual([]);
  });

  it('functions (extension members excluded)', () => {
    const undocumented = db.functions.filter((f) => !spec.functions.includes(f) && !deviationFor('function', f));
    expect(undocumented).toEqual([]);
  });

  it('triggers', () => {
    const known = new Set(spec.triggers.map((x) => x.name));
    const undocumented = db.triggers
      .filter((x) => !known.has(x.name) && !deviationFor('trigger', x.name))
      .map((x) => `${x.name} on ${x.table_name}`);
    expect(undocumented).toEqual([]);
  });

  it('has no stale allow-list entry: each one matches an object in the database', () => {
    const names: Record<ObjectKind, { name: string; contype?: string }[]> = {
      table: db.tables.map((name) => ({ name })),
      column: db.columns.map((c) => ({ name: `${c.table_name}.${c.column_name}` })),
      constraint: db.constraints.map((c) => ({ name: c.name, contype: c.type })),
      index: db.indexes.map((i) => ({ name: i.index_name })),
      function: db.functions.map((name) => ({ name })),
      trigger: db.triggers.map((x) => ({ name: x.name })),
    };
    const stale = DOCUMENTED_DEVIATIONS.filter(
      (d) => !names[d.kind].some((o) => deviationFor(d.kind, o.name, o.contype) === d),
    ).map((d) => `${d.kind} ${String(d.match)}`);
    expect(stale).toEqual([]);
  });
});
