// What an erasure does to each column of the tables that hold something about a person (PERSON_PARTS):
// `erased` columns are de-identified by nd_erase_personal_data (migration 0030); `kept` columns stay,
// each group with the reason. tests/person-erasure.test.ts reads the schema and fails when a column of
// these tables is in neither list (a new column must be classified), plants a canary in every erased
// column and proves none is left after erasePerson. docs/privacy.md is the prose of this list.

export interface ColumnFate {
  /** De-identified: NULL, or a fixed placeholder where the column may not be NULL. */
  erased: readonly string[];
  /** Kept as they are, with why. */
  kept: readonly string[];
  why: string;
}

const KEYS_AND_TIMES = ['id', 'created_at', 'updated_at'];

export const PERSONAL_COLUMNS: Readonly<Record<string, ColumnFate>> = {
  profiles: {
    erased: ['first_name', 'last_name', 'email', 'phone', 'date_of_birth', 'address_line1', 'address_line2', 'suburb', 'state', 'postcode', 'avatar_url'],
    kept: [...KEYS_AND_TIMES, 'user_id', 'role', 'status', 'onboarded_at', 'deleted_at', 'clerk_synced_at', 'clerk_event_id'],
    why: 'the account stays as a key of the kept records, deactivated (status inactive, deleted_at)',
  },
  students: {
    erased: ['school_or_work', 'referral_detail'],
    kept: [...KEYS_AND_TIMES, 'user_id', 'profile_id', 'instructor_id', 'licence_number', 'licence_type', 'licence_expiry', 'transmission', 'total_hours', 'night_hours',
      'professional_hours', 'parent_visibility', 'enrollment_date', 'estimated_test_date', 'completion_date', 'certificate_issued_at', 'certificate_number', 'status', 'referral_source'],
    why: 'the licence, hours and certificate are what the regulator asks for (Form 165751 names the licence)',
  },
  parent_student_links: {
    erased: [],
    kept: [...KEYS_AND_TIMES, 'parent_id', 'student_id', 'relationship', 'can_view_progress', 'can_view_bookings', 'can_view_payments', 'can_view_lesson_notes',
      'can_view_bridge_forms', 'can_book_lessons', 'status', 'invited_at', 'accepted_at'],
    why: 'who could see the learner, and when: ids and flags only',
  },
  parent_invitations: {
    erased: ['first_name', 'last_name', 'email', 'phone'],
    kept: [...KEYS_AND_TIMES, 'student_id', 'invited_by', 'relationship', 'can_view_progress', 'can_view_bookings', 'can_view_payments', 'can_view_lesson_notes',
      'can_view_bridge_forms', 'can_book_lessons', 'token_hash', 'expires_at', 'status', 'accepted_by', 'accepted_at', 'link_id', 'revoked_at'],
    why: 'the invitation record without whom it was sent to',
  },
  contacts: {
    erased: ['first_name', 'last_name', 'email', 'phone', 'notes', 'source_detail', 'utm_source', 'utm_medium', 'utm_campaign'],
    kept: [...KEYS_AND_TIMES, 'user_id', 'instructor_id', 'lifecycle_stage', 'lead_score', 'source', 'first_contact_at', 'last_contact_at', 'total_interactions', 'deleted_at'],
    why: 'counts and stages for the school\'s figures; the contact is marked deleted',
  },
  bookings: {
    erased: ['pickup_address', 'suburb', 'cancellation_reason', 'booking_notes', 'admin_notes'],
    kept: [...KEYS_AND_TIMES, 'instructor_id', 'student_id', 'contact_id', 'service_id', 'scheduled_date', 'start_time', 'end_time', 'duration_minutes', 'status',
      'cancelled_at', 'cancelled_by', 'payment_status', 'payment_id', 'amount_cents', 'booked_via', 'booked_by', 'is_co_lesson', 'co_lesson_parent_id', 'lesson_id', 'rescheduled_from'],
    why: 'what was booked and paid, and when: the payments and lessons refer to it',
  },
  lessons: {
    erased: [],
    kept: ['id', 'created_at', 'booking_id', 'instructor_id', 'student_id', 'lesson_number', 'lesson_date', 'start_time', 'end_time', 'total_minutes', 'rounded_minutes',
      'odo_start', 'odo_end', 'total_km', 'competencies_taught', 'competencies_assessed', 'competencies_achieved_manual', 'competencies_achieved_auto',
      'location_suburb', 'location_detail', 'comments', 'status', 'instructor_signature_id', 'student_signature_id', 'signed_at', 'device_info',
      'gps_latitude', 'gps_longitude', 'correction_of', 'correction_reason'],
    why: 'the logbook (ACT Form 10.044) is kept whole for the regulator; a signed lesson never changes',
  },
  lesson_bridge_forms: {
    erased: ['positives', 'practice_instructions', 'focus_areas', 'next_lesson_recommendation', 'pdf_url'],
    kept: ['id', 'created_at', 'lesson_id', 'student_id', 'instructor_id', 'skills_covered', 'is_visible_to_student', 'is_visible_to_parent'],
    why: 'which lesson had a form and what it covered (from the competency records)',
  },
  signatures: {
    erased: [],
    kept: ['id', 'created_at', 'signer_id', 'signer_role', 'document_type', 'document_id', 'signature_url', 'timestamp_utc', 'ip_address', 'user_agent', 'device_info',
      'gps_latitude', 'gps_longitude', 'chain_position', 'previous_hash', 'record_hash'],
    why: 'the evidence of each e-signature on the logbook and competencies (image, time, device, place), kept for the regulator',
  },
  student_competencies: {
    erased: [],
    kept: ['id', 'created_at', 'student_id', 'task_id', 'instructor_id', 'status', 'transmission', 'status_changed_at', 'lesson_id', 'signed_by_instructor',
      'signed_by_student', 'signature_id', 'chain_position', 'previous_hash', 'record_hash'],
    why: 'the CBT&A record: ids, statuses and times only',
  },
  self_assessments: {
    erased: ['responses'],
    kept: [...KEYS_AND_TIMES, 'student_id', 'assessment_type', 'completed_at', 'reviewed_by_instructor'],
    why: 'responses keep each task and confidence rating; the learner\'s notes in them are removed',
  },
  private_notes: {
    erased: ['note'],
    kept: [...KEYS_AND_TIMES, 'instructor_id', 'student_id', 'lesson_id', 'note_type'],
    why: 'that a note existed, not what it said',
  },
  payments: {
    erased: ['description', 'gateway_response'],
    kept: [...KEYS_AND_TIMES, 'student_id', 'contact_id', 'booking_id', 'package_id', 'amount_cents', 'currency', 'payment_method', 'gateway', 'gateway_payment_id',
      'status', 'refund_amount_cents', 'refund_reason', 'refunded_at', 'invoice_number', 'invoice_url', 'voucher_id', 'discount_cents', 'student_package_id',
      'completed_at', 'needs_refund'],
    why: 'tax and consumer law: amounts, refunds (with the school\'s reason) and invoices are kept 5 years',
  },
  student_packages: {
    erased: [],
    kept: [...KEYS_AND_TIMES, 'student_id', 'package_id', 'payment_id', 'credits_total', 'credits_used', 'credits_remaining', 'purchased_at', 'expires_at', 'status'],
    why: 'credits bought and used: money records',
  },
  waitlist: {
    erased: [],
    kept: [...KEYS_AND_TIMES, 'student_id', 'contact_id', 'instructor_id', 'preferred_day', 'preferred_time_start', 'preferred_time_end', 'service_id', 'status', 'notified_at'],
    why: 'ids, days and times only',
  },
  notifications: {
    erased: ['recipient_phone', 'recipient_email', 'subject', 'body', 'failed_reason'],
    kept: [...KEYS_AND_TIMES, 'recipient_id', 'recipient_contact_id', 'channel', 'notification_type', 'status', 'external_id', 'sent_at', 'delivered_at', 'triggered_by',
      'related_id', 'idempotency_key', 'segments', 'next_attempt_at', 'attempts', 'lease_expires_at', 'claim_token', 'claimed_by'],
    why: 'that a message of a type was sent, and when (SMS costs are counted by segments)',
  },
  notification_preferences: {
    erased: [],
    kept: [...KEYS_AND_TIMES, 'user_id', 'phone', 'notification_type', 'channel', 'enabled'],
    why: 'an unsubscribe (a STOP reply) must go on being honoured (Spam Act 2003), so the number it came from is kept',
  },
  conversations: {
    erased: ['channel_identifier', 'handoff_reason'],
    kept: [...KEYS_AND_TIMES, 'contact_id', 'user_id', 'channel', 'mode', 'status', 'started_at', 'last_message_at', 'message_count'],
    why: 'that a conversation took place on a channel, and when',
  },
  messages: {
    erased: ['content'],
    kept: ['id', 'created_at', 'conversation_id', 'direction', 'sender_type', 'rag_sources', 'confidence', 'intent_detected', 'external_id', 'delivery_status'],
    why: 'who said something when, not what',
  },
  call_logs: {
    erased: ['caller_phone', 'caller_name', 'caller_reason', 'transcript', 'summary'],
    kept: ['id', 'created_at', 'contact_id', 'conversation_id', 'call_direction', 'started_at', 'ended_at', 'duration_seconds', 'outcome', 'resolution', 'voice_provider',
      'external_call_id', 'requires_callback', 'callback_scheduled_at', 'callback_completed_at'],
    why: 'that a call took place, when and how long',
  },
  audit_log: {
    erased: ['ip_address', 'user_agent', 'gps_latitude', 'gps_longitude', 'personal_details', 'personal_salt'],
    kept: ['id', 'created_at', 'event_type', 'severity', 'actor_id', 'actor_role', 'subject_type', 'subject_id', 'details', 'personal_digest', 'canonical_version',
      'chain_position', 'previous_hash', 'record_hash'],
    why: 'the tamper-evident history: what happened to which record, by whom, when (v2 entries; a v1 entry is kept whole, its hash covers its values)',
  },
};
