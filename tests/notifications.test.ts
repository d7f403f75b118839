// Messages and notifications (issue 18) on both engines, as a member of nexdrive_app: the outbox
// (idempotent enqueue, segments, skipped rows, who may write to whom), preferences and STOP, the workers
// (claim, lease takeover, retries after 30 s / 2 min / 10 min, LEASE_LOST), delivery reports replayed
// and reordered, inbound SMS and web chat (once per provider id, threaded, STOP), call logs, and the
// database's own rules (ND050-ND053) against raw SQL. What needs two connections at once is
// tests/notifications-concurrency.test.ts.
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  canMoveNotification, claimNotifications, CONVERSATION_TRANSITIONS, enqueueNotification, markNotificationFailed, markNotificationSent, NOTIFICATION_TRANSITIONS,
  recordCall, recordDeliveryStatus, recordInboundMessage, setNotificationPreference, systemActor,
} from '../src/access/index.js';
import { auditLog, callLogs, contacts, conversations, messages, notifications, profiles } from '../src/db/schema/index.js';
import { sqlstateOf } from '../src/db/errors.js';
import type { Notification } from '../src/db/types.js';
import { openTestDb, type TestDb } from './support/db.js';
import { actorOf, createAdmin, createInstructor, createParent, createStudent, failureOf } from './support/fixtures.js';
import fc from './support/property.js';

const job = systemActor('cron:send-notifications');
const twilio = systemActor('webhook:twilio');
const resend = systemActor('webhook:resend');
const webChat = systemActor('agent:web-chat');
const vapi = systemActor('webhook:vapi');

let t: TestDb;
let school: Awaited<ReturnType<typeof buildSchool>>;

async function buildSchool(db: TestDb['db']) {
  const instructor = await createInstructor(db);
  const student = await createStudent(db, instructor.id);
  const otherStudent = await createStudent(db, (await createInstructor(db)).id);
  const admin = await createAdmin(db);
  const { parent } = await createParent(db, student.id);
  await db.update(profiles).set({ phone: '0412 345 678' }).where(eq(profiles.userId, student.userId));
  return { instructor, student, otherStudent, admin, parent };
}

beforeAll(async () => {
  t = await openTestDb({ role: 'app' });
  school = await buildSchool(t.db);
});
afterAll(() => t.dispose());

/** The error's stable code, or 'ok'. */
async function codeOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

let keys = 0;
const key = (what = 'test') => `${what}:${keys++}:${randomUUID()}`;
let phones = 0;
const freshPhone = () => `+6149${String(1_000_000 + phones++).padStart(7, '0')}`;
const at = (base: Date, seconds: number) => new Date(base.getTime() + seconds * 1000);

const reminder = (recipient: Parameters<typeof enqueueNotification>[2]['recipient'], more: Partial<Parameters<typeof enqueueNotification>[2]> = {}) => ({
  recipient,
  type: 'booking_reminder_24h' as const,
  channel: 'sms' as const,
  template: { body: 'NexDrive reminder: your lesson is tomorrow at {time}. Reply STOP to opt out.' },
  data: { time: '10:00 AM' },
  idempotencyKey: key('reminder'),
  ...more,
});

async function rowOf(id: string): Promise<Notification> {
  const [row] = await t.db.select().from(notifications).where(eq(notifications.id, id));
  return row;
}

/** The test's own outbox: the workers claim school-wide, so each worker test starts from an empty one. */
async function emptyOutbox() {
  await t.asOwner((tx) => tx.delete(notifications));
}

