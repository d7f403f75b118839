// A student's row FOR KEY SHARE, taken before any booking row. A new booking's foreign key to the
// student takes that lock anyway; taking it first keeps the order every money operation uses (the
// student, then the booking, then the payment: src/access/money/payables.ts). Otherwise a completion
// holding the student (FOR UPDATE) and waiting for a booking this operation holds (the one it moves,
// or an expired hold it cancels) would wait in a circle with it. KEY SHARE does not conflict with
// another booking's foreign key, so bookings of one student still do not wait for each other here.
import { sql } from 'drizzle-orm';
import { bookings, students } from '../../db/schema/index.js';
import type { OperationContext } from '../core/context.js';

/** The student of a booking FOR KEY SHARE, found and locked in one statement (no row for a prospect's
 *  booking: nothing to lock). The booking is read without a lock: its student changes only from none. */
export async function lockBookingStudentKey(ctx: OperationContext, bookingId: string): Promise<void> {
  await ctx.tx
    .select({ id: students.id })
    .from(students)
    .where(sql`${students.id} = (select b.student_id from ${bookings} b where b.id = ${bookingId})`)
    .for('key share');
}
