// The outbox (SPEC-07; docs/notifications.md): enqueueNotification writes the one row a message is,
// however many callers ask for it. The row is rendered and counted here (the adapters, Twilio and
// Resend, stay outside the package: a worker claims the row and sends it, ./workers.ts). A recipient
// who opted out, or has no address for the channel, gets a `skipped` row, so every decision is on record.
import { and, eq, sql } from 'drizzle-orm';
import { ForbiddenError, NotFoundError, ValidationError } from '../../db/errors.js';
import { contacts, notificationPreferences, notifications, profiles } from '../../db/schema/index.js';
import { queryRows } from '../../db/sql.js';
import { actorName } from '../core/actor.js';
import { recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { normalizePhone } from '../crm/rules.js';
import { IdempotencyKeyReusedError } from './errors.js';
import { enqueueNotificationInput, type RecipientInput } from './inputs.js';
import { isOptable, MAX_SMS_CHARS, renderTemplate, smsLength, type NotificationType } from './rules.js';
import { notificationView, type NotificationView } from './views.js';

interface Recipient {
  userId: string | null;
  contactId: string | null;
  phone: string | null;
  email: string | null;
}

/** The user's profile address, the contact's, or the address given. A user or contact that does not exist: NOT_FOUND. */
async function resolveRecipient(ctx: OperationContext, r: RecipientInput): Promise<Recipient> {
  if ('userId' in r) {
    const [p] = await ctx.tx
      .select({ phone: profiles.phone, email: profiles.email })
      .from(profiles)
      .where(and(eq(profiles.userId, r.userId), sql`${profiles.deletedAt} is null`));
    if (!p) throw new NotFoundError(`user ${r.userId} not found`);
    // profiles.phone is free text: only a number libphonenumber-js reads is sent to
    return { userId: r.userId, contactId: null, phone: p.phone ? normalizePhone(p.phone) : null, email: p.email };
  }
  if ('contactId' in r) {
    const [c] = await ctx.tx
      .select({ userId: contacts.userId, phone: contacts.phone, email: contacts.email })
      .from(contacts)
      .where(and(eq(contacts.id, r.contactId), sql`${contacts.deletedAt} is null`));
    if (!c) throw new NotFoundError(`contact ${r.contactId} not found`);
    return { userId: c.userId, contactId: r.contactId, phone: c.phone, email: c.email };
  }
  return { userId: null, contactId: null, phone: 'phone' in r ? r.phone : null, email: 'email' in r ? r.email : null };
}

/**
 * An instructor writes only to their own people: a student they teach, a parent actively linked to one,
 * or a contact assigned to them; never to an address of their choosing (that is the school's, admins
 * and jobs).
 */
async function checkInstructorRecipient(ctx: OperationContext, r: RecipientInput): Promise<void> {
  const a = ctx.actor;
  if (a.kind !== 'instructor') return;
  let own = false;
  if ('userId' in r) {
    const [row] = await queryRows<{ own: boolean }>(ctx.tx, sql`
      select exists (select 1 from students s where s.user_id = ${r.userId} and s.instructor_id = ${a.instructorId})
          or exists (select 1 from parents p
                       join parent_student_links l on l.parent_id = p.id and l.status = 'active'
                       join students s on s.id = l.student_id and s.instructor_id = ${a.instructorId}
                      where p.user_id = ${r.userId}) as own`);
    own = row.own;
  } else if ('contactId' in r) {
    const [row] = await ctx.tx.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.id, r.contactId), eq(contacts.instructorId, a.instructorId)));
    own = row !== undefined;
  }
  if (!own) throw new ForbiddenError('an instructor sends only to their own students, their parents and their own contacts');
}

