// A student's row FOR KEY SHARE, taken before any booking row. A new booking's foreign key to the
// student takes that lock anyway; taking it first keeps the order every money operation uses (the
// student, then the booking, then the payment: src/access/money/payables.ts). Otherwise a completion
// holding the student (FOR UPDATE) and waiting for a booking this operation holds (the one it moves,
// or an expired hold it cancels) would wait in a circle with it. KEY SHARE does not conflict with
// another booking's foreign key, so bookings of one student still do not wait for each other here.
import { eq } from 'drizzle-orm';
import { bookings, students } from '../../db/schema/index.js';
import type { OperationContext } from '../core/context.js';

export async function lockStudentKey(ctx: OperationContext, studentId: string | null | undefined): Promise<void> {
  if (studentId) await ctx.tx.select({ id: students.id }).from(students).where(eq(students.id, studentId)).for('key share');
}

/** lockStudentKey for the student of a booking (read without a lock: it changes only from none). */
export async function lockBookingStudentKey(ctx: OperationContext, bookingId: string): Promise<void> {
  const [row] = await ctx.tx.select({ studentId: bookings.studentId }).from(bookings).where(eq(bookings.id, bookingId));
  await lockStudentKey(ctx, row?.studentId);
}
