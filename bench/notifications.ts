// Section "notifications" (issue 18): what sending each message exactly once costs, each figure beside a
// baseline measured in the same run.
//   - claimed and marked sent per second: 8 workers, each looping claimNotifications (limit 50, FOR
//     UPDATE SKIP LOCKED, a lease, one attempt counted, the status trigger) and then one
//     markNotificationSent per row (the row locked, the claim token checked, the provider id stored
//     under its unique index), until BENCH_NOTIFY_ROWS due rows are sent; against 8 connections sending
//     the same number of plain UPDATE statements to a copy of the table without triggers
//     (notifications_plain, same columns and indexes), on rows handed out in advance: per batch of 50
//     one `UPDATE ... SET status = 'sending' ... WHERE id = ANY($1)`, then per row one
//     `UPDATE ... SET status = 'sent', external_id = ... WHERE id = ANY($1)`. The baseline has nothing
//     to decide (no lock wait, no skipped rows, no access layer), so the ratio is the price of the
//     guarantees;
//   - enqueueNotification latency, p50 and p95 over BENCH_NOTIFY_ENQUEUES sequential calls (render,
//     segments, recipient, preferences, INSERT ... ON CONFLICT on the idempotency key), against a plain
//     INSERT of the same row into notifications_plain.
// As the owner of the throwaway database (privileges do not change timing). Rounds alternate which side
// goes first; the median round is reported.
import pg from 'pg';
import { claimNotifications, enqueueNotification, markNotificationSent, systemActor } from '../src/access/index.js';
import type { DbHandle } from '../src/db/engines/handle.js';
import { openPostgres } from '../src/db/engines/postgres.js';
import { fixed, int, median, positiveInt, seconds } from './measure.js';
import type { SummaryRow } from './report.js';

export const NOTIFY_WORKERS = 8;
const BATCH = 50;
const ROWS = positiveInt('BENCH_NOTIFY_ROWS', 4000);
const ENQUEUES = positiveInt('BENCH_NOTIFY_ENQUEUES', 1000);

/** `n` due SMS rows in `table`, in one statement; their ids. */
async function dueRows(admin: pg.Client, table: 'notifications' | 'notifications_plain', n: number, round: number): Promise<string[]> {
  const { rows } = await admin.query<{ id: string }>(`
    insert into ${table} (channel, notification_type, body, recipient_phone, idempotency_key, segments, next_attempt_at)
    select 'sms', 'booking_reminder_24h', 'NexDrive reminder: your lesson is tomorrow at 10:00 AM. Reply STOP to opt out.',
           '+6149' || lpad(i::text, 7, '0'), 'bench:' || $2 || ':' || i, 1, now() - interval '1 minute'
      from generate_series(1, $1) i
    returning id`, [n, `${table}:${round}`]);
  return rows.map((r) => r.id);
}

/** The measured side: NOTIFY_WORKERS workers claim and mark sent until nothing is due; wall seconds. */
async function workers(handle: DbHandle): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: NOTIFY_WORKERS }, async (_, w) => {
    const actor = systemActor(`cron:send-notifications-${w}`);
    for (;;) {
      const claimed = await claimNotifications(handle.db, actor, { limit: BATCH, leaseSeconds: 300 });
      if (claimed.length === 0) return;
      for (const c of claimed) await markNotificationSent(handle.db, actor, { notificationId: c.id, claimToken: c.claimToken, externalId: `SM${c.id.replace(/-/g, '')}` });
    }
  }));
  return seconds(started);
}

