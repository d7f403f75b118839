// Instructor-side tools: private coaching notes and students' self-assessments.
import { relations } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { instructors, students } from './users.js';
import { lessons } from './lessons.js';
import { checkOneOf, createdAt, timestamptz, updatedAt } from './columns.js';
import { PRIVATE_NOTE_TYPES, SELF_ASSESSMENT_TYPES } from './enums.js';

// ─────────────────────────────────────────────
// PRIVATE_NOTES
// Instructor-only coaching notes.
// ⚠️  NEVER visible to students or parents, in any query shape.
// ─────────────────────────────────────────────
export const privateNotes = pgTable('private_notes', {
  id: uuid('id').primaryKey().defaultRandom(),
  instructorId: uuid('instructor_id').notNull().references(() => instructors.id),
  studentId: uuid('student_id').notNull().references(() => students.id),
  lessonId: uuid('lesson_id').references(() => lessons.id),

  note: text('note').notNull(),

  noteType: text('note_type', { enum: PRIVATE_NOTE_TYPES }).notNull().default('general'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_pn_instructor').on(table.instructorId),
  index('idx_pn_student').on(table.studentId),
  index('idx_pn_lesson').on(table.lessonId),
  checkOneOf('private_notes_note_type_check', 'note_type', PRIVATE_NOTE_TYPES),
]);

// ─────────────────────────────────────────────
// SELF_ASSESSMENTS
// Student self-assessment (Driver Trainer tick-and-flick).
// ─────────────────────────────────────────────
export const selfAssessments = pgTable('self_assessments', {
  id: uuid('id').primaryKey().defaultRandom(),
  studentId: uuid('student_id').notNull().references(() => students.id),

  assessmentType: text('assessment_type', { enum: SELF_ASSESSMENT_TYPES }).notNull(),

  responses: jsonb('responses').notNull(), // [{task_number, confidence: 1-5, notes}]

  completedAt: timestamptz('completed_at'),
  reviewedByInstructor: boolean('reviewed_by_instructor').notNull().default(false),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_sa_student').on(table.studentId),
  checkOneOf('self_assessments_assessment_type_check', 'assessment_type', SELF_ASSESSMENT_TYPES),
]);

// ─── RELATIONS ──────────────────────────────

export const privateNotesRelations = relations(privateNotes, ({ one }) => ({
  instructor: one(instructors, {
    fields: [privateNotes.instructorId],
    references: [instructors.id],
  }),
  student: one(students, {
    fields: [privateNotes.studentId],
    references: [students.id],
  }),
  lesson: one(lessons, {
    fields: [privateNotes.lessonId],
    references: [lessons.id],
  }),
}));

export const selfAssessmentsRelations = relations(selfAssessments, ({ one }) => ({
  student: one(students, {
    fields: [selfAssessments.studentId],
    references: [students.id],
  }),
}));
