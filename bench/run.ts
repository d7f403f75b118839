// npm run bench: the performance of the database layer on a PostgreSQL server, in sections:
// chain (the audit_log hash chain, below), compliance (CBT&A progress reads, bench/compliance.ts) and
// scheduling (getAvailableSlots over 60 days against the bare SELECTs of its inputs, and 32 concurrent
// bookers on 8 instructors against one booker, bench/scheduling.ts), money (credit redemptions and
// invoice assignments with 16 concurrent callers, each against a plain UPDATE, bench/money.ts) and
// knowledge (vector search against exact search, recall@10 and the HNSW index build, bench/knowledge.ts)
// notifications (8 workers claiming and marking sent due notifications against plain UPDATEs of
// pre-selected rows, and enqueueNotification p50/p95, bench/notifications.ts), and roundtrips (every exported
// operation's statements, and its latency through a proxy adding 2 ms per round trip, bench/roundtrips.ts).
// BENCH_ONLY=compliance,scheduling (a comma-separated list) runs only those sections.
//   - verifyChains() rows/s over BENCH_ROWS (default 1,000,000) chained rows, against Node's raw
//     SHA-256 rate over the same canonical bytes, and verify's peak memory (RSS and heap);
//   - audit_log appends/s through the chain trigger with 1 and 8 concurrent writers, against the same
//     inserts into an identical table without the trigger; and the least cost of sealing rows after
//     they are inserted (an insert then an update of the chain columns, bench/seal-shape.ts).
// Every figure has a baseline measured in the same run, so ratios can be read on a noisy machine.
// Server: BENCH_DATABASE_URL, or a throwaway one started with .ci/pg-server.sh and stopped at the end.
// The run works in its own database nexdrive_bench_<random>, migrated with the real migrations and
// dropped at the end (also on Ctrl-C). Not a test: never run by vitest.
// Env: BENCH_DATABASE_URL, BENCH_ONLY (sections, default all), BENCH_ROWS (default 1000000),
// BENCH_ROUNDS (append and money rounds, default 3), BENCH_PROGRESS_ROUNDS (default 50),
// BENCH_MONEY_CALLS (calls per worker per money round, default 100), BENCH_RAG_ROWS (knowledge chunks,
// default 20000), BENCH_RAG_QUERIES (default 100), BENCH_NOTIFY_ROWS (notifications per round, default 4000),
// BENCH_NOTIFY_ENQUEUES (default 1000), BENCH_RT_CALLS (measured calls per operation, default 3),
// BENCH_RT_DELAY_MS (the proxy's delay per round trip, default 2), BENCH_RT_SQL=1 (print each operation's statements).
import pg from 'pg';
import { openPostgres } from '../src/db/engines/postgres.js';
import type { DbHandle } from '../src/db/engines/handle.js';
import { runMigrations } from '../src/db/migrate.js';
import { seedReferenceData } from '../src/db/seed/index.js';
import { benchAppends, createPlainTable, PLAIN_TABLE_NOTE, type AppendScenario } from './appends.js';
import { profileTrigger, sampleLockWaits } from './diagnostics.js';
import { benchSealShape } from './seal-shape.js';
import { fixed, int, MB, mb, positiveInt, seconds } from './measure.js';
import { machineFacts, printFacts, printSummary, type SummaryRow } from './report.js';
import { acquireServer, createBenchDatabase } from './server.js';
import { benchFetchOnly, benchRawHash, benchVerify, loadAuditRows } from './verify.js';
import { benchCompliance, printCompliance } from './compliance.js';
import { benchScheduling } from './scheduling.js';
import { benchMoney, MONEY_WORKERS } from './money.js';
import { benchKnowledge } from './knowledge.js';
import { benchNotifications } from './notifications.js';
import { benchRoundTrips } from './roundtrips.js';

const SECTIONS = ['chain', 'compliance', 'scheduling', 'money', 'knowledge', 'notifications', 'roundtrips'] as const;
const ONLY = (process.env.BENCH_ONLY?.split(',').map((x) => x.trim()).filter(Boolean) ?? [...SECTIONS]) as string[];
for (const name of ONLY) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`BENCH_ONLY: unknown section "${name}"; sections: ${SECTIONS.join(', ')}`);