/** Why this message is not to be sent, or null: no address for the channel, a STOP from the number, an opt-out. */
async function skipReason(ctx: OperationContext, to: Recipient, type: NotificationType, channel: 'sms' | 'email'): Promise<string | null> {
  const address = channel === 'sms' ? to.phone : to.email;
  if (!address) return channel === 'sms' ? 'no phone number' : 'no email address';
  if (channel === 'sms') {
    const [stop] = await ctx.tx
      .select({ id: notificationPreferences.id })
      .from(notificationPreferences)
      .where(and(eq(notificationPreferences.phone, address), eq(notificationPreferences.notificationType, 'all'), eq(notificationPreferences.enabled, false)));
    if (stop) return 'the number replied STOP';
  }
  if (to.userId && isOptable(type)) {
    const [pref] = await ctx.tx
      .select({ enabled: notificationPreferences.enabled })
      .from(notificationPreferences)
      .where(and(eq(notificationPreferences.userId, to.userId), eq(notificationPreferences.notificationType, type), eq(notificationPreferences.channel, channel)));
    if (pref && !pref.enabled) return 'the recipient opted out of this type on this channel';
  }
  return null;
}

/** The rendered subject and body, or VALIDATION_ERROR naming the placeholders without a value. */
function render(input: { channel: 'sms' | 'email'; template: { subject?: string; body: string }; data: Record<string, unknown> }) {
  const body = renderTemplate(input.template.body, input.data);
  const subject = input.template.subject === undefined ? null : renderTemplate(input.template.subject, input.data);
  const missing = [...new Set([...body.missing, ...(subject?.missing ?? [])])];
  if (missing.length > 0) {
    throw new ValidationError(`template: no value for ${missing.map((m) => `{${m}}`).join(', ')}`, missing.map((m) => `data.${m}: required by the template`), ['data']);
  }
  if (input.channel === 'sms' && body.text.length > MAX_SMS_CHARS) {
    throw new ValidationError(`template.body: an SMS is at most ${MAX_SMS_CHARS} characters once rendered`, [`template.body: ${body.text.length} characters rendered`], ['template.body']);
  }
  return { subject: subject?.text ?? null, body: body.text, segments: input.channel === 'sms' ? smsLength(body.text).segments : null };
}

export interface EnqueuedNotification {
  notification: NotificationView;
  /** False when the idempotency key already named this notification: nothing new was written. */
  created: boolean;
}

/**
 * Writes a notification to the outbox, once per idempotency key: concurrent callers with one key make
 * one row (INSERT ... ON CONFLICT on the key's unique index, then the row that exists). A key already
 * used for another type or channel is IDEMPOTENCY_KEY_REUSED. The row is `pending` (due at `sendAfter`)
 * or `skipped` with the reason in failed_reason.
 */
export const enqueueNotification = defineOperation({
  name: 'enqueueNotification',
  kind: 'write',
  input: enqueueNotificationInput,
  async run(ctx, input): Promise<EnqueuedNotification> {
    ctx.school();
    await checkInstructorRecipient(ctx, input.recipient);
    const content = render(input);
    const to = await resolveRecipient(ctx, input.recipient);
    const skipped = await skipReason(ctx, to, input.type, input.channel);
    const [inserted] = await ctx.tx
      .insert(notifications)
      .values({
        recipientId: to.userId,
        recipientContactId: to.contactId,
        recipientPhone: to.phone,
        recipientEmail: to.email,
        channel: input.channel,
        notificationType: input.type,
        subject: content.subject,
        body: content.body,
        segments: content.segments,
        status: skipped ? 'skipped' : 'pending',
        failedReason: skipped,
        triggeredBy: actorName(ctx.actor),
        relatedId: input.relatedId ?? null,
        idempotencyKey: input.idempotencyKey,
        nextAttemptAt: input.sendAfter ?? sql`now()`,
      })
      .onConflictDoNothing({ target: notifications.idempotencyKey })
      .returning();
    if (!inserted) {
      const [existing] = await ctx.tx.select().from(notifications).where(eq(notifications.idempotencyKey, input.idempotencyKey));
      if (existing.channel !== input.channel || existing.notificationType !== input.type) throw new IdempotencyKeyReusedError(input.idempotencyKey);
      return { notification: notificationView(existing), created: false };
    }
    // A job's messages are their own record (the row names the job); a person writing to someone is audited.
    if (ctx.actor.kind !== 'system') {
      await recordAudit(ctx, {
        eventType: 'NOTIFICATION_ENQUEUED',
        subjectType: 'notification',
        subjectId: inserted.id,
        details: { type: input.type, channel: input.channel, status: inserted.status },
      });
    }
    return { notification: notificationView(inserted), created: true };
  },
});
