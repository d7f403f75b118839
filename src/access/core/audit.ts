// The audit entry every operation writes, with its actor taken from the resolved actor, never from the
// caller: actor_id is the Clerk user id (NULL only for system actors, whose name is kept in
// details.systemActor), actor_role the actor's kind. Never put note contents, card data or signature
// images in details, nor a person's own words: a reason or a summary goes in personalDetails, which the
// chain hashes through a salted digest so an erasure can clear it (migration 0030, docs/privacy.md).
import { type ColumnsSelection, type SQL, sql } from 'drizzle-orm';
import type { WithSubquery } from 'drizzle-orm/subquery';
import type { TypedQueryBuilder } from 'drizzle-orm/query-builders/query-builder';
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

/** The row an operation's audit entry inserts: the actor from the resolved actor, never from the event. */
function entryValues(ctx: OperationContext, event: AuditEvent): NewAuditLogEntry {
  const a = ctx.actor;
  const details = { ...((event.details as Record<string, unknown> | undefined) ?? {}), ...(a.kind === 'system' ? { systemActor: a.name } : {}) };
  return { ...event, details, actorId: a.userId, actorRole: a.kind };
}

export async function recordAudit(ctx: OperationContext, event: AuditEvent): Promise<AuditLogEntry> {
  const [row] = await ctx.tx.insert(auditLog).values(entryValues(ctx, event)).returning();
  return row;
}

/**
 * A change and its audit entry in one statement: one round trip instead of two (production is Neon,
 * issue 20). `change` is an insert, update or delete with `.returning(...)`; the entry is a second
 * data-modifying CTE of the same statement, written only if the change returned a row (a change that
 * matched nothing writes no entry), and goes through the chain's trigger like any other (its queries
 * take their own snapshot after the chain's lock, as for a lone INSERT). Returns the change's rows.
 * `event` may be several entries (several competency changes of one lesson): they are appended in
 * their order (the arms of a UNION ALL, read in turn).
 * `before`: earlier data-modifying CTEs the change reads (PostgreSQL allows them only at the top level
 * of a statement), e.g. a package's credit and its payment before the booking they pay: all of them
 * see the snapshot the statement started with, so the change must not depend on a row one of them
 * writes except through its RETURNING rows.
 * `fromChange`: details the change decides, as detail key -> a column of the change's RETURNING row
 * (e.g. the invoice number the database gives as a payment completes); they override `event.details`.
 */
export async function changeWithAudit<TSelection extends ColumnsSelection, TRows extends unknown[]>(
  ctx: OperationContext,
  change: TypedQueryBuilder<TSelection, TRows>,
  event: AuditEvent | readonly AuditEvent[],
  before: WithSubquery[] = [],
  fromChange: Readonly<Record<string, string>> = {},
): Promise<TRows> {
  const changed = ctx.tx.$with('changed').as(change);
  const decided = Object.fromEntries(Object.entries(fromChange).map(([key, column]) => [key, sql`touched.${sql.identifier(column)}`]));
  const events = Array.isArray(event) ? (event as readonly AuditEvent[]) : [event as AuditEvent];
  const entry = ctx.tx
    .$with('audit_entry', { id: sql<string>`id` })
    .as(auditInsert(ctx, events, { from: sql`(select * from changed limit 1) as touched`, details: decided }));
  // (select * from changed: the rows as the change's own .returning() would map them)
  return (await ctx.tx.with(...before, changed, entry).select().from(changed as never)) as unknown as TRows;
}

/**
 * The INSERT of audit entries (with RETURNING id), for a data-modifying CTE of a larger statement:
 * each event once per row of `from` (a FROM item that names its rows `touched`: one row, to write an
 * entry only if a change touched something; every changed row, for an entry per row). `details` and
 * `subjectId` are SQL over `touched`, for what only the statement knows (a number the database gives,
 * each row's own id); they override the event's. The actor is the resolved actor, as in recordAudit.
 * The one place that spells the audit INSERT in SQL, besides recordAudit's drizzle insert.
 */
export function auditInsert(ctx: OperationContext, events: readonly AuditEvent[], at: { from: SQL; details?: Readonly<Record<string, SQL>>; subjectId?: SQL }): SQL {
  const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));
  const decided = Object.entries(at.details ?? {}).map(([key, value]) => sql`${key}::text, ${value}`);
  const row = (e: AuditEvent) => {
    const v = entryValues(ctx, e);
    const details = decided.length === 0 ? sql`${json(v.details)}::jsonb` : sql`${json(v.details)}::jsonb || jsonb_build_object(${sql.join(decided, sql`, `)})`;
    return sql`select ${v.eventType}, ${v.severity ?? 'info'}, ${v.actorId ?? null}, ${v.actorRole ?? null}, ${v.subjectType ?? null}, ${at.subjectId ?? sql`${v.subjectId ?? null}::uuid`},
           ${details}, ${json(v.personalDetails)}::jsonb, ${v.ipAddress ?? null}::inet, ${v.userAgent ?? null},
           ${v.gpsLatitude ?? null}::numeric, ${v.gpsLongitude ?? null}::numeric
      from ${at.from}`;
  };
  return sql`insert into audit_log (event_type, severity, actor_id, actor_role, subject_type, subject_id, details, personal_details, ip_address, user_agent, gps_latitude, gps_longitude)
    ${sql.join(events.map(row), sql` union all `)}
    returning id`;
}
