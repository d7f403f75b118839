// Section 2: verifyChains() over a long audit_log chain, against Node's raw SHA-256 rate over the same
// canonical bytes, and verify's peak memory. Rows are loaded through the real chain trigger in large
// INSERT ... SELECT generate_series statements (the trigger fires per row). The raw baseline reads the
// same rows again, builds each canonical text untimed, and times only createHash().update().digest()
// (and, for reference, the one-shot crypto.hash() that verify itself uses). A fetch-only pass shows the
// floor under verify: what reading the same rows through the same path costs with nothing done to them.
import { createHash, hash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { DbHandle } from '../src/db/engines/handle.js';
import { queryRows } from '../src/db/sql.js';
import { CHAINS, canonicalText, formOf } from '../src/integrity/canonical.js';
import { chainSelectList, type VerifyResult, verifyChains } from '../src/integrity/verify.js';
import { collectGarbage, type MemoryPeaks, MemorySampler, seconds } from './measure.js';

/** One synthetic audit event per g: realistic sizes, a few NULL columns, and some non-ASCII text. */
const LOAD_SQL = `
insert into audit_log (event_type, severity, actor_id, actor_role, subject_type, subject_id, details,
                       ip_address, user_agent, gps_latitude, gps_longitude)
select (array['LESSON_CREATED','LESSON_SIGNED','BOOKING_CREATED','PAYMENT_RECEIVED','COMPETENCY_UPDATED'])[1 + g % 5],
       case when g % 50 = 0 then 'warning' else 'info' end,
       case when g % 20 = 0 then null else 'user_2' || substr(md5(g::text), 1, 24) end,
       (array['instructor','student','admin','parent'])[1 + g % 4],
       'lesson',
       md5('subject' || g)::uuid,
       jsonb_build_object('n', g, 'lessonNumber', g % 40, 'durationMinutes', 60,
                          'note', case when g % 10 = 0 then 'Parallel park, kerb side — café car park, Ngunnawal'
                                       else 'Reverse parallel park, kerb side, attempt ' || (g % 7) end),
       ('10.' || (g / 65536) % 256 || '.' || (g / 256) % 256 || '.' || g % 256)::inet,
       'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 NexDrive/1.4',
       case when g % 3 = 0 then null else (-35.2809 + (g % 1000) / 100000.0)::numeric(10, 7) end,
       case when g % 3 = 0 then null else (149.1300 + (g % 1000) / 100000.0)::numeric(10, 7) end
  from generate_series($1::int, $2::int) as g`;

export interface LoadResult {
  rows: number;
  loadSeconds: number;
  vacuumSeconds: number;
}

export async function loadAuditRows(client: pg.Client, rows: number, chunk: number): Promise<LoadResult> {
  const started = performance.now();
  let last = started;
  for (let from = 1; from <= rows; from += chunk) {
    const to = Math.min(rows, from + chunk - 1);
    await client.query(LOAD_SQL, [from, to]);
    if (performance.now() - last > 10_000 || to === rows) {
      last = performance.now();
      console.log(`  loaded ${to.toLocaleString('en-AU')} / ${rows.toLocaleString('en-AU')} rows (${seconds(started).toFixed(1)} s)`);
    }
  }
  const loadSeconds = seconds(started);
  // A steady-state table, as autovacuum would leave it: hint bits set, visibility map and statistics.
  const vacuumStarted = performance.now();
  await client.query('vacuum analyze audit_log');
  return { rows, loadSeconds, vacuumSeconds: seconds(vacuumStarted) };
}

export interface VerifyRun {
  rows: number;
  seconds: number;
  rate: number;
  /** This process's CPU time (all threads, garbage collection included) per row. */
  cpuMicrosPerRow: number;
  ok: boolean;
  baseline: NodeJS.MemoryUsage;
  peaks: MemoryPeaks;
}

export async function benchVerify(handle: DbHandle): Promise<VerifyRun> {
  collectGarbage();
  const baseline = process.memoryUsage();
  const sampler = new MemorySampler(50);
  sampler.start();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let result: VerifyResult;
  let peaks: MemoryPeaks;
  try {
    result = await verifyChains(handle.db, { tables: ['audit_log'] });
  } finally {
    peaks = sampler.stop();
  }
  const elapsed = seconds(started);
  const used = process.cpuUsage(cpu);
  const rows = result.rowsChecked;
  return { rows, seconds: elapsed, rate: rows / elapsed, cpuMicrosPerRow: (used.user + used.system) / rows, ok: result.ok, baseline, peaks };
}

export interface RawHashRun {
  rows: number;
  bytes: number;
  /** createHash('sha256').update(text).digest('hex'): the baseline. */
  hashSeconds: number;
  rate: number;
  /** crypto.hash('sha256', text, 'hex'), one call per text. */
  oneShotSeconds: number;
  oneShotRate: number;
  /** Rows whose sha256 equals the stored record_hash: must be all of them, or the bytes are not the same. */
  matching: number;
}

/** A batch after a position; qualified names, since a bare one would sort by the ::text output column. */
const PAGE_SQL = `select ${chainSelectList(CHAINS.audit_log)} from audit_log where audit_log.chain_position > $1::bigint
                   order by audit_log.chain_position limit $2`;

export interface FetchRun {
  rows: number;
  seconds: number;
  rate: number;
  cpuMicrosPerRow: number;
}

/** The floor under verify: the same query for the same rows through the same path (drizzle execute
 *  on node-postgres, keyset batches of verify's default size, one after another), doing nothing with them. */
export async function benchFetchOnly(handle: DbHandle, batch = 2000): Promise<FetchRun> {
  const select = sql.raw(`select ${chainSelectList(CHAINS.audit_log)} from audit_log`);
  const order = sql.raw('order by audit_log."chain_position", audit_log."id"');
  let after: Record<string, string | null> | null = null;
  let rows = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (;;) {
    const where = after
      ? sql`where (audit_log."chain_position", audit_log."id") > (${after.chain_position}::bigint, ${after.id}::uuid)`
      : sql``;
    const page: Array<Record<string, string | null>> = await queryRows(handle.db, sql`${select} ${where} ${order} limit ${batch}`);
    rows += page.length;
    if (page.length < batch) break;
    after = page[page.length - 1];
  }
  const elapsed = seconds(started);
  const used = process.cpuUsage(cpu);
  return { rows, seconds: elapsed, rate: rows / elapsed, cpuMicrosPerRow: (used.user + used.system) / rows };
}

/** Node's raw SHA-256 rate over the canonical texts of the same rows, timing only the hashing. */
export async function benchRawHash(client: pg.Client, batch = 10_000): Promise<RawHashRun> {
  const chain = CHAINS.audit_log;
  const query = PAGE_SQL;
  let after = '0';
  let rows = 0;
  let bytes = 0;
  let matching = 0;
  let hashNanos = 0n;
  let oneShotNanos = 0n;
  for (;;) {
    const { rows: page } = await client.query<Record<string, string | null>>(query, [after, batch]);
    if (page.length === 0) break;
    const texts = page.map((row) => canonicalText(formOf(chain, row), row));
    for (const text of texts) bytes += Buffer.byteLength(text, 'utf8'); // also flattens each text, untimed
    const digests = new Array<string>(texts.length);
    const oneShot = new Array<string>(texts.length);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < texts.length; i++) digests[i] = createHash('sha256').update(texts[i]).digest('hex');
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < texts.length; i++) oneShot[i] = hash('sha256', texts[i], 'hex');
    const t2 = process.hrtime.bigint();
    hashNanos += t1 - t0;
    oneShotNanos += t2 - t1;
    for (let i = 0; i < page.length; i++) if (digests[i] === page[i].record_hash && oneShot[i] === digests[i]) matching++;
    rows += page.length;
    after = page[page.length - 1].chain_position!;
    if (page.length < batch) break;
  }
  const hashSeconds = Number(hashNanos) / 1e9;
  const oneShotSeconds = Number(oneShotNanos) / 1e9;
  return { rows, bytes, hashSeconds, rate: rows / hashSeconds, oneShotSeconds, oneShotRate: rows / oneShotSeconds, matching };
}
