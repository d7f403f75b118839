// The inputs of the booking operations, derived from the bookings table with drizzle-zod where they are
// its columns, and refined where the domain says more: exactly one of a student or a prospect (contact),
// a co-lesson names its parent, a start time on the slot grid, and a reason to cancel.
import { createInsertSchema } from 'drizzle-zod';
import { z } from 'zod';
import { bookings } from '../../db/schema/index.js';
import { MINUTE_MS } from '../../domain/wall-clock.js';
import { id, instant, text } from '../core/validation.js';
import { SCHEDULING } from './rules.js';

/** A lesson start time: an instant on the slot grid (15 minutes: 09:00, 09:15...). */
export const slotStart = () =>
  instant().refine((d) => d.getTime() % (SCHEDULING.gridMinutes * MINUTE_MS) === 0, `a start time is on the ${SCHEDULING.gridMinutes}-minute grid`);

/** "As of" time for notice, horizon and holds; only admins and system actors may pass it (./clock.ts). */
const asOf = () => instant().optional();

/** The booking's own columns, as drizzle-zod derives them from the table (uuids, the channel enum;
 *  nullable columns accept null for "none"), refined: addresses trimmed and bounded. */
const bookingFields = createInsertSchema(bookings, {
  pickupAddress: (s) => s.trim().min(1).max(500),
  suburb: (s) => s.trim().min(1).max(100),
})
  .pick({ instructorId: true, serviceId: true, studentId: true, contactId: true, pickupAddress: true, suburb: true, bookedVia: true, isCoLesson: true, coLessonParentId: true })
  .partial({ studentId: true, contactId: true, pickupAddress: true, suburb: true, isCoLesson: true, coLessonParentId: true })
  .required({ bookedVia: true });

export const createBookingInput = bookingFields
  .extend({ start: slotStart(), now: asOf() })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.studentId == null) === (v.contactId == null)) {
      ctx.addIssue({ code: 'custom', path: ['studentId'], message: 'a booking is for a student (studentId) or a prospect (contactId), exactly one' });
    }
    if (v.isCoLesson && v.coLessonParentId == null) ctx.addIssue({ code: 'custom', path: ['coLessonParentId'], message: 'a co-lesson names the parent who rides along' });
    if (!v.isCoLesson && v.coLessonParentId != null) ctx.addIssue({ code: 'custom', path: ['isCoLesson'], message: 'a coLessonParentId is for a co-lesson (isCoLesson: true)' });
    if (v.isCoLesson && v.studentId == null) ctx.addIssue({ code: 'custom', path: ['studentId'], message: "a co-lesson is a student's lesson" });
  });

/** startBooking, completeBooking, markNoShow: the booking, and (admins and jobs) the time they act at. */
export const bookingStepInput = z.strictObject({ bookingId: id(), now: asOf() });

export const confirmBookingInput = z.strictObject({ bookingId: id(), now: asOf() });

export const cancelBookingInput = z.strictObject({ bookingId: id(), reason: text(500), now: asOf() });

export const rescheduleBookingInput = z.strictObject({ bookingId: id(), start: slotStart(), now: asOf() });

export const expirePendingBookingsInput = z.strictObject({ now: asOf() });