describe('enqueueNotification', () => {
  it('writes a pending SMS to the user\'s profile phone in E.164, rendered, 1 GSM-7 segment, triggered by the job', async () => {
    const { notification, created } = await enqueueNotification(t.db, job, reminder({ userId: school.student.userId }));
    expect(created).toBe(true);
    expect(notification).toMatchObject({
      status: 'pending', channel: 'sms', notificationType: 'booking_reminder_24h', recipientId: school.student.userId, recipientPhone: '+61412345678',
      body: 'NexDrive reminder: your lesson is tomorrow at 10:00 AM. Reply STOP to opt out.', segments: 1, attempts: 0, triggeredBy: 'cron:send-notifications',
    });
    expect(notification).not.toHaveProperty('claimToken');
  });

  it('writes one row per idempotency key however often it is asked, and refuses the key for another type', async () => {
    const input = reminder({ userId: school.student.userId });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await enqueueNotification(t.db, job, input));
    expect(results.map((r) => r.created)).toEqual([true, false, false]);
    expect(new Set(results.map((r) => r.notification.id)).size).toBe(1);
    expect(await t.db.$count(notifications, eq(notifications.idempotencyKey, input.idempotencyKey))).toBe(1);
    expect(await codeOf(() => enqueueNotification(t.db, job, { ...input, type: 'booking_reminder_2h' }))).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('stores the segments of a long or non-GSM body: 71 UCS-2 characters are 2 segments', async () => {
    const { notification } = await enqueueNotification(t.db, job, reminder({ phone: '0412 000 111' }, { template: { body: `ą${'a'.repeat(70)}` }, data: {} }));
    expect(notification).toMatchObject({ recipientPhone: '+61412000111', segments: 2 });
  });

  it('refuses a template with a placeholder that has no value, and writes nothing', async () => {
    const input = reminder({ userId: school.student.userId }, { data: {} });
    const err = await failureOf(() => enqueueNotification(t.db, job, input));
    expect(err).toMatchObject({ code: 'VALIDATION_ERROR', fields: ['data'] });
    expect(await t.db.$count(notifications, eq(notifications.idempotencyKey, input.idempotencyKey))).toBe(0);
  });

  it('wants a subject on an email and none on an SMS, and refuses push (not built in v1)', async () => {
    expect(await codeOf(() => enqueueNotification(t.db, job, reminder({ email: 'sam@example.com' }, { channel: 'email' })))).toBe('VALIDATION_ERROR');
    expect(await codeOf(() => enqueueNotification(t.db, job, reminder({ phone: freshPhone() }, { template: { subject: 'Hi', body: 'Hi' } })))).toBe('VALIDATION_ERROR');
    expect(await codeOf(() => enqueueNotification(t.db, job, reminder({ phone: freshPhone() }, { channel: 'push' as 'sms' })))).toBe('VALIDATION_ERROR');
    const { notification } = await enqueueNotification(t.db, job, reminder({ userId: school.student.userId }, { channel: 'email', template: { subject: 'Lesson at {time}', body: 'See you at {time}' } }));
    expect(notification).toMatchObject({ status: 'pending', subject: 'Lesson at 10:00 AM', recipientEmail: `${school.student.userId}@example.com`, segments: null });
  });

  it('writes a skipped row, with the reason, for a recipient without a phone', async () => {
    const { notification } = await enqueueNotification(t.db, job, reminder({ userId: school.otherStudent.userId }));
    expect(notification).toMatchObject({ status: 'skipped', failedReason: 'no phone number', recipientPhone: null });
  });

  it('is NOT_FOUND for a user or contact that does not exist', async () => {
    expect(await codeOf(() => enqueueNotification(t.db, job, reminder({ userId: 'user_nobody' })))).toBe('NOT_FOUND');
    expect(await codeOf(() => enqueueNotification(t.db, job, reminder({ contactId: randomUUID() })))).toBe('NOT_FOUND');
  });

  it('lets an instructor write to their own student and the student\'s parent, never to another\'s student or an address', async () => {
    const own = actorOf.instructor(school.instructor);
    expect(await codeOf(() => enqueueNotification(t.db, own, reminder({ userId: school.student.userId })))).toBe('ok');
    expect(await codeOf(() => enqueueNotification(t.db, own, reminder({ userId: school.parent.userId })))).toBe('ok');
    expect(await codeOf(() => enqueueNotification(t.db, own, reminder({ userId: school.otherStudent.userId })))).toBe('FORBIDDEN');
    expect(await codeOf(() => enqueueNotification(t.db, own, reminder({ phone: freshPhone() })))).toBe('FORBIDDEN');
  });

  it('audits a person\'s message (NOTIFICATION_ENQUEUED), not a job\'s (the row names the job)', async () => {
    const byAdmin = await enqueueNotification(t.db, actorOf.admin(school.admin), reminder({ phone: freshPhone() }));
    const byJob = await enqueueNotification(t.db, job, reminder({ phone: freshPhone() }));
    const entries = async (id: string) => t.db.$count(auditLog, and(eq(auditLog.eventType, 'NOTIFICATION_ENQUEUED'), eq(auditLog.subjectId, id)));
    expect(await entries(byAdmin.notification.id)).toBe(1);
    expect(await entries(byJob.notification.id)).toBe(0);
  });
});

describe('setNotificationPreference', () => {
  it('lets a student opt out of SMS reminders for themselves (audited once); the next reminder is skipped, email still goes', async () => {
    const student = await createStudent(t.db, school.instructor.id);
    await t.db.update(profiles).set({ phone: freshPhone() }).where(eq(profiles.userId, student.userId));
    const me = actorOf.student(student);
    await setNotificationPreference(t.db, me, { notificationType: 'booking_reminder_24h', channel: 'sms', enabled: false });
    await setNotificationPreference(t.db, me, { notificationType: 'booking_reminder_24h', channel: 'sms', enabled: false });
    const audits = await t.db.$count(auditLog, and(eq(auditLog.eventType, 'NOTIFICATION_PREFERENCE_CHANGED'), eq(auditLog.actorId, student.userId)));
    expect(audits).toBe(1);
    expect((await enqueueNotification(t.db, job, reminder({ userId: student.userId }))).notification).toMatchObject({
      status: 'skipped', failedReason: 'the recipient opted out of this type on this channel',
    });
    const email = await enqueueNotification(t.db, job, reminder({ userId: student.userId }, { channel: 'email', template: { subject: 'Tomorrow', body: 'At {time}' } }));
    expect(email.notification.status).toBe('pending');
    // a required type is sent whatever the preferences
    const confirmation = await enqueueNotification(t.db, job, reminder({ userId: student.userId }, { type: 'booking_confirmation' }));
    expect(confirmation.notification.status).toBe('pending');
    await setNotificationPreference(t.db, me, { notificationType: 'booking_reminder_24h', channel: 'sms', enabled: true });
    expect((await enqueueNotification(t.db, job, reminder({ userId: student.userId }))).notification.status).toBe('pending');
  });

  it('refuses to turn off a required type (NOT_OPTABLE), another person\'s preference (FORBIDDEN); an admin sets anyone\'s', async () => {
    const me = actorOf.student(school.student);
    expect(await codeOf(() => setNotificationPreference(t.db, me, { notificationType: 'booking_confirmation', channel: 'sms', enabled: false }))).toBe('NOT_OPTABLE');
    expect(await codeOf(() => setNotificationPreference(t.db, me, { userId: school.otherStudent.userId, notificationType: 'booking_reminder_2h', channel: 'sms', enabled: false }))).toBe('FORBIDDEN');
    expect(await codeOf(() => setNotificationPreference(t.db, actorOf.parent(school.parent), { userId: school.student.userId, notificationType: 'booking_reminder_2h', channel: 'sms', enabled: false }))).toBe('FORBIDDEN');
    const admin = actorOf.admin(school.admin);
    expect(await setNotificationPreference(t.db, admin, { userId: school.otherStudent.userId, notificationType: 'waitlist_available', channel: 'email', enabled: false })).toEqual({
      userId: school.otherStudent.userId, notificationType: 'waitlist_available', channel: 'email', enabled: false,
    });
    expect(await codeOf(() => setNotificationPreference(t.db, admin, { userId: 'user_nobody', notificationType: 'waitlist_available', channel: 'email', enabled: false }))).toBe('NOT_FOUND');
  });
});

describe('the workers: claim, send, fail, retry, lease', () => {
  beforeEach(emptyOutbox);

  it('claims a due notification once, with what to send and a claim token; marks it sent; a repeat report changes nothing', async () => {
    const { notification } = await enqueueNotification(t.db, job, reminder({ userId: school.student.userId }));
    const [claimed, ...more] = await claimNotifications(t.db, job, { limit: 10, leaseSeconds: 60 });
    expect(more).toEqual([]);
    expect(claimed).toMatchObject({ id: notification.id, to: '+61412345678', body: notification.body, attempt: 1, channel: 'sms', segments: 1 });
    expect(await claimNotifications(t.db, job, { limit: 10, leaseSeconds: 60 })).toEqual([]); // leased
    const sent = await markNotificationSent(t.db, job, { notificationId: claimed.id, claimToken: claimed.claimToken, externalId: 'SM0000000000000000000000000000a001' });
    expect(sent).toMatchObject({ alreadyRecorded: false, notification: { status: 'sent', externalId: 'SM0000000000000000000000000000a001', attempts: 1 } });
    expect(sent.notification.sentAt).toBeInstanceOf(Date);
    const again = await markNotificationSent(t.db, job, { notificationId: claimed.id, claimToken: claimed.claimToken, externalId: 'SM0000000000000000000000000000a001' });
    expect(again.alreadyRecorded).toBe(true);
    expect(await codeOf(() => markNotificationSent(t.db, job, { notificationId: claimed.id, claimToken: claimed.claimToken, externalId: 'SMother' }))).toBe('LEASE_LOST');
  });

  it('does not claim a notification before its sendAfter', async () => {
    const base = new Date();
    await enqueueNotification(t.db, job, reminder({ phone: freshPhone() }, { sendAfter: at(base, 3600) }));
    expect(await claimNotifications(t.db, job, { now: at(base, 3599) })).toEqual([]);
    expect(await claimNotifications(t.db, job, { now: at(base, 3601) })).toHaveLength(1);
  });

  it('retries a failed send after 30 s, 2 min and 10 min, then fails it for good (audited)', async () => {
    const { notification } = await enqueueNotification(t.db, job, reminder({ phone: freshPhone() }));
    let now = at(new Date(), 1);
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const [claimed] = await claimNotifications(t.db, job, { now, leaseSeconds: 20 });
      expect(claimed).toMatchObject({ id: notification.id, attempt });
      const failed = await markNotificationFailed(t.db, job, { notificationId: claimed.id, claimToken: claimed.claimToken, reason: 'Twilio 30003 unreachable', now });
      if (failed.retryAt === null) break;
      const wait = (failed.retryAt.getTime() - now.getTime()) / 1000;
      waits.push(wait);
      expect(await claimNotifications(t.db, job, { now: at(now, wait - 1) })).toEqual([]); // not before its time
      now = at(now, wait);
    }
    expect(waits).toEqual([30, 120, 600]);
    expect(await rowOf(notification.id)).toMatchObject({ status: 'failed', attempts: 4, failedReason: 'Twilio 30003 unreachable' });
    expect(await t.db.$count(auditLog, and(eq(auditLog.eventType, 'NOTIFICATION_FAILED'), eq(auditLog.subjectId, notification.id)))).toBe(1);
    expect(await claimNotifications(t.db, job, { now: at(now, 86_400) })).toEqual([]);
  });

  it('fails at once a failure a retry cannot fix (retryable: false)', async () => {
    await enqueueNotification(t.db, job, reminder({ phone: freshPhone() }));
    const [claimed] = await claimNotifications(t.db, job, {});
    const failed = await markNotificationFailed(t.db, job, { notificationId: claimed.id, claimToken: claimed.claimToken, reason: 'Twilio 21211 invalid number', retryable: false });
    expect(failed).toMatchObject({ retryAt: null, notification: { status: 'failed', attempts: 1 } });
  });

  it('gives the row of a worker that stopped mid-lease to the next worker after the lease, and refuses the first worker\'s late report', async () => {
    const { notification } = await enqueueNotification(t.db, job, reminder({ phone: freshPhone() }));
    const base = at(new Date(), 1);
    const [first] = await claimNotifications(t.db, job, { now: base, leaseSeconds: 30 });
    expect(await claimNotifications(t.db, job, { now: at(base, 29) })).toEqual([]);
    const [second] = await claimNotifications(t.db, systemActor('cron:send-notifications-2'), { now: at(base, 31), leaseSeconds: 30 });
    expect(second).toMatchObject({ id: notification.id, attempt: 2 });
    expect(second.claimToken).not.toBe(first.claimToken);
    expect(await codeOf(() => markNotificationSent(t.db, job, { notificationId: first.id, claimToken: first.claimToken, externalId: 'SMlate0001' }))).toBe('LEASE_LOST');
    expect(await codeOf(() => markNotificationFailed(t.db, job, { notificationId: first.id, claimToken: first.claimToken, reason: 'late' }))).toBe('LEASE_LOST');
    await markNotificationSent(t.db, job, { notificationId: second.id, claimToken: second.claimToken, externalId: 'SMsecond0001' });
    expect(await rowOf(notification.id)).toMatchObject({ status: 'sent', externalId: 'SMsecond0001', attempts: 2, claimedBy: 'cron:send-notifications-2' });
  });

  it('fails a row whose lease ran out on its 4th attempt instead of claiming it a 5th time', async () => {
    const { notification } = await enqueueNotification(t.db, job, reminder({ phone: freshPhone() }));
    const base = at(new Date(), 1);
    for (let attempt = 1; attempt <= 4; attempt++) {
      const claimed = await claimNotifications(t.db, job, { now: at(base, (attempt - 1) * 61), leaseSeconds: 60 });
      expect(claimed.map((c) => c.attempt)).toEqual([attempt]);
    }
    expect(await claimNotifications(t.db, job, { now: at(base, 4 * 61) })).toEqual([]);
    expect(await rowOf(notification.id)).toMatchObject({ status: 'failed', attempts: 4, leaseExpiresAt: null });
  });

  it('refuses a provider id already recorded for another SMS (DUPLICATE_EXTERNAL_ID)', async () => {
    await enqueueNotification(t.db, job, reminder({ phone: freshPhone() }));
    await enqueueNotification(t.db, job, reminder({ phone: freshPhone() }));
    const [a, b] = await claimNotifications(t.db, job, { limit: 2 });
    await markNotificationSent(t.db, job, { notificationId: a.id, claimToken: a.claimToken, externalId: 'SMsame0001' });
    expect(await codeOf(() => markNotificationSent(t.db, job, { notificationId: b.id, claimToken: b.claimToken, externalId: 'SMsame0001' }))).toBe('DUPLICATE_EXTERNAL_ID');
  });

  it('refuses a report in the wrong order or about nothing: an unclaimed row is LEASE_LOST, an unknown id NOT_FOUND', async () => {
    const { notification } = await enqueueNotification(t.db, job, reminder({ phone: freshPhone() }));
    const forged = { notificationId: notification.id, claimToken: randomUUID() };
    expect(await codeOf(() => markNotificationSent(t.db, job, { ...forged, externalId: 'SMforged' }))).toBe('LEASE_LOST');
    expect(await codeOf(() => markNotificationFailed(t.db, job, { ...forged, reason: 'forged' }))).toBe('LEASE_LOST');
    expect(await codeOf(() => markNotificationSent(t.db, job, { notificationId: randomUUID(), claimToken: randomUUID(), externalId: 'SMnone' }))).toBe('NOT_FOUND');
    expect(await rowOf(notification.id)).toMatchObject({ status: 'pending', attempts: 0, externalId: null });
  });

  it('is a job\'s: a webhook or an admin may not claim', async () => {
    expect(await codeOf(() => claimNotifications(t.db, twilio, {}))).toBe('FORBIDDEN');
    expect(await codeOf(() => claimNotifications(t.db, actorOf.admin(school.admin), {}))).toBe('FORBIDDEN');
  });
});

