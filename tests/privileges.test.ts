// The application's role, nexdrive_app (migration 0014): exactly the privileges the access layer
// needs, ownership of nothing, and so no way around the guards: as a member of it, disabling a
// trigger, changing or deleting an append-only row and deleting a payment all fail, and appending works.
// On a server the file logs in as a member of nexdrive_app; on PGlite (one session) it uses SET ROLE.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlstateOf } from '../src/db/errors.js';
import { auditLog } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { ALL_TABLE_NAMES } from '../src/db/tables.js';
import { openTestDb, type TestDb } from './support/db.js';
import { createSchoolBasics, failureOf, validRows } from './support/fixtures.js';

type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';
const READ_WRITE: Privilege[] = ['SELECT', 'INSERT', 'UPDATE'];

/** What the application may do to each table. Every table of the schema must be listed. */
const EXPECTED: Record<string, Privilege[]> = {
  audit_log: ['SELECT', 'INSERT'],
  signatures: ['SELECT', 'INSERT'],
  student_competencies: ['SELECT', 'INSERT'],
  messages: READ_WRITE,
  call_logs: READ_WRITE,
  payments: READ_WRITE,
  competency_tasks: ['SELECT'],
  lessons: [...READ_WRITE, 'DELETE'],
  availability_rules: READ_WRITE, // a rule is ended or withdrawn, never deleted (migration 0026)
  availability_overrides: [...READ_WRITE, 'DELETE'],
  rag_chunks: [...READ_WRITE, 'DELETE'],
  ...Object.fromEntries(
    [
      'profiles', 'instructors', 'students', 'parents', 'parent_student_links', 'contacts', 'services', 'bookings',
      'lesson_bridge_forms', 'packages', 'student_packages', 'vouchers', 'conversations', 'private_notes',
      'self_assessments', 'notifications', 'notification_preferences', 'rag_documents', 'waitlist', 'parent_invitations',
    ].map((table) => [table, READ_WRITE]),
  ),
};
const ALL_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;

let owner: TestDb;
let app: TestDb;
let ids: { paymentId: string };

beforeAll(async () => {
  owner = await openTestDb({ poolSize: 2 });
  const { student } = await createSchoolBasics(owner.db);
  const [payment] = await queryRows<{ id: string }>(
    owner.db,
    sql`insert into payments (student_id, amount_cents, payment_method, status) values (${student.id}, 10500, 'card', 'completed') returning id`,
  );
  await owner.db.insert(auditLog).values({ eventType: 'OWNER_EVENT' });
  ids = { paymentId: payment.id };
  // On a server the app's connection opens a database of its own (a clone of the template), not the
  // owner's: its tests create the rows they need.
  app = await openTestDb({ role: 'app', poolSize: 2 });
});
afterAll(async () => {
  await app?.dispose();
  await owner?.dispose();
});

describe('nexdrive_app, as the migrations leave it', () => {
  it('lists every table of the schema in the expected privileges', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...ALL_TABLE_NAMES]);
  });

  it('has exactly the expected privileges on every table, and no TRUNCATE, REFERENCES or TRIGGER anywhere', async () => {
    const rows = await queryRows<{ table_name: string; privilege: string; granted: boolean }>(owner.db, sql`
      select t.table_name::text, p.privilege, has_table_privilege('nexdrive_app', format('public.%I', t.table_name), p.privilege) as granted
        from information_schema.tables t
        cross join unnest(${`{${ALL_PRIVILEGES.join(',')}}`}::text[]) p(privilege)
       where t.table_schema = 'public' and t.table_type = 'BASE TABLE'`);
    const actual: Record<string, string[]> = {};
    for (const r of rows) if (r.granted) (actual[r.table_name] ??= []).push(r.privilege);
    const sorted = (m: Record<string, readonly string[]>) =>
      Object.fromEntries(Object.entries(m).sort().map(([k, v]) => [k, [...v].sort()]));
    expect(sorted(actual)).toEqual(sorted(EXPECTED));
  });

  it('owns nothing, cannot log in, is no superuser and belongs to no other role', async () => {
    const [role] = await queryRows<{ rolcanlogin: boolean; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; member_of: number }>(
      owner.db,
      sql`select rolcanlogin, rolsuper, rolcreaterole, rolcreatedb,
                 (select count(*)::int from pg_auth_members m where m.member = r.oid) as member_of
            from pg_roles r where rolname = 'nexdrive_app'`,
    );
    expect(role).toEqual({ rolcanlogin: false, rolsuper: false, rolcreaterole: false, rolcreatedb: false, member_of: 0 });
    const [owned] = await queryRows<{ n: number }>(owner.db, sql`
      select ((select count(*) from pg_class where relowner = 'nexdrive_app'::regrole)
            + (select count(*) from pg_proc where proowner = 'nexdrive_app'::regrole)
            + (select count(*) from pg_namespace where nspowner = 'nexdrive_app'::regrole))::int as n`);
    expect(owned.n).toBe(0);
  });

  it('cannot read the migrations journal', async () => {
    const [row] = await queryRows<{ can: boolean }>(owner.db, sql`select has_schema_privilege('nexdrive_app', 'drizzle', 'USAGE') as can`);
    expect(row.can).toBe(false);
  });
});

