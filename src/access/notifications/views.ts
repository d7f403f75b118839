// What the notification operations return: a notification's state without its claim token (only the
// worker holding the claim gets that, from claimNotifications).
import { getTableColumns } from 'drizzle-orm';
import { notifications } from '../../db/schema/index.js';
import type { Notification } from '../../db/types.js';

const { claimToken: _claimToken, claimedBy: _claimedBy, leaseExpiresAt: _lease, ...notificationColumns } = getTableColumns(notifications);
export { notificationColumns };

export type NotificationView = Omit<Notification, 'claimToken' | 'claimedBy' | 'leaseExpiresAt'>;

export function notificationView(row: Notification): NotificationView {
  const { claimToken: _t, claimedBy: _c, leaseExpiresAt: _l, ...view } = row;
  return view;
}

/** A notification a worker claimed: what to send, where, and the token that proves the claim. */
export interface ClaimedNotification {
  id: string;
  claimToken: string;
  channel: 'sms' | 'email' | 'push';
  notificationType: string;
  /** The E.164 phone (sms) or the email address (email). */
  to: string;
  subject: string | null;
  body: string;
  segments: number | null;
  /** 1 for the first send, up to 4. */
  attempt: number;
  leaseExpiresAt: Date;
}
