// What a booking looks like: to students, parents and agents without admin_notes (a compile error to
// add it here), to admins and instructors with it.
import { bookings } from '../../db/schema/index.js';
import { publicColumns, type RowOf } from '../core/views.js';

export const bookingColumns = publicColumns({
  id: bookings.id,
  instructorId: bookings.instructorId,
  studentId: bookings.studentId,
  contactId: bookings.contactId,
  serviceId: bookings.serviceId,
  scheduledDate: bookings.scheduledDate,
  startTime: bookings.startTime,
  endTime: bookings.endTime,
  durationMinutes: bookings.durationMinutes,
  pickupAddress: bookings.pickupAddress,
  suburb: bookings.suburb,
  status: bookings.status,
  cancelledAt: bookings.cancelledAt,
  cancellationReason: bookings.cancellationReason,
  paymentStatus: bookings.paymentStatus,
  amountCents: bookings.amountCents,
  bookedVia: bookings.bookedVia,
  isCoLesson: bookings.isCoLesson,
  coLessonParentId: bookings.coLessonParentId,
  bookingNotes: bookings.bookingNotes,
  lessonId: bookings.lessonId,
  createdAt: bookings.createdAt,
});
export type BookingView = RowOf<typeof bookingColumns>;

export const staffBookingColumns = { ...bookingColumns, cancelledBy: bookings.cancelledBy, bookedBy: bookings.bookedBy, paymentId: bookings.paymentId, adminNotes: bookings.adminNotes };
export type StaffBookingView = RowOf<typeof staffBookingColumns>;
