// The inputs of the outbox, the sending workers, delivery reports and inbound messages and calls:
// bounded, phones in E.164 (libphonenumber-js, through the CRM's own parser), provider ids as their
// providers write them.
import { z } from 'zod';
import { CALL_OUTCOMES, CALL_RESOLUTIONS, NOTIFICATION_TYPES } from '../../db/schema/enums.js';
import { CLERK_USER_ID } from '../core/actor.js';
import { id, instant, storable, text } from '../core/validation.js';
import { emailAddress, phoneNumber } from '../crm/inputs.js';
import { VOICE_PROVIDERS } from './rules.js';

/** A provider's id for a message or a call (Twilio SM.../CA..., a Resend uuid, a chat message uuid). */
const providerId = () => storable(z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters')).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

/** Who a notification is for: a user (their profile's phone or email), a contact, or an address. */
export const recipientInput = z.union([
  z.strictObject({ userId: z.string().regex(CLERK_USER_ID, 'a Clerk user id looks like user_2abc...') }),
  z.strictObject({ contactId: id() }),
  z.strictObject({ phone: phoneNumber() }),
  z.strictObject({ email: emailAddress() }),
]);
export type RecipientInput = z.output<typeof recipientInput>;

/** The values a template's {placeholders} take: flat, bounded. */
const templateData = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a placeholder name').max(64), z.union([text(2000), z.number(), z.boolean()]))
  .refine((d) => Object.keys(d).length <= 50, 'at most 50 values')
  .default({});

export const enqueueNotificationInput = z
  .strictObject({
    recipient: recipientInput,
    type: z.enum(NOTIFICATION_TYPES),
    /** Push is not built in v1 (SPEC-07 key rule 10). */
    channel: z.enum(['sms', 'email']),
    /** The text with {placeholders}; an email has a subject, an SMS none. */
    template: z.strictObject({ subject: text(300).optional(), body: text(20_000) }),
    data: templateData,
    /** The caller's name for this message, e.g. booking:<id>:reminder_24h: enqueued once however often it is asked. */
    idempotencyKey: text(200),
    /** Not sent before this instant (default: now). */
    sendAfter: instant().optional(),
    /** The booking, lesson or payment the message is about. */
    relatedId: id().optional(),
  })
  .refine((v) => (v.channel === 'email') === (v.template.subject !== undefined), {
    message: 'an email has a subject; an SMS has none',
    path: ['template', 'subject'],
  });

export const setNotificationPreferenceInput = z.strictObject({
  /** Whose preference: omitted, the actor's own; another user's, admins only. */
  userId: z.string().regex(CLERK_USER_ID, 'a Clerk user id looks like user_2abc...').optional(),
  notificationType: z.enum(NOTIFICATION_TYPES),
  channel: z.enum(['sms', 'email']),
  enabled: z.boolean(),
});

export const claimNotificationsInput = z.strictObject({
  limit: z.int().min(1).max(500).default(50),
  /** How long the worker has to send and report before another may take the row over. */
  leaseSeconds: z.int().min(1).max(3600).default(120),
  now: instant().optional(),
});

export const markNotificationSentInput = z.strictObject({
  notificationId: id(),
  claimToken: id(),
  externalId: providerId(),
});

export const markNotificationFailedInput = z.strictObject({
  notificationId: id(),
  claimToken: id(),
  reason: text(500),
  /** false for a failure a retry cannot fix (an invalid number, a number that replied STOP): failed at once. */
  retryable: z.boolean().default(true),
  now: instant().optional(),
});

export const recordDeliveryStatusInput = z.strictObject({
  externalId: providerId(),
  status: z.enum(['sent', 'delivered', 'failed', 'bounced']),
  occurredAt: instant(),
  /** The provider's error code or reason, for failed and bounced. */
  reason: text(500).optional(),
});

export const recordInboundMessageInput = z
  .strictObject({
    channel: z.enum(['sms', 'web_chat']),
    /** The provider's message id (Twilio MessageSid, the chat widget's message id): the dedup key. */
    providerMessageId: providerId(),
    /** The sender's phone: required for SMS; for web chat, once the visitor gives it. */
    from: phoneNumber().optional(),
    /** The chat session (web chat only). */
    sessionId: id().optional(),
    body: storable(z.string().max(5000, 'at most 5000 characters')),
    firstName: text(100).optional(),
  })
  .refine((v) => v.channel !== 'sms' || (v.from !== undefined && v.sessionId === undefined), { message: 'an SMS has a sender phone and no session', path: ['from'] })
  .refine((v) => v.channel !== 'web_chat' || v.sessionId !== undefined, { message: 'a web chat message names its session', path: ['sessionId'] });

export const recordCallInput = z
  .strictObject({
    voiceProvider: z.enum(VOICE_PROVIDERS),
    /** The provider's call id: the dedup key. */
    externalCallId: providerId(),
    callerPhone: phoneNumber(),
    direction: z.enum(['inbound', 'outbound']).default('inbound'),
    startedAt: instant(),
    endedAt: instant().optional(),
    outcome: z.enum(CALL_OUTCOMES),
    resolution: z.enum(CALL_RESOLUTIONS).optional(),
    /** The transcript, or where the provider keeps it (a URL). */
    transcript: text(60_000).optional(),
    summary: text(5000).optional(),
    callerName: text(200).optional(),
    callerReason: text(1000).optional(),
    requiresCallback: z.boolean().default(false),
  })
  .refine((v) => v.endedAt === undefined || v.endedAt >= v.startedAt, { message: 'a call ends after it starts', path: ['endedAt'] });
