// Which bookings an actor may act on. A student's booking is checked like its student (ctx.student():
// the matrix row of the operation, a parent needing the row's flag), and an instructor acts only on
// bookings in their own diary. A prospect's booking (contact_id, no student) belongs to no student: it
// exists for admins, system actors and the booking's own instructor (NOT_FOUND for anyone else), who
// then get their cell of the operation's row (ctx.school()).
import { eq } from 'drizzle-orm';
import { NotFoundError } from '../../db/errors.js';
import { bookings, parentStudentLinks, students } from '../../db/schema/index.js';
import type { Booking } from '../../db/types.js';
import type { OperationContext, ScopedStudent } from '../core/context.js';

export interface ScopedBooking {
  readonly booking: Booking;
  /** The booking's student as ctx.student() returned it; null for a prospect's booking. */
  readonly scoped: ScopedStudent | null;
}

/**
 * The booking, locked FOR UPDATE (its status is about to change) unless `lock` is false, if the actor may
 * act on it; read with its student and the acting parent's link in one statement (issue 20).
 */
export async function bookingInScope(ctx: OperationContext, bookingId: string, { lock = true } = {}): Promise<ScopedBooking> {
  const query = ctx.tx
    .select({ booking: bookings, student: students, link: parentStudentLinks })
    .from(bookings)
    .leftJoin(students, eq(students.id, bookings.studentId))
    .leftJoin(parentStudentLinks, ctx.ownLink())
    .where(eq(bookings.id, bookingId));
  const [row] = await (lock ? query.for('update', { of: bookings }) : query);
  const notFound = () => new NotFoundError(`booking ${bookingId} not found`);
  if (!row) throw notFound();
  const { booking } = row;
  const a = ctx.actor;
  if (a.kind === 'instructor' && booking.instructorId !== a.instructorId) throw notFound();
  if (booking.studentId === null) {
    if (a.kind === 'student' || a.kind === 'parent') throw notFound();
    ctx.school();
    return { booking, scoped: null };
  }
  try {
    return { booking, scoped: ctx.scopeJoined(row, `student ${booking.studentId}`) };
  } catch (err) {
    // The booking, not its student, is what the caller asked for.
    if (err instanceof NotFoundError) throw notFound();
    throw err;
  }
}
