// The outbox and inbound under concurrency, on a PostgreSQL server only (PGlite has one connection), as
// a member of nexdrive_app: 8 workers over 2,000 due notifications send each exactly once (the fake
// adapter records every send in a table of its own, outside the outbox's transactions, as a real
// provider would); a worker that stops mid-lease is taken over after the lease and nothing is sent
// twice; 16 identical enqueues make one row; the same inbound SMS delivered 5 times at once is one
// message; one new number texting 10 times at once is one contact and one conversation; a delivery
// report delivered 8 times at once moves the notification once.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  claimNotifications, enqueueNotification, markNotificationSent, recordCall, recordDeliveryStatus, recordInboundMessage, systemActor,
} from '../src/access/index.js';
import { callLogs, contacts, conversations, messages, notifications } from '../src/db/schema/index.js';
import { queryRows } from '../src/db/sql.js';
import { onServer, openTestDb, type TestDb } from './support/db.js';

const job = systemActor('cron:send-notifications');
const twilio = systemActor('webhook:twilio');

async function allAtOnce<T>(calls: Array<() => Promise<T>>) {
  const settled = await Promise.allSettled(calls.map((call) => call()));
  return settled.map((s) => (s.status === 'fulfilled' ? { ok: true as const, value: s.value } : { ok: false as const, code: (s.reason as { code?: string }).code ?? String(s.reason) }));
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(onServer)('the outbox and inbound under concurrency (PostgreSQL server)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb({ role: 'app', poolSize: 24 });
    // The fake adapter: every send it makes is a row here, written in its own transaction (a provider's
    // send is not rolled back with ours).
    await t.asOwner(async (tx) => {
      await tx.execute(sql`create table test_sends (notification_id uuid not null, worker text not null, sent_at timestamptz not null default clock_timestamp())`);
      await tx.execute(sql`grant select, insert on test_sends to nexdrive_app`);
    });
  });
  afterAll(() => t?.dispose());
  beforeEach(async () => {
    await t.asOwner(async (tx) => {
      await tx.delete(notifications);
      await tx.execute(sql`truncate test_sends`);
    });
  });

  /** `n` due SMS notifications, written in one statement (enqueueNotification's cost is the benchmark's). */
  async function dueNotifications(n: number): Promise<void> {
    await t.db.execute(sql`
      insert into notifications (channel, notification_type, body, recipient_phone, idempotency_key, segments, next_attempt_at)
      select 'sms', 'booking_reminder_24h', 'Lesson tomorrow at 10:00', '+6149' || lpad(i::text, 7, '0'), 'concurrency:' || i || ':' || ${randomUUID()}, 1, now() - interval '1 minute'
        from generate_series(1, ${n}) i`);
  }

  /** A worker: claims a batch, sends each through the fake adapter, reports it sent; until nothing is left to send. */
  async function worker(name: string, total: number, options: { batch?: number; leaseSeconds?: number } = {}): Promise<number> {
    const actor = systemActor(`cron:send-notifications-${name}`);
    let sent = 0;
    for (;;) {
      const claimed = await claimNotifications(t.db, actor, { limit: options.batch ?? 20, leaseSeconds: options.leaseSeconds ?? 60 });
      if (claimed.length === 0) {
        // the rest is claimed by others (or leased to a worker that died): done once everything is sent
        const [{ n }] = await queryRows<{ n: number }>(t.db, sql`select count(*)::int as n from notifications where status = 'sent'`);
        if (n >= total) return sent;
        await sleep(100);
        continue;
      }
      for (const c of claimed) {
        await t.db.execute(sql`insert into test_sends (notification_id, worker) values (${c.id}, ${name})`);
        await markNotificationSent(t.db, actor, { notificationId: c.id, claimToken: c.claimToken, externalId: `SM${c.id.replace(/-/g, '')}` });
        sent++;
      }
    }
  }

  async function sends() {
    return queryRows<{ sends: number; distinct: number; repeated: number }>(t.db, sql`
      select count(*)::int as sends, count(distinct notification_id)::int as distinct,
             (select count(*)::int from (select 1 from test_sends group by notification_id having count(*) > 1) x) as repeated
        from test_sends`);
  }

  it('8 workers over 2,000 due notifications send each exactly once', async () => {
    await dueNotifications(2000);
    const perWorker = await Promise.all(Array.from({ length: 8 }, (_, i) => worker(String(i), 2000)));
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(perWorker.filter((n) => n > 0).length).toBeGreaterThan(1); // the work was shared
    expect(await sends()).toEqual([{ sends: 2000, distinct: 2000, repeated: 0 }]);
    const states = await queryRows<{ status: string; attempts: number; n: number }>(t.db, sql`
      select status, attempts, count(*)::int as n from notifications group by 1, 2`);
    expect(states).toEqual([{ status: 'sent', attempts: 1, n: 2000 }]);
  });

  it('takes over the rows of a worker that stopped mid-lease, after the lease, and sends each once', async () => {
    await dueNotifications(300);
    // this worker claims 40 rows for 2 seconds and stops (crashed before sending anything)
    const dead = await claimNotifications(t.db, systemActor('cron:send-notifications-dead'), { limit: 40, leaseSeconds: 2 });
    expect(dead).toHaveLength(40);
    const perWorker = await Promise.all(Array.from({ length: 8 }, (_, i) => worker(String(i), 300, { batch: 10 })));
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(300);
    expect(await sends()).toEqual([{ sends: 300, distinct: 300, repeated: 0 }]);
    const deadIds = dead.map((d) => d.id);
    const taken = await queryRows<{ attempts: number; n: number }>(t.db, sql`
      select attempts, count(*)::int as n from notifications where id = any(${`{${deadIds.join(',')}}`}::uuid[]) group by 1`);
    expect(taken).toEqual([{ attempts: 2, n: 40 }]);
    // the stopped worker, coming back, cannot report its stale claims
    const late = await allAtOnce(dead.slice(0, 5).map((d) => () => markNotificationSent(t.db, job, { notificationId: d.id, claimToken: d.claimToken, externalId: `SMlate${d.id.slice(0, 8)}` })));
    expect(late.map((r) => (r.ok ? 'ok' : r.code))).toEqual(Array(5).fill('LEASE_LOST'));
  });

  it('16 identical enqueues at once make one row', async () => {
    const input = {
      recipient: { phone: '+61412345678' }, type: 'booking_reminder_24h' as const, channel: 'sms' as const,
      template: { body: 'Lesson tomorrow at {time}' }, data: { time: '10:00' }, idempotencyKey: `booking:${randomUUID()}:reminder_24h`,
    };
    const results = await allAtOnce(Array.from({ length: 16 }, () => () => enqueueNotification(t.db, job, input)));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const values = results.map((r) => (r.ok ? r.value : null)!);
    expect(new Set(values.map((v) => v.notification.id)).size).toBe(1);
    expect(values.filter((v) => v.created)).toHaveLength(1);
    expect(await t.db.$count(notifications, eq(notifications.idempotencyKey, input.idempotencyKey))).toBe(1);
  });

  it('a delivery report delivered 8 times at once (and 8 late sent reports) moves the notification once', async () => {
    await dueNotifications(1);
    const [c] = await claimNotifications(t.db, job, {});
    const externalId = `SM${randomUUID().replace(/-/g, '')}`;
    await markNotificationSent(t.db, job, { notificationId: c.id, claimToken: c.claimToken, externalId });
    const reports = Array.from({ length: 16 }, (_, i) => () => recordDeliveryStatus(t.db, twilio, { externalId, status: i % 2 ? 'delivered' : 'sent', occurredAt: new Date() }));
    const results = await allAtOnce(reports);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.filter((r) => r.ok && r.value.changed)).toHaveLength(1);
    const [row] = await t.db.select().from(notifications).where(eq(notifications.id, c.id));
    expect(row.status).toBe('delivered');
  });

  it('the same inbound SMS delivered 5 times at once is one message, one contact, one conversation', async () => {
    const phone = '+61415000001';
    const input = { channel: 'sms' as const, providerMessageId: `SM${randomUUID().replace(/-/g, '')}`, from: phone, body: 'Hi, can I book?' };
    const results = await allAtOnce(Array.from({ length: 5 }, () => () => recordInboundMessage(t.db, twilio, input)));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const values = results.map((r) => (r.ok ? r.value : null)!);
    expect(values.filter((v) => !v.duplicate)).toHaveLength(1);
    expect(new Set(values.map((v) => v.messageId)).size).toBe(1);
    expect(await t.db.$count(messages, eq(messages.externalId, input.providerMessageId))).toBe(1);
    expect(await t.db.$count(contacts, eq(contacts.phone, phone))).toBe(1);
    const [conversation] = await t.db.select().from(conversations).where(eq(conversations.id, values[0].conversationId));
    expect(conversation.messageCount).toBe(1);
  });

  it('a new number texting 10 different messages at once is one contact and one conversation of 10 messages', async () => {
    const phone = '+61415000002';
    const results = await allAtOnce(Array.from({ length: 10 }, (_, i) => () =>
      recordInboundMessage(t.db, twilio, { channel: 'sms', providerMessageId: `SM${randomUUID().replace(/-/g, '')}`, from: phone, body: `message ${i}` })));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const values = results.map((r) => (r.ok ? r.value : null)!);
    expect(new Set(values.map((v) => v.contactId)).size).toBe(1);
    expect(new Set(values.map((v) => v.conversationId)).size).toBe(1);
    expect(values.filter((v) => v.conversationStarted)).toHaveLength(1);
    const [conversation] = await t.db.select().from(conversations).where(eq(conversations.id, values[0].conversationId));
    expect(conversation).toMatchObject({ messageCount: 10, status: 'active' });
    expect(await t.db.$count(contacts, eq(contacts.phone, phone))).toBe(1);
  });

  it('an end-of-call report delivered 5 times at once is one call log', async () => {
    const input = {
      voiceProvider: 'vapi' as const, externalCallId: `call-${randomUUID()}`, callerPhone: '+61415000003', startedAt: new Date(Date.now() - 60_000), endedAt: new Date(), outcome: 'answered' as const,
    };
    const results = await allAtOnce(Array.from({ length: 5 }, () => () => recordCall(t.db, systemActor('webhook:vapi'), input)));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.filter((r) => r.ok && !r.value.duplicate)).toHaveLength(1);
    expect(await t.db.$count(callLogs, eq(callLogs.externalCallId, input.externalCallId))).toBe(1);
  });
});
