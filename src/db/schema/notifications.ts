// Outbound notifications (email, SMS, push) and their delivery state: the outbox every message of the
// platform goes through (SPEC-07), and each user's or number's notification preferences.
// Issue 18 adds what a safe outbox needs (docs/notifications.md): an idempotency key (one row however
// many crons enqueue it), the SMS segment count, and the sending columns (when the row is next due,
// how many sends were tried, the lease of the worker sending it now). notifications_lifecycle_guard
// (migration 0028) holds the status moves.
import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './crm.js';
import { checkOneOf, createdAt, timestamptz, updatedAt } from './columns.js';
import { NOTIFICATION_CHANNELS, NOTIFICATION_PREFERENCE_TYPES, NOTIFICATION_STATUSES } from './enums.js';

export const notifications = pgTable('notifications', {
  id: uuid('id').primaryKey().defaultRandom(),

  // Recipient
  recipientId: text('recipient_id'), // Clerk user ID
  recipientContactId: uuid('recipient_contact_id').references(() => contacts.id),
  recipientPhone: text('recipient_phone'),
  recipientEmail: text('recipient_email'),

  channel: text('channel', { enum: NOTIFICATION_CHANNELS }).notNull(),
  notificationType: text('notification_type').notNull(),

  // Content
  subject: text('subject'),
  body: text('body').notNull(),

  // Delivery
  status: text('status', { enum: NOTIFICATION_STATUSES }).notNull().default('pending'),
  externalId: text('external_id'), // Twilio SID / Resend ID
  sentAt: timestamptz('sent_at'),
  deliveredAt: timestamptz('delivered_at'),
  failedReason: text('failed_reason'),

  // What caused it
  triggeredBy: text('triggered_by'),
  relatedId: uuid('related_id'),

  // Issue 18: the outbox
  /** The caller's key for "this message": enqueueing it again returns the row already written. */
  idempotencyKey: text('idempotency_key'),
  /** SMS only: the segments the body takes (GSM-7: 160, 153 per part; UCS-2: 70, 67). */
  segments: integer('segments'),
  /** When the row is next due: the enqueue's sendAfter, then the time of each retry. */
  nextAttemptAt: timestamptz('next_attempt_at').notNull().defaultNow(),
  /** Sends tried: each claim counts one. */
  attempts: integer('attempts').notNull().default(0),
  /** While `sending`: the lease of the worker sending it. */
  leaseExpiresAt: timestamptz('lease_expires_at'),
  claimToken: uuid('claim_token'),
  claimedBy: text('claimed_by'),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_notif_recipient').on(table.recipientId),
  index('idx_notif_status').on(table.status),
  index('idx_notif_type').on(table.notificationType),
  uniqueIndex('notifications_idempotency_key_unique').on(table.idempotencyKey),
  // a provider's id names one message of that channel: a delivery report finds exactly one row
  uniqueIndex('notifications_channel_external_id_unique').on(table.channel, table.externalId),
  // what the claim reads: due pending rows, and sending rows whose lease ran out
  index('notifications_due_idx').on(table.nextAttemptAt).where(sql`status = 'pending'`),
  index('notifications_lease_idx').on(table.leaseExpiresAt).where(sql`status = 'sending'`),
  checkOneOf('notifications_channel_check', 'channel', NOTIFICATION_CHANNELS),
  checkOneOf('notifications_status_check', 'status', NOTIFICATION_STATUSES),
  check('notifications_segments_check', sql`segments IS NULL OR (channel = 'sms' AND segments >= 1)`),
  check('notifications_attempts_check', sql`attempts >= 0`),
  check('notifications_lease_check', sql`(status = 'sending') = (lease_expires_at IS NOT NULL AND claim_token IS NOT NULL)`),
  check('notifications_sent_check', sql`status NOT IN ('sent', 'delivered', 'bounced') OR (external_id IS NOT NULL AND sent_at IS NOT NULL)`),
  check('notifications_delivered_check', sql`status <> 'delivered' OR delivered_at IS NOT NULL`),
]);

// ─────────────────────────────────────────────
// NOTIFICATION_PREFERENCES (SPEC-07 section 3.2)
// A user's opt-in or opt-out per (notification type, channel); no row = enabled. Issue 18 adds rows
// for a phone number (a STOP reply opts the number out of every SMS: type `all`), which SPEC-07 has
// nowhere to keep: either user_id or phone, never both.
// ─────────────────────────────────────────────
export const notificationPreferences = pgTable('notification_preferences', {
  id: uuid('id').primaryKey().defaultRandom(),

  userId: text('user_id'), // Clerk user ID
  phone: text('phone'), // E.164, for a number's own opt-out (issue 18)

  notificationType: text('notification_type', { enum: NOTIFICATION_PREFERENCE_TYPES }).notNull(),
  channel: text('channel', { enum: NOTIFICATION_CHANNELS }).notNull(),

  enabled: boolean('enabled').notNull().default(true),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_notif_pref_user').on(table.userId),
  unique('uq_notif_pref').on(table.userId, table.notificationType, table.channel),
  uniqueIndex('notification_preferences_phone_unique').on(table.phone, table.notificationType, table.channel),
  checkOneOf('notification_preferences_channel_check', 'channel', NOTIFICATION_CHANNELS),
  checkOneOf('notification_preferences_notification_type_check', 'notification_type', NOTIFICATION_PREFERENCE_TYPES),
  check('notification_preferences_owner_check', sql`(user_id IS NULL) <> (phone IS NULL)`),
  check('notification_preferences_phone_check', sql`phone IS NULL OR (phone ~ '^\\+[1-9][0-9]{6,14}$' AND channel = 'sms' AND notification_type = 'all')`),
  check('notification_preferences_all_check', sql`notification_type <> 'all' OR phone IS NOT NULL`),
]);
