// Conversations over SMS, web chat and voice: threads, their messages and voice-agent call logs.
import { relations, sql } from 'drizzle-orm';
import {
  boolean, check, index, integer, jsonb, numeric, pgTable, text, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core';
import { contacts } from './crm.js';
import { checkOneOf, createdAt, timestamptz, updatedAt } from './columns.js';
import {
  CALL_OUTCOMES, CALL_RESOLUTIONS, COMMUNICATION_DIRECTIONS, CONVERSATION_CHANNELS,
  CONVERSATION_MODES, CONVERSATION_STATUSES, MESSAGE_SENDER_TYPES,
} from './enums.js';

// ─────────────────────────────────────────────
// CONVERSATIONS
// SMS and web chat conversation threads.
// ─────────────────────────────────────────────
export const conversations = pgTable('conversations', {
  id: uuid('id').primaryKey().defaultRandom(),

  contactId: uuid('contact_id').references(() => contacts.id),
  userId: text('user_id'), // Clerk user ID (if known)

  channel: text('channel', { enum: CONVERSATION_CHANNELS }).notNull(),
  channelIdentifier: text('channel_identifier'), // Phone number or session ID

  mode: text('mode', { enum: CONVERSATION_MODES }).notNull().default('prospect'),

  status: text('status', { enum: CONVERSATION_STATUSES }).notNull().default('active'),
  handoffReason: text('handoff_reason'),

  startedAt: timestamptz('started_at').notNull().defaultNow(),
  lastMessageAt: timestamptz('last_message_at').notNull().defaultNow(),
  messageCount: integer('message_count').notNull().default(0),

  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (table) => [
  index('idx_conv_contact').on(table.contactId),
  index('idx_conv_channel').on(table.channel, table.channelIdentifier),
  index('idx_conv_status').on(table.status),
  // one open thread per contact on SMS and per session on web chat (issue 18): concurrent inbound
  // messages of one person land in one conversation
  uniqueIndex('conversations_open_sms_contact_unique').on(table.contactId).where(sql`channel = 'sms' AND status <> 'closed'`),
  uniqueIndex('conversations_open_web_chat_session_unique').on(table.channelIdentifier).where(sql`channel = 'web_chat' AND status <> 'closed'`),
  checkOneOf('conversations_channel_check', 'channel', CONVERSATION_CHANNELS),
  checkOneOf('conversations_mode_check', 'mode', CONVERSATION_MODES),
  checkOneOf('conversations_status_check', 'status', CONVERSATION_STATUSES),
  check('conversations_message_count_check', sql`message_count >= 0`),
]);

// ─────────────────────────────────────────────
// MESSAGES
// Individual messages within conversations.
// ─────────────────────────────────────────────
export const messages = pgTable('messages', {
  id: uuid('id').primaryKey().defaultRandom(),
  conversationId: uuid('conversation_id').notNull().references(() => conversations.id),

  direction: text('direction', { enum: COMMUNICATION_DIRECTIONS }).notNull(),
  senderType: text('sender_type', { enum: MESSAGE_SENDER_TYPES }).notNull(),

  content: text('content').notNull(),

  // AI metadata
  ragSources: jsonb('rag_sources'),
  confidence: numeric('confidence', { precision: 3, scale: 2 }),
  intentDetected: text('intent_detected'),

  // Delivery (for SMS)
  externalId: text('external_id'), // Twilio message SID
  deliveryStatus: text('delivery_status'), // free text from the provider: 'sent', 'delivered', 'failed'

  createdAt: createdAt(),
}, (table) => [
  index('idx_messages_conversation').on(table.conversationId),
  index('idx_messages_created').on(table.createdAt),
  // a provider's message id is one message, however often its webhook is delivered (issue 18)
  uniqueIndex('messages_external_id_unique').on(table.externalId),
  checkOneOf('messages_direction_check', 'direction', COMMUNICATION_DIRECTIONS),
  checkOneOf('messages_sender_type_check', 'sender_type', MESSAGE_SENDER_TYPES),
  check('messages_confidence_check', sql`confidence BETWEEN 0 AND 1`),
]);

// ─────────────────────────────────────────────
// CALL_LOGS
// Voice agent call records.
// ─────────────────────────────────────────────
export const callLogs = pgTable('call_logs', {
  id: uuid('id').primaryKey().defaultRandom(),
  contactId: uuid('contact_id').references(() => contacts.id),
  conversationId: uuid('conversation_id').references(() => conversations.id),

  callerPhone: text('caller_phone').notNull(),
  callDirection: text('call_direction', { enum: COMMUNICATION_DIRECTIONS }).notNull().default('inbound'),

  startedAt: timestamptz('started_at').notNull(),
  endedAt: timestamptz('ended_at'),
  durationSeconds: integer('duration_seconds'),

  outcome: text('outcome', { enum: CALL_OUTCOMES }).notNull().default('answered'),
  resolution: text('resolution', { enum: CALL_RESOLUTIONS }),

  transcript: text('transcript'),
  summary: text('summary'),
  callerName: text('caller_name'),
  callerReason: text('caller_reason'),

  voiceProvider: text('voice_provider'), // free text, e.g. 'vapi', 'bland', 'retell'
  externalCallId: text('external_call_id'),

  requiresCallback: boolean('requires_callback').notNull().default(false),
  callbackScheduledAt: timestamptz('callback_scheduled_at'),
  callbackCompletedAt: timestamptz('callback_completed_at'),

  createdAt: createdAt(),
}, (table) => [
  index('idx_calls_contact').on(table.contactId),
  index('idx_calls_caller_phone').on(table.callerPhone),
  index('idx_calls_started').on(table.startedAt),
  // a provider's call id is one call log, however often its end-of-call report arrives (issue 18)
  uniqueIndex('call_logs_external_call_unique').on(table.voiceProvider, table.externalCallId),
  // Partial: only the few calls still waiting for a callback are indexed
  index('idx_calls_requires_callback').on(table.requiresCallback).where(sql`requires_callback = TRUE`),
  checkOneOf('call_logs_call_direction_check', 'call_direction', COMMUNICATION_DIRECTIONS),
  checkOneOf('call_logs_outcome_check', 'outcome', CALL_OUTCOMES),
  checkOneOf('call_logs_resolution_check', 'resolution', CALL_RESOLUTIONS),
  // >=, not >: a missed call can end the instant it starts
  check('call_logs_ended_after_started_check', sql`ended_at IS NULL OR ended_at >= started_at`),
  check('call_logs_duration_seconds_check', sql`duration_seconds >= 0`),
]);

// ─── RELATIONS ──────────────────────────────

export const conversationsRelations = relations(conversations, ({ one, many }) => ({
  contact: one(contacts, {
    fields: [conversations.contactId],
    references: [contacts.id],
  }),
  messages: many(messages),
  callLogs: many(callLogs),
}));

export const messagesRelations = relations(messages, ({ one }) => ({
  conversation: one(conversations, {
    fields: [messages.conversationId],
    references: [conversations.id],
  }),
}));

export const callLogsRelations = relations(callLogs, ({ one }) => ({
  contact: one(contacts, {
    fields: [callLogs.contactId],
    references: [contacts.id],
  }),
  conversation: one(conversations, {
    fields: [callLogs.conversationId],
    references: [conversations.id],
  }),
}));
