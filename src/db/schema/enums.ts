// Every enum value list of the schema, written once. Each tuple feeds both the column's
// `text({ enum })` (TypeScript) and its CHECK constraint (database), so the two cannot drift.
// Order follows the spec; append new values at the end.

// ─── Users ──────────────────────────────────
export const USER_ROLES = ['admin', 'instructor', 'student', 'parent'] as const;
export const PROFILE_STATUSES = ['active', 'inactive', 'suspended'] as const;
/** What a student learns in, and what a competency is signed off for. */
export const TRANSMISSIONS = ['manual', 'auto'] as const;
/** An instructor may teach in either. */
export const INSTRUCTOR_TRANSMISSIONS = [...TRANSMISSIONS, 'both'] as const;
export const INSTRUCTOR_STATUSES = ['active', 'inactive', 'onboarding', 'suspended'] as const;
export const LICENCE_TYPES = ['learner', 'provisional', 'full'] as const;
export const STUDENT_STATUSES = ['active', 'inactive', 'completed', 'suspended', 'archived'] as const;
export const PARENT_RELATIONSHIPS = ['parent', 'guardian', 'supervisor', 'other'] as const;
export const PARENT_LINK_STATUSES = ['pending', 'active', 'revoked'] as const;
/** A parent invitation: pending until accepted (single use) or revoked; an expired one stays pending, unusable. */
export const PARENT_INVITATION_STATUSES = ['pending', 'accepted', 'revoked'] as const;

// ─── CRM ────────────────────────────────────
export const LIFECYCLE_STAGES = [
  'prospect', 'lead', 'qualified', 'enrolled', 'active', 'completed', 'alumni', 'lost',
] as const;

// ─── Services & availability ────────────────
export const SERVICE_CATEGORIES = ['lesson', 'co_lesson', 'assessment', 'special'] as const;
export const AVAILABILITY_OVERRIDE_TYPES = ['blocked', 'available'] as const;

// ─── Bookings ───────────────────────────────
export const BOOKING_STATUSES = [
  'pending', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show', 'rescheduled',
] as const;
/** Bookings that no longer hold their time slot (domain rule "active booking"). */
export const INACTIVE_BOOKING_STATUSES = ['cancelled', 'rescheduled'] as const satisfies
  readonly (typeof BOOKING_STATUSES)[number][];
export const BOOKING_PAYMENT_STATUSES = [
  'unpaid', 'deposit_paid', 'paid', 'package_credit', 'refunded', 'waived',
] as const;
export const BOOKING_CHANNELS = ['website', 'phone', 'sms', 'voice_agent', 'admin', 'walk_in'] as const;

// ─── Lessons ────────────────────────────────
export const LESSON_STATUSES = ['draft', 'pending_student_signature', 'completed', 'disputed'] as const;

// ─── Compliance ─────────────────────────────
export const COMPETENCY_STATUSES = [
  'not_started', 'taught', 'assessed', 'competent', 'not_yet_competent',
] as const;
export const SIGNER_ROLES = ['instructor', 'student'] as const;
export const SIGNED_DOCUMENT_TYPES = ['lesson', 'competency', 'certificate', 'enrollment'] as const;
export const AUDIT_SEVERITIES = ['info', 'warning', 'critical'] as const;

// ─── Payments ───────────────────────────────
export const PAYMENT_METHODS = [
  'card', 'direct_debit', 'afterpay', 'paypal', 'package_credit', 'voucher', 'cash', 'other',
] as const;
export const PAYMENT_STATUSES = [
  'pending', 'processing', 'completed', 'failed', 'refunded', 'partially_refunded', 'disputed',
] as const;
export const STUDENT_PACKAGE_STATUSES = ['active', 'exhausted', 'expired', 'cancelled'] as const;
export const VOUCHER_TYPES = ['percentage', 'fixed_amount', 'free_lesson'] as const;

// ─── Communication ──────────────────────────
export const CONVERSATION_CHANNELS = ['sms', 'web_chat', 'voice'] as const;
export const CONVERSATION_MODES = ['prospect', 'student', 'parent'] as const;
export const CONVERSATION_STATUSES = ['active', 'handoff_requested', 'closed'] as const;
/** Shared by messages.direction and call_logs.call_direction. */
export const COMMUNICATION_DIRECTIONS = ['inbound', 'outbound'] as const;
export const MESSAGE_SENDER_TYPES = ['user', 'ai', 'system'] as const;
export const CALL_OUTCOMES = ['answered', 'voicemail', 'missed', 'failed'] as const;
export const CALL_RESOLUTIONS = [
  'resolved', 'booking_made', 'message_taken', 'callback_scheduled', 'transferred', 'hung_up',
] as const;

// ─── Instructor tools ───────────────────────
export const PRIVATE_NOTE_TYPES = [
  'general', 'lesson_specific', 'safety_concern', 'coaching_strategy', 'personal_interest',
] as const;
export const SELF_ASSESSMENT_TYPES = [
  'pre_review_1_17', 'pre_review_1_22', 'pre_final_drive', 'general',
] as const;

// ─── Notifications ──────────────────────────
export const NOTIFICATION_CHANNELS = ['email', 'sms', 'push'] as const;
/** SPEC-01's five, plus `sending` (claimed by a worker, under a lease) and `skipped` (never sent: the
 *  recipient opted out or has no address; SPEC-07 section 4 names it), issue 18. */
export const NOTIFICATION_STATUSES = ['pending', 'sending', 'sent', 'delivered', 'failed', 'bounced', 'skipped'] as const;
/** The notification types of SPEC-07 section 4, and SPEC-10's handoff to a person (section 18.1). */
export const NOTIFICATION_TYPES = [
  'booking_confirmation', 'booking_reminder_24h', 'booking_reminder_2h', 'booking_cancelled', 'booking_rescheduled',
  'lesson_completed', 'bridge_form_ready', 'payment_received', 'payment_failed', 'package_purchased',
  'package_low_credits', 'parent_invitation', 'callback_scheduled', 'competency_achieved', 'certificate_ready',
  'waitlist_available', 'handoff_sms_conversation',
] as const;
/** notification_preferences.notification_type: a type, or `all` (a number's STOP reply: every SMS). */
export const NOTIFICATION_PREFERENCE_TYPES = [...NOTIFICATION_TYPES, 'all'] as const;

// ─── RAG ────────────────────────────────────
export const RAG_SOURCE_TYPES = [
  'regulation', 'business', 'educational', 'faq', 'blog', 'template',
] as const;
export const RAG_DOCUMENT_STATUSES = ['pending', 'processing', 'indexed', 'failed', 'archived'] as const;

// ─── System ─────────────────────────────────
export const WAITLIST_STATUSES = ['waiting', 'notified', 'booked', 'expired', 'cancelled'] as const;
