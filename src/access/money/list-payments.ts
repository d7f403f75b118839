// A student's payments, newest first, for whoever may see them (a parent needs can_view_payments).
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { payments } from '../../db/schema/index.js';
import { defineOperation } from '../core/operation.js';
import { id } from '../core/validation.js';
import { paymentColumns, type PaymentView } from './views.js';

export const listPayments = defineOperation({
  name: 'listPayments',
  kind: 'read',
  input: z.strictObject({ studentId: id() }),
  async run(ctx, { studentId }): Promise<PaymentView[]> {
    await ctx.student(studentId);
    return ctx.tx.select(paymentColumns).from(payments).where(eq(payments.studentId, studentId)).orderBy(desc(payments.createdAt));
  },
});
