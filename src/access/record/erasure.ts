// erasePerson (APP 11.2): de-identifies what the school no longer needs about a person (contact
// details, addresses, messages, call transcripts, notes and other free text) and keeps the compliance
// records under their ids (lessons, competencies, signatures, the certificate, payments with their
// invoice numbers and refunds). Admins only, asked for explicitly, audited with counts (never values).
//
// The rows are the export's (person-parts.ts), selected and erased in one statement: the database
// function nd_erase_personal_data (migration 0030) holds the fixed list of personal columns and is the
// only path past the guards that keep messages, call logs, submitted self-assessments and audit
// entries as written. Audit entries keep a salted digest of what was cleared, so every chain still
// verifies. A second call changes nothing (every count 0) and writes no audit entry.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows } from '../../db/sql.js';
import { defineOperation } from '../core/operation.js';
import { id } from '../core/validation.js';
import { PersonIsStaffError, PersonStillActiveError } from './errors.js';
import { resolvePerson } from './export.js';
import { PERSON_PARTS, type Person } from './person-parts.js';
import { PERSONAL_COLUMNS } from './personal-columns.js';

const confirm = z.literal(true, 'erasing a person is asked for explicitly: confirm: true');

export const erasePersonInput = z.union([
  z.strictObject({ studentId: id(), confirm }),
  z.strictObject({ contactId: id(), confirm }),
]);

export interface PersonErasure {
  person: Person;
  /** Rows changed per table (0 for a table with nothing left to clear). */
  erased: Record<string, number>;
  /** The person's audit entries written before migration 0030 that still hold an IP address, device
   *  or GPS: their v1 hash covers those values, so they are kept (docs/privacy.md). */
  auditEntriesKept: number;
  /** False when nothing was left to erase (a repeated call). */
  changed: boolean;
}

/** The parts with columns to erase (PERSONAL_COLUMNS); the others are kept whole (compliance records). */
const ERASED_PARTS = PERSON_PARTS.filter((part) => PERSONAL_COLUMNS[part.table].erased.length > 0);

export const erasePerson = defineOperation({
  name: 'erasePerson',
  kind: 'write',
  input: erasePersonInput,
  async run(ctx, input): Promise<PersonErasure> {
    ctx.school(); // admins only: the cell alone decides
    const person = await resolvePerson(ctx, input);
    const rowIds = ERASED_PARTS.map(
      (part) => sql`${part.table}::text, (select coalesce(jsonb_agg(t.id), '[]'::jsonb) from ${sql.identifier(part.table)} t where ${part.where(person)})`,
    );
    // One statement: the lessons still to come, and only if there are none the erasure (CASE evaluates
    // the function only in the branch taken).
    const a = ctx.actor;
    const meta = [
      sql`'user_id', ${person.userId}::text`, sql`'actor_id', ${a.userId}::text`, sql`'actor_role', ${a.kind}::text`,
      sql`'system_actor', ${a.kind === 'system' ? a.name : null}::text`,
      sql`'subject_type', ${person.studentId ? 'student' : 'contact'}::text`, sql`'subject_id', ${person.studentId ?? person.contactId}::text`,
    ];
    const [{ upcoming, staff, counts }] = await queryRows<{ upcoming: string[] | null; staff: boolean; counts: Record<string, number> | null }>(
      ctx.tx,
      sql`with upcoming as (
            select array_agg(b.id order by b.start_time) as ids from bookings b
             where (b.student_id = ${person.studentId}::uuid or b.contact_id = ${person.contactId}::uuid)
               and b.status in ('pending', 'confirmed', 'in_progress') and b.end_time > nd_now()),
          staff as (
            select exists (select 1 from profiles p where p.user_id = ${person.userId}::text and p.role in ('admin', 'instructor'))
                or exists (select 1 from instructors i where i.user_id = ${person.userId}::text) as is_staff)
          select (select ids from upcoming) as upcoming, (select is_staff from staff) as staff,
                 case when (select ids from upcoming) is null and not (select is_staff from staff)
                      then nd_erase_personal_data(jsonb_build_object(${sql.join([...rowIds, ...meta], sql`, `)})) end as counts`,
    );
    if (staff) throw new PersonIsStaffError(`the person's account (${person.userId}) is an instructor's or an admin's: erasePerson erases learners and contacts`);
    if (upcoming !== null || counts === null) {
      const ids = upcoming ?? [];
      throw new PersonStillActiveError(`the person has ${ids.length} lesson(s) still to come: cancel them before erasing`, ids);
    }
    const { audit_log_v1_kept: auditEntriesKept, ...erased } = counts;
    // The function wrote the PRIVACY_PERSON_ERASED entry itself (when anything changed), with every id.
    const changed = Object.values(erased).some((n) => n > 0);
    return { person, erased, auditEntriesKept, changed };
  },
});
