// The audit entry every operation writes, with its actor taken from the resolved actor, never from the
// caller: actor_id is the Clerk user id (NULL only for system actors, whose name is kept in
// details.systemActor), actor_role the actor's kind. Never put note contents, card data or signature
// images in details.
import { auditLog } from '../../db/schema/index.js';
import type { AuditLogEntry, NewAuditLogEntry } from '../../db/types.js';
import type { OperationContext } from './context.js';

export type AuditEvent = Pick<NewAuditLogEntry, 'eventType' | 'severity' | 'subjectType' | 'subjectId' | 'details' | 'ipAddress' | 'userAgent' | 'gpsLatitude' | 'gpsLongitude'>;

export async function recordAudit(ctx: OperationContext, event: AuditEvent): Promise<AuditLogEntry> {
  const a = ctx.actor;
  const details = { ...((event.details as Record<string, unknown> | undefined) ?? {}), ...(a.kind === 'system' ? { systemActor: a.name } : {}) };
  const [row] = await ctx.tx
    .insert(auditLog)
    .values({ ...event, details, actorId: a.userId, actorRole: a.kind })
    .returning();
  return row;
}
