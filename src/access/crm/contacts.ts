// Contacts (SPEC-05): every person the school hears from is a contact first. createContact and
// findOrCreateContact (the booking widget, a call, an SMS, a chat, staff), updateContact,
// recordInteraction, setLifecycleStage, deleteContact (soft) and listContacts. One person is one
// contact: phones are stored in E.164 and emails compared case-insensitively, and the database's unique
// indexes on the live contacts' phone and email decide, so concurrent calls for one person cannot make
// two (findOrCreateContact inserts ON CONFLICT DO NOTHING, then reads the one that exists). The
// lifecycle moves and the first-touch fields are the database's rules too (migration 0024).
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, ilike, isNull, or, sql } from 'drizzle-orm';
import { ForbiddenError, ValidationError } from '../../db/errors.js';
import { contacts } from '../../db/schema/index.js';
import type { Contact } from '../../db/types.js';
import { changeWithAudit, recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import {
  contactInput, createContactInput, findOrCreateContactInput, listContactsInput, recordInteractionInput, setLifecycleStageInput, updateContactInput,
} from './inputs.js';
import { normalizePhone } from './rules.js';
import { contactInScope, visibleContacts } from './scope.js';
import { contactColumns, type ContactView } from './views.js';

const view = (c: Contact): ContactView => Object.fromEntries(Object.keys(contactColumns).map((k) => [k, c[k as keyof Contact]])) as ContactView;

/** The instructor a new contact is assigned to: an instructor's own contacts are theirs; an admin names any. */
function assignedInstructor(ctx: OperationContext, requested: string | undefined): string | null {
  const a = ctx.actor;
  if (a.kind === 'instructor') {
    if (requested !== undefined && requested !== a.instructorId) throw new ForbiddenError('an instructor creates contacts of their own');
    return a.instructorId;
  }
  return requested ?? null;
}

type ContactFields = { firstName?: string; lastName?: string; phone?: string; email?: string; source?: string; sourceDetail?: string; utmSource?: string; utmMedium?: string; utmCampaign?: string };
const newContactValues = (input: ContactFields) => ({
  firstName: input.firstName ?? null, lastName: input.lastName ?? null, phone: input.phone ?? null, email: input.email ?? null,
  source: input.source ?? null, sourceDetail: input.sourceDetail ?? null,
  utmSource: input.utmSource ?? null, utmMedium: input.utmMedium ?? null, utmCampaign: input.utmCampaign ?? null,
});

/** Creates a contact; a live contact with the same phone or email is DUPLICATE_CONTACT (use findOrCreateContact to match). */
export const createContact = defineOperation({
  name: 'createContact',
  kind: 'write',
  input: createContactInput,
  async run(ctx, input): Promise<ContactView> {
    ctx.school();
    const [row] = await ctx.tx
      .insert(contacts)
      .values({ ...newContactValues(input), instructorId: assignedInstructor(ctx, input.instructorId), lifecycleStage: input.lifecycleStage, notes: input.notes ?? null })
      .returning();
    await recordAudit(ctx, { eventType: 'CONTACT_CREATED', subjectType: 'contact', subjectId: row.id, details: { source: row.source, lifecycleStage: row.lifecycleStage } });
    return view(row);
  },
});

export interface FoundContact {
  contactId: string;
  /** True when this call made the contact. */
  created: boolean;
  /** Which identifier matched an existing contact (phone first: SPEC-05's primary identifier). */
  matchedBy: 'phone' | 'email' | null;
  firstName: string | null;
  /** The whole contact, for staff who may see it; null for an AI agent (and for staff it is not assigned to). */
  contact: ContactView | null;
}

/**
 * The live contact with this phone (else this email), or a new one. Race-free: the insert skips on any
 * unique conflict (waiting for a concurrent insert of the same person to commit), then the existing
 * contact is read. A phone matching one contact and an email another: the phone's contact, unchanged.
 * An AI agent (agent:*) finds or creates only by the phone it is talking to and learns the id and first
 * name, nothing else.
 */
export const findOrCreateContact = defineOperation({
  name: 'findOrCreateContact',
  kind: 'write',
  input: findOrCreateContactInput,
  async run(ctx, input): Promise<FoundContact> {
    ctx.school();
    const isAgent = ctx.column === 'agent';
    if (isAgent && input.phone === undefined) {
      throw new ValidationError('phone: an agent finds a contact by the phone it is talking to', ['phone: required for an agent'], ['phone']);
    }
    if (isAgent && input.instructorId !== undefined) throw new ForbiddenError('an agent does not assign contacts');
    const instructorId = isAgent ? null : assignedInstructor(ctx, input.instructorId);
    const { row, created, matchedBy } = await findOrCreateContactRow(ctx, { ...input, instructorId }, 'findOrCreateContact');
    const a = ctx.actor;
    const sees = a.kind === 'admin' || (a.kind === 'instructor' && row.instructorId === a.instructorId);
    return { contactId: row.id, created, matchedBy, firstName: row.firstName, contact: sees ? view(row) : null };
  },
});

/**
 * The core of findOrCreateContact, inside the caller's operation (its rights already checked): the live
 * contact with this phone (else this email), or a new one, audited as CONTACT_CREATED `via` the
 * operation. Also what an inbound SMS or call meets its sender with (issue 18).
 */
export async function findOrCreateContactRow(
  ctx: OperationContext,
  input: ContactFields & { instructorId?: string | null },
  via: string,
): Promise<{ row: Contact; created: boolean; matchedBy: FoundContact['matchedBy'] }> {
  // The new contact and its entry in one statement (issue 20); a conflict inserts nothing and writes no entry.
  const values = { ...newContactValues(input), id: randomUUID(), instructorId: input.instructorId ?? null };
  const [inserted] = await changeWithAudit(ctx, ctx.tx.insert(contacts).values(values).onConflictDoNothing().returning(), {
    eventType: 'CONTACT_CREATED', subjectType: 'contact', subjectId: values.id, details: { via },
  }, [], { source: 'source' });
  if (inserted) return { row: inserted, created: true, matchedBy: null };
  const byPhone = input.phone !== undefined ? eq(contacts.phone, input.phone) : sql`false`;
  const byEmail = input.email !== undefined ? sql`lower(${contacts.email}) = lower(${input.email})` : sql`false`;
  const [row] = await ctx.tx
    .select()
    .from(contacts)
    .where(and(isNull(contacts.deletedAt), or(byPhone, byEmail)))
    .orderBy(desc(sql`coalesce(${byPhone}, false)`))
    .limit(1);
  if (!row) throw new Error('findOrCreateContact: the insert met a conflict but no live contact matches'); // cannot happen: the indexes are on live contacts
  return { row, created: false, matchedBy: input.phone !== undefined && row.phone === input.phone ? 'phone' : 'email' };
}

/** Changes a contact's details. The first-touch fields can be filled in, never changed (CONTACT_FIRST_TOUCH_FROZEN). */
export const updateContact = defineOperation({
  name: 'updateContact',
  kind: 'write',
  input: updateContactInput,
  async run(ctx, { contactId, ...changes }): Promise<ContactView> {
    const contact = await contactInScope(ctx, contactId, { lock: true });
    if (changes.instructorId !== undefined && ctx.actor.kind !== 'admin') throw new ForbiddenError('only an admin reassigns a contact');
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    if (Object.keys(set).length === 0) return view(contact);
    const [row] = await ctx.tx.update(contacts).set(set).where(eq(contacts.id, contactId)).returning();
    await recordAudit(ctx, { eventType: 'CONTACT_UPDATED', subjectType: 'contact', subjectId: contactId, details: { fields: Object.keys(set) } });
    return view(row);
  },
});

/** Moves a contact along SPEC-05's lifecycle; a move the state machine does not allow is INVALID_TRANSITION (the database's rule). */
export const setLifecycleStage = defineOperation({
  name: 'setLifecycleStage',
  kind: 'write',
  input: setLifecycleStageInput,
  async run(ctx, { contactId, stage, reason }): Promise<ContactView> {
    const contact = await contactInScope(ctx, contactId, { lock: true });
    if (contact.lifecycleStage === stage) return view(contact);
    const [row] = await ctx.tx.update(contacts).set({ lifecycleStage: stage }).where(eq(contacts.id, contactId)).returning();
    await recordAudit(ctx, { eventType: 'CONTACT_LIFECYCLE_CHANGED', subjectType: 'contact', subjectId: contactId, details: { from: contact.lifecycleStage, to: stage }, ...(reason ? { personalDetails: { reason } } : {}) });
    return view(row);
  },
});

/** Counts one more interaction with the contact (last_contact_at is the database's clock). */
export const recordInteraction = defineOperation({
  name: 'recordInteraction',
  kind: 'write',
  input: recordInteractionInput,
  async run(ctx, { contactId, channel, summary }): Promise<ContactView> {
    await contactInScope(ctx, contactId, { lock: true });
    const [row] = await ctx.tx
      .update(contacts)
      .set({ totalInteractions: sql`${contacts.totalInteractions} + 1`, lastContactAt: sql`now()` })
      .where(eq(contacts.id, contactId))
      .returning();
    await recordAudit(ctx, { eventType: 'CONTACT_INTERACTION', subjectType: 'contact', subjectId: contactId, details: { channel }, ...(summary ? { personalDetails: { summary } } : {}) });
    return view(row);
  },
});

/** Soft-deletes a contact (deleted_at): it no longer exists for anyone, and its phone and email are free again. Never a hard delete. */
export const deleteContact = defineOperation({
  name: 'deleteContact',
  kind: 'write',
  input: contactInput,
  async run(ctx, { contactId }): Promise<{ contactId: string; deletedAt: Date }> {
    await contactInScope(ctx, contactId, { lock: true });
    const [row] = await ctx.tx.update(contacts).set({ deletedAt: sql`now()` }).where(eq(contacts.id, contactId)).returning({ deletedAt: contacts.deletedAt });
    await recordAudit(ctx, { eventType: 'CONTACT_DELETED', subjectType: 'contact', subjectId: contactId, details: {} });
    return { contactId, deletedAt: row.deletedAt! };
  },
});

/** The live contacts the actor may see, newest contact first, optionally searched by name, phone or email. */
export const listContacts = defineOperation({
  name: 'listContacts',
  kind: 'read',
  input: listContactsInput,
  async run(ctx, input): Promise<ContactView[]> {
    ctx.school();
    const filters = [visibleContacts(ctx)];
    if (input.lifecycleStage) filters.push(eq(contacts.lifecycleStage, input.lifecycleStage));
    if (input.search) {
      const like = `%${input.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const phone = normalizePhone(input.search);
      filters.push(
        or(
          ilike(contacts.firstName, like),
          ilike(contacts.lastName, like),
          ilike(sql`${contacts.firstName} || ' ' || ${contacts.lastName}`, like),
          ilike(contacts.email, like),
          phone ? eq(contacts.phone, phone) : ilike(contacts.phone, like),
        )!,
      );
    }
    return ctx.tx.select(contactColumns).from(contacts).where(and(...filters)).orderBy(desc(contacts.lastContactAt), asc(contacts.id)).limit(input.limit).offset(input.offset);
  },
});
