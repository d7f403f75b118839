// Outbound notifications (email, SMS, push) and their delivery state.
import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './crm.js';
import { checkOneOf, createdAt, timestamptz, updatedAt } from './columns.js';
import { NOTIFICATION_CHANNELS, NOTIFICATION_STATUSES } from './enums.js';

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

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_notif_recipient').on(table.recipientId),
  index('idx_notif_status').on(table.status),
  index('idx_notif_type').on(table.notificationType),
  checkOneOf('notifications_channel_check', 'channel', NOTIFICATION_CHANNELS),
  checkOneOf('notifications_status_check', 'status', NOTIFICATION_STATUSES),
]);