/** The baseline: the same UPDATE statements on rows handed out in advance, no triggers; wall seconds. */
async function plainUpdates(clients: pg.Client[], ids: string[]): Promise<number> {
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += BATCH) batches.push(ids.slice(i, i + BATCH));
  let next = 0;
  const started = performance.now();
  await Promise.all(clients.map(async (c) => {
    for (let b = next++; b < batches.length; b = next++) {
      await c.query(`update notifications_plain set status = 'sending', attempts = attempts + 1, claim_token = gen_random_uuid(),
                            lease_expires_at = now() + interval '300 seconds' where id = any($1)`, [batches[b]]);
      for (const id of batches[b]) {
        await c.query(`update notifications_plain set status = 'sent', external_id = 'SM' || replace(id::text, '-', ''), sent_at = now(),
                              lease_expires_at = null where id = any($1)`, [[id]]);
      }
    }
  }));
  return seconds(started);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function latencies(n: number, call: (i: number) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await call(i);
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

export async function benchNotifications(url: string, rounds: number, heading: (text: string) => void): Promise<SummaryRow[]> {
  heading(`Notifications: ${NOTIFY_WORKERS} workers claiming and marking sent ${int(ROWS)} due notifications, against plain UPDATEs; enqueueNotification latency`);
  const admin = new pg.Client({ connectionString: url, application_name: 'nexdrive-bench-notify-admin' });
  await admin.connect();
  const handle: DbHandle = await openPostgres({ url, max: NOTIFY_WORKERS + 2 });
  const clients = Array.from({ length: NOTIFY_WORKERS }, () => new pg.Client({ connectionString: url, application_name: 'nexdrive-bench-notify' }));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    await admin.query('create table notifications_plain (like notifications including defaults including indexes)');
    console.log(`  notifications_plain: the same columns and indexes as notifications, no trigger; batches of ${BATCH}, ${rounds} rounds, median round reported`);
    // warm-up, both sides
    await dueRows(admin, 'notifications', NOTIFY_WORKERS * BATCH, -1);
    await workers(handle);
    await plainUpdates(clients, await dueRows(admin, 'notifications_plain', NOTIFY_WORKERS * BATCH, -1));

    const measured: number[] = [];
    const baseline: number[] = [];
    for (let r = 0; r < rounds; r++) {
      await admin.query('delete from notifications');
      await admin.query('truncate notifications_plain');
      await dueRows(admin, 'notifications', ROWS, r);
      const plainIds = await dueRows(admin, 'notifications_plain', ROWS, r);
      await admin.query('vacuum analyze notifications');
      await admin.query('vacuum analyze notifications_plain');
      const sides = [
        async () => measured.push(ROWS / (await workers(handle))),
        async () => baseline.push(ROWS / (await plainUpdates(clients, plainIds))),
      ];
      for (const side of r % 2 === 0 ? sides : [...sides].reverse()) await side();
      const { rows: [check] } = await admin.query<{ sent: number; once: number }>(`
        select count(*) filter (where status = 'sent')::int as sent, count(*) filter (where status = 'sent' and attempts = 1)::int as once from notifications`);
      if (check.sent !== ROWS || check.once !== ROWS) throw new Error(`round ${r + 1}: ${check.sent} of ${ROWS} sent, ${check.once} in one attempt`);
      console.log(
        `  round ${r + 1}/${rounds}: plain UPDATEs ${int(baseline[r]).padStart(7)} rows/s, claim + markNotificationSent ${int(measured[r]).padStart(7)} rows/s, ` +
          `ratio ${fixed(measured[r] / baseline[r])}; ${int(check.sent)} sent, each in one attempt`,
      );
    }
    const claimRate = median(measured);
    const plainRate = median(baseline);

    await admin.query('delete from notifications');
    await admin.query('truncate notifications_plain');
    const job = systemActor('cron:bench');
    const input = (i: number) => ({
      recipient: { phone: `+6149${String(i).padStart(7, '0')}` }, type: 'booking_reminder_24h' as const, channel: 'sms' as const,
      template: { body: 'NexDrive reminder: you have a {minutes}min lesson tomorrow at {time}. Reply STOP to opt out.' },
      data: { minutes: 60, time: '10:00 AM' }, idempotencyKey: `bench:enqueue:${i}`,
    });
    for (let i = 0; i < 50; i++) await enqueueNotification(handle.db, job, input(1_000_000 + i)); // warm-up
    const enqueue = await latencies(ENQUEUES, (i) => enqueueNotification(handle.db, job, input(i)));
    const insert = await latencies(ENQUEUES, (i) =>
      clients[0].query(`insert into notifications_plain (channel, notification_type, body, recipient_phone, idempotency_key, segments, triggered_by)
                        values ('sms', 'booking_reminder_24h', $1, $2, $3, 1, 'cron:bench')`,
      [`NexDrive reminder: you have a 60min lesson tomorrow at 10:00 AM. Reply STOP to opt out.`, `+6149${String(i).padStart(7, '0')}`, `plain:${i}`]));
    const repeat = await latencies(Math.min(ENQUEUES, 200), (i) => enqueueNotification(handle.db, job, input(i)));
    console.log(`  enqueueNotification, ${int(ENQUEUES)} sequential calls: p50 ${fixed(enqueue.p50)} ms, p95 ${fixed(enqueue.p95)} ms (plain INSERT: p50 ${fixed(insert.p50)} ms, p95 ${fixed(insert.p95)} ms)`);
    console.log(`  the same enqueue repeated (idempotency key already used, nothing written): p50 ${fixed(repeat.p50)} ms, p95 ${fixed(repeat.p95)} ms`);

    return [
      {
        figure: `notifications claimed + marked sent/s, ${NOTIFY_WORKERS} workers (vs plain UPDATE ... WHERE id = ANY of pre-selected rows)`,
        value: int(claimRate), baseline: int(plainRate), ratio: fixed(claimRate / plainRate), target: '-', met: null,
      },
      { figure: 'enqueueNotification p50, ms (vs plain INSERT)', value: fixed(enqueue.p50), baseline: fixed(insert.p50), ratio: fixed(enqueue.p50 / insert.p50), target: '-', met: null },
      { figure: 'enqueueNotification p95, ms (vs plain INSERT)', value: fixed(enqueue.p95), baseline: fixed(insert.p95), ratio: fixed(enqueue.p95 / insert.p95), target: '-', met: null },
    ];
  } finally {
    await Promise.all(clients.map((c) => c.end()));
    await handle.close();
    await admin.end();
  }
}
