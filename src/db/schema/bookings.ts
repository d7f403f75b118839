// Bookings: a reserved time slot with an instructor, and its status and payment state.
import { relations, sql } from 'drizzle-orm';
import {
  boolean, check, date, foreignKey, index, integer, pgTable, text, uniqueIndex, uuid,
  type PgTableExtraConfigValue,
} from 'drizzle-orm/pg-core';
import { instructors, parents, students } from './users.js';
import { contacts } from './crm.js';
import { services } from './services.js';
import { lessons } from './lessons.js';
import { payments } from './payments.js';
import { canberraDateOf, checkOneOf, createdAt, sqlStringList, timestamptz, updatedAt } from './columns.js';
import {
  BOOKING_CHANNELS, BOOKING_PAYMENT_STATUSES, BOOKING_STATUSES, INACTIVE_BOOKING_STATUSES,
} from './enums.js';

export const bookings = pgTable('bookings', {
  id: uuid('id').primaryKey().defaultRandom(),
  instructorId: uuid('instructor_id').notNull().references(() => instructors.id),
  studentId: uuid('student_id').references(() => students.id), // NULL for a prospect booking
  contactId: uuid('contact_id').references(() => contacts.id),
  serviceId: uuid('service_id').notNull().references(() => services.id),

  // Schedule: scheduled_date is the Australia/Canberra date of start_time
  scheduledDate: date('scheduled_date').notNull(),
  startTime: timestamptz('start_time').notNull(),
  endTime: timestamptz('end_time').notNull(),
  durationMinutes: integer('duration_minutes').notNull(),

  // Location
  pickupAddress: text('pickup_address'),
  suburb: text('suburb'),

  status: text('status', { enum: BOOKING_STATUSES }).notNull().default('pending'),
  cancelledAt: timestamptz('cancelled_at'),
  cancelledBy: text('cancelled_by'), // Clerk user ID
  cancellationReason: text('cancellation_reason'),

  // Payment
  paymentStatus: text('payment_status', { enum: BOOKING_PAYMENT_STATUSES }).notNull().default('unpaid'),
  paymentId: uuid('payment_id'), // FK fk_bookings_payment below (payments <-> bookings cycle)
  amountCents: integer('amount_cents').notNull().default(0),

  // Booking metadata
  bookedVia: text('booked_via', { enum: BOOKING_CHANNELS }).notNull().default('website'),
  bookedBy: text('booked_by'), // Clerk user ID of the booker

  // Co-lesson
  isCoLesson: boolean('is_co_lesson').notNull().default(false),
  coLessonParentId: uuid('co_lesson_parent_id').references(() => parents.id),

  // Notes
  bookingNotes: text('booking_notes'), // Visible to student
  adminNotes: text('admin_notes'), // Internal only: never shown to students or parents

  lessonId: uuid('lesson_id'), // Set once the lesson is recorded; FK fk_bookings_lesson below

  // Added (issue 15): the booking this one replaced by a reschedule (its money moved here). FK below.
  rescheduledFrom: uuid('rescheduled_from'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table): PgTableExtraConfigValue[] => [ // typed: the FKs below close an import cycle (TS7022)
  index('idx_bookings_instructor_id').on(table.instructorId),
  index('idx_bookings_student_id').on(table.studentId),
  index('idx_bookings_scheduled_date').on(table.scheduledDate),
  index('idx_bookings_start_time').on(table.startTime),
  index('idx_bookings_status').on(table.status),
  // Blocks only identical start times; overlapping ranges are rejected by an exclusion
  // constraint created in a custom migration.
  uniqueIndex('idx_bookings_no_overlap')
    .on(table.instructorId, table.startTime)
    .where(sql.raw(`status NOT IN (${sqlStringList(INACTIVE_BOOKING_STATUSES)})`)),
  foreignKey({
    name: 'fk_bookings_lesson',
    columns: [table.lessonId],
    foreignColumns: [lessons.id],
  }),
  foreignKey({
    name: 'fk_bookings_payment',
    columns: [table.paymentId],
    foreignColumns: [payments.id],
  }),
  foreignKey({
    name: 'fk_bookings_rescheduled_from',
    columns: [table.rescheduledFrom],
    foreignColumns: [table.id],
  }),
  // A booking is replaced by one booking at most.
  uniqueIndex('bookings_rescheduled_from_unique').on(table.rescheduledFrom),
  check('bookings_rescheduled_from_check', sql`rescheduled_from <> id`),
  checkOneOf('bookings_status_check', 'status', BOOKING_STATUSES),
  checkOneOf('bookings_payment_status_check', 'payment_status', BOOKING_PAYMENT_STATUSES),
  checkOneOf('bookings_booked_via_check', 'booked_via', BOOKING_CHANNELS),
  check('bookings_end_after_start_check', sql`end_time > start_time`),
  check('bookings_duration_minutes_check', sql`duration_minutes > 0`),
  check(
    'bookings_duration_matches_times_check',
    sql`duration_minutes * interval '1 minute' = end_time - start_time`,
  ),
  check('bookings_amount_cents_check', sql`amount_cents >= 0`),
  check('bookings_scheduled_date_canberra_check', sql.raw(`scheduled_date = ${canberraDateOf('start_time')}`)),
]);

export const bookingsRelations = relations(bookings, ({ one }) => ({
  instructor: one(instructors, {
    fields: [bookings.instructorId],
    references: [instructors.id],
  }),
  student: one(students, {
    fields: [bookings.studentId],
    references: [students.id],
  }),
  contact: one(contacts, {
    fields: [bookings.contactId],
    references: [contacts.id],
  }),
  service: one(services, {
    fields: [bookings.serviceId],
    references: [services.id],
  }),
  coLessonParent: one(parents, {
    fields: [bookings.coLessonParentId],
    references: [parents.id],
  }),
  lesson: one(lessons, {
    fields: [bookings.lessonId],
    references: [lessons.id],
  }),
  payment: one(payments, {
    fields: [bookings.paymentId],
    references: [payments.id],
  }),
}));
