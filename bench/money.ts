// Section "money" (issue 10): the cost of keeping money right under concurrency, each figure beside a
// baseline measured in the same run.
//   - credit redemptions/s: 16 concurrent redeemers calling redeemCredit (the access layer: actor
//     resolved, the student's row locked, the package chosen and locked, a credit payment row, the
//     booking updated, an audit entry) against 16 connections sending the bare
//     UPDATE student_packages SET credits_used = credits_used + 1, the same number of times;
//   - the same with 16 redeemers on 16 different students (issue 20): nobody waits for anybody's row,
//     against 16 connections each sending the bare UPDATE to its own student's package row;
//   - invoice assignment/s: 16 concurrent completePayment calls (webhooks), each giving an invoice
//     number under the year's advisory lock, against 16 connections sending a plain status UPDATE to a
//     copy of the payments table without triggers; and, between them, the same status UPDATE on
//     payments itself (the database's numbering alone, without the access layer).
// All in one Canberra year, one student or 16 (redemptions), 16 students (completions), as the owner of a
// throwaway database (the operations run the same as for nexdrive_app; privileges do not change timing).
// Rounds alternate which side goes first; the median round is reported.
import pg from 'pg';
import { completePayment, redeemCredit, systemActor } from '../src/access/index.js';
import type { DbHandle } from '../src/db/engines/handle.js';
import { openPostgres } from '../src/db/engines/postgres.js';
import { fixed, int, median, seconds } from './measure.js';
import type { SummaryRow } from './report.js';

export const MONEY_WORKERS = 16;
/** Issue 20: 16 redeemers on 16 students at least 0.3x the plain UPDATE of 16 rows. */
const TARGET_SPREAD_RATIO = 0.3;
/** Issue 20, item 2: Node CPU per call of the money and booking operations. */
const TARGET_CPU_MS_PER_CALL = 0.5;

interface Side {
  name: string;
  run: (round: number) => Promise<number>; // seconds for MONEY_WORKERS x perWorker calls
}

async function openClients(url: string, n: number): Promise<pg.Client[]> {
  const clients = Array.from({ length: n }, () => new pg.Client({ connectionString: url, application_name: 'nexdrive-bench-money' }));
  await Promise.all(clients.map((c) => c.connect()));
  return clients;
}

/** Runs `work(worker, i)` for i < perWorker in each of MONEY_WORKERS workers at once; wall seconds. */
async function concurrently(perWorker: number, work: (worker: number, i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: MONEY_WORKERS }, async (_, worker) => {
    for (let i = 0; i < perWorker; i++) await work(worker, i);
  }));
  return seconds(started);
}

async function rows<T extends Record<string, unknown>>(client: pg.Client, text: string, values: unknown[] = []): Promise<T[]> {
  return (await client.query<T>(text, values)).rows;
}

/** A school for the bench: an instructor, `students` students (user ids user_benchN), one lesson service. */
async function createSchool(admin: pg.Client, students: number) {
  const [instructor] = await rows<{ id: string }>(admin, `
    with p as (insert into profiles (user_id, first_name, last_name, email, role)
               values ('user_benchinstructor', 'Rob', 'Bench', 'rob@bench.example', 'instructor') returning id, user_id)
    insert into instructors (user_id, profile_id, adi_number, adi_expiry) select user_id, id, '608', '2030-06-30' from p returning id`);
  const [service] = await rows<{ id: string }>(admin, `
    insert into services (name, slug, duration_minutes, price_cents, category) values ('Bench lesson', 'bench-lesson', 60, 10500, 'lesson') returning id`);
  const people = await rows<{ id: string; user_id: string }>(admin, `
    with p as (insert into profiles (user_id, first_name, last_name, email, role)
               select 'user_bench' || n, 'Sam', 'Bench' || n, 'sam' || n || '@bench.example', 'student' from generate_series(1, $1) n
               returning id, user_id)
    insert into students (user_id, profile_id, instructor_id) select user_id, id, $2 from p returning id, user_id`, [students, instructor.id]);
  return { instructorId: instructor.id, serviceId: service.id, students: people.map((s) => ({ id: s.id, userId: s.user_id })) };
}

/** `count` unpaid hour-long bookings of one student, back to back from `fromHour` hours after 2030-01-01. */
async function createBookings(admin: pg.Client, s: { instructorId: string; serviceId: string; studentId: string }, fromHour: number, count: number): Promise<string[]> {
  const made = await rows<{ id: string }>(admin, `
    insert into bookings (instructor_id, student_id, service_id, scheduled_date, start_time, end_time, duration_minutes, amount_cents)
    select $1, $2, $3, (t at time zone 'Australia/Canberra')::date, t, t + interval '1 hour', 60, 10500
      from (select timestamptz '2030-01-01 00:00:00+00' + make_interval(hours => h) as t from generate_series($4::int, $4::int + $5::int - 1) h) slots
    returning id`, [s.instructorId, s.studentId, s.serviceId, fromHour, count]);
  return made.map((r) => r.id);
}

