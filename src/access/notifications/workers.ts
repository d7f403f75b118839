// The sending workers' side of the outbox (docs/notifications.md "What a worker does"). A worker calls
//   claimNotifications   -> due rows, each now `sending` under a lease and a claim token;
//   (sends each through its adapter, Twilio or Resend, outside this package);
//   markNotificationSent -> `sent` with the provider's id, or
//   markNotificationFailed -> back to `pending` after 30 s, 2 min, 10 min, then `failed`.
// The claim takes rows FOR UPDATE SKIP LOCKED, so concurrent workers never claim one row together, and a
// row is claimable again only when its lease has run out (a worker that died): each claim is one
// attempt, with a new token, and a report from a claim that lost its row is refused (LEASE_LOST).
import { and, eq, sql } from 'drizzle-orm';
import { NotFoundError } from '../../db/errors.js';
import { notifications } from '../../db/schema/index.js';
import type { Notification } from '../../db/types.js';
import { queryRows } from '../../db/sql.js';
import { actorName } from '../core/actor.js';
import { recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { LeaseLostError } from './errors.js';
import { claimNotificationsInput, markNotificationFailedInput, markNotificationSentInput } from './inputs.js';
import { afterFailure, MAX_ATTEMPTS } from './rules.js';
import { notificationView, type ClaimedNotification, type NotificationView } from './views.js';

/** The time a worker acts at: a job may give `now` (tests, a replay); otherwise the database's clock. */
const at = (now: Date | undefined) => (now ? sql`${now.toISOString()}::timestamptz` : sql`now()`);

type ClaimedRow = {
  id: string;
  claim_token: string;
  channel: 'sms' | 'email' | 'push';
  notification_type: string;
  recipient_phone: string | null;
  recipient_email: string | null;
  subject: string | null;
  body: string;
  segments: number | null;
  attempts: number;
  lease_expires_at: Date | string;
};

/**
 * Claims up to `limit` due notifications (pending and due, or sending with a lease that ran out), oldest
 * due first, for `leaseSeconds`. A row whose lease ran out on its last attempt is failed instead (a
 * message that kills its worker every time is not retried for ever).
 */
export const claimNotifications = defineOperation({
  name: 'claimNotifications',
  kind: 'write',
  input: claimNotificationsInput,
  async run(ctx, input): Promise<ClaimedNotification[]> {
    ctx.school();
    const now = at(input.now);
    await ctx.tx.execute(sql`
      update notifications set status = 'failed', lease_expires_at = null,
             failed_reason = 'its lease ran out on the last attempt (the worker stopped before reporting)'
       where id in (select id from notifications
                     where status = 'sending' and lease_expires_at <= ${now} and attempts >= ${MAX_ATTEMPTS}
                     for update skip locked)`);
    const rows = await queryRows<ClaimedRow>(ctx.tx, sql`
      with due as (
        select id from notifications
         where (status = 'pending' and next_attempt_at <= ${now})
            or (status = 'sending' and lease_expires_at <= ${now} and attempts < ${MAX_ATTEMPTS})
         order by next_attempt_at, id
         limit ${input.limit}
         for update skip locked)
      update notifications n
         set status = 'sending', attempts = n.attempts + 1, claim_token = gen_random_uuid(), claimed_by = ${actorName(ctx.actor)},
             lease_expires_at = ${now} + make_interval(secs => ${input.leaseSeconds})
        from due where n.id = due.id
      returning n.id, n.claim_token, n.channel, n.notification_type, n.recipient_phone, n.recipient_email, n.subject, n.body,
                n.segments, n.attempts, n.lease_expires_at`);
    return rows.map((r) => ({
      id: r.id,
      claimToken: r.claim_token,
      channel: r.channel,
      notificationType: r.notification_type,
      to: (r.channel === 'sms' ? r.recipient_phone : r.recipient_email) ?? '',
      subject: r.subject,
      body: r.body,
      segments: r.segments,
      attempt: r.attempts,
      leaseExpiresAt: new Date(r.lease_expires_at),
    }));
  },
});

/** The row, locked; NOT_FOUND when there is none. */
async function lockedNotification(ctx: OperationContext, notificationId: string): Promise<Notification> {
  const [row] = await ctx.tx.select().from(notifications).where(eq(notifications.id, notificationId)).for('update');
  if (!row) throw new NotFoundError(`notification ${notificationId} not found`);
  return row;
}

export interface SentResult {
  notification: NotificationView;
  /** True when this claim's send was recorded before: a repeat of the same report changes nothing. */
  alreadyRecorded: boolean;
}

/** Records the send of a claimed notification, with the provider's id (unique per channel: DUPLICATE_EXTERNAL_ID). */
export const markNotificationSent = defineOperation({
  name: 'markNotificationSent',
  kind: 'write',
  input: markNotificationSentInput,
  async run(ctx, input): Promise<SentResult> {
    ctx.school();
    // The usual case in one statement: the row is still this claim's, sending.
    const [updated] = await ctx.tx
      .update(notifications)
      .set({ status: 'sent', externalId: input.externalId, leaseExpiresAt: null, failedReason: null })
      .where(and(eq(notifications.id, input.notificationId), eq(notifications.claimToken, input.claimToken), eq(notifications.status, 'sending')))
      .returning();
    if (updated) return { notification: notificationView(updated), alreadyRecorded: false };
    const row = await lockedNotification(ctx, input.notificationId);
    // this claim's send, reported again (the first report's answer was lost): the same provider id is a repeat
    if (row.claimToken === input.claimToken && row.status !== 'sending' && row.externalId === input.externalId) {
      return { notification: notificationView(row), alreadyRecorded: true };
    }
    throw new LeaseLostError(input.notificationId);
  },
});

export interface FailedResult {
  notification: NotificationView;
  /** When the next attempt is due, or null when the notification has failed for good. */
  retryAt: Date | null;
  alreadyRecorded: boolean;
}

/**
 * Records a failed send of a claimed notification: it is due again after 30 s, 2 min and 10 min, and
 * after the 4th attempt (or a failure a retry cannot fix, `retryable: false`) it is `failed`, audited
 * as NOTIFICATION_FAILED (someone was not told something).
 */
export const markNotificationFailed = defineOperation({
  name: 'markNotificationFailed',
  kind: 'write',
  input: markNotificationFailedInput,
  async run(ctx, input): Promise<FailedResult> {
    ctx.school();
    const row = await lockedNotification(ctx, input.notificationId);
    if (row.claimToken !== input.claimToken) throw new LeaseLostError(input.notificationId);
    if (row.status !== 'sending') {
      if ((row.status === 'pending' || row.status === 'failed') && row.externalId === null && row.failedReason === input.reason) {
        return { notification: notificationView(row), retryAt: row.status === 'pending' ? row.nextAttemptAt : null, alreadyRecorded: true };
      }
      throw new LeaseLostError(input.notificationId);
    }
    const next = afterFailure(row.attempts, input.retryable);
    const [updated] = await ctx.tx
      .update(notifications)
      .set(
        next.status === 'pending'
          ? { status: 'pending', leaseExpiresAt: null, failedReason: input.reason, nextAttemptAt: sql`${at(input.now)} + make_interval(secs => ${next.retryInSeconds})` }
          : { status: 'failed', leaseExpiresAt: null, failedReason: input.reason },
      )
      .where(eq(notifications.id, row.id))
      .returning();
    if (next.status === 'failed') {
      await recordAudit(ctx, {
        eventType: 'NOTIFICATION_FAILED',
        severity: 'warning',
        subjectType: 'notification',
        subjectId: row.id,
        details: { type: row.notificationType, channel: row.channel, attempts: row.attempts, retryable: input.retryable },
      });
    }
    return { notification: notificationView(updated), retryAt: next.status === 'pending' ? updated.nextAttemptAt : null, alreadyRecorded: false };
  },
});
