// People: profiles (every user), instructors, students, parents and the parent-student links
// that carry the student's privacy choices. Clerk owns identity; `user_id` is its id, not a FK.
import { relations, sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  integer,
  numeric,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { availabilityOverrides, availabilityRules } from './services.js';
import { bookings } from './bookings.js';
import { lessons } from './lessons.js';
import { studentCompetencies } from './compliance.js';
import { payments } from './payments.js';
import { selfAssessments } from './instructor-tools.js';
import { checkOneOf, createdAt, timestamptz, updatedAt } from './columns.js';
import {
  INSTRUCTOR_STATUSES,
  INSTRUCTOR_TRANSMISSIONS,
  LICENCE_TYPES,
  PARENT_INVITATION_STATUSES,
  PARENT_LINK_STATUSES,
  PARENT_RELATIONSHIPS,
  PROFILE_STATUSES,
  STUDENT_STATUSES,
  TRANSMISSIONS,
  USER_ROLES,
} from './enums.js';

// ─────────────────────────────────────────────
// PROFILES
// Extended user data for all user types.
// ─────────────────────────────────────────────
export const profiles = pgTable('profiles', {
  id: uuid('id').primaryKey().defaultRandom(),

  userId: text('user_id').notNull().unique(),

  // Identity
  firstName: text('first_name').notNull(),
  lastName: text('last_name').notNull(),
  email: text('email').notNull(),
  phone: text('phone'), // AU format: +61XXXXXXXXX

  dateOfBirth: date('date_of_birth'),

  // Address
  addressLine1: text('address_line1'),
  addressLine2: text('address_line2'),
  suburb: text('suburb'),
  state: text('state').default('ACT'),
  postcode: text('postcode'),

  role: text('role', { enum: USER_ROLES }).notNull(),

  status: text('status', { enum: PROFILE_STATUSES }).notNull().default('active'),
  onboardedAt: timestamptz('onboarded_at'),

  avatarUrl: text('avatar_url'),

  // The last Clerk event applied (syncClerkUser, issue 17): an event applies only when it is newer by
  // (occurred_at, event id), so replays and late deliveries change nothing, in any order.
  clerkSyncedAt: timestamptz('clerk_synced_at'),
  clerkEventId: text('clerk_event_id'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
  deletedAt: timestamptz('deleted_at'),
}, (table) => [
  index('idx_profiles_user_id').on(table.userId),
  index('idx_profiles_role').on(table.role),
  index('idx_profiles_email').on(table.email),
  index('idx_profiles_phone').on(table.phone),
  checkOneOf('profiles_role_check', 'role', USER_ROLES),
  checkOneOf('profiles_status_check', 'status', PROFILE_STATUSES),
]);

// ─────────────────────────────────────────────
// INSTRUCTORS
// One row per instructor (ACT accredited driving instructor).
// ─────────────────────────────────────────────
export const instructors = pgTable('instructors', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: text('user_id').notNull().unique(),
  profileId: uuid('profile_id').notNull().unique().references(() => profiles.id),

  // ADI details (ACT Government)
  adiNumber: text('adi_number').notNull(), // e.g. '608'
  adiExpiry: date('adi_expiry').notNull(),

  // Vehicle
  vehicleRego: text('vehicle_rego'), // e.g. 'YNX 26N'
  vehicleMake: text('vehicle_make'),
  vehicleModel: text('vehicle_model'),
  vehicleYear: integer('vehicle_year'),
  transmission: text('transmission', { enum: INSTRUCTOR_TRANSMISSIONS }),

  // Business
  isOwner: boolean('is_owner').notNull().default(false),
  hourlyRate: integer('hourly_rate'), // cents (10500 = $105.00)
  commissionRate: numeric('commission_rate', { precision: 5, scale: 4 }), // fraction, 0.2500 = 25%
  territory: text('territory'),
  bio: text('bio'),

  // Availability defaults
  defaultBufferMinutes: integer('default_buffer_minutes').notNull().default(15),
  maxLessonsPerDay: integer('max_lessons_per_day').notNull().default(8),

  status: text('status', { enum: INSTRUCTOR_STATUSES }).notNull().default('active'),
  verifiedAt: timestamptz('verified_at'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_instructors_user_id').on(table.userId),
  index('idx_instructors_adi_number').on(table.adiNumber),
  checkOneOf('instructors_transmission_check', 'transmission', INSTRUCTOR_TRANSMISSIONS),
  checkOneOf('instructors_status_check', 'status', INSTRUCTOR_STATUSES),
  check('instructors_hourly_rate_check', sql`hourly_rate >= 0`),
  check('instructors_commission_rate_check', sql`commission_rate BETWEEN 0 AND 1`),
  check('instructors_default_buffer_minutes_check', sql`default_buffer_minutes >= 0`),
  check('instructors_max_lessons_per_day_check', sql`max_lessons_per_day > 0`),
]);

// ─────────────────────────────────────────────
// STUDENTS
// One row per student.
// ─────────────────────────────────────────────
export const students = pgTable('students', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: text('user_id').notNull().unique(),
  profileId: uuid('profile_id').notNull().unique().references(() => profiles.id),
  instructorId: uuid('instructor_id').notNull().references(() => instructors.id),

  // Licence
  licenceNumber: text('licence_number'),
  licenceType: text('licence_type', { enum: LICENCE_TYPES }),
  licenceExpiry: date('licence_expiry'),

  // Learning
  transmission: text('transmission', { enum: TRANSMISSIONS }).notNull().default('auto'),
  schoolOrWork: text('school_or_work'), // Per Form 10.044

  // Logbook
  totalHours: numeric('total_hours', { precision: 6, scale: 2 }).default('0'),
  nightHours: numeric('night_hours', { precision: 6, scale: 2 }).default('0'),
  professionalHours: numeric('professional_hours', { precision: 6, scale: 2 }).default('0'),

  // Privacy: the student decides whether linked parents see anything at all
  parentVisibility: boolean('parent_visibility').notNull().default(true),

  // Progress
  enrollmentDate: date('enrollment_date').notNull().default(sql`CURRENT_DATE`),
  estimatedTestDate: date('estimated_test_date'),
  completionDate: date('completion_date'),
  certificateIssuedAt: timestamptz('certificate_issued_at'),
  // CERT-YYYY-NNNN: one gapless sequence per Canberra year, set by the database when the certificate
  // is issued (migration students_certificate_guard), never changed after. Form 165751's serial number.
  certificateNumber: text('certificate_number'),

  status: text('status', { enum: STUDENT_STATUSES }).notNull().default('active'),

  // Source/marketing
  referralSource: text('referral_source'),
  referralDetail: text('referral_detail'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_students_user_id').on(table.userId),
  index('idx_students_instructor_id').on(table.instructorId),
  index('idx_students_status').on(table.status),
  index('idx_students_licence_number').on(table.licenceNumber),
  uniqueIndex('students_certificate_number_unique').on(table.certificateNumber),
  checkOneOf('students_licence_type_check', 'licence_type', LICENCE_TYPES),
  checkOneOf('students_transmission_check', 'transmission', TRANSMISSIONS),
  checkOneOf('students_status_check', 'status', STUDENT_STATUSES),
  check('students_total_hours_check', sql`total_hours >= 0`),
  check('students_night_hours_check', sql`night_hours >= 0`),
  check('students_professional_hours_check', sql`professional_hours >= 0`),
  check('students_certificate_number_check', sql`certificate_number ~ '^CERT-[0-9]{4}-[0-9]{4,}$'`),
  check('students_certificate_issued_check', sql`(certificate_number IS NULL) = (certificate_issued_at IS NULL)`),
]);

// ─────────────────────────────────────────────
// PARENTS
// Parent/supervisor-specific data.
// ─────────────────────────────────────────────
export const parents = pgTable('parents', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: text('user_id').notNull().unique(),
  profileId: uuid('profile_id').notNull().unique().references(() => profiles.id),

  // Driving details (useful for co-lessons)
  licenceType: text('licence_type'),
  yearsDriving: integer('years_driving'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_parents_user_id').on(table.userId),
]);

// ─────────────────────────────────────────────
// PARENT_STUDENT_LINKS
// Many-to-many; the STUDENT controls the privacy flags, not the parent.
// ─────────────────────────────────────────────
export const parentStudentLinks = pgTable('parent_student_links', {
  id: uuid('id').primaryKey().defaultRandom(),
  parentId: uuid('parent_id').notNull().references(() => parents.id),
  studentId: uuid('student_id').notNull().references(() => students.id),

  relationship: text('relationship', { enum: PARENT_RELATIONSHIPS }).notNull().default('parent'),

  canViewProgress: boolean('can_view_progress').notNull().default(true),
  canViewBookings: boolean('can_view_bookings').notNull().default(true),
  canViewPayments: boolean('can_view_payments').notNull().default(true),
  canViewLessonNotes: boolean('can_view_lesson_notes').notNull().default(true),
  canViewBridgeForms: boolean('can_view_bridge_forms').notNull().default(true),
  canBookLessons: boolean('can_book_lessons').notNull().default(true),

  status: text('status', { enum: PARENT_LINK_STATUSES }).notNull().default('active'),
  invitedAt: timestamptz('invited_at').notNull().defaultNow(),
  acceptedAt: timestamptz('accepted_at'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_psl_parent_id').on(table.parentId),
  index('idx_psl_student_id').on(table.studentId),
  uniqueIndex('idx_psl_parent_student').on(table.parentId, table.studentId),
  checkOneOf('parent_student_links_relationship_check', 'relationship', PARENT_RELATIONSHIPS),
  checkOneOf('parent_student_links_status_check', 'status', PARENT_LINK_STATUSES),
]);

// ─── RELATIONS ──────────────────────────────

export const profilesRelations = relations(profiles, ({ one }) => ({
  instructor: one(instructors, {
    fields: [profiles.id],
    references: [instructors.profileId],
  }),
  student: one(students, {
    fields: [profiles.id],
    references: [students.profileId],
  }),
  parent: one(parents, {
    fields: [profiles.id],
    references: [parents.profileId],
  }),
}));

export const instructorsRelations = relations(instructors, ({ one, many }) => ({
  profile: one(profiles, {
    fields: [instructors.profileId],
    references: [profiles.id],
  }),
  students: many(students),
  bookings: many(bookings),
  lessons: many(lessons),
  availabilityRules: many(availabilityRules),
  availabilityOverrides: many(availabilityOverrides),
  // No privateNotes relation: db.query....findMany({ with: { privateNotes: true } }) must not be
  // one keystroke away. Private notes are read through listPrivateNotes (src/access/notes).
}));

export const studentsRelations = relations(students, ({ one, many }) => ({
  profile: one(profiles, {
    fields: [students.profileId],
    references: [profiles.id],
  }),
  instructor: one(instructors, {
    fields: [students.instructorId],
    references: [instructors.id],
  }),
  bookings: many(bookings),
  lessons: many(lessons),
  studentCompetencies: many(studentCompetencies),
  payments: many(payments),
  parentLinks: many(parentStudentLinks),
  selfAssessments: many(selfAssessments),
}));

export const parentsRelations = relations(parents, ({ one, many }) => ({
  profile: one(profiles, {
    fields: [parents.profileId],
    references: [profiles.id],
  }),
  studentLinks: many(parentStudentLinks),
}));

export const parentStudentLinksRelations = relations(parentStudentLinks, ({ one }) => ({
  parent: one(parents, {
    fields: [parentStudentLinks.parentId],
    references: [parents.id],
  }),
  student: one(students, {
    fields: [parentStudentLinks.studentId],
    references: [students.id],
  }),
}));

// ─────────────────────────────────────────────
// PARENT_INVITATIONS (not in SPEC-01; issue 17, docs/spec-deviations.md)
// A student's (or an admin's) invitation to a parent who may have no account yet: a link needs a
// parents row, which needs the parent's Clerk user. Only the SHA-256 of the single-use token is kept.
// ─────────────────────────────────────────────
export const parentInvitations = pgTable('parent_invitations', {
  id: uuid('id').primaryKey().defaultRandom(),
  studentId: uuid('student_id').notNull().references(() => students.id),
  invitedBy: text('invited_by').notNull(),

  firstName: text('first_name'),
  lastName: text('last_name'),
  email: text('email'),
  phone: text('phone'),
  relationship: text('relationship', { enum: PARENT_RELATIONSHIPS }).notNull().default('parent'),

  canViewProgress: boolean('can_view_progress').notNull().default(true),
  canViewBookings: boolean('can_view_bookings').notNull().default(true),
  canViewPayments: boolean('can_view_payments').notNull().default(true),
  canViewLessonNotes: boolean('can_view_lesson_notes').notNull().default(true),
  canViewBridgeForms: boolean('can_view_bridge_forms').notNull().default(true),
  canBookLessons: boolean('can_book_lessons').notNull().default(true),

  tokenHash: text('token_hash').notNull().unique(),
  expiresAt: timestamptz('expires_at').notNull(),
  status: text('status', { enum: PARENT_INVITATION_STATUSES }).notNull().default('pending'),
  acceptedBy: text('accepted_by'),
  acceptedAt: timestamptz('accepted_at'),
  linkId: uuid('link_id').references(() => parentStudentLinks.id),
  revokedAt: timestamptz('revoked_at'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_parent_invitations_student_id').on(table.studentId),
  checkOneOf('parent_invitations_relationship_check', 'relationship', PARENT_RELATIONSHIPS),
  checkOneOf('parent_invitations_status_check', 'status', PARENT_INVITATION_STATUSES),
  check('parent_invitations_address_check', sql`email IS NOT NULL OR phone IS NOT NULL`),
  check('parent_invitations_phone_e164_check', sql`phone IS NULL OR phone ~ '^\\+[1-9][0-9]{6,14}$'`),
  check('parent_invitations_token_hash_check', sql`token_hash ~ '^[0-9a-f]{64}$'`),
  check('parent_invitations_accepted_check', sql`(status = 'accepted') = (accepted_by IS NOT NULL) AND (status = 'accepted') = (accepted_at IS NOT NULL) AND (status = 'accepted') = (link_id IS NOT NULL)`),
  check('parent_invitations_revoked_check', sql`(status = 'revoked') = (revoked_at IS NOT NULL)`),
]);