/** A package the student holds; the plain baseline's is 'cancelled' (the same row, but never one redeemCredit may take). */
async function createHeldPackage(admin: pg.Client, studentId: string, credits: number, status: 'active' | 'cancelled' = 'active'): Promise<string> {
  const [pkg] = await rows<{ id: string }>(admin, `insert into packages (name, total_credits, price_cents) values ('Bench pack', $1, 0) returning id`, [credits]);
  const [held] = await rows<{ id: string }>(admin, `insert into student_packages (student_id, package_id, credits_total, status) values ($1, $2, $3, $4) returning id`, [studentId, pkg.id, credits, status]);
  return held.id;
}

async function measurePair(label: string, rounds: number, total: number, measured: Side, baseline: Side) {
  const measuredRates: number[] = [];
  const baselineRates: number[] = [];
  let cpuMicros = 0;
  let baselineCpuMicros = 0;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [baseline, measured] : [measured, baseline];
    for (const side of order) {
      const cpu = process.cpuUsage();
      const rate = total / (await side.run(r));
      const used = process.cpuUsage(cpu);
      if (side === measured) cpuMicros += used.user + used.system;
      else baselineCpuMicros += used.user + used.system;
      (side === measured ? measuredRates : baselineRates).push(rate);
    }
    console.log(
      `  ${label}, round ${r + 1}/${rounds}: ${baseline.name} ${int(baselineRates[r]).padStart(7)}/s, ${measured.name} ${int(measuredRates[r]).padStart(7)}/s, ` +
        `ratio ${fixed(measuredRates[r] / baselineRates[r])}`,
    );
  }
  // The bench runs every caller in this one Node thread: its CPU per call caps the measured rate.
  const cpuPerCall = cpuMicros / (rounds * total);
  console.log(`  ${measured.name}: this process spent ${fixed(cpuPerCall / 1000, 2)} ms of CPU per call (one thread: at most ${int(1e6 / cpuPerCall)} calls/s from here)`);
  return {
    measured: median(measuredRates),
    baseline: median(baselineRates),
    /** Node CPU per call, ms, of each side (the baseline: node-postgres sending one UPDATE). */
    cpuMs: cpuPerCall / 1000,
    baselineCpuMs: baselineCpuMicros / (rounds * total) / 1000,
  };
}

/** Issue 20, item 2: Node CPU per call of a money operation, against the plain UPDATE's. */
function cpuRow(operation: string, pair: { cpuMs: number; baselineCpuMs: number }): SummaryRow {
  return {
    figure: `Node CPU per ${operation} call, ms (vs one plain UPDATE through node-postgres)`,
    value: fixed(pair.cpuMs, 2), baseline: fixed(pair.baselineCpuMs, 3), ratio: fixed(pair.cpuMs / pair.baselineCpuMs, 1),
    target: `<= ${fixed(TARGET_CPU_MS_PER_CALL, 1)} ms`, met: pair.cpuMs <= TARGET_CPU_MS_PER_CALL,
  };
}