const ROWS = positiveInt('BENCH_ROWS', 1_000_000);
const ROUNDS = positiveInt('BENCH_ROUNDS', 3);
const MONEY_CALLS = positiveInt('BENCH_MONEY_CALLS', 100);
const LOAD_CHUNK = 50_000;
const WARMUP_PER_WRITER = 200;
const APPEND_SCENARIOS = [
  { writers: 1, perWriter: 2_000 },
  { writers: 8, perWriter: 1_000 },
] as const;
const TARGET_APPEND_RATIO = 0.7; // issue 20, item 3
const TARGET_VERIFY_RATIO = 0.5;
const TARGET_PEAK_MEMORY = 200 * MB;

// Cleanups run last-in first-out, once, from the finally block or from a signal handler.
const cleanups: Array<() => Promise<unknown>> = [];
let cleaning: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length) {
      try {
        await cleanups.pop()!();
      } catch (err) {
        console.error(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  return cleaning;
}
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: dropping the bench database and stopping the server…`);
    void cleanup().finally(() => process.exit(130));
  });
}

function heading(text: string) {
  console.log(`\n== ${text}`);
}

async function main(): Promise<void> {
  const runStarted = performance.now();
  console.log(`NexDrive benchmark: ${ONLY.join(', ')} (BENCH_ROWS=${int(ROWS)}, BENCH_ROUNDS=${ROUNDS})`);

  const server = await acquireServer();
  cleanups.push(() => server.stop());
  const database = await createBenchDatabase(server.url);
  cleanups.push(() => database.drop());
  const handle = await openPostgres({ url: database.url, max: 2 });
  cleanups.push(() => handle.close());
  const migrated = await runMigrations(handle);
  await seedReferenceData(handle.db); // the 23 competency tasks the compliance section reads
  const admin = new pg.Client({ connectionString: database.url, application_name: 'nexdrive-bench-admin' });
  await admin.connect();
  cleanups.push(() => admin.end());

  heading('Machine and server');
  printFacts(await machineFacts(admin, server.origin));
  console.log(`  database            ${database.name} (${migrated.applied} migrations applied)`);

  const summary: SummaryRow[] = [];
  if (ONLY.includes('chain')) summary.push(...(await chainSections(handle, admin, database.url)));
  if (ONLY.includes('compliance')) {
    heading('Compliance: CBT&A progress reads (median of BENCH_PROGRESS_ROUNDS calls after 5 warm-ups)');
    summary.push(...printCompliance(await benchCompliance(handle.db)));
  }
  if (ONLY.includes('scheduling')) summary.push(...(await benchScheduling(database.url, heading)));
  if (ONLY.includes('money')) {
    heading(`Money: ${MONEY_WORKERS} concurrent credit redemptions and completions, each against a plain UPDATE`);
    summary.push(...(await benchMoney(database.url, ROUNDS, MONEY_CALLS)));
  }
  if (ONLY.includes('knowledge')) summary.push(...(await benchKnowledge(handle.db, heading)));
  if (ONLY.includes('notifications')) summary.push(...(await benchNotifications(database.url, ROUNDS, heading)));
  if (ONLY.includes('roundtrips')) summary.push(...(await benchRoundTrips(database.url, heading)));
  heading('Summary');
  printSummary(summary);
  console.log(`\n  total run time ${seconds(runStarted).toFixed(0)} s`);
}

/** The audit_log hash chain: load, verify against raw hashing and fetching, appends against a plain table. */
async function chainSections(handle: DbHandle, admin: pg.Client, databaseUrl: string): Promise<SummaryRow[]> {
  const database = { url: databaseUrl };
  heading(`Loading ${int(ROWS)} rows into audit_log through the chain trigger (INSERT ... SELECT generate_series, ${int(LOAD_CHUNK)} rows per statement)`);
  const load = await loadAuditRows(admin, ROWS, LOAD_CHUNK);
  console.log(`  load: ${load.loadSeconds.toFixed(1)} s (${int(load.rows / load.loadSeconds)} rows/s); vacuum analyze: ${load.vacuumSeconds.toFixed(1)} s`);

  heading('verifyChains() on audit_log (default batch size), memory sampled every 50 ms');
  const verify = await benchVerify(handle);
  if (!verify.ok || verify.rows !== ROWS) throw new Error(`verify did not check a clean chain of ${ROWS} rows: ok=${verify.ok}, rows=${verify.rows}`);
  console.log(
    `  verify: ${int(verify.rows)} rows in ${verify.seconds.toFixed(2)} s = ${int(verify.rate)} rows/s, ok; ` +
      `node CPU ${fixed(verify.cpuMicrosPerRow)} µs/row`,
  );
  console.log(`  memory before the call (after gc): rss ${mb(verify.baseline.rss)}, heap used ${mb(verify.baseline.heapUsed)}`);
  console.log(
    `  peak during the call (${verify.peaks.samples} samples): rss ${mb(verify.peaks.rss)}, heap used ${mb(verify.peaks.heapUsed)}, ` +
      `heap total ${mb(verify.peaks.heapTotal)}, external+arrayBuffers ${mb(verify.peaks.external)}`,
  );

  heading('Baseline: raw createHash("sha256").update(text).digest("hex") over the same rows\' canonical texts');
  const raw = await benchRawHash(admin);
  if (raw.rows !== ROWS || raw.matching !== raw.rows) throw new Error(`raw baseline: ${raw.matching} of ${raw.rows} hashes match record_hash`);
  console.log(
    `  ${int(raw.rows)} texts, ${mb(raw.bytes)} (mean ${int(raw.bytes / raw.rows)} bytes), hashing ${raw.hashSeconds.toFixed(2)} s = ` +
      `${int(raw.rate)} rows/s (${fixed(raw.bytes / MB / raw.hashSeconds, 0)} MB/s); every digest equals the stored record_hash`,
  );
  console.log(
    `  for reference, one-shot crypto.hash('sha256', text, 'hex') (what verify uses on Node >= 20.12): ` +
      `${raw.oneShotSeconds.toFixed(2)} s = ${int(raw.oneShotRate)} rows/s`,
  );

  heading('Floor: the same query, same rows, same path (drizzle execute on node-postgres), rows fetched and dropped');
  const fetchOnly = await benchFetchOnly(handle);
  console.log(
    `  fetch only: ${int(fetchOnly.rows)} rows in ${fetchOnly.seconds.toFixed(2)} s = ${int(fetchOnly.rate)} rows/s; ` +
      `node CPU ${fixed(fetchOnly.cpuMicrosPerRow)} µs/row (raw createHash: ${fixed(1e6 / raw.rate)} µs/row, one-shot: ${fixed(1e6 / raw.oneShotRate)} µs/row)`,
  );
  const verifyRatio = verify.rate / raw.rate;
  console.log(
    `  verify / raw createHash = ${fixed(verifyRatio)}; verify / one-shot hash = ${fixed(verify.rate / raw.oneShotRate)}; ` +
      `verify / fetch only = ${fixed(verify.rate / fetchOnly.rate)}`,
  );

  heading('Appends: audit_log (chain trigger) vs audit_log_plain (no trigger)');
  const copied = await createPlainTable(admin);
  console.log(`  ${PLAIN_TABLE_NOTE}`);
  console.log(`  both tables hold ${int(copied)} rows before the appends start.`);
  console.log(
    `  insert into <table> (event_type, details) values ($1, $2): autocommit, one row per statement, one connection per writer; ` +
      `${WARMUP_PER_WRITER} warm-up inserts per writer per table; median of ${ROUNDS} rounds, alternating which table goes first.`,
  );
  const appends: AppendScenario[] = [];
  for (const { writers, perWriter } of APPEND_SCENARIOS) {
    appends.push(await benchAppends(database.url, writers, perWriter, ROUNDS, WARMUP_PER_WRITER));
  }
  for (const a of appends) {
    console.log(
      `  ${a.writers} writer(s) x ${int(a.perWriter)}: plain ${int(a.plain)} rows/s (${int(1e6 / a.plain)} µs/row), ` +
        `chained ${int(a.chained)} rows/s (${int(1e6 / a.chained)} µs/row), chained/plain ${fixed(a.ratio)}`,
    );
  }
  const eight = appends[appends.length - 1];
  console.log(
    `  ${eight.writers} chained writers append one at a time: ${int(1e6 / eight.chained)} µs per append between one writer ` +
      `taking the chain's advisory lock (first statement of the trigger) and releasing it (at commit).`,
  );

  heading('Sealing after insert, its least cost: audit_log_plain rows inserted, then their chain columns updated (bench/seal-shape.ts)');
  const seal = await benchSealShape(admin, database.url, eight.writers, 500, ROUNDS);
  console.log(
    `  ${seal.writers} writers: insert only ${int(seal.insertOnly)} rows/s, insert then update ${int(seal.insertThenSeal)} rows/s, ratio ${fixed(seal.ratio)} ` +
      `(no hashing, no lock: a ceiling for chaining rows after they are inserted)`,
  );

  heading('Diagnostics (untimed)');
  const waits = [
    await sampleLockWaits(database.url, 'audit_log', eight.writers, 300),
    await sampleLockWaits(database.url, 'audit_log_plain', eight.writers, 300),
  ];
  console.log(`  ${eight.writers} writers x 300 inserts, pg_stat_activity sampled every 10 ms:`);
  for (const w of waits) {
    console.log(
      `    ${w.table.padEnd(15)} on average ${fixed(w.advisoryWaiting, 1)} of ${w.writers} writers wait for the advisory lock, ` +
        `${fixed(w.busy, 1)} are active otherwise (${w.samples} samples)`,
    );
  }
  const profile = await profileTrigger(database.url, 500);
  if (!profile) {
    console.log('  trigger profile skipped: this role may not set track_functions or reset statistics');
  } else {
    console.log(`  chain trigger, 1 writer x ${profile.rows} inserts (pg_stat_user_functions, track_functions = 'all'; time includes callees):`);
    for (const [label, stats] of [
      ['autocommit, one row per transaction:', profile.autocommit],
      ['the same inserts in one transaction:', profile.oneTransaction],
    ] as const) {
      const detail = stats.map((f) => `${f.name} ${fixed(f.callsPerRow, 0)} call(s) ${fixed(f.microsPerRow, 1)} µs`).join(', ');
      console.log(`    ${label} per row ${detail || '(no function calls recorded)'}`);
    }
    const perRow = (stats: typeof profile.autocommit) => stats.find((f) => f.name === 'compute_audit_hash')?.microsPerRow ?? 0;
    console.log(
      `    the trigger costs ${fixed(perRow(profile.autocommit) - perRow(profile.oneTransaction), 0)} µs more per row when every row is ` +
        `its own transaction, all of it inside the lock; functions listed above were called, not inlined into the trigger's plan.`,
    );
  }

  const one = appends[0];
  const rows: SummaryRow[] = [
    {
      figure: `appends/s, ${one.writers} writer (chained vs plain)`,
      value: int(one.chained),
      baseline: int(one.plain),
      ratio: fixed(one.ratio),
      target: '-',
      met: null,
    },
    {
      figure: `appends/s, ${eight.writers} writers (chained vs plain)`,
      value: int(eight.chained),
      baseline: int(eight.plain),
      ratio: fixed(eight.ratio),
      target: `>= ${fixed(TARGET_APPEND_RATIO)}`,
      met: eight.ratio >= TARGET_APPEND_RATIO,
    },
    {
      figure: `appends/s, ${seal.writers} writers, insert then update of the chain columns (sealing's least cost, vs insert only)`,
      value: int(seal.insertThenSeal),
      baseline: int(seal.insertOnly),
      ratio: fixed(seal.ratio),
      target: '-',
      met: null,
    },
    {
      figure: 'verify rows/s (vs raw createHash sha256 rows/s)',
      value: int(verify.rate),
      baseline: int(raw.rate),
      ratio: fixed(verifyRatio),
      target: `>= ${fixed(TARGET_VERIFY_RATIO)}`,
      met: verifyRatio >= TARGET_VERIFY_RATIO,
    },
    {
      figure: 'verify rows/s (vs one-shot crypto.hash rows/s)',
      value: int(verify.rate),
      baseline: int(raw.oneShotRate),
      ratio: fixed(verify.rate / raw.oneShotRate),
      target: '-',
      met: null,
    },
    {
      figure: 'verify rows/s (vs fetch-only rows/s, no hashing)',
      value: int(verify.rate),
      baseline: int(fetchOnly.rate),
      ratio: fixed(verify.rate / fetchOnly.rate),
      target: '-',
      met: null,
    },
    {
      figure: 'verify peak RSS (vs before the call)',
      value: mb(verify.peaks.rss),
      baseline: mb(verify.baseline.rss),
      ratio: '-',
      target: `< ${mb(TARGET_PEAK_MEMORY)}`,
      met: verify.peaks.rss < TARGET_PEAK_MEMORY,
    },
    {
      figure: 'verify peak heap used (vs before the call)',
      value: mb(verify.peaks.heapUsed),
      baseline: mb(verify.baseline.heapUsed),
      ratio: '-',
      target: `< ${mb(TARGET_PEAK_MEMORY)}`,
      met: verify.peaks.heapUsed < TARGET_PEAK_MEMORY,
    },
    {
      figure: `load through the trigger, rows/s (${int(LOAD_CHUNK)}-row statements)`,
      value: int(ROWS / load.loadSeconds),
      baseline: '-',
      ratio: '-',
      target: '-',
      met: null,
    },
  ];
  return rows;
}

try {
  await main();
} catch (err) {
  if (!interrupted) {
    console.error(err);
    process.exitCode = 1;
  }
} finally {
  if (!interrupted) await cleanup();
}
