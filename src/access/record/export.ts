// exportPersonData (APP 12): everything the school holds about a person, table by table, as JSON, with a
// manifest saying what each part is and which parts are private (private notes, CRM notes, the audit
// log: the school decides what to release). Admins only; audited (ids and counts, never the data).
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { NotFoundError } from '../../db/errors.js';
import { contacts, students } from '../../db/schema/index.js';
import { queryRows } from '../../db/sql.js';
import { recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { id } from '../core/validation.js';
import { PERSON_PARTS, type Person } from './person-parts.js';

export const personInput = z.union([z.strictObject({ studentId: id() }), z.strictObject({ contactId: id() })]);

export interface PersonExport {
  person: Person;
  manifest: { table: string; what: string; private: boolean; rows: number }[];
  parts: Record<string, Record<string, unknown>[]>;
  exportedAt: Date;
}

/** The person asked about: a student (with their account and contacts) or a contact (with the student
 *  who has the same Clerk id, if any). */
export async function resolvePerson(ctx: OperationContext, input: z.output<typeof personInput>): Promise<Person> {
  if ('studentId' in input) {
    const [s] = await ctx.tx.select({ id: students.id, userId: students.userId, profileId: students.profileId }).from(students).where(eq(students.id, input.studentId));
    if (!s) throw new NotFoundError(`student ${input.studentId} not found`);
    return { studentId: s.id, userId: s.userId, profileId: s.profileId, contactId: null };
  }
  const [c] = await ctx.tx.select({ id: contacts.id, userId: contacts.userId }).from(contacts).where(eq(contacts.id, input.contactId));
  if (!c) throw new NotFoundError(`contact ${input.contactId} not found`);
  const [s] = c.userId ? await ctx.tx.select({ id: students.id, profileId: students.profileId }).from(students).where(eq(students.userId, c.userId)) : [];
  return { studentId: s?.id ?? null, userId: c.userId, profileId: s?.profileId ?? null, contactId: c.id };
}

export const exportPersonData = defineOperation({
  name: 'exportPersonData',
  kind: 'read',
  input: personInput,
  async run(ctx, input): Promise<PersonExport> {
    ctx.school(); // admins only: the cell alone decides
    const person = await resolvePerson(ctx, input);
    // Every part in one statement: one snapshot (the parts agree with each other, though a read runs
    // outside a transaction) and one round trip instead of one per table (jsonb_build_object takes up to
    // 100 arguments: 50 parts).
    const partQueries = PERSON_PARTS.map(
      (part) => sql`${part.table}::text, (select coalesce(jsonb_agg(to_jsonb(t) order by t.id), '[]'::jsonb) from ${sql.identifier(part.table)} t where ${part.where(person)})`,
    );
    const [{ now, all }] = await queryRows<{ now: Date; all: Record<string, Record<string, unknown>[]> }>(
      ctx.tx,
      sql`select now() as now, jsonb_build_object(${sql.join(partQueries, sql`, `)}) as all`,
    );
    const parts: PersonExport['parts'] = {};
    const manifest: PersonExport['manifest'] = [];
    for (const part of PERSON_PARTS) {
      parts[part.table] = all[part.table];
      manifest.push({ table: part.table, what: part.what, private: part.private, rows: all[part.table].length });
    }
    await recordAudit(ctx, {
      eventType: 'PRIVACY_DATA_EXPORTED',
      subjectType: person.studentId ? 'student' : 'contact',
      subjectId: person.studentId ?? person.contactId,
      details: { rows: Object.fromEntries(manifest.map((m) => [m.table, m.rows])) },
    });
    return { person, manifest, parts, exportedAt: new Date(now) };
  },
});