export async function benchMoney(url: string, rounds: number, perWorker: number): Promise<SummaryRow[]> {
  const total = MONEY_WORKERS * perWorker;
  const admin = new pg.Client({ connectionString: url, application_name: 'nexdrive-bench-money-admin' });
  await admin.connect();
  const handle: DbHandle = await openPostgres({ url, max: MONEY_WORKERS + 2 });
  const clients = await openClients(url, MONEY_WORKERS);
  try {
    const school = await createSchool(admin, MONEY_WORKERS);
    console.log(`  ${MONEY_WORKERS} workers x ${int(perWorker)} calls per round (${int(total)} per side), ${rounds} rounds, median round reported.`);

    // ─── Credit redemptions: one student, one package, MONEY_WORKERS redeemers ───
    const redeemer = school.students[0];
    const heldId = await createHeldPackage(admin, redeemer.id, total * rounds + MONEY_WORKERS + perWorker);
    const plainId = await createHeldPackage(admin, redeemer.id, total * rounds + MONEY_WORKERS, 'cancelled');
    const bookingIds = await createBookings(admin, { ...school, studentId: redeemer.id }, 0, total * rounds + MONEY_WORKERS);
    const actor = { userId: redeemer.userId, role: 'student' as const };
    const warm = bookingIds.splice(0, MONEY_WORKERS);
    await Promise.all(warm.map((bookingId) => redeemCredit(handle.db, actor, { bookingId })));
    await Promise.all(clients.map((c) => c.query('update student_packages set credits_used = credits_used + 1 where id = $1', [plainId])));
    const redemptions = await measurePair('redemptions', rounds, total,
      {
        name: 'redeemCredit',
        run: (round) => concurrently(perWorker, (w, i) => redeemCredit(handle.db, actor, { bookingId: bookingIds[round * total + w * perWorker + i] })),
      },
      {
        name: 'plain UPDATE credits_used + 1',
        run: () => concurrently(perWorker, (w) => clients[w].query('update student_packages set credits_used = credits_used + 1 where id = $1', [plainId])),
      },
    );
    // Diagnostic (untimed in the summary): one redeemer alone, so the 16 above can be read as one
    // student's operations taking turns (they lock the student's row) rather than as contention cost.
    const alone = await createBookings(admin, { ...school, studentId: redeemer.id }, total * rounds + MONEY_WORKERS, perWorker);
    const aloneStarted = performance.now();
    for (const bookingId of alone) await redeemCredit(handle.db, actor, { bookingId });
    const aloneRate = perWorker / seconds(aloneStarted);
    console.log(`  one redeemer alone: ${int(aloneRate)} redeemCredit/s (${fixed(1000 / aloneRate, 1)} ms each); with 16 the student's row lets one through at a time`);
    const [held] = await rows<{ used: number }>(admin, 'select credits_used as used from student_packages where id = $1', [heldId]);
    const expectedUsed = total * rounds + MONEY_WORKERS + perWorker;
    if (held.used !== expectedUsed) throw new Error(`redemptions: ${held.used} credits used, expected ${expectedUsed}`);

    // ─── Credit redemptions: MONEY_WORKERS students, one redeemer each (issue 20, item 5) ───
    // The one-student figure above measures a queue by design (the student's row lets one through at a
    // time); here no two callers share a student, a package or a booking, so what remains is each
    // operation's own cost. The baseline is MONEY_WORKERS connections each sending the plain UPDATE to its
    // own student's package row, the same number of times.
    const manyBase = total * rounds + MONEY_WORKERS + perWorker; // hours after the single redeemer's bookings
    const perStudent = perWorker * rounds + 1; // + one warm-up each
    const many: Array<{ actor: { userId: string; role: 'student' }; heldId: string; plainId: string; bookingIds: string[] }> = [];
    for (const [w, student] of school.students.entries()) {
      many.push({
        actor: { userId: student.userId, role: 'student' },
        heldId: await createHeldPackage(admin, student.id, perStudent),
        plainId: await createHeldPackage(admin, student.id, perStudent, 'cancelled'),
        bookingIds: await createBookings(admin, { ...school, studentId: student.id }, manyBase + w * perStudent, perStudent),
      });
    }
    await Promise.all(many.map((m) => redeemCredit(handle.db, m.actor, { bookingId: m.bookingIds.shift()! })));
    await Promise.all(clients.map((c, w) => c.query('update student_packages set credits_used = credits_used + 1 where id = $1', [many[w].plainId])));
    const spread = await measurePair(`redemptions, ${MONEY_WORKERS} students`, rounds, total,
      {
        name: 'redeemCredit',
        run: (round) => concurrently(perWorker, (w, i) => redeemCredit(handle.db, many[w].actor, { bookingId: many[w].bookingIds[round * perWorker + i] })),
      },
      {
        name: 'plain UPDATE credits_used + 1 (own row each)',
        run: () => concurrently(perWorker, (w) => clients[w].query('update student_packages set credits_used = credits_used + 1 where id = $1', [many[w].plainId])),
      },
    );
    const spent = await rows<{ used: number }>(admin, 'select credits_used as used from student_packages where id = any($1::uuid[])', [many.map((m) => m.heldId)]);
    if (spent.length !== MONEY_WORKERS || spent.some((r) => r.used !== perStudent)) {
      throw new Error(`redemptions of ${MONEY_WORKERS} students: credits used ${spent.map((r) => r.used).join(', ')}, expected ${perStudent} each`);
    }

    // ─── Invoice numbers: MONEY_WORKERS students, each completing its own pending payments ───
    const paymentsEach = (perWorker * rounds + 1) * 2 + perWorker; // + the solo completer's (student 0)
    await admin.query(`
      insert into payments (student_id, amount_cents, payment_method, gateway, description)
      select s, 10500, 'card', 'stripe', 'bench' from unnest($1::uuid[]) s, generate_series(1, $2)`, [school.students.map((s) => s.id), paymentsEach]);
    const pendingOf = new Map<string, string[]>();
    for (const r of await rows<{ student_id: string; id: string }>(admin, `select student_id, id from payments where description = 'bench' and status = 'pending' order by id`)) {
      (pendingOf.get(r.student_id) ?? pendingOf.set(r.student_id, []).get(r.student_id)!).push(r.id);
    }
    const queues = school.students.map((s) => pendingOf.get(s.id)!);
    await admin.query('create table payments_plain (like payments including defaults)');
    await admin.query(`insert into payments_plain select * from payments where description = 'bench'`);
    await admin.query('alter table payments_plain add primary key (id)');
    const webhook = systemActor('webhook:stripe');
    const take = (w: number) => queues[w].pop()!;
    // warm-up: one of each per worker
    // A webhook names the gateway payment it reports (src/access/money/gateway.ts): the bench's own id.
    const complete = (paymentId: string) => completePayment(handle.db, webhook, { paymentId, gatewayPaymentId: `pi_bench_${paymentId}` });
    await Promise.all(clients.map((_, w) => complete(take(w))));
    await Promise.all(clients.map((c, w) => c.query(`update payments set status = 'completed' where id = $1`, [take(w)])));
    const plainQueues = queues.map((q) => [...q]);
    const completions = await measurePair('completions', rounds, total,
      { name: 'completePayment', run: () => concurrently(perWorker, (w) => complete(take(w))) },
      { name: 'plain status UPDATE (no trigger)', run: () => concurrently(perWorker, (w) => clients[w].query(`update payments_plain set status = 'completed' where id = $1`, [plainQueues[w].pop()])) },
    );
    const triggerRates: number[] = [];
    for (let r = 0; r < rounds; r++) {
      triggerRates.push(total / (await concurrently(perWorker, (w) => clients[w].query(`update payments set status = 'completed' where id = $1`, [take(w)]))));
    }
    const trigger = median(triggerRates);
    const soloQueue = queues[0].splice(0, perWorker);
    const soloStarted = performance.now();
    for (const paymentId of soloQueue) await complete(paymentId);
    const soloRate = perWorker / seconds(soloStarted);
    console.log(`  one completer alone: ${int(soloRate)} completePayment/s (${fixed(1000 / soloRate, 1)} ms each)`);
    console.log(`  raw status UPDATE on payments (the database numbering, no access layer): ${triggerRates.map((x) => int(x)).join(', ')}/s, median ${int(trigger)}/s`);
    const numbers = await rows<{ n: number; distinct_n: number; max_n: number }>(admin, `
      select count(*)::int as n, count(distinct invoice_number)::int as distinct_n, max(substr(invoice_number, 10)::int) as max_n
        from payments where invoice_number is not null`);
    const { n, distinct_n, max_n } = numbers[0];
    if (n !== distinct_n || n !== max_n) throw new Error(`invoice numbers: ${n} given, ${distinct_n} distinct, highest ${max_n}: not gapless`);
    console.log(`  ${int(n)} invoice numbers given, all distinct, 0001..${String(max_n).padStart(4, '0')} with no gap`);

    return [
      {
        figure: `credit redemptions/s, ${MONEY_WORKERS} redeemers on 1 student (redeemCredit vs plain UPDATE credits_used + 1)`,
        value: int(redemptions.measured), baseline: int(redemptions.baseline), ratio: fixed(redemptions.measured / redemptions.baseline), target: '-', met: null,
      },
      {
        figure: `credit redemptions/s, ${MONEY_WORKERS} redeemers on ${MONEY_WORKERS} students (vs plain UPDATE, own row each)`,
        value: int(spread.measured), baseline: int(spread.baseline), ratio: fixed(spread.measured / spread.baseline),
        target: `>= ${fixed(TARGET_SPREAD_RATIO)}`, met: spread.measured / spread.baseline >= TARGET_SPREAD_RATIO,
      },
      {
        figure: `invoice assignments/s, ${MONEY_WORKERS} completers (completePayment vs plain status UPDATE)`,
        value: int(completions.measured), baseline: int(completions.baseline), ratio: fixed(completions.measured / completions.baseline), target: '-', met: null,
      },
      {
        figure: `invoice assignments/s, ${MONEY_WORKERS} raw status UPDATEs through the trigger (vs plain)`,
        value: int(trigger), baseline: int(completions.baseline), ratio: fixed(trigger / completions.baseline), target: '-', met: null,
      },
      cpuRow(`redeemCredit (${MONEY_WORKERS} students)`, spread),
      cpuRow('completePayment', completions),
    ];
  } finally {
    await Promise.all(clients.map((c) => c.end()));
    await handle.close();
    await admin.end();
  }
}
