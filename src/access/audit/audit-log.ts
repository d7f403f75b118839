// The audit log as an operation: staff and system actors append events the access layer does not
// write itself (the actor recorded is the resolved actor, never an input); only admins read it.
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { auditLog } from '../../db/schema/index.js';
import { AUDIT_SEVERITIES } from '../../db/schema/enums.js';
import type { AuditLogEntry } from '../../db/types.js';
import { isOperationEventType, recordAudit } from '../core/audit.js';
import { defineOperation } from '../core/operation.js';
import { boundedJson, id } from '../core/validation.js';

export const appendAuditEventInput = z.strictObject({
  eventType: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{2,63}$/, 'an event type is UPPER_SNAKE_CASE, e.g. USER_SIGNED_IN')
    .refine((t) => !isOperationEventType(t), 'this kind of event is written by the operation that does it (e.g. LESSON_SIGNED by signLessonAsInstructor), never appended'),
  severity: z.enum(AUDIT_SEVERITIES).optional(),
  subjectType: z.string().regex(/^[a-z][a-z_]{1,39}$/, 'a subject type is lower_snake_case, e.g. booking').optional(),
  subjectId: id().optional(),
  /** What happened. Never note contents, card data or signature images. `systemActor` is the
   *  access layer's own key (the name of a system actor) and cannot be given. */
  details: boundedJson()
    .refine((d) => d !== null && typeof d === 'object' && !Array.isArray(d), 'details is a JSON object')
    .refine((d) => !Object.hasOwn(d as object, 'systemActor'), 'systemActor is recorded by the access layer, not given')
    .optional(),
  ipAddress: z.union([z.ipv4(), z.ipv6()]).optional(),
  userAgent: z.string().max(1000).optional(),
});

export const appendAuditEvent = defineOperation({
  name: 'appendAuditEvent',
  kind: 'write',
  input: appendAuditEventInput,
  async run(ctx, event): Promise<AuditLogEntry> {
    // An entry about a student or a lesson may be written only by someone who can see it.
    if (event.subjectId && event.subjectType === 'student') await ctx.student(event.subjectId);
    else if (event.subjectId && event.subjectType === 'lesson') await ctx.lesson(event.subjectId);
    else ctx.school();
    return recordAudit(ctx, event as Parameters<typeof recordAudit>[1]);
  },
});

export const listAuditEventsInput = z.strictObject({
  eventType: z.string().optional(),
  subjectType: z.string().optional(),
  subjectId: id().optional(),
  actorId: z.string().optional(),
  /** Entries before this chain position (keyset paging, newest first). */
  beforePosition: z.int().positive().optional(),
  limit: z.int().min(1).max(1000).default(100),
});

export const listAuditEvents = defineOperation({
  name: 'listAuditEvents',
  kind: 'read',
  input: listAuditEventsInput,
  async run(ctx, input): Promise<AuditLogEntry[]> {
    ctx.school();
    const filters: Array<SQL | undefined> = [
      input.eventType ? eq(auditLog.eventType, input.eventType) : undefined,
      input.subjectType ? eq(auditLog.subjectType, input.subjectType) : undefined,
      input.subjectId ? eq(auditLog.subjectId, input.subjectId) : undefined,
      input.actorId ? eq(auditLog.actorId, input.actorId) : undefined,
      input.beforePosition ? lt(auditLog.chainPosition, input.beforePosition) : undefined,
    ];
    return ctx.tx.select().from(auditLog).where(and(...filters)).orderBy(desc(auditLog.chainPosition)).limit(input.limit);
  },
});
