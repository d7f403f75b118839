// The audit log as an operation: staff, jobs and webhooks append events the access layer does not
// write itself (the actor recorded is the resolved actor, never an input); only admins read it. An
// entry's subject is one of AUDIT_SUBJECTS, and the actor must be able to see it, checked like the
// operations that act on it: nobody writes an entry about a student, lesson, booking or payment they
// cannot see.
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { NotFoundError } from '../../db/errors.js';
import { auditLog, instructors, payments, ragDocuments, studentPackages } from '../../db/schema/index.js';
import { AUDIT_SEVERITIES } from '../../db/schema/enums.js';
import type { AuditLogEntry } from '../../db/types.js';
import { isOperationEventType, recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { boundedJson, id, text } from '../core/validation.js';
import { contactInScope } from '../crm/scope.js';
import { bookingInScope } from '../scheduling/scope.js';

/** What an audit entry may be about: the rows the access layer's own entries name. */
export const AUDIT_SUBJECTS = ['student', 'lesson', 'booking', 'payment', 'student_package', 'instructor', 'rag_document', 'contact'] as const;
export type AuditSubject = (typeof AUDIT_SUBJECTS)[number];

export const appendAuditEventInput = z.strictObject({
  eventType: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{2,63}$/, 'an event type is UPPER_SNAKE_CASE, e.g. USER_SIGNED_IN')
    .refine((t) => !isOperationEventType(t), 'this kind of event is written by the operation that does it (e.g. LESSON_SIGNED by signLessonAsInstructor), never appended'),
  severity: z.enum(AUDIT_SEVERITIES).optional(),
  subjectType: z.enum(AUDIT_SUBJECTS, `a subject is one of ${AUDIT_SUBJECTS.join(', ')}`).optional(),
  subjectId: id().optional(),
  /** What happened. Never note contents, card data or signature images. `systemActor` is the
   *  access layer's own key (the name of a system actor) and cannot be given. */
  details: boundedJson()
    .refine((d) => d !== null && typeof d === 'object' && !Array.isArray(d), 'details is a JSON object')
    .refine((d) => !Object.hasOwn(d as object, 'systemActor'), 'systemActor is recorded by the access layer, not given')
    .optional(),
  /** A person's own words (a reason, what they said): kept apart from details so that erasing the
   *  person clears them and the chain still verifies (docs/privacy.md). */
  personalDetails: boundedJson()
    .refine((d) => d !== null && typeof d === 'object' && !Array.isArray(d), 'personalDetails is a JSON object')
    .optional(),
  ipAddress: z.union([z.ipv4(), z.ipv6()]).optional(),
  userAgent: text(1000).optional(),
}).refine((e) => (e.subjectType === undefined) === (e.subjectId === undefined), { path: ['subjectId'], message: 'a subject is a subjectType with its subjectId, or neither' });

export const appendAuditEvent = defineOperation({
  name: 'appendAuditEvent',
  kind: 'write',
  input: appendAuditEventInput,
  async run(ctx, event): Promise<AuditLogEntry> {
    if (event.subjectType && event.subjectId) await checkSubjectVisible(ctx, event.subjectType, event.subjectId);
    else ctx.school();
    return recordAudit(ctx, event as Parameters<typeof recordAudit>[1]);
  },
});

/** NOT_FOUND unless the actor can see the subject (as the operations on it decide); then its cell. */
async function checkSubjectVisible(ctx: OperationContext, type: AuditSubject, subjectId: string): Promise<void> {
  const studentOf = async (table: typeof payments | typeof studentPackages) => {
    const [row] = await ctx.tx.select({ studentId: table.studentId }).from(table).where(eq(table.id, subjectId));
    if (!row) throw new NotFoundError(`${type} ${subjectId} not found`);
    return row.studentId;
  };
  const asStudent = async (studentId: string | null) => {
    if (studentId === null) return ctx.school(); // a prospect's payment: the school's
    try {
      await ctx.student(studentId);
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(`${type} ${subjectId} not found`);
      throw err;
    }
  };
  switch (type) {
    case 'student':
      return void (await ctx.student(subjectId));
    case 'lesson':
      return void (await ctx.lesson(subjectId));
    case 'booking':
      return void (await bookingInScope(ctx, subjectId, { lock: false }));
    case 'payment':
      return asStudent(await studentOf(payments));
    case 'student_package':
      return asStudent(await studentOf(studentPackages));
    case 'instructor': {
      const [row] = await ctx.tx.select({ id: instructors.id }).from(instructors).where(eq(instructors.id, subjectId));
      const a = ctx.actor;
      if (!row || (a.kind !== 'admin' && a.kind !== 'system' && !(a.kind === 'instructor' && a.instructorId === row.id))) {
        throw new NotFoundError(`instructor ${subjectId} not found`);
      }
      return ctx.school();
    }
    case 'contact':
      return void (await contactInScope(ctx, subjectId));
    case 'rag_document': {
      const [row] = await ctx.tx.select({ id: ragDocuments.id }).from(ragDocuments).where(eq(ragDocuments.id, subjectId));
      if (!row) throw new NotFoundError(`rag_document ${subjectId} not found`);
      return ctx.school();
    }
  }
}

export const listAuditEventsInput = z.strictObject({
  eventType: text(64).optional(),
  subjectType: z.enum(AUDIT_SUBJECTS).optional(),
  subjectId: id().optional(),
  actorId: text(200).optional(),
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
