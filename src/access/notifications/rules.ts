// The outbox's pure rules (SPEC-07, SPEC-10; docs/notifications.md): plain functions over plain data,
// tested alone (tests/notification-rules.test.ts). The database holds the same status table
// (notifications_lifecycle_guard, migration 0028); a test compares the two.
import { SegmentedMessage } from 'sms-segments-calculator';
import type { CONVERSATION_CHANNELS, NOTIFICATION_CHANNELS, NOTIFICATION_STATUSES, NOTIFICATION_TYPES } from '../../db/schema/enums.js';

export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
export type ConversationChannel = (typeof CONVERSATION_CHANNELS)[number];

// ─── Status ───

/** The moves a notification's status may make; delivered, failed, bounced and skipped are final. */
export const NOTIFICATION_TRANSITIONS: Readonly<Record<NotificationStatus, readonly NotificationStatus[]>> = {
  pending: ['sending'],
  sending: ['sending', 'pending', 'sent', 'failed'],
  sent: ['delivered', 'failed', 'bounced'],
  delivered: [],
  failed: [],
  bounced: [],
  skipped: [],
};

export function canMoveNotification(from: NotificationStatus, to: NotificationStatus): boolean {
  return NOTIFICATION_TRANSITIONS[from].includes(to);
}

// ─── Retries (SPEC-07 key rule 7) ───

/** The waits before the 2nd, 3rd and 4th attempt: 30 s, 2 min, 10 min. After the 4th: failed. */
export const RETRY_DELAYS_SECONDS = [30, 120, 600] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;

/** What a failed attempt number `attempts` (1 = the first send) leads to. */
export function afterFailure(attempts: number, retryable = true): { status: 'pending'; retryInSeconds: number } | { status: 'failed' } {
  if (!retryable || attempts >= MAX_ATTEMPTS) return { status: 'failed' };
  return { status: 'pending', retryInSeconds: RETRY_DELAYS_SECONDS[Math.max(attempts, 1) - 1] };
}

// ─── Delivery reports: idempotent and monotonic ───

/** A provider's report, in our words. */
export type DeliveryStatus = 'sent' | 'delivered' | 'failed' | 'bounced';

/**
 * Whether a delivery report moves a notification: only forward, never out of a final status, so a
 * report delivered twice, or a late `sent` after `delivered`, changes nothing. A report about a row
 * not yet recorded as sent (still pending or sending) is not applied either: the worker's own
 * markNotificationSent comes first.
 */
export function deliveryMove(current: NotificationStatus, reported: DeliveryStatus): 'apply' | 'ignore' {
  if (current !== 'sent' || reported === 'sent') return 'ignore';
  return canMoveNotification(current, reported) ? 'apply' : 'ignore';
}

/** Which provider reports on which channel: a webhook reports only on its own provider's messages. */
export const PROVIDER_CHANNEL: Readonly<Record<string, NotificationChannel>> = { twilio: 'sms', resend: 'email' };

// ─── Preferences (SPEC-07 section 3.2 and section 4) ───

/** Legally or operationally required: cannot be opted out of (SPEC-07 section 4, SPEC-10 section 18.1).
 *  A STOP reply still silences them on SMS: the carrier refuses every later SMS to that number anyway. */
export const NON_OPTABLE_TYPES: readonly NotificationType[] = [
  'booking_confirmation', 'booking_cancelled', 'booking_rescheduled', 'payment_received', 'payment_failed', 'certificate_ready',
  'handoff_sms_conversation',
];

export function isOptable(type: NotificationType): boolean {
  return !NON_OPTABLE_TYPES.includes(type);
}

/** The standard opt-out and opt-in keywords carriers and Twilio honour, as the whole message. */
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
export const OPT_IN_KEYWORDS = ['START', 'YES', 'UNSTOP'] as const;

/** 'out' for a STOP reply, 'in' for START, null for anything else ("stop by at 3" is not a STOP). */
export function optKeyword(body: string): 'out' | 'in' | null {
  const word = body.trim().replace(/[.!]+$/, '').toUpperCase();
  if ((OPT_OUT_KEYWORDS as readonly string[]).includes(word)) return 'out';
  if ((OPT_IN_KEYWORDS as readonly string[]).includes(word)) return 'in';
  return null;
}

// ─── Content ───

/**
 * The body (and subject) with each `{name}` replaced by data[name]. A placeholder without a value is
 * an error, not an empty string: "Your lesson is at ." must never be sent.
 */
export function renderTemplate(template: string, data: Readonly<Record<string, unknown>>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, key: string) => {
    const value = data[key];
    if (value === undefined || value === null || typeof value === 'object') {
      missing.push(key);
      return '';
    }
    return String(value);
  });
  return { text, missing: [...new Set(missing)] };
}

export interface SmsLength {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
}

/**
 * How many SMS segments a body takes: GSM-7 (160 septets, 153 per part of a longer message; the
 * extension table's characters such as € [ ] { } count two) unless a character needs UCS-2 (70 code
 * units, 67 per part). Counted by Twilio's own calculator (sms-segments-calculator), which also keeps
 * an escape pair or a surrogate pair from being split across parts.
 */
export function smsLength(body: string): SmsLength {
  // Fast path (the calculator splits graphemes: ~0.4 ms a call): plain ASCII that is all in the GSM-7
  // basic table is one septet a character. tests/notification-rules.test.ts checks it against the calculator.
  if (GSM7_BASIC_ASCII.test(body)) return { encoding: 'GSM-7', segments: body.length <= 160 ? 1 : Math.ceil(body.length / 153) };
  const message = new SegmentedMessage(body, 'auto');
  return { encoding: message.encodingName, segments: Math.max(message.segmentsCount, 1) };
}

/** ASCII characters of the GSM-7 basic table (not [ ] { } \\ ^ ~ |, which take two septets, nor the backtick). */
const GSM7_BASIC_ASCII = /^[A-Za-z0-9 \n\r!"#$%&'()*+,\-./:;<=>?@_]*$/;

/** Twilio refuses an SMS body longer than 1,600 characters. */
export const MAX_SMS_CHARS = 1600;

// ─── Conversations (SPEC-10 section 9, SPEC-11) ───

/** After this long without a message a thread is closed and the next message starts a new one. */
export const CONVERSATION_IDLE_SECONDS: Readonly<Record<ConversationChannel, number>> = {
  sms: 24 * 3600,
  web_chat: 30 * 60,
  voice: 24 * 3600,
};

export function isStale(channel: ConversationChannel, lastMessageAt: Date, now: Date): boolean {
  return now.getTime() - lastMessageAt.getTime() > CONVERSATION_IDLE_SECONDS[channel] * 1000;
}

/** The moves a conversation's status may make; closed is final. */
export const CONVERSATION_TRANSITIONS = {
  active: ['handoff_requested', 'closed'],
  handoff_requested: ['active', 'closed'],
  closed: [],
} as const;

/** The voice agents a call log may come from (call_logs.voice_provider): a webhook logs only its own calls. */
export const VOICE_PROVIDERS = ['vapi', 'bland', 'retell', 'twilio'] as const;
