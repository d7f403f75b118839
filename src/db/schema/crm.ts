// CRM: contacts, i.e. every person the school has heard from, before and after they enrol.
import { relations, sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { instructors } from './users.js';
import { bookings } from './bookings.js';
import { callLogs, conversations } from './communication.js';
import { checkOneOf, createdAt, timestamptz, updatedAt } from './columns.js';
import { LIFECYCLE_STAGES } from './enums.js';

export const contacts = pgTable('contacts', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: text('user_id'), // Clerk user ID; NULL for prospects without an account
  instructorId: uuid('instructor_id').references(() => instructors.id),

  // Identity
  firstName: text('first_name'),
  lastName: text('last_name'),
  email: text('email'),
  phone: text('phone'), // Primary identifier for SMS leads

  // CRM
  lifecycleStage: text('lifecycle_stage', { enum: LIFECYCLE_STAGES }).notNull().default('prospect'),
  leadScore: integer('lead_score').default(0),

  // Source tracking
  source: text('source'), // free text, e.g. 'website', 'phone', 'sms', 'referral', 'google', 'facebook'
  sourceDetail: text('source_detail'),
  utmSource: text('utm_source'),
  utmMedium: text('utm_medium'),
  utmCampaign: text('utm_campaign'),

  // Interaction tracking
  firstContactAt: timestamptz('first_contact_at').notNull().defaultNow(),
  lastContactAt: timestamptz('last_contact_at').notNull().defaultNow(),
  totalInteractions: integer('total_interactions').notNull().default(1),

  notes: text('notes'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
  deletedAt: timestamptz('deleted_at'),
}, (table) => [
  index('idx_contacts_user_id').on(table.userId),
  index('idx_contacts_phone').on(table.phone),
  index('idx_contacts_email').on(table.email),
  index('idx_contacts_lifecycle').on(table.lifecycleStage),
  index('idx_contacts_instructor_id').on(table.instructorId),
  checkOneOf('contacts_lifecycle_stage_check', 'lifecycle_stage', LIFECYCLE_STAGES),
  // one spelling per number: E.164, as the access layer normalises it (issue 17, migration 0024)
  check('contacts_phone_e164_check', sql`phone IS NULL OR phone ~ '^\\+[1-9][0-9]{6,14}$'`),
]);

export const contactsRelations = relations(contacts, ({ one, many }) => ({
  instructor: one(instructors, {
    fields: [contacts.instructorId],
    references: [instructors.id],
  }),
  conversations: many(conversations),
  callLogs: many(callLogs),
  bookings: many(bookings),
}));