describe('as a member of nexdrive_app', () => {
  const refused = (statement: string) => async () => {
    const err = await failureOf(() => app.db.execute(sql.raw(statement)));
    expect(sqlstateOf(err), statement).toBe('42501'); // insufficient_privilege (must be owner / permission denied)
  };

  it('runs as a role in nexdrive_app, not as the owner', async () => {
    const [row] = await queryRows<{ member: boolean; superuser: string }>(
      app.db,
      sql`select pg_has_role(current_user, 'nexdrive_app', 'USAGE') as member, current_setting('is_superuser') as superuser`,
    );
    expect(row).toEqual({ member: true, superuser: 'off' });
  });

  it('cannot disable a trigger', refused('alter table audit_log disable trigger audit_log_append_only'));
  it('cannot disable every trigger of signatures', refused('alter table signatures disable trigger all'));
  it('cannot switch triggers off for the session', refused('set session_replication_role = replica'));
  it('cannot update an audit entry', refused("update audit_log set details = '{}'"));
  it('cannot delete an audit entry', refused('delete from audit_log'));
  it('cannot delete a signature', refused('delete from signatures'));
  it('cannot update a competency record', refused("update student_competencies set status = 'competent'"));
  it('cannot truncate anything', refused('truncate lessons cascade'));
  it('cannot delete a payment', refused('delete from payments'));
  it('cannot drop or alter a table', refused('alter table payments drop constraint payments_amount_cents_check'));
  it('cannot create a table of its own in public', refused('create table public.sneaky (id int)'));
  it('cannot read the migrations journal', refused('select * from drizzle.__drizzle_migrations'));
  it('cannot create a temporary table (one could stand in for a table a guard reads)', refused('create temp table signatures (id int)'));

  it('appends to the audit log, and the chain trigger still links the row', async () => {
    const [row] = await app.db.insert(auditLog).values({ eventType: 'APP_EVENT', details: { ok: true } }).returning();
    expect(row.recordHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.chainPosition).toBeGreaterThanOrEqual(1);
    expect(await app.db.$count(auditLog, sql`id = ${row.id}`)).toBe(1);
  });

  it('records people and a pending payment, updates it, and is refused its deletion', async () => {
    const { student } = await createSchoolBasics(app.db);
    const values = { ...(await validRows.payments(app.db)), studentId: student.id };
    const [payment] = await queryRows<{ id: string }>(
      app.db,
      sql`insert into payments (student_id, amount_cents, payment_method) values (${values.studentId}, ${values.amountCents}, 'card') returning id`,
    );
    await app.db.execute(sql`update payments set status = 'completed' where id = ${payment.id}`);
    const err = await failureOf(() => app.db.execute(sql`delete from payments where id = ${payment.id}`));
    expect(sqlstateOf(err)).toBe('42501');
  });

  it('is still held by the guards where it may write: a completed amount is frozen (ND004)', async () => {
    const { student } = await createSchoolBasics(app.db);
    const [payment] = await queryRows<{ id: string }>(
      app.db,
      sql`insert into payments (student_id, amount_cents, payment_method, status) values (${student.id}, 10500, 'card', 'completed') returning id`,
    );
    const err = await failureOf(() => app.db.execute(sql`update payments set amount_cents = 1 where id = ${payment.id}`));
    expect(sqlstateOf(err)).toBe('ND004');
  });
});

describe('the owner, by contrast', () => {
  it('can get past the guards (which is why verify and digests exist): it may disable a trigger and change an amount', async () => {
    const changed = await owner.db.transaction(async (tx) => {
      await tx.execute(sql`alter table payments disable trigger payments_keep_record`);
      const rows = await queryRows<{ amount_cents: number }>(
        tx,
        sql`update payments set amount_cents = 1 where id = ${ids.paymentId} returning amount_cents`,
      );
      await tx.execute(sql`alter table payments enable trigger payments_keep_record`);
      return rows[0].amount_cents;
    });
    expect(changed).toBe(1);
  });
});
