// Lessons (the digital ACT Form 10.044 logbook row) and the bridge forms generated from them.
// Lessons are append-only once signed: a correction is a new row pointing at the original
// through correction_of.
import { relations, sql } from 'drizzle-orm';
import {
  boolean, check, date, foreignKey, index, integer, jsonb, pgTable, text, uniqueIndex, uuid,
  type PgTableExtraConfigValue,
} from 'drizzle-orm/pg-core';
import { instructors, students } from './users.js';
import { bookings } from './bookings.js';
import { signatures } from './compliance.js';
import { canberraDateOf, checkOneOf, createdAt, gpsChecks, gpsColumns, timestamptz } from './columns.js';
import { LESSON_STATUSES } from './enums.js';

// ─────────────────────────────────────────────
// LESSONS
// ⚠️  APPEND-ONLY after signing: no UPDATE/DELETE.
// ─────────────────────────────────────────────
export const lessons = pgTable('lessons', {
  id: uuid('id').primaryKey().defaultRandom(),
  bookingId: uuid('booking_id'), // FK fk_lessons_booking below (bookings <-> lessons cycle)
  instructorId: uuid('instructor_id').notNull().references(() => instructors.id),
  studentId: uuid('student_id').notNull().references(() => students.id),

  // Per student 1, 2, 3...; corrections reuse the original's number. The database assigns it on
  // INSERT (lessons_signing_guard, migration 0012): optional in the Insert type, DEFAULT is sent.
  lessonNumber: integer('lesson_number').notNull().$defaultFn(() => sql`default`),

  // Timing
  lessonDate: date('lesson_date').notNull(),
  startTime: timestamptz('start_time').notNull(),
  endTime: timestamptz('end_time').notNull(),
  totalMinutes: integer('total_minutes').notNull(),
  roundedMinutes: integer('rounded_minutes'), // Rounded to 30-min periods

  // Odometer
  odoStart: integer('odo_start'),
  odoEnd: integer('odo_end'),
  totalKm: integer('total_km').generatedAlwaysAs(sql`odo_end - odo_start`),

  // Competencies (arrays of task numbers)
  competenciesTaught: integer('competencies_taught').array().default(sql`'{}'`),
  competenciesAssessed: integer('competencies_assessed').array().default(sql`'{}'`),
  competenciesAchievedManual: integer('competencies_achieved_manual').array().default(sql`'{}'`),
  competenciesAchievedAuto: integer('competencies_achieved_auto').array().default(sql`'{}'`),

  // Location
  locationSuburb: text('location_suburb'),
  locationDetail: text('location_detail'),

  // Visible to student/parent per privacy settings
  comments: text('comments'),

  status: text('status', { enum: LESSON_STATUSES }).notNull().default('draft'),

  instructorSignatureId: uuid('instructor_signature_id').references(() => signatures.id),
  studentSignatureId: uuid('student_signature_id').references(() => signatures.id),

  // Audit
  signedAt: timestamptz('signed_at'),
  deviceInfo: jsonb('device_info'),
  ...gpsColumns(),

  // No updated_at: lessons are append-only after signing
  createdAt: createdAt(),

  // Corrections
  correctionOf: uuid('correction_of'), // FK fk_lessons_correction_of below (self-reference)
  correctionReason: text('correction_reason'),
}, (table): PgTableExtraConfigValue[] => [ // typed: the FKs below close an import cycle (TS7022)
  index('idx_lessons_student_id').on(table.studentId),
  index('idx_lessons_instructor_id').on(table.instructorId),
  index('idx_lessons_date').on(table.lessonDate),
  index('idx_lessons_booking_id').on(table.bookingId),
  uniqueIndex('idx_lessons_student_number')
    .on(table.studentId, table.lessonNumber)
    .where(sql`correction_of IS NULL`),
  foreignKey({
    name: 'fk_lessons_booking',
    columns: [table.bookingId],
    foreignColumns: [bookings.id],
  }),
  foreignKey({
    name: 'fk_lessons_correction_of',
    columns: [table.correctionOf],
    foreignColumns: [table.id],
  }),
  checkOneOf('lessons_status_check', 'status', LESSON_STATUSES),
  check('lessons_end_after_start_check', sql`end_time > start_time`),
  check('lessons_total_minutes_check', sql`total_minutes > 0`),
  check('lessons_rounded_minutes_check', sql`rounded_minutes >= 0`),
  check('lessons_odo_start_check', sql`odo_start >= 0`),
  check('lessons_odo_end_after_start_check', sql`odo_end >= odo_start`),
  ...gpsChecks('lessons'),
  check('lessons_correction_not_self_check', sql`correction_of <> id`),
  check('lessons_correction_reason_check', sql`(correction_of IS NULL) = (correction_reason IS NULL)`),
  check('lessons_lesson_date_canberra_check', sql.raw(`lesson_date = ${canberraDateOf('start_time')}`)),
]);

