// What the school sells and when instructors can teach it: services, weekly availability
// rules and one-off overrides. Times here are Australia/Canberra wall-clock times.
import { relations, sql } from 'drizzle-orm';
import {
  boolean, check, date, index, integer, pgTable, text, time, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core';
import { instructors } from './users.js';
import { bookings } from './bookings.js';
import { checkOneOf, createdAt, updatedAt } from './columns.js';
import { AVAILABILITY_OVERRIDE_TYPES, SERVICE_CATEGORIES } from './enums.js';

// ─────────────────────────────────────────────
// SERVICES
// Lesson types and pricing.
// ─────────────────────────────────────────────
export const services = pgTable('services', {
  id: uuid('id').primaryKey().defaultRandom(),

  name: text('name').notNull(), // 'Learner Lesson (60 min)'
  slug: text('slug').notNull().unique(), // 'learner-60'
  description: text('description'),
  durationMinutes: integer('duration_minutes').notNull(),

  priceCents: integer('price_cents').notNull(), // 10500 = $105.00

  category: text('category', { enum: SERVICE_CATEGORIES }).notNull(),

  // Booking rules
  isBookableOnline: boolean('is_bookable_online').notNull().default(true),
  requiresEligibilityCheck: boolean('requires_eligibility_check').notNull().default(false),
  minNoticeHours: integer('min_notice_hours').notNull().default(24),

  // Display
  sortOrder: integer('sort_order').notNull().default(0),
  isActive: boolean('is_active').notNull().default(true),
  color: text('color'), // Calendar colour code

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  uniqueIndex('idx_services_slug').on(table.slug),
  index('idx_services_active').on(table.isActive),
  checkOneOf('services_category_check', 'category', SERVICE_CATEGORIES),
  check('services_duration_minutes_check', sql`duration_minutes > 0`),
  check('services_price_cents_check', sql`price_cents >= 0`),
  check('services_min_notice_hours_check', sql`min_notice_hours >= 0`),
]);

// ─────────────────────────────────────────────
// AVAILABILITY_RULES
// Recurring weekly availability per instructor.
// ─────────────────────────────────────────────
export const availabilityRules = pgTable('availability_rules', {
  id: uuid('id').primaryKey().defaultRandom(),
  instructorId: uuid('instructor_id').notNull().references(() => instructors.id),

  dayOfWeek: integer('day_of_week').notNull(), // 0 = Sunday ... 6 = Saturday
  startTime: time('start_time').notNull(),
  endTime: time('end_time').notNull(),

  effectiveFrom: date('effective_from').notNull().default(sql`CURRENT_DATE`),
  effectiveUntil: date('effective_until'), // NULL = indefinite

  isActive: boolean('is_active').notNull().default(true),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_avail_rules_instructor').on(table.instructorId),
  index('idx_avail_rules_day').on(table.dayOfWeek),
  check('availability_rules_day_of_week_check', sql`day_of_week BETWEEN 0 AND 6`),
  check('availability_rules_end_after_start_check', sql`end_time > start_time`),
  check(
    'availability_rules_effective_until_after_from_check',
    sql`effective_until IS NULL OR effective_until >= effective_from`,
  ),
]);

// ─────────────────────────────────────────────
// AVAILABILITY_OVERRIDES
// One-off blocks or openings (holidays, sick days).
// ─────────────────────────────────────────────
export const availabilityOverrides = pgTable('availability_overrides', {
  id: uuid('id').primaryKey().defaultRandom(),
  instructorId: uuid('instructor_id').notNull().references(() => instructors.id),

  date: date('date').notNull(),
  startTime: time('start_time'), // NULL (with end_time NULL) = the whole day
  endTime: time('end_time'),

  overrideType: text('override_type', { enum: AVAILABILITY_OVERRIDE_TYPES }).notNull(),
  reason: text('reason'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_avail_overrides_instructor').on(table.instructorId),
  index('idx_avail_overrides_date').on(table.date),
  checkOneOf('availability_overrides_override_type_check', 'override_type', AVAILABILITY_OVERRIDE_TYPES),
  // Explicit IS NOT NULL: with only one time set, `end_time > start_time` is NULL and would pass.
  check(
    'availability_overrides_end_after_start_check',
    sql`(start_time IS NULL AND end_time IS NULL) OR (start_time IS NOT NULL AND end_time IS NOT NULL AND end_time > start_time)`,
  ),
]);

// ─── RELATIONS ──────────────────────────────

export const servicesRelations = relations(services, ({ many }) => ({
  bookings: many(bookings),
}));

export const availabilityRulesRelations = relations(availabilityRules, ({ one }) => ({
  instructor: one(instructors, {
    fields: [availabilityRules.instructorId],
    references: [instructors.id],
  }),
}));

export const availabilityOverridesRelations = relations(availabilityOverrides, ({ one }) => ({
  instructor: one(instructors, {
    fields: [availabilityOverrides.instructorId],
    references: [instructors.id],
  }),
}));
