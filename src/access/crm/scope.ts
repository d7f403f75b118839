// Which contacts an actor may see: admins every contact, an instructor the contacts assigned to them
// (contacts.instructor_id); nobody else (students, parents, system actors) any. A deleted contact does
// not exist. What an actor may not see is NOT_FOUND, as for an id that is not there.
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { NotFoundError } from '../../db/errors.js';
import { contacts } from '../../db/schema/index.js';
import type { Contact } from '../../db/types.js';
import type { OperationContext } from '../core/context.js';

/** A condition on `contacts` keeping the live contacts this actor may see (false for anyone but staff). */
export function visibleContacts(ctx: OperationContext): SQL {
  const a = ctx.actor;
  const live = isNull(contacts.deletedAt);
  if (a.kind === 'admin') return live;
  if (a.kind === 'instructor') return and(live, eq(contacts.instructorId, a.instructorId))!;
  return sql`false`;
}

/** The contact, if the actor may see it (the matrix cell applied first), locked FOR UPDATE when `lock`. */
export async function contactInScope(ctx: OperationContext, contactId: string, { lock = false } = {}): Promise<Contact> {
  ctx.school();
  const query = ctx.tx.select().from(contacts).where(and(eq(contacts.id, contactId), visibleContacts(ctx)));
  const [contact] = await (lock ? query.for('update') : query);
  if (!contact) throw new NotFoundError(`contact ${contactId} not found`);
  return contact;
}
