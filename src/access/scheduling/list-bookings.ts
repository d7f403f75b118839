// Listing bookings. With studentId: that student's bookings, if the actor may see them (a parent needs
// can_view_bookings). Without: what the actor may see: an instructor their own diary (instructorId
// may only name themselves), a student their own, a parent those of linked students who allow it,
// admins and system actors everything. Staff get admin_notes; nobody else ever does.
import { and, asc, eq, gte, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { DatabaseOrTransaction } from '../../db/engines/handle.js';
import { NotFoundError } from '../../db/errors.js';
import { bookings, students } from '../../db/schema/index.js';
import type { Actor, StaffActor } from '../core/actor.js';
import { defineOperation, type Operation } from '../core/operation.js';
import { id, instant } from '../core/validation.js';
import { bookingColumns, staffBookingColumns, type BookingView, type StaffBookingView } from './views.js';

export const listBookingsInput = z
  .strictObject({ studentId: id().optional(), instructorId: id().optional(), from: instant().optional(), to: instant().optional() })
  // Compared only as instants: an unparsed `from` is reported by its own field.
  .refine((v) => !(v.from instanceof Date) || !(v.to instanceof Date) || v.from < v.to, { path: ['to'], message: 'to is after from' });

const listBookingsOperation = defineOperation({
  name: 'listBookings',
  kind: 'read',
  input: listBookingsInput,
  async run(ctx, input): Promise<Array<BookingView | StaffBookingView>> {
    const a = ctx.actor;
    const conditions: Array<SQL | undefined> = [
      input.from ? gte(bookings.endTime, input.from) : undefined,
      input.to ? lt(bookings.startTime, input.to) : undefined,
      input.instructorId ? eq(bookings.instructorId, input.instructorId) : undefined,
    ];
    if (input.studentId) {
      await ctx.student(input.studentId);
      conditions.push(eq(bookings.studentId, input.studentId));
    } else if (a.kind === 'instructor') {
      ctx.school();
      if (input.instructorId && input.instructorId !== a.instructorId) throw new NotFoundError(`instructor ${input.instructorId} not found`);
      conditions.push(eq(bookings.instructorId, a.instructorId));
    } else if (a.kind === 'student' || a.kind === 'parent') {
      conditions.push(ctx.visibleStudents()); // a condition on the joined student: prospects' bookings never match
    } else {
      ctx.visibleStudents(); // admins and system actors: everything
    }
    const staff = a.kind === 'admin' || a.kind === 'instructor';
    return ctx.tx
      .select(staff ? staffBookingColumns : bookingColumns)
      .from(bookings)
      .leftJoin(students, eq(students.id, bookings.studentId))
      .where(and(...conditions))
      .orderBy(asc(bookings.startTime));
  },
});

/** Bookings the actor may see; admins and instructors also get admin_notes, students, parents and agents never. */
export const listBookings = listBookingsOperation as Operation<z.input<typeof listBookingsInput>, BookingView[]> & {
  (db: DatabaseOrTransaction, actor: StaffActor, input: z.input<typeof listBookingsInput>): Promise<StaffBookingView[]>;
  (db: DatabaseOrTransaction, actor: Actor, input: z.input<typeof listBookingsInput>): Promise<BookingView[]>;
};
