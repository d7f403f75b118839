// Compliance records of the ACT CBT&A scheme: the competency task list, each student's
// competency history, e-signatures and the audit log. The last three are append-only and
// hash-chained (audit_log and signatures: one chain each; student_competencies: one per student).
import { relations, sql } from 'drizzle-orm';
import {
  boolean, check, foreignKey, index, inet, integer, jsonb, pgTable, smallint, text, unique, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core';
import { instructors, students } from './users.js';
import { lessons } from './lessons.js';
import {
  checkCanonicalTimestamp, checkOneOf, createdAt, gpsChecks, gpsColumns, hashChainChecks, hashChainColumns,
  timestamptz, updatedAt,
} from './columns.js';
import {
  AUDIT_SEVERITIES, COMPETENCY_STATUSES, SIGNED_DOCUMENT_TYPES, SIGNER_ROLES, TRANSMISSIONS,
} from './enums.js';

// ─────────────────────────────────────────────
// COMPETENCY_TASKS
// Reference data: the 23 ACT CBT&A tasks.
// ─────────────────────────────────────────────
export const competencyTasks = pgTable('competency_tasks', {
  id: uuid('id').primaryKey().defaultRandom(),

  taskNumber: integer('task_number').notNull().unique(),
  name: text('name').notNull(),
  description: text('description'),
  category: text('category'), // free text, e.g. 'Basic Control', 'Traffic', 'Complex'

  // Progression rules
  prerequisites: integer('prerequisites').array().default(sql`'{}'`),
  isReview: boolean('is_review').notNull().default(false),
  isFinalDrive: boolean('is_final_drive').notNull().default(false),

  // Review gating
  reviewRequiresTasks: integer('review_requires_tasks').array().default(sql`'{}'`),

  // Final drive rules
  finalDriveMinMinutes: integer('final_drive_min_minutes'),
  finalDriveUnfamiliarRoads: boolean('final_drive_unfamiliar_roads').default(false),

  competencyHubContentId: uuid('competency_hub_content_id'),

  // Display
  sortOrder: integer('sort_order').notNull(),
  isActive: boolean('is_active').notNull().default(true),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  uniqueIndex('idx_comp_tasks_number').on(table.taskNumber),
  check('competency_tasks_task_number_check', sql`task_number > 0`),
  check('competency_tasks_final_drive_min_minutes_check', sql`final_drive_min_minutes > 0`),
]);

// ─────────────────────────────────────────────
// STUDENT_COMPETENCIES
// Per-student per-task competency status history.
// ⚠️  APPEND-ONLY: a new status is a new row.
// ─────────────────────────────────────────────
export const studentCompetencies = pgTable('student_competencies', {
  id: uuid('id').primaryKey().defaultRandom(),
  studentId: uuid('student_id').notNull().references(() => students.id),
  taskId: uuid('task_id').notNull().references(() => competencyTasks.id),
  instructorId: uuid('instructor_id').notNull().references(() => instructors.id),

  status: text('status', { enum: COMPETENCY_STATUSES }).notNull(),
  transmission: text('transmission', { enum: TRANSMISSIONS }).notNull(),

  statusChangedAt: timestamptz('status_changed_at').notNull().defaultNow(),
  lessonId: uuid('lesson_id'), // Lesson that triggered the change; FK fk_sc_lesson below

  // Audit
  signedByInstructor: boolean('signed_by_instructor').notNull().default(false),
  signedByStudent: boolean('signed_by_student').notNull().default(false),
  signatureId: uuid('signature_id'), // FK fk_sc_signature below

  // Hash chain, one per student (filled by trigger)
  ...hashChainColumns(),

  // No updated_at: append-only
  createdAt: createdAt(),
}, (table) => [
  index('idx_sc_student_id').on(table.studentId),
  index('idx_sc_task_id').on(table.taskId),
  index('idx_sc_student_task').on(table.studentId, table.taskId),
  index('idx_sc_status').on(table.status),
  unique('student_competencies_student_id_chain_position_key').on(table.studentId, table.chainPosition),
  foreignKey({
    name: 'fk_sc_lesson',
    columns: [table.lessonId],
    foreignColumns: [lessons.id],
  }),
  foreignKey({
    name: 'fk_sc_signature',
    columns: [table.signatureId],
    foreignColumns: [signatures.id],
  }),
  checkOneOf('student_competencies_status_check', 'status', COMPETENCY_STATUSES),
  checkOneOf('student_competencies_transmission_check', 'transmission', TRANSMISSIONS),
  ...hashChainChecks('student_competencies'),
  checkCanonicalTimestamp('student_competencies', 'status_changed_at'),
  checkCanonicalTimestamp('student_competencies', 'created_at'),
]);

// ─────────────────────────────────────────────
// SIGNATURES
// E-signature capture records.
// ⚠️  IMMUTABLE: never updated or deleted.
// ─────────────────────────────────────────────
export const signatures = pgTable('signatures', {
  id: uuid('id').primaryKey().defaultRandom(),

  // Who signed
  signerId: text('signer_id').notNull(), // Clerk user ID
  signerRole: text('signer_role', { enum: SIGNER_ROLES }).notNull(),

  // What they signed
  documentType: text('document_type', { enum: SIGNED_DOCUMENT_TYPES }).notNull(),
  documentId: uuid('document_id').notNull(),

  signatureUrl: text('signature_url').notNull(), // R2 storage path

  // Verification
  timestampUtc: timestamptz('timestamp_utc').notNull().defaultNow(),
  ipAddress: inet('ip_address'),
  userAgent: text('user_agent'),
  deviceInfo: jsonb('device_info'),
  ...gpsColumns(),

  // Hash chain, one for the table (filled by trigger)
  ...hashChainColumns(),

  // No updated_at, no deleted_at: immutable
  createdAt: createdAt(),
}, (table) => [
  index('idx_signatures_signer').on(table.signerId),
  index('idx_signatures_document').on(table.documentType, table.documentId),
  // One signature per document and signer role: a lesson has one instructor and one student signature.
  uniqueIndex('signatures_document_signer_role_unique').on(table.documentType, table.documentId, table.signerRole),
  unique('signatures_chain_position_key').on(table.chainPosition),
  checkOneOf('signatures_signer_role_check', 'signer_role', SIGNER_ROLES),
  checkOneOf('signatures_document_type_check', 'document_type', SIGNED_DOCUMENT_TYPES),
  ...gpsChecks('signatures'),
  ...hashChainChecks('signatures'),
  checkCanonicalTimestamp('signatures', 'timestamp_utc'),
  checkCanonicalTimestamp('signatures', 'created_at'),
]);

// ─────────────────────────────────────────────
// AUDIT_LOG
// Event log for all auditable actions.
// ⚠️  APPEND-ONLY: no updates, no deletes.
// ─────────────────────────────────────────────
export const auditLog = pgTable('audit_log', {
  id: uuid('id').primaryKey().defaultRandom(),

  eventType: text('event_type').notNull(), // 'LESSON_CREATED', 'COMPETENCY_SIGNED_OFF', ...
  severity: text('severity', { enum: AUDIT_SEVERITIES }).notNull().default('info'),

  // Actor
  actorId: text('actor_id'), // Clerk user ID (NULL for system events)
  actorRole: text('actor_role'),

  // Subject
  subjectType: text('subject_type'), // 'student', 'booking', 'lesson', ...
  subjectId: uuid('subject_id'),

  // What happened: ids, statuses, amounts. Never note contents, card data or signature images, and
  // no person's own words (those go in personal_details).
  details: jsonb('details').notNull().default(sql`'{}'::jsonb`),

  // Context
  ipAddress: inet('ip_address'),
  userAgent: text('user_agent'),
  ...gpsColumns(),

  // Erasable personal data (migration 0030, docs/privacy.md): a person's own words (a reason, a call
  // summary). Canonical form v2 hashes personal_digest, a salted digest of this and of ip_address,
  // user_agent and the GPS columns, instead of the values, so an erasure can clear them (and the
  // salt) and every chain still verifies.
  personalDetails: jsonb('personal_details'),
  personalSalt: text('personal_salt'),
  personalDigest: text('personal_digest'),
  /** 1: rows written before migration 0030 (hash their personal values directly); 2: every later row. */
  canonicalVersion: smallint('canonical_version').notNull().default(2),

  // Hash chain, one for the table (filled by trigger)
  ...hashChainColumns(),

  // No updated_at, no deleted_at: append-only
  createdAt: createdAt(),
}, (table) => [
  index('idx_audit_event_type').on(table.eventType),
  index('idx_audit_actor').on(table.actorId),
  index('idx_audit_subject').on(table.subjectType, table.subjectId),
  index('idx_audit_created').on(table.createdAt),
  unique('audit_log_chain_position_key').on(table.chainPosition),
  checkOneOf('audit_log_severity_check', 'severity', AUDIT_SEVERITIES),
  ...gpsChecks('audit_log'),
  ...hashChainChecks('audit_log'),
  checkCanonicalTimestamp('audit_log', 'created_at'),
  check('audit_log_canonical_version_check', sql`${table.canonicalVersion} in (1, 2)`),
]);

// ─── RELATIONS ──────────────────────────────

export const competencyTasksRelations = relations(competencyTasks, ({ many }) => ({
  studentCompetencies: many(studentCompetencies),
}));

export const studentCompetenciesRelations = relations(studentCompetencies, ({ one }) => ({
  student: one(students, {
    fields: [studentCompetencies.studentId],
    references: [students.id],
  }),
  task: one(competencyTasks, {
    fields: [studentCompetencies.taskId],
    references: [competencyTasks.id],
  }),
  instructor: one(instructors, {
    fields: [studentCompetencies.instructorId],
    references: [instructors.id],
  }),
  lesson: one(lessons, {
    fields: [studentCompetencies.lessonId],
    references: [lessons.id],
  }),
  signature: one(signatures, {
    fields: [studentCompetencies.signatureId],
    references: [signatures.id],
  }),
}));