/** A notification on `channel`, claimed and marked sent with a fresh provider id. */
async function sentVia(channel: 'sms' | 'email'): Promise<{ id: string; externalId: string }> {
  const input = channel === 'sms' ? reminder({ phone: freshPhone() }) : reminder({ email: `${randomUUID()}@example.com` }, { channel: 'email', template: { subject: 'Hi', body: 'Hi' } });
  const { notification } = await enqueueNotification(t.db, job, input);
  const claimToken = randomUUID();
  // claimed as a worker's claim would (the claim itself is tested above; here only this row is touched)
  await t.db.update(notifications).set({ status: 'sending', attempts: 1, claimToken, leaseExpiresAt: at(new Date(), 60) }).where(eq(notifications.id, notification.id));
  const externalId = `${channel === 'sms' ? 'SM' : 're_'}${randomUUID().replace(/-/g, '')}`;
  await markNotificationSent(t.db, job, { notificationId: notification.id, claimToken, externalId });
  return { id: notification.id, externalId };
}

describe('recordDeliveryStatus', () => {
  it('is idempotent and monotonic: delivered stays delivered when the report repeats or a late sent arrives', async () => {
    const { id, externalId } = await sentVia('sms');
    const occurredAt = new Date('2026-12-01T10:00:05Z');
    expect((await recordDeliveryStatus(t.db, twilio, { externalId, status: 'delivered', occurredAt })).changed).toBe(true);
    expect((await recordDeliveryStatus(t.db, twilio, { externalId, status: 'delivered', occurredAt: new Date('2026-12-01T10:00:09Z') })).changed).toBe(false);
    expect((await recordDeliveryStatus(t.db, twilio, { externalId, status: 'sent', occurredAt: new Date('2026-12-01T10:00:01Z') })).changed).toBe(false);
    expect((await recordDeliveryStatus(t.db, twilio, { externalId, status: 'failed', occurredAt: new Date('2026-12-01T10:00:10Z'), reason: '30005' })).changed).toBe(false);
    expect(await rowOf(id)).toMatchObject({ status: 'delivered', deliveredAt: occurredAt, failedReason: null });
  });

  it('records a bounce from Resend on an email; a webhook reports only on its own provider\'s channel', async () => {
    const email = await sentVia('email');
    const sms = await sentVia('sms');
    expect(await codeOf(() => recordDeliveryStatus(t.db, resend, { externalId: sms.externalId, status: 'delivered', occurredAt: new Date() }))).toBe('NOT_FOUND');
    expect(await codeOf(() => recordDeliveryStatus(t.db, twilio, { externalId: email.externalId, status: 'delivered', occurredAt: new Date() }))).toBe('NOT_FOUND');
    expect(await codeOf(() => recordDeliveryStatus(t.db, systemActor('webhook:stripe'), { externalId: sms.externalId, status: 'delivered', occurredAt: new Date() }))).toBe('FORBIDDEN');
    await recordDeliveryStatus(t.db, resend, { externalId: email.externalId, status: 'bounced', occurredAt: new Date(), reason: 'hard bounce' });
    expect(await rowOf(email.id)).toMatchObject({ status: 'bounced', failedReason: 'hard bounce' });
  });

  it('is NOT_FOUND for an id no notification has yet (the provider retries)', async () => {
    expect(await codeOf(() => recordDeliveryStatus(t.db, twilio, { externalId: 'SMunknown', status: 'delivered', occurredAt: new Date() }))).toBe('NOT_FOUND');
  });

  it('ends in the provider\'s final status however its reports are replayed and reordered (property, fixed seed)', async () => {
    const report = fc.record({
      final: fc.constantFrom('delivered' as const, 'failed' as const),
      // each report of sent -> final delivered 1 to 3 times, in any order
      copies: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      order: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(report, async ({ final, copies, order }) => {
        const { id, externalId } = await sentVia('sms');
        const events = [...Array(copies[0]).fill('sent'), ...Array(copies[1]).fill(final)] as Array<'sent' | 'delivered' | 'failed'>;
        const shuffled = events.map((e, i) => [order[i] ?? i, i, e] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , e]) => e);
        for (const status of shuffled) await recordDeliveryStatus(t.db, twilio, { externalId, status, occurredAt: new Date() });
        expect((await rowOf(id)).status).toBe(final);
      }),
      { numRuns: 25 },
    );
  });
});

