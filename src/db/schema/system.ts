// System tables: the waitlist of students and prospects hoping for a slot to free up.
import { relations, sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, time, uuid } from 'drizzle-orm/pg-core';
import { instructors, students } from './users.js';
import { contacts } from './crm.js';
import { services } from './services.js';
import { checkOneOf, createdAt, timestamptz, updatedAt } from './columns.js';
import { WAITLIST_STATUSES } from './enums.js';

export const waitlist = pgTable('waitlist', {
  id: uuid('id').primaryKey().defaultRandom(),
  studentId: uuid('student_id').references(() => students.id),
  contactId: uuid('contact_id').references(() => contacts.id),
  instructorId: uuid('instructor_id').references(() => instructors.id),

  preferredDay: integer('preferred_day'), // 0 = Sunday ... 6 = Saturday
  preferredTimeStart: time('preferred_time_start'),
  preferredTimeEnd: time('preferred_time_end'),
  serviceId: uuid('service_id').references(() => services.id),

  status: text('status', { enum: WAITLIST_STATUSES }).notNull().default('waiting'),
  notifiedAt: timestamptz('notified_at'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_waitlist_status').on(table.status),
  index('idx_waitlist_instructor').on(table.instructorId),
  checkOneOf('waitlist_status_check', 'status', WAITLIST_STATUSES),
  check('waitlist_preferred_day_check', sql`preferred_day BETWEEN 0 AND 6`),
  check(
    'waitlist_preferred_end_after_start_check',
    sql`preferred_time_start IS NULL OR preferred_time_end IS NULL OR preferred_time_end > preferred_time_start`,
  ),
]);

export const waitlistRelations = relations(waitlist, ({ one }) => ({
  student: one(students, {
    fields: [waitlist.studentId],
    references: [students.id],
  }),
  contact: one(contacts, {
    fields: [waitlist.contactId],
    references: [contacts.id],
  }),
  instructor: one(instructors, {
    fields: [waitlist.instructorId],
    references: [instructors.id],
  }),
  service: one(services, {
    fields: [waitlist.serviceId],
    references: [services.id],
  }),
}));
