// Delivery reports (SPEC-07 section 15): a provider's webhook says what became of a message it was
// given. Webhooks are delivered at least once and out of order, so a report is applied only when it
// moves the notification forward (./rules.ts deliveryMove): a repeat changes nothing, and a late `sent`
// never replaces `delivered`. A webhook reports only on its own provider's channel (webhook:twilio on
// SMS, webhook:resend on email), found by the provider's id, which is unique per channel.
import { and, eq } from 'drizzle-orm';
import { ForbiddenError, NotFoundError } from '../../db/errors.js';
import { notifications } from '../../db/schema/index.js';
import { webhookProvider } from '../core/actor.js';
import { defineOperation } from '../core/operation.js';
import { recordDeliveryStatusInput } from './inputs.js';
import { deliveryMove, PROVIDER_CHANNEL } from './rules.js';
import { notificationView, type NotificationView } from './views.js';

export interface DeliveryResult {
  notification: NotificationView;
  /** False when the report did not move the notification (a repeat, or older news than it has). */
  changed: boolean;
}

export const recordDeliveryStatus = defineOperation({
  name: 'recordDeliveryStatus',
  kind: 'write',
  input: recordDeliveryStatusInput,
  async run(ctx, input): Promise<DeliveryResult> {
    ctx.school();
    const provider = webhookProvider(ctx.actor);
    const channel = provider === null ? undefined : PROVIDER_CHANNEL[provider];
    if (channel === undefined) throw new ForbiddenError(`${provider ?? ctx.column} does not report on messages`);
    // Not found: the worker has not recorded the send yet (or it is not ours); the provider retries a report it gets no 2xx for.
    const [row] = await ctx.tx
      .select()
      .from(notifications)
      .where(and(eq(notifications.channel, channel), eq(notifications.externalId, input.externalId)))
      .for('update');
    if (!row) throw new NotFoundError(`no ${channel} notification has provider id ${input.externalId}`);
    if (deliveryMove(row.status, input.status) === 'ignore') return { notification: notificationView(row), changed: false };
    const [updated] = await ctx.tx
      .update(notifications)
      .set(
        input.status === 'delivered'
          ? { status: 'delivered', deliveredAt: input.occurredAt }
          : { status: input.status, failedReason: input.reason ?? `${provider}: ${input.status}` },
      )
      .where(eq(notifications.id, row.id))
      .returning();
    return { notification: notificationView(updated), changed: true };
  },
});
