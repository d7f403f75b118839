// getLogbookSummary: the student portal's logbook hours (SPEC-17). The numbers are loadLogbookHours()
// (../logbook/hours.ts), the very query getStudentContext uses, so the portal and the agents agree.
// What the ACT logbook also asks for (night driving, conditions) is not recorded per lesson: see
// docs/learner-record.md and docs/compliance.md.
import { defineOperation } from '../core/operation.js';
import { type LogbookHours, loadLogbookHours } from '../logbook/hours.js';
import { studentIdInput } from '../logbook/inputs.js';

export type LogbookSummary = LogbookHours & { studentId: string };

export const getLogbookSummary = defineOperation({
  name: 'getLogbookSummary',
  kind: 'read',
  input: studentIdInput,
  async run(ctx, { studentId }): Promise<LogbookSummary> {
    const { student } = await ctx.student(studentId);
    return { studentId: student.id, ...(await loadLogbookHours(ctx.tx, student.id)) };
  },
});
