// The audit entry every operation writes, with its actor taken from the resolved actor, never from the
// caller: actor_id is the Clerk user id (NULL only for system actors, whose name is kept in
// details.systemActor), actor_role the actor's kind. Never put note contents, card data or signature
// images in details, nor a person's own words: a reason or a summary goes in personalDetails, which the
// chain hashes through a salted digest so an erasure can clear it (migration 0030, docs/privacy.md).
import { auditLog } from '../../db/schema/index.js';
import type { AuditLogEntry, NewAuditLogEntry } from '../../db/types.js';
import type { OperationContext } from './context.js';

/**
 * Event types the access layer's own operations write (domain-rules.md "Integrity": lessons,
 * competencies, certificates, bookings, payments and refunds, package credits, private notes, roles
 * and privacy settings...). Nobody may append one through appendAuditEvent: an entry with one of
 * these prefixes was written by the operation that did the thing.
 */
export const OPERATION_EVENT_PREFIXES = [
  'LESSON_', 'COMPETENCY_', 'CERTIFICATE_', 'BOOKING_', 'PAYMENT_', 'REFUND_', 'INVOICE_', 'PACKAGE_', 'CREDIT_',
  'VOUCHER_', 'PRIVATE_NOTE_', 'PRIVACY_', 'INSTRUCTOR_', 'ROLE_', 'SIGNATURE_', 'DOCUMENT_', 'KNOWLEDGE_', 'WAITLIST_', 'CONTACT_',
  'BRIDGE_FORM_', 'SELF_ASSESSMENT_', 'AVAILABILITY_', 'SERVICE_', 'NOTIFICATION_', 'PROFILE_', 'PARENT_', 'STUDENT_',
] as const;

export function isOperationEventType(eventType: string): boolean {
  return OPERATION_EVENT_PREFIXES.some((prefix) => eventType.startsWith(prefix));
}

export type AuditEvent = Pick<NewAuditLogEntry, 'eventType' | 'severity' | 'subjectType' | 'subjectId' | 'details' | 'personalDetails' | 'ipAddress' | 'userAgent' | 'gpsLatitude' | 'gpsLongitude'>;

export async function recordAudit(ctx: OperationContext, event: AuditEvent): Promise<AuditLogEntry> {
  const a = ctx.actor;
  const details = { ...((event.details as Record<string, unknown> | undefined) ?? {}), ...(a.kind === 'system' ? { systemActor: a.name } : {}) };
  const [row] = await ctx.tx
    .insert(auditLog)
    .values({ ...event, details, actorId: a.userId, actorRole: a.kind })
    .returning();
  return row;
}
