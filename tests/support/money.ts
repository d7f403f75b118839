// Builders for the money tests (issue 10): unpaid bookings on free slots, packages on sale and bought,
// vouchers, payments in each state, and a credit-paid booking that was cancelled. Rows are written
// directly (the operations under test are called by the tests themselves).
import { eq, sql } from 'drizzle-orm';
import type { DatabaseOrTransaction } from '../../src/db/engines/handle.js';
import { bookings, packages, payments, studentPackages, vouchers } from '../../src/db/schema/index.js';
import type { NewPackage, NewPayment, NewStudentPackage, NewVoucher } from '../../src/db/types.js';
import { bookingValues, createBooking } from './fixtures.js';

let slots = 0;
/** A new hour-long slot each call (January-February 2028, Canberra daylight time, +11:00: after the dates the tests book through
 *  the operations, days ahead of today), so one
 *  instructor's bookings in a file never overlap. */
export function freshSlot(): string {
  const n = slots++;
  const day = 1 + Math.floor(n / 14) % 59; // 59 days from 1 January
  const date = new Date(Date.UTC(2028, 0, day));
  const hour = 6 + (n % 14);
  return `${date.toISOString().slice(0, 10)}T${String(hour).padStart(2, '0')}:00:00+11:00`;
}

/** An unpaid, pending booking of the student with their instructor, priced `amountCents`. */
export async function unpaidBooking(db: DatabaseOrTransaction, people: { instructorId: string; studentId: string; serviceId: string }, amountCents = 10500, start = freshSlot()) {
  return createBooking(db, bookingValues(people.instructorId, people.serviceId, start, 60, { studentId: people.studentId, amountCents }));
}

export async function createPackage(db: DatabaseOrTransaction, overrides: Partial<NewPackage> = {}) {
  const [row] = await db.insert(packages).values({ name: '10 lessons', totalCredits: 10, priceCents: 95000, ...overrides }).returning();
  return row;
}

/** A package the student already holds (as if bought), active, with `creditsTotal` credits. */
export async function givePackage(db: DatabaseOrTransaction, studentId: string, overrides: Partial<NewStudentPackage> & { packageId?: string } = {}) {
  const packageId = overrides.packageId ?? (await createPackage(db, { totalCredits: overrides.creditsTotal ?? 10 })).id;
  const [row] = await db.insert(studentPackages).values({ studentId, packageId, creditsTotal: 10, ...overrides }).returning();
  return row;
}

let codes = 0;
export async function createVoucher(db: DatabaseOrTransaction, overrides: Partial<NewVoucher> = {}) {
  const code = `TEST${Date.now().toString(36).toUpperCase()}${codes++}`;
  const [row] = await db
    .insert(vouchers)
    .values({ code, voucherType: 'percentage', discountPercent: 10, validFrom: new Date(Date.now() - 86_400_000), ...overrides })
    .returning();
  return row;
}

export async function insertPayment(db: DatabaseOrTransaction, studentId: string, overrides: Partial<NewPayment> = {}) {
  const [row] = await db.insert(payments).values({ studentId, amountCents: 10500, paymentMethod: 'card', ...overrides }).returning();
  return row;
}

/** A booking paid with a credit of a fresh package, then cancelled: what returnCredit gives back. */
export async function cancelledCreditBooking(db: DatabaseOrTransaction, people: { instructorId: string; studentId: string; serviceId: string }) {
  return creditBooking(db, people, true);
}

/** A booking paid with one credit of a fresh package; cancelled (the lifecycle allows no way back) or still active. */
export async function creditBooking(db: DatabaseOrTransaction, people: { instructorId: string; studentId: string; serviceId: string }, cancelled: boolean) {
  const held = await givePackage(db, people.studentId, { creditsUsed: 1 });
  const booking = await unpaidBooking(db, people);
  const payment = await insertPayment(db, people.studentId, {
    bookingId: booking.id, packageId: held.packageId, studentPackageId: held.id, amountCents: 0, paymentMethod: 'package_credit', status: 'completed',
  });
  // Paid first, then cancelled: a cancelled booking is never marked paid (bookings_money_follows, 0023).
  await db.update(bookings).set({ paymentStatus: 'package_credit', paymentId: payment.id }).where(eq(bookings.id, booking.id));
  if (cancelled) {
    await db.update(bookings).set({ status: 'cancelled', cancelledAt: sql`now()`, cancelledBy: 'user_fixture' }).where(eq(bookings.id, booking.id));
  }
  return { booking, studentPackage: held, payment };
}