describe('recordInboundMessage', () => {
  const sms = (from: string, body = 'Hi, how much is a lesson?', id = `SM${randomUUID().replace(/-/g, '')}`) => ({ channel: 'sms' as const, providerMessageId: id, from, body });

  it('records the same SMS delivered 5 times once: one contact (E.164), one conversation, one message', async () => {
    const input = sms('0413 222 333');
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await recordInboundMessage(t.db, twilio, input));
    expect(results.map((r) => r.duplicate)).toEqual([false, true, true, true, true]);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
    const [contact] = await t.db.select().from(contacts).where(eq(contacts.phone, '+61413222333'));
    expect(contact).toMatchObject({ id: results[0].contactId, source: 'sms' });
    expect(await t.db.$count(messages, eq(messages.externalId, input.providerMessageId))).toBe(1);
    const [conversation] = await t.db.select().from(conversations).where(eq(conversations.id, results[0].conversationId));
    expect(conversation).toMatchObject({ channel: 'sms', channelIdentifier: '+61413222333', status: 'active', messageCount: 1, contactId: contact.id });
  });

  it('threads a contact\'s next SMS into the open conversation, and starts a new one after 24 h of silence', async () => {
    const from = freshPhone();
    const first = await recordInboundMessage(t.db, twilio, sms(from));
    const second = await recordInboundMessage(t.db, twilio, sms(from, 'And on Saturdays?'));
    expect(second).toMatchObject({ conversationId: first.conversationId, conversationStarted: false, contactId: first.contactId });
    // a quiet contact: their open thread's last message two days ago
    const other = freshPhone();
    const opened = await recordInboundMessage(t.db, twilio, sms(other));
    await t.asOwner(async (tx) => {
      await tx.execute(sql`alter table conversations disable trigger conversations_lifecycle_guard`);
      await tx.update(conversations).set({ lastMessageAt: sql`now() - interval '2 days'` }).where(eq(conversations.id, opened.conversationId));
      await tx.execute(sql`alter table conversations enable trigger conversations_lifecycle_guard`);
    });
    const later = await recordInboundMessage(t.db, twilio, sms(other, 'Me again'));
    expect(later).toMatchObject({ conversationStarted: true, contactId: opened.contactId });
    expect(later.conversationId).not.toBe(opened.conversationId);
    const [old] = await t.db.select().from(conversations).where(eq(conversations.id, opened.conversationId));
    expect(old.status).toBe('closed');
  });

  it('opts a number out of every SMS on STOP (audited), required types too, email not; START opts it back in', async () => {
    const from = freshPhone();
    const stop = await recordInboundMessage(t.db, twilio, sms(from, 'STOP'));
    expect(stop.optOut).toBe('out');
    expect(await t.db.$count(auditLog, and(eq(auditLog.eventType, 'NOTIFICATION_OPT_OUT'), eq(auditLog.subjectId, stop.contactId!)))).toBe(1);
    expect((await recordInboundMessage(t.db, twilio, sms(from, 'stop'))).optOut).toBeNull(); // already out
    for (const type of ['booking_reminder_24h', 'booking_confirmation'] as const) {
      const { notification } = await enqueueNotification(t.db, job, reminder({ phone: from }, { type }));
      expect(notification).toMatchObject({ status: 'skipped', failedReason: 'the number replied STOP' });
    }
    const byContact = await enqueueNotification(t.db, job, reminder({ contactId: stop.contactId! }));
    expect(byContact.notification.status).toBe('skipped');
    expect((await recordInboundMessage(t.db, twilio, sms(from, 'START'))).optOut).toBe('in');
    expect((await enqueueNotification(t.db, job, reminder({ phone: from }))).notification.status).toBe('pending');
  });

  it('records web chat from the web chat agent, threaded by session, with no contact until a phone is given', async () => {
    const sessionId = randomUUID();
    const chat = (body: string, from?: string) => ({ channel: 'web_chat' as const, providerMessageId: `chat-${randomUUID()}`, sessionId, body, ...(from ? { from } : {}) });
    const first = await recordInboundMessage(t.db, webChat, chat('Do you teach manual?'));
    expect(first).toMatchObject({ contactId: null, conversationStarted: true });
    const second = await recordInboundMessage(t.db, webChat, chat('My number is 0414 555 666', '0414 555 666'));
    expect(second.conversationId).toBe(first.conversationId);
    const [conversation] = await t.db.select().from(conversations).where(eq(conversations.id, first.conversationId));
    expect(conversation).toMatchObject({ channel: 'web_chat', channelIdentifier: sessionId, contactId: second.contactId, messageCount: 2 });
    expect(second.contactId).not.toBeNull();
  });

  it('takes each channel from its own caller only', async () => {
    expect(await codeOf(() => recordInboundMessage(t.db, webChat, sms(freshPhone())))).toBe('FORBIDDEN');
    expect(await codeOf(() => recordInboundMessage(t.db, systemActor('agent:sms'), sms(freshPhone())))).toBe('FORBIDDEN');
    expect(await codeOf(() => recordInboundMessage(t.db, systemActor('webhook:stripe'), sms(freshPhone())))).toBe('FORBIDDEN');
    expect(await codeOf(() => recordInboundMessage(t.db, twilio, { channel: 'web_chat', providerMessageId: 'chat-x', sessionId: randomUUID(), body: 'Hi' }))).toBe('FORBIDDEN');
    expect(await codeOf(() => recordInboundMessage(t.db, twilio, { channel: 'sms', providerMessageId: 'SMnofrom', body: 'Hi' }))).toBe('VALIDATION_ERROR');
  });

  it('keeps messages append-only: no message is updated or deleted by the application', async () => {
    const { messageId } = await recordInboundMessage(t.db, twilio, sms(freshPhone()));
    const edited = await failureOf(() => t.db.update(messages).set({ content: 'rewritten' }).where(eq(messages.id, messageId)));
    expect(sqlstateOf(edited)).toBe('ND001');
    expect(sqlstateOf(await failureOf(() => t.db.delete(messages).where(eq(messages.id, messageId))))).toMatch(/^(ND001|42501)$/);
  });
});