// ─────────────────────────────────────────────
// LESSON_BRIDGE_FORMS
// Post-lesson handouts for supervising drivers, generated from the lesson.
// ─────────────────────────────────────────────
export const lessonBridgeForms = pgTable('lesson_bridge_forms', {
  id: uuid('id').primaryKey().defaultRandom(),
  lessonId: uuid('lesson_id').notNull().unique().references(() => lessons.id),
  studentId: uuid('student_id').notNull().references(() => students.id),
  instructorId: uuid('instructor_id').notNull().references(() => instructors.id),

  // Content (generated from lesson data)
  skillsCovered: jsonb('skills_covered').notNull(), // [{task_number, task_name, status}]
  positives: text('positives'),
  practiceInstructions: text('practice_instructions'),
  focusAreas: text('focus_areas'),
  nextLessonRecommendation: text('next_lesson_recommendation'),

  pdfUrl: text('pdf_url'),

  // Visibility
  isVisibleToStudent: boolean('is_visible_to_student').notNull().default(true),
  isVisibleToParent: boolean('is_visible_to_parent').notNull().default(true),

  createdAt: createdAt(),
}, (table) => [
  index('idx_lbf_student').on(table.studentId),
  index('idx_lbf_lesson').on(table.lessonId),
]);

// ─── RELATIONS ──────────────────────────────

export const lessonsRelations = relations(lessons, ({ one, many }) => ({
  booking: one(bookings, {
    fields: [lessons.bookingId],
    references: [bookings.id],
  }),
  instructor: one(instructors, {
    fields: [lessons.instructorId],
    references: [instructors.id],
  }),
  student: one(students, {
    fields: [lessons.studentId],
    references: [students.id],
  }),
  instructorSignature: one(signatures, {
    fields: [lessons.instructorSignatureId],
    references: [signatures.id],
    relationName: 'instructorSignature',
  }),
  studentSignature: one(signatures, {
    fields: [lessons.studentSignatureId],
    references: [signatures.id],
    relationName: 'studentSignature',
  }),
  correctionOfLesson: one(lessons, {
    fields: [lessons.correctionOf],
    references: [lessons.id],
    relationName: 'corrections',
  }),
  corrections: many(lessons, { relationName: 'corrections' }),
  bridgeForm: one(lessonBridgeForms),
  // No privateNotes relation: db.query....findMany({ with: { privateNotes: true } }) must not be
  // one keystroke away. Private notes are read through listPrivateNotes (src/access/notes).
}));

export const lessonBridgeFormsRelations = relations(lessonBridgeForms, ({ one }) => ({
  lesson: one(lessons, {
    fields: [lessonBridgeForms.lessonId],
    references: [lessons.id],
  }),
  student: one(students, {
    fields: [lessonBridgeForms.studentId],
    references: [students.id],
  }),
  instructor: one(instructors, {
    fields: [lessonBridgeForms.instructorId],
    references: [instructors.id],
  }),
}));
