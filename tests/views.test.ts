// Result shapes that cannot leak: a column on the private list (private notes, bookings.admin_notes,
// payments.gateway_response) in a shape for students and parents is a compile error (checked by
// `npm run typecheck`: the @ts-expect-error lines below fail it if the guard stops working) and a
// load-time error; and the types of what students and parents receive have no such field.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { BookingView, LessonView, PaymentView, StaffBookingView, StudentView } from '../src/access/index.js';
import { publicColumns } from '../src/access/core/views.js';
import { bookings, payments, privateNotes } from '../src/db/schema/index.js';

describe(publicColumns.name, () => {
  it('refuses a private column under any key, at compile time and when the module loads', () => {
    // @ts-expect-error admin_notes is private
    expect(() => publicColumns({ id: bookings.id, notes: bookings.adminNotes })).toThrow(/notes is private/);
    // @ts-expect-error every private_notes column is private
    expect(() => publicColumns({ id: bookings.id, text: privateNotes.note })).toThrow(/text is private/);
    // @ts-expect-error the gateway's raw response may hold card data
    expect(() => publicColumns({ raw: payments.gatewayResponse })).toThrow(/raw is private/);
    expect(Object.keys(publicColumns({ id: bookings.id, bookingNotes: bookings.bookingNotes }))).toEqual(['id', 'bookingNotes']);
  });

  it('gives students and parents shapes without admin notes, private notes or gateway responses; staff get admin notes', () => {
    expectTypeOf<BookingView>().not.toHaveProperty('adminNotes');
    expectTypeOf<StaffBookingView>().toHaveProperty('adminNotes');
    expectTypeOf<PaymentView>().not.toHaveProperty('gatewayResponse');
    expectTypeOf<LessonView>().not.toHaveProperty('privateNotes');
    expectTypeOf<StudentView>().not.toHaveProperty('privateNotes');
  });
});
