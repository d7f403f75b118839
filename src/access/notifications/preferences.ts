// Notification preferences (SPEC-07 section 3.2): per user, per (type, channel); no row = enabled. The
// student or parent for themselves, admins for anyone; the types the school must send cannot be turned
// off (NOT_OPTABLE). A number's own STOP or START reply (./inbound.ts) is kept here too, as a row for the
// phone (type `all`, channel sms). Every change is audited.
import { and, eq, sql } from 'drizzle-orm';
import { ForbiddenError, NotFoundError } from '../../db/errors.js';
import { notificationPreferences, profiles } from '../../db/schema/index.js';
import { recordAudit } from '../core/audit.js';
import type { OperationContext } from '../core/context.js';
import { defineOperation } from '../core/operation.js';
import { NotOptableError } from './errors.js';
import { setNotificationPreferenceInput } from './inputs.js';
import { isOptable } from './rules.js';

export interface NotificationPreferenceSetting {
  userId: string;
  notificationType: string;
  channel: string;
  enabled: boolean;
}

/** Sets one of a user's preferences; setting it to what it already is changes nothing and audits nothing. */
export const setNotificationPreference = defineOperation({
  name: 'setNotificationPreference',
  kind: 'write',
  input: setNotificationPreferenceInput,
  async run(ctx, input): Promise<NotificationPreferenceSetting> {
    ctx.school();
    const a = ctx.actor;
    if (a.kind === 'system') throw new ForbiddenError('a system actor has no preferences to set'); // (its cells forbid it already)
    const userId = input.userId ?? a.userId;
    if (userId !== a.userId && a.kind !== 'admin') throw new ForbiddenError('a person sets only their own notification preferences');
    if (!input.enabled && !isOptable(input.notificationType)) throw new NotOptableError(input.notificationType);
    if (userId !== a.userId) {
      const [p] = await ctx.tx.select({ id: profiles.id }).from(profiles).where(and(eq(profiles.userId, userId), sql`${profiles.deletedAt} is null`));
      if (!p) throw new NotFoundError(`user ${userId} not found`);
    }
    const key = and(eq(notificationPreferences.userId, userId), eq(notificationPreferences.notificationType, input.notificationType), eq(notificationPreferences.channel, input.channel));
    const [before] = await ctx.tx.select().from(notificationPreferences).where(key).for('update');
    const result = { userId, notificationType: input.notificationType, channel: input.channel, enabled: input.enabled };
    if ((before?.enabled ?? true) === input.enabled) return result;
    const [row] = await ctx.tx
      .insert(notificationPreferences)
      .values({ userId, notificationType: input.notificationType, channel: input.channel, enabled: input.enabled })
      .onConflictDoUpdate({ target: [notificationPreferences.userId, notificationPreferences.notificationType, notificationPreferences.channel], set: { enabled: input.enabled } })
      .returning();
    await recordAudit(ctx, {
      eventType: 'NOTIFICATION_PREFERENCE_CHANGED',
      subjectType: 'notification_preference',
      subjectId: row.id,
      details: { userId, notificationType: input.notificationType, channel: input.channel, enabled: input.enabled },
    });
    return result;
  },
});

/**
 * A number's STOP (enabled false) or START (true) reply: every SMS to it is skipped until it says START.
 * Audited as NOTIFICATION_OPT_OUT / NOTIFICATION_OPT_IN about the contact who sent it (the number
 * itself is not put in the append-only audit log). A repeat changes nothing.
 */
export async function setNumberOptOut(ctx: OperationContext, phone: string, optedOut: boolean, contactId: string): Promise<boolean> {
  const key = and(eq(notificationPreferences.phone, phone), eq(notificationPreferences.notificationType, 'all'), eq(notificationPreferences.channel, 'sms'));
  const [before] = await ctx.tx.select().from(notificationPreferences).where(key).for('update');
  if ((before ? !before.enabled : false) === optedOut) return false;
  if (before) {
    await ctx.tx.update(notificationPreferences).set({ enabled: !optedOut }).where(eq(notificationPreferences.id, before.id));
  } else {
    // two concurrent STOPs from one number: the unique index keeps one row, the second finds it opted out already
    const [row] = await ctx.tx.insert(notificationPreferences).values({ phone, notificationType: 'all', channel: 'sms', enabled: !optedOut }).onConflictDoNothing().returning();
    if (!row) return false;
  }
  await recordAudit(ctx, {
    eventType: optedOut ? 'NOTIFICATION_OPT_OUT' : 'NOTIFICATION_OPT_IN',
    subjectType: 'contact',
    subjectId: contactId,
    details: { channel: 'sms', via: optedOut ? 'STOP reply' : 'START reply' },
  });
  return true;
}