describe('recordCall', () => {
  const call = (callerPhone: string, externalCallId = `call-${randomUUID()}`) => ({
    voiceProvider: 'vapi' as const, externalCallId, callerPhone, startedAt: new Date('2026-12-01T09:00:00+11:00'), endedAt: new Date('2026-12-01T09:03:30+11:00'),
    outcome: 'answered' as const, resolution: 'message_taken' as const, transcript: 'https://api.vapi.ai/call/abc/transcript', summary: 'Wants a Saturday lesson',
  });

  it('logs a call once by its call id, its caller the contact of their phone (the same as their SMS\'s), duration from the times', async () => {
    const phone = freshPhone();
    const text = await recordInboundMessage(t.db, twilio, { channel: 'sms', providerMessageId: `SM${randomUUID().replace(/-/g, '')}`, from: phone, body: 'Call me' });
    const input = call(phone);
    const first = await recordCall(t.db, vapi, input);
    const again = await recordCall(t.db, vapi, input);
    expect(first).toMatchObject({ duplicate: false, contactId: text.contactId });
    expect(again).toEqual({ ...first, duplicate: true });
    const [row] = await t.db.select().from(callLogs).where(eq(callLogs.id, first.callLogId));
    expect(row).toMatchObject({ durationSeconds: 210, outcome: 'answered', voiceProvider: 'vapi', externalCallId: input.externalCallId, transcript: input.transcript });
  });

  it('is only the voice provider\'s own webhook\'s to log', async () => {
    expect(await codeOf(() => recordCall(t.db, twilio, call(freshPhone())))).toBe('FORBIDDEN');
    expect(await codeOf(() => recordCall(t.db, systemActor('agent:voice'), call(freshPhone())))).toBe('FORBIDDEN');
  });
});

