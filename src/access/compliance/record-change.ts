// Recording competency changes: each is a new row of the student's chained competency record, for
// the student's own instructor and transmission, checked by the database (migration 0017) under the
// student's chain lock, with its audit entry. Several tasks from one lesson are one transaction: all
// or nothing. An admin may overrule a competent task, with a reason; nobody else can move it (the
// database wants the overrule's audit entry, migration 0017).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../../db/errors.js';
import { COMPETENCY_STATUSES } from '../../db/schema/enums.js';
import { signatures, studentCompetencies } from '../../db/schema/index.js';
import type { StudentCompetency } from '../../db/types.js';
import { changeWithAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { id, text } from '../core/validation.js';
import { signatureEvidence } from '../logbook/inputs.js';
import { toComplianceError } from './errors.js';
import { applyChange } from './rules.js';
import { loadProgressInputs } from './state.js';

const change = z.strictObject({
  taskNumber: z.int().positive(),
  status: z.enum(COMPETENCY_STATUSES).exclude(['not_started']),
  /** Required for an admin's overrule of a competent task; kept in the audit entry. */
  reason: text(1000).optional(),
});

const common = {
  studentId: id(),
  /** The lesson the change was made in (the final drive needs one of at least 45 minutes). */
  lessonId: id().optional(),
  /** The instructor's signature on the change(s), captured on the device. */
  signature: signatureEvidence.optional(),
};

export const recordCompetencyChangesInput = z.strictObject({ ...common, changes: z.array(change).min(1).max(23) });
export const recordCompetencyChangeInput = z.strictObject({ ...common, ...change.shape });

type ChangesInput = z.output<typeof recordCompetencyChangesInput>;

async function record(ctx: OperationContext, input: ChangesInput): Promise<StudentCompetency[]> {
  const { student } = await ctx.student(input.studentId);
  const { tasks, state } = await loadProgressInputs(ctx.tx, student.id, student.transmission);
  const byNumber = new Map(tasks.map((t) => [t.taskNumber, t]));
  const unknown = input.changes.flatMap((c, i) => (byNumber.get(c.taskNumber)?.isActive ? [] : [`changes.${i}.taskNumber`]));
  if (unknown.length) throw new ValidationError(`unknown or inactive task number at ${unknown.join(', ')}`, unknown.map((f) => `${f}: not an active competency task`), unknown);
  const a = ctx.actor;
  if (input.signature && a.kind !== 'instructor') throw new ValidationError('signature: only the student’s instructor signs a competency change', ['signature: not an instructor'], ['signature']);

  // Every row and entry is decided first, then written in two statements at most (issue 20): the
  // instructor's signatures, if any, in one; the competency rows and their audit entries in one more.
  // The chains' lock order holds: signatures, competencies, audit_log (the entries' CTE runs after the
  // rows it names, as changeWithAudit writes them). An overrule's entry (admin, competencyId, reason) is
  // what competency_overrule_check asks for at commit.
  const planned = input.changes.map((c, i) => {
    const task = byNumber.get(c.taskNumber)!;
    const overrule = a.kind === 'admin' && state.get(c.taskNumber)?.status === 'competent';
    if (overrule && !c.reason) {
      throw new ValidationError(`changes.${i}.reason: overruling competent task ${c.taskNumber} needs a reason`, [`changes.${i}.reason: required to overrule`], [`changes.${i}.reason`]);
    }
    // A later change of the same task in this call sees this one (only its status matters above).
    state.set(c.taskNumber, applyChange(state, c.taskNumber, c.status, new Date()));
    return { c, task, overrule, rowId: randomUUID(), signatureId: input.signature && a.kind === 'instructor' ? randomUUID() : undefined };
  });
  if (input.signature && a.kind === 'instructor') {
    const e = input.signature;
    const evidence = { ...e, gpsLatitude: e.gpsLatitude?.toString(), gpsLongitude: e.gpsLongitude?.toString(), signerId: a.userId, signerRole: 'instructor' as const, documentType: 'competency' as const };
    await ctx.tx.insert(signatures).values(planned.map((p) => ({ ...evidence, id: p.signatureId!, documentId: p.rowId })));
  }
  const rows = await changeWithAudit(
    ctx,
    ctx.tx
      .insert(studentCompetencies)
      .values(
        planned.map(({ c, task, rowId, signatureId }) => ({
          id: rowId, studentId: student.id, taskId: task.id, instructorId: student.instructorId, status: c.status, transmission: student.transmission,
          lessonId: input.lessonId, signatureId, signedByInstructor: signatureId !== undefined,
        })),
      )
      .returning(),
    planned.map(({ c, overrule, rowId }) => ({
      eventType: overrule ? 'COMPETENCY_OVERRULED' : c.status === 'competent' ? 'COMPETENCY_SIGNED_OFF' : 'COMPETENCY_CHANGED',
      severity: overrule ? ('warning' as const) : ('info' as const),
      subjectType: 'student',
      subjectId: student.id,
      details: { competencyId: rowId, taskNumber: c.taskNumber, status: c.status, transmission: student.transmission, lessonId: input.lessonId ?? null, ...(c.reason ? { reason: c.reason } : {}) },
    })),
  );
  // RETURNING gives the rows in the order they were inserted, which is the order of the changes.
  return rows as StudentCompetency[];
}

/** Several competency changes for one student (from one lesson, say): all recorded, or none. */
export const recordCompetencyChanges = defineOperation({
  name: 'recordCompetencyChanges',
  kind: 'write',
  input: recordCompetencyChangesInput,
  run: record,
  mapError: toComplianceError,
});

/** One competency change: a new row for the task, with its audit entry. */
export const recordCompetencyChange = defineOperation({
  name: 'recordCompetencyChange',
  kind: 'write',
  input: recordCompetencyChangeInput,
  async run(ctx, { taskNumber, status, reason, ...rest }) {
    const [row] = await record(ctx, { ...rest, changes: [{ taskNumber, status, reason }] });
    return row;
  },
  mapError: toComplianceError,
});