describe('the database holds the rules (raw SQL as nexdrive_app)', () => {
  /** A notification in `status`, reached along the allowed moves. */
  async function rowIn(status: Notification['status']): Promise<Notification> {
    const [row] = await t.db
      .insert(notifications)
      .values({ channel: 'sms', notificationType: 'booking_reminder_2h', body: 'Soon', recipientPhone: '+61400000000', idempotencyKey: key('raw'), status: status === 'skipped' ? 'skipped' : 'pending' })
      .returning();
    if (status === 'pending' || status === 'skipped') return row;
    await t.db.update(notifications).set(moveTo('sending', row)).where(eq(notifications.id, row.id));
    if (status === 'sending') return rowOf(row.id);
    await t.db.update(notifications).set(moveTo('sent', await rowOf(row.id))).where(eq(notifications.id, row.id));
    if (status === 'sent') return rowOf(row.id);
    await t.db.update(notifications).set(moveTo(status, await rowOf(row.id))).where(eq(notifications.id, row.id));
    return rowOf(row.id);
  }

  /** The columns a move to `to` sets, as the operations set them (so only the status rule can refuse it). */
  function moveTo(to: Notification['status'], from: Notification): Partial<Notification> {
    switch (to) {
      case 'sending':
        return { status: 'sending', attempts: from.attempts + 1, claimToken: randomUUID(), leaseExpiresAt: new Date(Date.now() + 60_000) };
      case 'sent':
        return { status: 'sent', externalId: from.externalId ?? `SM${randomUUID()}`, leaseExpiresAt: null };
      case 'delivered':
        return { status: 'delivered', externalId: from.externalId ?? `SM${randomUUID()}`, deliveredAt: new Date(), leaseExpiresAt: null };
      case 'bounced':
        return { status: 'bounced', externalId: from.externalId ?? `SM${randomUUID()}`, leaseExpiresAt: null };
      default:
        return { status: to, leaseExpiresAt: null };
    }
  }

  const statuses = Object.keys(NOTIFICATION_TRANSITIONS) as Notification['status'][];
  const pairs = statuses.flatMap((from) => statuses.map((to) => [from, to] as const)).filter(([from, to]) => from !== to || to === 'sending');

  it.each(pairs)('notification %s -> %s: as NOTIFICATION_TRANSITIONS says (else ND050)', async (from, to) => {
    const row = await rowIn(from);
    const result = await t.db.update(notifications).set(moveTo(to, row)).where(eq(notifications.id, row.id)).then(() => 'ok', (err: unknown) => sqlstateOf(err));
    expect(result).toBe(canMoveNotification(from, to) ? 'ok' : 'ND050');
  });

  it('writes a notification only pending or skipped, with no send recorded (ND050)', async () => {
    const err = await failureOf(() => t.db.insert(notifications).values({ channel: 'sms', notificationType: 'x', body: 'x', status: 'sent', externalId: 'SMraw', sentAt: new Date() }));
    expect(sqlstateOf(err)).toBe('ND050');
    expect(sqlstateOf(await failureOf(() => t.db.insert(notifications).values({ channel: 'sms', notificationType: 'x', body: 'x', attempts: 3 })))).toBe('ND050');
  });

  it('never changes what was sent, to whom, or a recorded provider id (ND051), and counts an attempt only with a claim (ND050)', async () => {
    const pending = await rowIn('pending');
    for (const change of [{ body: 'Rewritten' }, { recipientPhone: '+61400000009' }, { channel: 'email' as const }, { idempotencyKey: 'stolen' }]) {
      expect(sqlstateOf(await failureOf(() => t.db.update(notifications).set(change).where(eq(notifications.id, pending.id)))), JSON.stringify(change)).toBe('ND051');
    }
    expect(sqlstateOf(await failureOf(() => t.db.update(notifications).set({ attempts: 0 + 2 }).where(eq(notifications.id, pending.id))))).toBe('ND050');
    const sent = await rowIn('sent');
    expect(sqlstateOf(await failureOf(() => t.db.update(notifications).set({ externalId: 'SMother' }).where(eq(notifications.id, sent.id))))).toBe('ND051');
    expect(sqlstateOf(await failureOf(() => t.db.update(notifications).set({ sentAt: new Date('2020-01-01') }).where(eq(notifications.id, sent.id))))).toBe('ND051');
    const sending = await rowIn('sending');
    // a second claim with the same token (no new attempt) is not a claim
    expect(sqlstateOf(await failureOf(() => t.db.update(notifications).set({ leaseExpiresAt: new Date(Date.now() + 1e6), attempts: sending.attempts + 1 }).where(eq(notifications.id, sending.id))))).toBe('ND050');
  });

  it('sets sent_at by the database\'s clock, whatever the caller sends', async () => {
    const row = await rowIn('sending');
    await t.db.update(notifications).set({ ...moveTo('sent', row), sentAt: new Date('2001-01-01') }).where(eq(notifications.id, row.id));
    expect((await rowOf(row.id)).sentAt!.getUTCFullYear()).toBeGreaterThan(2001);
  });

  const conversationStatuses = Object.keys(CONVERSATION_TRANSITIONS) as Array<keyof typeof CONVERSATION_TRANSITIONS>;
  const conversationPairs = conversationStatuses.flatMap((from) => conversationStatuses.filter((to) => to !== from).map((to) => [from, to] as const));

  it.each(conversationPairs)('conversation %s -> %s: as CONVERSATION_TRANSITIONS says (else ND052)', async (from, to) => {
    const [c] = await t.db.insert(conversations).values({ channel: 'web_chat', channelIdentifier: randomUUID() }).returning();
    if (from !== 'active') await t.db.update(conversations).set({ status: from }).where(eq(conversations.id, c.id));
    const result = await t.db.update(conversations).set({ status: to }).where(eq(conversations.id, c.id)).then(() => 'ok', (err: unknown) => sqlstateOf(err));
    expect(result).toBe((CONVERSATION_TRANSITIONS[from] as readonly string[]).includes(to) ? 'ok' : 'ND052');
  });

  it('keeps a closed conversation closed (ND052) and its channel and identifier fixed (ND053)', async () => {
    const [c] = await t.db.insert(conversations).values({ channel: 'web_chat', channelIdentifier: randomUUID() }).returning();
    expect(sqlstateOf(await failureOf(() => t.db.update(conversations).set({ channelIdentifier: randomUUID() }).where(eq(conversations.id, c.id))))).toBe('ND053');
    await t.db.update(conversations).set({ status: 'handoff_requested', handoffReason: 'Asked for Rob' }).where(eq(conversations.id, c.id));
    await t.db.update(conversations).set({ status: 'closed' }).where(eq(conversations.id, c.id));
    expect(sqlstateOf(await failureOf(() => t.db.update(conversations).set({ status: 'active' }).where(eq(conversations.id, c.id))))).toBe('ND052');
    expect(sqlstateOf(await failureOf(() => t.db.insert(conversations).values({ channel: 'sms', channelIdentifier: '+61400000000', status: 'closed' })))).toBe('ND052');
  });

  it('keeps one open conversation per SMS contact and per web-chat session, and one message per provider id', async () => {
    const [contact] = await t.db.insert(contacts).values({ phone: freshPhone() }).returning();
    await t.db.insert(conversations).values({ channel: 'sms', contactId: contact.id, channelIdentifier: contact.phone });
    expect(sqlstateOf(await failureOf(() => t.db.insert(conversations).values({ channel: 'sms', contactId: contact.id, channelIdentifier: contact.phone })))).toBe('23505');
    const session = randomUUID();
    const [chat] = await t.db.insert(conversations).values({ channel: 'web_chat', channelIdentifier: session }).returning();
    expect(sqlstateOf(await failureOf(() => t.db.insert(conversations).values({ channel: 'web_chat', channelIdentifier: session })))).toBe('23505');
    await t.db.insert(messages).values({ conversationId: chat.id, direction: 'inbound', senderType: 'user', content: 'a', externalId: 'chat-dup' });
    expect(sqlstateOf(await failureOf(() => t.db.insert(messages).values({ conversationId: chat.id, direction: 'inbound', senderType: 'user', content: 'a', externalId: 'chat-dup' })))).toBe('23505');
  });
});
